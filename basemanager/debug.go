// debug.go mirrors Server.number_of_objects and Server.debug_info in
// Python's managers.py: what a server holds, for tests and curious eyes.

package basemanager

import (
	"fmt"
	"slices"
	"strings"
)

// NumberOfObjects returns how many shared objects the server holds:
// Python's _number_of_objects.
func (s *Server) NumberOfObjects() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.objects)
}

// DebugInfo describes every shared object, one line each, as
// "id: typeid refcount=N value": Python's _debug_info.
func (s *Server) DebugInfo() string {
	type entry struct {
		obj  *object
		refs int
	}
	s.mu.Lock()
	entries := make([]entry, 0, len(s.objects))
	for _, obj := range s.objects {
		entries = append(entries, entry{obj, obj.refs})
	}
	s.mu.Unlock()
	slices.SortFunc(entries, func(a, b entry) int { return int(a.obj.id) - int(b.obj.id) })
	var b strings.Builder
	for _, e := range entries {
		e.obj.mu.Lock()
		str := e.obj.str()
		e.obj.mu.Unlock()
		if len(str) > 75 {
			str = str[:75]
		}
		fmt.Fprintf(&b, "%d: %s refcount=%d\n    %s\n", e.obj.id, e.obj.reg.typeid, e.refs, str)
	}
	return b.String()
}

// debug.go mirrors number_of_objects and debug_info in Python's
// managers.py (Server's, and BaseManager's _number_of_objects and
// _debug_info): what a server holds, for tests and curious eyes.

package basemanager

import (
	"fmt"
	"slices"
	"strings"

	"gomanager/proxy/wire"
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

// NumberOfObjects asks the server how many shared objects it holds:
// Python's manager._number_of_objects().
func (m *Manager) NumberOfObjects() (int, error) {
	var n int
	err := m.control("NumberOfObjects", &n)
	return n, err
}

// DebugInfo asks the server to describe its shared objects:
// Python's manager._debug_info().
func (m *Manager) DebugInfo() (string, error) {
	var s string
	err := m.control("DebugInfo", &s)
	return s, err
}

func (m *Manager) control(method string, reply any) error {
	m.mu.Lock()
	client, address := m.client, m.address
	m.mu.Unlock()
	if client == nil {
		return m.notConnected(method)
	}
	if err := client.Call(wire.ServiceName+"."+method, &wire.Empty{}, reply); err != nil {
		return rpcError(method, address, err)
	}
	return nil
}

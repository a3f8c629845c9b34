// identity.go mirrors Python's use of id(obj) as the key of id_to_obj: two
// callables that return the same referent share one object entry (and one
// lock), so a closure returning an existing pointer shares that object.
// Boxed copies have no identity. The index is package referents.

package basemanager

import (
	"reflect"

	"gomanager/basemanager/internal/referents"
)

func newReferentIndex() *referents.Index[*object] {
	return referents.New(func(obj *object) reflect.Type { return obj.value.Type() })
}

// lookupLocked returns the object the server already holds for obj's
// referent, if any. The caller holds s.mu.
func (s *Server) lookupLocked(obj *object) *object {
	if obj.boxed {
		return nil
	}
	existing, _ := s.referents.Lookup(referents.KeyOf(obj.value))
	return existing
}

// rememberLocked indexes a new object by its referent. The caller holds s.mu.
func (s *Server) rememberLocked(obj *object) {
	if !obj.boxed {
		s.referents.Add(referents.KeyOf(obj.value), obj)
	}
}

// forgetLocked removes a freed object from the index. The caller holds s.mu.
func (s *Server) forgetLocked(obj *object) {
	if !obj.boxed {
		s.referents.Remove(referents.KeyOf(obj.value), obj)
	}
}

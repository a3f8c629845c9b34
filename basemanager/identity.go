// identity.go mirrors Python's use of id(obj) as the key of id_to_obj: two
// callables that return the same referent share one object entry (and one
// lock), so a closure returning an existing pointer shares that object.

package basemanager

import (
	"reflect"
	"unsafe"
)

// identity tells whether two callables returned the same referent.
// Referents kept as they came (pointers, maps, chans) have one; boxed
// copies have none.
type identity struct {
	t reflect.Type
	p unsafe.Pointer
}

// identity returns the key under which byPtr holds obj, if it has one.
func (obj *object) identity() (identity, bool) {
	if obj.boxed {
		return identity{}, false
	}
	return identity{obj.value.Type(), obj.value.UnsafePointer()}, true
}

// lookupLocked returns the object the server already holds for obj's
// referent, if any. Objects are found by address alone, in byPtr: a slot
// half the size of one keyed by type and address, which matters with
// many objects. Two referents of different types can share an address (a
// struct and its first field, zero-size values): the second one's entry
// is in byIdent. The caller holds s.mu.
func (s *Server) lookupLocked(obj *object) *object {
	key, ok := obj.identity()
	if !ok {
		return nil
	}
	if found := s.byPtr[key.p]; found != nil && found.value.Type() == key.t {
		return found
	}
	return s.byIdent[key]
}

// rememberLocked indexes a new object by its referent. The caller holds s.mu.
func (s *Server) rememberLocked(obj *object) {
	key, ok := obj.identity()
	switch {
	case !ok:
	case s.byPtr[key.p] == nil:
		s.byPtr[key.p] = obj
	default:
		s.byIdent[key] = obj
	}
}

// forgetLocked removes a freed object from the index. The caller holds s.mu.
func (s *Server) forgetLocked(obj *object) {
	key, ok := obj.identity()
	switch {
	case !ok:
	case s.byPtr[key.p] == obj:
		delete(s.byPtr, key.p)
	default:
		delete(s.byIdent, key)
	}
}

// Package referents is how a manager's server finds the entry it keeps for
// a referent, as Python's id_to_obj is keyed by id(obj): two callables that
// return the same pointer (or map, or chan) share one entry.
//
// Entries are found by address alone: a map slot half the size of one
// keyed by type and address, which matters with many objects. Two
// referents of different types can share an address (a struct and its
// first field, zero-size values): the second one's entry is kept aside,
// keyed by type and address.
package referents

import (
	"reflect"
	"unsafe"
)

// Key identifies a referent: its type and its address.
type Key struct {
	T reflect.Type
	P unsafe.Pointer
}

// KeyOf returns the key of a referent kept as it came (a pointer, map or
// chan value).
func KeyOf(v reflect.Value) Key { return Key{v.Type(), v.UnsafePointer()} }

// Index maps referents to entries of type E. The zero value is not ready:
// use New. It is not safe for concurrent use; the server guards it.
type Index[E comparable] struct {
	typeOf func(E) reflect.Type // the referent type of an entry
	byPtr  map[unsafe.Pointer]E // one entry per address
	byKey  map[Key]E            // the rare second referent at an address
}

// New returns an empty index; typeOf tells the type of an entry's referent.
func New[E comparable](typeOf func(E) reflect.Type) *Index[E] {
	return &Index[E]{typeOf: typeOf, byPtr: map[unsafe.Pointer]E{}, byKey: map[Key]E{}}
}

// Lookup returns the entry of the referent with key k, if there is one.
func (ix *Index[E]) Lookup(k Key) (E, bool) {
	if e, ok := ix.byPtr[k.P]; ok && ix.typeOf(e) == k.T {
		return e, true
	}
	e, ok := ix.byKey[k]
	return e, ok
}

// Add records e as the entry of the referent with key k, which has none.
func (ix *Index[E]) Add(k Key, e E) {
	if _, taken := ix.byPtr[k.P]; !taken {
		ix.byPtr[k.P] = e
		return
	}
	ix.byKey[k] = e
}

// Remove forgets e, the entry of the referent with key k.
func (ix *Index[E]) Remove(k Key, e E) {
	if ix.byPtr[k.P] == e {
		delete(ix.byPtr, k.P)
		return
	}
	delete(ix.byKey, k)
}

// set.go mirrors SetProxy in Python's managers.py (the set typeid, Python
// 3.14): a typed handle with add, discard, remove, pop, membership, the
// set operations and their _update forms, and live iteration through an
// Iterator proxy.

package proxy

import "iter"

// Set is a handle to a shared set of T values (Python's manager.set()).
// Elements compare as Python's do: numbers by value, whatever their Go
// types, so a Go client's Set[int32] and a Python client's ints meet.
// Elements keep the order they were added in (Items, iteration, String);
// Pop takes the one added last.
//
// The operations that give a new set in Python (Union, Intersection,
// Difference, SymmetricDifference) return plain slices, copies; the
// _update forms change the shared set, atomically. Each takes the other
// collection as items.
//
// Elements travel as copies; a T other than a builtin scalar travels with
// gob, so the server's process must know the type too (NewSet and SetOf
// register it on this side).
type Set[T comparable] struct{ *Proxy }

// NewSet creates a shared set holding items: Python's manager.set(items).
func NewSet[T comparable](m Getter, items ...T) (*Set[T], error) {
	registerValueType[T]()
	p, err := m.Get("set", anySlice(items)...)
	if err != nil {
		return nil, err
	}
	return SetOf[T](p), nil
}

// SetOf wraps a proxy to a set whose elements are T.
func SetOf[T comparable](p *Proxy) *Set[T] {
	registerValueType[T]()
	return &Set[T]{p}
}

// Add adds v: Python's s.add(v).
func (s *Set[T]) Add(v T) error { return s.call("Add", v) }

// Discard removes v if it is there: Python's s.discard(v).
func (s *Set[T]) Discard(v T) error { return s.call("Discard", v) }

// Remove removes v: Python's s.remove(v). If v is not there, it fails with
// an error wrapping ErrKeyNotFound (Python's KeyError).
func (s *Set[T]) Remove(v T) error { return s.call("Remove", v) }

// Pop removes and returns an element, the one added last: Python's
// s.pop(). An empty set fails with an error wrapping ErrKeyNotFound.
func (s *Set[T]) Pop() (T, error) { return Call[T](s.Proxy, "Pop") }

// Clear removes every element: Python's s.clear().
func (s *Set[T]) Clear() error { return s.call("Clear") }

// Contains reports whether v is in the set: Python's v in s.
func (s *Set[T]) Contains(v T) (bool, error) { return Call[bool](s.Proxy, "Contains", v) }

// Len returns the number of elements: Python's len(s).
func (s *Set[T]) Len() (int, error) { return Call[int](s.Proxy, "Len") }

// Items returns a copy of the elements, in order: Python's s.copy() or
// list(s), one round trip.
func (s *Set[T]) Items() ([]T, error) { return s.slice("Items") }

// Iter returns a handle to a new iterator over the elements, living in the
// manager: Python's iter(s). If elements are added or removed while it
// walks, its Next fails with an error wrapping ErrChangedDuringIteration.
// Close it when done.
func (s *Set[T]) Iter() (*Iterator[T], error) {
	p, err := Call[*Proxy](s.Proxy, "Iter")
	if err != nil {
		return nil, err
	}
	return IteratorOf[T](p), nil
}

// Range iterates over the elements through a remote Iterator, which it
// closes at the end: Python's for v in s. An error is yielded once and
// ends the loop. Items is one round trip for all elements, and a snapshot.
func (s *Set[T]) Range() iter.Seq2[T, error] { return rangeOver(s.Iter) }

// Update adds every one of items: Python's s.update(items) and s |= items.
func (s *Set[T]) Update(items ...T) error { return s.call("Update", anySlice(items)...) }

// IntersectionUpdate keeps only the elements among items: Python's
// s.intersection_update(items) and s &= items.
func (s *Set[T]) IntersectionUpdate(items ...T) error {
	return s.call("IntersectionUpdate", anySlice(items)...)
}

// DifferenceUpdate removes every one of items: Python's
// s.difference_update(items) and s -= items.
func (s *Set[T]) DifferenceUpdate(items ...T) error {
	return s.call("DifferenceUpdate", anySlice(items)...)
}

// SymmetricDifferenceUpdate keeps the elements not among items and adds
// the items not in the set: Python's s.symmetric_difference_update(items)
// and s ^= items.
func (s *Set[T]) SymmetricDifferenceUpdate(items ...T) error {
	return s.call("SymmetricDifferenceUpdate", anySlice(items)...)
}

// Union returns the elements, then the items not among them: Python's
// s.union(items) and s | items. The shared set does not change.
func (s *Set[T]) Union(items ...T) ([]T, error) { return s.slice("Union", anySlice(items)...) }

// Intersection returns the elements that are among items: Python's
// s.intersection(items) and s & items.
func (s *Set[T]) Intersection(items ...T) ([]T, error) {
	return s.slice("Intersection", anySlice(items)...)
}

// Difference returns the elements that are not among items: Python's
// s.difference(items) and s - items.
func (s *Set[T]) Difference(items ...T) ([]T, error) {
	return s.slice("Difference", anySlice(items)...)
}

// SymmetricDifference returns the elements not among items, then the
// items not in the set: Python's s.symmetric_difference(items) and s ^ items.
func (s *Set[T]) SymmetricDifference(items ...T) ([]T, error) {
	return s.slice("SymmetricDifference", anySlice(items)...)
}

// IsSubset reports whether every element is among items: Python's
// s.issubset(items) and s <= items.
func (s *Set[T]) IsSubset(items ...T) (bool, error) {
	return Call[bool](s.Proxy, "IsSubset", anySlice(items)...)
}

// IsSuperset reports whether every one of items is in the set: Python's
// s.issuperset(items) and s >= items.
func (s *Set[T]) IsSuperset(items ...T) (bool, error) {
	return Call[bool](s.Proxy, "IsSuperset", anySlice(items)...)
}

// IsDisjoint reports whether none of items is in the set: Python's
// s.isdisjoint(items).
func (s *Set[T]) IsDisjoint(items ...T) (bool, error) {
	return Call[bool](s.Proxy, "IsDisjoint", anySlice(items)...)
}

func (s *Set[T]) call(method string, args ...any) error {
	_, err := s.CallMethod(method, args...)
	return err
}

func (s *Set[T]) slice(method string, args ...any) ([]T, error) {
	v, err := s.CallMethod(method, args...)
	if err != nil {
		return nil, err
	}
	return asSlice[T](v, "set."+method)
}

// set.go mirrors the set typeid of Python's managers.py (3.14: a set
// behind a SetProxy): add, discard, remove, pop, membership, the set
// operations and their _update forms, and iteration through an Iterator
// proxy.

package sharedtypes

import (
	"fmt"
	"math"
	"reflect"
	"strings"

	"gomanager/proxy"
)

// Set is a set shared between clients: Python's set. Its elements must be
// comparable with Go's ==, and they compare as Python's do: numbers by
// value, whatever their Go types (1, int64(1), 1.0 and true are one
// element, the first added kept, as Python's {1, 1.0, True} is {1}).
//
// Elements keep the order in which they were added, for Items, iteration
// and String (Python's order is its hash table's; neither is promised).
// Pop removes the element added last.
type Set struct {
	d Dict // setKey(element) -> the element as first added; d.mu guards it
}

// NewSet returns a set holding items: Python's set(items).
func NewSet(items ...any) (*Set, error) {
	s := &Set{d: Dict{index: map[any]int{}}}
	if err := s.Update(items...); err != nil {
		return nil, err
	}
	return s, nil
}

// Add adds v: Python's s.add(v). An element Go cannot compare is an error
// wrapping proxy.ErrBadArgument (Python's TypeError: unhashable type).
func (s *Set) Add(v any) error { return s.Update(v) }

// Discard removes v if it is there: Python's s.discard(v).
func (s *Set) Discard(v any) error {
	k, err := setKey(v)
	if err != nil {
		return err
	}
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	if i, ok := s.d.index[k]; ok {
		s.d.remove(i)
	}
	return nil
}

// Remove removes v: Python's s.remove(v). If v is not there, it fails with
// an error wrapping proxy.ErrKeyNotFound (Python's KeyError).
func (s *Set) Remove(v any) error {
	k, err := setKey(v)
	if err != nil {
		return err
	}
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	i, ok := s.d.index[k]
	if !ok {
		return fmt.Errorf("element %s not in set (use Discard, or test with Contains): %w", pyRepr(v), proxy.ErrKeyNotFound)
	}
	s.d.remove(i)
	return nil
}

// Pop removes and returns an element, the one added last: Python's
// s.pop(). An empty set is an error wrapping proxy.ErrKeyNotFound.
func (s *Set) Pop() (any, error) {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	if len(s.d.entries) == 0 {
		return nil, fmt.Errorf("pop from an empty set (check Len first): %w", proxy.ErrKeyNotFound)
	}
	return s.d.remove(len(s.d.entries) - 1), nil // live: entries never ends with a hole
}

// Clear removes every element: Python's s.clear().
func (s *Set) Clear() { s.d.Clear() }

// Contains reports whether v is in the set: Python's v in s. An element
// Go cannot compare is in no set.
func (s *Set) Contains(v any) bool {
	k, err := setKey(v)
	if err != nil {
		return false
	}
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	_, ok := s.d.index[k]
	return ok
}

// Len returns the number of elements: Python's len(s).
func (s *Set) Len() int { return s.d.Len() }

// Items returns the elements, in order: Python's list(s), and s.copy() as
// plain data.
func (s *Set) Items() []any { return s.d.Values() }

// Iter returns an iterator over the elements: Python's iter(s).
// Registered with basemanager.MethodToTypeid, the caller gets a proxy to
// it. If elements are added or removed while it walks, its Next fails with
// an error wrapping proxy.ErrChangedDuringIteration (Python's RuntimeError
// "Set changed size during iteration").
func (s *Set) Iter() *Iterator {
	s.d.mu.Lock()
	size, layout := len(s.d.index), s.d.layout
	s.d.mu.Unlock()
	pos := 0
	return newIterator("set", func() (any, bool, error) {
		s.d.mu.Lock()
		defer s.d.mu.Unlock()
		if len(s.d.index) != size || s.d.layout != layout {
			return nil, false, fmt.Errorf("set changed size during iteration (iterate over Items() to change the set meanwhile): %w",
				proxy.ErrChangedDuringIteration)
		}
		for pos < len(s.d.entries) && !s.d.entries[pos].live {
			pos++
		}
		if pos == len(s.d.entries) {
			return nil, false, nil
		}
		pos++
		return s.d.entries[pos-1].value, true, nil
	})
}

// Update adds every one of items: Python's s.update(items) and s |= items.
// It changes nothing if any of them cannot be an element.
func (s *Set) Update(items ...any) error {
	keys, err := setKeys(items)
	if err != nil {
		return err
	}
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	for i, k := range keys {
		if _, ok := s.d.index[k]; !ok {
			s.d.set(k, items[i])
		}
	}
	return nil
}

// IntersectionUpdate keeps only the elements that are among items:
// Python's s.intersection_update(items) and s &= items.
func (s *Set) IntersectionUpdate(items ...any) error {
	return s.filter(items, func(in bool) bool { return in })
}

// DifferenceUpdate removes every one of items: Python's
// s.difference_update(items) and s -= items.
func (s *Set) DifferenceUpdate(items ...any) error {
	return s.filter(items, func(in bool) bool { return !in })
}

// SymmetricDifferenceUpdate keeps the elements not among items and adds
// the items not in the set: Python's s.symmetric_difference_update(items)
// and s ^= items.
func (s *Set) SymmetricDifferenceUpdate(items ...any) error {
	keys, err := setKeys(items)
	if err != nil {
		return err
	}
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	seen := make(map[any]bool, len(keys))
	for i, k := range keys {
		if seen[k] {
			continue // items is a set to Python: each counts once
		}
		seen[k] = true
		if j, ok := s.d.index[k]; ok {
			s.d.remove(j)
		} else {
			s.d.set(k, items[i])
		}
	}
	return nil
}

// Union returns the elements, then the items not among them: Python's
// s.union(items) and s | items, as plain data; the set does not change.
func (s *Set) Union(items ...any) ([]any, error) {
	out, err := NewSet(s.Items()...)
	if err != nil {
		return nil, err
	}
	if err := out.Update(items...); err != nil {
		return nil, err
	}
	return out.Items(), nil
}

// Intersection returns the elements that are among items: Python's
// s.intersection(items) and s & items.
func (s *Set) Intersection(items ...any) ([]any, error) {
	return s.selected(items, func(in bool) bool { return in })
}

// Difference returns the elements that are not among items: Python's
// s.difference(items) and s - items.
func (s *Set) Difference(items ...any) ([]any, error) {
	return s.selected(items, func(in bool) bool { return !in })
}

// SymmetricDifference returns the elements not among items, then the
// items not in the set: Python's s.symmetric_difference(items) and
// s ^ items.
func (s *Set) SymmetricDifference(items ...any) ([]any, error) {
	out, err := NewSet(s.Items()...)
	if err != nil {
		return nil, err
	}
	if err := out.SymmetricDifferenceUpdate(items...); err != nil {
		return nil, err
	}
	return out.Items(), nil
}

// IsSubset reports whether every element is among items: Python's
// s.issubset(items) and s <= items.
func (s *Set) IsSubset(items ...any) (bool, error) {
	among, err := keySet(items)
	if err != nil {
		return false, err
	}
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	for k := range s.d.index {
		if !among[k] {
			return false, nil
		}
	}
	return true, nil
}

// IsSuperset reports whether every one of items is in the set: Python's
// s.issuperset(items) and s >= items.
func (s *Set) IsSuperset(items ...any) (bool, error) {
	return s.every(items, true)
}

// IsDisjoint reports whether none of items is in the set: Python's
// s.isdisjoint(items).
func (s *Set) IsDisjoint(items ...any) (bool, error) {
	return s.every(items, false)
}

// String formats the set as Python's repr does: {1, 'a'}, or set() when
// empty. It serves str(proxy) and the server's DebugInfo.
func (s *Set) String() string {
	items := s.Items()
	if len(items) == 0 {
		return "set()"
	}
	parts := make([]string, len(items))
	for i, v := range items {
		parts[i] = pyRepr(v)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// GoString is String, for the server's __repr__.
func (s *Set) GoString() string { return s.String() }

// GetValue returns the elements for Proxy.GetValue (Python's _getvalue(),
// which returns a plain set).
func (s *Set) GetValue() any { return s.Items() }

// filter keeps the elements for which keep(element is among items) holds.
func (s *Set) filter(items []any, keep func(in bool) bool) error {
	among, err := keySet(items)
	if err != nil {
		return err
	}
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	var doomed []any
	for _, e := range s.d.entries {
		if e.live && !keep(among[e.key]) {
			doomed = append(doomed, e.key)
		}
	}
	for _, k := range doomed {
		s.d.remove(s.d.index[k]) // by key: a removal may compact the positions
	}
	return nil
}

// selected returns the elements for which keep(element is among items)
// holds.
func (s *Set) selected(items []any, keep func(in bool) bool) ([]any, error) {
	among, err := keySet(items)
	if err != nil {
		return nil, err
	}
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	var out []any
	for _, e := range s.d.entries {
		if e.live && keep(among[e.key]) {
			out = append(out, e.value)
		}
	}
	return out, nil
}

// every reports whether each of items is in the set (in true) or each is
// not (in false).
func (s *Set) every(items []any, in bool) (bool, error) {
	keys, err := setKeys(items)
	if err != nil {
		return false, err
	}
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	for _, k := range keys {
		if _, ok := s.d.index[k]; ok != in {
			return false, nil
		}
	}
	return true, nil
}

// setKey is the key an element is found by: the element itself, except
// that numbers (and bools) equal as Python's are get one key: int64 for a
// whole number that fits, uint64 for a larger whole one, float64 for the
// rest. An element Go cannot compare is an error wrapping
// proxy.ErrBadArgument.
func setKey(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	rv := reflect.ValueOf(v)
	switch kindOf(rv) {
	case signedNumber:
		return rv.Int(), nil
	case unsignedNumber:
		if u := rv.Uint(); u > math.MaxInt64 {
			return u, nil
		}
		return int64(rv.Uint()), nil
	case floatNumber:
		f := rv.Float()
		switch {
		case f != math.Trunc(f): // also NaN and the infinities
		case f >= math.MinInt64 && f < math.MaxInt64:
			return int64(f), nil
		case f >= 0 && f < math.MaxUint64:
			return uint64(f), nil
		}
		return f, nil
	}
	if rv.Kind() == reflect.Bool {
		if rv.Bool() {
			return int64(1), nil
		}
		return int64(0), nil
	}
	if !rv.Comparable() {
		return nil, fmt.Errorf("unhashable element %s (%s): a set element must be comparable with == (use a string, a number or a struct of those): %w",
			pyRepr(v), typeName(v), proxy.ErrBadArgument)
	}
	return v, nil
}

// setKeys is setKey of every item.
func setKeys(items []any) ([]any, error) {
	keys := make([]any, len(items))
	for i, v := range items {
		k, err := setKey(v)
		if err != nil {
			return nil, err
		}
		keys[i] = k
	}
	return keys, nil
}

// keySet is the set of the items' keys.
func keySet(items []any) (map[any]bool, error) {
	keys, err := setKeys(items)
	if err != nil {
		return nil, err
	}
	among := make(map[any]bool, len(keys))
	for _, k := range keys {
		among[k] = true
	}
	return among, nil
}

// list.go mirrors ListProxy in Python's managers.py (the list typeid): a
// typed handle with Python's list methods, indexing and slicing, + and *=,
// live iteration through an Iterator proxy, and a batched GetMany, which
// Python lacks.

package proxy

import (
	"context"
	"iter"
)

// List is a handle to a shared list of T values (Python's manager.list()).
// Indices may be negative, counting from the end, as in Python; an index
// out of range fails with an error wrapping ErrKeyNotFound (Python's
// IndexError).
//
// Items travel as copies; a T other than a builtin scalar travels with
// gob, so the server's process must know the type too (gob.Register it
// there; NewList and ListOf register it on this side).
//
// With T = *Proxy (or any), a proxy stored as an item stays a live
// reference to its object, kept alive by the list until the list itself is
// freed; a proxy read back holds its own reference (Close it), and a plain
// value read back is a copy. See Dict for the details.
type List[T any] struct{ *Proxy }

// NewList creates a shared list holding items: Python's manager.list(items).
func NewList[T any](m Getter, items ...T) (*List[T], error) {
	registerValueType[T]()
	p, err := m.Get("list", anySlice(items)...)
	if err != nil {
		return nil, err
	}
	return ListOf[T](p), nil
}

// ListOf wraps a proxy to a list whose items are T (for example one read
// back from another shared container, or rebuilt from a Token).
func ListOf[T any](p *Proxy) *List[T] {
	registerValueType[T]()
	return &List[T]{p}
}

// Append adds v at the end: Python's l.append(v).
func (l *List[T]) Append(v T) error {
	_, err := l.CallMethod("Append", v)
	return err
}

// Extend adds items at the end, in one step: Python's l.extend(items) and
// l += items.
func (l *List[T]) Extend(items ...T) error {
	_, err := l.CallMethod("Extend", anySlice(items)...)
	return err
}

// Get returns the item at index i: Python's l[i].
func (l *List[T]) Get(i int) (T, error) { return Call[T](l.Proxy, "Get", i) }

// GetMany returns the items at indexes, in their order, read in one
// Batch: every Get goes out in one write and costs one round trip
// together, not one each. Beyond Python, where it would be
// [l[i] for i in indexes], a round trip per index. As there, an index out
// of range fails the whole call: GetMany returns nil and an error wrapping
// ErrKeyNotFound (Python's IndexError) that names the index. Any other
// failure (a lost connection, a closed handle) likewise returns nil and
// the first error.
//
// It is not a snapshot: the items are read by separate calls, which the
// server runs concurrently, so an item changed meanwhile may show its
// value before or after the change. Slice and Copy read at once.
func (l *List[T]) GetMany(indexes []int) ([]T, error) {
	b := NewBatch()
	fs := laterEach[T](b, l.Proxy, "Get", indexes)
	if err := b.Do(context.Background()); err != nil {
		return nil, err
	}
	out := make([]T, len(indexes))
	for i := range fs {
		v, err := fs[i].Get()
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// Set replaces the item at index i: Python's l[i] = v.
func (l *List[T]) Set(i int, v T) error {
	_, err := l.CallMethod("Set", i, v)
	return err
}

// Delete removes the item at index i: Python's del l[i].
func (l *List[T]) Delete(i int) error {
	_, err := l.CallMethod("Delete", i)
	return err
}

// Insert puts v before index i: Python's l.insert(i, v). Any index works:
// beyond either end inserts at that end.
func (l *List[T]) Insert(i int, v T) error {
	_, err := l.CallMethod("Insert", i, v)
	return err
}

// Pop removes and returns the last item: Python's l.pop(). An empty list
// fails with an error wrapping ErrKeyNotFound.
func (l *List[T]) Pop() (T, error) { return Call[T](l.Proxy, "Pop") }

// PopAt removes and returns the item at index i: Python's l.pop(i).
func (l *List[T]) PopAt(i int) (T, error) { return Call[T](l.Proxy, "Pop", i) }

// Remove removes the first item equal to v: Python's l.remove(v). If there
// is none, it fails with an error wrapping ErrKeyNotFound (Python's
// ValueError). Items compare like Python's ==: numbers by value, anything
// else with reflect.DeepEqual (proxies by the object they name).
func (l *List[T]) Remove(v T) error {
	_, err := l.CallMethod("Remove", v)
	return err
}

// Index returns the index of the first item equal to v: Python's
// l.index(v). If there is none, it fails with an error wrapping
// ErrKeyNotFound.
func (l *List[T]) Index(v T) (int, error) { return Call[int](l.Proxy, "Index", v) }

// Count returns how many items equal v: Python's l.count(v).
func (l *List[T]) Count(v T) (int, error) { return Call[int](l.Proxy, "Count", v) }

// Contains reports whether an item equals v: Python's v in l.
func (l *List[T]) Contains(v T) (bool, error) { return Call[bool](l.Proxy, "Contains", v) }

// Len returns the number of items: Python's len(l).
func (l *List[T]) Len() (int, error) { return Call[int](l.Proxy, "Len") }

// Reverse reverses the list in place: Python's l.reverse().
func (l *List[T]) Reverse() error {
	_, err := l.CallMethod("Reverse")
	return err
}

// Sort sorts the list in place, ascending and stable: Python's l.sort().
// The items must be all numbers or all strings; otherwise the list stays
// as it was and Sort fails with an error wrapping ErrBadArgument.
func (l *List[T]) Sort() error {
	_, err := l.CallMethod("Sort")
	return err
}

// Slice returns a copy of the items from index i up to, not including, j:
// Python's l[i:j]. Negative bounds count from the end and bounds beyond
// either end stop there, so l[i:] is Slice(i, math.MaxInt).
func (l *List[T]) Slice(i, j int) ([]T, error) {
	v, err := l.CallMethod("Slice", i, j)
	if err != nil {
		return nil, err
	}
	return asSlice[T](v, "list.Slice")
}

// Copy returns a copy of every item: Python's l.copy() or l[:], a plain
// slice, not a proxy.
func (l *List[T]) Copy() ([]T, error) {
	v, err := l.CallMethod("Copy")
	if err != nil {
		return nil, err
	}
	return asSlice[T](v, "list.Copy")
}

// Clear removes every item: Python's l.clear().
func (l *List[T]) Clear() error {
	_, err := l.CallMethod("Clear")
	return err
}

// Iter returns a handle to a new iterator over the items, living in the
// manager: Python's iter(l). Like Python's, it walks by index and reads the
// list live, one round trip per Next: an item changed meanwhile shows its
// new value. Close it when done.
func (l *List[T]) Iter() (*Iterator[T], error) {
	p, err := Call[*Proxy](l.Proxy, "Iter")
	if err != nil {
		return nil, err
	}
	return IteratorOf[T](p), nil
}

// Range iterates over the items through a remote Iterator, which it closes
// at the end: Python's for v in l.
//
//	for v, err := range l.Range() {
//		if err != nil { ... }
//	}
//
// An error is yielded once and ends the loop. Copy is one round trip for
// all items, and a snapshot.
func (l *List[T]) Range() iter.Seq2[T, error] { return rangeOver(l.Iter) }

// Concat returns a new plain slice: the list's items followed by items.
// Python's l + items; the shared list does not change.
func (l *List[T]) Concat(items ...T) ([]T, error) {
	v, err := l.CallMethod("Concat", anySlice(items)...)
	if err != nil {
		return nil, err
	}
	return asSlice[T](v, "list.Concat")
}

// MulInPlace repeats the items n times in place: Python's l *= n. With
// n <= 0 the list becomes empty.
func (l *List[T]) MulInPlace(n int) error {
	_, err := l.CallMethod("MulInPlace", n)
	return err
}

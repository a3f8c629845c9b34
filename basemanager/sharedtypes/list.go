// list.go mirrors the list typeid of Python's managers.py (a list behind a
// ListProxy): indexing with negative indices, slicing, the list methods,
// + and *=, and live, index-based iteration through an Iterator proxy.

package sharedtypes

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"gomanager/proxy"
)

// maxListLen bounds the length MulInPlace may produce, so that one small
// request cannot make the server allocate without limit.
const maxListLen = 1 << 26

// List is a list shared between clients: Python's list. Indices may be
// negative, counting from the end, as in Python. Values compare like
// Python's == where a method looks for one (Index, Count, Remove,
// Contains): numbers by value across Go's numeric types, anything else
// with reflect.DeepEqual.
//
// Values are stored as they arrive and handed out as they are: no method
// changes a stored value in place, so results may share them, while the
// list's own slice never leaves it.
type List struct {
	mu    sync.Mutex // guards items
	items []any
}

// NewList returns a list holding items: Python's list(items).
func NewList(items ...any) *List {
	return &List{items: slices.Clone(items)}
}

// Append adds v at the end: Python's l.append(v).
func (l *List) Append(v any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items = append(l.items, v)
}

// Extend adds items at the end, in order: Python's l.extend(items), and
// l += items.
func (l *List) Extend(items ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items = append(l.items, items...)
}

// Get returns the item at index i (negative counts from the end): Python's
// l[i]. An index out of range is an error wrapping proxy.ErrKeyNotFound
// (Python's IndexError).
func (l *List) Get(i int) (any, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	j, err := l.position(i)
	if err != nil {
		return nil, err
	}
	return l.items[j], nil
}

// Set replaces the item at index i: Python's l[i] = v.
func (l *List) Set(i int, v any) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	j, err := l.position(i)
	if err != nil {
		return err
	}
	l.items[j] = v
	return nil
}

// Delete removes the item at index i: Python's del l[i].
func (l *List) Delete(i int) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	j, err := l.position(i)
	if err != nil {
		return err
	}
	l.items = slices.Delete(l.items, j, j+1)
	return nil
}

// Insert puts v before index i: Python's l.insert(i, v). As in Python, any
// index works: a negative one counts from the end, and one beyond either
// end inserts at that end.
func (l *List) Insert(i int, v any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	j, _ := SliceBounds(i, i, len(l.items))
	l.items = slices.Insert(l.items, j, v)
}

// Pop removes and returns the item at index, the last one if no index is
// given: Python's l.pop() and l.pop(i). An empty list or an index out of
// range is an error wrapping proxy.ErrKeyNotFound.
func (l *List) Pop(index ...int) (any, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(index) > 1 {
		return nil, fmt.Errorf("pop takes at most one index, got %d: %w", len(index), proxy.ErrBadArgument)
	}
	if len(l.items) == 0 {
		return nil, fmt.Errorf("pop from empty list (check Len first): %w", proxy.ErrKeyNotFound)
	}
	i := -1
	if len(index) == 1 {
		i = index[0]
	}
	j, err := l.position(i)
	if err != nil {
		return nil, err
	}
	v := l.items[j]
	l.items = slices.Delete(l.items, j, j+1)
	return v, nil
}

// Remove removes the first item equal to v: Python's l.remove(v). If there
// is none, the error wraps proxy.ErrKeyNotFound (Python's ValueError).
func (l *List) Remove(v any) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	j := l.find(v)
	if j < 0 {
		return fmt.Errorf("remove: %s not in list: %w", pyRepr(v), proxy.ErrKeyNotFound)
	}
	l.items = slices.Delete(l.items, j, j+1)
	return nil
}

// Index returns the index of the first item equal to v: Python's
// l.index(v). If there is none, the error wraps proxy.ErrKeyNotFound
// (Python's ValueError).
func (l *List) Index(v any) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	j := l.find(v)
	if j < 0 {
		return 0, fmt.Errorf("index: %s not in list: %w", pyRepr(v), proxy.ErrKeyNotFound)
	}
	return j, nil
}

// Count returns how many items equal v: Python's l.count(v).
func (l *List) Count(v any) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, x := range l.items {
		if valuesEqual(x, v) {
			n++
		}
	}
	return n
}

// Contains reports whether an item equals v: Python's v in l.
func (l *List) Contains(v any) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.find(v) >= 0
}

// Len returns the number of items: Python's len(l).
func (l *List) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.items)
}

// Reverse reverses the list in place: Python's l.reverse().
func (l *List) Reverse() {
	l.mu.Lock()
	defer l.mu.Unlock()
	slices.Reverse(l.items)
}

// Sort sorts the list in place, in ascending order, keeping equal items in
// their order: Python's l.sort(). The items must be all numbers (of any Go
// numeric types) or all strings; otherwise Sort changes nothing and fails
// with an error wrapping proxy.ErrBadArgument (Python's TypeError).
func (l *List) Sort() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := 1; i < len(l.items); i++ {
		if _, err := compareValues(l.items[0], l.items[i]); err != nil {
			return fmt.Errorf("sort: %w", err)
		}
	}
	slices.SortStableFunc(l.items, func(a, b any) int {
		c, _ := compareValues(a, b) // checked above: every pair is comparable
		return c
	})
	return nil
}

// Slice returns a copy of the items from index start up to, not including,
// index stop: Python's l[start:stop]. As in Python, negative bounds count
// from the end and bounds beyond either end stop there, so Slice(0,
// math.MaxInt) copies the whole list and an empty range gives an empty
// list, never an error.
func (l *List) Slice(start, stop int) []any {
	l.mu.Lock()
	defer l.mu.Unlock()
	i, j := SliceBounds(start, stop, len(l.items))
	return slices.Clone(l.items[i:j:j])
}

// Copy returns a copy of the items: Python's l.copy() or l[:], a plain
// list, not a proxy.
func (l *List) Copy() []any {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]any{}, l.items...)
}

// Clear removes every item: Python's l.clear().
func (l *List) Clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items = nil
}

// Iter returns an iterator over the items: Python's iter(l). Registered
// with basemanager.MethodToTypeid, the caller gets a proxy to it. Like
// Python's, it walks by index and reads the list live: each Next returns
// the item now at the next index, so changes made meanwhile show, and it
// ends when the index passes the end.
func (l *List) Iter() *Iterator {
	pos := 0
	return newIterator("list", func() (any, bool, error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		if pos >= len(l.items) {
			return nil, false, nil
		}
		pos++
		return l.items[pos-1], true, nil
	})
}

// Concat returns a new plain list: the items followed by items. Python's
// l + items; the shared list does not change.
func (l *List) Concat(items ...any) []any {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append(append(make([]any, 0, len(l.items)+len(items)), l.items...), items...)
}

// MulInPlace repeats the items n times in place: Python's l *= n. With n <=
// 0 the list becomes empty. A result longer than 2^26 items is refused with
// an error wrapping proxy.ErrBadArgument.
func (l *List) MulInPlace(n int) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case n <= 0:
		l.items = nil
	case len(l.items) > 0 && n > maxListLen/len(l.items):
		return fmt.Errorf("*= %d would make %d items × %d, more than the limit of %d: %w",
			n, len(l.items), n, maxListLen, proxy.ErrBadArgument)
	default:
		l.items = slices.Repeat(l.items, n)
	}
	return nil
}

// String formats the list as Python's repr does: [1, 'a', None]. It serves
// str(proxy) and the server's DebugInfo.
func (l *List) String() string {
	items := l.Copy()
	parts := make([]string, len(items))
	for i, v := range items {
		parts[i] = pyRepr(v)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// GoString is String, so that %#v (the server's __repr__) reads the list
// under its lock too.
func (l *List) GoString() string { return l.String() }

// position turns index i (negative counts from the end) into a position in
// l.items, or fails with Python's IndexError. The caller holds l.mu.
func (l *List) position(i int) (int, error) {
	j := i
	if j < 0 {
		j += len(l.items)
	}
	if j < 0 || j >= len(l.items) {
		return 0, fmt.Errorf("list index out of range: index %d, length %d (negative indices count from the end): %w",
			i, len(l.items), proxy.ErrKeyNotFound)
	}
	return j, nil
}

// find returns the position of the first item equal to v, or -1. The
// caller holds l.mu.
func (l *List) find(v any) int {
	return slices.IndexFunc(l.items, func(x any) bool { return valuesEqual(x, v) })
}

// SliceBounds clamps the bounds of Python's seq[start:stop] to a sequence
// of length n, as Python does: negative bounds count from the end, bounds
// beyond either end stop there, and stop is never before start, so that
// seq[start:stop] in Go is Python's slice and never panics. List.Slice and
// List.Insert use it, and so does the Python adapter of list.index(x,
// start, stop) in package python.
func SliceBounds(start, stop, n int) (int, int) {
	clamp := func(i int) int {
		if i < 0 {
			i = max(i+n, 0)
		}
		return min(i, n)
	}
	start, stop = clamp(start), clamp(stop)
	return start, max(start, stop)
}

// GetValue returns a copy of the list for Proxy.GetValue: Python's
// _getvalue(), which returns a plain list.
func (l *List) GetValue() any { return l.Copy() }

// Edit calls f with the items, under the list's lock, and makes what f
// returns the list's items, even when f also returns an error (return
// items to change nothing). f may change items in place, and must not
// keep them. Edit lets a server-side adapter read or change the list
// atomically under rules of its own: package python's face of the list
// gives Python clients Python's equality and order with it. It is not for
// clients: SyncManager does not expose it, and a func cannot travel.
func (l *List) Edit(f func(items []any) ([]any, error)) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	items, err := f(l.items)
	l.items = items
	return err
}

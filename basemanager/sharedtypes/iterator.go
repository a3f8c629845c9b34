// iterator.go mirrors the Iterator typeid of Python's managers.py (an
// IteratorProxy): the object that iter() over a dict or list proxy returns
// through method_to_typeid, one Next per round trip.

package sharedtypes

import (
	"fmt"
	"sync"

	"gomanager/proxy"
)

// Iterator walks a dict's keys or a list's items, one Next at a time:
// Python's iterator behind an IteratorProxy. It is made by Dict.Iter and
// List.Iter (registered with basemanager.MethodToTypeid, so the caller gets
// a proxy to it) and reads its container under the container's own lock,
// so it sees the container as it is at each Next, like Python's.
//
// Once exhausted it stays exhausted, and once it has failed it keeps
// failing the same way, as Python's iterators do.
type Iterator struct {
	over string // what it walks, for messages: "dict" or "list"

	mu   sync.Mutex                // guards next and err; taken before the container's lock
	next func() (any, bool, error) // the next value, or false at the end; nil once exhausted
	err  error                     // the failure every later Next repeats
}

// newIterator returns an iterator over a container named over; next
// yields its values and is only ever called with the iterator's mutex held,
// so it may keep its position in variables of its own.
func newIterator(over string, next func() (any, bool, error)) *Iterator {
	return &Iterator{over: over, next: next}
}

// Next returns the next value: Python's next(it). At the end it fails with
// an error wrapping proxy.ErrStopIteration; if a dict changed size while
// being walked, with one wrapping proxy.ErrChangedDuringIteration.
func (it *Iterator) Next() (any, error) {
	it.mu.Lock()
	defer it.mu.Unlock()
	if it.err != nil {
		return nil, it.err
	}
	if it.next == nil {
		return nil, fmt.Errorf("%s iterator exhausted (make a new one with Iter): %w", it.over, proxy.ErrStopIteration)
	}
	v, ok, err := it.next()
	switch {
	case err != nil:
		it.err = err
		return nil, err
	case !ok:
		it.next = nil // exhausted for good; also lets the container go
		return nil, fmt.Errorf("%s iterator exhausted (make a new one with Iter): %w", it.over, proxy.ErrStopIteration)
	}
	return v, nil
}

// String describes the iterator, for str(proxy) and the server's DebugInfo.
func (it *Iterator) String() string {
	it.mu.Lock()
	defer it.mu.Unlock()
	state := "running"
	switch {
	case it.err != nil:
		state = "failed"
	case it.next == nil:
		state = "exhausted"
	}
	return fmt.Sprintf("Iterator(%s, %s)", it.over, state)
}

// GoString is String, for the server's __repr__.
func (it *Iterator) GoString() string { return it.String() }

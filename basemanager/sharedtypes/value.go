// value.go mirrors the Value typeid of Python's managers.py (a
// managers.Value behind a ValueProxy: get, set and .value), plus what
// Python lacks: atomic Add and CompareAndSwap.

package sharedtypes

import (
	"fmt"
	"sync"

	"gomanager/basemanager/pickle"
	"gomanager/proxy"
)

// Value holds one value shared between clients: Python's manager.Value.
// Python's first argument, the typecode ('i', 'd', ...), only matters to
// its shared-memory Values: the manager's Value keeps it, unchecked, for
// its repr, Value('i', 7), and so does this one. Go's own form has no
// typecode: the value's Go type is its type. (A port of
// manager.Value('i', 1) is proxy.NewValue(m, 1).)
type Value struct {
	typecode any // Python's typecode, nil when made without one; fixed

	mu    sync.Mutex // guards value
	value any
}

// NewValue returns a Value: NewValue(initial) is Go's form (proxy.NewValue
// sends it), NewValue(typecode, initial) Python's Value(typecode, value).
// Other argument counts are an error wrapping proxy.ErrBadArgument.
func NewValue(args ...any) (*Value, error) {
	switch len(args) {
	case 1:
		return &Value{value: args[0]}, nil
	case 2:
		return &Value{typecode: args[0], value: args[1]}, nil
	}
	return nil, fmt.Errorf("Value takes (initial) or (typecode, initial), got %d arguments: %w", len(args), proxy.ErrBadArgument)
}

// Typecode returns the typecode the Value was made with (Python's
// v._typecode), or nil.
func (v *Value) Typecode() any { return v.typecode }

// Get returns the value: Python's v.get() and v.value.
func (v *Value) Get() any {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.value
}

// Set replaces the value: Python's v.set(x) and v.value = x.
func (v *Value) Set(x any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.value = x
}

// Add adds delta to the value atomically and returns the new value; nil
// counts as 0. Beyond Python, where v.value += 1 through a proxy loses
// updates. The sum keeps the value's type: an integer takes only a whole
// delta, and a sum that overflows it is an error (wrapping
// proxy.ErrBadArgument, as is adding to something that is not a number).
func (v *Value) Add(delta any) (any, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	sum, err := addNumber(v.value, delta)
	if err != nil {
		return nil, err
	}
	v.value = sum
	return sum, nil
}

// CompareAndSwap sets the value to new if it equals old (Python's ==:
// numbers by value, anything else with reflect.DeepEqual), atomically, and
// reports whether it did. Beyond Python.
func (v *Value) CompareAndSwap(old, new any) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !valuesEqual(v.value, old) {
		return false
	}
	v.value = new
	return true
}

// String formats the Value like Python's repr: Value('i', 1), or Value(1)
// without a typecode. It serves str(proxy) and the server's DebugInfo.
func (v *Value) String() string {
	if v.typecode == nil {
		return fmt.Sprintf("Value(%s)", pyRepr(v.Get()))
	}
	return v.Pickle().Repr()
}

// GoString is String, for the server's __repr__.
func (v *Value) GoString() string { return v.String() }

// GetValue returns the value for Proxy.GetValue (Python's _getvalue(),
// which returns the managers.Value itself: see Pickle).
func (v *Value) GetValue() any { return v.Get() }

// Pickle returns the Value as Python's multiprocessing.managers.Value, for
// Python clients' _getvalue() and repr: Value('i', 7), or Value(None, 7)
// for a Value made without a typecode.
func (v *Value) Pickle() pickle.Value { return pickle.Value{Typecode: v.typecode, Value: v.Get()} }

// value.go mirrors the Value typeid of Python's managers.py (a
// managers.Value behind a ValueProxy: get, set and .value), plus what
// Python lacks: atomic Add and CompareAndSwap.

package sharedtypes

import (
	"fmt"
	"sync"
)

// Value holds one value shared between clients: Python's manager.Value.
// Python's first argument, the typecode ('i', 'd', ...), only matters to
// its shared-memory Values and is ignored by the manager's; here it is
// dropped: the value's Go type is its type. (A port of
// manager.Value('i', 1) is proxy.NewValue(m, 1).)
type Value struct {
	mu    sync.Mutex // guards value
	value any
}

// NewValue returns a Value holding initial: Python's Value(typecode, initial).
func NewValue(initial any) *Value { return &Value{value: initial} }

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

// String formats the Value like Python's repr, without the typecode:
// Value(1). It serves str(proxy) and the server's DebugInfo.
func (v *Value) String() string {
	return fmt.Sprintf("Value(%s)", pyRepr(v.Get()))
}

// GoString is String, for the server's __repr__.
func (v *Value) GoString() string { return v.String() }

// GetValue returns the value for Proxy.GetValue (Python's _getvalue()).
func (v *Value) GetValue() any { return v.Get() }

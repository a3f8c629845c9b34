// dict.go mirrors the dict typeid of Python's managers.py (a dict behind a
// DictProxy, whose __iter__ returns an Iterator proxy), plus what Python
// lacks: atomic Add and CompareAndSwap on one entry.

package sharedtypes

import (
	"fmt"
	"strings"
	"sync"

	"gomanager/proxy"
)

// Dict is a dictionary shared between clients: Python's dict. Its keys keep
// the order in which they were first inserted, as Python's do (Keys, Values,
// Items, iteration and String follow it; setting an existing key keeps its
// place).
//
// Keys are compared with Go's ==, so they must be comparable, and their
// type is part of them: int(1) and int64(1) are different keys. Use one key
// type on every side, as the typed handle proxy.Dict[K, V] does. Values
// compare like Python's == where a method compares them (CompareAndSwap):
// numbers by value across Go's numeric types.
//
// Values are stored as they arrive and handed out as they are: no method
// changes a stored value in place, so results may share them, while the
// dict's own slices and maps never leave it.
type Dict struct {
	mu      sync.Mutex  // guards the fields below
	index   map[any]int // key -> position in entries
	entries []dictEntry // in insertion order; removed entries stay as holes until compacted, never at the end
	holes   int         // removed entries in entries
	layout  uint64      // bumped by every insertion and removal, so iterators see the keys changed
}

type dictEntry struct {
	key, value any
	live       bool
}

// NewDict returns a dict holding the given keys and values, which
// alternate: NewDict("a", 1, "b", 2) is Python's dict(a=1, b=2).
func NewDict(keysAndValues ...any) (*Dict, error) {
	d := &Dict{index: map[any]int{}}
	if err := d.Update(keysAndValues...); err != nil {
		return nil, err
	}
	return d, nil
}

// Get returns the value of key: Python's d[key]. A missing key is an error
// wrapping proxy.ErrKeyNotFound (Python's KeyError).
func (d *Dict) Get(key any) (any, error) { return d.lookup(key, false, nil) }

// GetDefault returns the value of key, or def if key is missing: Python's
// d.get(key, default).
func (d *Dict) GetDefault(key, def any) (any, error) { return d.lookup(key, false, &def) }

// Set sets the value of key, adding key at the end if it is new: Python's
// d[key] = value.
func (d *Dict) Set(key, value any) error {
	if err := hashable(key); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.set(key, value)
	return nil
}

// Delete removes key: Python's del d[key]. A missing key is an error
// wrapping proxy.ErrKeyNotFound.
func (d *Dict) Delete(key any) error {
	_, err := d.Pop(key)
	return err
}

// Contains reports whether key is in the dict: Python's key in d. A key
// that cannot be a dict key (not comparable) is in no dict.
func (d *Dict) Contains(key any) bool {
	if hashable(key) != nil {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.index[key]
	return ok
}

// Len returns the number of keys: Python's len(d).
func (d *Dict) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.index)
}

// Keys returns the keys in order: Python's list(d.keys()).
func (d *Dict) Keys() []any {
	keys, _ := d.Items()
	return keys
}

// Values returns the values in the keys' order: Python's list(d.values()).
func (d *Dict) Values() []any {
	_, values := d.Items()
	return values
}

// Items returns the keys and their values, in order, from one snapshot:
// Python's list(d.items()), as two lists of the same length.
func (d *Dict) Items() (keys, values []any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	keys, values = make([]any, 0, len(d.index)), make([]any, 0, len(d.index))
	for _, e := range d.entries {
		if e.live {
			keys, values = append(keys, e.key), append(values, e.value)
		}
	}
	return keys, values
}

// Clear removes every key: Python's d.clear().
func (d *Dict) Clear() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.index) > 0 {
		d.layout++
	}
	d.index, d.entries, d.holes = map[any]int{}, nil, 0
}

// Copy returns a plain map with the dict's contents: Python's d.copy(),
// which is a dict, not a proxy. (A Go map has no order; use Items for it.)
func (d *Dict) Copy() map[any]any {
	d.mu.Lock()
	defer d.mu.Unlock()
	m := make(map[any]any, len(d.index))
	for k, i := range d.index {
		m[k] = d.entries[i].value
	}
	return m
}

// Pop removes key and returns its value: Python's d.pop(key). A missing
// key is an error wrapping proxy.ErrKeyNotFound.
func (d *Dict) Pop(key any) (any, error) { return d.lookup(key, true, nil) }

// PopDefault removes key and returns its value, or returns def if key is
// missing: Python's d.pop(key, default).
func (d *Dict) PopDefault(key, def any) (any, error) { return d.lookup(key, true, &def) }

// PopItem removes the key inserted last and returns it with its value:
// Python's d.popitem(). An empty dict is an error wrapping
// proxy.ErrKeyNotFound.
func (d *Dict) PopItem() (key, value any, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.entries) == 0 {
		return nil, nil, fmt.Errorf("popitem(): dictionary is empty (check Len first): %w", proxy.ErrKeyNotFound)
	}
	last := len(d.entries) - 1 // live: entries never ends with a hole
	key = d.entries[last].key
	return key, d.remove(last), nil
}

// SetDefault returns the value of key, first setting it to def if key is
// missing: Python's d.setdefault(key, default).
func (d *Dict) SetDefault(key, def any) (any, error) {
	if err := hashable(key); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if v, ok := d.get(key); ok {
		return v, nil
	}
	d.set(key, def)
	return def, nil
}

// Update sets the given keys to the given values, which alternate
// (key, value, key, value...), in that order: Python's d.update(...). It
// changes nothing if any key cannot be a dict key.
func (d *Dict) Update(keysAndValues ...any) error {
	if len(keysAndValues)%2 != 0 {
		return fmt.Errorf("keys and values must alternate, got an odd count (%d): %w", len(keysAndValues), proxy.ErrBadArgument)
	}
	for i := 0; i < len(keysAndValues); i += 2 {
		if err := hashable(keysAndValues[i]); err != nil {
			return err
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := 0; i < len(keysAndValues); i += 2 {
		d.set(keysAndValues[i], keysAndValues[i+1])
	}
	return nil
}

// Iter returns an iterator over the keys, in order: Python's iter(d).
// Registered with basemanager.MethodToTypeid, the caller gets a proxy to it.
// If keys are added or removed while it walks (the dict changes size, or
// keys are swapped), its Next fails with an error wrapping
// proxy.ErrChangedDuringIteration (Python's RuntimeError "dictionary
// changed size during iteration"); setting existing keys is fine.
func (d *Dict) Iter() *Iterator {
	d.mu.Lock()
	size, layout := len(d.index), d.layout
	d.mu.Unlock()
	pos := 0
	return newIterator("dict", func() (any, bool, error) {
		d.mu.Lock()
		defer d.mu.Unlock()
		switch {
		case len(d.index) != size:
			return nil, false, fmt.Errorf("dictionary changed size during iteration (from %d to %d keys; iterate over Keys() to change the dict meanwhile): %w",
				size, len(d.index), proxy.ErrChangedDuringIteration)
		case d.layout != layout:
			return nil, false, fmt.Errorf("dictionary keys changed during iteration (iterate over Keys() to change the dict meanwhile): %w",
				proxy.ErrChangedDuringIteration)
		}
		for pos < len(d.entries) && !d.entries[pos].live {
			pos++
		}
		if pos == len(d.entries) {
			return nil, false, nil
		}
		pos++
		return d.entries[pos-1].key, true, nil
	})
}

// Add adds delta to the number stored under key, atomically, and returns
// the new value; a missing key counts as 0 (it is then set to delta).
// Beyond Python, where d[k] += 1 through a proxy loses updates. The sum
// keeps the stored value's type: an integer takes only a whole delta, and a
// sum that overflows it is an error (wrapping proxy.ErrBadArgument, as is
// adding to something that is not a number).
func (d *Dict) Add(key, delta any) (any, error) {
	if err := hashable(key); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	i, ok := d.index[key]
	var old any // nil if missing
	if ok {
		old = d.entries[i].value
	}
	sum, err := addNumber(old, delta)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", pyRepr(key), err)
	}
	if ok {
		d.entries[i].value = sum
	} else {
		d.set(key, sum)
	}
	return sum, nil
}

// CompareAndSwap sets key to new if its value equals old (Python's ==:
// numbers by value, anything else with reflect.DeepEqual), atomically, and
// reports whether it did. Beyond Python.
//
// A missing key reads as nil here: with old == nil, CompareAndSwap inserts
// new if key is absent (or holds nil), and reports false if key holds
// anything else. That is "insert if absent" in one call.
func (d *Dict) CompareAndSwap(key, old, new any) (bool, error) {
	if err := hashable(key); err != nil {
		return false, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	cur, _ := d.get(key) // nil if missing
	if !valuesEqual(cur, old) {
		return false, nil
	}
	d.set(key, new)
	return true, nil
}

// String formats the dict as Python's repr does, in key order:
// {'a': 1, 'b': 2}. It serves str(proxy) and the server's DebugInfo.
func (d *Dict) String() string {
	keys, values := d.Items()
	var b strings.Builder
	b.WriteByte('{')
	for i := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(pyRepr(keys[i]) + ": " + pyRepr(values[i]))
	}
	b.WriteByte('}')
	return b.String()
}

// GoString is String, so that %#v (the server's __repr__) reads the dict
// under its lock too.
func (d *Dict) GoString() string { return d.String() }

// lookup is Get, GetDefault, Pop and PopDefault: it returns the value of
// key, and removes key if remove is set. A missing key gives *def, or, when
// def is nil (no default), an error wrapping proxy.ErrKeyNotFound.
func (d *Dict) lookup(key any, remove bool, def *any) (any, error) {
	if err := hashable(key); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	i, ok := d.index[key]
	switch {
	case !ok && def == nil:
		return nil, keyMissing(key)
	case !ok:
		return *def, nil
	case remove:
		return d.remove(i), nil
	}
	return d.entries[i].value, nil
}

// get returns the value of key and whether key is there. The caller holds
// d.mu.
func (d *Dict) get(key any) (any, bool) {
	i, ok := d.index[key]
	if !ok {
		return nil, false
	}
	return d.entries[i].value, true
}

// set sets key, which must be hashable, appending it if new. The caller
// holds d.mu.
func (d *Dict) set(key, value any) {
	if i, ok := d.index[key]; ok {
		d.entries[i].value = value
		return
	}
	d.index[key] = len(d.entries)
	d.entries = append(d.entries, dictEntry{key: key, value: value, live: true})
	d.layout++
}

// remove removes the entry at position i and returns its value. The caller
// holds d.mu.
func (d *Dict) remove(i int) any {
	e := d.entries[i]
	delete(d.index, e.key)
	d.entries[i] = dictEntry{} // a hole; drops the references for the collector
	d.holes++
	d.layout++
	for len(d.entries) > 0 && !d.entries[len(d.entries)-1].live {
		d.entries = d.entries[:len(d.entries)-1]
		d.holes--
	}
	if d.holes > 32 && d.holes > len(d.index) {
		d.compact()
	}
	return e.value
}

// compact drops the holes left by removals. Positions change, but every
// removal already invalidated the iterators that walk them. The caller
// holds d.mu.
func (d *Dict) compact() {
	live := make([]dictEntry, 0, len(d.index))
	for _, e := range d.entries {
		if e.live {
			d.index[e.key] = len(live)
			live = append(live, e)
		}
	}
	d.entries, d.holes = live, 0
}

// keyMissing is the error for a key not in the dict: Python's KeyError.
func keyMissing(key any) error {
	return fmt.Errorf("key %s not in dict (use GetDefault, or test with Contains): %w", pyRepr(key), proxy.ErrKeyNotFound)
}

// GetValue returns a copy of the dict for Proxy.GetValue: Python's
// _getvalue(), which returns a plain dict.
func (d *Dict) GetValue() any { return d.Copy() }

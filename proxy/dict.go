// dict.go mirrors DictProxy in Python's managers.py (the dict typeid): a
// typed handle with Python's dict methods, iteration through an Iterator
// proxy, and atomic Add and CompareAndSwap and a batched GetMany, which
// Python lacks.

package proxy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"reflect"
	"slices"
)

// Dict is a handle to a shared dict with keys K and values V (Python's
// manager.dict()). Keys keep their insertion order, as in Python.
//
// Keys and values travel as copies; types other than builtin scalars
// travel with gob, so the server's process must know them too (gob.Register
// them there; NewDict and DictOf register them on this side). On the
// server, keys are compared with Go's ==, type included: use the same K on
// every side.
//
// # Proxies inside
//
// With V = *Proxy (or any), a proxy stored as a value stays a live
// reference to its object: writes through it, or through a proxy read back
// from the dict, are seen by both, and the dict keeps the object alive
// after the caller closes its own handle, until the dict itself is freed.
// Store handles as their *Proxy (d.Set(k, inner.Proxy)) and wrap what comes
// back (DictOf, ListOf, QueueOf...). Every proxy read back holds its own
// reference: Close it. A plain value stored (a map, a slice) is a copy:
// changing the copy you read changes nothing in the dict.
//
// # Beyond Python
//
// d[k] += 1 through a Python proxy loses updates when clients race. Add and
// CompareAndSwap do the whole update on the server, atomically. GetMany
// reads many keys in one round trip (a Batch); Update already sets many
// in one call, atomically.
type Dict[K comparable, V any] struct{ *Proxy }

// DictItem is one key and its value, as Items returns them.
type DictItem[K comparable, V any] struct {
	Key   K
	Value V
}

// NewDict creates a shared dict: Python's manager.dict(), or
// manager.dict(initial) with the contents of the maps given, in order.
// Within one map, keys of an ordered type (numbers, strings) are inserted
// in ascending order, others in Go's map order.
func NewDict[K comparable, V any](m Getter, initial ...map[K]V) (*Dict[K, V], error) {
	registerValueType[K]()
	registerValueType[V]()
	var kv []any
	for _, init := range initial {
		kv = append(kv, keysAndValues(init)...)
	}
	p, err := m.Get("dict", kv...)
	if err != nil {
		return nil, err
	}
	return DictOf[K, V](p), nil
}

// DictOf wraps a proxy to a dict whose keys are K and values V (for example
// one read back from another shared container, or rebuilt from a Token).
func DictOf[K comparable, V any](p *Proxy) *Dict[K, V] {
	registerValueType[K]()
	registerValueType[V]()
	return &Dict[K, V]{p}
}

// Get returns the value of k: Python's d[k]. A missing key fails with an
// error wrapping ErrKeyNotFound.
func (d *Dict[K, V]) Get(k K) (V, error) { return Call[V](d.Proxy, "Get", k) }

// GetMany returns the values of those keys that are in the dict, read in
// one Batch: every Get goes out in one write and costs one round trip
// together, not one each. Beyond Python, where it would be
// {k: d[k] for k in keys if k in d}, a round trip per key. A missing key
// is left out of the map (test with v, ok := m[k]). Any other failure (a
// lost connection, a closed handle) returns nil and the first error.
//
// It is not a snapshot: the keys are read by separate calls, which the
// server runs concurrently, so a key changed meanwhile may show its value
// before or after the change. Items and Copy read every key at once.
func (d *Dict[K, V]) GetMany(keys []K) (map[K]V, error) {
	b := NewBatch()
	fs := laterEach[V](b, d.Proxy, "Get", keys)
	if err := b.Do(context.Background()); err != nil {
		return nil, err
	}
	out := make(map[K]V, len(keys))
	for i := range fs {
		v, err := fs[i].Get()
		switch {
		case err == nil:
			out[keys[i]] = v
		case !errors.Is(err, ErrKeyNotFound):
			return nil, err
		}
	}
	return out, nil
}

// GetDefault returns the value of k, or def if k is missing: Python's
// d.get(k, def).
func (d *Dict[K, V]) GetDefault(k K, def V) (V, error) { return Call[V](d.Proxy, "GetDefault", k, def) }

// Set sets the value of k: Python's d[k] = v.
func (d *Dict[K, V]) Set(k K, v V) error {
	_, err := d.CallMethod("Set", k, v)
	return err
}

// Delete removes k: Python's del d[k]. A missing key fails with an error
// wrapping ErrKeyNotFound.
func (d *Dict[K, V]) Delete(k K) error {
	_, err := d.CallMethod("Delete", k)
	return err
}

// Contains reports whether k is in the dict: Python's k in d.
func (d *Dict[K, V]) Contains(k K) (bool, error) { return Call[bool](d.Proxy, "Contains", k) }

// Len returns the number of keys: Python's len(d).
func (d *Dict[K, V]) Len() (int, error) { return Call[int](d.Proxy, "Len") }

// Keys returns a copy of the keys, in order: Python's list(d.keys()).
func (d *Dict[K, V]) Keys() ([]K, error) {
	v, err := d.CallMethod("Keys")
	if err != nil {
		return nil, err
	}
	return asSlice[K](v, "dict.Keys")
}

// Values returns a copy of the values, in key order: Python's
// list(d.values()).
func (d *Dict[K, V]) Values() ([]V, error) {
	v, err := d.CallMethod("Values")
	if err != nil {
		return nil, err
	}
	return asSlice[V](v, "dict.Values")
}

// Items returns a copy of the keys and values, in order, from one snapshot:
// Python's list(d.items()).
func (d *Dict[K, V]) Items() ([]DictItem[K, V], error) {
	const op = "dict.Items"
	v, err := d.CallMethod("Items")
	if err != nil {
		return nil, err
	}
	ks, vs, err := pair(v, op)
	if err != nil {
		return nil, err
	}
	keys, err := asSlice[K](ks, op)
	if err != nil {
		return nil, err
	}
	values, err := asSlice[V](vs, op)
	if err != nil {
		return nil, err
	}
	items := make([]DictItem[K, V], min(len(keys), len(values)))
	for i := range items {
		items[i] = DictItem[K, V]{keys[i], values[i]}
	}
	return items, nil
}

// Clear removes every key: Python's d.clear(). Proxies read back from the
// dict before stay valid.
func (d *Dict[K, V]) Clear() error {
	_, err := d.CallMethod("Clear")
	return err
}

// Copy returns the contents as a plain Go map: Python's d.copy(), a copy,
// not a proxy.
func (d *Dict[K, V]) Copy() (map[K]V, error) {
	const op = "dict.Copy"
	v, err := d.CallMethod("Copy")
	if err != nil || v == nil {
		return map[K]V{}, err
	}
	src, ok := v.(map[any]any)
	if !ok {
		return nil, fmt.Errorf("proxy: %s returned %T, not a map", op, v)
	}
	out := make(map[K]V, len(src))
	for k, x := range src {
		key, err := As[K](k, op)
		if err != nil {
			return nil, err
		}
		if out[key], err = As[V](x, op); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Pop removes k and returns its value: Python's d.pop(k). A missing key
// fails with an error wrapping ErrKeyNotFound.
func (d *Dict[K, V]) Pop(k K) (V, error) { return Call[V](d.Proxy, "Pop", k) }

// PopDefault removes k and returns its value, or returns def if k is
// missing: Python's d.pop(k, def).
func (d *Dict[K, V]) PopDefault(k K, def V) (V, error) { return Call[V](d.Proxy, "PopDefault", k, def) }

// PopItem removes the key inserted last and returns it with its value:
// Python's d.popitem(). An empty dict fails with an error wrapping
// ErrKeyNotFound.
func (d *Dict[K, V]) PopItem() (K, V, error) {
	const op = "dict.PopItem"
	var (
		key   K
		value V
	)
	v, err := d.CallMethod("PopItem")
	if err != nil {
		return key, value, err
	}
	k, x, err := pair(v, op)
	if err != nil {
		return key, value, err
	}
	if key, err = As[K](k, op); err != nil {
		return key, value, err
	}
	value, err = As[V](x, op)
	return key, value, err
}

// SetDefault returns the value of k, first setting it to def if k is
// missing: Python's d.setdefault(k, def).
func (d *Dict[K, V]) SetDefault(k K, def V) (V, error) { return Call[V](d.Proxy, "SetDefault", k, def) }

// Update sets every key of m to its value, in one step: Python's
// d.update(m). Keys of an ordered type (numbers, strings) are inserted in
// ascending order, others in Go's map order.
func (d *Dict[K, V]) Update(m map[K]V) error {
	_, err := d.CallMethod("Update", keysAndValues(m)...)
	return err
}

// Iter returns a handle to a new iterator over the keys, in order, living
// in the manager: Python's iter(d). Each Next is one round trip; if keys
// are added or removed meanwhile, Next fails with an error wrapping
// ErrChangedDuringIteration. Close it when done.
func (d *Dict[K, V]) Iter() (*Iterator[K], error) {
	p, err := Call[*Proxy](d.Proxy, "Iter")
	if err != nil {
		return nil, err
	}
	return IteratorOf[K](p), nil
}

// Range iterates over the keys through a remote Iterator, which it closes
// at the end: Python's for k in d.
//
//	for k, err := range d.Range() {
//		if err != nil { ... }
//	}
//
// An error (ErrChangedDuringIteration, a lost connection) is yielded once
// and ends the loop. Keys is one round trip for all keys, and a snapshot.
func (d *Dict[K, V]) Range() iter.Seq2[K, error] { return rangeOver(d.Iter) }

// Add adds delta to the number stored under k, atomically on the server,
// and returns the new value; a missing key counts as 0. Beyond Python.
// The sum keeps the stored value's type; an integer takes only a whole
// delta, and overflow is an error rather than wrapping around. Adding to
// something that is not a number fails with an error wrapping
// ErrBadArgument.
func (d *Dict[K, V]) Add(k K, delta V) (V, error) { return Call[V](d.Proxy, "Add", k, delta) }

// CompareAndSwap sets k to new if its value equals old, atomically on the
// server, and reports whether it did. Beyond Python. Values compare like
// Python's ==: numbers by value, anything else with reflect.DeepEqual.
//
// A missing key reads as nil: when V is a pointer or interface type,
// CompareAndSwap(k, nil, v) inserts v only if k is absent. For any V,
// SetIfAbsent does that.
func (d *Dict[K, V]) CompareAndSwap(k K, old, new V) (bool, error) {
	return Call[bool](d.Proxy, "CompareAndSwap", k, old, new)
}

// SetIfAbsent sets k to v if k is missing (or holds nil), atomically on the
// server, and reports whether it did. Beyond Python (setdefault sets, but
// does not tell whether it did).
func (d *Dict[K, V]) SetIfAbsent(k K, v V) (bool, error) {
	return Call[bool](d.Proxy, "CompareAndSwap", k, nil, v)
}

// keysAndValues flattens m into the alternating keys and values the server
// takes, keys of an ordered type in ascending order.
func keysAndValues[K comparable, V any](m map[K]V) []any {
	keys := slices.Collect(maps.Keys(m))
	if less := orderOf[K](); less != nil {
		slices.SortFunc(keys, less)
	}
	kv := make([]any, 0, 2*len(keys))
	for _, k := range keys {
		kv = append(kv, k, m[k])
	}
	return kv
}

// orderOf returns a comparison of K's values if K is a number or string
// type, else nil.
func orderOf[K comparable]() func(a, b K) int {
	switch reflect.TypeFor[K]().Kind() {
	case reflect.String:
		return func(a, b K) int { return cmp.Compare(reflect.ValueOf(a).String(), reflect.ValueOf(b).String()) }
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(a, b K) int { return cmp.Compare(reflect.ValueOf(a).Int(), reflect.ValueOf(b).Int()) }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(a, b K) int { return cmp.Compare(reflect.ValueOf(a).Uint(), reflect.ValueOf(b).Uint()) }
	case reflect.Float32, reflect.Float64:
		return func(a, b K) int { return cmp.Compare(reflect.ValueOf(a).Float(), reflect.ValueOf(b).Float()) }
	}
	return nil
}

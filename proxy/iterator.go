// iterator.go mirrors IteratorProxy in Python's managers.py: the handle of
// the Iterator typeid, which dict and list iteration return, and the
// conversions the container handles share.

package proxy

import (
	"encoding/gob"
	"errors"
	"fmt"
	"iter"
	"reflect"

	"gomanager/proxy/wire"
)

// Iterator is a handle to an iterator living in the manager (Python's
// IteratorProxy): each Next is one round trip. Dict.Iter and List.Iter
// return one; Close it when done, like any handle.
type Iterator[T any] struct{ *Proxy }

// IteratorOf wraps a proxy to an Iterator whose values are T.
func IteratorOf[T any](p *Proxy) *Iterator[T] {
	registerValueType[T]()
	return &Iterator[T]{p}
}

// Next returns the next value: Python's next(it). At the end it fails with
// an error wrapping ErrStopIteration, and keeps doing so; over a dict that
// gained or lost keys meanwhile, with one wrapping ErrChangedDuringIteration.
func (it *Iterator[T]) Next() (T, error) { return Call[T](it.Proxy, "Next") }

// All returns a Go iterator over the remaining values, for range:
//
//	for v, err := range it.All() {
//		if err != nil { ... }
//	}
//
// It ends quietly at ErrStopIteration; any other error is yielded once,
// with the zero T, and ends it. It does not close the Iterator.
func (it *Iterator[T]) All() iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			v, err := it.Next()
			if errors.Is(err, ErrStopIteration) {
				return
			}
			if !yield(v, err) || err != nil {
				return
			}
		}
	}
}

// rangeOver returns a Go iterator that makes a remote iterator with
// newIter, yields its values as All does, and closes it at the end, also
// when the loop breaks early. A failure to close is yielded if the loop
// is still listening.
func rangeOver[T any](newIter func() (*Iterator[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		it, err := newIter()
		if err != nil {
			yield(zero, err)
			return
		}
		listening := true
		for v, err := range it.All() {
			if listening = yield(v, err); !listening {
				break
			}
		}
		if err := it.Close(); err != nil && listening {
			yield(zero, err)
		}
	}
}

// asSlice converts a list that came back from a call to []T, keeping the
// elements themselves (so proxies inside stay the working ones the call
// attached). op names the call for errors.
func asSlice[T any](v any, op string) ([]T, error) {
	if v == nil {
		return []T{}, nil
	}
	vals, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("proxy: %s returned %T, not a list", op, v)
	}
	out := make([]T, len(vals))
	for i, x := range vals {
		var err error
		if out[i], err = As[T](x, op); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// anySlice converts items to the []any a variadic call takes.
func anySlice[T any](items []T) []any {
	out := make([]any, len(items))
	for i, v := range items {
		out[i] = v
	}
	return out
}

// pair splits a two-result reply ([]any of length 2) into its parts.
func pair(v any, op string) (any, any, error) {
	vals, ok := v.([]any)
	if !ok || len(vals) != 2 {
		return nil, nil, fmt.Errorf("proxy: %s returned %T, not two results", op, v)
	}
	return vals[0], vals[1], nil
}

// registerValueType registers T with gob, so values of T can travel inside
// a call's arguments and results (the server's process must register it
// too, if it is another program). Scalars and interfaces need nothing; a
// clash with a name the user registered is left to the user's registration.
func registerValueType[T any]() {
	t := reflect.TypeFor[T]()
	if t.Kind() == reflect.Interface || wire.IsScalarType(t) {
		return
	}
	defer func() { _ = recover() }() // gob.Register panics on a name registered twice differently
	gob.Register(reflect.Zero(t).Interface())
}

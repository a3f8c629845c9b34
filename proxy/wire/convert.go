// convert.go turns decoded values into the parameters of a Go func known
// only by reflection, as a server calling a shared object's method needs,
// and registers the types such funcs take and return with gob, so that
// their values can travel inside interfaces.

package wire

import (
	"encoding/gob"
	"reflect"
	"sync"
)

// Convert turns a decoded value into a parameter of type want: as is when
// assignable; a number of another numeric type when the value survives
// the conversion (ConvertNumber); a value for a pointer parameter, or a
// pointer's element for a value parameter; nil for the types that have
// nil. It reports false if none applies.
func Convert(v any, want reflect.Type) (reflect.Value, bool) {
	if v == nil {
		switch want.Kind() {
		case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map, reflect.Func, reflect.Chan:
			return reflect.Zero(want), true
		}
		return reflect.Value{}, false
	}
	rv := reflect.ValueOf(v)
	if rv.Type().AssignableTo(want) {
		return rv, true
	}
	if out, ok := ConvertNumber(rv, want); ok { // an int sent for an int64
		return out, true
	}
	switch {
	case want.Kind() == reflect.Pointer && rv.Type().AssignableTo(want.Elem()):
		p := reflect.New(want.Elem())
		p.Elem().Set(rv)
		return p, true
	case rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Elem().Type().AssignableTo(want):
		return rv.Elem(), true
	}
	return reflect.Value{}, false
}

// IsNil reports whether v is a nil pointer, map, chan, func or slice.
func IsNil(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.Slice:
		return v.IsNil()
	}
	return false
}

var gobRegistered sync.Map // reflect.Type -> struct{}

// RegisterGob registers t with gob, once, so values of t can travel inside
// interfaces. Scalars and interfaces need nothing; a type gob rejects, or
// that the user registered under another name, is left alone.
func RegisterGob(t reflect.Type) {
	if t.Kind() == reflect.Interface || IsScalarType(t) {
		return
	}
	if _, done := gobRegistered.LoadOrStore(t, struct{}{}); done {
		return
	}
	defer func() { _ = recover() }() // gob.Register panics on name clashes
	gob.Register(reflect.Zero(t).Interface())
}

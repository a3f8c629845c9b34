// signature.go is how the server calls a Go func it knows only by
// reflection, as Python calls any callable with *args: the shape of each
// callable and method, computed once, and the values a caller sent made
// into the parameters the func wants (package wire converts each one).

package basemanager

import (
	"context"
	"fmt"
	"reflect"

	"gomanager/proxy"
	"gomanager/proxy/wire"
)

// signature is a callable's or method's shape, computed once.
type signature struct {
	name       string
	fn         reflect.Value  // the func, or the method expression (receiver first)
	in         []reflect.Type // the arguments a caller supplies
	skip       int            // leading parameters supplied by the server: receiver, context
	wantsCtx   bool           // the first supplied parameter is a context.Context
	variadic   bool
	returnsErr bool // the last result is an error
	numOut     int  // results, not counting the error
}

var (
	errorType   = reflect.TypeFor[error]()
	contextType = reflect.TypeFor[context.Context]()
)

// newSignature describes fn of type ft; recv is the number of receiver
// parameters (1 for a method expression, 0 for a func).
func newSignature(name string, fn reflect.Value, ft reflect.Type, recv int) *signature {
	s := &signature{name: name, fn: fn, skip: recv, variadic: ft.IsVariadic(), numOut: ft.NumOut()}
	if ft.NumIn() > recv && ft.In(recv) == contextType {
		s.wantsCtx = true
		s.skip++
	}
	for i := s.skip; i < ft.NumIn(); i++ {
		s.in = append(s.in, ft.In(i))
		wire.RegisterGob(ft.In(i))
	}
	if s.numOut > 0 && ft.Out(s.numOut-1) == errorType {
		s.returnsErr = true
		s.numOut--
	}
	for i := 0; i < s.numOut; i++ {
		wire.RegisterGob(ft.Out(i))
	}
	return s
}

// appendArgs converts the values a caller sent into the parameters fn
// wants and appends them to in (one slice for the whole call, receiver
// included, so a call allocates it once). typeid and s.name name the call
// in errors, e.g. `get_my_string.Capitalize`.
func (s *signature) appendArgs(in []reflect.Value, typeid string, vals []any) ([]reflect.Value, error) {
	n := len(s.in)
	if s.variadic && len(vals) < n-1 || !s.variadic && len(vals) != n {
		want := fmt.Sprint(n)
		if s.variadic {
			want = fmt.Sprintf("at least %d", n-1)
		}
		return nil, fmt.Errorf("basemanager: %s.%s takes %s argument(s), got %d (check the call's arguments against the method's signature): %w",
			typeid, s.name, want, len(vals), proxy.ErrBadArgument)
	}
	for i, v := range vals {
		want := s.in[min(i, n-1)]
		if s.variadic && i >= n-1 {
			want = want.Elem()
		}
		rv, ok := wire.Convert(v, want)
		if !ok {
			return nil, fmt.Errorf("basemanager: %s.%s: argument %d: want %s, got %T: %w",
				typeid, s.name, i+1, want, v, proxy.ErrBadArgument)
		}
		in = append(in, rv)
	}
	return in, nil
}

// registry.go mirrors BaseManager.register and the exposed-method rules of
// Python's managers.py (public_methods, all_methods, exposed=): it turns a Go
// callable and the methods of the values it returns into tables the
// dispatcher can call by name. The reflection happens here, once per type.

package basemanager

import (
	"context"
	"encoding/gob"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"

	"gomanager/proxy"
	"gomanager/proxy/wire"
)

// RegisterOption changes how one typeid is registered.
type RegisterOption func(*registration)

// Exposed limits the methods proxies may call on objects of this typeid to
// the names given: Python's exposed= argument. By default every exported
// method is exposed. Register fails if a name is not a method of the type.
func Exposed(methods ...string) RegisterOption {
	return func(r *registration) { r.exposed = slices.Clone(methods) }
}

// Concurrent lets calls on objects of this typeid run at the same time: the
// type does its own locking. Types with blocking methods need it (a Queue's
// Get waiting for an item must not keep Put out); the shared types of
// NewSyncManager are registered this way. By default calls on one object
// are serialized.
func Concurrent() RegisterOption {
	return func(r *registration) { r.concurrent = true }
}

// MethodToTypeid makes the listed methods return proxies instead of copies:
// the result of method m is shared as a new object of typeid
// methodToTypeid[m] (which must be registered on the server, with a nil
// callable if it is only made this way), and the caller gets a *proxy.Proxy
// to it. Python's method_to_typeid=, as used for dict iteration.
func MethodToTypeid(methodToTypeid map[string]string) RegisterOption {
	return func(r *registration) { r.methodToTypeid = maps.Clone(methodToTypeid) }
}

// registration is one typeid: Python's registry entry
// (callable, exposed, method_to_typeid, proxytype).
type registration struct {
	typeid         string
	callable       *signature        // nil: declared only (a client that just connects)
	exposed        []string          // nil: every exported method
	methodToTypeid map[string]string // methods whose results are shared, not copied
	concurrent     bool              // calls are not serialized
}

// register validates callable and builds its registration.
func register(typeid string, callable any, opts ...RegisterOption) (*registration, error) {
	if typeid == "" {
		return nil, fmt.Errorf("basemanager: Register: empty typeid (give the name proxies will ask for, such as %q)", "get_my_string")
	}
	r := &registration{typeid: typeid}
	for _, opt := range opts {
		opt(r)
	}
	if callable == nil {
		return r, nil
	}
	fn := reflect.ValueOf(callable)
	ft := fn.Type()
	if ft.Kind() != reflect.Func || ft.NumOut() < 1 || ft.NumOut() > 2 ||
		(ft.NumOut() == 2 && ft.Out(1) != errorType) {
		return nil, fmt.Errorf("basemanager: Register %q: callable must be a func returning the shared object, optionally with an error, got %T "+
			"(hint: to share an existing object s, register func() *T { return s })", typeid, callable)
	}
	r.callable = newSignature("New", fn, ft, 0)
	// Do the reflection for the object's type now, when it is known, so that
	// calls find ready method tables and typos in Exposed fail early.
	if t := ft.Out(0); t.Kind() != reflect.Interface {
		info := methodsOf(boxedType(t))
		for _, name := range r.exposed {
			if info.methods[name] == nil {
				return nil, fmt.Errorf("basemanager: Register %q: Exposed(%q): %s has no exported method %q%s",
					typeid, name, t, name, hint(info.names, name))
			}
		}
	}
	return r, nil
}

// exposedMethods returns the sorted names a proxy for an object of this
// registration may call.
func (r *registration) exposedMethods(info *typeInfo) []string {
	if r.exposed == nil {
		return info.names
	}
	names := slices.Clone(r.exposed)
	slices.Sort(names)
	return names
}

// isExposed reports whether the named method may be called.
func (r *registration) isExposed(name string) bool {
	return r.exposed == nil || slices.Contains(r.exposed, name)
}

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
		registerGob(ft.In(i))
	}
	if s.numOut > 0 && ft.Out(s.numOut-1) == errorType {
		s.returnsErr = true
		s.numOut--
	}
	for i := 0; i < s.numOut; i++ {
		registerGob(ft.Out(i))
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
		rv, ok := convert(v, want)
		if !ok {
			return nil, fmt.Errorf("basemanager: %s.%s: argument %d: want %s, got %s: %w",
				typeid, s.name, i+1, want, typeName(v), proxy.ErrBadArgument)
		}
		in = append(in, rv)
	}
	return in, nil
}

// convert turns a decoded wire value into a parameter of type want.
func convert(v any, want reflect.Type) (reflect.Value, bool) {
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
	if out, ok := wire.ConvertNumber(rv, want); ok { // an int sent for an int64
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

func typeName(v any) string {
	if v == nil {
		return "nil"
	}
	return fmt.Sprintf("%T", v)
}

// typeInfo is the method table of one referent type.
type typeInfo struct {
	methods map[string]*signature
	names   []string // sorted exported method names
	holder  bool     // the type is a ProxyHolder (holds.go)
}

var typeInfos sync.Map // reflect.Type -> *typeInfo

// methodsOf returns the method table of t, building it on first use.
func methodsOf(t reflect.Type) *typeInfo {
	if info, ok := typeInfos.Load(t); ok {
		return info.(*typeInfo)
	}
	info := &typeInfo{methods: map[string]*signature{}, holder: t.Implements(reflect.TypeFor[ProxyHolder]())}
	abandoner := t.Implements(reflect.TypeFor[Abandoner]())
	for i := 0; i < t.NumMethod(); i++ {
		m := t.Method(i) // exported methods only
		// Methods only the server calls are no client's to call: one
		// client could otherwise release another's lock.
		if m.Name == "Abandon" && abandoner || m.Name == "EachProxy" && info.holder {
			continue
		}
		info.methods[m.Name] = newSignature(m.Name, m.Func, m.Type, 1)
		info.names = append(info.names, m.Name)
	}
	slices.Sort(info.names)
	actual, _ := typeInfos.LoadOrStore(t, info)
	return actual.(*typeInfo)
}

// hint suggests one of names that differs from name only in case, the
// usual slip when reading Python (capitalize) next to Go (Capitalize).
func hint(names []string, name string) string {
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return fmt.Sprintf(" (did you mean %q? Go method names are capitalized)", n)
		}
	}
	return ""
}

// boxedType is the type whose method set the dispatcher uses for a referent
// of type t: values are kept behind a pointer so that pointer-receiver
// methods can change them.
func boxedType(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface {
		return t
	}
	return reflect.PointerTo(t)
}

var gobRegistered sync.Map // reflect.Type -> struct{}

// registerGob registers t with gob, once, so values of t can travel inside
// interfaces. Scalars and interfaces need nothing; a type gob rejects, or
// that the user registered under another name, is left alone.
func registerGob(t reflect.Type) {
	if t.Kind() == reflect.Interface || wire.IsScalarType(t) {
		return
	}
	if _, done := gobRegistered.LoadOrStore(t, struct{}{}); done {
		return
	}
	defer func() { _ = recover() }() // gob.Register panics on name clashes
	gob.Register(reflect.Zero(t).Interface())
}

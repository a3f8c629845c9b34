// registry.go mirrors BaseManager.register and the exposed-method rules of
// Python's managers.py (public_methods, all_methods, exposed=): it turns a Go
// callable and the methods of the values it returns into tables the
// dispatcher can call by name. The reflection happens here, once per type.

package basemanager

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
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

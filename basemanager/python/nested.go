// nested.go mirrors what Python's managers.py does with proxies that travel
// inside values: BaseProxy.__reduce__, which pickles a proxy as
// RebuildProxy(proxytype, token, serializer, kwds), and RebuildProxy, which
// builds it again where it is unpickled, taking its own reference (incref).
//
// A Python client's proxy stored in a shared object (d['k'] =
// manager.dict(), l.append(...), manager.list([proxy])) becomes the very
// *proxy.Proxy a Go client's would be, and the object that stores it keeps
// its referent alive exactly as for a Go client (Object.Hold: Python's
// id_to_local_proxy_obj, without its leak). A stored proxy read by a
// Python client, whoever stored it, goes back as RebuildProxy, so that
// Python's unpickler builds a working proxy; a Go client reading the same
// object gets a *proxy.Proxy, as ever.

package python

import (
	"fmt"
	"reflect"
	"sync"

	"gomanager/basemanager/pickle"
	"gomanager/basemanager/sharedtypes"
	"gomanager/proxy"
	"gomanager/proxy/wire"
)

// proxyClasses are the proxy types Python's SyncManager registers for the
// shared types, by the referent's Go type: what CPython pickles a proxy of
// one as (type(proxy)). A proxy of any other object goes as an AutoProxy,
// BaseManager.register's default, with its exposed methods.
var proxyClasses = map[reflect.Type]string{
	reflect.TypeFor[*sharedtypes.Dict]():      "DictProxy",
	reflect.TypeFor[*sharedtypes.List]():      "ListProxy",
	reflect.TypeFor[*sharedtypes.Event]():     "EventProxy",
	reflect.TypeFor[*sharedtypes.Lock]():      "AcquirerProxy",
	reflect.TypeFor[*sharedtypes.RLock]():     "AcquirerProxy",
	reflect.TypeFor[*sharedtypes.Semaphore](): "AcquirerProxy",
	reflect.TypeFor[*sharedtypes.Condition](): "ConditionProxy",
	reflect.TypeFor[*sharedtypes.Barrier]():   "BarrierProxy",
	reflect.TypeFor[*sharedtypes.Value]():     "ValueProxy",
	reflect.TypeFor[*sharedtypes.Namespace](): "NamespaceProxy",
	reflect.TypeFor[*sharedtypes.Iterator]():  "IteratorProxy",
	reflect.TypeFor[*sharedtypes.Array]():     "ArrayProxy",
	// A set is an AutoProxy: SetProxy is Python 3.14's.
}

// fromPy replaces, in place, the proxies (pickle.ProxyRef) among v, the
// decoded arguments of a request, by the *proxy.Proxy of the objects they
// name, and appends each to found, for Object.Hold. It returns v, or what
// replaces it when v is itself a proxy. A proxy that names another
// manager, or no object of this server, is Python's TypeError.
func (s *FrontDoor) fromPy(v any, found *[]any) (any, error) {
	var err error
	each := func(items []any) {
		for i := range items {
			if err == nil {
				items[i], err = s.fromPy(items[i], found)
			}
		}
	}
	switch x := v.(type) {
	case pickle.ProxyRef:
		p, err := s.rebuild(x)
		if err != nil {
			return nil, err
		}
		*found = append(*found, p)
		return p, nil
	case pickle.Tuple:
		each(x)
	case []any:
		each(x)
	case pickle.Set:
		each(x)
	case pickle.FrozenSet:
		each(x)
	case pickle.Dict:
		for i := range x {
			if err == nil {
				x[i].Key, err = s.fromPy(x[i].Key, found)
			}
			if err == nil {
				x[i].Value, err = s.fromPy(x[i].Value, found)
			}
		}
	case *pickle.Exception:
		if x != nil {
			each(x.Args)
		}
	}
	return v, err
}

// rebuild is RebuildProxy on the server that owns the token: the proxy a
// Go client would have stored, naming the same object. The token must
// name this server, at the address it gives Python clients (pyAddress),
// in this run (the ident's epoch), and an object it still holds.
func (s *FrontDoor) rebuild(r pickle.ProxyRef) (*proxy.Proxy, error) {
	here := s.pyAddress()
	if pickle.Repr(r.Token.Address) != pickle.Repr(here) {
		return nil, pyError("TypeError", fmt.Sprintf("cannot store %s in an object of the manager at %s: "+
			"its token names the manager at %s, and a gomanager server holds proxies to its own objects only "+
			"(make the proxy with a manager connected to %s, the address the server listens on)",
			r, pickle.Repr(here), pickle.Repr(r.Token.Address), pickle.Repr(here)))
	}
	id, err := s.pyID(r.Token.ID)
	if err != nil {
		return nil, pyError("TypeError", fmt.Sprintf("cannot store %s: its id %s is not one the manager at %s gave in "+
			"this run (was the proxy made before the server restarted?)", r, pickle.Repr(r.Token.ID), pickle.Repr(here)))
	}
	obj, ok := s.srv.Object(id)
	if !ok {
		return nil, pyError("TypeError", fmt.Sprintf("cannot store %s: the manager at %s no longer holds that object "+
			"(every reference to it was released)", r, pickle.Repr(here)))
	}
	token := proxy.Token{Typeid: obj.Typeid(), Address: s.srv.Address(), ID: id, Epoch: s.srv.Epoch()}
	return proxy.Link{}.Proxy(token, 0, obj.Exposed()), nil
}

// toPy is BaseProxy.__reduce__ for a proxy stored in a shared object: the
// RebuildProxy that makes Python's unpickler build a proxy of the type
// CPython would use, which increfs the object on its own connection.
// Only this server's objects have one.
func (s *FrontDoor) toPy(p *proxy.Proxy) (pickle.ProxyRef, error) {
	t := p.Token()
	obj, ok := s.srv.Object(t.ID)
	if t.Epoch != s.srv.Epoch() || !ok {
		return pickle.ProxyRef{}, fmt.Errorf("python: a proxy to object %d of the manager at %s has no Python form here: "+
			"it names another manager, an earlier run of this one, or an object since freed, and a Python client "+
			"is only given proxies to this server's live objects", t.ID, t.Address)
	}
	ref := pickle.ProxyRef{
		Class:      proxyClasses[reflect.TypeOf(obj.Referent())],
		Token:      pickle.Token{Typeid: obj.Typeid(), Address: s.pyAddress(), ID: s.pyIdent(t.ID)},
		Serializer: "pickle",
		Kwds:       pickle.Dict{},
	}
	if ref.Class == "" {
		ref.Class = "AutoProxy"
		ref.Kwds = pickle.Dict{{Key: "exposed", Value: pyStrings(pythonExposed(obj))}}
	}
	return ref, nil
}

// pyValue writes the Go values of a reply that have no Python form of
// their own (pickle.MarshalWith): a stored proxy is written as toPy
// makes it.
func (s *FrontDoor) pyValue(v any) (any, bool, error) {
	p, ok := v.(*proxy.Proxy)
	if !ok || p == nil {
		return nil, false, nil
	}
	ref, err := s.toPy(p)
	return ref, true, err
}

// leases are the references a Python client thread's connection holds
// for the proxies in its last reply. Python's client unpickles a reply
// before it sends anything else on the connection, and each proxy it
// rebuilds increfs on a connection of its own; until then the object must
// not be freed, even if the call that returned it (a pop) or another
// client removed it from its container. The next request on the
// connection, or its end, releases them: the Go client's grants, for
// Python's protocol.
type leases struct {
	mu     sync.Mutex
	ids    []uint64 // guarded by mu
	closed bool     // guarded by mu: the connection is gone, nothing more is leased
}

// lease takes a reference to every object of this server that a proxy in
// v names.
func (s *FrontDoor) lease(l *leases, v any) {
	wire.Each(v, func(p *proxy.Proxy) {
		t := p.Token()
		if t.Epoch != s.srv.Epoch() || !s.srv.Retain(t.ID) {
			return
		}
		l.mu.Lock()
		closed := l.closed
		if !closed {
			l.ids = append(l.ids, t.ID)
		}
		l.mu.Unlock()
		if closed { // a call that outlived its connection
			s.srv.Release(t.ID)
		}
	})
}

// release drops the leases: the client has rebuilt its proxies, or, with
// end, its connection is gone.
func (s *FrontDoor) release(l *leases, end bool) {
	l.mu.Lock()
	ids := l.ids
	l.ids = nil
	l.closed = l.closed || end
	l.mu.Unlock()
	for _, id := range ids {
		s.srv.Release(id)
	}
}

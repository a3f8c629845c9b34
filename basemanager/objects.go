// objects.go mirrors the shared-object half of Server in Python's
// managers.py: id_to_obj and id_to_refcount, create, incref and decref,
// and serve_client's body, which finds a method by name and calls it.

package basemanager

import (
	"context"
	"fmt"
	"net"
	"reflect"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"

	"gomanager/basemanager/internal/connection"
	"gomanager/proxy"
	"gomanager/proxy/wire"
)

// object is one shared object: Python's id_to_obj entry plus its refcount.
// A server may hold very many, so it keeps here only what a call needs;
// the rest is derived (its referent's identity) or kept aside (Server.held).
type object struct {
	id      uint64
	reg     *registration
	value   reflect.Value // the referent, always a pointer, map, chan or interface value
	boxed   bool          // value points to a copy of what the callable returned
	info    *typeInfo
	exposed []string

	mu sync.Mutex // serializes calls to the referent

	refs int // guarded by Server.mu
}

// session is one authenticated connection and the references it holds.
type session struct {
	server *Server
	conn   uint64               // the connection's number, for wire.Caller
	ctx    context.Context      // cancelled when the connection ends or the server stops
	stop   context.CancelFunc   // cancels ctx
	refs   map[uint64]uint64    // ref -> object id; guarded by server.mu
	ended  bool                 // the connection is gone: no new references; guarded by server.mu
	calls  connection.Calls     // calls a Cancel request may stop (cancel.go)
	idle   *connection.IdleConn // the connection, which ends itself if a heartbeating client goes silent

	peer     net.Conn     // for the debug page (debug.go), as are the fields below
	python   bool         // a CPython client's
	inFlight atomic.Int32 // calls running (debug.go)
}

// newSession numbers a new connection and gives it a context, cancelled
// when it ends or the server stops.
func (s *Server) newSession(peer net.Conn, python bool) *session {
	ctx, stop := context.WithCancel(s.ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastConn++
	sess := &session{server: s, conn: s.lastConn, ctx: ctx, stop: stop, refs: map[uint64]uint64{}, peer: peer, python: python}
	s.sessions[sess.conn] = sess
	return sess
}

// create runs the callable registered under typeid and takes a reference
// to the result for the caller: Python's Server.create.
func (sess *session) create(typeid string, vals []any) (*object, uint64, error) {
	obj, err := sess.make(typeid, vals)
	if err != nil {
		return nil, 0, err
	}
	return obj, sess.addRef(obj), nil
}

// make runs the callable registered under typeid and shares its result.
// The caller takes the first reference to it at once.
func (sess *session) make(typeid string, vals []any) (*object, error) {
	s := sess.server
	reg := s.registry[typeid]
	if reg == nil || reg.callable == nil && len(vals) != 1 {
		return nil, fmt.Errorf("basemanager: create %q: unknown typeid: the server has no callable registered under it "+
			"(register one on the serving side: m.Register(%q, func() *T {...})): %w", typeid, typeid, proxy.ErrUnknownTypeid)
	}
	var value reflect.Value
	if reg.callable == nil {
		// Python's register(typeid) with no callable: create(typeid, obj)
		// shares obj itself.
		value = reflect.ValueOf(vals[0])
	} else {
		results, err := invoke(sess.ctx, reg.callable, reflect.Value{}, typeid, vals)
		if err != nil {
			return nil, err
		}
		value = results[0]
	}
	if value.Kind() == reflect.Interface {
		value = value.Elem()
	}
	if !value.IsValid() || wire.IsNil(value) {
		return nil, fmt.Errorf("basemanager: create %q: the callable returned nil (return the object to share): %w",
			typeid, proxy.ErrBadArgument)
	}
	obj := s.adopt(reg, value)
	// Proxies among the arguments may now live inside the object
	// (manager.list([a, b])): keep their objects alive, as for a call.
	s.settleHolds(obj, s.holdProxies(obj, vals))
	return obj, nil
}

// adopt returns the object entry for value, making one if the server does
// not hold this referent yet (identity.go). The caller takes a reference
// on it at once.
func (s *Server) adopt(reg *registration, value reflect.Value) *object {
	obj := &object{reg: reg, value: value}
	switch value.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Chan:
	default:
		// A value, not a reference: keep a private copy behind a pointer so
		// pointer-receiver methods can change it.
		p := reflect.New(value.Type())
		p.Elem().Set(value)
		obj.value, obj.boxed = p, true
	}
	obj.info = methodsOf(obj.value.Type())
	obj.exposed = reg.exposedMethods(obj.info)

	s.mu.Lock()
	defer s.mu.Unlock()
	if existing := s.lookupLocked(obj); existing != nil {
		return existing
	}
	s.lastID++
	obj.id = s.lastID
	s.objects[obj.id] = obj
	s.rememberLocked(obj)
	return obj
}

// addRef records a new reference to obj owned by this connection.
func (sess *session) addRef(obj *object) uint64 {
	s := sess.server
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastRef++
	obj.refs++
	sess.refs[s.lastRef] = obj.id
	if sess.ended { // a call that outlived its connection: nobody will hold it
		delete(sess.refs, s.lastRef)
		s.dropRefLocked(obj.id)
	}
	return s.lastRef
}

// incref takes one more reference to the object with id: Python's incref.
func (sess *session) incref(id, epoch uint64) (*object, uint64, error) {
	s := sess.server
	if err := s.checkEpoch(epoch, id); err != nil {
		return nil, 0, err
	}
	obj, err := s.object(id)
	if err != nil {
		return nil, 0, err
	}
	return obj, sess.addRef(obj), nil
}

// decref releases one reference: Python's decref. The object is freed when
// its last reference goes.
func (sess *session) decref(ref uint64) error {
	s := sess.server
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := sess.refs[ref]
	if !ok {
		return fmt.Errorf("basemanager: decref: reference %d is not held by this connection (was the proxy closed twice?)", ref)
	}
	delete(sess.refs, ref)
	s.dropRefLocked(id)
	return nil
}

// end runs when the connection is gone, and again once its calls have
// returned: it drops every reference the connection still holds, and
// tells the objects that track holders (Abandoner).
func (sess *session) end() {
	sess.stop()
	s := sess.server
	s.mu.Lock()
	sess.ended = true
	delete(s.sessions, sess.conn)
	abandoners := s.abandonersLocked() // before the references go, which may free some
	for ref, id := range sess.refs {
		delete(sess.refs, ref)
		s.dropRefLocked(id)
	}
	s.mu.Unlock()
	// Outside s.mu: Abandon takes the object's own lock.
	for _, a := range abandoners {
		a.Abandon(sess.conn)
	}
}

// dropRefLocked releases one reference to id, freeing the object at zero,
// and with it the references it held (proxies stored inside it).
func (s *Server) dropRefLocked(id uint64) {
	obj := s.objects[id]
	if obj == nil {
		return
	}
	obj.refs--
	if obj.refs > 0 {
		return
	}
	delete(s.objects, id)
	s.forgetLocked(obj)
	held := s.held[id]
	delete(s.held, id)
	for _, h := range held {
		s.dropRefLocked(h)
	}
}

// lock serializes calls to the referent, unless its typeid was registered
// Concurrent: then the type does its own locking.
func (obj *object) lock() {
	if !obj.reg.concurrent {
		obj.mu.Lock()
	}
}

func (obj *object) unlock() {
	if !obj.reg.concurrent {
		obj.mu.Unlock()
	}
}

// object returns the object with id.
func (s *Server) object(id uint64) (*object, error) {
	s.mu.Lock()
	obj := s.objects[id]
	s.mu.Unlock()
	if obj == nil {
		return nil, fmt.Errorf("basemanager: object %d: %w (every reference to it was released; get a new proxy)", id, proxy.ErrNoSuchObject)
	}
	return obj, nil
}

// call runs one method call on the object: the heart of Python's
// serve_client. Calls on one referent are serialized by the object's lock,
// unless its typeid was registered Concurrent.
func (sess *session) call(req *wire.Request) (wire.Values, []wire.Grant, error) {
	s := sess.server
	if err := s.checkEpoch(req.Epoch, req.ID); err != nil {
		return wire.Values{}, nil, err
	}
	obj, err := s.object(req.ID)
	if err != nil {
		return wire.Values{}, nil, err
	}
	vals, err := req.Args.Decode()
	if err != nil {
		return wire.Values{}, nil, fmt.Errorf("basemanager: %s.%s: the server could not decode the arguments: %w", obj.reg.typeid, req.Method, err)
	}
	ctx, done := sess.callContext(obj, req) // cancel.go
	defer done()

	obj.lock()
	defer obj.unlock()
	// Proxies among the arguments stay alive while the object keeps them
	// (holds.go); settled after the result's own references are taken.
	defer s.settleHolds(obj, s.holdArgs(obj, req, vals))
	result, err := obj.dispatch(ctx, req.Method, vals)
	if err != nil {
		return wire.Values{}, nil, err
	}
	if typeid, ok := obj.reg.methodToTypeid[req.Method]; ok {
		if result, err = sess.share(typeid, result); err != nil {
			return wire.Values{}, nil, err
		}
	}
	// The result is encoded before the lock is released: it may share memory
	// with the referent (a slice, a map), and the next call may change it.
	// The caller decodes a copy.
	out, err := wire.Encode([]any{result})
	if err != nil {
		return wire.Values{}, nil, fmt.Errorf("basemanager: %s.%s: encoding result %T: %w", obj.reg.typeid, req.Method, result, err)
	}
	return out, sess.grantProxies(out, result), nil
}

// dispatch finds the method by name and calls it by reflection. The caller
// holds obj.mu.
func (obj *object) dispatch(ctx context.Context, method string, vals []any) (any, error) {
	switch method {
	case wire.MethodStr: // str(proxy)
		return obj.str(), nil
	case wire.MethodRepr:
		if _, ok := obj.value.Interface().(fmt.GoStringer); !ok && obj.reg.concurrent {
			return nil, obj.unguarded("a GoString method for __repr__")
		}
		return fmt.Sprintf("%#v", obj.referent()), nil
	case wire.MethodGetValue: // proxy._getvalue(): the whole referent, copied
		if v, ok := obj.value.Interface().(ValueGetter); ok {
			return v.GetValue(), nil
		}
		if obj.reg.concurrent {
			return nil, obj.unguarded("a GetValue method")
		}
		return obj.referent(), nil
	}
	sig := obj.info.methods[method]
	if sig == nil || !obj.reg.isExposed(method) {
		return nil, fmt.Errorf("basemanager: %s has no exposed method %q%s (exposed: %s): %w",
			obj.reg.typeid, method, hint(obj.exposed, method), strings.Join(obj.exposed, ", "), proxy.ErrNoSuchMethod)
	}
	results, err := invoke(ctx, sig, obj.value, obj.reg.typeid, vals)
	if err != nil {
		return nil, err
	}
	switch len(results) {
	case 0:
		return nil, nil
	case 1:
		return results[0].Interface(), nil
	}
	all := make([]any, len(results))
	for i, r := range results {
		all[i] = r.Interface()
	}
	return all, nil
}

// invoke converts vals and calls sig. recv is the receiver, or the zero
// Value for a callable. A returned error or a panic in user code becomes a
// *remoteError; bad arguments an ErrBadArgument.
func invoke(ctx context.Context, sig *signature, recv reflect.Value, typeid string, vals []any) (results []reflect.Value, err error) {
	in := make([]reflect.Value, 0, 4) // on the stack: room for most calls
	if recv.IsValid() {
		in = append(in, recv)
	}
	if sig.wantsCtx {
		in = append(in, reflect.ValueOf(ctx))
	}
	if in, err = sig.appendArgs(in, typeid, vals); err != nil {
		return nil, err
	}

	defer func() {
		if p := recover(); p != nil {
			perr, _ := p.(error)
			err = &remoteError{typeid: typeid, method: sig.name, err: perr,
				msg: fmt.Sprint(p), panic: true, stack: string(debug.Stack())}
		}
	}()
	out := sig.fn.Call(in) // Call packs variadic arguments itself
	if sig.returnsErr {
		if e := out[len(out)-1]; !e.IsNil() {
			err := e.Interface().(error)
			return nil, &remoteError{typeid: typeid, method: sig.name, err: err, msg: err.Error()}
		}
		out = out[:len(out)-1]
	}
	return out, nil
}

// unguarded refuses to read a Concurrent object behind its back.
func (obj *object) unguarded(what string) error {
	return fmt.Errorf("basemanager: %s is registered Concurrent, so the server cannot read it safely: give its type %s: %w",
		obj.reg.typeid, what, proxy.ErrNoSuchMethod)
}

// referent returns the shared value as the callable returned it.
func (obj *object) referent() any {
	if obj.boxed {
		return obj.value.Elem().Interface()
	}
	return obj.value.Interface()
}

// str is Python's str(obj): String() if the referent has one, else its fmt form.
func (obj *object) str() string {
	if s, ok := obj.value.Interface().(fmt.Stringer); ok {
		return s.String()
	}
	v := obj.value
	for v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	return fmt.Sprint(v.Interface())
}

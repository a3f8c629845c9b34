// serve.go is the server's second front door: CPython's own
// multiprocessing.managers clients (BaseManager.connect, SyncManager, their
// proxies) are served on the same address as Go clients, in Python's
// protocol. It mirrors Server.handle_request, the public requests and the
// method calls of Python's managers.py; calls.go serves a client thread's
// connection (Server.serve_client); types.go adapts the shared types'
// methods to the shapes Python calls them with.
//
// Both kinds of client pass the same handshake; Peek (host.go) tells them
// apart by their first message.

package python

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"gomanager/basemanager/internal/connection"
	"gomanager/basemanager/pickle"
	"gomanager/proxy"
	"gomanager/proxy/wire"
)

// Reprer is implemented by shared objects that know how Python shows
// them. A Python client's repr of the referent (and so str(proxy), which
// Python's BaseProxy computes with __repr__) uses it; without it, Python
// clients get the Go form that Go's __repr__ request returns.
type Reprer interface {
	PyRepr() string
}

// Serve serves one connection from a Python client: one request,
// (None, funcname, args, kwds), then the reply; or, for
// accept_connection, the method calls of one client thread until it
// closes. Python's Server.handle_request.
func (s *FrontDoor) Serve(conn net.Conn) {
	ctx, cancel := context.WithCancel(s.srv.Context())
	defer cancel()
	sess := s.srv.NewSession(ctx, conn)
	// Holds (of a lock, say) belong to the client thread's connection, as
	// Go clients' do: they are released when it ends.
	defer sess.End()

	msg, err := connection.ReadFrame(conn, s.srv.Config().MaxMessageSize)
	if err != nil {
		if !errors.Is(err, io.EOF) {
			s.srv.Config().Logf("basemanager: %s: Python client %s: %v", s.srv.Address(), conn.RemoteAddr(), err)
		}
		return
	}
	var reply pickle.Tuple
	req, err := pyRequest(msg)
	switch {
	case err != nil:
		reply = s.traceback(err)
	case req.name == "accept_connection":
		if err := s.writePy(conn, pickle.Tuple{"#RETURN", nil}); err != nil {
			return
		}
		s.serveCalls(sess, conn, cancel)
		return
	default:
		var ok bool
		reply, ok = s.within(sess, func() pickle.Tuple {
			result, err := s.pyPublic(sess, req.name, req.args, req.kwds)
			if err != nil {
				return s.traceback(err)
			}
			return pickle.Tuple{"#RETURN", result}
		})
		if !ok {
			return
		}
	}
	s.writePy(conn, reply)
}

// within runs one request on a goroutine of its own and returns its reply,
// unless the connection ends first and the request does not finish within
// connection.CallGrace (a method or callable that ignores its context):
// then the request keeps its goroutine until it returns, and its reply is
// discarded. Shutdown counts it among the calls in flight.
func (s *FrontDoor) within(sess Session, request func() pickle.Tuple) (pickle.Tuple, bool) {
	sess.Begin()
	done := make(chan pickle.Tuple, 1)
	go func() {
		reply := request()
		sess.Finish(reply[0] != "#RETURN" && reply[0] != "#PROXY")
		done <- reply
	}()
	select {
	case reply := <-done:
		return reply, true
	case <-sess.Context().Done():
	}
	t := time.NewTimer(connection.CallGrace)
	defer t.Stop()
	select {
	case reply := <-done:
		return reply, true
	case <-t.C:
		return nil, false
	}
}

// pyMessage is one request: (None, funcname, args, kwds) on a fresh
// connection, (ident, methodname, args, kwds) on an accepted one.
type pyMessage struct {
	ident any // None, or the object's ident
	name  string
	args  pickle.Tuple
	kwds  pickle.Dict
}

// pyRequest decodes a request.
func pyRequest(msg []byte) (pyMessage, error) {
	v, err := pickle.Unmarshal(msg)
	if err != nil {
		return pyMessage{}, pyError("UnpicklingError", err.Error())
	}
	t, ok := v.(pickle.Tuple)
	if !ok || len(t) != 4 {
		return pyMessage{}, pyError("ValueError", fmt.Sprintf("a request is a 4-tuple, got %.100s", pickle.Repr(v)))
	}
	name, ok1 := t[1].(string)
	args, ok2 := t[2].(pickle.Tuple)
	kwds, ok3 := t[3].(pickle.Dict)
	if !ok1 || !ok2 || !ok3 {
		return pyMessage{}, pyError("TypeError", fmt.Sprintf("malformed request %.100s", pickle.Repr(v)))
	}
	return pyMessage{ident: t[0], name: name, args: args, kwds: kwds}, nil
}

// pyPublic runs one of Server.public's requests other than
// accept_connection.
func (s *FrontDoor) pyPublic(sess Session, funcname string, args pickle.Tuple, kwds pickle.Dict) (any, error) {
	a := &pyArgs{method: funcname, pos: args, kw: kwds}
	switch funcname {
	case "dummy":
		_, err := a.bind()
		return nil, err
	case "create":
		if len(args) == 0 {
			return nil, pyError("TypeError", "create() missing required argument: 'typeid'")
		}
		typeid, ok := args[0].(string)
		if !ok {
			return nil, pyError("KeyError", pickle.Repr(args[0]))
		}
		// Proxies among the arguments (manager.list([d])) become the
		// server's own; creating the object holds them (Session.Create).
		var found []any
		if _, err := s.fromPy(pickle.Tuple{args, kwds}, &found); err != nil {
			return nil, err
		}
		return s.pyCreate(sess, typeid, &pyArgs{method: typeid, pos: args[1:], kw: kwds})
	case "incref", "decref":
		p, err := a.bind(pyParam{name: "ident"})
		if err != nil {
			return nil, err
		}
		ident, _ := p[0].(string)
		if funcname == "incref" {
			return nil, s.pyIncref(ident)
		}
		return nil, s.pyDecref(ident)
	case "get_methods":
		p, err := a.bind(pyParam{name: "token"})
		if err != nil {
			return nil, err
		}
		t, ok := p[0].(pickle.Token)
		if !ok {
			return nil, pyError("TypeError", "get_methods() takes a Token")
		}
		obj, err := s.pyObject(t.ID)
		if err != nil {
			return nil, err
		}
		return pyStrings(pythonExposed(obj)), nil
	case "number_of_objects":
		_, err := a.bind()
		return len(s.srv.Objects()), err
	case "debug_info":
		_, err := a.bind()
		return s.pyDebugInfo(), err
	case "track_segment", "release_segment", "list_segments":
		return s.pySegments(sess, funcname, a)
	case "shutdown":
		// Python stops its server for any authenticated client that asks. A
		// gomanager server belongs to the program that runs it, which stops
		// it with Server.Stop; its Go clients cannot stop it either.
		return nil, pyError("RuntimeError", "shutdown refused: a gomanager server is stopped by the program that runs it (Server.Stop), not by its clients")
	}
	return nil, pyError("AssertionError", fmt.Sprintf("%s unrecognized", pickle.Repr(funcname)))
}

// pyCreate is Python's Server.create: it makes the object and takes one
// reference for the Python client.
//
// Python's references are not the connection's. A Python client opens a
// new connection for each create, incref and decref and closes it at once,
// so a reference that ended with its connection would be gone before the
// proxy could use it. They are counted per object for all Python clients
// together (FrontDoor.refs), as in Python's id_to_refcount, and released
// only by decref: a Python client that dies without its finalizers leaks
// them, as it does with a Python server.
func (s *FrontDoor) pyCreate(sess Session, typeid string, a *pyArgs) (any, error) {
	callable, registered := s.srv.Callable(typeid)
	if !registered {
		return nil, pyError("KeyError", pickle.Repr(typeid))
	}
	vals, err := pyCreateArgs(typeid, callable, a)
	if err != nil {
		return nil, err
	}
	obj, err := sess.Create(typeid, vals)
	if err != nil {
		return nil, err
	}
	s.adoptRef(obj)
	return pickle.Tuple{s.pyIdent(obj.ID()), pyStrings(pythonExposed(obj))}, nil
}

// adoptRef counts the reference Create or Share took as the Python
// clients'.
func (s *FrontDoor) adoptRef(obj Object) {
	s.mu.Lock()
	s.refs[obj.ID()]++
	s.mu.Unlock()
}

// pyIncref is Python's incref(ident).
func (s *FrontDoor) pyIncref(ident string) error {
	id, err := s.pyID(ident)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.srv.Retain(id) {
		return pyError("KeyError", pickle.Repr(ident))
	}
	s.refs[id]++
	return nil
}

// pyDecref is Python's decref(ident): the object is freed with its last
// reference, Go's or Python's.
func (s *FrontDoor) pyDecref(ident string) error {
	id, err := s.pyID(ident)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs[id] <= 0 {
		if _, ok := s.srv.Object(id); !ok {
			return pyError("KeyError", pickle.Repr(ident))
		}
		return pyError("AssertionError", fmt.Sprintf("Id %s has no reference held by Python clients, not 1+", ident))
	}
	if s.refs[id]--; s.refs[id] == 0 {
		delete(s.refs, id)
	}
	s.srv.Release(id)
	return nil
}

// pyIdent is the ident Python clients see for object id: its number and
// the server's epoch, in hex, so a token from another run of the server
// names nothing here.
func (s *FrontDoor) pyIdent(id uint64) string {
	return strconv.FormatUint(id, 16) + "-" + strconv.FormatUint(s.srv.Epoch(), 16)
}

// pyID parses an ident made by pyIdent.
func (s *FrontDoor) pyID(ident string) (uint64, error) {
	idHex, epochHex, ok := strings.Cut(ident, "-")
	id, err1 := strconv.ParseUint(idHex, 16, 64)
	epoch, err2 := strconv.ParseUint(epochHex, 16, 64)
	if !ok || err1 != nil || err2 != nil || epoch != s.srv.Epoch() {
		return 0, pyError("KeyError", pickle.Repr(ident))
	}
	return id, nil
}

// pyObject returns the object named by ident.
func (s *FrontDoor) pyObject(ident string) (Object, error) {
	id, err := s.pyID(ident)
	if err != nil {
		return nil, err
	}
	obj, ok := s.srv.Object(id)
	if !ok {
		return nil, pyError("KeyError", pickle.Repr(ident))
	}
	return obj, nil
}

// pyDebugInfo is Python's debug_info(): one entry per object, in ident
// order, with its reference count (Go's and Python's) and the first 75
// characters of its str().
func (s *FrontDoor) pyDebugInfo() string {
	type entry struct {
		ident string
		obj   Object
		refs  int
	}
	var entries []entry
	for _, obj := range s.srv.Objects() {
		entries = append(entries, entry{s.pyIdent(obj.ID()), obj, obj.Refs()})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.ident, b.ident) })
	lines := make([]string, len(entries))
	for i, e := range entries {
		e.obj.Lock()
		str := e.obj.Str()
		e.obj.Unlock()
		if len(str) > 75 {
			str = str[:75]
		}
		lines[i] = fmt.Sprintf("  %s:       refcount=%d\n    %s", e.ident, e.refs, str)
	}
	return strings.Join(lines, "\n")
}

// pyCall runs one method call, with ctx as its context, and returns the
// reply: ('#RETURN', result), ('#ERROR', exception) when the method
// raised, ('#PROXY', (exposed, token)) for a method listed in
// MethodToTypeid, or ('#TRACEBACK', text) when the call itself failed.
//
// Proxies among the arguments become the server's own (nested.go), which
// the object keeps alive while it stores them (Object.Hold); proxies in
// the result are leased to the connection until the client has rebuilt
// them.
func (s *FrontDoor) pyCall(ctx context.Context, sess Session, msg []byte, leased *leases) pickle.Tuple {
	req, err := pyRequest(msg)
	if err != nil {
		return s.traceback(err)
	}
	ident, ok := req.ident.(string)
	if !ok {
		return s.traceback(pyError("KeyError", pickle.Repr(req.ident)))
	}
	obj, err := s.pyObject(ident)
	if err != nil {
		return s.traceback(err)
	}
	var found []any // the proxies among the arguments
	if _, err := s.fromPy(req.args, &found); err != nil {
		return pickle.Tuple{"#ERROR", pyException(err)}
	}
	if _, err := s.fromPy(req.kwds, &found); err != nil {
		return pickle.Tuple{"#ERROR", pyException(err)}
	}
	method := req.name
	a := &pyArgs{method: method, pos: req.args, kw: req.kwds}

	m, goName, ok := pythonMethod(obj, method)
	if !ok {
		// Python's fallback_mapping, for names not exposed.
		result, err := s.pyFallback(ctx, obj, a, leased)
		if err != nil {
			return s.traceback(err)
		}
		return pickle.Tuple{"#RETURN", result}
	}
	typeid, shares := obj.ResultTypeid(goName)
	var result any
	func() {
		obj.Lock()
		defer obj.Unlock()
		settle := obj.Hold(found)
		defer settle()
		result, err = m(ctx, obj, a)
		if err == nil && !shares {
			s.lease(leased, result) // before settle may release what the call removed
		}
	}()
	if err != nil {
		var me methodError
		if errors.As(err, &me) {
			if msg, panicked, stack := me.MethodError(); panicked {
				return s.traceback(fmt.Errorf("%s.%s panicked: %s\n%s", obj.Typeid(), method, msg, stack))
			}
		}
		return pickle.Tuple{"#ERROR", pyException(err)}
	}
	if shares {
		return s.pyProxyReply(sess, typeid, result)
	}
	return pickle.Tuple{"#RETURN", result}
}

// pyFallback answers __str__, __repr__ and #GETVALUE, Python's
// fallback_mapping; any other name is not exposed. The proxies in a
// #GETVALUE's copy are leased, as a call's result's are.
func (s *FrontDoor) pyFallback(ctx context.Context, obj Object, a *pyArgs, leased *leases) (any, error) {
	switch a.method {
	case wire.MethodStr, wire.MethodRepr, wire.MethodGetValue:
		if _, err := a.bind(); err != nil {
			return nil, err
		}
	default:
		return nil, pyError("AttributeError", fmt.Sprintf("method %s of %s object is not in exposed=%s",
			pickle.Repr(a.method), pickle.Repr(obj.Typeid()), pickle.Repr(pyStrings(pythonExposed(obj)))))
	}
	obj.Lock()
	defer obj.Unlock()
	switch a.method {
	case wire.MethodStr:
		return obj.Str(), nil
	case wire.MethodRepr:
		if r, ok := obj.Referent().(Reprer); ok {
			return r.PyRepr(), nil
		}
		if t := pyTypeOf(obj); t != nil && t.repr != nil {
			return t.repr(obj.Referent()), nil
		}
	case wire.MethodGetValue:
		var v any
		var err error
		if t := pyTypeOf(obj); t != nil && t.getvalue != nil {
			v = t.getvalue(obj.Referent())
		} else {
			v, err = obj.Call(ctx, a.method, nil)
		}
		if err == nil {
			s.lease(leased, v)
		}
		return v, err
	}
	return obj.Call(ctx, a.method, nil)
}

// pyProxyReply shares result as a new object of typeid, with one
// reference for the Python client, and answers ('#PROXY', (exposed,
// token)): the client builds the proxy, increfs and decrefs, which leaves
// that one reference with its proxy.
func (s *FrontDoor) pyProxyReply(sess Session, typeid string, result any) pickle.Tuple {
	obj, err := sess.Share(typeid, result)
	if err != nil {
		return s.traceback(err)
	}
	if obj == nil {
		return pickle.Tuple{"#RETURN", nil} // the method returned nil
	}
	s.adoptRef(obj)
	token := pickle.Token{Typeid: typeid, Address: s.pyAddress(), ID: s.pyIdent(obj.ID())}
	return pickle.Tuple{"#PROXY", pickle.Tuple{pyStrings(pythonExposed(obj)), token}}
}

// pyAddress is the server's address as Python writes it: ('host', port),
// or a Unix socket's path, a str (address_type's 'AF_UNIX').
func (s *FrontDoor) pyAddress() any {
	if path, ok := connection.UnixPath(s.srv.Address()); ok {
		return path
	}
	host, port, err := net.SplitHostPort(s.srv.Address())
	if err != nil {
		return s.srv.Address()
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		return s.srv.Address()
	}
	return pickle.Tuple{host, n}
}

// traceback is the ('#TRACEBACK', text) reply for err, which Python's
// client raises as a RemoteError showing the text.
func (s *FrontDoor) traceback(err error) pickle.Tuple {
	exc := pyException(err)
	return pickle.Tuple{"#TRACEBACK", fmt.Sprintf("Traceback (most recent call last):\n  gomanager server at %s\n%s\n", s.srv.Address(), exc.Error())}
}

// writePy sends one reply.
func (s *FrontDoor) writePy(conn net.Conn, reply pickle.Tuple) error {
	data, err := s.marshalPy(reply)
	if err != nil {
		return err
	}
	return connection.WriteFrame(conn, data)
}

// marshalPy pickles one reply. A result with no Python form is replaced
// by ('#UNSERIALIZABLE', text), as Python's server does; Python's client
// raises it as a RemoteError.
func (s *FrontDoor) marshalPy(reply pickle.Tuple) ([]byte, error) {
	data, err := pickle.MarshalWith(reply, s.srv.Config().MaxMessageSize, s.pyValue)
	if err != nil {
		return pickle.Marshal(pickle.Tuple{"#UNSERIALIZABLE",
			fmt.Sprintf("Traceback (most recent call last):\n  gomanager server at %s\n%v (the result has no Python form)\n", s.srv.Address(), err)})
	}
	return data, nil
}

// pyStrings makes a tuple of strs, as Python's exposed tuples are.
func pyStrings(names []string) pickle.Tuple {
	t := make(pickle.Tuple, len(names))
	for i, n := range names {
		t[i] = n
	}
	return t
}

// pyError is the Python exception builtins.name(msg), as an error.
func pyError(name, msg string) error {
	return pickle.NewException("builtins", name, msg)
}

// pyException turns a Go error into the Python exception Python code would
// have seen: the shared types' sentinels become queue.Empty, KeyError,
// RuntimeError and so on; any other error a method returns becomes a
// RuntimeError with its text.
func pyException(err error) *pickle.Exception {
	var exc *pickle.Exception
	if errors.As(err, &exc) {
		return exc
	}
	msg := err.Error()
	var me methodError
	if errors.As(err, &me) {
		msg, _, _ = me.MethodError()
	}
	switch {
	case errors.Is(err, proxy.ErrEmpty):
		return pickle.NewException("queue", "Empty")
	case errors.Is(err, proxy.ErrFull):
		return pickle.NewException("queue", "Full")
	case errors.Is(err, proxy.ErrShutDown):
		return pickle.NewException("queue", "ShutDown") // Python 3.13+; older clients cannot unpickle it
	case errors.Is(err, proxy.ErrBrokenBarrier):
		return pickle.NewException("threading", "BrokenBarrierError")
	case errors.Is(err, proxy.ErrStopIteration):
		return pickle.NewException("builtins", "StopIteration")
	case errors.Is(err, proxy.ErrReleasedTooMany):
		return pickle.NewException("builtins", "ValueError", "Semaphore released too many times")
	case errors.Is(err, proxy.ErrKeyNotFound):
		return pickle.NewException("builtins", "KeyError", msg)
	case errors.Is(err, proxy.ErrBadArgument), errors.Is(err, proxy.ErrUnknownTypeid):
		return pickle.NewException("builtins", "TypeError", msg)
	case errors.Is(err, proxy.ErrNoSuchMethod):
		return pickle.NewException("builtins", "AttributeError", msg)
	}
	return pickle.NewException("builtins", "RuntimeError", msg)
}

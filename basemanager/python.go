// python.go is the server's second front door: CPython's own
// multiprocessing.managers clients (BaseManager.connect, SyncManager, their
// proxies) are served on the same address as Go clients, in Python's
// protocol. It mirrors Server.handle_request, Server.serve_client and the
// public requests of Python's managers.py; python_sync.go adapts the
// shared types' methods to the shapes Python calls them with.
//
// Both kinds of client pass the same handshake. The first message after it
// tells them apart: Python sends a pickle, whose first byte is PROTO (0x80),
// where a Go client's first frame starts with the codec's kind byte, never
// 0x80 (codec.go).

package basemanager

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"

	"gomanager/basemanager/pickle"
	"gomanager/proxy"
	"gomanager/proxy/wire"
)

// PyReprer is implemented by shared objects that know how Python shows
// them. A Python client's repr of the referent (and so str(proxy), which
// Python's BaseProxy computes with __repr__) uses it; without it, Python
// clients get the Go form that Go's __repr__ request returns.
type PyReprer interface {
	PyRepr() string
}

// peekProtocol reads ahead on an authenticated connection, without
// consuming anything, to tell whether the peer speaks Python's protocol:
// its first frame holds a pickle. The returned connection reads the peeked
// bytes first. A first frame whose length is 0, negative or over max goes
// the Go way, where the codec refuses it.
func peekProtocol(conn net.Conn, max int) (net.Conn, bool, error) {
	br := bufio.NewReaderSize(conn, 64)
	hdr, err := br.Peek(4)
	if err != nil {
		return nil, false, err
	}
	n := int32(binary.BigEndian.Uint32(hdr))
	if n <= 0 || int(n) > max {
		return &peekedConn{Conn: conn, r: br}, false, nil
	}
	first, err := br.Peek(5)
	if err != nil {
		return nil, false, err
	}
	return &peekedConn{Conn: conn, r: br}, first[4] == 0x80, nil
}

// peekedConn reads the bytes peekProtocol buffered, then the connection
// directly. Only one goroutine reads a connection at a time.
type peekedConn struct {
	net.Conn
	r *bufio.Reader // nil once drained
}

func (c *peekedConn) Read(p []byte) (int, error) {
	if c.r != nil {
		if c.r.Buffered() > 0 {
			return c.r.Read(p)
		}
		c.r = nil
	}
	return c.Conn.Read(p)
}

// servePython serves one connection from a Python client: one request,
// (None, funcname, args, kwds), then the reply; or, for
// accept_connection, the method calls of one client thread until it
// closes. Python's Server.handle_request.
func (s *Server) servePython(conn net.Conn) {
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	sess := s.pythonSession(ctx)
	// Holds (of a lock, say) belong to the client thread's connection, as
	// Go clients' do: they are released when it ends.
	defer sess.end()

	msg, err := readPyFrame(conn, s.maxMessageSize)
	if err != nil {
		if !errors.Is(err, io.EOF) {
			s.logf("basemanager: %s: Python client %s: %v", s.address, conn.RemoteAddr(), err)
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
		s.servePythonCalls(sess, conn, cancel)
		return
	default:
		result, err := s.pyPublic(sess, req.name, req.args, req.kwds)
		if err != nil {
			reply = s.traceback(err)
		} else {
			reply = pickle.Tuple{"#RETURN", result}
		}
	}
	s.writePy(conn, reply)
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
func (s *Server) pyPublic(sess *session, funcname string, args pickle.Tuple, kwds pickle.Dict) (any, error) {
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
		return s.NumberOfObjects(), err
	case "debug_info":
		_, err := a.bind()
		return s.pyDebugInfo(), err
	case "shutdown":
		// Python stops its server for any authenticated client that asks. A
		// gomanager server belongs to the program that runs it, which stops
		// it with Server.Stop; its Go clients cannot stop it either.
		return nil, pyError("RuntimeError", "shutdown refused: a gomanager server is stopped by the program that runs it (Server.Stop), not by its clients")
	}
	return nil, pyError("AssertionError", fmt.Sprintf("%s unrecognized", pickle.Repr(funcname)))
}

// pythonSession is a session for one Python connection: its number
// identifies the client thread to the shared objects (a lock's holder, an
// RLock's owner). Python's references are not kept in it; see pyCreate.
func (s *Server) pythonSession(ctx context.Context) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastConn++
	return &session{server: s, conn: s.lastConn, ctx: ctx, refs: map[uint64]uint64{}, calls: map[uint64]context.CancelFunc{}}
}

// pyCreate is Python's Server.create: it makes the object and takes one
// reference for the Python client.
//
// Python's references are not the connection's. A Python client opens a
// new connection for each create, incref and decref and closes it at once,
// so a reference that ended with its connection would be gone before the
// proxy could use it. They are counted per object for all Python clients
// together (Server.pyRefs), as in Python's id_to_refcount, and released
// only by decref: a Python client that dies without its finalizers leaks
// them, as it does with a Python server.
func (s *Server) pyCreate(sess *session, typeid string, a *pyArgs) (any, error) {
	reg := s.registry[typeid]
	if reg == nil {
		return nil, pyError("KeyError", pickle.Repr(typeid))
	}
	vals, err := pyCreateArgs(reg, a)
	if err != nil {
		return nil, err
	}
	obj, ref, err := sess.create(typeid, vals)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	delete(sess.refs, ref) // the reference passes from the connection to the Python clients
	s.addPyRefLocked(obj.id)
	s.mu.Unlock()
	return pickle.Tuple{s.pyIdent(obj.id), pyStrings(pythonExposed(obj))}, nil
}

// addPyRefLocked records one more Python reference to an object that
// already counts it in obj.refs. The caller holds s.mu.
func (s *Server) addPyRefLocked(id uint64) {
	if s.pyRefs == nil {
		s.pyRefs = map[uint64]int{}
	}
	s.pyRefs[id]++
}

// pyIncref is Python's incref(ident).
func (s *Server) pyIncref(ident string) error {
	id, err := s.pyID(ident)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	obj := s.objects[id]
	if obj == nil {
		return pyError("KeyError", pickle.Repr(ident))
	}
	obj.refs++
	s.addPyRefLocked(id)
	return nil
}

// pyDecref is Python's decref(ident): the object is freed with its last
// reference, Go's or Python's.
func (s *Server) pyDecref(ident string) error {
	id, err := s.pyID(ident)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pyRefs[id] <= 0 {
		if s.objects[id] == nil {
			return pyError("KeyError", pickle.Repr(ident))
		}
		return pyError("AssertionError", fmt.Sprintf("Id %s has no reference held by Python clients, not 1+", ident))
	}
	if s.pyRefs[id]--; s.pyRefs[id] == 0 {
		delete(s.pyRefs, id)
	}
	s.dropRefLocked(id)
	return nil
}

// pyIdent is the ident Python clients see for object id: its number and
// the server's epoch, in hex, so a token from another run of the server
// names nothing here.
func (s *Server) pyIdent(id uint64) string {
	return strconv.FormatUint(id, 16) + "-" + strconv.FormatUint(s.epoch, 16)
}

// pyID parses an ident made by pyIdent.
func (s *Server) pyID(ident string) (uint64, error) {
	idHex, epochHex, ok := strings.Cut(ident, "-")
	id, err1 := strconv.ParseUint(idHex, 16, 64)
	epoch, err2 := strconv.ParseUint(epochHex, 16, 64)
	if !ok || err1 != nil || err2 != nil || epoch != s.epoch {
		return 0, pyError("KeyError", pickle.Repr(ident))
	}
	return id, nil
}

// pyObject returns the object named by ident.
func (s *Server) pyObject(ident string) (*object, error) {
	id, err := s.pyID(ident)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	obj := s.objects[id]
	s.mu.Unlock()
	if obj == nil {
		return nil, pyError("KeyError", pickle.Repr(ident))
	}
	return obj, nil
}

// pyDebugInfo is Python's debug_info(): one entry per object, in ident
// order, with its reference count (Go's and Python's) and the first 75
// characters of its str().
func (s *Server) pyDebugInfo() string {
	s.mu.Lock()
	type entry struct {
		ident string
		obj   *object
		refs  int
	}
	entries := make([]entry, 0, len(s.objects))
	for id, obj := range s.objects {
		entries = append(entries, entry{s.pyIdent(id), obj, obj.refs})
	}
	s.mu.Unlock()
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.ident, b.ident) })
	lines := make([]string, len(entries))
	for i, e := range entries {
		str := e.obj.locked(e.obj.str)
		if len(str) > 75 {
			str = str[:75]
		}
		lines[i] = fmt.Sprintf("  %s:       refcount=%d\n    %s", e.ident, e.refs, str)
	}
	return strings.Join(lines, "\n")
}

// locked runs f under the object's lock, unless its type does its own
// locking (Concurrent).
func (obj *object) locked(f func() string) string {
	if !obj.reg.concurrent {
		obj.mu.Lock()
		defer obj.mu.Unlock()
	}
	return f()
}

// servePythonCalls is Python's serve_client: the method calls of one
// Python client thread, (ident, methodname, args, kwds) each, answered in
// order, until the client closes the connection or the server stops.
//
// A reader goroutine waits for the next request while a call runs, so
// that the call's context is cancelled the moment the client goes away,
// even while the call blocks (a Queue's get, a Lock's acquire).
func (s *Server) servePythonCalls(sess *session, conn net.Conn, cancel context.CancelFunc) {
	requests := make(chan []byte)
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		defer close(requests)
		for {
			msg, err := readPyFrame(conn, s.maxMessageSize)
			if err != nil {
				if !errors.Is(err, io.EOF) && sess.ctx.Err() == nil {
					s.logf("basemanager: %s: Python client %s: %v", s.address, conn.RemoteAddr(), err)
				}
				cancel()
				return
			}
			select {
			case requests <- msg:
			case <-sess.ctx.Done():
				return
			}
		}
	}()
	defer func() {
		cancel()
		conn.Close() // ends the reader's read
		<-readerDone
	}()
	for msg := range requests {
		if err := s.writePy(conn, s.pyCall(sess, msg)); err != nil {
			return
		}
	}
}

// pyCall runs one method call and returns the reply: ('#RETURN', result),
// ('#ERROR', exception) when the method raised, ('#PROXY', (exposed,
// token)) for a method listed in MethodToTypeid, or ('#TRACEBACK', text)
// when the call itself failed.
func (s *Server) pyCall(sess *session, msg []byte) pickle.Tuple {
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
	method := req.name
	ctx := wire.WithCaller(sess.ctx, wire.Caller{Conn: sess.conn})
	a := &pyArgs{method: method, pos: req.args, kw: req.kwds}

	m, goName, ok := pythonMethod(obj, method)
	if !ok {
		// Python's fallback_mapping, for names not exposed.
		result, err := s.pyFallback(ctx, obj, a)
		if err != nil {
			return s.traceback(err)
		}
		return pickle.Tuple{"#RETURN", result}
	}
	var result any
	func() {
		if !obj.reg.concurrent {
			obj.mu.Lock()
			defer obj.mu.Unlock()
		}
		result, err = m(ctx, obj, a)
	}()
	if err != nil {
		var re *remoteError
		if errors.As(err, &re) && re.panic {
			return s.traceback(fmt.Errorf("%s.%s panicked: %s\n%s", obj.reg.typeid, method, re.msg, re.stack))
		}
		return pickle.Tuple{"#ERROR", pyException(err)}
	}
	if typeid, ok := obj.reg.methodToTypeid[goName]; ok {
		return s.pyProxyReply(sess, typeid, result)
	}
	return pickle.Tuple{"#RETURN", result}
}

// pyFallback answers __str__, __repr__ and #GETVALUE, Python's
// fallback_mapping; any other name is not exposed.
func (s *Server) pyFallback(ctx context.Context, obj *object, a *pyArgs) (any, error) {
	switch a.method {
	case wire.MethodStr, wire.MethodRepr, wire.MethodGetValue:
		if _, err := a.bind(); err != nil {
			return nil, err
		}
	default:
		return nil, pyError("AttributeError", fmt.Sprintf("method %s of %s object is not in exposed=%s",
			pickle.Repr(a.method), pickle.Repr(obj.reg.typeid), pickle.Repr(pyStrings(pythonExposed(obj)))))
	}
	if !obj.reg.concurrent {
		obj.mu.Lock()
		defer obj.mu.Unlock()
	}
	switch a.method {
	case wire.MethodStr:
		return obj.str(), nil
	case wire.MethodRepr:
		if r, ok := obj.value.Interface().(PyReprer); ok {
			return r.PyRepr(), nil
		}
		if t := pyTypeOf(obj); t != nil && t.repr != nil {
			return t.repr(obj.value.Interface()), nil
		}
	case wire.MethodGetValue:
		if t := pyTypeOf(obj); t != nil && t.getvalue != nil {
			return t.getvalue(obj.value.Interface()), nil
		}
	}
	return obj.dispatch(ctx, a.method, nil)
}

// pyProxyReply shares result as a new object of typeid, with one
// reference for the Python client, and answers ('#PROXY', (exposed,
// token)): the client builds the proxy, increfs and decrefs, which leaves
// that one reference with its proxy.
func (s *Server) pyProxyReply(sess *session, typeid string, result any) pickle.Tuple {
	shared, err := sess.share(typeid, result)
	if err != nil {
		return s.traceback(err)
	}
	p, ok := shared.(*proxy.Proxy)
	if !ok {
		return pickle.Tuple{"#RETURN", nil} // the method returned nil
	}
	id := p.Token().ID
	s.mu.Lock()
	obj := s.objects[id]
	if obj != nil {
		obj.refs++
		s.addPyRefLocked(id)
	}
	s.mu.Unlock()
	if obj == nil {
		return s.traceback(fmt.Errorf("%s object vanished", typeid))
	}
	token := pickle.Token{Typeid: typeid, Address: s.pyAddress(), ID: s.pyIdent(id)}
	return pickle.Tuple{"#PROXY", pickle.Tuple{pyStrings(pythonExposed(obj)), token}}
}

// pyAddress is the server's address as Python writes it: ('host', port).
func (s *Server) pyAddress() any {
	host, port, err := net.SplitHostPort(s.address)
	if err != nil {
		return s.address
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		return s.address
	}
	return pickle.Tuple{host, n}
}

// traceback is the ('#TRACEBACK', text) reply for err, which Python's
// client raises as a RemoteError showing the text.
func (s *Server) traceback(err error) pickle.Tuple {
	exc := pyException(err)
	return pickle.Tuple{"#TRACEBACK", fmt.Sprintf("Traceback (most recent call last):\n  gomanager server at %s\n%s\n", s.address, exc.Error())}
}

// writePy sends one reply. A result with no Python form is replaced by
// ('#UNSERIALIZABLE', text), as Python's server does; Python's client
// raises it as a RemoteError.
func (s *Server) writePy(conn net.Conn, reply pickle.Tuple) error {
	data, err := pickle.MarshalLimit(reply, s.maxMessageSize)
	if err != nil {
		data, err = pickle.Marshal(pickle.Tuple{"#UNSERIALIZABLE",
			fmt.Sprintf("Traceback (most recent call last):\n  gomanager server at %s\n%v (the result has no Python form)\n", s.address, err)})
		if err != nil {
			return err
		}
	}
	return writePyFrame(conn, data)
}

// readPyFrame reads one message of multiprocessing.connection: a 4-byte
// big-endian signed length, or -1 and an 8-byte length for a message over
// 2 GiB, then the payload. A length over max is refused before anything is
// allocated for it.
func readPyFrame(r io.Reader, max int) ([]byte, error) {
	var hdr [8]byte
	if _, err := io.ReadFull(r, hdr[:4]); err != nil {
		return nil, err
	}
	n := int64(int32(binary.BigEndian.Uint32(hdr[:4])))
	if n == -1 {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return nil, pyEOF(err)
		}
		u := binary.BigEndian.Uint64(hdr[:])
		if u > math.MaxInt64 {
			return nil, fmt.Errorf("bad message length %d: %w", u, ErrMessageTooLarge)
		}
		n = int64(u)
	}
	if n < 0 || n > int64(max) {
		return nil, fmt.Errorf("peer sent a %d-byte message (limit %d bytes, see WithMaxMessageSize): %w", n, max, ErrMessageTooLarge)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, pyEOF(err)
	}
	return buf, nil
}

// pyEOF is Python's "got end of file during message".
func pyEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// writePyFrame sends one message in one write, in the 8-byte length form
// only when it needs it, as Python's Connection._send_bytes.
func writePyFrame(w io.Writer, payload []byte) error {
	var buf []byte
	if len(payload) > math.MaxInt32 {
		buf = binary.BigEndian.AppendUint32(buf, math.MaxUint32) // -1
		buf = binary.BigEndian.AppendUint64(buf, uint64(len(payload)))
	} else {
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(payload)))
	}
	_, err := w.Write(append(buf, payload...))
	return err
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
	var re *remoteError
	if errors.As(err, &re) {
		msg = re.msg
	}
	switch {
	case errors.Is(err, proxy.ErrEmpty):
		return pickle.NewException("queue", "Empty")
	case errors.Is(err, proxy.ErrFull):
		return pickle.NewException("queue", "Full")
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

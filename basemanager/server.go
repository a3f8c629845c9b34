// server.go mirrors Server in Python's managers.py: the listener, the accept
// loop (serve_forever, stop_event), and the tables of shared objects and
// their reference counts (id_to_obj, id_to_refcount).

package basemanager

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"log"
	"net"
	"net/rpc"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"gomanager/proxy"
	"gomanager/proxy/wire"
)

// Server owns the shared objects and serves proxies over TCP. Get one from
// Manager.GetServer, then call ServeForever.
//
// Each accepted connection first passes the authentication handshake, then
// is served by net/rpc with its own service value: the service knows which
// connection it serves, so references a connection took are released when
// it goes away, even if the client never called Close.
type Server struct {
	registry         map[string]*registration // read-only after GetServer
	authkey          []byte
	handshakeTimeout time.Duration
	maxMessageSize   int
	maxConnections   int
	logger           *log.Logger
	listener         net.Listener
	address          string

	epoch  uint64             // this run of the server, in every token: restarts make old tokens stale
	ctx    context.Context    // cancelled by Stop; parent of every connection's context
	cancel context.CancelFunc // Python's stop_event.set()

	holdMu sync.Mutex // orders the settling of ProxyHolders' holds (holds.go); taken before mu

	mu       sync.Mutex // guards the fields below
	objects  map[uint64]*object
	byPtr    map[unsafe.Pointer]*object // objects by referent address, to share one entry per pointer (see lookupLocked)
	byIdent  map[identity]*object       // the rare referents whose address an object of another type has in byPtr
	held     map[uint64][]uint64        // ids of objects an object keeps alive (proxies stored in it), by its id (holds.go)
	lastID   uint64                     // ids are never reused
	lastRef  uint64
	lastConn uint64
	conns    map[net.Conn]struct{} // open connections, closed by Stop
	pyRefs   map[uint64]int        // references held by Python clients, by object id (python.go)

	wg sync.WaitGroup // the accept loop's connection goroutines
}

// object is one shared object: Python's id_to_obj entry plus its refcount.
// A server may hold very many, so it keeps here only what a call needs
// (96 bytes); the rest is derived (identity) or kept aside (Server.held).
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

// identity tells whether two callables returned the same referent: then
// they share one object entry (and one lock), as Python's ids do.
// Referents kept as they came (pointers, maps, chans) have one; boxed
// copies have none.
type identity struct {
	t reflect.Type
	p unsafe.Pointer
}

func newServer(registry map[string]*registration, address string, cfg *config) (*Server, error) {
	ln, err := listen(address, cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		epoch:            randomEpoch(),
		registry:         registry,
		authkey:          cfg.authkey,
		handshakeTimeout: cfg.handshakeTimeout,
		maxMessageSize:   cfg.maxMessageSize,
		maxConnections:   cfg.maxConnections,
		logger:           cfg.logger,
		listener:         ln,
		address:          ln.Addr().String(),
		ctx:              ctx,
		cancel:           cancel,
		objects:          map[uint64]*object{},
		byPtr:            map[unsafe.Pointer]*object{},
		byIdent:          map[identity]*object{},
		held:             map[uint64][]uint64{},
		conns:            map[net.Conn]struct{}{},
	}, nil
}

// listen binds address, refusing to serve a non-loopback address without
// an authkey.
func listen(address string, cfg *config) (net.Listener, error) {
	address, err := normalizeAddress(address)
	if err != nil {
		return nil, err
	}
	host, _, _ := net.SplitHostPort(address)
	if cfg.authkey == nil && !isLoopback(host) {
		return nil, fmt.Errorf("basemanager: listen on %s: refusing to serve a non-loopback address without an authkey "+
			"(anyone who reaches it could call your objects' methods): pass WithAuthKey, or listen on 127.0.0.1: %w",
			address, ErrInsecureAddress)
	}
	ln, err := net.Listen("tcp", address) // TCP keep-alive is on for accepted connections
	if err != nil {
		return nil, fmt.Errorf("basemanager: listen on %s: %w", address, err)
	}
	if cfg.tls != nil {
		ln = tls.NewListener(ln, cfg.tls)
	}
	return ln, nil
}

// normalizeAddress fills in Python's defaults: "" is 127.0.0.1 on a free
// port, and a missing host is 127.0.0.1 (say 0.0.0.0 to listen everywhere).
func normalizeAddress(address string) (string, error) {
	if address == "" {
		return "127.0.0.1:0", nil
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return "", fmt.Errorf("basemanager: address %q: %w (want \"host:port\", such as \"127.0.0.1:50000\")", address, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Address returns the "host:port" the server listens on, with the port
// resolved: Python's server.address.
func (s *Server) Address() string { return s.address }

// ServeForever accepts and serves connections until Stop is called, then
// returns nil once every connection has been closed and its goroutine has
// finished. It blocks; Python's serve_forever.
func (s *Server) ServeForever() error {
	defer s.wg.Wait()
	for {
		conn, err := s.listener.Accept()
		if err != nil {
			if s.ctx.Err() != nil {
				return nil // stopped
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			s.Stop()
			return fmt.Errorf("basemanager: serve %s: accept: %w", s.address, err)
		}
		switch s.track(conn) {
		case stopping:
			conn.Close()
			return nil
		case full:
			s.logf("basemanager: %s: connection from %s refused: %d connections open (WithMaxConnections)",
				s.address, conn.RemoteAddr(), s.maxConnections)
			refuseBusy(conn)
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(conn)
			s.serveConn(conn)
		}()
	}
}

// Stop makes ServeForever return: Python's server.stop_event.set(). It
// closes the listener and every connection; calls in flight finish or fail,
// and context-aware methods see their context cancelled. Stop is idempotent
// and does not wait; ServeForever returns once everything has wound down.
func (s *Server) Stop() {
	s.cancel()
	s.listener.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
}

type admission int

const (
	admitted admission = iota
	stopping
	full
)

// track records an open connection, unless the server is stopping or has
// as many connections as it may (counting those still authenticating, so
// unauthenticated peers cannot make it hold more).
func (s *Server) track(c net.Conn) admission {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.ctx.Err() != nil:
		return stopping
	case len(s.conns) >= s.maxConnections:
		return full
	}
	s.conns[c] = struct{}{}
	return admitted
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
}

// serveConn authenticates one connection and serves rpc requests on it until
// it closes; then it releases every reference the connection still held.
func (s *Server) serveConn(conn net.Conn) {
	conn.SetDeadline(time.Now().Add(s.handshakeTimeout))
	if err := serverHandshake(conn, s.authkey); err != nil {
		s.logf("basemanager: %s: connection from %s refused: %v", s.address, conn.RemoteAddr(), err)
		return
	}
	conn.SetDeadline(time.Time{})
	// A Python client's first message is a pickle: python.go serves it.
	conn, python, err := peekProtocol(conn, s.maxMessageSize)
	if err != nil {
		return
	}
	if python {
		s.servePython(conn)
		return
	}

	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	s.mu.Lock()
	s.lastConn++
	sess := &session{server: s, conn: s.lastConn, ctx: ctx, refs: map[uint64]uint64{}, calls: map[uint64]context.CancelFunc{}}
	s.mu.Unlock()
	defer sess.end()

	srv := rpc.NewServer()
	if err := srv.RegisterName(wire.ServiceName, &service{sess: sess}); err != nil {
		panic(err) // the service's method set is fixed: this is a bug
	}
	// serveRequests returns when the connection closes, but only after the
	// calls in flight: so the session's context must be cancelled as soon as
	// the client is gone, not when serveRequests returns, or a method waiting
	// on it would wait (and hold the connection's references) until Stop.
	serveRequests(srv, newCodec(cancelOnEOF{conn, cancel}, s.maxMessageSize))
}

// cancelOnEOF is a connection that cancels its session's context when
// reading from it fails (the client has closed it, or it broke) or when it
// is closed (the codec refused a bad message).
type cancelOnEOF struct {
	net.Conn
	cancel context.CancelFunc
}

func (c cancelOnEOF) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil {
		c.cancel()
	}
	return n, err
}

func (c cancelOnEOF) Close() error {
	c.cancel()
	return c.Conn.Close()
}

func (s *Server) logf(format string, args ...any) {
	if s.logger != nil {
		s.logger.Printf(format, args...)
	}
}

// session is one authenticated connection and the references it holds.
type session struct {
	server *Server
	conn   uint64            // the connection's number, for wire.Caller
	ctx    context.Context   // cancelled when the connection ends or the server stops
	refs   map[uint64]uint64 // ref -> object id; guarded by server.mu

	mu    sync.Mutex                    // guards calls
	calls map[uint64]context.CancelFunc // cancellable calls in flight; nil value: cancelled before it started
	early int                           // nil entries added to calls since they were last swept
}

// create runs the callable registered under typeid and takes a reference to
// the result: Python's Server.create.
func (sess *session) create(typeid string, vals []any) (*object, uint64, error) {
	s := sess.server
	reg := s.registry[typeid]
	if reg == nil || reg.callable == nil && len(vals) != 1 {
		return nil, 0, fmt.Errorf("basemanager: create %q: unknown typeid: the server has no callable registered under it "+
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
			return nil, 0, err
		}
		value = results[0]
	}
	if value.Kind() == reflect.Interface {
		value = value.Elem()
	}
	if !value.IsValid() || isNilPointer(value) {
		return nil, 0, fmt.Errorf("basemanager: create %q: the callable returned nil (return the object to share): %w",
			typeid, proxy.ErrBadArgument)
	}
	obj := s.adopt(reg, value)
	// Proxies among the arguments may now live inside the object
	// (manager.list([a, b])): keep their objects alive, as for a call.
	s.settleHolds(obj, s.holdProxies(obj, vals))
	ref := sess.addRef(obj)
	return obj, ref, nil
}

func isNilPointer(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.Slice:
		return v.IsNil()
	}
	return false
}

// adopt returns the object entry for value, making one if the server does not
// hold this referent yet. The caller takes a reference on it at once.
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
	if key, ok := obj.identity(); ok {
		if existing := s.lookupLocked(key); existing != nil {
			return existing
		}
		if s.byPtr[key.p] == nil {
			s.byPtr[key.p] = obj
		} else {
			s.byIdent[key] = obj
		}
	}
	s.lastID++
	obj.id = s.lastID
	s.objects[obj.id] = obj
	return obj
}

// identity returns the key under which byPtr holds obj, if it has one.
func (obj *object) identity() (identity, bool) {
	if obj.boxed {
		return identity{}, false
	}
	return identity{obj.value.Type(), obj.value.UnsafePointer()}, true
}

// lookupLocked returns the object whose referent has identity key, if the
// server holds one. Objects are found by address alone, in byPtr: a slot
// half the size of one keyed by type and address, which matters with
// many objects. Two referents of different types can share an address (a
// struct and its first field, zero-size values): the second one's entry
// is in byIdent. The caller holds s.mu.
func (s *Server) lookupLocked(key identity) *object {
	if obj := s.byPtr[key.p]; obj != nil && obj.value.Type() == key.t {
		return obj
	}
	return s.byIdent[key]
}

// addRef records a new reference to obj owned by this connection.
func (sess *session) addRef(obj *object) uint64 {
	s := sess.server
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastRef++
	obj.refs++
	sess.refs[s.lastRef] = obj.id
	return s.lastRef
}

// incref takes one more reference to the object with id: Python's incref.
func (sess *session) incref(id, epoch uint64) (*object, uint64, error) {
	s := sess.server
	if err := s.checkEpoch(epoch, id); err != nil {
		return nil, 0, err
	}
	s.mu.Lock()
	obj := s.objects[id]
	s.mu.Unlock()
	if obj == nil {
		return nil, 0, fmt.Errorf("basemanager: incref %d: %w (every reference to it was released)", id, proxy.ErrNoSuchObject)
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

// Abandoner is implemented by shared objects that hold something on behalf
// of a connection, such as a lock's holder. When a connection ends, even
// because its process was killed, the server calls Abandon with the
// connection's number (wire.Caller.Conn) on every object that has it.
type Abandoner interface {
	Abandon(conn uint64)
}

// end runs when the connection is gone: it drops every reference the
// connection still holds and tells the objects that track holders.
func (sess *session) end() {
	s := sess.server
	s.mu.Lock()
	for ref, id := range sess.refs {
		delete(sess.refs, ref)
		s.dropRefLocked(id)
	}
	var abandoners []Abandoner
	for _, obj := range s.objects {
		if a, ok := obj.value.Interface().(Abandoner); ok {
			abandoners = append(abandoners, a)
		}
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
	if key, ok := obj.identity(); ok {
		if s.byPtr[key.p] == obj {
			delete(s.byPtr, key.p)
		} else {
			delete(s.byIdent, key)
		}
	}
	held := s.held[id]
	delete(s.held, id)
	for _, h := range held {
		s.dropRefLocked(h)
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

// NumberOfObjects returns how many shared objects the server holds:
// Python's _number_of_objects.
func (s *Server) NumberOfObjects() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.objects)
}

// DebugInfo describes every shared object, one line each, as
// "id: typeid refcount=N value": Python's _debug_info.
func (s *Server) DebugInfo() string {
	s.mu.Lock()
	objs := make([]*object, 0, len(s.objects))
	for _, obj := range s.objects {
		objs = append(objs, obj)
	}
	refs := map[*object]int{}
	for _, obj := range objs {
		refs[obj] = obj.refs
	}
	s.mu.Unlock()
	slices.SortFunc(objs, func(a, b *object) int { return int(a.id) - int(b.id) })
	var b strings.Builder
	for _, obj := range objs {
		obj.mu.Lock()
		str := obj.str()
		obj.mu.Unlock()
		if len(str) > 75 {
			str = str[:75]
		}
		fmt.Fprintf(&b, "%d: %s refcount=%d\n    %s\n", obj.id, obj.reg.typeid, refs[obj], str)
	}
	return b.String()
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
		return wire.Values{}, nil, fmt.Errorf("basemanager: %s.%s: decoding arguments: %w", obj.reg.typeid, req.Method, err)
	}
	// Only a method that takes a context can see the caller or be
	// cancelled: the others skip making a context for the call.
	ctx := sess.ctx
	if sig := obj.info.methods[req.Method]; sig != nil && sig.wantsCtx {
		var done func()
		ctx, done = sess.callContext(req)
		defer done()
	}

	if !obj.reg.concurrent {
		obj.mu.Lock()
		defer obj.mu.Unlock()
	}
	var pending []uint64
	if req.Args.Gob != nil { // builtin scalars cannot hold proxies
		pending = s.holdProxies(obj, vals)
	}
	// Runs after the result's grants are taken: a proxy the call removed
	// (a Queue's Get) is released only once the caller holds it.
	defer s.settleHolds(obj, pending)
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
	out, err := wire.Encode([]any{result})
	if err != nil {
		return wire.Values{}, nil, fmt.Errorf("basemanager: %s.%s: encoding result %T: %w", obj.reg.typeid, req.Method, result, err)
	}
	if out.Gob == nil { // builtin scalars: no proxies inside
		return out, nil, nil
	}
	return out, sess.grant(result), nil
}

// callContext is the context a method sees: the connection's, carrying the
// caller, and cancellable by a Cancel request naming req.Call.
func (sess *session) callContext(req *wire.Request) (context.Context, func()) {
	ctx := wire.WithCaller(sess.ctx, wire.Caller{Conn: sess.conn, Ref: req.Ref})
	if req.Call == 0 {
		return ctx, func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	sess.mu.Lock()
	if _, early := sess.calls[req.Call]; early {
		cancel() // the Cancel overtook the call
	}
	sess.calls[req.Call] = cancel
	sess.mu.Unlock()
	return ctx, func() {
		sess.mu.Lock()
		delete(sess.calls, req.Call)
		sess.mu.Unlock()
		cancel()
	}
}

// cancel cancels the call numbered id on this connection, or remembers the
// request if the call has not started yet.
func (sess *session) cancel(id uint64) {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if cancel := sess.calls[id]; cancel != nil {
		cancel()
		return
	}
	// Either the call has not started (the Cancel overtook it) or it has
	// already finished: remember the id, within a bound, for the first case.
	if sess.early++; sess.early > maxEarlyCancels {
		for id, cancel := range sess.calls {
			if cancel == nil {
				delete(sess.calls, id)
			}
		}
		sess.early = 0
	}
	sess.calls[id] = nil
}

// maxEarlyCancels bounds the cancel requests a connection remembers for
// calls it has not seen; most of them name calls that had already finished.
const maxEarlyCancels = 1024

// grant takes a reference for the caller to every object named by a proxy
// inside result, so the caller's side can attach them (see wire.Grant).
func (sess *session) grant(result any) []wire.Grant {
	var grants []wire.Grant
	wire.Each(result, func(p *proxy.Proxy) {
		t := p.Token()
		if t.Epoch != sess.server.epoch {
			return
		}
		if obj, ref, err := sess.incref(t.ID, t.Epoch); err == nil {
			grants = append(grants, wire.Grant{ID: obj.id, Ref: ref, Exposed: obj.exposed})
		}
	})
	return grants
}

// share registers value as a new object of typeid and returns a proxy to it
// with no reference yet: grant takes the caller's. Python's #PROXY reply.
func (sess *session) share(typeid string, value any) (any, error) {
	s := sess.server
	reg := s.registry[typeid]
	if reg == nil {
		return nil, fmt.Errorf("basemanager: method_to_typeid: typeid %q is not registered on the server: %w", typeid, proxy.ErrUnknownTypeid)
	}
	v := reflect.ValueOf(value)
	if !v.IsValid() || isNilPointer(v) {
		return nil, nil
	}
	obj := s.adopt(reg, v)
	return proxy.New(nil, proxy.Token{Typeid: typeid, Address: s.address, ID: obj.id, Epoch: s.epoch}, 0, obj.exposed, nil), nil
}

// checkEpoch refuses a token from another run of the server, whose ids
// would name unrelated objects here.
func (s *Server) checkEpoch(epoch, id uint64) error {
	if epoch != 0 && epoch != s.epoch {
		return fmt.Errorf("basemanager: object %d: the proxy's token is from an earlier run of the server at %s "+
			"(Connect again and get new proxies): %w", id, s.address, proxy.ErrStaleProxy)
	}
	return nil
}

func randomEpoch() uint64 {
	var b [8]byte
	rand.Read(b[:])
	return binary.BigEndian.Uint64(b[:]) | 1 // never 0, which means "unchecked"
}

// dispatch finds the method by name and calls it by reflection. The caller
// holds obj.mu.
func (obj *object) dispatch(ctx context.Context, method string, vals []any) (any, error) {
	switch method {
	case wire.MethodStr:
		return obj.str(), nil
	case wire.MethodRepr:
		if _, ok := obj.value.Interface().(fmt.GoStringer); !ok && obj.reg.concurrent {
			return nil, obj.unguarded("a GoString method for __repr__")
		}
		return fmt.Sprintf("%#v", obj.referent()), nil
	case wire.MethodGetValue:
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

// ValueGetter is implemented by shared objects that make their own copy for
// Proxy.GetValue (Python's _getvalue), typically under their own lock.
// Objects of a Concurrent typeid need it: the server does not lock them.
type ValueGetter interface {
	GetValue() any
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

// invoke converts vals and calls sig. recv is the receiver, or the zero
// Value for a callable. A returned error or a panic in user code becomes a
// *remoteError; bad arguments an ErrBadArgument.
func invoke(ctx context.Context, sig *signature, recv reflect.Value, typeid string, vals []any) (results []reflect.Value, err error) {
	in := make([]reflect.Value, 0, sig.skip+len(vals))
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

// remoteError is an error raised by user code on the server; the client
// sees it as a *proxy.RemoteError.
type remoteError struct {
	typeid, method, msg, stack string
	err                        error
	panic                      bool
}

func (e *remoteError) Error() string { return e.typeid + "." + e.method + ": " + e.msg }
func (e *remoteError) Unwrap() error { return e.err }

// toWire packs an error for the caller's side of the connection.
func toWire(err error) *wire.Error {
	if err == nil {
		return nil
	}
	we := &wire.Error{Code: wire.CodeOf(err), Message: err.Error()}
	var re *remoteError
	if errors.As(err, &re) {
		we.Remote, we.Typeid, we.Method, we.Message = true, re.typeid, re.method, re.msg
		we.Panic, we.Stack = re.panic, re.stack
	}
	return we
}

// client.go is a Go client for CPython's own manager servers: a
// BaseManager's get_server().serve_forever(), or a started SyncManager. It
// speaks Python's protocol as managers.py's client side does (dispatch,
// BaseProxy._callmethod, _incref, _decref): a new connection for each
// create, incref and decref, and long-lived connections (accept_connection)
// for method calls.

package python

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"gomanager/basemanager/internal/connection"
	"gomanager/basemanager/pickle"
	"gomanager/proxy"
)

// Client uses the shared objects of a CPython manager server, as a
// Python BaseManager does after connect(). Options that apply (they are
// basemanager's): WithAuthKey, WithHandshakeTimeout, WithMaxMessageSize
// (WithTLS does not: Python's managers have no TLS). A Client is safe for concurrent use: each
// call in flight has its own connection, as each Python thread has.
type Client struct {
	address string
	cfg     connection.Config

	mu     sync.Mutex // guards idle and closed
	idle   []net.Conn // accepted call connections not in use
	closed bool
	calls  atomic.Uint64 // numbers the call connections, for their names
}

// Option is one of package basemanager's options, such as
// basemanager.WithAuthKey(key).
type Option = func(*connection.Config)

// NewClient returns a client for the CPython manager server at address
// ("host:port", or a Unix socket path as basemanager.New takes one: Python's
// address='/tmp/m.sock'), with basemanager's options:
//
//	c := python.NewClient("127.0.0.1:50000", basemanager.WithAuthKey(key))
//
// It does not connect: Connect checks the server.
func NewClient(address string, opts ...Option) *Client {
	cfg := connection.DefaultConfig() // the same defaults as a Manager
	for _, opt := range opts {
		opt(&cfg)
	}
	cfg.TLS = nil
	return &Client{address: address, cfg: cfg}
}

// Address returns the server's address, as given to NewClient.
func (c *Client) Address() string { return c.address }

// Connect checks that the server is up and accepts the authkey: Python's
// manager.connect(), which sends the dummy request.
func (c *Client) Connect() error {
	_, err := c.request(context.Background(), "dummy")
	return err
}

// Create asks the server to make an object of typeid with args, and
// returns a proxy holding one reference to it: Python's manager.typeid(*args).
// The typeid must be registered on the server; a connecting Go client
// declares nothing.
func (c *Client) Create(typeid string, args ...any) (*Proxy, error) {
	reply, err := c.request(context.Background(), "create", append([]any{typeid}, args...)...)
	if err != nil {
		return nil, err
	}
	t, ok := reply.(pickle.Tuple)
	if !ok || len(t) != 2 {
		return nil, fmt.Errorf("basemanager: create %q: unexpected reply %.100s", typeid, pickle.Repr(reply))
	}
	ident, ok1 := t[0].(string)
	exposed, ok2 := t[1].(pickle.Tuple)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("basemanager: create %q: unexpected reply %.100s", typeid, pickle.Repr(reply))
	}
	return c.newProxy(pickle.Token{Typeid: typeid, Address: c.address, ID: ident}, exposed), nil
}

// Rebuild returns a proxy for a token received from elsewhere, taking a
// reference of its own: Python's RebuildProxy.
func (c *Client) Rebuild(token pickle.Token) (*Proxy, error) {
	if _, err := c.request(context.Background(), "incref", token.ID); err != nil {
		return nil, err
	}
	exposed, err := c.request(context.Background(), "get_methods", token)
	if err != nil {
		c.request(context.Background(), "decref", token.ID)
		return nil, err
	}
	names, _ := exposed.(pickle.Tuple)
	token.Address = c.address
	return c.newProxy(token, names), nil
}

// NumberOfObjects asks the server how many shared objects it holds:
// Python's manager._number_of_objects().
func (c *Client) NumberOfObjects() (int, error) {
	v, err := c.request(context.Background(), "number_of_objects")
	n, _ := v.(int)
	return n, err
}

// TrackSegment asks a SharedMemoryManager's server to track the shared
// memory block named name, and unlink it when the server stops: the
// request Python's SharedMemoryManager.SharedMemory sends after creating a
// block (package sharedmemory creates blocks).
func (c *Client) TrackSegment(name string) error {
	_, err := c.request(context.Background(), "track_segment", name)
	return err
}

// ReleaseSegment asks a SharedMemoryManager's server to unlink the block
// named name and stop tracking it: Python's release_segment request. A
// name the server does not track fails with an error wrapping
// proxy.ErrKeyNotFound, as package sharedmemory's Manager.ReleaseSegment
// does (the server's own answer is a RemoteError: CPython's ends in its
// tracker's ValueError, a gomanager server's in a KeyError).
func (c *Client) ReleaseSegment(name string) error {
	_, err := c.request(context.Background(), "release_segment", name)
	if notTracked(err) {
		return fmt.Errorf("%w (the server does not track %q: ListSegments names the blocks it does): %w",
			err, name, proxy.ErrKeyNotFound)
	}
	return err
}

// notTracked reports whether err is a server's refusal to release a block
// it does not track: a RemoteError whose traceback ends in the ValueError
// of CPython's segment_names.remove, or in a gomanager server's KeyError.
func notTracked(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.Exception.Module+"."+e.Exception.Name != "multiprocessing.managers.RemoteError" {
		return false
	}
	text := strings.TrimRight(e.Exception.Message(), "\n")
	last := text[strings.LastIndexByte(text, '\n')+1:]
	return strings.HasPrefix(last, "ValueError: list.remove(x): x not in list") || strings.HasPrefix(last, "KeyError: ")
}

// ListSegments returns the names of the blocks a SharedMemoryManager's
// server tracks: Python's list_segments request.
func (c *Client) ListSegments() ([]string, error) {
	v, err := c.request(context.Background(), "list_segments")
	if err != nil {
		return nil, err
	}
	items, _ := v.([]any)
	names := make([]string, 0, len(items))
	for _, it := range items {
		if s, ok := it.(string); ok {
			names = append(names, s)
		}
	}
	return names, nil
}

// DebugInfo asks the server to describe its shared objects: Python's
// manager._debug_info().
func (c *Client) DebugInfo() (string, error) {
	v, err := c.request(context.Background(), "debug_info")
	s, _ := v.(string)
	return s, err
}

// Close closes the client's idle connections. Proxies keep their
// references until closed; calls after Close fail.
func (c *Client) Close() error {
	c.mu.Lock()
	idle := c.idle
	c.idle, c.closed = nil, true
	c.mu.Unlock()
	for _, conn := range idle {
		conn.Close()
	}
	return nil
}

func (c *Client) newProxy(token pickle.Token, exposed pickle.Tuple) *Proxy {
	names := make([]string, 0, len(exposed))
	for _, n := range exposed {
		if s, ok := n.(string); ok {
			names = append(names, s)
		}
	}
	return &Proxy{client: c, token: token, exposed: names}
}

// dial opens an authenticated connection, as Python's Client(address,
// authkey): answer the server's challenge, then challenge it.
func (c *Client) dial(ctx context.Context) (net.Conn, error) {
	address, err := connection.NormalizeAddress(c.address)
	if err != nil {
		return nil, err
	}
	return connection.Dial(ctx, address, &c.cfg)
}

// request sends one of Server.public's requests on a new connection and
// returns the result: Python's dispatch(conn, None, funcname, args).
func (c *Client) request(ctx context.Context, funcname string, args ...any) (any, error) {
	conn, err := c.dial(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_, v, err := c.exchange(ctx, conn, funcname, pickle.Tuple{nil, funcname, pickle.Tuple(args), pickle.Dict{}})
	return v, err
}

// exchange sends one message and reads the reply, '#RETURN' or '#PROXY'
// (kind tells which) or an error; it gives up (and closes the connection)
// when ctx is done.
func (c *Client) exchange(ctx context.Context, conn net.Conn, op string, msg pickle.Tuple) (kind string, v any, err error) {
	data, err := pickle.MarshalLimit(msg, c.cfg.MaxMessageSize)
	if err != nil {
		return "", nil, fmt.Errorf("basemanager: %s: encoding the arguments: %w", op, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if err := connection.WriteFrame(conn, data); err != nil {
		return "", nil, c.lost(ctx, op, err)
	}
	reply, err := connection.ReadFrame(conn, c.cfg.MaxMessageSize)
	if err != nil {
		return "", nil, c.lost(ctx, op, err)
	}
	if v, err = pickle.Unmarshal(reply); err != nil {
		return "", nil, fmt.Errorf("basemanager: %s: the reply: %w", op, err)
	}
	t, ok := v.(pickle.Tuple)
	if !ok || len(t) != 2 {
		return "", nil, fmt.Errorf("basemanager: %s: unexpected reply %.100s", op, pickle.Repr(v))
	}
	kind, _ = t[0].(string)
	switch kind {
	case "#RETURN", "#PROXY":
		return kind, toGo(t[1]), nil
	case "#ERROR":
		if exc, ok := t[1].(*pickle.Exception); ok {
			return "", nil, &Error{Op: op, Exception: exc}
		}
	case "#TRACEBACK", "#UNSERIALIZABLE":
		if text, ok := t[1].(string); ok {
			if kind == "#UNSERIALIZABLE" {
				text = "Unserializable message: " + text + "\n"
			}
			return "", nil, &Error{Op: op, Exception: pickle.NewException("multiprocessing.managers", "RemoteError", text)}
		}
	}
	return "", nil, fmt.Errorf("basemanager: %s: unrecognized reply %.100s", op, pickle.Repr(v))
}

func (c *Client) lost(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("basemanager: %s: %w", op, ctx.Err())
	}
	return fmt.Errorf("basemanager: %s: Python manager at %s is unreachable (has it stopped?): %w: %w",
		op, c.address, proxy.ErrConnectionLost, err)
}

// channel returns an idle call connection, or opens one with
// accept_connection.
func (c *Client) channel(ctx context.Context) (net.Conn, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, fmt.Errorf("basemanager: call: the client was closed (make a new one with NewClient): %w", proxy.ErrClosed)
	}
	if n := len(c.idle); n > 0 {
		conn := c.idle[n-1]
		c.idle = c.idle[:n-1]
		c.mu.Unlock()
		return conn, nil
	}
	c.mu.Unlock()
	conn, err := c.dial(ctx)
	if err != nil {
		return nil, err
	}
	name := "GoClient-" + strconv.Itoa(os.Getpid()) + "|" + strconv.FormatUint(c.calls.Add(1), 10)
	if _, _, err := c.exchange(ctx, conn, "accept_connection", pickle.Tuple{nil, "accept_connection", pickle.Tuple{name}, pickle.Dict{}}); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// release gives a call connection back for the next call.
func (c *Client) release(conn net.Conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		conn.Close()
		return
	}
	c.idle = append(c.idle, conn)
}

// Error is an exception from a CPython manager server: the
// referent's method raised it ('#ERROR', with its own class), or the
// server failed the request (a multiprocessing.managers.RemoteError with
// the server's traceback). It unwraps to the *pickle.Exception and, for
// the classes the shared types have sentinels for, to the sentinel:
// errors.Is(err, proxy.ErrEmpty) for queue.Empty, proxy.ErrFull,
// proxy.ErrShutDown (3.13's queue.ShutDown), proxy.ErrKeyNotFound (KeyError, IndexError), proxy.ErrBrokenBarrier,
// proxy.ErrStopIteration.
type Error struct {
	Op        string // the request or method, such as "Queue.get_nowait"
	Exception *pickle.Exception
}

func (e *Error) Error() string {
	if e.Exception.Name == "RemoteError" {
		return "basemanager: " + e.Op + ": the Python manager failed:\n" + e.Exception.Message()
	}
	return "basemanager: " + e.Op + ": " + e.Exception.Error()
}

// Unwrap returns the exception and its sentinel, if it has one.
func (e *Error) Unwrap() []error {
	errs := []error{e.Exception}
	switch e.Exception.Module + "." + e.Exception.Name {
	case "queue.Empty":
		errs = append(errs, proxy.ErrEmpty)
	case "queue.Full":
		errs = append(errs, proxy.ErrFull)
	case "queue.ShutDown":
		errs = append(errs, proxy.ErrShutDown)
	case "builtins.KeyError", "builtins.IndexError":
		errs = append(errs, proxy.ErrKeyNotFound)
	case "threading.BrokenBarrierError":
		errs = append(errs, proxy.ErrBrokenBarrier)
	case "builtins.StopIteration":
		errs = append(errs, proxy.ErrStopIteration)
	}
	return errs
}

// Proxy is a proxy for an object in a CPython manager server: Python's
// BaseProxy, with Python's method names. It holds one reference, which
// Close releases.
type Proxy struct {
	client  *Client
	token   pickle.Token
	exposed []string
	closed  atomic.Bool
}

// CallMethod calls the named method of the referent with args and returns
// a copy of its result: Python's proxy._callmethod(name, args). Names are
// Python's ("get_nowait"); a Go name ("GetNowait") is mapped to it when the
// object exposes it. Results are decoded as pickle.Unmarshal describes,
// except that a dict is a map[any]any when Go can hash its keys. A method
// that raises returns a *Error.
func (p *Proxy) CallMethod(method string, args ...any) (any, error) {
	return p.CallMethodKw(context.Background(), method, args, nil)
}

// CallMethodKw is CallMethod with keyword arguments and a context, as in
// q.get(timeout=0.5). When ctx ends first, the call's connection is closed
// and ctx's error returned; the server may still complete the call (a get
// then loses its item), so prefer Python's own timeouts for blocking calls.
func (p *Proxy) CallMethodKw(ctx context.Context, method string, args []any, kwargs map[string]any) (any, error) {
	if p.closed.Load() {
		return nil, fmt.Errorf("basemanager: %s.%s: %w", p.token.Typeid, method, proxy.ErrClosed)
	}
	method = p.pythonName(method)
	op := p.token.Typeid + "." + method
	kw := make(pickle.Dict, 0, len(kwargs))
	for k, v := range kwargs {
		kw = append(kw, pickle.Item{Key: k, Value: v})
	}
	slices.SortFunc(kw, func(a, b pickle.Item) int { return strings.Compare(a.Key.(string), b.Key.(string)) })
	conn, err := p.client.channel(ctx)
	if err != nil {
		return nil, err
	}
	kind, result, err := p.client.exchange(ctx, conn, op, pickle.Tuple{p.token.ID, method, pickle.Tuple(args), kw})
	var perr *Error
	if err != nil && !errors.As(err, &perr) {
		conn.Close() // the stream's state is unknown
		return nil, err
	}
	p.client.release(conn)
	if err != nil {
		return nil, err
	}
	if kind != "#PROXY" {
		return result, nil
	}
	// ('#PROXY', (exposed, token)), as a dict's __iter__ returns: the
	// server took a reference for us, which the new proxy owns.
	t, ok := result.(pickle.Tuple)
	if ok && len(t) == 2 {
		exposed, ok1 := t[0].(pickle.Tuple)
		token, ok2 := t[1].(pickle.Token)
		if ok1 && ok2 {
			token.Address = p.token.Address
			return p.client.newProxy(token, exposed), nil
		}
	}
	return nil, fmt.Errorf("basemanager: %s: malformed #PROXY reply %.100s", op, pickle.Repr(result))
}

// pythonName maps a Go method name to the Python name the object exposes.
func (p *Proxy) pythonName(method string) string {
	if slices.Contains(p.exposed, method) {
		return method
	}
	if snake := snakeCase(method); slices.Contains(p.exposed, snake) {
		return snake
	}
	return method
}

// String is Python's str(proxy): the referent's repr, computed on the
// server ('hello World' for a str).
func (p *Proxy) String() string {
	v, err := p.CallMethod("__repr__")
	if s, ok := v.(string); ok && err == nil {
		return s
	}
	r := p.Repr()
	return r[:len(r)-1] + "; '__str__()' failed>"
}

// Repr describes the proxy itself, as Python's repr(proxy) does, with
// this proxy's own address in memory:
//
//	<Proxy[get_my_string] object, typeid 'get_my_string' at 0xc000010030>
func (p *Proxy) Repr() string {
	return fmt.Sprintf("<PyProxy[%s] object, typeid '%s' at %p>", p.token.Typeid, p.token.Typeid, p)
}

// GetValue returns a copy of the referent: Python's proxy._getvalue().
func (p *Proxy) GetValue() (any, error) { return p.CallMethod("#GETVALUE") }

// Token returns the token naming the referent.
func (p *Proxy) Token() pickle.Token { return p.token }

// Exposed returns the Python names of the methods the proxy may call.
func (p *Proxy) Exposed() []string { return slices.Clone(p.exposed) }

// Close releases the proxy's reference, as Python's proxy finalizer does
// (a decref on a new connection). It is idempotent.
func (p *Proxy) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	_, err := p.client.request(context.Background(), "decref", p.token.ID)
	return err
}

// manager.go mirrors BaseManager in Python's managers.py: register typeids,
// get a server for them, or connect to one and ask it for proxies.

package basemanager

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net"
	"net/rpc"
	"sync"
	"syscall"
	"time"

	"gomanager/proxy"
	"gomanager/proxy/wire"
)

// Option configures a Manager.
type Option func(*config)

type config struct {
	authkey          []byte        // nil: no authentication secret (loopback only)
	handshakeTimeout time.Duration // default 10s
	dialTimeout      time.Duration // default 10s
	maxMessageSize   int           // default DefaultMaxMessageSize
	maxConnections   int           // default DefaultMaxConnections
	tls              *tls.Config   // nil: plain TCP
	logger           *log.Logger   // default log.Default()
}

// DefaultMaxConnections is how many connections a server keeps open at once
// unless WithMaxConnections says otherwise.
const DefaultMaxConnections = 4096

// WithMaxMessageSize sets the largest rpc message either side accepts or
// sends, in bytes; a larger one closes the connection with
// ErrMessageTooLarge. The default (and the value for n <= 0) is
// DefaultMaxMessageSize (64 MiB). During authentication the limit is
// always 256 bytes, as in Python.
func WithMaxMessageSize(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxMessageSize = n
		}
	}
}

// WithMaxConnections sets how many connections a server keeps open at once,
// counting those still authenticating. Further connections are refused at
// once: Connect fails with ErrTooManyConnections. The default (and the
// value for n <= 0) is DefaultMaxConnections (4096).
func WithMaxConnections(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxConnections = n
		}
	}
}

// WithTLS runs every connection over TLS with cfg: the server's
// certificates on the serving side, the trusted roots (and client
// certificates, for mutual TLS) on the connecting side. It combines with
// WithAuthKey: TLS encrypts and authenticates the server, the authkey
// handshake then runs inside it. A client's cfg without ServerName gets the
// host of the manager's address.
func WithTLS(cfg *tls.Config) Option {
	return func(c *config) { c.tls = cfg }
}

// WithAuthKey sets the secret both sides prove they know before any request
// (Python's authkey). It accepts a string or a []byte. Without it, a server
// only listens on loopback addresses.
func WithAuthKey[K string | []byte](key K) Option {
	k := []byte(key)
	return func(c *config) { c.authkey = k }
}

// WithHandshakeTimeout bounds the authentication handshake of each
// connection, on both sides. The default (and the value for d <= 0) is 10
// seconds.
func WithHandshakeTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.handshakeTimeout = d
		}
	}
}

// WithLogger sets where a server logs refused connections. The default is
// log.Default(); nil discards the messages.
func WithLogger(l *log.Logger) Option {
	return func(c *config) { c.logger = l }
}

// Manager is Python's BaseManager: a registry of typeids, plus either a
// server holding the shared objects (GetServer, Start) or a connection to
// such a server (Connect). A Manager is safe for concurrent use.
type Manager struct {
	cfg config

	mu       sync.Mutex // guards the fields below
	address  string
	registry map[string]*registration
	client   *rpc.Client   // the current connection, used by Get
	clients  []*rpc.Client // every connection opened, closed by Shutdown
	server   *Server       // the server Start runs in this process
	served   chan error    // ServeForever's result, for Shutdown
	epoch    uint64        // the epoch of the server client is connected to
	started  bool
	shutDown bool
}

// New returns a manager for the server at address ("host:port"). The empty
// address means 127.0.0.1 on a free port; the port is resolved by GetServer
// or Start, and Address reports it. Python's BaseManager(address, authkey).
func New(address string, opts ...Option) *Manager {
	cfg := config{
		handshakeTimeout: 10 * time.Second,
		dialTimeout:      10 * time.Second,
		maxMessageSize:   DefaultMaxMessageSize,
		maxConnections:   DefaultMaxConnections,
		logger:           log.Default(),
	}
	for _, opt := range opts {
		opt(&cfg)
	}
	return &Manager{cfg: cfg, address: address, registry: map[string]*registration{}}
}

// Register declares typeid: Python's manager.register(typeid, callable).
//
// On the serving side, callable is any Go func returning the object to share
// (optionally with an error); each Get calls it by reflection with the
// arguments given to Get. A constructor gives every proxy its own new
// object; a closure returning an existing pointer makes all proxies share it.
//
// On a side that only connects, pass nil: the server's callable is used, and
// Get refuses typeids that were never declared.
func (m *Manager) Register(typeid string, callable any, opts ...RegisterOption) error {
	r, err := register(typeid, callable, opts...)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.registry[typeid] = r
	return nil
}

// GetServer binds the manager's address and returns a server for its
// registered typeids, ready for ServeForever: Python's manager.get_server().
// After it returns, Address reports the bound address.
func (m *Manager) GetServer() (*Server, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.shutDown {
		return nil, fmt.Errorf("basemanager: GetServer: %w (make a new one with New)", ErrShutDown)
	}
	registry := make(map[string]*registration, len(m.registry))
	for k, v := range m.registry {
		registry[k] = v
	}
	srv, err := newServer(registry, m.address, &m.cfg)
	if err != nil {
		return nil, err
	}
	m.address = srv.Address()
	return srv, nil
}

// Start runs a server for this manager in a goroutine of this process and
// connects to it. (Python's start() spawns a server process instead; in Go,
// run a separate program that calls GetServer and ServeForever for that.)
// Stop it with Shutdown.
func (m *Manager) Start() error {
	m.mu.Lock()
	started, shutDown := m.started, m.shutDown
	m.started = true
	m.mu.Unlock()
	if shutDown {
		return fmt.Errorf("basemanager: Start: %w (make a new one with New)", ErrShutDown)
	}
	if started {
		return fmt.Errorf("basemanager: Start: %w", ErrAlreadyStarted)
	}
	srv, err := m.GetServer()
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeForever() }()
	m.mu.Lock()
	m.server, m.served = srv, served
	m.mu.Unlock()
	if err := m.Connect(); err != nil {
		m.Shutdown()
		return err
	}
	return nil
}

// Shutdown closes the manager's connections and, if Start started a server,
// stops it and waits for it: Python's manager.shutdown(). Proxies from this
// manager stop working. Shutdown is idempotent; use it with defer as Python
// uses "with manager:".
func (m *Manager) Shutdown() error {
	m.mu.Lock()
	if m.shutDown {
		m.mu.Unlock()
		return nil
	}
	m.shutDown = true
	clients, srv, served := m.clients, m.server, m.served
	m.client, m.clients, m.server = nil, nil, nil
	m.mu.Unlock()

	for _, c := range clients {
		c.Close()
	}
	if srv == nil {
		return nil
	}
	srv.Stop()
	return <-served
}

// Address returns the manager's "host:port": after GetServer or Start, the
// address actually bound, with the port resolved.
func (m *Manager) Address() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.address
}

// Connect connects to the manager's server and authenticates: Python's
// manager.connect(). Like Python's, it fails at once if nothing listens;
// ConnectContext retries.
func (m *Manager) Connect() error {
	return m.connect(context.Background(), false)
}

// ConnectContext is like Connect, but while the address refuses connections
// (the server is not up yet) it retries until ctx is done.
func (m *Manager) ConnectContext(ctx context.Context) error {
	return m.connect(ctx, true)
}

func (m *Manager) connect(ctx context.Context, retry bool) error {
	m.mu.Lock()
	address, shutDown := m.address, m.shutDown
	m.mu.Unlock()
	if shutDown {
		return fmt.Errorf("basemanager: connect: %w (make a new one with New)", ErrShutDown)
	}
	address, err := normalizeAddress(address)
	if err != nil {
		return err
	}
	backoff := 5 * time.Millisecond
	for {
		client, epoch, err := dial(ctx, address, &m.cfg)
		if err == nil {
			return m.adopt(client, epoch)
		}
		if !retry || !errors.Is(err, syscall.ECONNREFUSED) {
			return err
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (gave up: %w)", err, ctx.Err())
		case <-t.C:
		}
		backoff = min(2*backoff, 200*time.Millisecond)
	}
}

// adopt makes client the manager's current connection.
func (m *Manager) adopt(client *rpc.Client, epoch uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.shutDown {
		client.Close()
		return fmt.Errorf("basemanager: connect: %w", ErrShutDown)
	}
	m.client, m.epoch = client, epoch
	m.clients = append(m.clients, client)
	return nil
}

// Epoch returns the epoch of the server the manager is connected to: a
// random number drawn when that server started, carried in every token.
// It is 0 before Connect. (It makes the manager a proxy.EpochSource.)
func (m *Manager) Epoch() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.epoch
}

// dial opens an authenticated rpc connection to address and checks it with
// the dummy request, which also reports the server's epoch.
func dial(ctx context.Context, address string, cfg *config) (*rpc.Client, uint64, error) {
	d := net.Dialer{Timeout: cfg.dialTimeout} // TCP keep-alive is on by default
	conn, err := d.DialContext(ctx, "tcp", address)
	if err != nil {
		return nil, 0, fmt.Errorf("basemanager: connect to %s: %w (is the server running?)", address, err)
	}
	if cfg.tls != nil {
		tc := cfg.tls
		if tc.ServerName == "" {
			tc = tc.Clone()
			tc.ServerName, _, _ = net.SplitHostPort(address)
		}
		conn = tls.Client(conn, tc)
	}
	conn.SetDeadline(time.Now().Add(cfg.handshakeTimeout))
	if err := clientHandshake(conn, cfg.authkey); err != nil {
		conn.Close()
		return nil, 0, fmt.Errorf("basemanager: connect to %s: %w", address, err)
	}
	conn.SetDeadline(time.Time{})
	client := rpc.NewClientWithCodec(clientCodec{newCodec(conn, cfg.maxMessageSize)})
	var epoch uint64
	if err := client.Call(wire.ServiceName+".Dummy", &wire.Empty{}, &epoch); err != nil {
		client.Close()
		return nil, 0, fmt.Errorf("basemanager: connect to %s: %w", address, err)
	}
	return client, epoch, nil
}

// Get asks the server to create an object with the callable registered as
// typeid, passing args, and returns a proxy to it: Python's
// manager.typeid(*args). The proxy holds one reference; Close releases it.
func (m *Manager) Get(typeid string, args ...any) (*proxy.Proxy, error) {
	m.mu.Lock()
	_, declared := m.registry[typeid]
	client, address := m.client, m.address
	m.mu.Unlock()
	if !declared {
		return nil, fmt.Errorf("basemanager: Get %q: %w on this side (declare it first: m.Register(%q, nil))",
			typeid, proxy.ErrUnknownTypeid, typeid)
	}
	if client == nil {
		return nil, m.notConnected("Get " + typeid)
	}
	vals, err := wire.Encode(args)
	if err != nil {
		return nil, fmt.Errorf("basemanager: Get %q: encoding arguments: %w", typeid, err)
	}
	var reply wire.RefReply
	if err := client.Call(wire.ServiceName+".Create", &wire.CreateRequest{Typeid: typeid, Args: vals}, &reply); err != nil {
		return nil, rpcError("Get "+typeid, address, err)
	}
	if reply.Err != nil {
		return nil, proxy.FromWire(reply.Err)
	}
	token := proxy.Token{Typeid: typeid, Address: address, ID: reply.ID, Epoch: reply.Epoch}
	return proxy.New(client, token, reply.Ref, reply.Exposed, m), nil
}

// Rebuild returns a working proxy for a token received from another process:
// Python's RebuildProxy. The new proxy takes its own reference on the server,
// through this manager's connection and with this manager's authkey; the
// token itself carries no credentials.
func (m *Manager) Rebuild(t proxy.Token) (*proxy.Proxy, error) {
	m.mu.Lock()
	client, address := m.client, m.address
	m.mu.Unlock()
	if client == nil {
		return nil, m.notConnected("Rebuild " + t.Typeid)
	}
	var reply wire.RefReply
	if err := client.Call(wire.ServiceName+".Incref", &wire.RefRequest{ID: t.ID, Epoch: t.Epoch}, &reply); err != nil {
		return nil, rpcError("Rebuild "+t.Typeid, address, err)
	}
	if reply.Err != nil {
		return nil, proxy.FromWire(reply.Err)
	}
	t.Address, t.Epoch = address, reply.Epoch
	return proxy.New(client, t, reply.Ref, reply.Exposed, m), nil
}

// NumberOfObjects asks the server how many shared objects it holds:
// Python's manager._number_of_objects().
func (m *Manager) NumberOfObjects() (int, error) {
	var n int
	err := m.control("NumberOfObjects", &n)
	return n, err
}

// DebugInfo asks the server to describe its shared objects:
// Python's manager._debug_info().
func (m *Manager) DebugInfo() (string, error) {
	var s string
	err := m.control("DebugInfo", &s)
	return s, err
}

func (m *Manager) control(method string, reply any) error {
	m.mu.Lock()
	client, address := m.client, m.address
	m.mu.Unlock()
	if client == nil {
		return m.notConnected(method)
	}
	if err := client.Call(wire.ServiceName+"."+method, &wire.Empty{}, reply); err != nil {
		return rpcError(method, address, err)
	}
	return nil
}

func (m *Manager) notConnected(op string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.shutDown {
		return fmt.Errorf("basemanager: %s: %w", op, ErrShutDown)
	}
	return fmt.Errorf("basemanager: %s: %w (call Connect or Start first)", op, ErrNotConnected)
}

// rpcError explains a failed request of the manager's own.
func rpcError(op, address string, err error) error {
	return proxy.TransportError(op, address, err)
}

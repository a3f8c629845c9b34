// manager.go mirrors BaseManager in Python's managers.py: register typeids,
// get a server for them, or connect to one and ask it for proxies.

package basemanager

import (
	"context"
	"fmt"
	"net/rpc"
	"sync"
	"time"

	"gomanager/basemanager/internal/connection"
	"gomanager/basemanager/process"
	"gomanager/proxy"
	"gomanager/proxy/wire"
)

// Manager is Python's BaseManager: a registry of typeids, plus either a
// server holding the shared objects (GetServer, Start) or a connection to
// such a server (Connect). A Manager is safe for concurrent use.
type Manager struct {
	cfg config

	mu       sync.Mutex // guards the fields below
	address  string
	registry map[string]*registration
	client   *rpc.Client      // the current connection, used by Get
	releaser *proxy.Releaser  // releases its proxies collected without Close
	clients  []*rpc.Client    // every connection opened, closed by Shutdown
	stops    []func()         // stop the connections' heartbeats and releasers, once they are closed
	server   *Server          // the server Start runs in this process
	child    *process.Process // the server process StartProcess started
	served   chan error       // ServeForever's result, for Shutdown
	epoch    uint64           // the epoch of the server client is connected to
	serving  bool             // GetServer made this manager's server: the registry is fixed
	started  bool             // Start was called
	shutDown bool
}

// New returns a manager for the server at address ("host:port"). The empty
// address means 127.0.0.1 on a free port; the port is resolved by GetServer
// or Start, and Address reports it. Python's BaseManager(address, authkey).
// An address with a slash, or "unix:" and a path ("unix:m.sock"), is a Unix
// socket: its file is made with mode 0600, and removed when the server stops.
func New(address string, opts ...Option) *Manager {
	cfg := connection.DefaultConfig()
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
	if m.serving {
		return fmt.Errorf("basemanager: Register %q: %w: its server already runs with the typeids registered before "+
			"(register every typeid before GetServer or Start)", typeid, ErrAlreadyStarted)
	}
	m.registry[typeid] = r
	return nil
}

// GetServer binds the manager's address and returns a server for its
// registered typeids, ready for ServeForever: Python's manager.get_server().
// After it returns, Address reports the bound address, and Register
// refuses new typeids.
func (m *Manager) GetServer() (*Server, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.shutDown:
		return nil, fmt.Errorf("basemanager: GetServer: %w (make a new one with New)", ErrShutDown)
	case m.started:
		return nil, fmt.Errorf("basemanager: GetServer: %w: Start already runs this manager's server "+
			"(use Start or GetServer, not both)", ErrAlreadyStarted)
	}
	return m.getServerLocked()
}

func (m *Manager) getServerLocked() (*Server, error) {
	registry := make(map[string]*registration, len(m.registry))
	for k, v := range m.registry {
		registry[k] = v
	}
	srv, err := newServer(registry, m.address, &m.cfg)
	if err != nil {
		return nil, err
	}
	m.address = srv.Address()
	m.serving = true
	return srv, nil
}

// Address returns the manager's "host:port" or socket path: after
// GetServer or Start, the address actually bound, with the port resolved.
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
	address, err := connection.NormalizeAddress(address)
	if err != nil {
		return err
	}
	heartbeat := m.cfg.HeartbeatFor(address) // WithHeartbeat
	backoff := 5 * time.Millisecond
	for {
		client, epoch, err := dial(ctx, address, &m.cfg, heartbeat)
		if err == nil {
			return m.adopt(client, epoch, heartbeat)
		}
		if !retry || !connection.Refused(err) {
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

// adopt makes client the manager's current connection, heartbeating every
// heartbeat if it is not 0.
func (m *Manager) adopt(client *rpc.Client, epoch uint64, heartbeat time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.shutDown {
		client.Close()
		return fmt.Errorf("basemanager: connect: %w", ErrShutDown)
	}
	m.client, m.epoch, m.releaser = client, epoch, proxy.NewReleaser(client)
	m.clients, m.stops = append(m.clients, client), append(m.stops, m.releaser.Stop)
	if heartbeat > 0 {
		m.stops = append(m.stops, connection.KeepAlive(client, wire.ServiceName+".Heartbeat", heartbeat))
	}
	return nil
}

// dial opens an authenticated rpc connection to address and checks it with
// the dummy request, which also reports the server's epoch; a heartbeat
// interval other than 0 is announced to the server.
func dial(ctx context.Context, address string, cfg *config, heartbeat time.Duration) (*rpc.Client, uint64, error) {
	conn, err := connection.Dial(ctx, address, cfg)
	if err != nil {
		return nil, 0, err
	}
	client := connection.NewClient(conn, cfg)
	var epoch uint64
	err = client.Call(wire.ServiceName+".Dummy", &wire.Empty{}, &epoch)
	if err == nil && heartbeat > 0 {
		err = client.Call(wire.ServiceName+".Heartbeat", heartbeat, &wire.Empty{}) // heartbeat.go, in package connection
	}
	if err != nil {
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
	client, releaser, address := m.client, m.releaser, m.address
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
	link := proxy.Link{Client: client, Epoch: m.epochNow, Releaser: releaser}
	if reply.Err != nil {
		return nil, link.ReplyError(reply.Err)
	}
	token := proxy.Token{Typeid: typeid, Address: address, ID: reply.ID, Epoch: reply.Epoch}
	return link.Proxy(token, reply.Ref, reply.Exposed), nil
}

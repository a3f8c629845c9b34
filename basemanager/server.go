// server.go mirrors Server in Python's managers.py, its listener and
// lifecycle: get_server binds the address, serve_forever accepts
// connections until stop_event is set, and each connection is
// authenticated and then served by the one rpc service (handle_request).

package basemanager

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"sync"
	"sync/atomic"
	"time"

	"gomanager/basemanager/internal/connection"
	"gomanager/basemanager/internal/referents"
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
	registry map[string]*registration // read-only after GetServer
	cfg      config
	listener net.Listener
	address  string

	epoch    uint64             // this run of the server, in every token: restarts make old tokens stale
	ctx      context.Context    // cancelled by Stop; parent of every connection's context
	cancel   context.CancelFunc // Python's stop_event.set()
	python   frontDoor          // serves CPython's clients on the same address (python.go)
	served   atomic.Int64       // calls that returned a result, and those that failed (debug.go)
	failed   atomic.Int64
	started  time.Time
	draining atomic.Bool      // Shutdown has closed the listener
	conns    connection.Conns // open connections, closed by Stop

	holdMu sync.Mutex // orders the settling of ProxyHolders' holds (holds.go); taken before mu

	mu        sync.Mutex                // guards the fields below
	objects   map[uint64]*object        // Python's id_to_obj (objects.go)
	referents *referents.Index[*object] // objects by referent, one entry per pointer (identity.go)
	held      map[uint64][]uint64       // ids of objects an object keeps alive (proxies stored in it), by its id (holds.go)
	lastID    uint64                    // ids are never reused
	lastRef   uint64
	lastConn  uint64
	sessions  map[uint64]*session // the authenticated ones, by number (debug.go)

	wg sync.WaitGroup // the accept loop's connection goroutines
}

func newServer(registry map[string]*registration, address string, cfg *config) (*Server, error) {
	ln, err := listen(address, cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		registry:  registry,
		cfg:       *cfg,
		listener:  ln,
		address:   ln.Addr().String(),
		epoch:     randomEpoch(),
		ctx:       ctx,
		cancel:    cancel,
		objects:   map[uint64]*object{},
		referents: newReferentIndex(),
		held:      map[uint64][]uint64{},
		sessions:  map[uint64]*session{},
		started:   time.Now(),
	}
	s.python = newFrontDoor(s)
	return s, nil
}

// listen binds address, refusing to serve one other than loopback or a
// Unix socket without an authkey: anyone who reaches it could call the
// objects' methods.
func listen(address string, cfg *config) (net.Listener, error) {
	address, err := connection.NormalizeAddress(address)
	if err != nil {
		return nil, err
	}
	if len(cfg.AuthKey) == 0 && !connection.IsLocal(address) { // an empty key is no secret
		return nil, fmt.Errorf("basemanager: listen on %s: refusing to serve a non-loopback address without an authkey "+
			"(anyone who reaches it could call your objects' methods): pass WithAuthKey, or listen on 127.0.0.1 or a Unix socket path: %w",
			address, ErrInsecureAddress)
	}
	return connection.Listen(address, cfg)
}

// Address returns the "host:port" the server listens on, with the port
// resolved, or its socket path: Python's server.address.
func (s *Server) Address() string { return s.address }

// ServeForever accepts and serves connections until Stop (or Shutdown) is
// called, then returns nil once every connection has ended: within
// connection.CallGrace of Stop, whatever the methods in flight do. It
// blocks; Python's serve_forever.
func (s *Server) ServeForever() error {
	defer s.wg.Wait()
	for {
		conn, err := s.listener.Accept()
		if err != nil {
			if s.ctx.Err() != nil || s.draining.Load() {
				return nil // stopped, or Shutdown is draining: returns once it stops
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			s.Stop()
			return fmt.Errorf("basemanager: serve %s: accept: %w", s.address, err)
		}
		if !s.conns.Admit(conn, &s.cfg, s.address) {
			if s.ctx.Err() != nil {
				return nil
			}
			continue
		}
		s.wg.Add(1)
		go s.serveConn(conn, func() {
			s.conns.Remove(conn)
			s.wg.Done()
		})
	}
}

// Stop makes ServeForever return: Python's server.stop_event.set(). It
// closes the listener and every connection, and context-aware methods see
// their context cancelled; each connection's references and holds are
// released at once. Stop is idempotent and does not wait; ServeForever
// returns within connection.CallGrace, even if a method ignores its
// context (its goroutine ends when it returns; its result is discarded).
func (s *Server) Stop() {
	s.cancel()
	s.listener.Close()
	s.conns.CloseAll()
}

// Shutdown stops the server gracefully, as http.Server.Shutdown does: it
// stops accepting connections, lets the calls in flight finish until ctx
// is done, then stops as Stop does, and returns ctx.Err() if it had to cut
// calls short. (Python's shutdown request and stop_event stop at once, as
// Stop does.)
func (s *Server) Shutdown(ctx context.Context) error {
	s.draining.Store(true)
	s.listener.Close()
	defer s.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for s.callsInFlight() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// callsInFlight counts the calls running on the open connections.
func (s *Server) callsInFlight() (n int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sess := range s.sessions {
		n += sess.inFlight.Load()
	}
	return n
}

// serveConn authenticates one connection and serves rpc requests on it until
// it closes; then it releases every reference the connection still held,
// and calls ended. (Its goroutine may outlive that, stuck in a method that
// ignores its context: the server no longer waits for it.)
func (s *Server) serveConn(conn net.Conn, ended func()) {
	if err := connection.Accept(conn, &s.cfg); err != nil {
		s.cfg.Logf("basemanager: %s: connection from %s refused: %v", s.address, conn.RemoteAddr(), err)
		ended()
		return
	}
	conn, served := s.servedByPython(conn)
	if served {
		ended()
		return
	}

	sess := s.newSession(conn, false)
	sess.idle = &connection.IdleConn{Conn: conn, Logf: s.cfg.Logf}
	srv := rpc.NewServer()
	if err := srv.RegisterName(wire.ServiceName, &service{sess: sess}); err != nil {
		panic(err) // the service's method set is fixed: this is a bug
	}
	// The session ends as soon as the client is gone, while calls may still
	// run: its references and holds are released then, not when a method
	// that ignores its context finally returns; and once more when the
	// calls are done, for what they took meanwhile.
	connection.ServeRequests(srv, sess.idle, &s.cfg, sess.end, func() {
		sess.end()
		ended()
	})
}

// servedByPython serves conn with the Python front door if its first
// message is a pickle, and reports whether it did; otherwise it returns
// the connection to serve the Go way.
func (s *Server) servedByPython(conn net.Conn) (net.Conn, bool) {
	conn, python, err := s.python.Peek(conn)
	if err != nil {
		return nil, true // gone before its first message
	}
	if python {
		s.python.Serve(conn)
	}
	return conn, python
}

// conns.go is how a server keeps its connections: Python's serve_forever
// starts a thread per connection and forgets it; here the server counts
// them (WithMaxConnections), closes them all on Stop, and ends a
// connection's calls as soon as its client is gone.

package basemanager

import (
	"context"
	"net"

	"gomanager/basemanager/internal/connection"
)

// admit records an open connection, unless the server is stopping or has
// as many connections as it may (counting those still authenticating, so
// unauthenticated peers cannot make it hold more): then it closes conn,
// telling the peer why.
func (s *Server) admit(conn net.Conn) bool {
	s.mu.Lock()
	stopping, full := s.ctx.Err() != nil, len(s.conns) >= s.cfg.MaxConnections
	if !stopping && !full {
		s.conns[conn] = struct{}{}
	}
	s.mu.Unlock()
	switch {
	case stopping:
		conn.Close()
	case full:
		s.cfg.Logf("basemanager: %s: connection from %s refused: %d connections open (WithMaxConnections)",
			s.address, conn.RemoteAddr(), s.cfg.MaxConnections)
		connection.RefuseBusy(conn)
	}
	return !stopping && !full
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
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

// conns.go is how a server keeps its connections: Python's serve_forever
// starts a thread per connection and forgets it; here the server counts
// them (WithMaxConnections) and closes them all on Stop.

package basemanager

import (
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

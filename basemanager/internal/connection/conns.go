// conns.go is how a server keeps its open connections: Python's
// serve_forever starts a thread per connection and forgets it; a manager's
// server counts them (WithMaxConnections) and closes them all on Stop.

package connection

import (
	"net"
	"sync"
)

// Conns is a server's set of open connections. The zero value is ready.
type Conns struct {
	mu     sync.Mutex // guards the fields below
	open   map[net.Conn]struct{}
	closed bool
}

// Admit records an open connection, unless the set is closed or holds as
// many connections as cfg allows (counting those still authenticating, so
// unauthenticated peers cannot make a server hold more): then it closes
// conn, telling a refused peer why, and returns false.
func (cs *Conns) Admit(conn net.Conn, cfg *Config, address string) bool {
	cs.mu.Lock()
	closed, full := cs.closed, len(cs.open) >= cfg.MaxConnections
	if !closed && !full {
		if cs.open == nil {
			cs.open = map[net.Conn]struct{}{}
		}
		cs.open[conn] = struct{}{}
	}
	cs.mu.Unlock()
	switch {
	case closed:
		conn.Close()
	case full:
		cfg.Logf("basemanager: %s: connection from %s refused: %d connections open (WithMaxConnections)",
			address, conn.RemoteAddr(), cfg.MaxConnections)
		RefuseBusy(conn)
	}
	return !closed && !full
}

// Remove closes conn and forgets it.
func (cs *Conns) Remove(conn net.Conn) {
	cs.mu.Lock()
	delete(cs.open, conn)
	cs.mu.Unlock()
	conn.Close()
}

// CloseAll closes every open connection, and refuses new ones.
func (cs *Conns) CloseAll() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.closed = true
	for c := range cs.open {
		c.Close()
	}
}

// Package rawio reads and writes a connection's socket with plain system
// calls, for the codec of Go connections and the calls of Python ones: a
// round trip of a lone call costs fewer system calls and no wake-ups of
// the runtime's monitor thread (see Conn).
package rawio

import (
	"bufio"
	"net"
)

// prefixed reads the bytes a reader buffered ahead (a peek at the first
// message), then the connection.
type prefixed struct {
	net.Conn
	pre *bufio.Reader // nil once drained
}

func (c *prefixed) Read(p []byte) (int, error) {
	if c.pre != nil {
		if c.pre.Buffered() > 0 {
			return c.pre.Read(p)
		}
		c.pre = nil
	}
	return c.Conn.Read(p)
}

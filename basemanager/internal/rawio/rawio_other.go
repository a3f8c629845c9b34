// rawio_other.go: elsewhere than on Linux, connections are read and
// written through the net package.

//go:build !linux

package rawio

import (
	"bufio"
	"net"
)

// Wrap returns conn, reading first what pre buffered from it, if pre is
// not nil.
func Wrap(conn net.Conn, pre *bufio.Reader) net.Conn {
	if pre != nil {
		return &prefixed{Conn: conn, pre: pre}
	}
	return conn
}

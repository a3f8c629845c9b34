// rawio_other.go: elsewhere than on Linux, a Python client thread's
// connection is read and written through the net package (see
// rawio_linux.go).

//go:build !linux

package python

import "net"

// rawIO returns conn.
func rawIO(conn net.Conn) net.Conn { return conn }

// quickack_other.go: elsewhere than Linux, connections are left as they are.

//go:build !linux

package python

import "net"

// quickAck does nothing here: TCP_QUICKACK is Linux's.
func quickAck(net.Conn) {}

// quickack_linux.go speeds up Python clients' short connections on Linux
// (see quickAck).

//go:build linux

package python

import (
	"net"
	"syscall"
)

// quickAck makes Linux acknowledge at once what conn has received: the
// client's last handshake message. A Python client's socket keeps Nagle's
// algorithm, so the request it writes right after that message waits for
// the acknowledgement, which Linux would delay by 40 ms: every create,
// incref and decref, each on a connection of its own, would take that
// long, as they do with a CPython server. Failures are ignored (a Unix
// socket has no such option).
func quickAck(conn net.Conn) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return
	}
	raw.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}

// rawio_linux.go reads and writes a Python client thread's connection with
// plain system calls on Linux (see rawConn).

//go:build linux

package python

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// rawMax is the largest read or write rawConn makes itself; a larger
// write goes through the net package, and a read reads at most this much.
const rawMax = 64 << 10

// rawConn is a connection whose reads and writes of up to rawMax bytes are
// made as raw system calls, inside the net package's RawConn.Read and
// Write: those still wait for the socket in the runtime's netpoller when
// it is not ready (EAGAIN) and honor deadlines and Close.
//
// The net package's own Read and Write wrap each call in the runtime's
// bookkeeping for a system call that may block. On a busy server that is
// not free: the write of a reply wakes the client, which often takes the
// CPU before the write has returned, and then the runtime's monitor
// thread counts the write as blocked, hands its goroutines to another
// thread and keeps waking itself every 20 µs; on an idle server each call
// wakes the monitor. A non-blocking socket's read or write never blocks,
// so none of that is needed: issue 14 measured 2.2 system calls per call
// of 8 Python clients this way, against 2.6 (about one nanosleep in two
// calls), and a tenth less server CPU per call.
type rawConn struct {
	net.Conn // everything else, and writes over rawMax
	rc       syscall.RawConn
	pre      *peekedConn // the bytes Peek buffered, read first; nil once drained

	// The read and the write in progress: a reader and a writer may run
	// at once (readAhead reads while a call's reply is written). The
	// functions that make them are method values made once, not closures
	// allocated per call.
	buf             []byte // read into
	n               int
	errno           syscall.Errno
	wbuf            []byte // written from
	wn              int
	werrno          syscall.Errno
	doRead, doWrite func(fd uintptr) bool
}

// rawIO returns conn with raw reads and writes, if its socket allows
// them (TCP and Unix sockets; not TLS), or conn itself.
func rawIO(conn net.Conn) net.Conn {
	inner := conn
	pre, peeked := conn.(*peekedConn)
	if peeked {
		inner = pre.Conn
	}
	sc, ok := inner.(syscall.Conn)
	if !ok {
		return conn
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return conn
	}
	c := &rawConn{Conn: conn, rc: rc}
	if peeked {
		c.pre = pre
	}
	c.doRead, c.doWrite = c.read, c.write
	return c
}

// Read reads up to rawMax bytes. Only one goroutine reads at a time.
func (c *rawConn) Read(b []byte) (int, error) {
	if c.pre != nil {
		if c.pre.r != nil && c.pre.r.Buffered() > 0 {
			return c.pre.Read(b)
		}
		c.pre = nil
	}
	if len(b) == 0 {
		return 0, nil
	}
	c.buf, c.n, c.errno = b[:min(len(b), rawMax)], 0, 0
	err := c.rc.Read(c.doRead)
	n, errno := c.n, c.errno
	c.buf = nil
	switch {
	case err != nil:
		return 0, err
	case errno != 0:
		return 0, c.opError("read", errno)
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// read is one try of Read on the socket fd: false to wait until it is
// readable and try again.
func (c *rawConn) read(fd uintptr) bool {
	for {
		r, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&c.buf[0])), uintptr(len(c.buf)))
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		c.n, c.errno = int(r), e
		return true
	}
}

// Write writes b whole. Only one goroutine writes at a time.
func (c *rawConn) Write(b []byte) (int, error) {
	if len(b) > rawMax || len(b) == 0 {
		return c.Conn.Write(b)
	}
	c.wbuf, c.wn, c.werrno = b, 0, 0
	err := c.rc.Write(c.doWrite)
	n, errno := c.wn, c.werrno
	c.wbuf = nil
	switch {
	case err != nil:
		return n, err
	case errno != 0:
		return n, c.opError("write", errno)
	}
	return n, nil
}

// write is one try of Write on the socket fd: false to wait until it is
// writable and go on.
func (c *rawConn) write(fd uintptr) bool {
	for c.wn < len(c.wbuf) {
		r, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&c.wbuf[c.wn])), uintptr(len(c.wbuf)-c.wn))
		switch e {
		case 0:
			c.wn += int(r)
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			c.werrno = e
			return true
		}
	}
	return true
}

// opError describes a failed read or write as the net package does.
func (c *rawConn) opError(op string, errno syscall.Errno) error {
	return &net.OpError{Op: op, Net: c.LocalAddr().Network(), Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: os.NewSyscallError(op, errno)}
}

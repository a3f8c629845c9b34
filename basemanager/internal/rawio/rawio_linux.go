// rawio_linux.go: on Linux, reads and writes are raw system calls inside
// the net package's RawConn (see Conn).

//go:build linux

package rawio

import (
	"bufio"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"unsafe"
)

// rawMax is the largest read or write Conn makes itself; a larger write
// goes through the net package, and a read reads at most this much.
const rawMax = 64 << 10

// Conn is a connection whose reads and writes of up to rawMax bytes are
// raw system calls, made inside the net package's RawConn.Read and Write:
// those still wait for the socket in the runtime's netpoller when it is
// not ready (EAGAIN), and honor deadlines and Close.
//
// The net package's own Read and Write wrap each call in the runtime's
// bookkeeping for a system call that may block. When the process was
// idle, waiting for a reply, that wakes the runtime's monitor thread,
// which then sleeps 20 µs twice before it goes back to waiting: on one
// CPU, four more system calls and two context switches per round trip
// (issue 14 counted 9.2 system calls per call on each side, and 5.1 this
// way). On a busy server the write of a reply wakes the client, which
// often takes the CPU before the write has returned, and the monitor
// counts the write as blocked and hands its goroutines to another thread.
// A non-blocking socket's read or write never blocks, so none of that is
// needed.
//
// A read still tries the socket before it waits, even when the last read
// emptied it: RawConn.Read forgets, as it starts, whether the poller saw
// the socket become readable, so a read that waited first could wait for
// a message that has already arrived.
type Conn struct {
	net.Conn                 // everything else, and writes over rawMax
	rc       syscall.RawConn // the socket
	pre      *bufio.Reader   // bytes read ahead (a peek), read first; nil once drained

	// The read and the write in progress: a reader and a writer may run
	// at once. The functions that make them are method values made once,
	// not closures allocated per call.
	buf             []byte // read into
	n               int
	errno           syscall.Errno
	wbuf            []byte // written from
	wn              int
	werrno          syscall.Errno
	doRead, doWrite func(fd uintptr) bool
}

// ioSync tells the race detector, in a race-enabled build, that what a
// goroutine did before writing to a connection happens before what the
// goroutine that reads it does after, as the net package tells it: a
// client and a server in one process (as tests run them) would otherwise
// look unsynchronized.
var ioSync sync.Mutex

// raceSync is a release before a write, or an acquire after a read, on
// ioSync; it compiles to nothing without -race.
func raceSync() {
	if raceEnabled {
		ioSync.Lock()
		ioSync.Unlock()
	}
}

// Wrap returns conn with raw reads and writes if its socket allows them
// (TCP and Unix sockets; not TLS), or conn itself. If pre is not nil, it
// holds bytes already read from conn, which are read first.
func Wrap(conn net.Conn, pre *bufio.Reader) net.Conn {
	if _, ok := conn.(*Conn); ok && pre == nil {
		return conn
	}
	sc, ok := conn.(syscall.Conn)
	if !ok {
		if pre != nil {
			return &prefixed{Conn: conn, pre: pre}
		}
		return conn
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return conn
	}
	c := &Conn{Conn: conn, rc: rc, pre: pre}
	c.doRead, c.doWrite = c.read, c.write
	return c
}

// Read reads up to rawMax bytes. Only one goroutine reads at a time.
func (c *Conn) Read(b []byte) (int, error) {
	if c.pre != nil {
		if c.pre.Buffered() > 0 {
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
	raceSync()
	return n, nil
}

// read is one try of Read on the socket fd: false to wait until it is
// readable and try again.
func (c *Conn) read(fd uintptr) bool {
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
func (c *Conn) Write(b []byte) (int, error) {
	if len(b) > rawMax || len(b) == 0 {
		return c.Conn.Write(b)
	}
	raceSync()
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
func (c *Conn) write(fd uintptr) bool {
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
func (c *Conn) opError(op string, errno syscall.Errno) error {
	return &net.OpError{Op: op, Net: c.LocalAddr().Network(), Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: os.NewSyscallError(op, errno)}
}

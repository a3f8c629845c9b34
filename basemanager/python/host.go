// host.go is the one small interface between the manager's server and its
// Python front door: what the door needs of the server (Server, Session,
// Object), which package basemanager implements, and the door itself
// (FrontDoor), which the server calls for a connection that speaks
// Python's protocol.

package python

import (
	"bufio"
	"context"
	"encoding/binary"
	"gomanager/basemanager/internal/rawio"
	"net"
	"sync"

	"gomanager/basemanager/internal/connection"
)

// Server is what the front door needs of a manager's server.
type Server interface {
	Address() string            // the "host:port" it listens on
	Epoch() uint64              // this run of the server, part of every ident
	Context() context.Context   // cancelled when the server stops
	Config() *connection.Config // the message limit and the logger
	NewSession(ctx context.Context, conn net.Conn) Session
	Object(id uint64) (Object, bool)
	Objects() []Object // every object, in id order
	// Callable returns what typeid was registered with (nil if declared
	// without a callable), and whether it was registered at all.
	Callable(typeid string) (callable any, registered bool)
	// Retain takes one reference to the object with id on behalf of the
	// Python clients, unless it is gone; Release drops one.
	Retain(id uint64) bool
	Release(id uint64)
}

// Session is one connection of a Python client thread: the caller the
// shared objects see (a lock's holder), whose holds End releases.
type Session interface {
	Context() context.Context // carries the caller; cancelled when the connection ends
	// Create makes an object with typeid's callable and args, with one
	// reference that belongs to the Python clients, not to the session.
	Create(typeid string, args []any) (Object, error)
	// Share shares v as a new object of typeid (method_to_typeid), with one
	// reference as Create's; nil if v is nil.
	Share(typeid string, v any) (Object, error)
	// Begin and Finish count a request running, with its outcome (a
	// '#RETURN' or not): a graceful shutdown waits for them, and the debug
	// page shows them.
	Begin()
	Finish(failed bool)
	End()
}

// Object is one shared object of the server.
type Object interface {
	ID() uint64
	Typeid() string
	Referent() any     // the shared value itself
	Exposed() []string // the Go names a Go proxy may call, sorted
	IsExposed(goName string) bool
	// ResultTypeid is the typeid a method's result is shared as
	// (method_to_typeid), if it has one.
	ResultTypeid(goName string) (string, bool)
	// Lock and Unlock serialize calls, unless the object's typeid does
	// its own locking (Concurrent).
	Lock()
	Unlock()
	// Call runs a method by its Go name, or the __str__, __repr__ and
	// #GETVALUE requests, as a Go proxy's call would; the caller holds
	// the lock.
	Call(ctx context.Context, goName string, args []any) (any, error)
	Str() string // str(referent); the caller holds the lock
	Refs() int   // references held, by Go and Python clients
	// Hold keeps alive the objects named by the proxies among vals, the
	// arguments of a call that may store them in this object; the call
	// runs settle when it has returned, which decides what the object
	// keeps, as for a Go client's call (Python's id_to_local_proxy_obj).
	// A call with no proxies runs it too: it may have removed some.
	Hold(vals []any) (settle func())
}

// methodError is how the server reports a method's own failure, a
// returned error or a panic, apart from a failure of the call itself.
type methodError interface {
	error
	MethodError() (msg string, panicked bool, stack string)
}

// FrontDoor serves a server's Python clients: one per server.
type FrontDoor struct {
	srv Server

	mu   sync.Mutex     // guards refs; taken before the server's own lock
	refs map[uint64]int // references held by Python clients, by object id
}

// NewFrontDoor returns the front door of srv.
func NewFrontDoor(srv Server) *FrontDoor {
	return &FrontDoor{srv: srv, refs: map[uint64]int{}}
}

// Peek reads ahead on an authenticated connection, without consuming
// anything, to tell whether the peer speaks Python's protocol: its first
// frame holds a pickle, whose first byte is PROTO (0x80), where a Go
// client's first frame starts with the codec's kind byte, never 0x80. The
// returned connection reads the peeked bytes first, and on Linux reads
// and writes with raw system calls (package rawio). A first frame whose
// length is 0, negative or over max goes the Go way, where the codec
// refuses it. On Linux it first has the handshake's last message
// acknowledged at once (quickAck), so that a Python client's first request
// is not held back 40 ms.
func Peek(conn net.Conn, max int) (net.Conn, bool, error) {
	quickAck(conn)
	br := bufio.NewReaderSize(conn, 64)
	hdr, err := br.Peek(4)
	if err != nil {
		return nil, false, err
	}
	n := int32(binary.BigEndian.Uint32(hdr))
	if n <= 0 || int(n) > max {
		return rawio.Wrap(conn, br), false, nil
	}
	first, err := br.Peek(5)
	if err != nil {
		return nil, false, err
	}
	return rawio.Wrap(conn, br), first[4] == 0x80, nil
}

// errors.go holds the errors a proxy call can return: Python's RemoteError
// and the exceptions managers.py raises for unknown typeids and methods.

package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/rpc"
	"strings"

	"gomanager/proxy/wire"
)

// Sentinel errors. Errors returned by proxies wrap one of these, so callers
// can test them with errors.Is on their side of the wire.
var (
	// ErrUnknownTypeid: no callable is registered under the typeid, on this
	// side (Get fails locally) or on the server.
	ErrUnknownTypeid = errors.New("unknown typeid")

	// ErrNoSuchMethod: the method does not exist, is not exported, or is not
	// in the typeid's exposed list (Python's AttributeError / "method not exposed").
	ErrNoSuchMethod = errors.New("no such method")

	// ErrBadArgument: the call has the wrong number or types of arguments for
	// the method or callable (Python's TypeError).
	ErrBadArgument = errors.New("bad argument")

	// ErrNoSuchObject: the server holds no object with the proxy's id, usually
	// because every reference to it was released (Python's KeyError on the ident).
	ErrNoSuchObject = errors.New("no such shared object")

	// ErrConnectionLost: the connection to the manager is gone (the server
	// stopped or died, or the manager was shut down).
	ErrConnectionLost = errors.New("connection to manager lost")

	// ErrClosed: the proxy was closed with Close and cannot be used.
	ErrClosed = errors.New("proxy closed")

	// Errors of the shared types (SyncManager's typeids). They travel across
	// the wire: a *RemoteError from a shared type's method unwraps to them.

	// ErrEmpty: Queue.Get found no item in time (Python's queue.Empty).
	ErrEmpty = errors.New("queue empty")
	// ErrFull: Queue.Put found no room in time (Python's queue.Full).
	ErrFull = errors.New("queue full")
	// ErrShutDown: the queue was shut down with Queue.Shutdown: Put fails,
	// and Get once the queue is empty (Python 3.13's queue.ShutDown).
	ErrShutDown = errors.New("queue shut down")
	// ErrBrokenBarrier: the barrier was aborted, reset or timed out while
	// waiting (Python's threading.BrokenBarrierError).
	ErrBrokenBarrier = errors.New("broken barrier")
	// ErrNotOwner: releasing a lock this handle does not hold, or waiting on
	// or notifying a condition without holding it (Python's RuntimeError).
	ErrNotOwner = errors.New("not the owner")
	// ErrReleasedTooMany: a BoundedSemaphore released above its initial value
	// (Python's ValueError "Semaphore released too many times").
	ErrReleasedTooMany = errors.New("semaphore released too many times")
	// ErrChangedDuringIteration: the dict changed size while an iterator
	// walked it (Python's RuntimeError).
	ErrChangedDuringIteration = errors.New("changed during iteration")
	// ErrKeyNotFound: no such key in a dict, attribute in a namespace, or
	// index in a list (Python's KeyError, AttributeError, IndexError).
	ErrKeyNotFound = errors.New("key not found")
	// ErrStopIteration: an iterator is exhausted (Python's StopIteration).
	ErrStopIteration = errors.New("iteration stopped")
	// ErrAbandoned: a lock was acquired, but its previous holder's connection
	// ended without releasing it; what it protects may be inconsistent. The
	// acquire itself succeeded (like a Windows abandoned mutex).
	ErrAbandoned = errors.New("lock abandoned by a dead client")
	// ErrStaleProxy: the proxy's token comes from an earlier run of the
	// manager's server; the object it named is gone.
	ErrStaleProxy = errors.New("stale proxy: the manager restarted")
)

// wireCodes name the sentinels that travel across the wire, in the order
// a server tries them on an error (wire.CodeOf): the call's own failures,
// then the shared types' errors.
var wireCodes = []struct {
	code string
	err  error
}{
	{"unknown-typeid", ErrUnknownTypeid}, {"no-such-method", ErrNoSuchMethod},
	{"bad-argument", ErrBadArgument}, {"no-such-object", ErrNoSuchObject},
	{"empty", ErrEmpty}, {"full", ErrFull}, {"shut-down", ErrShutDown}, {"broken-barrier", ErrBrokenBarrier},
	{"not-owner", ErrNotOwner}, {"released-too-many", ErrReleasedTooMany},
	{"changed-during-iteration", ErrChangedDuringIteration}, {"key-not-found", ErrKeyNotFound},
	{"stop-iteration", ErrStopIteration}, {"abandoned", ErrAbandoned}, {"stale-proxy", ErrStaleProxy},
	{"canceled", context.Canceled}, {"deadline-exceeded", context.DeadlineExceeded},
}

func init() {
	for _, c := range wireCodes {
		wire.RegisterCode(c.code, c.err)
	}
}

// RemoteError is an error raised by the referent's own code on the server:
// a method that returned a non-nil error, or panicked. It mirrors Python's
// RemoteError, and also Python's '#ERROR' replies: when the server-side error
// wrapped a sentinel registered with the wire package (such as ErrEmpty),
// RemoteError unwraps to it, so errors.Is works across processes.
type RemoteError struct {
	Typeid  string // the typeid of the shared object
	Method  string // the method that failed
	Message string // the error's text on the server (or the panic value)
	Panic   bool   // the method panicked rather than returning an error
	Stack   string // the server goroutine's stack at the panic, if Panic

	sentinel error
}

// Error is one line: the method, and the panic value or the error's text.
// The server's stack of a panic is in Stack, and printed by %+v.
func (e *RemoteError) Error() string {
	if e.Panic {
		return fmt.Sprintf("proxy: %s.%s panicked in the manager: %s", e.Typeid, e.Method, firstLine(e.Message))
	}
	return fmt.Sprintf("proxy: %s.%s failed in the manager: %s", e.Typeid, e.Method, e.Message)
}

// Format prints Error, and with %+v the server's stack after it, between
// dashed lines, as Python prints a RemoteError.
func (e *RemoteError) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('+') && e.Panic:
		dashes := strings.Repeat("-", 75)
		fmt.Fprintf(f, "proxy: %s.%s panicked in the manager: %s\n%s\n%s%s", e.Typeid, e.Method, e.Message, dashes, e.Stack, dashes)
	case verb == 'q':
		fmt.Fprintf(f, "%q", e.Error())
	default:
		fmt.Fprint(f, e.Error())
	}
}

// firstLine cuts a panic value's text at its first line break.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}

// Unwrap returns the sentinel error the server-side error wrapped, if any.
func (e *RemoteError) Unwrap() error { return e.sentinel }

// callError is a failure of the call itself (bad method, bad arguments, ...),
// reported by the server with its own message and a sentinel.
type callError struct {
	msg      string
	sentinel error
}

func (e *callError) Error() string { return e.msg }
func (e *callError) Unwrap() error { return e.sentinel }

// fromWire rebuilds an error the server sent in a reply.
func fromWire(e *wire.Error) error {
	sentinel := wire.Sentinel(e.Code)
	if e.Remote {
		return &RemoteError{Typeid: e.Typeid, Method: e.Method, Message: e.Message,
			Panic: e.Panic, Stack: e.Stack, sentinel: sentinel}
	}
	return &callError{msg: e.Message, sentinel: sentinel}
}

// transportError explains a failure of net/rpc itself on a request to the
// manager at address: the connection broke (the error wraps
// ErrConnectionLost), or the rpc layer refused the request.
func transportError(op, address string, err error) error {
	if connectionLost(err) {
		return fmt.Errorf("proxy: %s: manager at %s is unreachable (has it stopped? Connect again to get new proxies): %w: %w",
			op, address, ErrConnectionLost, err)
	}
	return fmt.Errorf("proxy: %s: %w", op, err)
}

// connectionLost reports whether an error from net/rpc means the connection
// is gone: closed (rpc.ErrShutdown, EOF) or broken under a call in flight
// (a network error: a reset, or a read from a connection closed meanwhile).
func connectionLost(err error) bool {
	var netErr net.Error
	return errors.Is(err, rpc.ErrShutdown) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &netErr)
}

// errors.go holds the manager's own errors: Python's AuthenticationError and
// ProcessError states, and how an error raised by a shared object's method
// travels back to the caller (Python's RemoteError, '#ERROR' replies).
// Errors from calls on shared objects are in package proxy.

package basemanager

import (
	"errors"
	"fmt"

	"gomanager/basemanager/internal/connection"
	"gomanager/proxy"
	"gomanager/proxy/wire"
)

// Sentinel errors returned by managers and servers; test them with errors.Is.
var (
	// ErrAuthentication: the handshake failed, usually because the two sides
	// use different authkeys (Python's AuthenticationError).
	ErrAuthentication = connection.ErrAuthentication

	// ErrInsecureAddress: a server without an authkey was asked to listen on
	// an address other than loopback.
	ErrInsecureAddress = errors.New("insecure address")

	// ErrNotConnected: the manager has no connection yet; call Connect or Start.
	ErrNotConnected = errors.New("manager not connected")

	// ErrShutDown: the manager was shut down and cannot be used again
	// (Python's ProcessError "Manager has shut down").
	ErrShutDown = errors.New("manager has shut down")

	// ErrTooManyConnections: the server refused the connection because it has
	// as many as WithMaxConnections allows.
	ErrTooManyConnections = connection.ErrTooManyConnections

	// ErrMessageTooLarge: a peer sent, or a caller tried to send, a message
	// larger than the limit set with WithMaxMessageSize. The connection is
	// closed.
	ErrMessageTooLarge = connection.ErrMessageTooLarge

	// ErrAlreadyStarted: the manager already has its server (Start or
	// GetServer was called): it cannot start another, or register more
	// typeids for it (Python's ProcessError "Already started server").
	ErrAlreadyStarted = errors.New("manager already started")
)

// remoteError is an error raised by user code on the server: a method or
// callable that returned an error, or panicked. The client sees it as a
// *proxy.RemoteError.
type remoteError struct {
	typeid, method, msg, stack string
	err                        error
	panic                      bool
}

func (e *remoteError) Error() string { return e.typeid + "." + e.method + ": " + e.msg }
func (e *remoteError) Unwrap() error { return e.err }

// MethodError tells the Python front door what the method raised.
func (e *remoteError) MethodError() (msg string, panicked bool, stack string) {
	return e.msg, e.panic, e.stack
}

// toWire packs an error for the caller's side of the connection.
func toWire(err error) *wire.Error {
	if err == nil {
		return nil
	}
	we := &wire.Error{Code: wire.CodeOf(err), Message: err.Error()}
	var re *remoteError
	if errors.As(err, &re) {
		we.Remote, we.Typeid, we.Method, we.Message = true, re.typeid, re.method, re.msg
		we.Panic, we.Stack = re.panic, re.stack
	}
	return we
}

// notConnected explains why op needs a connection the manager lacks.
func (m *Manager) notConnected(op string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.shutDown {
		return fmt.Errorf("basemanager: %s: %w", op, ErrShutDown)
	}
	return fmt.Errorf("basemanager: %s: %w (call Connect or Start first)", op, ErrNotConnected)
}

// rpcError explains a failed request of the manager's own.
func rpcError(op, address string, err error) error {
	return proxy.Link{}.RequestError(op, address, err)
}

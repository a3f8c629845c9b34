// errors.go holds the manager's own errors: Python's AuthenticationError and
// ProcessError states. Errors from calls on shared objects are in package proxy.

package basemanager

import "errors"

// Sentinel errors returned by managers and servers; test them with errors.Is.
var (
	// ErrAuthentication: the handshake failed, usually because the two sides
	// use different authkeys (Python's AuthenticationError).
	ErrAuthentication = errors.New("authentication failed")

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
	ErrTooManyConnections = errors.New("too many connections")

	// ErrAlreadyStarted: Start was called twice (Python's ProcessError
	// "Already started server").
	ErrAlreadyStarted = errors.New("manager already started")
)

// proxy.go mirrors BaseProxy in Python's managers.py: a local stand-in for
// an object that lives in a manager's server. _callmethod sends the method
// name and arguments and returns a copy of the result; str and repr; and
// the reference a proxy holds, released by Close.

package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/rpc"
	"runtime"
	"sync/atomic"

	"gomanager/proxy/wire"
)

// Proxy represents one shared object (the referent) held by a manager. It is
// a thin struct around the manager connection's *rpc.Client: every method
// call is one rpc round trip to the service's Call method, which runs the
// referent's method on the server and sends back a copy of the result.
//
// A Proxy holds one counted reference to its referent; Close releases it.
// A proxy dropped without Close releases it when the garbage collector
// finds it unreachable, as Python's proxies do when they are collected.
// A Proxy is safe for concurrent use by many goroutines: net/rpc multiplexes
// their calls over the one connection.
type Proxy struct {
	client  *rpc.Client
	epoch   func() uint64 // the manager's server's epoch now, to tell a restarted server from a gone one; may be nil
	token   Token
	ref     uint64   // this proxy's reference on the server, released by Close
	exposed []string // methods the server lets this proxy call, sorted
	closed  atomic.Bool

	releaser *Releaser       // releases ref if the proxy is collected without Close (release.go)
	cleanup  runtime.Cleanup // the garbage collector's release, cancelled by Close
}

// CallMethod calls the named method of the referent with args and returns a
// copy of its result: Python's proxy._callmethod(name, args).
//
// A method with no results returns nil; one result is returned as is; several
// come back as []any. A method whose last result is an error reports it as a
// *RemoteError. Method names are Go's: "Capitalize", not "capitalize".
func (p *Proxy) CallMethod(method string, args ...any) (any, error) {
	return p.CallMethodContext(context.Background(), method, args...)
}

// CallMethodContext is like CallMethod but gives up when ctx is done. The
// server is asked to cancel the call: a method that takes a context (every
// blocking method of the shared types) stops waiting, and CallMethodContext
// returns ctx.Err(). If the call completed anyway, its result is returned,
// so an operation that happened is never reported as not having happened.
// The connection stays usable.
func (p *Proxy) CallMethodContext(ctx context.Context, method string, args ...any) (any, error) {
	if err := p.usable(method); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("proxy: %s: %w", p.op(method), err)
	}
	vals, err := wire.Encode(args)
	if err != nil {
		return nil, fmt.Errorf("proxy: %s: encoding arguments: %w", p.op(method), err)
	}
	req := wire.Request{ID: p.token.ID, Epoch: p.token.Epoch, Ref: p.ref, Method: method, Args: vals}
	cs, err := p.roundTrip(ctx, req) // call.go: one "Manager.Call" request
	if err != nil {
		return nil, err
	}
	defer cs.release()
	v, err := p.resultOf(method, &cs.reply) // call.go: the method's error, or a copy of its result
	runtime.KeepAlive(p)                    // collected only once its call is over
	return v, err
}

// op names a call in errors, e.g. "get_my_string.Capitalize". It is only
// built when there is an error to report.
func (p *Proxy) op(method string) string { return p.token.Typeid + "." + method }

// usable reports why the proxy cannot make calls of method, if it cannot.
func (p *Proxy) usable(method string) error {
	switch {
	case p.closed.Load():
		return fmt.Errorf("proxy: %s: %w (get a new proxy from the manager)", p.op(method), ErrClosed)
	case p.client == nil:
		return fmt.Errorf("proxy: %s: %w: this proxy was decoded from data and has no connection "+
			"(rebuild it with the manager's Rebuild(token))", p.op(method), ErrClosed)
	}
	return nil
}

// Call calls method on the referent and returns its result as a T: a typed
// form of CallMethod for writing typed proxies.
//
//	s, err := proxy.Call[string](p, "Capitalize")
func Call[T any](p *Proxy, method string, args ...any) (T, error) {
	return CallContext[T](context.Background(), p, method, args...)
}

// CallContext is Call with a context, like CallMethodContext.
func CallContext[T any](ctx context.Context, p *Proxy, method string, args ...any) (T, error) {
	v, err := p.CallMethodContext(ctx, method, args...)
	if t, ok := v.(T); ok || err != nil {
		return t, err // the error's zero T, or a T as is: no name built for errors
	}
	return As[T](v, p.op(method))
}

// String returns the referent's String() (or its fmt form) computed on the
// server: Python's str(proxy). fmt.Println(p) prints it.
func (p *Proxy) String() string {
	s, err := Call[string](p, wire.MethodStr)
	if err != nil {
		return p.Repr()[:len(p.Repr())-1] + "; String() failed: " + err.Error() + ">"
	}
	return s
}

// Repr describes the proxy itself, not the referent: Python's repr(proxy).
//
//	<Proxy[get_my_string] object, typeid 'get_my_string' id 1 at 127.0.0.1:43127>
func (p *Proxy) Repr() string {
	return fmt.Sprintf("<Proxy[%s] object, typeid '%s' id %d at %s>",
		p.token.Typeid, p.token.Typeid, p.token.ID, p.token.Address)
}

// GoString makes %#v print Repr.
func (p *Proxy) GoString() string { return p.Repr() }

// GetValue returns a copy of the referent: Python's proxy._getvalue().
// Changing the copy changes nothing on the server.
func (p *Proxy) GetValue() (any, error) {
	return p.CallMethod(wire.MethodGetValue)
}

// Token returns the token that identifies the referent.
func (p *Proxy) Token() Token { return p.token }

// Exposed returns the names of the methods this proxy may call.
func (p *Proxy) Exposed() []string { return append([]string(nil), p.exposed...) }

// Close releases this proxy's reference to the referent: Python's
// proxy._decref, run when a proxy is garbage collected. The server frees
// the referent when no reference is left. Close is idempotent; after it,
// calls fail with ErrClosed. If the connection is already gone, the server
// has dropped the reference itself and Close returns nil.
func (p *Proxy) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	p.cleanup.Stop()     // released here, not again when collected
	runtime.KeepAlive(p) // reachable across Stop: the cleanup is cancelled, never queued
	op := p.token.Typeid + ".Close"
	if p.client == nil {
		return nil
	}
	err := p.client.Call(wire.ServiceName+".Decref", &wire.RefRequest{ID: p.token.ID, Ref: p.ref}, &wire.Empty{})
	if err != nil {
		if err = p.transportError(op, err); errors.Is(err, ErrConnectionLost) {
			return nil // the server dropped the connection's references itself
		}
	}
	return err
}

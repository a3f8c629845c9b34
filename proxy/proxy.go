// proxy.go mirrors BaseProxy in Python's managers.py: a local stand-in for
// an object that lives in a manager's server.

package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/rpc"
	"reflect"
	"sync/atomic"

	"gomanager/proxy/wire"
)

// Proxy represents one shared object (the referent) held by a manager. It is
// a thin struct around the manager connection's *rpc.Client: every method
// call is one rpc round trip to the service's Call method, which runs the
// referent's method on the server and sends back a copy of the result.
//
// A Proxy holds one counted reference to its referent; Close releases it.
// A Proxy is safe for concurrent use by many goroutines: net/rpc multiplexes
// their calls over the one connection.
type Proxy struct {
	client  *rpc.Client
	token   Token
	ref     uint64   // this proxy's reference on the server, released by Close
	exposed []string // methods the server lets this proxy call, sorted
	closed  atomic.Bool
}

// New returns a proxy for the object named by token, reachable through
// client, holding the server-side reference ref. Managers call it; most
// code gets proxies from basemanager's Manager.Get.
func New(client *rpc.Client, token Token, ref uint64, exposed []string) *Proxy {
	return &Proxy{client: client, token: token, ref: ref, exposed: exposed}
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

// CallMethodContext is like CallMethod but gives up waiting when ctx is done,
// returning ctx.Err(). The connection stays usable.
func (p *Proxy) CallMethodContext(ctx context.Context, method string, args ...any) (any, error) {
	op := p.token.Typeid + "." + method
	if p.closed.Load() {
		return nil, fmt.Errorf("proxy: %s: %w (get a new proxy from the manager)", op, ErrClosed)
	}
	vals, err := wire.Encode(args)
	if err != nil {
		return nil, fmt.Errorf("proxy: %s: encoding arguments: %w", op, err)
	}
	req := wire.Request{ID: p.token.ID, Ref: p.ref, Method: method, Args: vals}
	var reply wire.Reply
	if err := p.call(ctx, op, "Call", &req, &reply); err != nil {
		return nil, err
	}
	if reply.Err != nil {
		return nil, FromWire(reply.Err)
	}
	results, err := reply.Result.Decode()
	if err != nil {
		return nil, fmt.Errorf("proxy: %s: decoding result: %w", op, err)
	}
	if len(results) == 0 {
		return nil, nil
	}
	return results[0], nil
}

// call runs one request of the manager's rpc service, honouring ctx.
func (p *Proxy) call(ctx context.Context, op, method string, args, reply any) error {
	c := p.client.Go(wire.ServiceName+"."+method, args, reply, make(chan *rpc.Call, 1))
	select {
	case <-c.Done:
		if c.Error != nil {
			return transportError(op, p.token, c.Error)
		}
		return nil
	case <-ctx.Done():
		// net/rpc delivers the late reply to c.Done, which has room for it.
		return fmt.Errorf("proxy: %s: %w", op, ctx.Err())
	}
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
	var zero T
	v, err := p.CallMethodContext(ctx, method, args...)
	if err != nil {
		return zero, err
	}
	return As[T](v, p.token.Typeid+"."+method)
}

// As converts a value that came back from a call to T. Numbers convert
// between Go's numeric types when the value fits exactly. op names the call
// for the error message.
func As[T any](v any, op string) (T, error) {
	var zero T
	if v == nil {
		return zero, nil
	}
	if t, ok := v.(T); ok {
		return t, nil
	}
	want := reflect.TypeFor[T]()
	if rv, ok := convertNumber(reflect.ValueOf(v), want); ok {
		return rv.Interface().(T), nil
	}
	return zero, fmt.Errorf("proxy: %s returned %T, not %s", op, v, want)
}

// convertNumber converts v to type want when both are numbers and the value
// survives the round trip unchanged.
func convertNumber(v reflect.Value, want reflect.Type) (reflect.Value, bool) {
	if !isNumber(v.Kind()) || !isNumber(want.Kind()) {
		return reflect.Value{}, false
	}
	out := v.Convert(want)
	if !out.Convert(v.Type()).Equal(v) {
		return reflect.Value{}, false
	}
	return out, true
}

func isNumber(k reflect.Kind) bool {
	return reflect.Int <= k && k <= reflect.Float64
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
	op := p.token.Typeid + ".Close"
	var reply wire.Empty
	err := p.call(context.Background(), op, "Decref", &wire.RefRequest{ID: p.token.ID, Ref: p.ref}, &reply)
	if errors.Is(err, ErrConnectionLost) {
		return nil
	}
	return err
}

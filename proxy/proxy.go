// proxy.go mirrors BaseProxy in Python's managers.py: a local stand-in for
// an object that lives in a manager's server.

package proxy

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"net/rpc"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

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
	source  EpochSource // the manager, to tell a restarted server from a gone one; may be nil
	token   Token
	ref     uint64   // this proxy's reference on the server, released by Close
	exposed []string // methods the server lets this proxy call, sorted
	closed  atomic.Bool
}

// New returns a proxy for the object named by token, reachable through
// client, holding the server-side reference ref. source, if not nil, is the
// manager the proxy came from. Managers call New; most code gets proxies
// from basemanager's Manager.Get.
func New(client *rpc.Client, token Token, ref uint64, exposed []string, source EpochSource) *Proxy {
	return &Proxy{client: client, token: token, ref: ref, exposed: exposed, source: source}
}

// EpochSource reports the epoch of the server a manager is connected to now
// (0 when it is not connected). A proxy whose connection broke asks it, so
// that after the manager reconnects to a restarted server the proxy's calls
// fail with ErrStaleProxy rather than a bare ErrConnectionLost.
type EpochSource interface {
	Epoch() uint64
}

// transportError explains a failed request, telling a proxy from an
// earlier run of a restarted manager (ErrStaleProxy) from a lost connection.
func (p *Proxy) transportError(op string, err error) error {
	if connectionLost(err) && p.source != nil {
		if e := p.source.Epoch(); e != 0 && e != p.token.Epoch {
			return fmt.Errorf("proxy: %s: the manager at %s restarted, and the object this proxy named is gone "+
				"(get a new proxy from the manager): %w: %w", op, p.token.Address, ErrStaleProxy, ErrConnectionLost)
		}
	}
	return TransportError(op, p.token.Address, err)
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
	cs := callStates.Get().(*callState)
	cs.req = wire.Request{ID: p.token.ID, Epoch: p.token.Epoch, Ref: p.ref, Method: method, Args: vals}
	if ctx.Done() != nil {
		cs.req.Call = nextCall.Add(1)
	}
	req, reply := &cs.req, &cs.reply
	c := p.client.Go(wire.ServiceName+".Call", req, reply, cs.done)
	select {
	case <-c.Done:
	case <-ctx.Done():
		// Ask the server to stop the call, then learn how it ended: the
		// reply follows at once unless the server is wedged. The call
		// state is not reused: a reply may yet arrive into it.
		p.client.Go(wire.ServiceName+".Cancel", &wire.CancelRequest{Call: req.Call}, &wire.Empty{}, make(chan *rpc.Call, 1))
		t := time.NewTimer(cancelGrace)
		defer t.Stop()
		select {
		case <-c.Done:
			if c.Error != nil || reply.Err != nil {
				return nil, fmt.Errorf("proxy: %s: %w", p.op(method), ctx.Err())
			}
		case <-t.C:
			return nil, fmt.Errorf("proxy: %s: %w", p.op(method), ctx.Err())
		}
	}
	// The call is over: net/rpc is done with the call state, and nothing
	// below keeps a reference into it.
	defer cs.release()
	if c.Error != nil {
		return nil, p.transportError(p.op(method), c.Error)
	}
	if reply.Err != nil {
		return nil, FromWire(reply.Err)
	}
	results, err := reply.Result.Decode()
	if err != nil {
		return nil, fmt.Errorf("proxy: %s: decoding result: %w", p.op(method), err)
	}
	if len(results) == 0 {
		return nil, nil
	}
	p.adopt(results[0], reply.Grants)
	return results[0], nil
}

// op names a call in errors, e.g. "get_my_string.Capitalize". It is only
// built when there is an error to report.
func (p *Proxy) op(method string) string { return p.token.Typeid + "." + method }

// callState is what one call needs besides the arguments, kept for the
// next call: a call allocates none of it.
type callState struct {
	req   wire.Request
	reply wire.Reply
	done  chan *rpc.Call // buffered, empty between calls
}

var callStates = sync.Pool{New: func() any { return &callState{done: make(chan *rpc.Call, 1)} }}

// release returns cs to the pool, holding nothing of the call it served.
func (cs *callState) release() {
	cs.req, cs.reply = wire.Request{}, wire.Reply{}
	callStates.Put(cs)
}

// cancelGrace bounds the wait for a cancelled call's reply.
const cancelGrace = 2 * time.Second

// nextCall numbers calls that may be cancelled, process-wide.
var nextCall atomic.Uint64

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

// adopt turns the proxies decoded from a result into working ones: each
// gets this proxy's connection and one of the references the server took
// for it. Grants nobody claims are released.
func (p *Proxy) adopt(v any, grants []wire.Grant) {
	if len(grants) == 0 {
		return
	}
	wire.Each(v, func(q *Proxy) {
		if q.client != nil {
			return
		}
		for i, g := range grants {
			if g.ID == q.token.ID {
				q.client, q.ref, q.exposed, q.source = p.client, g.Ref, g.Exposed, p.source
				q.token.Address = p.token.Address // the address this side can reach
				grants = append(grants[:i], grants[i+1:]...)
				return
			}
		}
	})
	for _, g := range grants {
		p.client.Go(wire.ServiceName+".Decref", &wire.RefRequest{ID: g.ID, Ref: g.Ref}, &wire.Empty{}, make(chan *rpc.Call, 1))
	}
}

// call runs one control request of the manager's rpc service.
func (p *Proxy) call(op, method string, args, reply any) error {
	if err := p.client.Call(wire.ServiceName+"."+method, args, reply); err != nil {
		return p.transportError(op, err)
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
	if p.client == nil {
		return nil
	}
	var reply wire.Empty
	err := p.call(op, "Decref", &wire.RefRequest{ID: p.token.ID, Ref: p.ref}, &reply)
	if errors.Is(err, ErrConnectionLost) {
		return nil
	}
	return err
}

// GobEncode lets a proxy travel inside a value, for example stored in a
// shared dict: it travels as its token, like a pickled Python proxy. The
// server keeps the object alive while a shared object holds the proxy.
func (p *Proxy) GobEncode() ([]byte, error) {
	t := p.token
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(wire.ProxyRef{Typeid: t.Typeid, Address: t.Address, ID: t.ID, Epoch: t.Epoch})
	return buf.Bytes(), err
}

// GobDecode rebuilds a proxy from its token. The result has no connection
// until the side that received it attaches one (replies do this by themselves).
func (p *Proxy) GobDecode(b []byte) error {
	var r wire.ProxyRef
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&r); err != nil {
		return err
	}
	p.token = Token{Typeid: r.Typeid, Address: r.Address, ID: r.ID, Epoch: r.Epoch}
	return nil
}

func init() { gob.Register(&Proxy{}) }

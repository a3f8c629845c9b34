// call.go is the machinery under Proxy.CallMethodContext: the round trip
// itself, with a pooled call state so that a call allocates no request,
// reply or channel; asking the server to cancel a call whose context is
// done; attaching the proxies a result carries; and converting results.

package proxy

import (
	"context"
	"fmt"
	"net/rpc"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"gomanager/proxy/wire"
)

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

// roundTrip sends req to the service's Call method and waits for the
// reply, in a pooled call state the caller releases once it has read the
// reply. If ctx is done first, it asks the server to cancel the call.
func (p *Proxy) roundTrip(ctx context.Context, req wire.Request) (*callState, error) {
	cs := callStates.Get().(*callState)
	cs.req = req
	if ctx.Done() != nil {
		cs.req.Call = nextCall.Add(1)
	}
	c := p.client.Go(wire.ServiceName+".Call", &cs.req, &cs.reply, cs.done)
	select {
	case <-c.Done:
	case <-ctx.Done():
		// Ask the server to stop the call, then learn how it ended: the
		// reply follows at once unless the server is wedged. The call
		// state is not reused: a reply may yet arrive into it.
		p.client.Go(wire.ServiceName+".Cancel", &wire.CancelRequest{Call: cs.req.Call}, &wire.Empty{}, make(chan *rpc.Call, 1))
		t := time.NewTimer(cancelGrace)
		defer t.Stop()
		select {
		case <-c.Done:
			if c.Error != nil || cs.reply.Err != nil {
				return nil, fmt.Errorf("proxy: %s: %w", p.op(req.Method), ctx.Err())
			}
		case <-t.C:
			return nil, fmt.Errorf("proxy: %s: %w", p.op(req.Method), ctx.Err())
		}
	}
	// The call is over: net/rpc is done with the call state.
	if c.Error != nil {
		err := p.transportError(p.op(req.Method), c.Error)
		cs.release()
		return nil, err
	}
	return cs, nil
}

// resultOf turns the reply to a call of method into what the caller gets:
// the error the referent's method returned, or a copy of its result, with
// the proxies it carries adopted. A method with no results gives nil.
func (p *Proxy) resultOf(method string, reply *wire.Reply) (any, error) {
	if reply.Err != nil {
		return nil, fromWire(reply.Err)
	}
	results, err := reply.Result.Decode() // a copy of the result
	if err != nil {
		return nil, fmt.Errorf("proxy: %s: decoding result: %w", p.op(method), err)
	}
	if len(results) == 0 {
		return nil, nil
	}
	p.adopt(results[0], reply.Grants)
	return results[0], nil
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
				q.client, q.ref, q.exposed, q.epoch = p.client, g.Ref, g.Exposed, p.epoch
				q.token.Address = p.token.Address // the address this side can reach
				q.releaseWhenCollected(p.releaser)
				grants = append(grants[:i], grants[i+1:]...)
				return
			}
		}
	})
	for _, g := range grants {
		p.client.Go(wire.ServiceName+".Decref", &wire.RefRequest{ID: g.ID, Ref: g.Ref}, &wire.Empty{}, make(chan *rpc.Call, 1))
	}
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
	if rv, ok := wire.ConvertNumber(reflect.ValueOf(v), want); ok {
		return rv.Interface().(T), nil
	}
	return zero, fmt.Errorf("proxy: %s returned %T, not %s", op, v, want)
}

// batch.go sends many calls in one go: a Batch collects calls on the
// proxies of one manager connection, Do sends them back to back in one
// write and collects every reply, and each call's Future holds its own
// result or error. Python's managers have no counterpart: there every
// call is a round trip of its own.

package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/rpc"
	"sync"
	"sync/atomic"
	"time"

	"gomanager/proxy/wire"
)

// Errors of batches. A Future's or Do's error wraps one of these when the
// batch itself was misused.
var (
	// ErrNotDone: a Future was read before its batch's Do returned.
	ErrNotDone = errors.New("batch not done")
	// ErrBatchSent: Do was called again, or a call was added after Do.
	ErrBatchSent = errors.New("batch already sent")
	// ErrMixedManagers: a batch holds calls on proxies of two manager
	// connections; a batch goes over one.
	ErrMixedManagers = errors.New("batch mixes manager connections")
)

// Batch collects calls to send together: Do sends them all back to back,
// in one write to the manager's connection, and waits for every reply. A
// thousand calls then cost about one round trip, not a thousand.
//
//	b := proxy.NewBatch()
//	x := proxy.Later[int](b, d.Proxy, "Get", "x")   // d[x], queued, not sent
//	n := proxy.Later[int](b, l.Proxy, "Len")        // len(l)
//	if err := b.Do(ctx); err != nil { ... }         // the connection failed, or ctx ended
//	v, err := x.Get()                               // d[x], or its own error (ErrKeyNotFound...)
//
// Calls in a batch are pipelined, not atomic: the server runs them as it
// would run as many calls from as many goroutines, concurrently and in no
// set order, and each keeps its own result or error. Put a call that must
// see another's effect (a Get after a Set) in a later batch. A batch is
// not a transaction either: other clients' calls may run between its
// calls.
//
// Every call of a batch must go over one manager connection: proxies from
// one Manager (made since its last Connect), and proxies read back through
// them. A call on a proxy of another connection fails with
// ErrMixedManagers, and so does Do.
//
// A Batch is sent once. Later and Do may be called from several
// goroutines; Futures are read after Do has returned. The zero Batch is
// ready to use.
type Batch struct {
	mu    sync.Mutex // guards the fields below
	calls []*batchCall
	first *batchCall // the first call on a connected proxy: the batch uses its connection
	mixed error      // the first call on another connection, if any
	sent  bool       // Do has been called

	done atomic.Bool // Do has returned: every call's outcome is set
}

// NewBatch returns an empty batch.
func NewBatch() *Batch { return &Batch{} }

// Future is the result of one call of a Batch, available once the
// batch's Do has returned.
type Future[T any] struct {
	call batchCall
}

// batchCall is one call of a batch. Only Do writes its outcome (result
// and err, or err set before Do by Later), before it marks the batch done.
type batchCall struct {
	b      *Batch
	p      *Proxy
	req    wire.Request
	reply  wire.Reply
	body   batchRequest // what net/rpc sends: req, and whether more of the batch follow
	over   bool         // its reply has been taken, or given up on
	result any
	err    error
}

// batchRequest is a request body that tells the codec whether more of its
// batch follow at once, so that the codec sends the whole batch in one
// write (MoreFollows; see the codec's batchedMessage). It encodes as the
// Request it holds.
type batchRequest struct {
	*wire.Request
	more bool
	call *batchCall
}

// MoreFollows reports whether more requests of the batch follow this one
// at once.
func (r *batchRequest) MoreFollows() bool { return r.more }

// op names the call in errors, e.g. "dict.Get".
func (c *batchCall) op() string {
	if c.p == nil {
		return "<nil proxy>." + c.req.Method
	}
	return c.p.op(c.req.Method)
}

// Later adds a call of method on p's referent, with args, to b, and
// returns its Future: the typed form of CallMethod, sent by b's Do. The
// Future's Get then returns what Call[T] would have returned.
//
// A call that cannot be sent fails in its Future: arguments that do not
// encode, a proxy of another manager connection than the batch's earlier
// calls (ErrMixedManagers; Do then fails too), a batch already sent
// (ErrBatchSent); a proxy closed by the time Do runs fails with ErrClosed.
func Later[T any](b *Batch, p *Proxy, method string, args ...any) *Future[T] {
	f := &Future[T]{}
	b.add(&f.call, p, method, args)
	return f
}

// laterEach adds to b a call of method on p for each of args, with that
// one argument, and returns their futures: Later in bulk, for the typed
// handles' bulk methods (Dict.GetMany...), with one allocation for all
// the futures and one for all the argument lists.
func laterEach[T, A any](b *Batch, p *Proxy, method string, args []A) []Future[T] {
	fs := make([]Future[T], len(args))
	boxed := make([]any, len(args))
	for i, a := range args {
		boxed[i] = a
		b.add(&fs[i].call, p, method, boxed[i:i+1:i+1])
	}
	return fs
}

// add fills in c and appends it to the batch, or sets its error.
func (b *Batch) add(c *batchCall, p *Proxy, method string, args []any) {
	c.b, c.p, c.req.Method = b, p, method
	if p == nil {
		c.err = fmt.Errorf("proxy: batch: %s called on a nil *Proxy (pass a proxy from the manager's Get)", method)
	} else if vals, err := wire.Encode(args); err != nil {
		c.err = fmt.Errorf("proxy: %s: encoding arguments: %w", c.op(), err)
	} else {
		c.req = wire.Request{ID: p.token.ID, Epoch: p.token.Epoch, Ref: p.ref, Method: method, Args: vals}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.sent:
		c.err = fmt.Errorf("proxy: %s: %w: add it to a batch not yet sent (make one with NewBatch)", c.op(), ErrBatchSent)
		return
	case c.err != nil || p.client == nil:
		// fails on its own: before sending (above), or as unusable in Do
	case b.first == nil:
		b.first = c
	case p.client != b.first.p.client:
		c.err = fmt.Errorf("proxy: %s: %w: its proxy is from a connection to the manager at %s, and the batch's "+
			"first call (%s) goes over another connection, to %s (make a batch per manager)",
			c.op(), ErrMixedManagers, p.token.Address, b.first.op(), b.first.p.token.Address)
		if b.mixed == nil {
			b.mixed = c.err
		}
	}
	b.calls = append(b.calls, c)
}

// Len returns the number of calls added to the batch.
func (b *Batch) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.calls)
}

// Do sends every call of the batch, back to back and in one write to the
// manager's connection, waits for all their replies, and sets each
// Future. It returns nil once every call sent was answered, whatever the
// calls' own results: a method's error (a missing key, a bad method
// name...) is its Future's, not Do's.
//
// Do fails, and sends nothing, if the batch mixes manager connections
// (ErrMixedManagers) or ctx is already done. If the connection fails, Do returns the error (it
// wraps ErrConnectionLost) and so do the Futures of the calls it took
// down. If ctx ends first, Do asks the server to cancel the calls still
// running, as CallMethodContext does, waits a moment for their replies,
// and returns an error wrapping ctx.Err(): a call that completed anyway
// keeps its result, so an operation that happened is never reported as
// not having happened; the others fail with ctx's error.
//
// A Batch is sent once: Do again returns an error wrapping ErrBatchSent.
func (b *Batch) Do(ctx context.Context) error {
	b.mu.Lock()
	if b.sent {
		b.mu.Unlock()
		return fmt.Errorf("proxy: batch: Do: %w: a Batch is sent once (make another with NewBatch)", ErrBatchSent)
	}
	b.sent = true
	calls, mixed := b.calls, b.mixed
	b.mu.Unlock()
	defer b.done.Store(true) // after every outcome is set: Future.Get reads them after loading it

	ctxErr := ctx.Err()
	var send []*batchCall
	for _, c := range calls {
		switch {
		case c.err != nil: // failed when added
		case mixed != nil:
			c.err = fmt.Errorf("proxy: %s: not sent: %w", c.op(), mixed)
		case ctxErr != nil:
			c.err = fmt.Errorf("proxy: %s: not sent: %w", c.op(), ctxErr)
		default:
			if c.err = c.p.usable(c.req.Method); c.err == nil {
				send = append(send, c)
			}
		}
	}
	switch {
	case mixed != nil:
		return fmt.Errorf("proxy: batch: Do: nothing sent: %w", mixed)
	case ctxErr != nil:
		return fmt.Errorf("proxy: batch: Do: nothing sent: %w", ctxErr)
	case len(send) == 0:
		return nil
	}
	return b.roundTrip(ctx, send)
}

// roundTrip sends calls, all on one connection, and takes their replies.
func (b *Batch) roundTrip(ctx context.Context, calls []*batchCall) error {
	client := calls[0].p.client
	done := make(chan *rpc.Call, len(calls)) // room for every reply: net/rpc never blocks on it
	cancellable := ctx.Done() != nil
	// Each request but the last tells the codec that more follow: the
	// codec holds their frames, and the last one writes them all. So
	// nothing may stop this loop halfway.
	for i, c := range calls {
		if cancellable {
			c.req.Call = nextCall.Add(1)
		}
		c.body = batchRequest{Request: &c.req, more: i < len(calls)-1, call: c}
		client.Go(wire.ServiceName+".Call", &c.body, &c.reply, done)
	}

	var (
		left     = len(calls)
		lost     error // the first transport failure
		lostN    int
		ended    error // ctx's error, once it has ended
		ctxDone  = ctx.Done()
		giveUp   <-chan time.Time
		canceled []*batchCall
	)
	for left > 0 {
		var rc *rpc.Call
		if ctxDone == nil && giveUp == nil {
			rc = <-done // nothing else to wait for: cheaper than a select
		} else {
			select {
			case rc = <-done:
			case <-ctxDone:
				// Ask the server to stop the calls still running, then learn
				// how they ended: the replies follow at once unless the
				// server is wedged.
				ended, ctxDone = ctx.Err(), nil
				canceled = cancelRunning(client, calls)
				t := time.NewTimer(cancelGrace)
				defer t.Stop()
				giveUp = t.C
			case <-giveUp:
				giveUpOn(canceled, ended)
				left = 0
			}
		}
		if rc == nil {
			continue
		}
		left--
		c := rc.Args.(*batchRequest).call
		c.over = true
		if err := c.finish(rc.Error, ended); err != nil && ended == nil {
			if lost == nil {
				lost = err
			}
			lostN++
		}
	}
	switch {
	case ended != nil:
		return fmt.Errorf("proxy: batch: the context ended with %d of %d calls unanswered, and the server was "+
			"asked to cancel them (calls that completed keep their results): %w", len(canceled), len(calls), ended)
	case lost != nil:
		return fmt.Errorf("proxy: batch: %d of %d calls got no reply: %w", lostN, len(calls), lost)
	}
	return nil
}

// cancelRunning asks the server to cancel the calls not yet answered, and
// returns them.
func cancelRunning(client *rpc.Client, calls []*batchCall) []*batchCall {
	var running []*batchCall
	for _, c := range calls {
		if !c.over {
			running = append(running, c)
			client.Go(wire.ServiceName+".Cancel", &wire.CancelRequest{Call: c.req.Call}, &wire.Empty{}, make(chan *rpc.Call, 1))
		}
	}
	return running
}

// giveUpOn fails the calls still unanswered with ended, the context's
// error. net/rpc may yet write their replies, into their own reply, which
// nothing reads any more.
func giveUpOn(calls []*batchCall, ended error) {
	for _, c := range calls {
		if !c.over {
			c.over = true
			c.err = fmt.Errorf("proxy: %s: %w", c.op(), ended)
		}
	}
}

// finish sets the call's outcome from its reply, as CallMethodContext
// does; callErr is net/rpc's error for it, ended the batch context's
// error if it has ended. It returns the call's error if the call failed
// in transport, nil otherwise.
func (c *batchCall) finish(callErr, ended error) error {
	p := c.p
	switch {
	case ended != nil && (callErr != nil || c.reply.Err != nil):
		c.err = fmt.Errorf("proxy: %s: %w", c.op(), ended)
	case callErr != nil:
		c.err = p.transportError(c.op(), callErr)
		return c.err
	default:
		c.result, c.err = p.resultOf(c.req.Method, &c.reply)
	}
	c.reply = wire.Reply{} // the result is decoded: keep no bytes of it
	return nil
}

// Get returns the call's result as a T, or its own error, as Call[T]
// would have: a *RemoteError, or an error wrapping a sentinel (test it with
// errors.Is). Before the batch's Do has returned it fails with ErrNotDone.
// Get may be called any number of times, from any goroutine.
func (f *Future[T]) Get() (T, error) {
	var zero T
	c := &f.call
	if c.b == nil || !c.b.done.Load() {
		return zero, fmt.Errorf("proxy: %s: %w: read a Future after its batch's Do has returned", c.op(), ErrNotDone)
	}
	if c.err != nil {
		return zero, c.err
	}
	if v, ok := c.result.(T); ok {
		return v, nil // the usual case, without building As's op
	}
	return As[T](c.result, c.op())
}

// Err returns the call's own error, or nil if it succeeded: Get's error.
func (f *Future[T]) Err() error {
	_, err := f.Get()
	return err
}

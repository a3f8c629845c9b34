// release.go mirrors the finalizer BaseProxy registers in Python's
// managers.py (util.Finalize(self, BaseProxy._decref, ...)): a proxy the
// program forgot, unreachable without Close, gives its reference back when
// the garbage collector finds it, so a shared object nobody can reach is
// freed as it would be in Python.

package proxy

import (
	"net/rpc"
	"runtime"
	"sync"
	"sync/atomic"

	"gomanager/proxy/wire"
)

// A Releaser sends, on one manager connection, the releases of proxies the
// garbage collector found unreachable without Close. It is for manager
// implementations: a manager makes one per connection (NewReleaser), puts
// it in the Link its proxies come from, and stops it when it closes the
// connection. The garbage collector's cleanups only queue a release, so
// they never wait for the network; the Releaser's goroutine sends them.
type Releaser struct {
	client *rpc.Client
	wake   chan struct{} // one token: releases are queued
	quit   chan struct{} // closed by Stop
	done   chan struct{} // closed when the goroutine returns
	stop   sync.Once
	queued atomic.Int64 // releases queued so far

	mu      sync.Mutex // guards pending
	pending []wire.RefRequest
}

// NewReleaser starts the goroutine that releases, on client, the
// references of proxies collected without Close. Stop ends it.
func NewReleaser(client *rpc.Client) *Releaser {
	r := &Releaser{client: client, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go r.loop()
	return r
}

// Stop ends the Releaser's goroutine and waits for it; releases still
// queued are dropped (the server releases a closed connection's
// references itself). Close the connection first: a release being sent on
// a connection that no longer moves then fails at once. Stop is
// idempotent.
func (r *Releaser) Stop() {
	r.stop.Do(func() { close(r.quit) })
	<-r.done
}

// Queued reports how many references of collected proxies it was given to
// release so far: proxies closed first are not among them.
func (r *Releaser) Queued() int64 { return r.queued.Load() }

// queue is the garbage collector's cleanup for a proxy: it queues the
// release of the proxy's reference and returns at once.
func (r *Releaser) queue(ref wire.RefRequest) {
	r.queued.Add(1)
	r.mu.Lock()
	r.pending = append(r.pending, ref)
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default: // already woken: it will see this one too
	}
}

// loop sends the queued releases, all of a batch at once, and waits for
// their replies before the next batch, until Stop.
func (r *Releaser) loop() {
	defer close(r.done)
	for {
		select {
		case <-r.quit:
			return
		case <-r.wake:
		}
		r.mu.Lock()
		batch := r.pending
		r.pending = nil
		r.mu.Unlock()
		replies := make(chan *rpc.Call, len(batch))
		for i := range batch {
			r.client.Go(wire.ServiceName+".Decref", &batch[i], &wire.Empty{}, replies)
		}
		for range batch {
			select {
			case <-r.quit:
				return
			case <-replies: // an error means the connection is gone, and its references with it
			}
		}
	}
}

// releaseWhenCollected makes the garbage collector release p's reference
// through r if p becomes unreachable without Close. Close cancels it.
func (p *Proxy) releaseWhenCollected(r *Releaser) {
	if r == nil || p.client == nil {
		return
	}
	p.cleanup = runtime.AddCleanup(p, r.queue, wire.RefRequest{ID: p.token.ID, Ref: p.ref})
	p.releaser = r
}

// barrier.go mirrors BarrierProxy in Python's managers.py: the handle of
// the Barrier typeid (wait, abort, reset, and the parties, n_waiting and
// broken properties).

package proxy

import (
	"context"
	"time"
)

// Barrier is a handle to a shared barrier for a fixed number of parties
// (Python's manager.Barrier(parties, timeout=...)): each Wait blocks until
// that many are waiting, then all are released and the barrier is ready
// for the next round. Waits fail with ErrBrokenBarrier once it is broken:
// aborted, reset while parties waited, or timed out. A party that gives
// up (its ctx ends, or its process dies) breaks it too.
type Barrier struct{ *Proxy }

// NewBarrier creates a shared barrier for parties parties. timeout is the
// default for Wait; 0 (or negative) means none. Python's
// manager.Barrier(parties, timeout=timeout). For Python's action argument,
// register a barrier made by sharedtypes.NewBarrierAction on the server.
func NewBarrier(m Getter, parties int, timeout time.Duration) (*Barrier, error) {
	seconds := -1.0
	if timeout > 0 {
		seconds = timeout.Seconds()
	}
	p, err := m.Get("Barrier", parties, seconds)
	if err != nil {
		return nil, err
	}
	return BarrierOf(p), nil
}

// BarrierOf wraps a proxy to a Barrier.
func BarrierOf(p *Proxy) *Barrier { return &Barrier{p} }

// Wait waits for the other parties, up to the barrier's default timeout,
// and returns this party's arrival index, 0 to parties-1 (one party gets
// 0): Python's wait(). If ctx ends first it returns ctx's error, and the
// barrier breaks for the others.
func (b *Barrier) Wait(ctx context.Context) (int, error) {
	return CallContext[int](ctx, b.Proxy, "Wait", -1.0)
}

// WaitTimeout is Wait with its own timeout d instead of the default:
// Python's wait(timeout=d). When d runs out the barrier breaks and
// WaitTimeout fails with ErrBrokenBarrier. A negative d counts as 0.
func (b *Barrier) WaitTimeout(d time.Duration) (int, error) {
	return Call[int](b.Proxy, "Wait", timeoutSeconds(d))
}

// Abort breaks the barrier: current and later waits fail with
// ErrBrokenBarrier until Reset. Python's abort().
func (b *Barrier) Abort() error {
	_, err := b.CallMethod("Abort")
	return err
}

// Reset returns the barrier to its initial state; parties waiting in it
// fail with ErrBrokenBarrier. Python's reset().
func (b *Barrier) Reset() error {
	_, err := b.CallMethod("Reset")
	return err
}

// Parties returns the number of parties the barrier waits for.
func (b *Barrier) Parties() (int, error) { return Call[int](b.Proxy, "Parties") }

// NWaiting returns the number of parties waiting now: Python's n_waiting.
func (b *Barrier) NWaiting() (int, error) { return Call[int](b.Proxy, "NWaiting") }

// Broken reports whether the barrier is broken: Python's broken.
func (b *Barrier) Broken() (bool, error) { return Call[bool](b.Proxy, "Broken") }

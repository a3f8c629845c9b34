// condition.go mirrors the Condition typeid of Python's managers.py: a
// threading.Condition over its own RLock, behind a ConditionProxy
// (acquire, release, wait, notify, notify_all).

package sharedtypes

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gomanager/proxy"
	"gomanager/proxy/wire"
)

// Condition is a condition variable with its own reentrant lock, owned by
// one handle at a time: Python's threading.Condition(). A handle must hold
// the lock to Wait or Notify. If the connection of the handle holding it
// ends, the server releases it, and the next acquirer learns it was
// abandoned.
type Condition struct {
	reentrant               // the lock; its mutex guards waiters too
	waiters   []*condWaiter // in the order they started waiting
}

// condWaiter is one handle blocked in Wait.
type condWaiter struct {
	woken    chan struct{} // closed by Notify
	notified bool
}

// NewCondition returns a condition with an unlocked lock: Python's
// threading.Condition().
func NewCondition() *Condition { return &Condition{} }

// Acquire takes the condition's lock for the calling handle: Python's
// acquire(blocking, timeout). It is reentrant, like RLock.Acquire, and has
// the same results.
func (c *Condition) Acquire(ctx context.Context, blocking bool, timeout float64) (acquired, abandoned bool, err error) {
	return c.acquire(ctx, blocking, timeout, "the condition's lock")
}

// Release undoes one Acquire by the calling handle: Python's release().
// A handle that does not hold the lock gets an error wrapping
// proxy.ErrNotOwner.
func (c *Condition) Release(ctx context.Context) error { return c.release(ctx) }

// Wait releases the lock entirely, waits until a Notify wakes this handle
// or timeout seconds pass (for ever if negative), then takes the lock back
// as deep as it held it: Python's wait(timeout). notified is false when
// the time ran out; abandoned is true when taking the lock back found it
// abandoned by a connection that ended.
//
// The calling handle must hold the lock, or Wait fails with an error
// wrapping proxy.ErrNotOwner. If ctx ends first, Wait returns ctx.Err()
// without the lock (a notification it had received passes to the next
// waiter).
func (c *Condition) Wait(ctx context.Context, timeout float64) (notified, abandoned bool, err error) {
	caller := wire.CallerFrom(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.lock.owns(caller) {
		return false, false, fmt.Errorf("wait: %w", c.notOwner())
	}
	var expired <-chan time.Time
	if d, ok := duration(timeout); ok {
		t := time.NewTimer(d)
		defer t.Stop()
		expired = t.C
	}
	// Join the waiters and release the lock in one step, so a Notify made
	// once the lock is free cannot miss this waiter.
	w := &condWaiter{woken: make(chan struct{})}
	c.waiters = append(c.waiters, w)
	depth := c.lock.count
	c.lock.owner, c.lock.count = wire.Caller{}, 0
	c.changed.broadcast()

	c.mu.Unlock()
	select {
	case <-w.woken:
	case <-expired:
	case <-ctx.Done():
	}
	c.mu.Lock()
	if !w.notified {
		c.waiters = slices.DeleteFunc(c.waiters, func(x *condWaiter) bool { return x == w })
	}
	// Take the lock back, as Python's wait does however it was woken.
	_, err = waitUntil(ctx, &c.mu, &c.changed, true, -1, func() bool { return c.lock.mayTake(caller) })
	if err != nil {
		if w.notified {
			c.notify(1)
		}
		return false, false, fmt.Errorf("wait gave up: %w", err)
	}
	return w.notified, c.lock.take(caller, depth), nil
}

// Notify wakes up to n handles waiting in Wait, longest waiting first:
// Python's notify(n). The calling handle must hold the lock, or Notify
// fails with an error wrapping proxy.ErrNotOwner.
func (c *Condition) Notify(ctx context.Context, n int) error {
	if n < 0 {
		return fmt.Errorf("notify(%d): n must be >= 0: %w", n, proxy.ErrBadArgument)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.lock.owns(wire.CallerFrom(ctx)) {
		return fmt.Errorf("notify: %w", c.notOwner())
	}
	c.notify(n)
	return nil
}

// NotifyAll wakes every handle waiting in Wait: Python's notify_all(). The
// calling handle must hold the lock.
func (c *Condition) NotifyAll(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.lock.owns(wire.CallerFrom(ctx)) {
		return fmt.Errorf("notify_all: %w", c.notOwner())
	}
	c.notify(len(c.waiters))
	return nil
}

// notify wakes the first n waiters. The caller holds c.mu.
func (c *Condition) notify(n int) {
	n = min(n, len(c.waiters))
	for _, w := range c.waiters[:n] {
		w.notified = true
		close(w.woken)
	}
	c.waiters = slices.Delete(c.waiters, 0, n)
}

// notOwner explains why a handle may not wait or notify.
func (c *Condition) notOwner() error {
	if c.lock.count == 0 {
		return fmt.Errorf("the condition's lock is not held (Acquire it first): %w", proxy.ErrNotOwner)
	}
	return errNotOwner
}

// Abandon releases the lock if a handle of connection conn holds it; the
// server calls it when conn ends. That connection's waiters leave by
// themselves: their context ends with it.
func (c *Condition) Abandon(conn uint64) { c.abandon(conn) }

// String describes the condition, for str(proxy) and the server's DebugInfo;
// waiting counts the handles in Wait, blocked those waiting for the lock.
func (c *Condition) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprintf("Condition(%s, waiting=%d, blocked=%d)", c.lock.String(), len(c.waiters), c.changed.waiting)
}

// GoString is String, so that %#v (the server's __repr__) reads the state
// under the lock too.
func (c *Condition) GoString() string { return c.String() }

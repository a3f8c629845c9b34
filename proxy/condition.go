// condition.go mirrors ConditionProxy in Python's managers.py: the handle
// of the Condition typeid (acquire, release, wait, notify, notify_all, and
// wait_for, which runs on the client as in Python).

package proxy

import (
	"context"
	"time"
)

// Condition is a handle to a shared condition variable with its own
// reentrant lock (Python's manager.Condition()). The lock belongs to the
// handle that acquired it, as an RLock's does; Wait, Notify and NotifyAll
// need it held by this handle, else they fail with ErrNotOwner.
//
// Crash safety is as for Lock: a lock left held by a connection that ended
// is released, and whoever takes it next (Acquire, or Wait taking it back)
// gets an error wrapping ErrAbandoned along with it.
type Condition struct{ acquirer }

// NewCondition creates a shared condition: Python's manager.Condition().
func NewCondition(m Getter) (*Condition, error) {
	p, err := m.Get("Condition")
	if err != nil {
		return nil, err
	}
	return ConditionOf(p), nil
}

// ConditionOf wraps a proxy to a Condition.
func ConditionOf(p *Proxy) *Condition { return &Condition{acquirer{p}} }

// Wait releases the lock, waits until a Notify wakes this handle, and takes
// the lock back before returning: Python's wait(). It returns true, or
// false with ctx's error if ctx ended first; then the lock is NOT held any
// more (a deferred Release reports ErrNotOwner, harmlessly).
//
// (notified, err) with errors.Is(err, ErrAbandoned) means the lock was
// taken back after a holder died with it: it is held, as by Acquire.
func (c *Condition) Wait(ctx context.Context) (bool, error) {
	return c.wait(ctx, -1)
}

// WaitTimeout is Wait giving up after d: Python's wait(timeout=d). It
// returns false when d ran out; the lock is held again either way. A
// negative d counts as 0.
func (c *Condition) WaitTimeout(d time.Duration) (bool, error) {
	return c.wait(context.Background(), timeoutSeconds(d))
}

func (c *Condition) wait(ctx context.Context, timeout float64) (bool, error) {
	v, err := c.CallMethodContext(ctx, "Wait", timeout)
	if err != nil {
		return false, err
	}
	notified, abandoned, err := boolPair(v, "Condition.Wait")
	if abandoned {
		err = errAbandoned("Condition.Wait")
	}
	return notified, err
}

// Notify wakes up to n handles waiting in Wait, longest waiting first:
// Python's notify(n). Python's notify() is Notify(1).
func (c *Condition) Notify(n int) error {
	_, err := c.CallMethod("Notify", n)
	return err
}

// NotifyAll wakes every handle waiting in Wait: Python's notify_all().
func (c *Condition) NotifyAll() error {
	_, err := c.CallMethod("NotifyAll")
	return err
}

// WaitFor waits until predicate reports true, calling Wait between checks,
// and returns predicate's last result: Python's wait_for(predicate,
// timeout), which also runs in the client. The lock must be held; the
// predicate runs with it held. With timeout >= 0 it gives up after that
// long (0: check once); with a negative timeout it waits until ctx ends.
// An error from predicate or Wait (ctx's, ErrNotOwner, ErrAbandoned with
// the lock held) stops it and is returned.
func (c *Condition) WaitFor(ctx context.Context, predicate func() (bool, error), timeout time.Duration) (bool, error) {
	var deadline time.Time
	if timeout >= 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		ok, err := predicate()
		if ok || err != nil {
			return ok, err
		}
		wait := -1.0
		if timeout >= 0 {
			left := time.Until(deadline)
			if left <= 0 {
				return false, nil
			}
			wait = left.Seconds()
		}
		if _, err := c.wait(ctx, wait); err != nil {
			return false, err
		}
	}
}

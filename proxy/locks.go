// locks.go mirrors AcquirerProxy in Python's managers.py: the handles of
// the Lock, RLock, Semaphore and BoundedSemaphore typeids (acquire,
// release, and "with" as WithLock).

package proxy

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Lock is a handle to a shared mutual-exclusion lock (Python's manager.Lock()).
// It has no owner: any handle, on any connection, may release it.
//
// Crash safety: if the connection that acquired the lock ends without
// releasing it (its process died), the server releases it, and the next
// successful acquire returns true with an error wrapping ErrAbandoned.
type Lock struct{ acquirer }

// NewLock creates a shared lock, unlocked: Python's manager.Lock().
func NewLock(m Getter) (*Lock, error) {
	p, err := m.Get("Lock")
	if err != nil {
		return nil, err
	}
	return LockOf(p), nil
}

// LockOf wraps a proxy to a Lock (for example one rebuilt from a Token).
func LockOf(p *Proxy) *Lock { return &Lock{acquirer{p}} }

// Locked reports whether the lock is held: Python 3.14's locked().
func (l *Lock) Locked() (bool, error) { return Call[bool](l.Proxy, "Locked") }

// RLock is a handle to a shared reentrant lock (Python's manager.RLock()).
// Its owner is the handle that acquired it (Python's client thread): that
// handle may acquire it again and must release it as many times; Release
// through any other handle, even one for the same lock, fails with
// ErrNotOwner. Goroutines sharing one handle share its ownership. To use
// the lock from two goroutines as two owners, give each its own handle
// (RLockOf on a proxy from the manager's Rebuild(token)).
//
// Crash safety is as for Lock: a lock left held by a connection that ended
// is released, and the next acquirer gets ErrAbandoned with it.
type RLock struct{ acquirer }

// NewRLock creates a shared reentrant lock, unlocked: Python's manager.RLock().
func NewRLock(m Getter) (*RLock, error) {
	p, err := m.Get("RLock")
	if err != nil {
		return nil, err
	}
	return RLockOf(p), nil
}

// RLockOf wraps a proxy to an RLock.
func RLockOf(p *Proxy) *RLock { return &RLock{acquirer{p}} }

// Locked reports whether any handle holds the lock: Python 3.14's locked().
func (r *RLock) Locked() (bool, error) { return Call[bool](r.Proxy, "Locked") }

// Semaphore is a handle to a shared semaphore (Python's manager.Semaphore()
// and manager.BoundedSemaphore()): Acquire decrements its counter, waiting
// while it is 0; Release increments it. A bounded semaphore's Release above
// its initial value fails with ErrReleasedTooMany.
//
// Crash safety: units acquired below the initial value are held by the
// acquiring connection; if it ends without releasing them, the server gives
// them back and the next successful acquire reports ErrAbandoned. A Release
// through any handle gives back a held unit. A semaphore that starts at 0
// and is used to signal (released, then acquired) holds nothing.
type Semaphore struct{ acquirer }

// NewSemaphore creates a shared semaphore with counter value: Python's
// manager.Semaphore(value). value must not be negative.
func NewSemaphore(m Getter, value int) (*Semaphore, error) {
	return newSemaphore(m, "Semaphore", value)
}

// NewBoundedSemaphore creates a shared semaphore whose counter may not be
// released above value: Python's manager.BoundedSemaphore(value).
func NewBoundedSemaphore(m Getter, value int) (*Semaphore, error) {
	return newSemaphore(m, "BoundedSemaphore", value)
}

func newSemaphore(m Getter, typeid string, value int) (*Semaphore, error) {
	p, err := m.Get(typeid, value)
	if err != nil {
		return nil, err
	}
	return SemaphoreOf(p), nil
}

// SemaphoreOf wraps a proxy to a Semaphore or a BoundedSemaphore.
func SemaphoreOf(p *Proxy) *Semaphore { return &Semaphore{acquirer{p}} }

// acquirer holds the methods Lock, RLock, Semaphore and Condition share:
// Python's AcquirerProxy.
type acquirer struct{ *Proxy }

// Acquire takes the lock (or a unit of the semaphore), waiting as long as
// it takes: Python's acquire(). It returns true, or false with ctx's error
// if ctx ended first; then the lock was not taken.
//
// (true, err) with errors.Is(err, ErrAbandoned) means the lock was taken
// after its previous holder's connection ended without releasing it: the
// caller holds it, but what it protects may be half-updated.
func (a acquirer) Acquire(ctx context.Context) (bool, error) {
	return a.acquire(ctx, true, -1)
}

// AcquireNowait takes the lock if it is free and reports whether it did:
// Python's acquire(blocking=False). ErrAbandoned is reported as by Acquire.
func (a acquirer) AcquireNowait() (bool, error) {
	return a.acquire(context.Background(), false, -1)
}

// AcquireTimeout waits up to d for the lock and reports whether it took
// it: Python's acquire(timeout=d). A negative d counts as 0. ErrAbandoned
// is reported as by Acquire.
func (a acquirer) AcquireTimeout(d time.Duration) (bool, error) {
	return a.acquire(context.Background(), true, timeoutSeconds(d))
}

// Release releases the lock (or one unit of the semaphore): Python's
// release(). Releasing a Lock that is not locked, or an RLock or Condition
// this handle does not hold, fails with ErrNotOwner; a BoundedSemaphore at
// its initial value fails with ErrReleasedTooMany.
func (a acquirer) Release() error {
	_, err := a.CallMethod("Release")
	return err
}

// WithLock runs fn while holding the lock and releases it afterwards, even
// if fn panics: Python's "with lock:". It returns fn's error, else
// Release's. If Acquire fails, fn does not run and its error is returned;
// so too when the lock turns out abandoned (ErrAbandoned): WithLock then
// releases it and returns the error, for the caller to check what the dead
// holder left before trying again.
func (a acquirer) WithLock(ctx context.Context, fn func() error) (err error) {
	if _, err := a.Acquire(ctx); err != nil {
		if errors.Is(err, ErrAbandoned) {
			return errors.Join(err, a.Release())
		}
		return err
	}
	defer func() {
		if rerr := a.Release(); err == nil {
			err = rerr
		}
	}()
	return fn()
}

// acquire calls the server's Acquire(blocking, timeout), which returns
// (acquired, abandoned bool).
func (a acquirer) acquire(ctx context.Context, block bool, timeout float64) (bool, error) {
	v, err := a.CallMethodContext(ctx, "Acquire", block, timeout)
	if err != nil {
		return false, err
	}
	ok, abandoned, err := boolPair(v, a.Token().Typeid+".Acquire")
	if abandoned {
		err = errAbandoned(a.Token().Typeid + ".Acquire")
	}
	return ok, err
}

// boolPair decodes the two booleans an Acquire or a Condition's Wait
// returns on the server.
func boolPair(v any, op string) (bool, bool, error) {
	if pair, ok := v.([]any); ok && len(pair) == 2 {
		first, ok1 := pair[0].(bool)
		second, ok2 := pair[1].(bool)
		if ok1 && ok2 {
			return first, second, nil
		}
	}
	return false, false, fmt.Errorf("proxy: %s returned %v (%T), not two booleans (is the server a gomanager SyncManager?)", op, v, v)
}

// errAbandoned is the error of an acquire that took a lock abandoned by a
// dead client.
func errAbandoned(op string) error {
	return fmt.Errorf("proxy: %s: acquired, but %w: its previous holder's connection ended without releasing it, "+
		"so what the lock protects may be half-updated", op, ErrAbandoned)
}

// timeoutSeconds converts a Timeout form's duration to the seconds the
// server expects; a negative duration counts as 0.
func timeoutSeconds(d time.Duration) float64 {
	return max(d, 0).Seconds()
}

// locks.go mirrors the Lock, RLock, Semaphore and BoundedSemaphore typeids
// of Python's managers.py (threading.Lock, RLock, Semaphore and
// BoundedSemaphore behind an AcquirerProxy), plus what Python lacks: holds
// belong to the caller's connection and are released when it ends.

package sharedtypes

import (
	"context"
	"fmt"
	"sync"

	"gomanager/proxy"
	"gomanager/proxy/wire"
)

// Lock is a mutual-exclusion lock with no owner: any client may release it
// (Python's threading.Lock). If the connection that acquired it ends
// without releasing it, the server releases it, and the next Acquire
// reports abandoned.
type Lock struct {
	mu        sync.Mutex // guards the fields below
	locked    bool
	holder    uint64 // the connection that acquired it (wire.Caller.Conn)
	abandoned bool   // released by Abandon; reported by the next Acquire
	changed   notifier
}

// NewLock returns an unlocked lock: Python's threading.Lock().
func NewLock() *Lock { return &Lock{} }

// Acquire takes the lock: Python's acquire(blocking, timeout), where a
// negative timeout waits for ever. acquired is false when the lock stayed
// taken (not blocking, or the timeout ran out); abandoned is true when the
// previous holder's connection ended without releasing it. If ctx ends
// first, Acquire returns ctx.Err() and does not take the lock.
func (l *Lock) Acquire(ctx context.Context, blocking bool, timeout float64) (acquired, abandoned bool, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ok, err := waitUntil(ctx, &l.mu, &l.changed, blocking, timeout, func() bool { return !l.locked })
	if err != nil {
		return false, false, fmt.Errorf("acquire gave up waiting for the lock: %w", err)
	}
	if !ok {
		return false, false, nil
	}
	l.locked, l.holder = true, wire.CallerFrom(ctx).Conn
	abandoned, l.abandoned = l.abandoned, false
	return true, abandoned, nil
}

// Release unlocks the lock, whoever acquired it: Python's release().
// Releasing an unlocked lock is an error wrapping proxy.ErrNotOwner.
func (l *Lock) Release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.locked {
		return fmt.Errorf("release of an unlocked lock (release once per successful Acquire): %w", proxy.ErrNotOwner)
	}
	l.locked, l.holder = false, 0
	l.changed.broadcast()
	return nil
}

// Locked reports whether the lock is held: Python 3.14's locked().
func (l *Lock) Locked() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.locked
}

// Holder reports the connection holding the lock, if it is held: for a
// server's debug page (package debugpage). It is not in the exposed list.
func (l *Lock) Holder() (conn uint64, held bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.holder, l.locked
}

// Abandon releases the lock if the connection conn holds it; the server
// calls it when conn ends (basemanager.Abandoner).
func (l *Lock) Abandon(conn uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.locked && l.holder == conn {
		l.locked, l.holder, l.abandoned = false, 0, true
		l.changed.broadcast()
	}
}

// String describes the lock, for str(proxy) and the server's DebugInfo;
// blocked counts the callers waiting in it.
func (l *Lock) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	state := "unlocked"
	if l.locked {
		state = "locked"
	}
	return fmt.Sprintf("Lock(%s, blocked=%d)", state, l.changed.waiting)
}

// GoString is String, so that %#v (the server's __repr__) reads the state
// under the lock too.
func (l *Lock) GoString() string { return l.String() }

// RLock is a reentrant lock: its owner, one handle (wire.Caller), may
// acquire it again and must release it as many times (Python's
// threading.RLock, whose owner is a client thread).
type RLock struct {
	reentrant
}

// NewRLock returns an unlocked reentrant lock: Python's threading.RLock().
func NewRLock() *RLock { return &RLock{} }

// Acquire takes the lock for the calling handle, or takes it once more if
// the handle owns it already: Python's acquire(blocking, timeout). The
// results are those of Lock.Acquire.
func (r *RLock) Acquire(ctx context.Context, blocking bool, timeout float64) (acquired, abandoned bool, err error) {
	return r.acquire(ctx, blocking, timeout, "the lock")
}

// Release undoes one Acquire by the calling handle: Python's release().
// A handle that does not own the lock gets an error wrapping
// proxy.ErrNotOwner.
func (r *RLock) Release(ctx context.Context) error { return r.release(ctx) }

// Locked reports whether any handle holds the lock: Python 3.14's locked().
func (r *RLock) Locked() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lock.count > 0
}

// Abandon releases the lock if a handle of connection conn holds it,
// however many times; the server calls it when conn ends.
func (r *RLock) Abandon(conn uint64) { r.abandon(conn) }

// String describes the lock, for str(proxy) and the server's DebugInfo;
// blocked counts the callers waiting in it.
func (r *RLock) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return fmt.Sprintf("RLock(%s, blocked=%d)", r.lock.String(), r.changed.waiting)
}

// GoString is String, so that %#v (the server's __repr__) reads the state
// under the lock too.
func (r *RLock) GoString() string { return r.String() }

// reentrant is a reentrant lock with the mutex that guards it and the
// notifier its waiters wait on: what RLock and Condition share, and the
// Acquire, Release and Abandon they share. The type embedding it guards its
// own fields with the same mutex.
type reentrant struct {
	mu      sync.Mutex // guards the fields below, and those of the embedding type
	lock    ownerLock
	changed notifier // the lock was released
}

// acquire is RLock.Acquire and Condition.Acquire: it takes the lock for the
// calling handle, or takes it once more if the handle owns it already. what
// names the lock in the error.
func (r *reentrant) acquire(ctx context.Context, blocking bool, timeout float64, what string) (acquired, abandoned bool, err error) {
	caller := wire.CallerFrom(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	ok, err := waitUntil(ctx, &r.mu, &r.changed, blocking, timeout, func() bool { return r.lock.mayTake(caller) })
	if err != nil {
		return false, false, fmt.Errorf("acquire gave up waiting for %s: %w", what, err)
	}
	if !ok {
		return false, false, nil
	}
	return true, r.lock.take(caller, 1), nil
}

// release is RLock.Release and Condition.Release: it undoes one acquire by
// the calling handle, and wakes the waiters once the lock is free.
func (r *reentrant) release(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.lock.release(wire.CallerFrom(ctx)); err != nil {
		return err
	}
	if r.lock.count == 0 {
		r.changed.broadcast()
	}
	return nil
}

// abandon is RLock.Abandon and Condition.Abandon: it frees the lock if a
// handle of connection conn holds it, however many times, and wakes the
// waiters.
func (r *reentrant) abandon(conn uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lock.abandon(conn) {
		r.changed.broadcast()
	}
}

// ownerLock is the state of a reentrant lock owned by one handle, shared by
// RLock and Condition (in reentrant). Its fields are guarded by the

// Holder reports the connection holding an RLock or a Condition's lock,
// if it is held: for a server's debug page. It is not in the exposed list.
func (r *reentrant) Holder() (conn uint64, held bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lock.owner.Conn, r.lock.count > 0
}

// containing type's mutex.
type ownerLock struct {
	owner     wire.Caller // meaningful while count > 0
	count     int         // recursion level; 0: unlocked
	abandoned bool        // freed by abandon; reported by the next take
}

// mayTake reports whether caller can take the lock now.
func (o *ownerLock) mayTake(caller wire.Caller) bool {
	return o.count == 0 || o.owner == caller
}

// take gives the lock to caller, n levels deep (n > 1 restores a level
// saved by Condition.Wait), and reports whether it had been abandoned.
// The caller checked mayTake.
func (o *ownerLock) take(caller wire.Caller, n int) (abandoned bool) {
	o.owner = caller
	o.count += n
	abandoned, o.abandoned = o.abandoned, false
	return abandoned
}

// release undoes one level of caller's hold.
func (o *ownerLock) release(caller wire.Caller) error {
	if o.count == 0 {
		return fmt.Errorf("release of an unlocked lock (release once per successful Acquire): %w", proxy.ErrNotOwner)
	}
	if o.owner != caller {
		return errNotOwner
	}
	o.count--
	if o.count == 0 {
		o.owner = wire.Caller{}
	}
	return nil
}

var errNotOwner = fmt.Errorf("the lock is held by another handle (only the handle that acquired it may release it, wait or notify): %w", proxy.ErrNotOwner)

// owns reports whether caller holds the lock.
func (o *ownerLock) owns(caller wire.Caller) bool {
	return o.count > 0 && o.owner == caller
}

// abandon frees the lock if a handle of connection conn holds it.
func (o *ownerLock) abandon(conn uint64) bool {
	if o.count == 0 || o.owner.Conn != conn {
		return false
	}
	o.owner, o.count, o.abandoned = wire.Caller{}, 0, true
	return true
}

func (o *ownerLock) String() string {
	if o.count == 0 {
		return "unlocked"
	}
	return fmt.Sprintf("locked by reference %d, count %d", o.owner.Ref, o.count)
}

// Semaphore is a counter that Acquire decrements, waiting while it is 0,
// and Release increments: Python's threading.Semaphore, or with a bound
// its BoundedSemaphore, which refuses to go above its initial value.
//
// Holds for crash safety: a semaphore counts as held only below its initial
// value (the value a semaphore used as a lock starts from). Each such held
// unit is recorded for the connection that acquired it, and the server
// gives back a connection's units when it ends; a Release by any client
// gives back one unit, its own first. A semaphore used for signalling
// (Semaphore(0), released before it is acquired) is never held, so
// nothing is given back when its consumers go.
type Semaphore struct {
	initial int
	bounded bool

	mu        sync.Mutex     // guards the fields below
	value     int            // the counter
	holds     map[uint64]int // held units by connection
	held      int            // the sum of holds, at most max(0, initial-value)
	abandoned bool           // units were given back by Abandon; reported by the next Acquire
	changed   notifier
}

// NewSemaphore returns a semaphore with the given initial value: Python's
// threading.Semaphore(value). The value must not be negative.
func NewSemaphore(value int) (*Semaphore, error) {
	return newSemaphore("Semaphore", value, false)
}

// NewBoundedSemaphore returns a semaphore that refuses to be released above
// its initial value: Python's threading.BoundedSemaphore(value).
func NewBoundedSemaphore(value int) (*Semaphore, error) {
	return newSemaphore("BoundedSemaphore", value, true)
}

func newSemaphore(what string, value int, bounded bool) (*Semaphore, error) {
	if value < 0 {
		return nil, fmt.Errorf("%s(%d): the initial value must be >= 0: %w", what, value, proxy.ErrBadArgument)
	}
	return &Semaphore{initial: value, bounded: bounded, value: value, holds: map[uint64]int{}}, nil
}

// Acquire decrements the counter, waiting while it is 0: Python's
// acquire(blocking, timeout). The results are those of Lock.Acquire;
// abandoned reports units given back by a connection that ended.
func (s *Semaphore) Acquire(ctx context.Context, blocking bool, timeout float64) (acquired, abandoned bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ok, err := waitUntil(ctx, &s.mu, &s.changed, blocking, timeout, func() bool { return s.value > 0 })
	if err != nil {
		return false, false, fmt.Errorf("acquire gave up waiting for the semaphore: %w", err)
	}
	if !ok {
		return false, false, nil
	}
	s.value--
	if s.held < s.initial-s.value {
		s.holds[wire.CallerFrom(ctx).Conn]++
		s.held++
	}
	abandoned, s.abandoned = s.abandoned, false
	return true, abandoned, nil
}

// Release increments the counter, waking one waiter: Python's release().
// A bounded semaphore at its initial value refuses with an error wrapping
// proxy.ErrReleasedTooMany.
func (s *Semaphore) Release(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bounded && s.value >= s.initial {
		return fmt.Errorf("release above the initial value %d (release once per successful Acquire): %w",
			s.initial, proxy.ErrReleasedTooMany)
	}
	s.value++
	if s.held > max(0, s.initial-s.value) {
		s.dropHold(wire.CallerFrom(ctx).Conn)
	}
	s.changed.broadcast()
	return nil
}

// dropHold forgets one held unit: conn's if it has one, else the one of
// the lowest-numbered connection holding any.
func (s *Semaphore) dropHold(conn uint64) {
	if s.holds[conn] == 0 {
		first := true
		for c, n := range s.holds {
			if n > 0 && (first || c < conn) {
				conn, first = c, false
			}
		}
	}
	if s.holds[conn]--; s.holds[conn] <= 0 {
		delete(s.holds, conn)
	}
	s.held--
}

// Abandon gives back the units connection conn holds; the server calls it
// when conn ends.
func (s *Semaphore) Abandon(conn uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.holds[conn]
	if n == 0 {
		return
	}
	delete(s.holds, conn)
	s.held -= n
	s.value += n
	s.abandoned = true
	s.changed.broadcast()
}

// String describes the semaphore, for str(proxy) and the server's DebugInfo;
// blocked counts the callers waiting in it.
func (s *Semaphore) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bounded {
		return fmt.Sprintf("BoundedSemaphore(value=%d, initial=%d, blocked=%d)", s.value, s.initial, s.changed.waiting)
	}
	return fmt.Sprintf("Semaphore(value=%d, blocked=%d)", s.value, s.changed.waiting)
}

// GoString is String, so that %#v (the server's __repr__) reads the state
// under the lock too.
func (s *Semaphore) GoString() string { return s.String() }

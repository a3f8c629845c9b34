// barrier.go mirrors the Barrier typeid of Python's managers.py: a
// threading.Barrier behind a BarrierProxy (wait, abort, reset and the
// parties, n_waiting and broken properties). Its state machine is
// threading.Barrier's, line for line.

package sharedtypes

import (
	"context"
	"fmt"
	"sync"

	"gomanager/proxy"
)

// barrierState is threading.Barrier's _state.
type barrierState int

const (
	filling   barrierState = iota // parties are arriving (Python's 0)
	draining                      // released: the waiters are leaving (1)
	resetting                     // reset while parties waited: they leave with an error (-1)
	broken                        // aborted, timed out, or its action failed (-2)
)

// Barrier makes a fixed number of parties wait for each other: Python's
// threading.Barrier(parties, action, timeout). The last party to arrive
// releases them all, then the barrier can be used again.
type Barrier struct {
	parties int
	timeout float64      // the default for Wait; negative: none
	action  func() error // run by the last party before the others are released; may be nil

	mu      sync.Mutex // guards the fields below
	state   barrierState
	round   uint64 // rounds released so far
	count   int    // parties inside Wait
	acting  bool   // the last party is running action, without mu
	changed notifier
}

// NewBarrier returns a barrier for parties parties whose Wait times out
// after timeout seconds unless given its own (never if negative): Python's
// threading.Barrier(parties, timeout=timeout).
func NewBarrier(parties int, timeout float64) (*Barrier, error) {
	return NewBarrierAction(parties, timeout, nil)
}

// NewBarrierAction is NewBarrier with an action, which the last party to
// arrive runs on the server before the others are released: Python's
// Barrier(parties, action, timeout). If it fails (or panics), the barrier
// breaks. Register it on the serving side, for example
//
//	m.Register("RoundBarrier", func(parties int) (*sharedtypes.Barrier, error) {
//		return sharedtypes.NewBarrierAction(parties, -1, endOfRound)
//	}, basemanager.Concurrent())
//
// The action may call other shared objects through proxies, but not this
// barrier's Wait.
func NewBarrierAction(parties int, timeout float64, action func() error) (*Barrier, error) {
	if parties < 1 {
		return nil, fmt.Errorf("Barrier(%d): parties must be >= 1: %w", parties, proxy.ErrBadArgument)
	}
	return &Barrier{parties: parties, timeout: timeout, action: action}, nil
}

var errBroken = fmt.Errorf("the barrier is broken (aborted, reset, timed out, or its action failed; Reset it to use it again): %w",
	proxy.ErrBrokenBarrier)

// Wait waits until parties callers are waiting, then releases them all and
// returns this caller's arrival index, 0 to parties-1: Python's
// wait(timeout). A negative timeout means the barrier's default. When the
// time runs out the barrier breaks; the barrier being broken, aborted or
// reset fails Wait with an error wrapping proxy.ErrBrokenBarrier.
//
// A caller that gives up (ctx ends, or its connection does) breaks the
// barrier too, as a timeout would, since the others would otherwise wait
// for a party that is not coming; it gets ctx.Err().
func (b *Barrier) Wait(ctx context.Context, timeout float64) (int, error) {
	if !(timeout >= 0) {
		timeout = b.timeout
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	// Python's _enter: wait while the previous round drains or resets.
	if _, err := waitUntil(ctx, &b.mu, &b.changed, true, -1, func() bool {
		return (b.state == filling || b.state == broken) && !b.acting
	}); err != nil {
		return 0, fmt.Errorf("wait gave up before entering the barrier: %w", err)
	}
	if b.state == broken {
		return 0, errBroken
	}
	index := b.count
	b.count++
	defer b.exit()
	if index+1 == b.parties {
		return index, b.release()
	}
	return index, b.await(ctx, timeout)
}

// release runs the action and lets the waiting parties go: Python's
// _release. The caller holds b.mu.
func (b *Barrier) release() error {
	if b.action != nil {
		// Run the action without the mutex (it may call other objects);
		// acting keeps new arrivals out meanwhile.
		b.acting = true
		b.mu.Unlock()
		err := runAction(b.action)
		b.mu.Lock()
		b.acting = false
		b.changed.broadcast()
		if err != nil {
			b.breakLocked()
			return fmt.Errorf("the barrier's action failed: %w; the barrier is broken: %w", err, proxy.ErrBrokenBarrier)
		}
		if b.state != filling {
			return errBroken // aborted or reset while the action ran
		}
	}
	b.state = draining
	b.round++
	b.changed.broadcast()
	return nil
}

// runAction calls action, turning a panic into an error.
func runAction(action func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return action()
}

// await waits for the last party: Python's _wait. The caller holds b.mu.
//
// Unlike Python's, a party whose round was released passes even if the
// barrier was aborted or reset before it woke up: Python's waiter would
// see the new state and raise, a race its tests can lose.
func (b *Barrier) await(ctx context.Context, timeout float64) error {
	round := b.round
	released := func() bool { return b.round != round }
	done, err := waitUntil(ctx, &b.mu, &b.changed, true, timeout, func() bool { return released() || b.state != filling })
	switch {
	case err != nil:
		if !released() && b.state == filling {
			b.breakLocked()
		}
		return fmt.Errorf("wait gave up (the barrier breaks if its round was not released): %w", err)
	case released():
		return nil
	case !done:
		b.breakLocked()
		return fmt.Errorf("timed out%s: %w", within(true, timeout), errBroken)
	}
	return errBroken // broken or reset
}

// exit leaves the barrier: Python's _exit. The last party out of a
// draining or resetting barrier makes it ready for a new round.
func (b *Barrier) exit() {
	b.count--
	if b.count == 0 && (b.state == draining || b.state == resetting) {
		b.state = filling
		b.changed.broadcast()
	}
}

// breakLocked breaks the barrier: Python's _break. The caller holds b.mu.
func (b *Barrier) breakLocked() {
	b.state = broken
	b.changed.broadcast()
}

// Reset returns the barrier to its initial state: Python's reset().
// Parties waiting in it fail with an error wrapping proxy.ErrBrokenBarrier.
func (b *Barrier) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.count == 0:
		b.state = filling
	case b.state == filling || b.state == broken:
		b.state = resetting // the last party out sets filling
	}
	b.changed.broadcast()
}

// Abort breaks the barrier: waiting parties and later Waits fail with an
// error wrapping proxy.ErrBrokenBarrier until Reset. Python's abort().
func (b *Barrier) Abort() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.breakLocked()
}

// Parties returns the number of parties the barrier waits for: Python's
// parties property.
func (b *Barrier) Parties() int { return b.parties }

// NWaiting returns the number of parties waiting: Python's n_waiting.
func (b *Barrier) NWaiting() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == filling {
		return b.count
	}
	return 0
}

// Broken reports whether the barrier is broken: Python's broken.
func (b *Barrier) Broken() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state == broken
}

// String describes the barrier, for str(proxy) and the server's DebugInfo;
// blocked counts the callers waiting in it.
func (b *Barrier) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	state := [...]string{"filling", "draining", "resetting", "broken"}[b.state]
	return fmt.Sprintf("Barrier(parties=%d, count=%d, %s, blocked=%d)", b.parties, b.count, state, b.changed.waiting)
}

// GoString is String, so that %#v (the server's __repr__) reads the state
// under the lock too.
func (b *Barrier) GoString() string { return b.String() }

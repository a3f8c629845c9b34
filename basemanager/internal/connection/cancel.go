// cancel.go tracks the calls in flight on one connection that a Cancel
// request may stop, and those that may block, for the debug page: Python's
// managers have no counterpart, since there a blocked call blocks its
// thread.

package connection

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"
)

// Calls is the set of cancellable calls in flight on one connection, by
// the numbers their callers gave them. The zero value is ready to use.
type Calls struct {
	mu      sync.Mutex                    // guards the fields below
	calls   map[uint64]context.CancelFunc // nil value: cancelled before it started
	early   int                           // nil entries added since they were last swept
	running map[any]Running               // calls Track records
}

// maxEarlyCancels bounds the cancel requests a connection remembers for
// calls it has not seen; most of them name calls that had already finished.
const maxEarlyCancels = 1024

// Start returns a context for call id, derived from ctx, which Cancel(id)
// cancels; done forgets the call. A Cancel that overtook the call cancels
// it at once.
func (c *Calls) Start(ctx context.Context, id uint64) (_ context.Context, done func()) {
	ctx, cancel := context.WithCancel(ctx)
	c.mu.Lock()
	if c.calls == nil {
		c.calls = map[uint64]context.CancelFunc{}
	}
	if _, early := c.calls[id]; early {
		cancel() // the Cancel overtook the call
	}
	c.calls[id] = cancel
	c.mu.Unlock()
	return ctx, func() {
		c.mu.Lock()
		delete(c.calls, id)
		c.mu.Unlock()
		cancel()
	}
}

// Cancel cancels call id, or remembers the request if the call has not
// started yet.
func (c *Calls) Cancel(id uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cancel := c.calls[id]; cancel != nil {
		cancel()
		return
	}
	// Either the call has not started (the Cancel overtook it) or it has
	// already finished: remember the id, within a bound, for the first case.
	if c.early++; c.early > maxEarlyCancels {
		for id, cancel := range c.calls {
			if cancel == nil {
				delete(c.calls, id)
			}
		}
		c.early = 0
	}
	if c.calls == nil {
		c.calls = map[uint64]context.CancelFunc{}
	}
	c.calls[id] = nil
}

// Running is a call running on a connection, for a server's debug page.
type Running struct {
	Method string
	Since  time.Time
}

// Track records a running call of method under key until the returned
// func is called: the server tracks those that may block.
func (c *Calls) Track(key any, method string) (untrack func()) {
	c.mu.Lock()
	if c.running == nil {
		c.running = map[any]Running{}
	}
	c.running[key] = Running{method, time.Now()}
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		delete(c.running, key)
		c.mu.Unlock()
	}
}

// Tracked returns the calls Track recorded that are still running.
func (c *Calls) Tracked() []Running {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Collect(maps.Values(c.running))
}

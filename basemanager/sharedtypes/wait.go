// wait.go holds the waiting machinery the synchronization types share: a
// broadcast of state changes and a wait bounded by a context and a timeout
// (the Go form of the threading.Condition that queue.Queue and
// threading.Semaphore wait on in Python).

package sharedtypes

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"
)

// notifier broadcasts "the state changed" to every waiter: changed returns
// a channel that broadcast closes. Both are called with the owner's mutex
// held; the zero value is ready to use.
type notifier struct {
	ch      chan struct{}
	waiting int // callers blocked in waitUntil, for String and DebugInfo
}

// changed returns the channel the next broadcast closes.
func (n *notifier) changed() <-chan struct{} {
	if n.ch == nil {
		n.ch = make(chan struct{})
	}
	return n.ch
}

// broadcast wakes every waiter, which then rechecks the state.
func (n *notifier) broadcast() {
	if n.ch != nil {
		close(n.ch)
		n.ch = nil
	}
}

// waitUntil waits until ready reports true, the way Python's blocking calls
// do: with block false it checks once; with block true it waits for ever
// (timeout negative) or up to timeout seconds. It is called with mu held,
// returns with mu held, and releases mu while it waits, so other calls on
// the object go on.
//
// It returns true when ready held (the caller then does its operation
// before unlocking mu), false when the time ran out, and ctx.Err() when
// the context ended first: then the caller must not do its operation, even
// if ready would now hold, because its client has been told it was not done.
func waitUntil(ctx context.Context, mu *sync.Mutex, n *notifier, block bool, timeout float64, ready func() bool) (bool, error) {
	var expired <-chan time.Time
	if d, ok := duration(timeout); block && ok {
		t := time.NewTimer(d)
		defer t.Stop()
		expired = t.C
	}
	for {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		if ready() {
			return true, nil
		}
		if !block {
			return false, nil
		}
		changed := n.changed()
		n.waiting++
		mu.Unlock()
		var timedOut bool
		select {
		case <-changed:
		case <-ctx.Done():
		case <-expired:
			timedOut = true
		}
		mu.Lock()
		n.waiting--
		if timedOut {
			// Python rechecks once after the last wait: a change that
			// raced with the timer still counts.
			return ctx.Err() == nil && ready(), nil
		}
	}
}

// duration converts a timeout in seconds to a time.Duration; ok is false
// for "no timeout" (a negative number, NaN, or more than time.Duration holds).
func duration(seconds float64) (d time.Duration, ok bool) {
	if !(seconds >= 0) || seconds >= math.MaxInt64/float64(time.Second) {
		return 0, false
	}
	return time.Duration(seconds * float64(time.Second)), true
}

// within describes a timeout for error messages: "" when there is none.
func within(block bool, timeout float64) string {
	d, ok := duration(timeout)
	switch {
	case !block:
		return " (non-blocking)"
	case ok:
		return fmt.Sprintf(" within %v", d)
	}
	return ""
}

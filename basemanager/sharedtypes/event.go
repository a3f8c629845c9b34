// event.go mirrors the Event typeid of Python's managers.py: a
// threading.Event behind an EventProxy (is_set, set, clear, wait).

package sharedtypes

import (
	"context"
	"fmt"
	"sync"
)

// Event is a flag clients can set, clear and wait for: Python's
// threading.Event.
type Event struct {
	mu      sync.Mutex // guards the fields below
	flag    bool
	changed notifier
}

// NewEvent returns an event whose flag is not set: Python's threading.Event().
func NewEvent() *Event { return &Event{} }

// Set sets the flag and wakes every waiter: Python's set().
func (e *Event) Set() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.flag = true
	e.changed.broadcast()
}

// Clear resets the flag: Python's clear().
func (e *Event) Clear() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.flag = false
}

// IsSet reports the flag: Python's is_set().
func (e *Event) IsSet() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.flag
}

// Wait waits until the flag is set or timeout seconds pass (for ever if
// negative) and returns the flag: Python's wait(timeout), false on timeout.
// If ctx ends first it returns ctx.Err().
func (e *Event) Wait(ctx context.Context, timeout float64) (bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	set, err := waitUntil(ctx, &e.mu, &e.changed, true, timeout, func() bool { return e.flag })
	if err != nil {
		return false, fmt.Errorf("wait gave up: %w", err)
	}
	return set, nil
}

// String describes the event, for str(proxy) and the server's DebugInfo;
// blocked counts the callers waiting in it.
func (e *Event) String() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	state := "unset"
	if e.flag {
		state = "set"
	}
	return fmt.Sprintf("Event(%s, blocked=%d)", state, e.changed.waiting)
}

// GoString is String, so that %#v (the server's __repr__) reads the state
// under the lock too.
func (e *Event) GoString() string { return e.String() }

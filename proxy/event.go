// event.go mirrors EventProxy in Python's managers.py: the handle of the
// Event typeid (is_set, set, clear, wait).

package proxy

import (
	"context"
	"time"
)

// Event is a handle to a shared flag that handles can set, clear and wait
// for (Python's manager.Event()).
type Event struct{ *Proxy }

// NewEvent creates a shared event, not set: Python's manager.Event().
func NewEvent(m Getter) (*Event, error) {
	p, err := m.Get("Event")
	if err != nil {
		return nil, err
	}
	return EventOf(p), nil
}

// EventOf wraps a proxy to an Event.
func EventOf(p *Proxy) *Event { return &Event{p} }

// Set sets the flag, waking every waiter: Python's set().
func (e *Event) Set() error {
	_, err := e.CallMethod("Set")
	return err
}

// Clear resets the flag: Python's clear().
func (e *Event) Clear() error {
	_, err := e.CallMethod("Clear")
	return err
}

// IsSet reports whether the flag is set: Python's is_set().
func (e *Event) IsSet() (bool, error) { return Call[bool](e.Proxy, "IsSet") }

// Wait waits until the flag is set and returns true: Python's wait(). If
// ctx ends first it returns false and ctx's error.
func (e *Event) Wait(ctx context.Context) (bool, error) {
	return CallContext[bool](ctx, e.Proxy, "Wait", -1.0)
}

// WaitTimeout waits up to d for the flag and returns it, false if d ran
// out: Python's wait(timeout=d). A negative d counts as 0.
func (e *Event) WaitTimeout(d time.Duration) (bool, error) {
	return Call[bool](e.Proxy, "Wait", timeoutSeconds(d))
}

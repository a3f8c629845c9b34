// event_test.go ports CPython's _TestEvent for managers (AT-18 and AT-19 in
// python-managers.md §2.4) to the Event handle.

package proxy_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"gomanager/proxy"
)

// TestEvent is AT-18 (test_event): timed waits on a clear event return
// false, on a set one true, and a Wait is woken by a child's Set.
func TestEvent(t *testing.T) {
	m := primManager(t)
	ctx := primCtx(t)
	e := primKeep(proxy.NewEvent(m))(t)
	isSet := func(want bool) {
		t.Helper()
		if got, err := e.IsSet(); got != want || err != nil {
			t.Fatalf("IsSet = %v, %v; want %v", got, err, want)
		}
	}
	wait := func(name string, wait func() (bool, error), want bool) {
		t.Helper()
		if got, err := wait(); got != want || err != nil {
			t.Errorf("%s = %v, %v; want %v", name, got, err, want)
		}
	}
	timed := func(d time.Duration) func() (bool, error) {
		return func() (bool, error) { return e.WaitTimeout(d) }
	}
	untimed := func() (bool, error) { return e.Wait(ctx) }

	isSet(false)
	wait("wait(0.0)", timed(0), false)
	start := time.Now()
	wait("wait(0.1)", timed(100*time.Millisecond), false)
	if took := time.Since(start); took < 100*time.Millisecond {
		t.Errorf("wait(0.1) returned after %v, before its timeout", took)
	}
	e.Set()
	isSet(true)
	wait("wait()", untimed, true)
	wait("wait(0.1)", timed(100*time.Millisecond), true)
	e.Clear()
	isSet(false)

	child := proxy.EventOf(primRebuild(t, primConnect(t, m), e.Token()))
	done := primGo(func() error {
		// Set once the parent waits (Python sleeps 0.1 s instead).
		for !strings.Contains(child.String(), "blocked=1)") {
			if ctx.Err() != nil {
				return fmt.Errorf("child: the parent never waited: %w", ctx.Err())
			}
			time.Sleep(time.Millisecond)
		}
		return child.Set()
	})
	wait("wait() until the child sets it", untimed, true)
	primJoin(t, done)
}

// TestEventRepr is AT-19 (test_repr): the handle's Repr describes the
// proxy, not the referent, and does not change when the event is set;
// String is the referent's, computed on the server.
func TestEventRepr(t *testing.T) {
	m := primManager(t)
	e := primKeep(proxy.NewEvent(m))(t)
	re := regexp.MustCompile(`^<Proxy\[Event\] object, typeid 'Event' id \d+ at 127\.0\.0\.1:\d+>$`)
	before := e.Repr()
	if !re.MatchString(before) {
		t.Errorf("Repr = %q, want it to match %s", before, re)
	}
	if s := e.String(); s != "Event(unset, blocked=0)" {
		t.Errorf("String = %q", s)
	}
	e.Set()
	if after := e.Repr(); after != before {
		t.Errorf("Repr changed when set: %q, was %q", after, before)
	}
	if s := e.String(); s != "Event(set, blocked=0)" {
		t.Errorf("String once set = %q", s)
	}
	if s, err := proxy.Call[string](e.Proxy, "__repr__"); s != "Event(set, blocked=0)" || err != nil {
		t.Errorf("the referent's repr = %q, %v", s, err)
	}
	if s := fmt.Sprintf("%#v", e.Proxy); s != before {
		t.Errorf("%%#v = %q, want the Repr", s)
	}
}

// TestEventWaitCancelled: a Wait whose ctx ends returns ctx's error.
func TestEventWaitCancelled(t *testing.T) {
	m := primManager(t)
	e := primKeep(proxy.NewEvent(m))(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if set, err := e.Wait(ctx); set || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait with an expiring ctx = %v, %v; want false, context.DeadlineExceeded", set, err)
	}
	primBlocked(t, e, 0)
}

// condition_test.go ports CPython's _TestCondition for managers (AT-11..
// AT-17 in python-managers.md §2.3) to the Condition handle: waiters are
// goroutines, half of them on a second connection (Python's processes),
// half on the first (its threads), each with its own handle, since the
// condition's lock belongs to a handle. "sleeping" and "woken" are shared
// Semaphore(0)s as in Python; counts Python reads with get_value are kept
// in Go counters.

package proxy_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/proxy"
)

// condFixture is a condition and the two counters its waiters signal on.
type condFixture struct {
	t               *testing.T
	ctx             context.Context
	m, child        *basemanager.Manager
	cond            *proxy.Condition
	sleeping, woken *proxy.Semaphore
	notified, timed atomic.Int64 // how the waiters' Waits returned
}

func newCondFixture(t *testing.T) *condFixture {
	m := primManager(t)
	return &condFixture{
		t: t, ctx: primCtx(t), m: m, child: primConnect(t, m),
		cond:     primKeep(proxy.NewCondition(m))(t),
		sleeping: primKeep(proxy.NewSemaphore(m, 0))(t),
		woken:    primKeep(proxy.NewSemaphore(m, 0))(t),
	}
}

// waiters starts n waiters, alternately on the child connection and this
// one, each running Python's _TestCondition.f: acquire, release sleeping,
// wait (for ever if timeout < 0), release woken, release.
func (f *condFixture) waiters(n int, timeout time.Duration) []<-chan error {
	var done []<-chan error
	for i := range n {
		conn := f.m
		if i%2 == 0 {
			conn = f.child
		}
		cond := proxy.ConditionOf(primRebuild(f.t, conn, f.cond.Token()))
		sleeping := proxy.SemaphoreOf(primRebuild(f.t, conn, f.sleeping.Token()))
		woken := proxy.SemaphoreOf(primRebuild(f.t, conn, f.woken.Token()))
		done = append(done, primGo(func() error {
			if _, err := cond.Acquire(f.ctx); err != nil {
				return err
			}
			if err := sleeping.Release(); err != nil {
				return err
			}
			var notified bool
			var err error
			if timeout < 0 {
				notified, err = cond.Wait(f.ctx)
			} else {
				notified, err = cond.WaitTimeout(timeout)
			}
			if err != nil {
				return err
			}
			if notified {
				f.notified.Add(1)
			} else {
				f.timed.Add(1)
			}
			if err := woken.Release(); err != nil {
				return err
			}
			return cond.Release()
		}))
	}
	return done
}

// take acquires s n times (each within primLimit).
func (f *condFixture) take(s *proxy.Semaphore, n int) {
	f.t.Helper()
	for i := range n {
		if ok, err := s.Acquire(f.ctx); !ok || err != nil {
			f.t.Fatalf("acquire %d of %d = %v, %v", i+1, n, ok, err)
		}
	}
}

// noMoreWoken checks that no further waiter wakes within 0.1 s.
func (f *condFixture) noMoreWoken() {
	f.t.Helper()
	if ok, err := f.woken.AcquireTimeout(100 * time.Millisecond); ok || err != nil {
		f.t.Fatalf("a waiter woke without a notification (%v, %v)", ok, err)
	}
}

// notify runs fn (a Notify or NotifyAll) with the lock held.
func (f *condFixture) notify(fn func() error) {
	f.t.Helper()
	if err := f.cond.WithLock(f.ctx, fn); err != nil {
		f.t.Fatal(err)
	}
}

// TestConditionNotify is AT-11 (test_notify): each Notify wakes exactly
// one of two waiters.
func TestConditionNotify(t *testing.T) {
	f := newCondFixture(t)
	done := f.waiters(2, -1)
	f.take(f.sleeping, 2)
	f.notify(func() error { return f.cond.Notify(1) })
	f.take(f.woken, 1)
	f.noMoreWoken()
	if n := f.notified.Load(); n != 1 {
		t.Errorf("%d waiters woke after one Notify, want 1", n)
	}
	f.notify(func() error { return f.cond.Notify(1) })
	f.take(f.woken, 1)
	primJoin(t, done...)
	if n := f.notified.Load(); n != 2 {
		t.Errorf("%d waiters woke after two Notifys, want 2", n)
	}
}

// TestConditionNotifyAll is AT-12 (test_notify_all): six waiters with a
// 0.1 s timeout all time out; six more without one all wake on NotifyAll.
func TestConditionNotifyAll(t *testing.T) {
	f := newCondFixture(t)
	done := f.waiters(6, 100*time.Millisecond)
	f.take(f.sleeping, 6)
	f.take(f.woken, 6)
	primJoin(t, done...)
	if n, timed := f.notified.Load(), f.timed.Load(); n != 0 || timed != 6 {
		t.Errorf("timed waits: %d notified, %d timed out; want 0, 6", n, timed)
	}

	done = f.waiters(6, -1)
	f.take(f.sleeping, 6)
	f.noMoreWoken()
	f.notify(f.cond.NotifyAll)
	f.take(f.woken, 6)
	primJoin(t, done...)
	if n := f.notified.Load(); n != 6 {
		t.Errorf("%d waiters woke on NotifyAll, want 6", n)
	}
}

// TestConditionNotifyN is AT-13 (test_notify_n): Notify(2) wakes two of
// six, Notify(4) the rest, and Notify(3) with nobody waiting does nothing.
func TestConditionNotifyN(t *testing.T) {
	f := newCondFixture(t)
	done := f.waiters(6, -1)
	f.take(f.sleeping, 6)
	f.notify(func() error { return f.cond.Notify(2) })
	f.take(f.woken, 2)
	f.noMoreWoken()
	f.notify(func() error { return f.cond.Notify(4) })
	f.take(f.woken, 4)
	primJoin(t, done...)
	f.notify(func() error { return f.cond.Notify(3) })
	if ok, err := f.woken.AcquireNowait(); ok || err != nil {
		t.Errorf("Notify(3) with nobody waiting woke someone (%v, %v)", ok, err)
	}
	if n := f.notified.Load(); n != 6 {
		t.Errorf("%d waiters woke, want 6", n)
	}
}

// TestConditionTimeout is AT-14 (test_timeout): with the lock held,
// WaitTimeout(0.1 s) returns false, after the timeout.
func TestConditionTimeout(t *testing.T) {
	f := newCondFixture(t)
	err := f.cond.WithLock(f.ctx, func() error {
		start := time.Now()
		notified, err := f.cond.WaitTimeout(100 * time.Millisecond)
		if took := time.Since(start); took < 100*time.Millisecond {
			t.Errorf("WaitTimeout returned after %v, before its timeout", took)
		}
		if notified {
			t.Error("WaitTimeout with nobody notifying returned true")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestConditionWaitFor is AT-15 (test_waitfor): a child sets the state to
// 0 and waits for 4; the parent waits for 0, then increments to 4,
// notifying each time. The state is a Go variable standing in for
// Python's shared Value; the condition is the shared object under test.
func TestConditionWaitFor(t *testing.T) {
	f := newCondFixture(t)
	var state atomic.Int64
	state.Store(-1)
	is := func(v int64) func() (bool, error) {
		return func() (bool, error) { return state.Load() == v, nil }
	}
	cond := proxy.ConditionOf(primRebuild(t, f.child, f.cond.Token()))
	done := primGo(func() error {
		return cond.WithLock(f.ctx, func() error {
			state.Store(0)
			if err := cond.Notify(1); err != nil {
				return err
			}
			ok, err := cond.WaitFor(f.ctx, is(4), -1)
			if !ok || err != nil || state.Load() != 4 {
				return fmt.Errorf("child: WaitFor(state == 4) = %v, %v with state %d", ok, err, state.Load())
			}
			return nil
		})
	})
	err := f.cond.WithLock(f.ctx, func() error {
		ok, err := f.cond.WaitFor(f.ctx, is(0), -1)
		if !ok || err != nil || state.Load() != 0 {
			return fmt.Errorf("WaitFor(state == 0) = %v, %v with state %d", ok, err, state.Load())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		f.notify(func() error {
			state.Add(1)
			return f.cond.Notify(1)
		})
	}
	primJoin(t, done)
}

// TestConditionWaitForTimeout is AT-16 (test_waitfor_timeout): WaitFor
// with a 0.1 s timeout returns false, after the timeout, when the state
// only reaches 3 of the 4 it waits for.
func TestConditionWaitForTimeout(t *testing.T) {
	f := newCondFixture(t)
	var state atomic.Int64
	cond := proxy.ConditionOf(primRebuild(t, f.child, f.cond.Token()))
	sem := proxy.SemaphoreOf(primRebuild(t, f.child, f.sleeping.Token()))
	done := primGo(func() error {
		if err := sem.Release(); err != nil {
			return err
		}
		return cond.WithLock(f.ctx, func() error {
			start := time.Now()
			ok, err := cond.WaitFor(f.ctx, func() (bool, error) { return state.Load() == 4, nil }, 100*time.Millisecond)
			if took := time.Since(start); ok || err != nil || took < 100*time.Millisecond {
				return fmt.Errorf("child: WaitFor(state == 4, 0.1 s) = %v, %v after %v; want false after 0.1 s", ok, err, took)
			}
			return nil
		})
	})
	f.take(f.sleeping, 1)
	for range 3 {
		f.notify(func() error {
			state.Add(1)
			return f.cond.Notify(1)
		})
	}
	primJoin(t, done)
}

// TestConditionWaitResult is AT-17 (test_wait_result): Wait(0) and
// Wait(0.1) return false; a Notify from a child makes Wait(60) return true.
func TestConditionWaitResult(t *testing.T) {
	f := newCondFixture(t)
	cond := proxy.ConditionOf(primRebuild(t, f.child, f.cond.Token()))
	var done <-chan error
	err := f.cond.WithLock(f.ctx, func() error {
		for _, d := range []time.Duration{0, 100 * time.Millisecond} {
			if ok, err := f.cond.WaitTimeout(d); ok || err != nil {
				return fmt.Errorf("WaitTimeout(%v) = %v, %v; want false", d, ok, err)
			}
		}
		done = primGo(func() error {
			return cond.WithLock(f.ctx, func() error { return cond.Notify(1) })
		})
		if ok, err := f.cond.WaitTimeout(primLimit); !ok || err != nil {
			return fmt.Errorf("WaitTimeout(%v) with a child notifying = %v, %v; want true", primLimit, ok, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	primJoin(t, done)
}

// TestConditionOwnership: Wait, Notify, NotifyAll and Release need the
// lock held by this very handle (Python's RuntimeError); Wait keeps the
// depth of a reentrant hold.
func TestConditionOwnership(t *testing.T) {
	f := newCondFixture(t)
	other := proxy.ConditionOf(primRebuild(t, f.m, f.cond.Token()))
	calls := map[string]func() error{
		"Wait":      func() error { _, err := other.WaitTimeout(0); return err },
		"Notify":    func() error { return other.Notify(1) },
		"NotifyAll": other.NotifyAll,
		"Release":   other.Release,
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, proxy.ErrNotOwner) {
			t.Errorf("%s with the lock free: %v, want ErrNotOwner", name, err)
		}
	}
	if ok, err := f.cond.Acquire(f.ctx); !ok || err != nil {
		t.Fatal(ok, err)
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, proxy.ErrNotOwner) {
			t.Errorf("%s with the lock held by another handle: %v, want ErrNotOwner", name, err)
		}
	}

	// Held twice, waited on, notified by the other handle: still held twice.
	f.cond.Acquire(f.ctx)
	done := primGo(func() error {
		return other.WithLock(f.ctx, func() error { return other.Notify(1) })
	})
	if ok, err := f.cond.Wait(f.ctx); !ok || err != nil {
		t.Fatalf("Wait = %v, %v; want true", ok, err)
	}
	primJoin(t, done)
	for i := range 2 {
		if err := f.cond.Release(); err != nil {
			t.Fatalf("Release %d after Wait: %v", i+1, err)
		}
	}
	if err := f.cond.Release(); !errors.Is(err, proxy.ErrNotOwner) {
		t.Errorf("a third Release: %v, want ErrNotOwner", err)
	}
}

// TestConditionWaitCancelled: a Wait whose ctx is cancelled returns ctx's
// error without the lock, which another handle can then take; a
// notification sent to nobody else is not lost by it.
func TestConditionWaitCancelled(t *testing.T) {
	f := newCondFixture(t)
	other := proxy.ConditionOf(primRebuild(t, f.child, f.cond.Token()))
	if ok, err := f.cond.Acquire(f.ctx); !ok || err != nil {
		t.Fatal(ok, err)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	done := primGo(func() error {
		if _, err := f.cond.Wait(ctx); !errors.Is(err, context.Canceled) {
			return fmt.Errorf("cancelled Wait: %v, want context.Canceled", err)
		}
		return nil
	})
	primUntil(t, "the Wait is waiting", func() bool { return strings.Contains(f.cond.String(), "waiting=1") })
	cancel()
	primJoin(t, done)
	if err := f.cond.Release(); !errors.Is(err, proxy.ErrNotOwner) {
		t.Errorf("Release after the cancelled Wait: %v, want ErrNotOwner (the lock is not held)", err)
	}
	if ok, err := other.AcquireNowait(); !ok || err != nil {
		t.Errorf("another handle's AcquireNowait = %v, %v; want true", ok, err)
	}
	other.Release()
}

// TestConditionWaitAbandoned: a child notifies the waiting parent and dies
// still holding the lock; the parent's Wait takes the lock back and
// reports ErrAbandoned, holding it.
func TestConditionWaitAbandoned(t *testing.T) {
	f := newCondFixture(t)
	dying := proxy.ConditionOf(primRebuild(t, f.child, f.cond.Token()))
	if ok, err := f.cond.Acquire(f.ctx); !ok || err != nil {
		t.Fatal(ok, err)
	}
	done := primGo(func() error {
		if _, err := dying.Acquire(f.ctx); err != nil {
			return err
		}
		if err := dying.Notify(1); err != nil {
			return err
		}
		return f.child.Shutdown() // no Release
	})
	notified, err := f.cond.Wait(f.ctx)
	if !notified || !errors.Is(err, proxy.ErrAbandoned) {
		t.Fatalf("Wait = %v, %v; want true, ErrAbandoned", notified, err)
	}
	primJoin(t, done)
	if err := f.cond.Release(); err != nil {
		t.Errorf("Release after the abandoned Wait: %v (the lock must be held)", err)
	}
}

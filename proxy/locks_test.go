// locks_test.go ports CPython's _TestLock and _TestSemaphore for managers
// (AT-06..AT-10 in python-managers.md §2.2) to the Lock, RLock and
// Semaphore handles, and checks what Python lacks: ownership per handle
// (AT-77), cancellation, and locks abandoned by a client that went away
// (AT-78, improved on as §3 K14 asks).

package proxy_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/proxy"
)

// TestLock is AT-06 (test_lock).
func TestLock(t *testing.T) {
	m := primManager(t)
	l := primKeep(proxy.NewLock(m))(t)
	if ok, err := l.Acquire(primCtx(t)); !ok || err != nil {
		t.Fatalf("Acquire = %v, %v; want true", ok, err)
	}
	if ok, err := l.AcquireNowait(); ok || err != nil {
		t.Errorf("AcquireNowait on a held lock = %v, %v; want false", ok, err)
	}
	if locked, err := l.Locked(); !locked || err != nil {
		t.Errorf("Locked = %v, %v; want true", locked, err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); !errors.Is(err, proxy.ErrNotOwner) {
		t.Errorf("Release of an unlocked lock: %v, want ErrNotOwner", err)
	}
	if locked, err := l.Locked(); locked || err != nil {
		t.Errorf("Locked = %v, %v; want false", locked, err)
	}
}

// TestRLock is AT-07 (test_rlock).
func TestRLock(t *testing.T) {
	m := primManager(t)
	ctx := primCtx(t)
	r := primKeep(proxy.NewRLock(m))(t)
	for i := range 3 {
		if ok, err := r.Acquire(ctx); !ok || err != nil {
			t.Fatalf("Acquire %d = %v, %v; want true", i+1, ok, err)
		}
	}
	for i := range 3 {
		if err := r.Release(); err != nil {
			t.Fatalf("Release %d: %v", i+1, err)
		}
	}
	if err := r.Release(); !errors.Is(err, proxy.ErrNotOwner) {
		t.Errorf("a 4th Release: %v, want ErrNotOwner", err)
	}
}

// TestLockWithLock is AT-08 (test_lock_context): WithLock is Python's
// "with lock:"; the lock is released after fn returns, fails or panics.
func TestLockWithLock(t *testing.T) {
	m := primManager(t)
	ctx := primCtx(t)
	l := primKeep(proxy.NewLock(m))(t)
	locked := func() bool {
		t.Helper()
		v, err := l.Locked()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ran := false
	if err := l.WithLock(ctx, func() error { ran = locked(); return nil }); err != nil || !ran {
		t.Errorf("WithLock = %v, fn saw locked = %v; want nil, true", err, ran)
	}
	if locked() {
		t.Error("the lock is still held after WithLock")
	}
	boom := errors.New("boom")
	if err := l.WithLock(ctx, func() error { return boom }); err != boom {
		t.Errorf("WithLock = %v, want fn's error", err)
	}
	func() {
		defer func() { recover() }()
		l.WithLock(ctx, func() error { panic("boom") })
	}()
	if locked() {
		t.Error("the lock is still held after fn failed or panicked")
	}
}

// TestSemaphore is AT-09 (test_semaphore), with the values checked by
// acquiring (manager proxies have no get_value), and the optional timeout
// row: acquire(True, 0.1) returns false after the timeout.
func TestSemaphore(t *testing.T) {
	m := primManager(t)
	ctx := primCtx(t)
	s := primKeep(proxy.NewSemaphore(m, 2))(t)
	primSemaphoreStart(t, ctx, s)
	for i := range 2 {
		if err := s.Release(); err != nil {
			t.Fatalf("Release %d above the initial value: %v", i+1, err)
		}
	}
	for i := range 4 {
		if ok, err := s.AcquireNowait(); !ok || err != nil {
			t.Fatalf("AcquireNowait %d of 4 = %v, %v; want true", i+1, ok, err)
		}
	}
	start := time.Now()
	if ok, err := s.AcquireTimeout(100 * time.Millisecond); ok || err != nil {
		t.Errorf("AcquireTimeout at 0 = %v, %v; want false", ok, err)
	}
	if took := time.Since(start); took < 100*time.Millisecond {
		t.Errorf("AcquireTimeout gave up after %v, before its timeout", took)
	}
	if _, err := proxy.NewSemaphore(m, -1); !errors.Is(err, proxy.ErrBadArgument) {
		t.Errorf("NewSemaphore(-1): %v, want ErrBadArgument", err)
	}
}

// TestBoundedSemaphore is AT-10 (test_bounded_semaphore), plus its
// over-release error (Python's ValueError).
func TestBoundedSemaphore(t *testing.T) {
	m := primManager(t)
	s := primKeep(proxy.NewBoundedSemaphore(m, 2))(t)
	primSemaphoreStart(t, primCtx(t), s)
	if err := s.Release(); !errors.Is(err, proxy.ErrReleasedTooMany) {
		t.Errorf("Release above the initial value: %v, want ErrReleasedTooMany", err)
	}
}

// primSemaphoreStart is the sequence AT-09 and AT-10 share, on a semaphore
// of value 2: acquire twice, fail a third time, release twice.
func primSemaphoreStart(t *testing.T, ctx context.Context, s *proxy.Semaphore) {
	t.Helper()
	for i := range 2 {
		if ok, err := s.Acquire(ctx); !ok || err != nil {
			t.Fatalf("Acquire %d = %v, %v; want true", i+1, ok, err)
		}
	}
	if ok, err := s.AcquireNowait(); ok || err != nil {
		t.Fatalf("AcquireNowait at 0 = %v, %v; want false", ok, err)
	}
	for i := range 2 {
		if err := s.Release(); err != nil {
			t.Fatalf("Release %d: %v", i+1, err)
		}
	}
}

// TestLockOwnership is AT-77: an RLock belongs to the handle that acquired
// it, even against another handle on the same connection; a Lock has no
// owner, and another client may release it.
func TestLockOwnership(t *testing.T) {
	m := primManager(t)
	ctx := primCtx(t)

	r := primKeep(proxy.NewRLock(m))(t)
	r2 := proxy.RLockOf(primRebuild(t, m, r.Token())) // same connection, another handle
	if ok, err := r.Acquire(ctx); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if err := r2.Release(); !errors.Is(err, proxy.ErrNotOwner) {
		t.Errorf("RLock.Release through another handle: %v, want ErrNotOwner", err)
	}
	if ok, err := r2.AcquireNowait(); ok || err != nil {
		t.Errorf("RLock.AcquireNowait through another handle = %v, %v; want false", ok, err)
	}
	if ok, err := r.AcquireNowait(); !ok || err != nil {
		t.Errorf("RLock.AcquireNowait by its owner = %v, %v; want true", ok, err)
	}
	r.Release()
	r.Release()
	if ok, err := r2.AcquireNowait(); !ok || err != nil {
		t.Errorf("RLock.AcquireNowait once released = %v, %v; want true", ok, err)
	}
	r2.Release()

	l := primKeep(proxy.NewLock(m))(t)
	other := proxy.LockOf(primRebuild(t, primConnect(t, m), l.Token()))
	if ok, err := l.Acquire(ctx); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if err := other.Release(); err != nil {
		t.Errorf("Lock.Release by another client: %v, want nil (a Lock has no owner)", err)
	}
	if ok, err := l.AcquireNowait(); !ok || err != nil {
		t.Errorf("AcquireNowait after the other client's Release = %v, %v; want true", ok, err)
	}
	l.Release()
}

// acquirable is what the lock-like handles share.
type acquirable interface {
	Acquire(context.Context) (bool, error)
	AcquireNowait() (bool, error)
	Release() error
	Token() proxy.Token
	String() string
	Close() error
}

// primAcquirables makes one lock-like object of each typeid, held by
// nobody, and wraps a proxy to it in its handle.
var primAcquirables = []struct {
	typeid string
	make   func(m *basemanager.Manager) (acquirable, error)
	wrap   func(p *proxy.Proxy) acquirable
}{
	{"Lock", func(m *basemanager.Manager) (acquirable, error) { return proxy.NewLock(m) },
		func(p *proxy.Proxy) acquirable { return proxy.LockOf(p) }},
	{"RLock", func(m *basemanager.Manager) (acquirable, error) { return proxy.NewRLock(m) },
		func(p *proxy.Proxy) acquirable { return proxy.RLockOf(p) }},
	{"Semaphore", func(m *basemanager.Manager) (acquirable, error) { return proxy.NewSemaphore(m, 1) },
		func(p *proxy.Proxy) acquirable { return proxy.SemaphoreOf(p) }},
	{"BoundedSemaphore", func(m *basemanager.Manager) (acquirable, error) { return proxy.NewBoundedSemaphore(m, 1) },
		func(p *proxy.Proxy) acquirable { return proxy.SemaphoreOf(p) }},
	{"Condition", func(m *basemanager.Manager) (acquirable, error) { return proxy.NewCondition(m) },
		func(p *proxy.Proxy) acquirable { return proxy.ConditionOf(p) }},
}

// TestAcquireCancelled: an Acquire blocked behind another client's hold
// returns ctx's error promptly when ctx is cancelled, and does not take the
// lock later; meanwhile other calls through the same handle go on.
func TestAcquireCancelled(t *testing.T) {
	for _, kind := range primAcquirables {
		t.Run(kind.typeid, func(t *testing.T) {
			m := primManager(t)
			ctx := primCtx(t)
			h := primKeep(kind.make(m))(t)
			holder := kind.wrap(primRebuild(t, primConnect(t, m), h.Token()))
			if ok, err := holder.Acquire(ctx); !ok || err != nil {
				t.Fatal(ok, err)
			}

			blocked, cancel := context.WithCancel(ctx)
			var took time.Duration
			done := primGo(func() error {
				start := time.Now()
				ok, err := h.Acquire(blocked)
				took = time.Since(start)
				if ok || !errors.Is(err, context.Canceled) {
					return fmt.Errorf("cancelled Acquire = %v, %v; want false, context.Canceled", ok, err)
				}
				return nil
			})
			primBlocked(t, h, 1)
			// The blocked call holds up nobody, not even its own handle.
			if ok, err := h.AcquireNowait(); ok || err != nil {
				t.Errorf("AcquireNowait while another call waits = %v, %v; want false", ok, err)
			}
			cancel()
			primJoin(t, done)
			if took > 1500*time.Millisecond {
				t.Errorf("the cancelled Acquire took %v to return", took)
			}
			primBlocked(t, h, 0)

			// The holder releases: the lock must be free, not taken by the
			// cancelled call.
			if err := holder.Release(); err != nil {
				t.Fatal(err)
			}
			if ok, err := holder.AcquireNowait(); !ok || err != nil {
				t.Errorf("AcquireNowait after the cancelled Acquire = %v, %v; want true (the lock must be free)", ok, err)
			}
			holder.Release()
		})
	}
}

// TestAcquireAbandoned: a client acquires, then its connection ends
// without a Release; another handle's Acquire then succeeds, reporting
// ErrAbandoned once.
func TestAcquireAbandoned(t *testing.T) {
	for _, kind := range primAcquirables {
		t.Run(kind.typeid, func(t *testing.T) {
			m := primManager(t)
			ctx := primCtx(t)
			h := primKeep(kind.make(m))(t)
			child := primConnect(t, m)
			dying := kind.wrap(primRebuild(t, child, h.Token()))
			if ok, err := dying.Acquire(ctx); !ok || err != nil {
				t.Fatal(ok, err)
			}
			if kind.typeid == "RLock" || kind.typeid == "Condition" {
				dying.Acquire(ctx) // held twice: all of it goes
			}
			if err := child.Shutdown(); err != nil {
				t.Fatal(err)
			}

			ok, err := h.Acquire(ctx)
			if !ok || !errors.Is(err, proxy.ErrAbandoned) {
				t.Fatalf("Acquire after the holder's connection ended = %v, %v; want true, ErrAbandoned", ok, err)
			}
			if err := h.Release(); err != nil {
				t.Fatal(err)
			}
			if ok, err := h.AcquireNowait(); !ok || err != nil {
				t.Errorf("the next AcquireNowait = %v, %v; want true, nil (abandonment is reported once)", ok, err)
			}
			h.Release()
		})
	}
}

// TestWithLockAbandoned: WithLock on a lock abandoned by a dead client
// does not run fn; it releases the lock and returns ErrAbandoned, and the
// next WithLock runs normally.
func TestWithLockAbandoned(t *testing.T) {
	m := primManager(t)
	ctx := primCtx(t)
	l := primKeep(proxy.NewLock(m))(t)
	child := primConnect(t, m)
	if ok, err := proxy.LockOf(primRebuild(t, child, l.Token())).Acquire(ctx); !ok || err != nil {
		t.Fatal(ok, err)
	}
	child.Shutdown()

	ran := false
	if err := l.WithLock(ctx, func() error { ran = true; return nil }); !errors.Is(err, proxy.ErrAbandoned) || ran {
		t.Errorf("WithLock on an abandoned lock = %v with fn run %v; want ErrAbandoned, not run", err, ran)
	}
	if locked, err := l.Locked(); locked || err != nil {
		t.Errorf("Locked = %v, %v; want false", locked, err)
	}
	if err := l.WithLock(ctx, func() error { ran = true; return nil }); err != nil || !ran {
		t.Errorf("the next WithLock = %v with fn run %v; want nil, run", err, ran)
	}
}

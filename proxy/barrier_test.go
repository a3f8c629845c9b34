// barrier_test.go ports CPython's _TestBarrier for managers (AT-20..AT-28
// in python-managers.md §2.5) to the Barrier handle. Python runs N-1 helper
// processes and the test itself; here the N parties are goroutines,
// alternately on a second connection and the first, each with its own
// handle. Python's result lists are Go counters.

package proxy_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/basemanager/sharedtypes"
	"gomanager/proxy"
)

// barrierN is the number of parties, as in Python's tests.
const barrierN = 5

// primParties runs fn as each of n parties, on goroutines alternately on a
// second connection and m's, each with its own handle to b, and waits for
// them all.
func primParties(t *testing.T, m *basemanager.Manager, b *proxy.Barrier, n int, fn func(b *proxy.Barrier) error) {
	t.Helper()
	child := primConnect(t, m)
	var done []<-chan error
	for i := range n {
		conn := m
		if i%2 == 0 {
			conn = child
		}
		h := proxy.BarrierOf(primRebuild(t, conn, b.Token()))
		done = append(done, primGo(func() error { return fn(h) }))
	}
	primJoin(t, done...)
}

// TestBarrier is AT-20 (test_barrier, test_barrier_10): the parties go
// round in lock-step for 1 and for 10 passes, and the barrier's properties
// read remotely are right afterwards.
func TestBarrier(t *testing.T) {
	for _, passes := range []int{1, 10} {
		t.Run(fmt.Sprint(passes), func(t *testing.T) {
			m := primManager(t)
			ctx := primCtx(t)
			b := primKeep(proxy.NewBarrier(m, barrierN, 0))(t)
			var a, bb atomic.Int64 // Python's results[0] and results[1]
			primParties(t, m, b, barrierN, func(b *proxy.Barrier) error {
				if parties, err := b.Parties(); parties != barrierN || err != nil {
					return fmt.Errorf("Parties = %d, %v", parties, err)
				}
				for i := range int64(passes) {
					a.Add(1)
					if n := bb.Load(); n != i*barrierN {
						return fmt.Errorf("pass %d: len(B) = %d before the first wait, want %d", i, n, i*barrierN)
					}
					if _, err := b.Wait(ctx); err != nil {
						return err
					}
					bb.Add(1)
					if n := a.Load(); n != (i+1)*barrierN {
						return fmt.Errorf("pass %d: len(A) = %d after the first wait, want %d", i, n, (i+1)*barrierN)
					}
					if _, err := b.Wait(ctx); err != nil {
						return err
					}
				}
				return nil
			})
			if n, err := b.NWaiting(); n != 0 || err != nil {
				t.Errorf("NWaiting = %d, %v; want 0", n, err)
			}
			if broken, err := b.Broken(); broken || err != nil {
				t.Errorf("Broken = %v, %v; want false", broken, err)
			}
		})
	}
}

// TestBarrierWaitReturn is AT-21 (test_wait_return): the parties' Wait
// indexes, collected in a shared queue, are 0..N-1: exactly one is 0.
func TestBarrierWaitReturn(t *testing.T) {
	m := primManager(t)
	ctx := primCtx(t)
	b := primKeep(proxy.NewBarrier(m, barrierN, 0))(t)
	q := primKeep(proxy.NewQueue[int](m, 0))(t)
	primParties(t, m, b, barrierN, func(b *proxy.Barrier) error {
		i, err := b.Wait(ctx)
		if err != nil {
			return err
		}
		return q.Put(ctx, i)
	})
	var indexes []int
	for range barrierN {
		i, err := q.GetNowait()
		if err != nil {
			t.Fatal(err)
		}
		indexes = append(indexes, i)
	}
	slices.Sort(indexes)
	if !slices.Equal(indexes, []int{0, 1, 2, 3, 4}) {
		t.Errorf("Wait returned %v, want each of 0..4 once", indexes)
	}
}

// TestBarrierAction is AT-22 (test_action): the action, registered on the
// server, runs once per round before the parties are released, and
// reaches another shared object through a proxy. An action that fails
// breaks the barrier.
func TestBarrierAction(t *testing.T) {
	var results atomic.Pointer[proxy.Queue[bool]] // set before any barrier is made
	register := func(m *basemanager.Manager) error {
		appendTrue := func() error { return results.Load().PutNowait(true) }
		fail := func() error { return errors.New("action failed") }
		for typeid, action := range map[string]func() error{"ActionBarrier": appendTrue, "FailingBarrier": fail} {
			err := m.Register(typeid, func(parties int) (*sharedtypes.Barrier, error) {
				return sharedtypes.NewBarrierAction(parties, -1, action)
			}, basemanager.Concurrent())
			if err != nil {
				return err
			}
		}
		return nil
	}
	m := primManager(t, register)
	ctx := primCtx(t)
	results.Store(primKeep(proxy.NewQueue[bool](m, 0))(t))

	b := proxy.BarrierOf(primKeep(m.Get("ActionBarrier", barrierN))(t))
	primParties(t, m, b, barrierN, func(b *proxy.Barrier) error {
		if _, err := b.Wait(ctx); err != nil {
			return err
		}
		if n, err := results.Load().Qsize(); n != 1 || err != nil {
			return fmt.Errorf("after the wait, len(results) = %d, %v; want 1", n, err)
		}
		return nil
	})

	failing := proxy.BarrierOf(primKeep(m.Get("FailingBarrier", barrierN))(t))
	var broken atomic.Int64
	primParties(t, m, failing, barrierN, func(b *proxy.Barrier) error {
		if _, err := b.Wait(ctx); !errors.Is(err, proxy.ErrBrokenBarrier) {
			return fmt.Errorf("Wait on a barrier whose action fails: %v, want ErrBrokenBarrier", err)
		}
		broken.Add(1)
		return nil
	})
	if broken.Load() != barrierN {
		t.Errorf("%d parties saw the barrier broken, want %d", broken.Load(), barrierN)
	}
}

// abortParty is Python's _test_abort_f: the party with index N/2 aborts
// instead of waiting a second time; the others count a broken barrier in
// results2, or a pass in results1.
func abortParty(ctx context.Context, b *proxy.Barrier, results1, results2 *atomic.Int64) error {
	i, err := b.Wait(ctx)
	if err != nil {
		return err
	}
	if i == barrierN/2 {
		return b.Abort()
	}
	_, err = b.Wait(ctx)
	switch {
	case err == nil:
		results1.Add(1)
	case errors.Is(err, proxy.ErrBrokenBarrier):
		results2.Add(1)
	default:
		return err
	}
	return nil
}

// TestBarrierAbort is AT-23 (test_abort): the N-1 parties waiting when one
// aborts all fail with ErrBrokenBarrier, and the barrier stays broken.
func TestBarrierAbort(t *testing.T) {
	m := primManager(t)
	ctx := primCtx(t)
	b := primKeep(proxy.NewBarrier(m, barrierN, primLimit))(t)
	var results1, results2 atomic.Int64
	primParties(t, m, b, barrierN, func(b *proxy.Barrier) error {
		return abortParty(ctx, b, &results1, &results2)
	})
	if results1.Load() != 0 || results2.Load() != barrierN-1 {
		t.Errorf("passed %d, broken %d; want 0, %d", results1.Load(), results2.Load(), barrierN-1)
	}
	if broken, err := b.Broken(); !broken || err != nil {
		t.Errorf("Broken = %v, %v; want true", broken, err)
	}
}

// TestBarrierReset is AT-24 (test_reset): once the other N-1 wait, the
// party with index N/2 resets the barrier; they fail with ErrBrokenBarrier,
// then all N pass it again.
func TestBarrierReset(t *testing.T) {
	m := primManager(t)
	ctx := primCtx(t)
	b := primKeep(proxy.NewBarrier(m, barrierN, primLimit))(t)
	var results1, results2, results3 atomic.Int64
	primParties(t, m, b, barrierN, func(b *proxy.Barrier) error {
		i, err := b.Wait(ctx)
		if err != nil {
			return err
		}
		if i == barrierN/2 {
			// Wait until the others are all in the barrier.
			for {
				n, err := b.NWaiting()
				if err != nil || ctx.Err() != nil {
					return errors.Join(err, ctx.Err())
				}
				if n == barrierN-1 {
					break
				}
				time.Sleep(time.Millisecond)
			}
			if err := b.Reset(); err != nil {
				return err
			}
		} else {
			_, err := b.Wait(ctx)
			switch {
			case err == nil:
				results1.Add(1)
			case errors.Is(err, proxy.ErrBrokenBarrier):
				results2.Add(1)
			default:
				return err
			}
		}
		// Now, pass the barrier again.
		if _, err := b.Wait(ctx); err != nil {
			return err
		}
		results3.Add(1)
		return nil
	})
	if r1, r2, r3 := results1.Load(), results2.Load(), results3.Load(); r1 != 0 || r2 != barrierN-1 || r3 != barrierN {
		t.Errorf("counters %d, %d, %d; want 0, %d, %d", r1, r2, r3, barrierN-1, barrierN)
	}
}

// TestBarrierAbortAndReset is AT-25 (test_abort_and_reset): after an abort
// as in AT-23, the parties meet on a second barrier, one resets the first,
// and all pass the first again.
func TestBarrierAbortAndReset(t *testing.T) {
	m := primManager(t)
	ctx := primCtx(t)
	b1 := primKeep(proxy.NewBarrier(m, barrierN, primLimit))(t)
	b2 := primKeep(proxy.NewBarrier(m, barrierN, primLimit))(t)
	var results1, results2, results3 atomic.Int64
	child := primConnect(t, m)
	var done []<-chan error
	for i := range barrierN {
		conn := m
		if i%2 == 0 {
			conn = child
		}
		h1 := proxy.BarrierOf(primRebuild(t, conn, b1.Token()))
		h2 := proxy.BarrierOf(primRebuild(t, conn, b2.Token()))
		done = append(done, primGo(func() error {
			if err := abortParty(ctx, h1, &results1, &results2); err != nil {
				return err
			}
			// Synchronize and reset the barrier. Must synchronize first so
			// that everyone has left it when we reset, and after so that
			// no one enters it before the reset.
			i, err := h2.Wait(ctx)
			if err != nil {
				return err
			}
			if i == barrierN/2 {
				if err := h1.Reset(); err != nil {
					return err
				}
			}
			if _, err := h2.Wait(ctx); err != nil {
				return err
			}
			if _, err := h1.Wait(ctx); err != nil {
				return err
			}
			results3.Add(1)
			return nil
		}))
	}
	primJoin(t, done...)
	if r1, r2, r3 := results1.Load(), results2.Load(), results3.Load(); r1 != 0 || r2 != barrierN-1 || r3 != barrierN {
		t.Errorf("counters %d, %d, %d; want 0, %d, %d", r1, r2, r3, barrierN-1, barrierN)
	}
}

// TestBarrierTimeout is AT-26 (test_timeout): the others' WaitTimeout(0.1 s)
// runs out while one party is late, breaking the barrier for all N.
func TestBarrierTimeout(t *testing.T) {
	m := primManager(t)
	b := primKeep(proxy.NewBarrier(m, barrierN, primLimit))(t)
	primLateParty(t, m, b, func(b *proxy.Barrier) error {
		_, err := b.WaitTimeout(100 * time.Millisecond)
		return err
	})
}

// TestBarrierDefaultTimeout is AT-27 (test_default_timeout): with a
// barrier made with a 0.2 s timeout, the others' plain Wait times out
// while one party is late, breaking the barrier for all N.
func TestBarrierDefaultTimeout(t *testing.T) {
	m := primManager(t)
	ctx := primCtx(t)
	b := primKeep(proxy.NewBarrier(m, barrierN, 200*time.Millisecond))(t)
	primLateParty(t, m, b, func(b *proxy.Barrier) error {
		_, err := b.Wait(ctx)
		return err
	})
}

// primLateParty runs AT-26 and AT-27: after a first wait (with a long
// timeout), the party with index N/2 is late: it waits again only once the
// others' second wait, made with second, has ended (Python sleeps 1 s).
// All N parties must see ErrBrokenBarrier.
func primLateParty(t *testing.T, m *basemanager.Manager, b *proxy.Barrier, second func(*proxy.Barrier) error) {
	t.Helper()
	var others sync.WaitGroup
	others.Add(barrierN - 1)
	var broken atomic.Int64
	primParties(t, m, b, barrierN, func(b *proxy.Barrier) error {
		i, err := b.WaitTimeout(primLimit)
		if err != nil {
			return err
		}
		if i == barrierN/2 {
			others.Wait()
			err = second(b)
		} else {
			err = second(b)
			others.Done()
		}
		if !errors.Is(err, proxy.ErrBrokenBarrier) {
			return fmt.Errorf("party %d: second wait: %v, want ErrBrokenBarrier", i, err)
		}
		broken.Add(1)
		return nil
	})
	if broken.Load() != barrierN {
		t.Errorf("%d parties saw the barrier broken, want %d", broken.Load(), barrierN)
	}
}

// TestBarrierSingleThread is AT-28 (test_single_thread): a barrier for one
// party lets each Wait through at once.
func TestBarrierSingleThread(t *testing.T) {
	m := primManager(t)
	ctx := primCtx(t)
	b := primKeep(proxy.NewBarrier(m, 1, 0))(t)
	for range 2 {
		if i, err := b.Wait(ctx); i != 0 || err != nil {
			t.Errorf("Wait = %d, %v; want 0", i, err)
		}
	}
	if _, err := proxy.NewBarrier(m, 0, 0); !errors.Is(err, proxy.ErrBadArgument) {
		t.Errorf("NewBarrier with 0 parties: %v, want ErrBadArgument", err)
	}
}

// TestBarrierWaitCancelled: a party whose ctx ends gets ctx's error and
// breaks the barrier for the others, as a timeout would.
func TestBarrierWaitCancelled(t *testing.T) {
	m := primManager(t)
	b := primKeep(proxy.NewBarrier(m, 2, 0))(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := primGo(func() error {
		if _, err := b.Wait(ctx); !errors.Is(err, context.Canceled) {
			return fmt.Errorf("cancelled Wait: %v, want context.Canceled", err)
		}
		return nil
	})
	primUntil(t, "one party waits", func() bool { n, _ := b.NWaiting(); return n == 1 })
	cancel()
	primJoin(t, done)
	if broken, err := b.Broken(); !broken || err != nil {
		t.Errorf("Broken = %v, %v; want true", broken, err)
	}
	if _, err := b.WaitTimeout(0); !errors.Is(err, proxy.ErrBrokenBarrier) {
		t.Errorf("Wait on the broken barrier: %v, want ErrBrokenBarrier", err)
	}
	if err := b.Reset(); err != nil {
		t.Fatal(err)
	}
	if broken, err := b.Broken(); broken || err != nil {
		t.Errorf("Broken after Reset = %v, %v; want false", broken, err)
	}
}

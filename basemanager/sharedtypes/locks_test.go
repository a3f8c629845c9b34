// locks_test.go checks, without a server, how a Semaphore accounts the
// units a connection holds, which decides what Abandon gives back; the
// behaviour through proxies is tested in package proxy.

package sharedtypes

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"gomanager/proxy"
	"gomanager/proxy/wire"
)

// as returns a context for a call made by connection conn.
func as(conn uint64) context.Context {
	return wire.WithCaller(context.Background(), wire.Caller{Conn: conn, Ref: conn})
}

// tryAcquire is a non-blocking Acquire by connection conn.
func tryAcquire(t *testing.T, s *Semaphore, conn uint64) (acquired, abandoned bool) {
	t.Helper()
	acquired, abandoned, err := s.Acquire(as(conn), false, -1)
	if err != nil {
		t.Fatal(err)
	}
	return acquired, abandoned
}

// A Semaphore(0) used to signal holds nothing: its consumer going away
// gives nothing back.
func TestSemaphoreSignallingHoldsNothing(t *testing.T) {
	s, _ := NewSemaphore(0)
	if err := s.Release(as(1)); err != nil {
		t.Fatal(err)
	}
	if ok, _ := tryAcquire(t, s, 2); !ok {
		t.Fatal("acquire after a release failed")
	}
	s.Abandon(2)
	if ok, _ := tryAcquire(t, s, 3); ok {
		t.Error("the consumer's end gave a unit back")
	}
}

// A Release by a connection holding nothing gives back a unit another
// connection held, so that connection's end gives back only the rest.
func TestSemaphoreReleaseByAnotherConnection(t *testing.T) {
	s, _ := NewSemaphore(2)
	tryAcquire(t, s, 1)
	tryAcquire(t, s, 1)
	if err := s.Release(as(2)); err != nil {
		t.Fatal(err)
	}
	s.Abandon(1)
	if ok, abandoned := tryAcquire(t, s, 3); !ok || !abandoned {
		t.Errorf("first acquire after the end = %v, abandoned %v; want true, true", ok, abandoned)
	}
	if ok, abandoned := tryAcquire(t, s, 3); !ok || abandoned {
		t.Errorf("second acquire = %v, abandoned %v; want true, false", ok, abandoned)
	}
	if ok, _ := tryAcquire(t, s, 3); ok {
		t.Error("a third unit appeared: the end gave back more than was held")
	}
}

// Units above the initial value are not held.
func TestSemaphoreAboveInitialHoldsNothing(t *testing.T) {
	s, _ := NewSemaphore(1)
	s.Release(as(1)) // value 2
	tryAcquire(t, s, 2)
	tryAcquire(t, s, 2) // value 0: one unit below the initial value is held
	s.Abandon(2)
	if ok, _ := tryAcquire(t, s, 3); !ok {
		t.Error("the held unit was not given back")
	}
	if ok, _ := tryAcquire(t, s, 3); ok {
		t.Error("a unit above the initial value was given back")
	}
}

// Abandon never takes a bounded semaphore above its bound.
func TestBoundedSemaphoreAbandon(t *testing.T) {
	s, _ := NewBoundedSemaphore(1)
	tryAcquire(t, s, 1)
	s.Abandon(1)
	if err := s.Release(as(2)); !errors.Is(err, proxy.ErrReleasedTooMany) {
		t.Errorf("Release at the bound after Abandon: %v, want ErrReleasedTooMany", err)
	}
	if s.String() != "BoundedSemaphore(value=1, initial=1, blocked=0)" {
		t.Errorf("String = %q", s.String())
	}
}

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		seconds float64
		want    time.Duration
		ok      bool
	}{
		{0, 0, true},
		{0.1, 100 * time.Millisecond, true},
		{-1, 0, false},
		{math.NaN(), 0, false},
		{math.Inf(1), 0, false},
		{1e300, 0, false},
	} {
		if d, ok := duration(tc.seconds); d != tc.want || ok != tc.ok {
			t.Errorf("duration(%v) = %v, %v; want %v, %v", tc.seconds, d, ok, tc.want, tc.ok)
		}
	}
}

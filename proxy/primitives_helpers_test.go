// primitives_helpers_test.go holds the helpers of the synchronization
// types' tests (queue_test.go, locks_test.go, condition_test.go,
// event_test.go, barrier_test.go): a SyncManager per test that must end
// with no objects, second connections standing in for Python's child
// processes, and bounded waits.

package proxy_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/proxy"
)

// primLimit bounds every wait in the synchronization tests.
const primLimit = 10 * time.Second

// primManager returns a SyncManager serving on a goroutine of this process
// and connected to it, after running the register funcs on it (to add
// typeids of the test's own). At cleanup, after the handles are closed, it checks
// that the server holds no objects (Python's manager test teardown), then
// shuts it down.
func primManager(t *testing.T, register ...func(*basemanager.Manager) error) *basemanager.Manager {
	t.Helper()
	return primStart(t, basemanager.NewSyncManager("", basemanager.WithLogger(nil)), register...)
}

// primManagerOpts is primManager with manager options, such as an authkey.
func primManagerOpts(t *testing.T, opts ...basemanager.Option) *basemanager.Manager {
	t.Helper()
	return primStart(t, basemanager.NewSyncManager("", append(opts, basemanager.WithLogger(nil))...))
}

func primStart(t *testing.T, m *basemanager.Manager, register ...func(*basemanager.Manager) error) *basemanager.Manager {
	t.Helper()
	for _, r := range register {
		if err := r(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		defer m.Shutdown()
		// Connections closed just before end on the server a moment
		// later: give their references a bounded time to go.
		var n int
		var err error
		for deadline := time.Now().Add(primLimit); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
			if n, err = m.NumberOfObjects(); err != nil || n == 0 {
				break
			}
		}
		if err != nil || n != 0 {
			info, _ := m.DebugInfo()
			t.Errorf("the server still holds %d objects (err %v):\n%s", n, err, info)
		}
	})
	return m
}

// primConnect opens another connection to m's server, as a child process
// of Python's tests would: its handles are other clients. It is shut down
// at cleanup, before the check for leftover objects.
func primConnect(t *testing.T, m *basemanager.Manager) *basemanager.Manager {
	t.Helper()
	c := basemanager.NewSyncManager(m.Address())
	if err := c.Connect(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Shutdown() })
	return c
}

// primKeep takes a new handle and the error of making it, and returns a
// func that fails t on the error, else arranges for the handle to be
// closed at t's cleanup and returns it:
//
//	q := primKeep(proxy.NewQueue[int](m, 0))(t)
func primKeep[H interface{ Close() error }](h H, err error) func(t *testing.T) H {
	return func(t *testing.T) H {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := h.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return h
	}
}

// primRebuild returns a new proxy, through connection c, for the object
// that token names: another handle to it, possibly from another client.
func primRebuild(t *testing.T, c *basemanager.Manager, token proxy.Token) *proxy.Proxy {
	t.Helper()
	return primKeep(c.Rebuild(token))(t)
}

// primGo runs fn on a goroutine and returns a channel delivering its error.
func primGo(fn func() error) <-chan error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	return done
}

// primJoin waits for every goroutine started by primGo and fails the test
// on any error, or if one does not finish within primLimit.
func primJoin(t *testing.T, done ...<-chan error) {
	t.Helper()
	timeout := time.After(primLimit)
	for _, d := range done {
		select {
		case err := <-d:
			if err != nil {
				t.Error(err)
			}
		case <-timeout:
			t.Fatal("a goroutine did not finish in time")
		}
	}
}

// primUntil polls cond until it holds, failing the test after primLimit.
func primUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(primLimit); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

// primBlocked waits until the object behind p reports n callers blocked in
// it (its String, computed on the server, ends "blocked=n)").
func primBlocked(t *testing.T, p interface{ String() string }, n int) {
	t.Helper()
	want := fmt.Sprintf("blocked=%d)", n)
	primUntil(t, "the server shows "+want, func() bool { return strings.Contains(p.String(), want) })
}

// primCtx returns a context bounded by primLimit.
func primCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), primLimit)
	t.Cleanup(cancel)
	return ctx
}

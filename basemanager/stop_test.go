// stop_test.go proves that stopping keeps its promises whatever the
// methods in flight do (issue 11, item 1): ServeForever returns within 1 s
// of Stop with a method that never returns; a connection's references and
// lock holds are released when the connection ends, not when its stuck
// method returns; Shutdown(ctx) lets a finishing call finish and cuts a
// stuck one at ctx's deadline.

package basemanager_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/basemanager/sharedtypes"
	"gomanager/proxy"
)

// gate is a shared object whose Wait ignores its context: it returns only
// when the test opens the gate, open for Wait("stuck") (at the test's end),
// soon for Wait("soon"). Entered tells the test a Wait has started.
type gate struct {
	entered chan struct{}
	open    chan struct{}
	soon    chan struct{}
}

func newGate() *gate {
	return &gate{entered: make(chan struct{}, 16), open: make(chan struct{}), soon: make(chan struct{})}
}

func (g *gate) Wait(which string) string {
	g.entered <- struct{}{}
	if which == "soon" {
		<-g.soon
	} else {
		<-g.open
	}
	return "through"
}

// stopScene is a server sharing a gate, a lock and a dict, and a client that
// holds the lock and a reference to the dict and is stuck in the gate's Wait.
type stopScene struct {
	srv    *basemanager.Server
	served chan error
	gate   *gate
	lock   *sharedtypes.Lock
	client *basemanager.Manager
}

func newStopScene(t *testing.T, stuck bool) *stopScene {
	t.Helper()
	sc := &stopScene{gate: newGate(), lock: sharedtypes.NewLock(), served: make(chan error, 1)}
	t.Cleanup(func() { close(sc.gate.open) }) // the stuck goroutine ends with the test
	m := basemanager.NewSyncManager("127.0.0.1:0", basemanager.WithLogger(nil))
	must(t, m.Register("gate", func() *gate { return sc.gate }, basemanager.Concurrent()))
	must(t, m.Register("the_lock", func() *sharedtypes.Lock { return sc.lock }, basemanager.Concurrent()))
	srv, err := m.GetServer()
	must(t, err)
	sc.srv = srv
	go func() { sc.served <- srv.ServeForever() }()
	t.Cleanup(srv.Stop)

	sc.client = basemanager.New(srv.Address(), basemanager.WithLogger(nil))
	for _, typeid := range []string{"gate", "the_lock", "dict"} {
		must(t, sc.client.Register(typeid, nil))
	}
	must(t, sc.client.Connect())
	t.Cleanup(func() { sc.client.Shutdown() })

	l, err := sc.client.Get("the_lock")
	must(t, err)
	if ok, err := proxy.LockOf(l).Acquire(context.Background()); !ok || err != nil {
		t.Fatalf("Acquire: %v, %v", ok, err)
	}
	d, err := sc.client.Get("dict")
	must(t, err)
	t.Cleanup(func() { runtime.KeepAlive(d) }) // never closed: a proxy collected would release it
	g, err := sc.client.Get("gate")
	must(t, err)
	if stuck {
		go g.CallMethod("Wait", "stuck") // stuck: Wait ignores its context
		receive(t, sc.gate.entered, "the gate's Wait to start")
	}
	if n := srv.NumberOfObjects(); n != 3 {
		t.Fatalf("the server holds %d objects, want 3 (lock, dict, gate)", n)
	}
	return sc
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// within1s waits up to 1 s for cond, polling: the promise under test is a
// bound, so the test measures it rather than waiting for an event.
func within1s(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > time.Second {
			t.Fatalf("%s: not within 1 s", what)
		}
		time.Sleep(time.Millisecond)
	}
	return time.Since(start)
}

// Stop with a method that never returns: ServeForever returns within 1 s,
// and the stuck connection's references and lock hold are gone.
func TestStopWithAStuckMethod(t *testing.T) {
	sc := newStopScene(t, true)
	start := time.Now()
	sc.srv.Stop()
	select {
	case err := <-sc.served:
		if err != nil {
			t.Fatalf("ServeForever: %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("ServeForever still running 1 s after Stop, with a stuck method in flight")
	}
	t.Logf("ServeForever returned %v after Stop", time.Since(start))
	if n := sc.srv.NumberOfObjects(); n != 0 {
		t.Errorf("after Stop the server holds %d objects, want 0:\n%s", n, sc.srv.DebugInfo())
	}
	if sc.lock.Locked() {
		t.Error("after Stop the lock is still held by the stopped connection")
	}
}

// A client that goes away while its method is stuck: its references and
// lock are released within 1 s, and the next acquirer learns the lock was
// abandoned; the server keeps serving.
func TestClientGoneWhileItsMethodIsStuck(t *testing.T) {
	sc := newStopScene(t, true)
	sc.client.Shutdown()
	took := within1s(t, "the gone client's references released", func() bool { return sc.srv.NumberOfObjects() == 0 })
	within1s(t, "the gone client's lock abandoned", func() bool { return !sc.lock.Locked() })
	t.Logf("references released %v after the client went away", took)

	other := basemanager.New(sc.srv.Address(), basemanager.WithLogger(nil))
	must(t, other.Register("the_lock", nil))
	must(t, other.Connect())
	defer other.Shutdown()
	l, err := other.Get("the_lock")
	must(t, err)
	if ok, err := proxy.LockOf(l).Acquire(context.Background()); !ok || !errors.Is(err, proxy.ErrAbandoned) {
		t.Errorf("the next Acquire: %v, %v; want true and ErrAbandoned", ok, err)
	}
}

// Shutdown lets a call that finishes finish, and returns nil.
func TestShutdownWaitsForAFinishingCall(t *testing.T) {
	sc := newStopScene(t, false)
	g, err := sc.client.Get("gate")
	must(t, err)
	// A Wait that finishes once Shutdown has started.
	result := make(chan any, 1)
	go func() {
		v, _ := g.CallMethod("Wait", "soon")
		result <- v
	}()
	receive(t, sc.gate.entered, "the second Wait to start")
	shut := make(chan error, 1)
	go func() { shut <- sc.srv.Shutdown(context.Background()) }()
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with calls in flight", err)
	case <-time.After(50 * time.Millisecond): // Shutdown is waiting, as it should
	}
	close(sc.gate.soon)
	if err := receive(t, shut, "Shutdown to return"); err != nil {
		t.Errorf("Shutdown: %v, want nil: every call finished", err)
	}
	if v := receive(t, result, "the finishing call's result"); v != "through" {
		t.Errorf("the call that finished during Shutdown returned %v, want its result", v)
	}
	if err := receive(t, sc.served, "ServeForever to return"); err != nil {
		t.Errorf("ServeForever: %v", err)
	}
}

// Shutdown cuts a stuck call short at ctx's deadline and says so.
func TestShutdownCutsAStuckCallAtTheDeadline(t *testing.T) {
	sc := newStopScene(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := sc.srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown with a stuck call: %v, want context.DeadlineExceeded", err)
	}
	if err := receive(t, sc.served, "ServeForever to return"); err != nil {
		t.Errorf("ServeForever: %v", err)
	}
	if took := time.Since(start); took > 300*time.Millisecond+time.Second {
		t.Errorf("Shutdown and ServeForever took %v with a 300 ms deadline", took)
	}
	if n := sc.srv.NumberOfObjects(); n != 0 {
		t.Errorf("after Shutdown the server holds %d objects, want 0", n)
	}
}

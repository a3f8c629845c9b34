// lifecycle_test.go proves how servers, managers and proxies end (issue 2,
// behaviour 6): Stop with clients attached, Close, Start and Shutdown, and
// a client that goes away without closing its proxies.

package basemanager_test

import (
	"context"
	"errors"
	"net"
	"runtime"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/proxy"
)

// worker's Block is a call that stays in flight until its context is
// cancelled: by the server stopping, or by the caller's connection ending.
type worker struct {
	blocked chan<- struct{} // told when Block starts waiting
	ended   chan<- error    // told when Block returns
}

func (w *worker) Block(ctx context.Context) error {
	w.blocked <- struct{}{}
	<-ctx.Done()
	w.ended <- ctx.Err()
	return ctx.Err()
}

func (w *worker) Ping() string { return "pong" }

// workers returns the registration of typeid "worker" and the channels
// every worker it makes reports on.
func workers() (typeid, <-chan struct{}, <-chan error) {
	blocked, ended := make(chan struct{}, 8), make(chan error, 8)
	return reg("worker", func() *worker { return &worker{blocked: blocked, ended: ended} }), blocked, ended
}

// startBlock starts px.Block in the background, waits until it runs on the
// server, and returns where its result will arrive.
func startBlock(t *testing.T, px *proxy.Proxy, blocked <-chan struct{}) <-chan error {
	t.Helper()
	result := make(chan error, 1)
	go func() {
		_, err := px.CallMethod("Block")
		result <- err
	}()
	receive(t, blocked, "Block to start on the server")
	return result
}

func TestStopWithIdleAndBusyClients(t *testing.T) {
	workerType, blocked, _ := workers()
	p := newPair(t, []typeid{workerType})
	idle := get(t, p.client, "worker") // connected, holding a proxy, no call in flight
	busyClient := p.connect(t)
	busy := get(t, busyClient, "worker")
	inFlight := startBlock(t, busy, blocked)
	address := p.srv.Address()

	p.srv.Stop()

	select {
	case <-p.done:
		if p.err != nil {
			t.Errorf("ServeForever = %v after Stop, want nil", p.err)
		}
	case <-time.After(time.Second): // the bound
		t.Fatal("ServeForever did not return within 1 s of Stop")
	}

	t.Run("the call in flight fails cleanly", func(t *testing.T) {
		// Stop cancels the call's context: its error may still reach the
		// client, or the connection closes first.
		err := receive(t, inFlight, "the call in flight to return")
		var re *proxy.RemoteError
		switch {
		case errors.As(err, &re) && errors.Is(err, context.Canceled):
		case errors.Is(err, proxy.ErrConnectionLost):
		default:
			t.Errorf("call in flight: %v, want a RemoteError for context.Canceled or ErrConnectionLost", err)
		}
	})

	t.Run("later calls fail fast", func(t *testing.T) {
		tests := []struct {
			name string
			do   func() error
		}{
			{"idle proxy", func() error { _, err := idle.CallMethod("Ping"); return err }},
			{"busy proxy", func() error { _, err := busy.CallMethod("Ping"); return err }},
			{"idle proxy again", func() error { _, err := idle.CallMethod("Ping"); return err }},
			{"Get", func() error { _, err := p.client.Get("worker"); return err }},
			{"NumberOfObjects", func() error { _, err := busyClient.NumberOfObjects(); return err }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := within(t, tt.name, tt.do); !errors.Is(err, proxy.ErrConnectionLost) {
					t.Errorf("after Stop: %v, want an error wrapping ErrConnectionLost", err)
				}
			})
		}
	})

	t.Run("a new server binds the same address at once", func(t *testing.T) {
		m := basemanager.New(address, basemanager.WithLogger(nil))
		srv, err := m.GetServer()
		if err != nil {
			t.Fatalf("GetServer on %s after Stop: %v", address, err)
		}
		srv.Stop()
	})
}

func TestCloseReleasesTheReference(t *testing.T) {
	shared := &ledger{}
	p := newPair(t, []typeid{
		reg("ledger", func() *ledger { return &ledger{} }),
		reg("shared_ledger", func() *ledger { return shared }),
	})
	objects := func() int {
		t.Helper()
		n, err := p.client.NumberOfObjects()
		if err != nil {
			t.Fatal(err)
		}
		if n != p.srv.NumberOfObjects() {
			t.Fatalf("client sees %d objects, server holds %d", n, p.srv.NumberOfObjects())
		}
		return n
	}

	px := get(t, p.client, "ledger")
	a, b := get(t, p.client, "shared_ledger"), get(t, p.client, "shared_ledger")
	if n := objects(); n != 2 {
		t.Fatalf("%d objects, want 2 (one new ledger, one shared)", n)
	}
	if err := px.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if n := objects(); n != 1 {
		t.Errorf("%d objects after closing the only proxy of one, want 1", n)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if n := objects(); n != 1 {
		t.Errorf("%d objects after closing one of two proxies of the shared object, want 1", n)
	}
	call[int](t, b, "Len") // the other proxy still works
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if n := objects(); n != 0 {
		t.Errorf("%d objects after closing every proxy, want 0", n)
	}

	if err := px.Close(); err != nil {
		t.Errorf("second Close: %v, want nil", err)
	}
	if _, err := px.CallMethod("Len"); !errors.Is(err, proxy.ErrClosed) {
		t.Errorf("call after Close: %v, want ErrClosed", err)
	}
	if _, err := px.GetValue(); !errors.Is(err, proxy.ErrClosed) {
		t.Errorf("GetValue after Close: %v, want ErrClosed", err)
	}
	// The shared object outlives its proxies: a new Get finds it again.
	if n := call[int](t, get(t, p.client, "shared_ledger"), "Add", "again"); n != 1 {
		t.Errorf("Add on the shared object after its proxies closed = %d, want 1", n)
	}
}

// witness learns, through the server's Abandoner hook, that a connection
// has ended. The server calls Abandon after it has released the
// connection's references, so the test can check them without polling.
type witness struct{ ended chan uint64 }

func (w *witness) Abandon(conn uint64) {
	select {
	case w.ended <- conn:
	default: // nobody is waiting for this one (the cleanup's disconnects)
	}
}

// References belong to the connection that took them: when it goes away
// without closing its proxies, idle or in the middle of a call, the server
// releases them.
func TestDroppedConnectionReleasesReferences(t *testing.T) {
	tests := []struct {
		name string
		busy bool
	}{
		{name: "idle", busy: false},
		{name: "call in flight", busy: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			workerType, blocked, ended := workers()
			w := &witness{ended: make(chan uint64, 1)}
			p := newPair(t, []typeid{workerType, reg("witness", func() *witness { return w })})
			kept := get(t, p.client, "witness") // kept alive by the client that stays
			defer runtime.KeepAlive(kept)       // (a proxy collected would release it)
			c := p.connect(t)
			px := get(t, c, "worker")
			px2 := get(t, c, "worker")
			defer runtime.KeepAlive(px2) // never closed: released by the connection's end, not by the collector
			var inFlight <-chan error
			if tt.busy {
				inFlight = startBlock(t, px, blocked)
			}
			if n := p.srv.NumberOfObjects(); n != 3 {
				t.Fatalf("%d objects, want 3", n)
			}

			c.Shutdown() // closes the connection; the proxies are never closed

			if tt.busy {
				if err := receive(t, ended, "Block's context to be cancelled"); !errors.Is(err, context.Canceled) {
					t.Errorf("Block's context ended with %v, want context.Canceled", err)
				}
				if err := receive(t, inFlight, "the call in flight to return"); !errors.Is(err, proxy.ErrConnectionLost) {
					t.Errorf("call in flight: %v, want ErrConnectionLost", err)
				}
			}
			receive(t, w.ended, "the server to notice the connection ended")
			if n := p.srv.NumberOfObjects(); n != 1 {
				t.Errorf("%d objects after the connection ended, want 1 (the witness)", n)
			}
			// The server still serves others.
			if got := call[string](t, get(t, p.client, "worker"), "Ping"); got != "pong" {
				t.Errorf("Ping() = %q", got)
			}
		})
	}
}

func TestStartAndShutdown(t *testing.T) {
	m := basemanager.New("", basemanager.WithLogger(nil))
	if err := m.Register("ledger", func() *ledger { return &ledger{} }); err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { m.Shutdown() })
	address := m.Address()

	px := get(t, m, "ledger")
	if n := call[int](t, px, "Add", "one"); n != 1 {
		t.Errorf("Add = %d, want 1", n)
	}
	if err := m.Start(); !errors.Is(err, basemanager.ErrAlreadyStarted) {
		t.Errorf("second Start: %v, want ErrAlreadyStarted", err)
	}

	if err := within(t, "Shutdown", m.Shutdown); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := within(t, "second Shutdown", m.Shutdown); err != nil {
		t.Errorf("second Shutdown: %v, want nil", err)
	}

	if _, err := px.CallMethod("Len"); !errors.Is(err, proxy.ErrConnectionLost) {
		t.Errorf("call after Shutdown: %v, want ErrConnectionLost", err)
	}
	if _, err := m.Get("ledger"); !errors.Is(err, basemanager.ErrShutDown) {
		t.Errorf("Get after Shutdown: %v, want ErrShutDown", err)
	}
	if err := m.Connect(); !errors.Is(err, basemanager.ErrShutDown) {
		t.Errorf("Connect after Shutdown: %v, want ErrShutDown", err)
	}
	if err := m.Start(); !errors.Is(err, basemanager.ErrShutDown) && !errors.Is(err, basemanager.ErrAlreadyStarted) {
		t.Errorf("Start after Shutdown: %v, want ErrShutDown or ErrAlreadyStarted", err)
	}
	// Shutdown waited for the server: its address is free again.
	ln, err := net.Listen("tcp", address)
	if err != nil {
		t.Fatalf("listen on %s after Shutdown: %v", address, err)
	}
	ln.Close()
}

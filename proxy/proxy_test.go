// proxy_test.go proves the proxy's own surface against a real manager on
// loopback: Repr, String, Token, typed calls, many goroutines on one proxy
// (issue 2, behaviour 5), cancellation and Close.

package proxy_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/proxy"
)

// waitLimit bounds every wait in these tests.
const waitLimit = 10 * time.Second

// greeting is the shared object of these tests.
type greeting struct{ S string }

func (g *greeting) String() string     { return g.S }
func (g *greeting) Capitalize() string { return strings.ToUpper(g.S[:1]) + strings.ToLower(g.S[1:]) }
func (g *greeting) Echo(n int) int     { return n }
func (g *greeting) Split() (string, string) {
	first, rest, _ := strings.Cut(g.S, " ")
	return first, rest
}
func (g *greeting) Set(s string) { g.S = s }

// plain has no String method: str(proxy) is its fmt form.
type plain struct{ N int }

// waiter's Wait blocks until its context is cancelled, and reports on its
// channels when it starts and when it sees the cancellation.
type waiter struct {
	started, cancelled chan struct{}
}

func (w *waiter) Wait(ctx context.Context) error {
	w.started <- struct{}{}
	<-ctx.Done()
	w.cancelled <- struct{}{}
	return ctx.Err()
}

func (w *waiter) Ping() string { return "pong" }

// startManager returns a manager serving on a goroutine of this process and
// connected to it (Python's manager.start()), shut down by cleanup.
func startManager(t *testing.T) *basemanager.Manager {
	t.Helper()
	m := basemanager.New("", basemanager.WithLogger(nil))
	for typeid, callable := range map[string]any{
		"get_my_string": func() *greeting { return &greeting{S: "hello World"} },
		"plain":         func() plain { return plain{N: 7} },
	} {
		if err := m.Register(typeid, callable); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	return m
}

func get(t *testing.T, m *basemanager.Manager, typeid string) *proxy.Proxy {
	t.Helper()
	p, err := m.Get(typeid)
	if err != nil {
		t.Fatalf("Get %q: %v", typeid, err)
	}
	return p
}

func TestReprAndToken(t *testing.T) {
	m := startManager(t)
	p := get(t, m, "get_my_string")

	want := regexp.MustCompile(`^<Proxy\[get_my_string\] object, typeid 'get_my_string' id \d+ at 127\.0\.0\.1:\d+>$`)
	if !want.MatchString(p.Repr()) {
		t.Errorf("Repr() = %q, want it to match %s", p.Repr(), want)
	}
	if got := fmt.Sprintf("%#v", p); got != p.Repr() {
		t.Errorf("%%#v = %q, want Repr() %q", got, p.Repr())
	}
	tok := p.Token()
	if tok.Typeid != "get_my_string" || tok.Address != m.Address() || tok.ID == 0 {
		t.Errorf("Token() = %+v, want typeid get_my_string at %s with an id", tok, m.Address())
	}
	if !strings.Contains(p.Repr(), fmt.Sprintf("id %d at %s", tok.ID, tok.Address)) {
		t.Errorf("Repr() = %q does not show the token's id and address", p.Repr())
	}
}

func TestStringIsComputedOnTheServer(t *testing.T) {
	m := startManager(t)
	tests := []struct {
		name   string
		typeid string
		want   string
	}{
		{name: "the referent's String method", typeid: "get_my_string", want: "hello World"},
		{name: "the referent's fmt form", typeid: "plain", want: "{7}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := get(t, m, tt.typeid)
			if got := p.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if got := fmt.Sprint(p); got != tt.want {
				t.Errorf("fmt.Sprint(p) = %q, want %q", got, tt.want)
			}
		})
	}

	t.Run("a change made through a method shows", func(t *testing.T) {
		p := get(t, m, "get_my_string")
		if _, err := p.CallMethod("Set", "changed"); err != nil {
			t.Fatal(err)
		}
		if got := p.String(); got != "changed" {
			t.Errorf("String() = %q, want %q", got, "changed")
		}
	})
}

func TestTypedCall(t *testing.T) {
	m := startManager(t)
	p := get(t, m, "get_my_string")
	tests := []struct {
		name    string
		call    func() (any, error)
		want    any
		wantErr string
	}{
		{
			name: "string",
			call: func() (any, error) { return proxy.Call[string](p, "Capitalize") },
			want: "Hello world",
		},
		{
			name: "int converts to int64",
			call: func() (any, error) { return proxy.Call[int64](p, "Echo", 42) },
			want: int64(42),
		},
		{
			name:    "wrong type",
			call:    func() (any, error) { return proxy.Call[string](p, "Echo", 42) },
			wantErr: "get_my_string.Echo returned int, not string",
		},
		{
			name: "several results",
			call: func() (any, error) { return proxy.Call[[]any](p, "Split") },
			want: []any{"hello", "World"},
		},
		{
			name: "no result",
			call: func() (any, error) { return p.CallMethod("Set", "hello World") },
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.call()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", tt.want) {
				t.Errorf("got %#v, %v; want %#v", got, err, tt.want)
			}
		})
	}
}

// Behaviour 5: one *Proxy serves many goroutines at once, and every caller
// gets its own reply.
func TestOneProxyManyGoroutines(t *testing.T) {
	m := startManager(t)
	p := get(t, m, "get_my_string")

	const goroutines, calls = 16, 100
	errc := make(chan error, goroutines)
	for g := range goroutines {
		go func() {
			for i := range calls {
				n := g*calls + i
				got, err := proxy.Call[int](p, "Echo", n)
				if err != nil || got != n {
					errc <- fmt.Errorf("goroutine %d: Echo(%d) = %d, %v", g, n, got, err)
					return
				}
			}
			errc <- nil
		}()
	}
	for range goroutines {
		select {
		case err := <-errc:
			if err != nil {
				t.Error(err)
			}
		case <-time.After(waitLimit):
			t.Fatalf("calls still running after %v", waitLimit)
		}
	}
}

// Cancelling a call's context cancels the method's context on the server,
// and the proxy stays usable.
func TestCallMethodContextCancels(t *testing.T) {
	w := &waiter{started: make(chan struct{}, 1), cancelled: make(chan struct{}, 1)}
	m := basemanager.New("", basemanager.WithLogger(nil))
	if err := m.Register("waiter", func() *waiter { return w }); err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	p := get(t, m, "waiter")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	result := make(chan error, 1)
	go func() {
		_, err := p.CallMethodContext(ctx, "Wait")
		result <- err
	}()
	select {
	case <-w.started:
	case <-time.After(waitLimit):
		t.Fatal("Wait never started on the server")
	}
	cancel()
	select {
	case <-w.cancelled:
	case <-time.After(waitLimit):
		t.Fatal("the server-side context was never cancelled")
	}
	select {
	case err := <-result:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("CallMethodContext = %v, want context.Canceled", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("CallMethodContext never returned")
	}
	if got, err := proxy.Call[string](p, "Ping"); err != nil || got != "pong" {
		t.Errorf("Ping() after the cancelled call = %q, %v", got, err)
	}
}

func TestClose(t *testing.T) {
	m := startManager(t)

	t.Run("calls after Close fail with ErrClosed", func(t *testing.T) {
		p := get(t, m, "get_my_string")
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		if err := p.Close(); err != nil {
			t.Errorf("second Close = %v, want nil", err)
		}
		if _, err := p.CallMethod("Capitalize"); !errors.Is(err, proxy.ErrClosed) {
			t.Errorf("CallMethod after Close = %v, want ErrClosed", err)
		}
		if _, err := proxy.Call[string](p, "Capitalize"); !errors.Is(err, proxy.ErrClosed) {
			t.Errorf("Call after Close = %v, want ErrClosed", err)
		}
	})

	t.Run("Close after the connection is gone", func(t *testing.T) {
		p := get(t, m, "get_my_string")
		if err := m.Shutdown(); err != nil {
			t.Fatal(err)
		}
		if _, err := p.CallMethod("Capitalize"); !errors.Is(err, proxy.ErrConnectionLost) {
			t.Errorf("CallMethod after Shutdown = %v, want ErrConnectionLost", err)
		}
		if err := p.Close(); err != nil {
			t.Errorf("Close after Shutdown = %v, want nil (the server released the reference itself)", err)
		}
	})
}

// pair_test.go holds the helpers the tests share: a server on loopback with
// a connected client manager (newPair), and bounded waits.

package basemanager_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/basemanager/internal/testkit"
	"gomanager/proxy"
)

// waitLimit bounds every wait in these tests: it is how long we give
// something that should happen at once before calling the test failed.
const waitLimit = testkit.WaitLimit

// typeid is one registration: the server registers callable under name,
// clients declare name with a nil callable.
type typeid struct {
	name     string
	callable any
	opts     []basemanager.RegisterOption
}

func reg(name string, callable any, opts ...basemanager.RegisterOption) typeid {
	return typeid{name: name, callable: callable, opts: opts}
}

// pair is a running server and a client manager connected to it.
type pair struct {
	srv    *basemanager.Server
	client *basemanager.Manager
	done   <-chan struct{} // closed when ServeForever has returned
	err    error           // ServeForever's result, set before done is closed

	types []typeid
	opts  []basemanager.Option
}

// newPair registers types on a new manager at "127.0.0.1:0", serves it on
// a goroutine, and returns it with a client manager that declared the same
// typeids and is connected. opts apply to both sides; the server logs
// nowhere unless opts say otherwise. Cleanup shuts the client down, stops
// the server and checks ServeForever's result.
func newPair(t *testing.T, types []typeid, opts ...basemanager.Option) *pair {
	t.Helper()
	return newPairAt(t, "127.0.0.1:0", types, opts...)
}

// newPairAt is newPair with the server at address.
func newPairAt(t *testing.T, address string, types []typeid, opts ...basemanager.Option) *pair {
	t.Helper()
	opts = append([]basemanager.Option{basemanager.WithLogger(nil)}, opts...)
	m := basemanager.New(address, opts...)
	for _, ty := range types {
		if err := m.Register(ty.name, ty.callable, ty.opts...); err != nil {
			t.Fatalf("Register %q: %v", ty.name, err)
		}
	}
	srv, err := m.GetServer()
	if err != nil {
		t.Fatalf("GetServer: %v", err)
	}
	done := make(chan struct{})
	p := &pair{srv: srv, done: done, types: types, opts: opts}
	go func() {
		p.err = srv.ServeForever()
		close(done)
	}()
	t.Cleanup(func() {
		srv.Stop()
		select {
		case <-done:
			if p.err != nil {
				t.Errorf("ServeForever: %v", p.err)
			}
		case <-time.After(waitLimit):
			t.Errorf("ServeForever still running %v after Stop", waitLimit)
		}
	})
	p.client = p.connect(t)
	return p
}

// connect returns another client manager, connected to the pair's server.
func (p *pair) connect(t *testing.T) *basemanager.Manager {
	t.Helper()
	c := basemanager.New(p.srv.Address(), p.opts...)
	for _, ty := range p.types {
		if err := c.Register(ty.name, nil); err != nil {
			t.Fatalf("client Register %q: %v", ty.name, err)
		}
	}
	if err := c.Connect(); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	t.Cleanup(func() { c.Shutdown() })
	return c
}

// get asks m for a proxy to a new object of typeid, failing the test on error.
func get(t *testing.T, m *basemanager.Manager, typeid string, args ...any) *proxy.Proxy {
	t.Helper()
	p, err := m.Get(typeid, args...)
	if err != nil {
		t.Fatalf("Get %q: %v", typeid, err)
	}
	return p
}

// call calls method through p and returns its result as a T, failing the
// test on error.
func call[T any](t *testing.T, p *proxy.Proxy, method string, args ...any) T {
	t.Helper()
	v, err := proxy.Call[T](p, method, args...)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	return v
}

// within and receive bound a wait by waitLimit (package testkit).
var within = testkit.Within

func receive[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	return testkit.Receive(t, c, what)
}

// logSink is a concurrency-safe io.Writer for a server's log, so tests can
// wait for what the server logs.
type logSink struct {
	mu      sync.Mutex // guards buf and written
	buf     bytes.Buffer
	written chan struct{} // closed and replaced on every write
}

func newLogSink() *logSink { return &logSink{written: make(chan struct{})} }

func (l *logSink) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	close(l.written)
	l.written = make(chan struct{})
	return l.buf.Write(b)
}

// waitFor waits until the log contains s, failing the test after waitLimit.
func (l *logSink) waitFor(t *testing.T, s string) {
	t.Helper()
	timeout := time.After(waitLimit)
	for {
		l.mu.Lock()
		text, written := l.buf.String(), l.written
		l.mu.Unlock()
		if strings.Contains(text, s) {
			return
		}
		select {
		case <-written:
		case <-timeout:
			t.Fatalf("server log never contained %q; it has:\n%s", s, text)
		}
	}
}

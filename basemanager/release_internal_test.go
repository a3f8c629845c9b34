package basemanager

import (
	"runtime"
	"testing"
	"time"

	"gomanager/proxy"
)

// Proxies the program forgot, unreachable without Close, give their
// references back when the garbage collector finds them, as Python's do
// (issue 12): 1,000 dropped proxies, plain and typed, leave the server
// with the objects it had before; proxies closed first are released once,
// by Close, and never again by the collector.
func TestForgottenProxiesAreReleased(t *testing.T) {
	m := NewSyncManager("127.0.0.1:0")
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown()
	kept, err := proxy.NewDict[string, int](m)
	if err != nil {
		t.Fatal(err)
	}
	defer kept.Close()
	baseline := m.server.NumberOfObjects()

	const n, closed = 1000, 300
	ps := make([]*proxy.Proxy, 0, n)
	for i := range n {
		var p *proxy.Proxy
		if i%2 == 0 {
			p, err = m.Get("dict")
		} else {
			var l *proxy.List[int]
			l, err = proxy.NewList[int](m)
			if l != nil {
				p = l.Proxy
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		if i < closed {
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
		}
		ps = append(ps, p)
	}
	if got := m.server.NumberOfObjects(); got != baseline+n-closed {
		t.Fatalf("with the proxies in use the server holds %d objects, want %d", got, baseline+n-closed)
	}
	runtime.KeepAlive(ps)
	ps = nil // every proxy is unreachable from here on

	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond) // polls a bounded condition: collection has no event to wait for
	defer tick.Stop()
	for m.server.NumberOfObjects() != baseline {
		runtime.GC()
		select {
		case <-tick.C:
			continue
		case <-deadline:
		}
		if m.server.NumberOfObjects() != baseline {
			t.Fatalf("10 s after the proxies were dropped the server still holds %d objects, want %d (queued %d releases)",
				m.server.NumberOfObjects(), baseline, m.releaser.Queued())
		}
	}
	if q := m.releaser.Queued(); q != n-closed {
		t.Errorf("the collector released %d references, want %d: the %d closed proxies must not be released again", q, n-closed, closed)
	}
	if _, err := kept.Len(); err != nil {
		t.Errorf("a proxy still in use stopped working: %v", err)
	}
}

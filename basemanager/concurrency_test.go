// concurrency_test.go proves how the server runs concurrent calls (issue 2,
// behaviour 5) within one process: calls on one referent one at a time,
// calls on different referents in parallel. process_test.go adds OS
// processes.

package basemanager_test

import (
	"errors"
	"runtime"
	"testing"
	"time"

	"gomanager/proxy"
)

// tally is a plain Go struct with a map and no lock of its own: the
// server's serialization is all that protects it. Under -race, two calls
// running at once are a reported data race; without -race, they show up
// in Overlaps.
type tally struct {
	Counts   map[string]int
	Overlaps int
	active   int
}

func (t *tally) Add(key string) {
	t.active++
	if t.active > 1 {
		t.Overlaps++
	}
	runtime.Gosched() // widen the window another call would fall into
	t.Counts[key]++
	t.active--
}

func TestCallsOnOneReferentAreSerialized(t *testing.T) {
	shared := &tally{Counts: map[string]int{}}
	p := newPair(t, []typeid{reg("tally", func() *tally { return shared })})

	const clients, goroutines, calls = 3, 8, 50
	keys := []string{"a", "b", "c"}
	errc := make(chan error, clients*goroutines)
	for range clients {
		px := get(t, p.connect(t), "tally") // one proxy per connection, shared by its goroutines
		for g := range goroutines {
			go func() {
				for i := range calls {
					if _, err := px.CallMethod("Add", keys[(g+i)%len(keys)]); err != nil {
						errc <- err
						return
					}
				}
				errc <- nil
			}()
		}
	}
	for range clients * goroutines {
		if err := receive(t, errc, "the calls to finish"); err != nil {
			t.Fatal(err)
		}
	}

	v, err := get(t, p.client, "tally").GetValue()
	if err != nil {
		t.Fatal(err)
	}
	got := v.(*tally)
	total := 0
	for _, n := range got.Counts {
		total += n
	}
	if total != clients*goroutines*calls || got.Overlaps != 0 {
		t.Errorf("counted %d calls with %d overlapping, want %d calls and none overlapping",
			total, got.Overlaps, clients*goroutines*calls)
	}
}

// meeting is one side of a rendezvous: Meet announces its arrival and waits
// for the other side's, so it only returns if both calls run at once.
type meeting struct {
	here, there chan struct{}
}

func (m *meeting) Meet() error {
	close(m.here)
	select {
	case <-m.there:
		return nil
	case <-time.After(waitLimit / 2): // before the test gives up, so this error is what it reports
		return errors.New("the call on the other referent never ran while this one waited")
	}
}

func TestCallsOnDifferentReferentsRunInParallel(t *testing.T) {
	tests := []struct {
		name    string
		types   func(left, right *meeting) []typeid
		proxies func(t *testing.T, p *pair) []*proxy.Proxy
	}{
		{
			name: "two typeids, one connection",
			types: func(left, right *meeting) []typeid {
				return []typeid{
					reg("left", func() *meeting { return left }),
					reg("right", func() *meeting { return right }),
				}
			},
			proxies: func(t *testing.T, p *pair) []*proxy.Proxy {
				return []*proxy.Proxy{get(t, p.client, "left"), get(t, p.client, "right")}
			},
		},
		{
			// The serialization is per object, not per typeid.
			name: "one typeid, two connections",
			types: func(left, right *meeting) []typeid {
				sides := map[string]*meeting{"left": left, "right": right}
				return []typeid{reg("meeting", func(side string) *meeting { return sides[side] })}
			},
			proxies: func(t *testing.T, p *pair) []*proxy.Proxy {
				return []*proxy.Proxy{get(t, p.client, "meeting", "left"), get(t, p.connect(t), "meeting", "right")}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := make(chan struct{}), make(chan struct{})
			p := newPair(t, tt.types(&meeting{here: a, there: b}, &meeting{here: b, there: a}))
			proxies := tt.proxies(t, p)

			errc := make(chan error, len(proxies))
			for _, px := range proxies {
				go func() {
					_, err := px.CallMethod("Meet")
					errc <- err
				}()
			}
			for range proxies {
				if err := receive(t, errc, "Meet to return"); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

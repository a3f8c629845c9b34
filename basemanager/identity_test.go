// identity_test.go checks how the server tells referents apart: by address
// and type together, also when two referents of different types share an
// address (a struct and its first field, zero-size values), which the
// server's table by address alone cannot tell apart by itself.

package basemanager_test

import (
	"testing"
)

type inner struct{ N int }

func (i *inner) Get() int { return i.N }

type outer struct {
	In inner // first field: &o.In == &o, as addresses
	M  int
}

func (o *outer) Sum() int { return o.In.N + o.M }

type zeroA struct{}

func (*zeroA) A() string { return "a" }

type zeroB struct{}

func (*zeroB) B() string { return "b" }

func TestReferentsSharingAnAddress(t *testing.T) {
	o := &outer{In: inner{N: 1}, M: 2}
	p := newPair(t, []typeid{
		reg("outer", func() *outer { return o }),
		reg("inner", func() *inner { return &o.In }),
		reg("zeroA", func() *zeroA { return new(zeroA) }), // every zero-size allocation may share one address
		reg("zeroB", func() *zeroB { return new(zeroB) }),
	})
	// Each order, so that either type is the first at the address.
	for _, order := range [][2]string{{"outer", "inner"}, {"inner", "outer"}, {"zeroA", "zeroB"}, {"zeroB", "zeroA"}} {
		first, second := get(t, p.client, order[0]), get(t, p.client, order[1])
		if first.Token().ID == second.Token().ID {
			t.Errorf("%s and %s share object %d", order[0], order[1], first.Token().ID)
		}
		// The same referent again is the same object, for both types.
		again1, again2 := get(t, p.client, order[0]), get(t, p.client, order[1])
		if again1.Token().ID != first.Token().ID || again2.Token().ID != second.Token().ID {
			t.Errorf("%s, %s again: objects %d, %d; want %d, %d", order[0], order[1],
				again1.Token().ID, again2.Token().ID, first.Token().ID, second.Token().ID)
		}
		// Releasing the first leaves the second, and its calls, alone.
		for _, px := range []interface{ Close() error }{first, again1} {
			if err := px.Close(); err != nil {
				t.Fatal(err)
			}
		}
		if n := p.srv.NumberOfObjects(); n != 1 {
			t.Errorf("after releasing %s: %d objects, want 1", order[0], n)
		}
		method := map[string]string{"outer": "Sum", "inner": "Get", "zeroA": "A", "zeroB": "B"}[order[1]]
		if _, err := second.CallMethod(method); err != nil {
			t.Errorf("%s.%s after releasing %s: %v", order[1], method, order[0], err)
		}
		// And a new first is a new object, found again by its identity.
		third := get(t, p.client, order[0])
		if fourth := get(t, p.client, order[0]); fourth.Token().ID != third.Token().ID {
			t.Errorf("%s after a release: objects %d and %d", order[0], third.Token().ID, fourth.Token().ID)
		} else {
			fourth.Close()
		}
		for _, px := range []interface{ Close() error }{third, second, again2} {
			if err := px.Close(); err != nil {
				t.Fatal(err)
			}
		}
		if n := p.srv.NumberOfObjects(); n != 0 {
			t.Errorf("after releasing everything: %d objects", n)
		}
	}
}

// manager_test.go proves what Register and Get mean (issue 2, behaviours 1,
// 2, 3 and 8): callable semantics, copy semantics, exposure, addresses.

package basemanager_test

import (
	"errors"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gomanager/basemanager"
	"gomanager/proxy"
)

// ledger is a shared object with a slice, so copies and sharing show.
type ledger struct {
	Owner   string
	Entries []string
}

func (l *ledger) Add(entry string) int { l.Entries = append(l.Entries, entry); return len(l.Entries) }
func (l *ledger) Len() int             { return len(l.Entries) }

// List returns the ledger's own slice, not a copy of it: any copy the
// caller gets is made by the wire.
func (l *ledger) List() []string { return l.Entries }

// Behaviour 1: a constructor gives every Get its own referent, a closure
// over an existing object makes every proxy share it, and Get's arguments
// reach the callable.
func TestCallableSemantics(t *testing.T) {
	shared := &ledger{Owner: "server"}
	p := newPair(t, []typeid{
		reg("new_ledger", func(owner string, entries ...string) *ledger {
			return &ledger{Owner: owner, Entries: entries}
		}),
		reg("shared_ledger", func() *ledger { return shared }),
	})

	t.Run("constructor gives each Get its own object", func(t *testing.T) {
		a := get(t, p.client, "new_ledger", "a")
		b := get(t, p.client, "new_ledger", "b")
		if a.Token().ID == b.Token().ID {
			t.Fatalf("two Gets of a constructor share id %d", a.Token().ID)
		}
		call[int](t, a, "Add", "only in a")
		if n := call[int](t, a, "Len"); n != 1 {
			t.Errorf("a.Len() = %d, want 1", n)
		}
		if n := call[int](t, b, "Len"); n != 0 {
			t.Errorf("b.Len() = %d after adding through a, want 0: a mutation through one proxy reached another object", n)
		}
	})

	t.Run("closure shares one object", func(t *testing.T) {
		other := p.connect(t) // a second client: sharing crosses connections
		a := get(t, p.client, "shared_ledger")
		b := get(t, other, "shared_ledger")
		if a.Token().ID != b.Token().ID {
			t.Errorf("ids %d and %d differ for one shared object", a.Token().ID, b.Token().ID)
		}
		call[int](t, a, "Add", "through a")
		if got := call[[]string](t, b, "List"); !slices.Equal(got, []string{"through a"}) {
			t.Errorf("b.List() = %q, want the entry added through a", got)
		}
		// The call's reply orders this read after the server's write.
		if !slices.Equal(shared.Entries, []string{"through a"}) {
			t.Errorf("server-side object has %q, want the entry added through a", shared.Entries)
		}
	})

	t.Run("arguments reach the callable", func(t *testing.T) {
		px := get(t, p.client, "new_ledger", "alice", "e1", "e2")
		v, err := px.GetValue()
		if err != nil {
			t.Fatal(err)
		}
		got, ok := v.(*ledger)
		if !ok {
			t.Fatalf("GetValue returned %T, want *ledger", v)
		}
		if got.Owner != "alice" || !slices.Equal(got.Entries, []string{"e1", "e2"}) {
			t.Errorf("GetValue = %+v, want Owner alice and Entries [e1 e2]", got)
		}
	})
}

// Behaviour 2: what comes back is a copy. Changing it changes nothing on the
// server; only a call through the proxy changes the shared object.
func TestCopySemantics(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, px *proxy.Proxy)
		want   []string // the server's entries afterwards
	}{
		{
			name: "changing GetValue's copy changes nothing",
			change: func(t *testing.T, px *proxy.Proxy) {
				v, err := px.GetValue()
				if err != nil {
					t.Fatal(err)
				}
				c := v.(*ledger)
				c.Owner = "thief"
				c.Entries[0] = "overwritten"
				c.Add("appended to the copy")
			},
			want: []string{"first"},
		},
		{
			name: "changing a result changes nothing",
			change: func(t *testing.T, px *proxy.Proxy) {
				list := call[[]string](t, px, "List") // the referent's own slice, on the server
				list[0] = "overwritten"
			},
			want: []string{"first"},
		},
		{
			name: "a change made through a method is shared",
			change: func(t *testing.T, px *proxy.Proxy) {
				call[int](t, px, "Add", "second")
			},
			want: []string{"first", "second"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shared := &ledger{Owner: "server", Entries: []string{"first"}}
			p := newPair(t, []typeid{reg("ledger", func() *ledger { return shared })})
			px := get(t, p.client, "ledger")

			tt.change(t, px)

			// What another proxy sees, and what the server process holds.
			v, err := get(t, p.client, "ledger").GetValue()
			if err != nil {
				t.Fatal(err)
			}
			if got := v.(*ledger); got.Owner != "server" || !slices.Equal(got.Entries, tt.want) {
				t.Errorf("through a new proxy: %+v, want Owner server and Entries %q", got, tt.want)
			}
			if shared.Owner != "server" || !slices.Equal(shared.Entries, tt.want) {
				t.Errorf("on the server: %+v, want Owner server and Entries %q", shared, tt.want)
			}
		})
	}
}

// phrase has exported methods and an unexported one.
type phrase struct{ S string }

func (p *phrase) Capitalize() string { return strings.ToUpper(p.S[:1]) + strings.ToLower(p.S[1:]) }
func (p *phrase) Upper() string      { return strings.ToUpper(p.S) }
func (p *phrase) Lower() string      { return strings.ToLower(p.S) }
func (p *phrase) secret() string     { return "not for proxies: " + p.S } // no proxy may call it

// Behaviour 3: only exported methods are callable, Exposed narrows them, and
// a refused name is explained.
func TestExposure(t *testing.T) {
	newPhrase := func() *phrase { return &phrase{S: "hello World"} }
	p := newPair(t, []typeid{
		reg("phrase", newPhrase),
		reg("narrow_phrase", newPhrase, basemanager.Exposed("Upper", "Capitalize")),
	})

	tests := []struct {
		name     string
		typeid   string
		method   string
		want     string   // the result, when the call succeeds
		contains []string // fragments of the error, when it fails
		lacks    string   // a fragment the error must not have
	}{
		{name: "exported method", typeid: "phrase", method: "Lower", want: "hello world"},
		{name: "unexported method", typeid: "phrase", method: "secret",
			contains: []string{`"secret"`, "phrase"}},
		{name: "unknown method", typeid: "phrase", method: "Shout",
			contains: []string{`"Shout"`, "phrase", "Capitalize, Lower, Upper"}},
		{name: "case differs: hint", typeid: "phrase", method: "capitalize",
			contains: []string{`"capitalize"`, "phrase", `did you mean "Capitalize"?`}},
		{name: "exposed method", typeid: "narrow_phrase", method: "Capitalize", want: "Hello world"},
		{name: "exported but not exposed", typeid: "narrow_phrase", method: "Lower",
			contains: []string{`"Lower"`, "narrow_phrase", "exposed: Capitalize, Upper"}},
		{name: "no hint towards a method that is not exposed", typeid: "narrow_phrase", method: "lower",
			contains: []string{`"lower"`, "narrow_phrase"}, lacks: "did you mean"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			px := get(t, p.client, tt.typeid)
			got, err := proxy.Call[string](px, tt.method)
			if tt.contains == nil {
				if err != nil || got != tt.want {
					t.Fatalf("%s() = %q, %v; want %q", tt.method, got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, proxy.ErrNoSuchMethod) {
				t.Fatalf("%s(): error %v, want one wrapping ErrNoSuchMethod", tt.method, err)
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			if tt.lacks != "" && strings.Contains(err.Error(), tt.lacks) {
				t.Errorf("error %q has %q", err, tt.lacks)
			}
		})
	}

	t.Run("proxy knows what is exposed", func(t *testing.T) {
		if got := get(t, p.client, "narrow_phrase").Exposed(); !slices.Equal(got, []string{"Capitalize", "Upper"}) {
			t.Errorf("Exposed() = %q, want [Capitalize Upper]", got)
		}
		if got := get(t, p.client, "phrase").Exposed(); !slices.Equal(got, []string{"Capitalize", "Lower", "Upper"}) {
			t.Errorf("Exposed() = %q, want [Capitalize Lower Upper]", got)
		}
	})

	t.Run("Exposed names a missing method", func(t *testing.T) {
		m := basemanager.New("")
		err := m.Register("bad", newPhrase, basemanager.Exposed("Upper", "capitalize"))
		if err == nil || !strings.Contains(err.Error(), `"capitalize"`) || !strings.Contains(err.Error(), `"Capitalize"`) {
			t.Errorf("Register with Exposed(%q) = %v, want an error naming it and hinting %q", "capitalize", err, "Capitalize")
		}
	})
}

// Behaviour 8: "" and port 0 resolve to a real free port that Address
// reports, and IPv6 loopback works.
func TestAddresses(t *testing.T) {
	tests := []struct {
		name     string
		address  string
		wantHost string
	}{
		{name: "empty means 127.0.0.1 on a free port", address: "", wantHost: "127.0.0.1"},
		{name: "port 0", address: "127.0.0.1:0", wantHost: "127.0.0.1"},
		{name: "no host means 127.0.0.1", address: ":0", wantHost: "127.0.0.1"},
		{name: "IPv6 loopback", address: "[::1]:0", wantHost: "::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wantHost == "::1" && !haveIPv6Loopback() {
				t.Skip("this machine has no IPv6 loopback")
			}
			p := newPairAt(t, tt.address, []typeid{reg("phrase", func() *phrase { return &phrase{S: "hello World"} })})
			host, port, err := net.SplitHostPort(p.srv.Address())
			if err != nil {
				t.Fatalf("Address() = %q: %v", p.srv.Address(), err)
			}
			if n, err := strconv.Atoi(port); host != tt.wantHost || err != nil || n <= 0 {
				t.Errorf("Address() = %q, want %s on a real port", p.srv.Address(), tt.wantHost)
			}
			if got := p.client.Address(); got != p.srv.Address() {
				t.Errorf("client Address() = %q, want the server's %q", got, p.srv.Address())
			}
			px := get(t, p.client, "phrase")
			if got := call[string](t, px, "Capitalize"); got != "Hello world" {
				t.Errorf("Capitalize() = %q, want %q", got, "Hello world")
			}
			if px.Token().Address != p.srv.Address() {
				t.Errorf("Token().Address = %q, want %q", px.Token().Address, p.srv.Address())
			}
		})
	}

	t.Run("manager reports the bound address", func(t *testing.T) {
		m := basemanager.New("", basemanager.WithLogger(nil))
		srv, err := m.GetServer()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Stop)
		if m.Address() != srv.Address() || strings.HasSuffix(m.Address(), ":0") {
			t.Errorf("m.Address() = %q, srv.Address() = %q; want the same resolved address", m.Address(), srv.Address())
		}
	})
}

func haveIPv6Loopback() bool {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

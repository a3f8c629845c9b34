// errors_test.go proves that mistakes and failures become errors, never
// crashes (issue 2, behaviour 4), and that the connection survives them.

package basemanager_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"gomanager/basemanager"
	"gomanager/proxy"
)

// fragile fails on request.
type fragile struct{ N int }

func newFragile(n int) *fragile {
	if n < 0 {
		panic("negative fragile")
	}
	return &fragile{N: n}
}

func (f *fragile) Fail(msg string) error { return errors.New(msg) }
func (f *fragile) Explode(msg string)    { panic(msg) }
func (f *fragile) Double(n int) int      { return 2 * n }
func (f *fragile) Alive() string         { return "still here" }

// Behaviour 4: an error or panic in the referent is a *RemoteError; bad
// arguments, methods and typeids are errors naming the culprit; and after
// each, the server and the same connection keep working.
func TestErrorsNeverCrash(t *testing.T) {
	p := newPair(t, []typeid{reg("fragile", newFragile)})
	// Declared on the client only: the server has no callable for it.
	if err := p.client.Register("ghost", nil); err != nil {
		t.Fatal(err)
	}
	px := get(t, p.client, "fragile", 1)

	type remote struct {
		method, message string
		panic           bool
	}
	tests := []struct {
		name     string
		do       func() error
		is       error    // the sentinel the error wraps, if any
		remote   *remote  // the *proxy.RemoteError expected, if any
		contains []string // fragments the error text must hold
	}{
		{
			name:   "method returns an error",
			do:     func() error { _, err := px.CallMethod("Fail", "disk full"); return err },
			remote: &remote{method: "Fail", message: "disk full"},
		},
		{
			name:   "method panics",
			do:     func() error { _, err := px.CallMethod("Explode", "boom"); return err },
			remote: &remote{method: "Explode", message: "boom", panic: true},
		},
		{
			name:   "callable panics",
			do:     func() error { _, err := p.client.Get("fragile", -1); return err },
			remote: &remote{method: "New", message: "negative fragile", panic: true},
		},
		{
			name:     "too many arguments",
			do:       func() error { _, err := px.CallMethod("Double", 1, 2); return err },
			is:       proxy.ErrBadArgument,
			contains: []string{"fragile.Double", "takes 1 argument", "got 2"},
		},
		{
			name:     "too few arguments",
			do:       func() error { _, err := px.CallMethod("Double"); return err },
			is:       proxy.ErrBadArgument,
			contains: []string{"fragile.Double", "takes 1 argument", "got 0"},
		},
		{
			name:     "argument of the wrong type",
			do:       func() error { _, err := px.CallMethod("Double", "two"); return err },
			is:       proxy.ErrBadArgument,
			contains: []string{"fragile.Double", "argument 1", "want int", "got string"},
		},
		{
			name:     "callable's argument of the wrong type",
			do:       func() error { _, err := p.client.Get("fragile", "one"); return err },
			is:       proxy.ErrBadArgument,
			contains: []string{"fragile.New", "argument 1", "want int", "got string"},
		},
		{
			name:     "no such method",
			do:       func() error { _, err := px.CallMethod("Triple", 3); return err },
			is:       proxy.ErrNoSuchMethod,
			contains: []string{`"Triple"`, "fragile"},
		},
		{
			name:     "typeid never declared on this side",
			do:       func() error { _, err := p.client.Get("nowhere"); return err },
			is:       proxy.ErrUnknownTypeid,
			contains: []string{`"nowhere"`, `Register("nowhere", nil)`},
		},
		{
			name:     "typeid the server does not know",
			do:       func() error { _, err := p.client.Get("ghost"); return err },
			is:       proxy.ErrUnknownTypeid,
			contains: []string{`"ghost"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if err == nil {
				t.Fatal("no error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q does not wrap %q", err, tt.is)
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			if tt.remote != nil {
				checkRemote(t, err, tt.remote.method, tt.remote.message, tt.remote.panic)
			}

			// The same connection still serves the same object and new ones.
			if got := call[string](t, px, "Alive"); got != "still here" {
				t.Errorf("Alive() = %q after the failure", got)
			}
			if got := call[int](t, get(t, p.client, "fragile", 2), "Double", 21); got != 42 {
				t.Errorf("Double(21) on a new object = %d after the failure, want 42", got)
			}
		})
	}
}

func checkRemote(t *testing.T, err error, method, message string, panicked bool) {
	t.Helper()
	var re *proxy.RemoteError
	if !errors.As(err, &re) {
		t.Fatalf("error %q (%T) is not a *proxy.RemoteError", err, err)
	}
	if re.Typeid != "fragile" || re.Method != method || re.Message != message || re.Panic != panicked {
		t.Errorf("RemoteError{Typeid: %q, Method: %q, Message: %q, Panic: %v}, want {fragile %s %q %v}",
			re.Typeid, re.Method, re.Message, re.Panic, method, message, panicked)
	}
	switch {
	case panicked && !strings.Contains(re.Stack, "goroutine"):
		t.Errorf("a panic's RemoteError has no server stack: %q", re.Stack)
	case strings.Contains(err.Error(), "\n"):
		t.Errorf("a RemoteError's text is not one line: %q", err)
	case panicked && !strings.Contains(fmt.Sprintf("%+v", re), re.Stack):
		t.Errorf("%%+v of a panic's RemoteError lacks the server stack: %+v", re)
	case !panicked && re.Stack != "":
		t.Errorf("an error return carries a stack: %q", re.Stack)
	}
	if !strings.Contains(err.Error(), message) {
		t.Errorf("error text %q lacks the message %q", err, message)
	}
}

// Without a connection, Get refuses an undeclared typeid locally, and a
// declared one with ErrNotConnected, instead of crashing.
func TestGetBeforeConnect(t *testing.T) {
	m := basemanager.New("")
	if err := m.Register("fragile", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Get("nowhere"); !errors.Is(err, proxy.ErrUnknownTypeid) {
		t.Errorf("Get of an undeclared typeid: %v, want ErrUnknownTypeid", err)
	}
	if _, err := m.Get("fragile"); !errors.Is(err, basemanager.ErrNotConnected) {
		t.Errorf("Get before Connect: %v, want ErrNotConnected", err)
	}
}

// gobhint_test.go runs two real programs that disagree on their gob
// registrations: a server in this test process, a client in a child process
// (this test binary again, with gobHintEnv set). Each failure must be
// explained from the side where it happens: the sender that never
// registered its type, or the receiver that does not know the sender's name.

package basemanager_test

import (
	"context"
	"encoding/gob"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"gomanager/basemanager"
)

const gobHintEnv = "GOMANAGER_GOBHINT_ROLE" // "client": run gobHintClient

// The names each program registers its own point type under. Only the
// server registers serverPointName, only the client clientPointName.
const (
	serverPointName = "gomanager.test/serveronly.Point"
	clientPointName = "gomanager.test/clientonly.Point"
)

type (
	serverPoint  struct{ X, Y int }
	clientPoint  struct{ X, Y int }
	unregistered struct{ X int } // registered by neither program
)

// pointBox is the shared object: it hands out a serverPoint and reports
// the type of what it is given.
type pointBox struct{}

func (pointBox) Point() any        { return serverPoint{1, 2} }
func (pointBox) Take(v any) string { return fmt.Sprintf("%T", v) }

func TestGobHintsAcrossPrograms(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an OS process")
	}
	gob.RegisterName(serverPointName, serverPoint{}) // this program only
	key := "gob-hint-key"
	p := newPair(t, []typeid{reg("points", func() *pointBox { return &pointBox{} })},
		basemanager.WithAuthKey(key))
	// In this program the names agree: a call works.
	if got := call[string](t, get(t, p.client, "points"), "Take", serverPoint{}); got != "basemanager_test.serverPoint" {
		t.Fatalf("Take in one program = %q", got)
	}

	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestGobHintHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), gobHintEnv+"=client", addressEnv+"="+p.srv.Address(), authkeyEnv+"="+key)
	out, err := cmd.CombinedOutput() // bounded: ctx kills the child
	if err != nil {
		t.Fatalf("client process: %v\n%s", err, out)
	}
	t.Logf("the client process reported:\n%s", out)
	got := map[string]string{}
	for line := range strings.Lines(string(out)) {
		if what, msg, ok := strings.Cut(strings.TrimSpace(line), ": "); ok {
			got[what] = msg
		}
	}
	for _, c := range []struct {
		what        string
		want, avoid []string
	}{
		// The client decodes a result of a type only the server registered.
		{"result", []string{
			`gob: name not registered for interface: "` + serverPointName + `"`,
			`the peer sent a value of type "` + serverPointName + `" that this program has not registered`,
			"both programs must agree on the type",
			"gob.RegisterName with the same name on both sides",
		}, []string{"this program must register"}},
		// The client sends a type it never registered: it fails there.
		{"unregistered argument", []string{
			"encoding arguments",
			"gob: type not registered for interface: basemanager_test.unregistered",
			"this program must register basemanager_test.unregistered",
			"gob.Register", "gob.RegisterName",
		}, []string{"peer sent"}},
		// The client sends a type only it registered: the server fails to
		// decode it, and says why.
		{"argument", []string{
			"could not decode the arguments",
			`the peer sent a value of type "` + clientPointName + `" that this program has not registered`,
			"both programs must agree on the type",
		}, []string{"this program must register"}},
	} {
		msg, ok := got[c.what]
		if !ok {
			t.Errorf("the client reported no %q error:\n%s", c.what, out)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q lacks %q", c.what, msg, w)
			}
		}
		for _, a := range c.avoid {
			if strings.Contains(msg, a) {
				t.Errorf("%s: %q should not say %q", c.what, msg, a)
			}
		}
	}
}

// TestGobHintHelperProcess is not a test: it is the body of the client
// process TestGobHintsAcrossPrograms starts. Run directly, it does nothing.
func TestGobHintHelperProcess(t *testing.T) {
	if os.Getenv(gobHintEnv) != "client" {
		return
	}
	if err := gobHintClient(); err != nil {
		fmt.Println("fatal:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// gobHintClient connects to the server, makes each failing call and prints
// "what: error" for each; a call that succeeds is an error.
func gobHintClient() error {
	gob.RegisterName(clientPointName, clientPoint{}) // this program only
	m := basemanager.New(os.Getenv(addressEnv), basemanager.WithAuthKey(os.Getenv(authkeyEnv)))
	defer m.Shutdown()
	if err := m.Register("points", nil); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := m.ConnectContext(ctx); err != nil {
		return err
	}
	px, err := m.Get("points")
	if err != nil {
		return err
	}
	for _, c := range []struct {
		what   string
		method string
		args   []any
	}{
		{"result", "Point", nil},
		{"unregistered argument", "Take", []any{unregistered{1}}},
		{"argument", "Take", []any{clientPoint{3, 4}}},
	} {
		v, err := px.CallMethod(c.method, c.args...)
		if err == nil {
			return fmt.Errorf("%s: %s returned %v, want an error", c.what, c.method, v)
		}
		fmt.Printf("%s: %s\n", c.what, strings.ReplaceAll(err.Error(), "\n", " "))
	}
	return nil
}

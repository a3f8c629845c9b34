// authkey_hint_test.go checks what a client is told when its authkey does
// not match the server's: a client that gave no key at all learns that the
// server requires one, and a client with another key is told so.

package basemanager_test

import (
	"errors"
	"net"
	"strings"
	"testing"

	"gomanager/basemanager"
	"gomanager/basemanager/internal/testkit"
)

// serveKeyed starts a server with authkey key on a port the OS picks. It is
// stopped on cleanup, which waits for ServeForever to return.
func serveKeyed(t *testing.T, key string) string {
	t.Helper()
	m := basemanager.New("127.0.0.1:0", basemanager.WithAuthKey(key), basemanager.WithLogger(nil))
	return testkit.Serve(t, m).Address()
}

// connectErr connects a client with opts to address and returns the error,
// failing the test if it connected.
func connectErr(t *testing.T, address string, opts ...basemanager.Option) error {
	t.Helper()
	c := basemanager.New(address, opts...)
	t.Cleanup(func() { c.Shutdown() })
	err := within(t, "Connect", c.Connect)
	if err == nil {
		t.Fatal("Connect succeeded against a server with another authkey")
	}
	return err
}

func TestClientWithoutAuthKeyIsToldServerNeedsOne(t *testing.T) {
	address := serveKeyed(t, "k")

	for _, opts := range [][]basemanager.Option{
		nil,                                    // no key at all
		{basemanager.WithAuthKey("")},          // an empty one
		{basemanager.WithAuthKey([]byte(nil))}, // a nil one
	} {
		err := connectErr(t, address, opts...)
		if !errors.Is(err, basemanager.ErrAuthentication) {
			t.Errorf("Connect: %v; want ErrAuthentication", err)
		}
		msg := err.Error()
		t.Logf("Connect with %d options: %v", len(opts), err)
		for _, want := range []string{"requires an authkey", "this side gave none", "WithAuthKey"} {
			if !strings.Contains(msg, want) {
				t.Errorf("Connect: %q lacks %q", msg, want)
			}
		}
		if strings.Contains(msg, "another authkey") {
			t.Errorf("Connect: %q says another authkey; this side gave none", msg)
		}
	}
}

func TestClientWithWrongAuthKeyIsToldAnotherKey(t *testing.T) {
	address := serveKeyed(t, "k")

	err := connectErr(t, address, basemanager.WithAuthKey("not k"))
	if !errors.Is(err, basemanager.ErrAuthentication) {
		t.Errorf("Connect: %v; want ErrAuthentication", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "another authkey") || strings.Contains(msg, "gave none") {
		t.Errorf("Connect: %q; want the another-authkey message, not the no-key one", msg)
	}
}

// A server that hangs up on the answer instead of sending #FAILURE# (a
// peer may) refused it just the same: a client with no key is told why.
func TestClientWithoutAuthKeyHungUpOn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan error, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			served <- err
			return
		}
		defer conn.Close()
		if err := writeFrame(conn, append([]byte(challengePrefix), newChallenge()...)); err != nil {
			served <- err
			return
		}
		_, err = readFrame(conn) // the client's answer, then hang up
		served <- err
	}()

	err = connectErr(t, ln.Addr().String())
	if err := receive(t, served, "the raw server"); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(err, basemanager.ErrAuthentication) {
		t.Errorf("Connect: %v; want ErrAuthentication", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "this side gave none") || !strings.Contains(msg, "WithAuthKey") {
		t.Errorf("Connect: %q; want the no-key message", msg)
	}
}

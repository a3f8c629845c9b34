// misuse_test.go proves the clear errors for a manager used in the wrong
// order (issue 10, item 7): registering a typeid after the server exists,
// and asking for a second server.

package basemanager_test

import (
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"gomanager/basemanager"
)

// After Start or GetServer, the server runs with the typeids registered
// before: Register refuses a new one, naming it, instead of accepting a
// typeid the server will never see.
func TestRegisterAfterTheServerExists(t *testing.T) {
	for _, how := range []string{"Start", "GetServer"} {
		t.Run(how, func(t *testing.T) {
			m := basemanager.New("", basemanager.WithLogger(nil))
			if err := m.Register("early", func() *phrase { return &phrase{S: "x"} }); err != nil {
				t.Fatal(err)
			}
			if how == "Start" {
				if err := m.Start(); err != nil {
					t.Fatal(err)
				}
			} else {
				srv, err := m.GetServer()
				if err != nil {
					t.Fatal(err)
				}
				defer srv.Stop()
			}
			defer m.Shutdown()

			err := m.Register("late", func() *phrase { return &phrase{S: "y"} })
			if !errors.Is(err, basemanager.ErrAlreadyStarted) {
				t.Fatalf("Register after %s: %v, want ErrAlreadyStarted", how, err)
			}
			if !strings.Contains(err.Error(), `"late"`) {
				t.Errorf("the error does not name the typeid: %v", err)
			}
		})
	}
}

// GetServer after Start is ErrAlreadyStarted, not a failed bind.
func TestGetServerAfterStart(t *testing.T) {
	m := basemanager.New("", basemanager.WithLogger(nil))
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown()
	if _, err := m.GetServer(); !errors.Is(err, basemanager.ErrAlreadyStarted) {
		t.Fatalf("GetServer after Start: %v, want ErrAlreadyStarted", err)
	}
	// The running server is unharmed.
	if _, err := m.NumberOfObjects(); err != nil {
		t.Fatalf("the started server stopped working: %v", err)
	}
}

// A connecting side may still declare typeids after Connect: it runs no
// server.
func TestRegisterAfterConnect(t *testing.T) {
	p := newPair(t, []typeid{reg("phrase", func() *phrase { return &phrase{S: "hello World"} })})
	if err := p.client.Register("phrase", nil); err != nil {
		t.Fatalf("declaring a typeid after Connect: %v", err)
	}
}

// An empty authkey is no secret: a server with one refuses a non-loopback
// address as a server without one does. (The check comes before binding.)
func TestEmptyAuthKeyIsNoAuthKey(t *testing.T) {
	m := basemanager.New("0.0.0.0:0", basemanager.WithAuthKey(""), basemanager.WithLogger(nil))
	if srv, err := m.GetServer(); !errors.Is(err, basemanager.ErrInsecureAddress) {
		if srv != nil {
			srv.Stop()
		}
		t.Errorf("GetServer on 0.0.0.0 with an empty authkey: %v, want ErrInsecureAddress", err)
	}
}

// A server that accepts but never speaks (a partition during the
// handshake) costs a client at most its handshake timeout, with an error
// that says so.
func TestConnectToASilentServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c // held open, never written to
		}
	}()
	m := basemanager.New(ln.Addr().String(), basemanager.WithHandshakeTimeout(200*time.Millisecond))
	start := time.Now()
	err = within(t, "Connect", m.Connect)
	if took := time.Since(start); took > 200*time.Millisecond+waitLimit/2 {
		t.Errorf("Connect to a silent server took %v with a 200 ms handshake timeout", took)
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) || !strings.Contains(err.Error(), "authentication") {
		t.Errorf("Connect to a silent server: %v, want an authentication error wrapping os.ErrDeadlineExceeded", err)
	}
	(<-accepted).Close()
}

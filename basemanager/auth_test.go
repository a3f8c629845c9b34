// auth_test.go proves the authentication handshake (issue 2, behaviour 7):
// Python 3.12's bytes, played by hand on a raw connection; refusals on both
// sides; wrong keys; and no serving beyond loopback without a key.

package basemanager_test

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"log"
	"net"
	"net/rpc"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/basemanager/internal/connection"
	"gomanager/basemanager/internal/testkit"
	"gomanager/proxy/wire"
)

// The handshake as Python 3.12's multiprocessing.connection speaks it,
// played by hand (package testkit).
const (
	challengePrefix = testkit.ChallengePrefix
	sha256Prefix    = testkit.SHA256Prefix
	welcome         = testkit.Welcome
	failure         = testkit.Failure
	nonceSize       = testkit.NonceSize
)

var (
	writeFrame    = testkit.WriteFrame
	readFrame     = testkit.ReadFrame
	dialRaw       = testkit.DialRaw
	readChallenge = testkit.ReadChallenge
	expectClosed  = testkit.ExpectClosed
)

// response is Python's _create_response for a sha256 challenge: the digest
// name, then HMAC-SHA256 over the challenge with its digest name.
func response(key, challenge []byte) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write(challenge)
	return mac.Sum([]byte(sha256Prefix))
}

// newChallenge returns a challenge's body as Python 3.12 makes it.
func newChallenge() []byte {
	nonce := make([]byte, nonceSize)
	rand.Read(nonce)
	return append([]byte(sha256Prefix), nonce...)
}

func authPair(t *testing.T, key string, opts ...basemanager.Option) (*pair, *logSink) {
	t.Helper()
	sink := newLogSink()
	opts = append([]basemanager.Option{basemanager.WithAuthKey(key), basemanager.WithLogger(log.New(sink, "", 0))}, opts...)
	return newPair(t, []typeid{reg("phrase", func() *phrase { return &phrase{S: "hello World"} })}, opts...), sink
}

// The whole handshake, played as a Python 3.12 client would, byte for byte;
// then the connection carries the manager's rpc service.
func TestHandshakeSpeaksPython312(t *testing.T) {
	key := []byte("the lesson's secret")
	p, _ := authPair(t, string(key))
	conn := dialRaw(t, p.srv.Address())

	// 1. The server challenges; we answer.
	challenge := readChallenge(t, conn)
	if err := writeFrame(conn, response(key, challenge)); err != nil {
		t.Fatal(err)
	}
	if msg, err := readFrame(conn); err != nil || string(msg) != welcome {
		t.Fatalf("after our answer: %q, %v; want %q", msg, err, welcome)
	}

	// 2. We challenge; the server answers.
	ours := newChallenge()
	if err := writeFrame(conn, append([]byte(challengePrefix), ours...)); err != nil {
		t.Fatal(err)
	}
	answer, err := readFrame(conn)
	if err != nil {
		t.Fatalf("reading the server's answer: %v", err)
	}
	if !hmac.Equal(answer, response(key, ours)) {
		t.Fatalf("server's answer %q, want %q + HMAC-SHA256(key, %q + nonce)", answer, sha256Prefix, sha256Prefix)
	}
	if err := writeFrame(conn, []byte(welcome)); err != nil {
		t.Fatal(err)
	}

	// 3. Authenticated: net/rpc from here on.
	conn.SetDeadline(time.Time{})
	client := rpc.NewClientWithCodec(connection.NewClientCodec(conn))
	done := make(chan error, 1)
	go func() { done <- client.Call(wire.ServiceName+".Dummy", &wire.Empty{}, new(uint64)) }()
	if err := receive(t, done, "the rpc call after the handshake"); err != nil {
		t.Errorf("rpc after the handshake: %v", err)
	}
}

// The server refuses a peer that fails the handshake, logs why, closes the
// connection, and keeps serving others.
func TestServerRefusesBadHandshakes(t *testing.T) {
	key := []byte("the lesson's secret")
	tests := []struct {
		name string
		peer func(t *testing.T, conn net.Conn) // what the peer does after reading the challenge
		log  string                            // what the server must log
	}{
		{
			name: "wrong digest",
			peer: func(t *testing.T, conn net.Conn) {
				if err := writeFrame(conn, response([]byte("another key"), readChallenge(t, conn))); err != nil {
					t.Fatal(err)
				}
				if msg, err := readFrame(conn); err != nil || string(msg) != failure {
					t.Errorf("after a wrong digest: %q, %v; want %q", msg, err, failure)
				}
			},
			log: "digest received was wrong",
		},
		{
			name: "frame longer than 256 bytes",
			peer: func(t *testing.T, conn net.Conn) {
				readChallenge(t, conn)
				// Only the length goes out: the server must refuse it unread.
				if _, err := conn.Write(binary.BigEndian.AppendUint32(nil, 257)); err != nil {
					t.Fatal(err)
				}
			},
			log: "bad message length 257",
		},
		{
			name: "silent peer",
			peer: func(t *testing.T, conn net.Conn) {
				readChallenge(t, conn) // and never answer
			},
			log: "i/o timeout",
		},
		{
			name: "silent from the start",
			peer: func(t *testing.T, conn net.Conn) {}, // not even reading
			log:  "i/o timeout",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, sink := authPair(t, string(key), basemanager.WithHandshakeTimeout(250*time.Millisecond))
			conn := dialRaw(t, p.srv.Address())

			tt.peer(t, conn)

			// Others are served meanwhile, even while a silent peer waits.
			if got := call[string](t, get(t, p.connect(t), "phrase"), "Upper"); got != "HELLO WORLD" {
				t.Errorf("a good client: Upper() = %q", got)
			}
			expectClosed(t, conn)
			sink.waitFor(t, tt.log)
		})
	}
}

// A client with the wrong key, or none, fails to connect with
// ErrAuthentication; the server logs it and keeps serving others.
func TestWrongAuthKey(t *testing.T) {
	p, sink := authPair(t, "right")
	first := get(t, p.client, "phrase")
	tests := []struct {
		name string
		opts []basemanager.Option
	}{
		{name: "wrong key", opts: []basemanager.Option{basemanager.WithAuthKey("wrong")}},
		{name: "no key", opts: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := basemanager.New(p.srv.Address(), tt.opts...)
			t.Cleanup(func() { m.Shutdown() })
			if err := within(t, "Connect", m.Connect); !errors.Is(err, basemanager.ErrAuthentication) {
				t.Fatalf("Connect: %v, want ErrAuthentication", err)
			}
			sink.waitFor(t, "digest received was wrong")
			if got := call[string](t, first, "Upper"); got != "HELLO WORLD" {
				t.Errorf("a connected client after the refusal: Upper() = %q", got)
			}
			if got := call[string](t, get(t, p.connect(t), "phrase"), "Upper"); got != "HELLO WORLD" {
				t.Errorf("a new client after the refusal: Upper() = %q", got)
			}
		})
	}
}

// The client side of the handshake distrusts the server as much: a server
// that sends an overlong frame, rejects the client or says nothing fails
// Connect instead of hanging it.
func TestClientRefusesBadServers(t *testing.T) {
	tests := []struct {
		name   string
		server func(conn net.Conn) error // the fake server's side
		auth   bool                      // Connect's error must wrap ErrAuthentication
	}{
		{
			name: "frame longer than 256 bytes",
			server: func(conn net.Conn) error {
				_, err := conn.Write(binary.BigEndian.AppendUint32(nil, 1000))
				return err
			},
			auth: true,
		},
		{
			name: "rejects the client",
			server: func(conn net.Conn) error {
				if err := writeFrame(conn, append([]byte(challengePrefix), newChallenge()...)); err != nil {
					return err
				}
				if _, err := readFrame(conn); err != nil {
					return err
				}
				return writeFrame(conn, []byte(failure))
			},
			auth: true,
		},
		{
			name:   "silent",
			server: func(conn net.Conn) error { return nil },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ln.Close() })
			served := make(chan error, 1)
			release := make(chan struct{}) // the fake holds its connection open until the test ends
			t.Cleanup(func() { close(release) })
			go func() {
				conn, err := ln.Accept()
				if err != nil {
					served <- err
					return
				}
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(waitLimit))
				served <- tt.server(conn)
				<-release
			}()

			m := basemanager.New(ln.Addr().String(), basemanager.WithAuthKey("key"),
				basemanager.WithHandshakeTimeout(250*time.Millisecond))
			t.Cleanup(func() { m.Shutdown() })
			err = within(t, "Connect", m.Connect)
			if err == nil {
				t.Fatal("Connect succeeded")
			}
			if tt.auth && !errors.Is(err, basemanager.ErrAuthentication) {
				t.Errorf("Connect: %v, want ErrAuthentication", err)
			}
			if err := receive(t, served, "the fake server"); err != nil {
				t.Errorf("fake server: %v", err)
			}
		})
	}
}

// Without an authkey a server only listens on loopback; any other address
// is refused before anything is bound.
func TestNoAuthKeyOnlyOnLoopback(t *testing.T) {
	m := basemanager.New("0.0.0.0:0", basemanager.WithLogger(nil))
	srv, err := m.GetServer()
	if err == nil {
		srv.Stop()
		t.Fatalf("GetServer without an authkey listened on %s", srv.Address())
	}
	if !errors.Is(err, basemanager.ErrInsecureAddress) {
		t.Errorf("GetServer: %v, want ErrInsecureAddress", err)
	}
	if err := m.Start(); !errors.Is(err, basemanager.ErrInsecureAddress) {
		t.Errorf("Start: %v, want ErrInsecureAddress", err)
	}
}

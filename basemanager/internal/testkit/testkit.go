// Package testkit holds what the tests of several packages share: bounded
// waits, and the handshake of Python's multiprocessing.connection written
// out by hand, independently of package basemanager, for tests that play a
// peer byte by byte.
package testkit

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"gomanager/basemanager"
)

// WaitLimit bounds every wait in the tests: it is how long we give
// something that should happen at once before calling the test failed.
const WaitLimit = 10 * time.Second

// Receive waits for one value from c, failing the test after WaitLimit.
func Receive[T any](t testing.TB, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(WaitLimit):
		t.Fatalf("gave up after %v waiting for %s", WaitLimit, what)
		var zero T
		return zero
	}
}

// Within runs f and returns its error, failing the test if f has not
// returned after WaitLimit: a call that should fail fast must not hang.
func Within(t testing.TB, what string, f func() error) error {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- f() }()
	select {
	case err := <-errc:
		return err
	case <-time.After(WaitLimit):
		t.Fatalf("%s still running after %v", what, WaitLimit)
		return nil
	}
}

// The handshake as Python 3.12's multiprocessing.connection speaks it,
// written out here, not taken from package connection.
const (
	ChallengePrefix = "#CHALLENGE#"
	SHA256Prefix    = "{sha256}"
	Welcome         = "#WELCOME#"
	Failure         = "#FAILURE#"
	NonceSize       = 40 // Python's MESSAGE_LENGTH
)

// WriteFrame sends payload as Python's Connection.send_bytes does: a 4-byte
// big-endian length, then the bytes.
func WriteFrame(w io.Writer, payload []byte) error {
	frame := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	_, err := w.Write(append(frame, payload...))
	return err
}

// ReadFrame reads one frame of at most 1 KiB.
func ReadFrame(r io.Reader) ([]byte, error) {
	var n uint32
	if err := binary.Read(r, binary.BigEndian, &n); err != nil {
		return nil, err
	}
	if n > 1024 {
		return nil, errors.New("frame too long for a handshake")
	}
	payload := make([]byte, n)
	_, err := io.ReadFull(r, payload)
	return payload, err
}

// DialRaw opens a plain TCP connection to address, with every read and
// write bounded by WaitLimit.
func DialRaw(t testing.TB, address string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", address, WaitLimit)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(WaitLimit))
	return conn
}

// ReadChallenge reads the server's challenge and checks its form, returning
// its body (the part after #CHALLENGE#).
func ReadChallenge(t testing.TB, conn net.Conn) []byte {
	t.Helper()
	msg, err := ReadFrame(conn)
	if err != nil {
		t.Fatalf("reading the server's challenge: %v", err)
	}
	body, ok := bytes.CutPrefix(msg, []byte(ChallengePrefix))
	if !ok || !bytes.HasPrefix(body, []byte(SHA256Prefix)) || len(body) != len(SHA256Prefix)+NonceSize {
		t.Fatalf("server's first message %q, want %q + %q + %d random bytes", msg, ChallengePrefix, SHA256Prefix, NonceSize)
	}
	return body
}

// ExpectClosed checks that the server closes conn, rather than leaving it
// open until our deadline. Whatever the server sent first is skipped.
func ExpectClosed(t testing.TB, conn net.Conn) {
	t.Helper()
	var ne net.Error
	if _, err := io.Copy(io.Discard, conn); errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the connection open: %v", err)
	}
}

// Serve gets m's server and serves it on a goroutine until the test ends;
// then it stops the server and checks, within WaitLimit, that ServeForever
// returned nil.
func Serve(t testing.TB, m *basemanager.Manager) *basemanager.Server {
	t.Helper()
	srv, err := m.GetServer()
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeForever() }()
	t.Cleanup(func() {
		srv.Stop()
		if err := Receive(t, served, "ServeForever to return after Stop"); err != nil {
			t.Errorf("ServeForever: %v", err)
		}
	})
	return srv
}

// SocketDir returns a directory for Unix socket files whose paths fit in
// sun_path (108 bytes): t.TempDir(), or a shorter one when the test's name
// makes that too long. It is removed when the test ends.
func SocketDir(t testing.TB) string {
	t.Helper()
	if dir := t.TempDir(); len(dir) < 80 {
		return dir
	}
	dir, err := os.MkdirTemp("", "gm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

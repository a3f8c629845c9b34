package python_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"gomanager/basemanager"
)

// waitLimit bounds every wait in these tests: it is how long we give
// something that should happen at once before calling the test failed.
const waitLimit = 10 * time.Second

// typeid is one registration: the server registers callable under name.
type typeid struct {
	name     string
	callable any
	opts     []basemanager.RegisterOption
}

func reg(name string, callable any, opts ...basemanager.RegisterOption) typeid {
	return typeid{name: name, callable: callable, opts: opts}
}

// receive waits for one value from c, failing the test after waitLimit.
func receive[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(waitLimit):
		t.Fatalf("gave up after %v waiting for %s", waitLimit, what)
		var zero T
		return zero
	}
}

// The handshake as Python 3.12's multiprocessing.connection speaks it,
// written out here independently of package basemanager.
const (
	challengePrefix = "#CHALLENGE#"
	sha256Prefix    = "{sha256}"
	welcome         = "#WELCOME#"
	failure         = "#FAILURE#"
	nonceSize       = 40 // Python's MESSAGE_LENGTH
)

// writeFrame sends payload as Python's Connection.send_bytes does: a 4-byte
// big-endian length, then the bytes.
func writeFrame(w io.Writer, payload []byte) error {
	frame := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	_, err := w.Write(append(frame, payload...))
	return err
}

// readFrame reads one frame of at most 1 KiB.
func readFrame(r io.Reader) ([]byte, error) {
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

// dialRaw opens a plain TCP connection to address, with every read and
// write bounded by waitLimit.
func dialRaw(t *testing.T, address string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", address, waitLimit)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(waitLimit))
	return conn
}

// readChallenge reads the server's challenge and checks its form, returning
// its body (the part after #CHALLENGE#).
func readChallenge(t *testing.T, conn net.Conn) []byte {
	t.Helper()
	msg, err := readFrame(conn)
	if err != nil {
		t.Fatalf("reading the server's challenge: %v", err)
	}
	body, ok := bytes.CutPrefix(msg, []byte(challengePrefix))
	if !ok || !bytes.HasPrefix(body, []byte(sha256Prefix)) || len(body) != len(sha256Prefix)+nonceSize {
		t.Fatalf("server's first message %q, want %q + %q + %d random bytes", msg, challengePrefix, sha256Prefix, nonceSize)
	}
	return body
}

// within runs f and returns its error, failing the test if f has not
// returned after waitLimit: a call that should fail fast must not hang.
func within(t *testing.T, what string, f func() error) error {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- f() }()
	select {
	case err := <-errc:
		return err
	case <-time.After(waitLimit):
		t.Fatalf("%s still running after %v", what, waitLimit)
		return nil
	}
}

// expectClosed checks that the server closes conn, rather than leaving it
// open until our deadline. Whatever the server sent first is skipped.
func expectClosed(t *testing.T, conn net.Conn) {
	t.Helper()
	var ne net.Error
	if _, err := io.Copy(io.Discard, conn); errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the connection open: %v", err)
	}
}

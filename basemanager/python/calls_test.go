// calls_test.go proves that a Python client thread's connection, served
// on one goroutine (calls.go), still notices its client going away while
// a call waits: a waiting call is cancelled at once, and a method that
// blocks without looking at its context no longer keeps the connection's
// holds.

package python_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"gomanager/basemanager/internal/testkit"
	"gomanager/basemanager/pickle"
)

// pyCreateRaw creates an object of typeid as a Python client does, on a
// connection of its own, and returns its ident.
func pyCreateRaw(t *testing.T, address string, key []byte, typeid string) string {
	t.Helper()
	conn := testkit.DialRaw(t, address)
	defer conn.Close()
	playLegacyClient(t, conn, key)
	r, ok := pyExchange(t, conn, pickle.Tuple{nil, "create", pickle.Tuple{typeid}, pickle.Dict{}}).(pickle.Tuple)
	if !ok || len(r) != 2 || r[0] != "#RETURN" {
		t.Fatalf("create %q: %s", typeid, pickle.Repr(r))
	}
	return r[1].(pickle.Tuple)[0].(string)
}

// pyThread opens a Python client thread's connection (accept_connection),
// closed when the test ends.
func pyThread(t *testing.T, address string, key []byte) net.Conn {
	t.Helper()
	conn := testkit.DialRaw(t, address)
	playLegacyClient(t, conn, key)
	if got := pickle.Repr(pyExchange(t, conn, pickle.Tuple{nil, "accept_connection", pickle.Tuple{"thread"}, pickle.Dict{}})); got != "('#RETURN', None)" {
		t.Fatalf("accept_connection: %s", got)
	}
	return conn
}

// pyMethodCall calls a method on conn and returns the reply as Python
// shows it.
func pyMethodCall(t *testing.T, conn net.Conn, ident, method string, args ...any) string {
	t.Helper()
	return pickle.Repr(pyExchange(t, conn, pickle.Tuple{ident, method, pickle.Tuple(args), pickle.Dict{}}))
}

// pySend sends a method call on conn without waiting for its reply.
func pySend(t *testing.T, conn net.Conn, ident, method string, args ...any) {
	t.Helper()
	data, err := pickle.Marshal(pickle.Tuple{ident, method, pickle.Tuple(args), pickle.Dict{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := testkit.WriteFrame(conn, data); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond every millisecond until it holds, for at most
// waitLimit, and returns how long it took.
func eventually(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > waitLimit {
			t.Fatalf("%s: not within %v", what, waitLimit)
		}
		time.Sleep(time.Millisecond)
	}
	return time.Since(start)
}

// A Queue's get that waits is cancelled as soon as its client hangs up:
// it takes nothing put afterwards.
func TestPythonClientGoneMidWait(t *testing.T) {
	key := []byte("gone mid wait key")
	srv := serveSync(t, string(key))
	q := pyCreateRaw(t, srv.Address(), key, "Queue")
	waiter, other := pyThread(t, srv.Address(), key), pyThread(t, srv.Address(), key)
	defer other.Close()
	blocked := func(n int) func() bool {
		want := "blocked=" + string(rune('0'+n)) + ")"
		return func() bool { return strings.HasSuffix(pyMethodCall(t, other, q, "__str__"), want+"')") }
	}

	pySend(t, waiter, q, "get")
	eventually(t, "the get to wait", blocked(1))
	waiter.Close()
	took := eventually(t, "the get to be cancelled after its client hung up", blocked(0))
	t.Logf("the waiting get ended %v after its client hung up", took)

	if got := pyMethodCall(t, other, q, "put", 7); got != "('#RETURN', None)" {
		t.Fatalf("put: %s", got)
	}
	if got := pyMethodCall(t, other, q, "get_nowait"); got != "('#RETURN', 7)" {
		t.Errorf("get_nowait after the cancelled get: %s, want ('#RETURN', 7): the cancelled get took the item", got)
	}
}

// Stuck blocks in Wait until the test ends, without looking at a context.
type Stuck struct {
	entered chan struct{}
	release chan struct{}
}

func (s *Stuck) Wait() int {
	s.entered <- struct{}{}
	<-s.release
	return 1
}

// A client that hangs up while its method is stuck, ignoring its context,
// loses its holds all the same: the Lock it acquired on that connection is
// released (abandoned) while the method is still stuck.
func TestPythonClientGoneMidStuckMethod(t *testing.T) {
	key := []byte("gone mid stuck key")
	stuck := &Stuck{entered: make(chan struct{}, 1), release: make(chan struct{})}
	srv := serveSync(t, string(key), reg("stuck", func() *Stuck { return stuck }))
	t.Cleanup(func() { close(stuck.release) }) // before the server stops: cleanups run last first
	lock := pyCreateRaw(t, srv.Address(), key, "Lock")
	s := pyCreateRaw(t, srv.Address(), key, "stuck")

	holder := pyThread(t, srv.Address(), key)
	if got := pyMethodCall(t, holder, lock, "acquire"); got != "('#RETURN', True)" {
		t.Fatalf("acquire: %s", got)
	}
	pySend(t, holder, s, "wait")
	receive(t, stuck.entered, "the stuck method to start")
	holder.Close()

	other := pyThread(t, srv.Address(), key)
	defer other.Close()
	took := eventually(t, "the gone client's lock to be released", func() bool {
		return pyMethodCall(t, other, lock, "acquire", false) == "('#RETURN', True)"
	})
	t.Logf("the gone client's lock was released %v after it hung up", took)
}

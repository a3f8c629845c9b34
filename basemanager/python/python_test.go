// python_test.go proves the Python front door and the Go client of Python
// servers (issue 6): every CPython's (3.8 to 3.13, as found) own SyncManager client uses the Go
// SyncManager's shared types and gets Python's exceptions; the Go client
// uses a CPython SyncManager server's dict and Queue; both handshake
// dialects, played by hand; and bad input on the Python side of the door.

package python_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/basemanager/internal/testkit"
	"gomanager/basemanager/pickle"
	"gomanager/basemanager/python"
	"gomanager/basemanager/sharedtypes"
	"gomanager/proxy"
)

// pythonLimit bounds each Python process: it starts an interpreter and
// imports multiprocessing, which a loaded machine may take a while to do.
const pythonLimit = 30 * time.Second

// pythonScript returns a command running testdata/python/script with args
// under the CPython py, with the authkey in its environment, killed if it
// outlives ctx. The tests run with every CPython found (testkit.Pythons):
// without any they fail rather than skip, so CI cannot pass them vacuously.
func pythonScript(t *testing.T, py testkit.Python, ctx context.Context, key, script string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(ctx, py.Path, append([]string{filepath.Join("..", "..", "testdata", "python", script)}, args...)...)
	cmd.Env = append(os.Environ(), "GOMANAGER_AUTHKEY="+key)
	cmd.WaitDelay = time.Second
	return cmd
}

// runScript runs testdata/python/script against address with key and
// checks that it finished its checks.
func runScript(t *testing.T, py testkit.Python, key, script, address string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), pythonLimit)
	defer cancel()
	out, err := pythonScript(t, py, ctx, key, script, address).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v (context: %v)\n%s", script, err, ctx.Err(), out)
	}
	if !strings.HasSuffix(string(out), "all checks passed\n") {
		t.Fatalf("%s did not finish its checks:\n%s", script, out)
	}
	t.Logf("%s:\n%s", script, out)
}

// serveSync starts a Go SyncManager server on loopback with key, plus the
// extra registrations, and stops it when the test ends.
func serveSync(t *testing.T, key string, extra ...typeid) *basemanager.Server {
	t.Helper()
	m := basemanager.NewSyncManager("127.0.0.1:0", basemanager.WithAuthKey(key), basemanager.WithLogger(nil))
	for _, ty := range extra {
		if err := m.Register(ty.name, ty.callable, ty.opts...); err != nil {
			t.Fatal(err)
		}
	}
	return testkit.Serve(t, m)
}

// Every CPython's SyncManager client (3.8 to 3.13, as found), with register()-only declarations,
// uses the Go SyncManager's dict, list, Queue, Lock, RLock, Event, Value,
// Namespace, BoundedSemaphore, Condition and Barrier, gets Python's own
// exceptions where Python raises them (testdata/python/sync_client.py
// checks each), shares a dict with a Go client, and releases every
// reference it took: the server ends with no objects.
func TestPythonSyncManagerClient(t *testing.T) {
	testkit.ForEachPython(t, testPythonSyncManagerClient)
}

func testPythonSyncManagerClient(t *testing.T, py testkit.Python) {
	const key = "python client key"
	shared, _ := sharedtypes.NewDict()
	srv := serveSync(t, key, reg("shared_dict", func() *sharedtypes.Dict { return shared }, basemanager.Concurrent()))

	goSide := basemanager.New(srv.Address(), basemanager.WithAuthKey(key))
	goSide.Register("shared_dict", nil)
	if err := goSide.Connect(); err != nil {
		t.Fatal(err)
	}
	defer goSide.Shutdown()
	d, err := goSide.Get("shared_dict")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.CallMethod("Set", "from_go", 2); err != nil {
		t.Fatal(err)
	}

	runScript(t, py, key, "sync_client.py", srv.Address())

	for key, want := range map[string]string{"from_python": "1", "tuple": "(1, 'a')", "nested": "{'k': [1, 2.5]}"} {
		if v, err := d.CallMethod("Get", key); err != nil || pickle.Repr(v) != want {
			t.Errorf("the Go client reads what Python stored under %q: %s, %v; want %s", key, pickle.Repr(v), err, want)
		}
	}
	d.Close()
	if n := srv.NumberOfObjects(); n != 0 {
		t.Errorf("after the Python client exited the server holds %d objects, want 0:\n%s", n, srv.DebugInfo())
	}
}

// startPythonServer runs testdata/python/sync_server.py, a CPython
// SyncManager server (on the Unix socket path args[0], if given), and
// returns its address once it listens. It stops when the test ends (its
// stdin closes).
func startPythonServer(t *testing.T, py testkit.Python, key string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), pythonLimit)
	cmd := pythonScript(t, py, ctx, key, "sync_server.py", args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("sync_server.py: %v\n%s", err, stderr.String())
		}
		cancel()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("sync_server.py never said it was ready: %v\n%s", err, stderr.String())
	}
	address, ok := strings.CutPrefix(strings.TrimSpace(line), "ready ")
	if !ok {
		t.Fatalf("sync_server.py: %q, want a ready line", line)
	}
	return address
}

// The Go client uses every CPython's SyncManager server (as found)'s dict and Queue:
// create, calls with Python's names (or Go's, mapped), keyword arguments,
// Python's exceptions as errors that unwrap to the shared types' sentinels,
// a #PROXY reply (dict iteration), str and _getvalue; and it releases its
// references: the server ends with no objects.
func TestGoClientOfPythonSyncManager(t *testing.T) {
	testkit.ForEachPython(t, testGoClientOfPythonSyncManager)
}

func testGoClientOfPythonSyncManager(t *testing.T, py testkit.Python) {
	const key = "python server key"
	c := python.NewClient(startPythonServer(t, py, key), basemanager.WithAuthKey(key))
	defer c.Close()
	if err := c.Connect(); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	exercisePythonDictAndQueue(t, c)
	if py.Minor >= 13 { // queue.ShutDown is new in 3.13
		q, err := c.Create("Queue")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := q.CallMethod("shutdown"); err != nil {
			t.Errorf("shutdown(): %v", err)
		}
		if _, err := q.CallMethod("put", 1); !errors.Is(err, proxy.ErrShutDown) {
			t.Errorf("put after shutdown(): %v, want an error wrapping proxy.ErrShutDown (queue.ShutDown)", err)
		}
		q.Close()
	}
	if n, err := c.NumberOfObjects(); err != nil || n != 0 {
		info, _ := c.DebugInfo()
		t.Errorf("NumberOfObjects = %d, %v after every proxy closed; want 0:\n%s", n, err, info)
	}

	wrong := python.NewClient(c.Address(), basemanager.WithAuthKey("wrong"))
	if err := wrong.Connect(); !errors.Is(err, basemanager.ErrAuthentication) {
		t.Errorf("Connect with a wrong key: %v, want ErrAuthentication", err)
	}
}

// The same client works against the Go server's Python front door, with no
// Python in between: both halves of the protocol check each other.
func TestPythonClientOfGoServer(t *testing.T) {
	const key = "go server key"
	srv := serveSync(t, key)
	c := python.NewClient(srv.Address(), basemanager.WithAuthKey(key))
	defer c.Close()
	if err := c.Connect(); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	exercisePythonDictAndQueue(t, c)
	if n := srv.NumberOfObjects(); n != 0 {
		t.Errorf("the server holds %d objects after every proxy closed, want 0:\n%s", n, srv.DebugInfo())
	}

	// Requests a Go server refuses, answered as Python's would be.
	q, err := c.Create("Queue")
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	var perr *python.Error
	if _, err := q.CallMethod("Put"); !errors.As(err, &perr) || perr.Exception.Name != "TypeError" {
		t.Errorf("put() without its item: %v, want TypeError", err)
	}
	if _, err := q.CallMethod("nonexistent"); !errors.As(err, &perr) || perr.Exception.Name != "RemoteError" ||
		!strings.Contains(perr.Exception.Message(), "AttributeError") {
		t.Errorf("a method not exposed: %v, want a RemoteError naming AttributeError", err)
	}
	if _, err := c.Create("no such typeid"); !errors.As(err, &perr) || !strings.Contains(perr.Error(), "KeyError") {
		t.Errorf("create of an unknown typeid: %v, want a RemoteError naming KeyError", err)
	}
	if got := q.String(); !strings.HasPrefix(got, "Queue(len=0") { // Python's str(proxy): __repr__
		t.Errorf("str(queue) = %q", got)
	}
	if got, err := q.CallMethod("__str__"); err != nil || !strings.HasPrefix(got.(string), "Queue(len=0") {
		t.Errorf("__str__: %v, %v", got, err)
	}
}

// exercisePythonDictAndQueue uses a SyncManager's dict and Queue through
// the Go client of Python's protocol, and closes every proxy it made.
func exercisePythonDictAndQueue(t *testing.T, c *python.Client) {
	t.Helper()
	d, err := c.Create("dict")
	if err != nil {
		t.Fatalf("create dict: %v", err)
	}
	defer d.Close()
	must := func(v any, err error) any {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	must(d.CallMethod("__setitem__", "a", 1))
	must(d.CallMethod("__setitem__", "b", []any{"x", 2.5, nil}))
	if v := must(d.CallMethod("__getitem__", "a")); v != 1 {
		t.Errorf("d['a'] = %#v, want 1", v)
	}
	if v := must(d.CallMethod("__len__")); v != 2 {
		t.Errorf("len(d) = %#v, want 2", v)
	}
	if v := must(d.CallMethod("get", "missing", "default")); v != "default" {
		t.Errorf("d.get('missing', 'default') = %#v", v)
	}
	_, err = d.CallMethod("__getitem__", "missing")
	var perr *python.Error
	if !errors.Is(err, proxy.ErrKeyNotFound) || !errors.As(err, &perr) || pickle.Repr(perr.Exception) != "KeyError('missing')" {
		t.Errorf("d['missing']: %v, want KeyError('missing') (ErrKeyNotFound)", err)
	}
	if s := d.String(); s != "{'a': 1, 'b': ['x', 2.5, None]}" {
		t.Errorf("str(d) = %q", s)
	}
	if v := must(d.GetValue()); pickle.Repr(v) != "{'a': 1, 'b': ['x', 2.5, None]}" {
		t.Errorf("d._getvalue() = %s", pickle.Repr(v))
	}
	it, ok := must(d.CallMethod("__iter__")).(*python.Proxy)
	if !ok {
		t.Fatalf("iter(d) is not a proxy")
	}
	var keys []any
	for {
		k, err := it.CallMethod("__next__")
		if errors.Is(err, proxy.ErrStopIteration) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	it.Close()
	if pickle.Repr(keys) != "['a', 'b']" {
		t.Errorf("iterating d gave %s", pickle.Repr(keys))
	}

	q, err := c.Create("Queue")
	if err != nil {
		t.Fatalf("create Queue: %v", err)
	}
	defer q.Close()
	must(q.CallMethod("put", pickle.Tuple{1, "two"}))
	if v := must(q.CallMethod("Qsize")); v != 1 { // a Go name, mapped to qsize
		t.Errorf("q.qsize() = %#v", v)
	}
	if v := must(q.CallMethod("get")); pickle.Repr(v) != "(1, 'two')" {
		t.Errorf("q.get() = %s", pickle.Repr(v))
	}
	if _, err := q.CallMethod("get_nowait"); !errors.Is(err, proxy.ErrEmpty) {
		t.Errorf("q.get_nowait() on an empty queue: %v, want queue.Empty (ErrEmpty)", err)
	}
	start := time.Now()
	_, err = q.CallMethodKw(context.Background(), "get", nil, map[string]any{"timeout": 0.05})
	if !errors.Is(err, proxy.ErrEmpty) || time.Since(start) < 40*time.Millisecond {
		t.Errorf("q.get(timeout=0.05): %v after %v, want queue.Empty after 0.05 s", err, time.Since(start))
	}
	bounded, err := c.Create("Queue", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer bounded.Close()
	must(bounded.CallMethod("put_nowait", "only"))
	if _, err := bounded.CallMethod("put_nowait", "more"); !errors.Is(err, proxy.ErrFull) {
		t.Errorf("put_nowait on a full queue: %v, want queue.Full (ErrFull)", err)
	}
	// A get blocked in the server while another call puts: each call has
	// its own connection.
	got := make(chan any, 1)
	go func() {
		v, err := q.CallMethodKw(context.Background(), "get", nil, map[string]any{"timeout": 10})
		if err != nil {
			v = err
		}
		got <- v
	}()
	must(q.CallMethod("put", "late"))
	if v := receive(t, got, "the blocked get"); v != "late" {
		t.Errorf("blocked get returned %v", v)
	}
}

// playLegacyClient plays a Python 3.11 client's handshake on conn: answer
// the server's challenge with raw HMAC-MD5, then deliver a 20-byte legacy
// challenge and check the server's raw HMAC-MD5 answer.
func playLegacyClient(t *testing.T, conn net.Conn, key []byte) {
	t.Helper()
	challenge := testkit.ReadChallenge(t, conn)
	if err := testkit.WriteFrame(conn, hmacMD5(key, challenge)); err != nil {
		t.Fatal(err)
	}
	if msg, err := testkit.ReadFrame(conn); err != nil || string(msg) != testkit.Welcome {
		t.Fatalf("after a raw HMAC-MD5 answer: %q, %v; want %q", msg, err, testkit.Welcome)
	}
	ours := make([]byte, 20)
	rand.Read(ours)
	if err := testkit.WriteFrame(conn, append([]byte(testkit.ChallengePrefix), ours...)); err != nil {
		t.Fatal(err)
	}
	answer, err := testkit.ReadFrame(conn)
	if err != nil {
		t.Fatal(err)
	}
	if !hmac.Equal(answer, hmacMD5(key, ours)) {
		t.Fatalf("answer to a legacy challenge: %x, want raw HMAC-MD5 %x", answer, hmacMD5(key, ours))
	}
	if err := testkit.WriteFrame(conn, []byte(testkit.Welcome)); err != nil {
		t.Fatal(err)
	}
}

func hmacMD5(key, msg []byte) []byte {
	mac := hmac.New(md5.New, key)
	mac.Write(msg)
	return mac.Sum(nil)
}

// pyExchange sends one pickled message on conn and returns the decoded reply.
func pyExchange(t *testing.T, conn net.Conn, msg any) any {
	t.Helper()
	data, err := pickle.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	if err := testkit.WriteFrame(conn, data); err != nil {
		t.Fatal(err)
	}
	reply, err := readFrameUpTo(conn, 1<<20)
	if err != nil {
		t.Fatalf("reading the reply to %s: %v", pickle.Repr(msg), err)
	}
	v, err := pickle.Unmarshal(reply)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// readFrameUpTo reads one frame of at most max bytes.
func readFrameUpTo(r io.Reader, max int) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := int(hdr[0])<<24 | int(hdr[1])<<16 | int(hdr[2])<<8 | int(hdr[3])
	if n > max {
		return nil, errors.New("frame too long")
	}
	b := make([]byte, n)
	_, err := io.ReadFull(r, b)
	return b, err
}

// The server speaks Python 3.11's legacy handshake, byte for byte: a raw
// HMAC-MD5 answer to its {sha256} challenge is accepted (as Python 3.12
// accepts it), a legacy 20-byte challenge gets raw HMAC-MD5, a wrong MD5 is
// refused; then a pickled request gets a pickled reply.
func TestHandshakeSpeaksPython311(t *testing.T) {
	key := []byte("legacy key")
	srv := serveSync(t, string(key))

	conn := testkit.DialRaw(t, srv.Address())
	playLegacyClient(t, conn, key)
	if got := pickle.Repr(pyExchange(t, conn, pickle.Tuple{nil, "dummy", pickle.Tuple{}, pickle.Dict{}})); got != "('#RETURN', None)" {
		t.Errorf("dummy: %s", got)
	}

	bad := testkit.DialRaw(t, srv.Address())
	if err := testkit.WriteFrame(bad, hmacMD5([]byte("other key"), testkit.ReadChallenge(t, bad))); err != nil {
		t.Fatal(err)
	}
	if msg, err := testkit.ReadFrame(bad); err != nil || string(msg) != testkit.Failure {
		t.Errorf("after a wrong MD5 answer: %q, %v; want %q", msg, err, testkit.Failure)
	}
}

// The Go client speaks the legacy dialect to a Python 3.11 server: it
// answers a 20-byte challenge with raw HMAC-MD5 and accepts a raw HMAC-MD5
// answer to its own challenge (played here by hand; the real one is in
// TestGoClientOfPythonSyncManager).
func TestGoClientAnswersLegacyServers(t *testing.T) {
	key := []byte("legacy key")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan error, 1)
	go func() {
		served <- func() error {
			conn, err := ln.Accept()
			if err != nil {
				return err
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(waitLimit))
			nonce := make([]byte, 20)
			rand.Read(nonce)
			if err := testkit.WriteFrame(conn, append([]byte(testkit.ChallengePrefix), nonce...)); err != nil {
				return err
			}
			if answer, err := testkit.ReadFrame(conn); err != nil || !hmac.Equal(answer, hmacMD5(key, nonce)) {
				return errors.New("the client's answer is not raw HMAC-MD5")
			}
			testkit.WriteFrame(conn, []byte(testkit.Welcome))
			theirs, err := testkit.ReadFrame(conn)
			if err != nil {
				return err
			}
			testkit.WriteFrame(conn, hmacMD5(key, bytes.TrimPrefix(theirs, []byte(testkit.ChallengePrefix))))
			if msg, err := testkit.ReadFrame(conn); err != nil || string(msg) != testkit.Welcome {
				return errors.New("the client did not welcome our raw HMAC-MD5 answer")
			}
			req, err := testkit.ReadFrame(conn)
			if err != nil {
				return err
			}
			if v, err := pickle.Unmarshal(req); err != nil || pickle.Repr(v) != "(None, 'dummy', (), {})" {
				return errors.New("the request is not Python's dummy: " + pickle.Repr(v))
			}
			reply, _ := pickle.Marshal(pickle.Tuple{"#RETURN", nil})
			return testkit.WriteFrame(conn, reply)
		}()
	}()
	c := python.NewClient(ln.Addr().String(), basemanager.WithAuthKey(key))
	if err := testkit.Within(t, "Connect", c.Connect); err != nil {
		t.Errorf("Connect to a legacy server: %v", err)
	}
	if err := receive(t, served, "the fake Python 3.11 server"); err != nil {
		t.Error(err)
	}
}

// Python requests the server refuses or cannot decode get a #TRACEBACK
// reply (Python's RemoteError) and cost nothing else: a pickle naming
// os.system, an unknown request, shutdown (a gomanager server belongs to
// the program running it), a decref of what was never increfed. A Go
// client meanwhile is served, and the object count stays exact.
func TestPythonFrontDoorRefusals(t *testing.T) {
	key := []byte("front door key")
	srv := serveSync(t, string(key))
	goSide := basemanager.NewSyncManager(srv.Address(), basemanager.WithAuthKey(key))
	if err := goSide.Connect(); err != nil {
		t.Fatal(err)
	}
	defer goSide.Shutdown()
	before, err := proxy.NewDict[string, int](goSide)
	if err != nil {
		t.Fatal(err)
	}
	defer before.Close()

	request := func(msg []byte) any {
		t.Helper()
		conn := testkit.DialRaw(t, srv.Address())
		playLegacyClient(t, conn, key)
		if err := testkit.WriteFrame(conn, msg); err != nil {
			t.Fatal(err)
		}
		reply, err := readFrameUpTo(conn, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		v, err := pickle.Unmarshal(reply)
		if err != nil {
			t.Fatal(err)
		}
		testkit.ExpectClosed(t, conn) // one request per connection, as in Python
		return v
	}
	pickled := func(v any) []byte {
		data, err := pickle.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	tests := []struct {
		name string
		msg  []byte
		want string // in the traceback
	}{
		{"os.system", []byte("\x80\x02cposix\nsystem\nX\x02\x00\x00\x00id\x85R."), "UnpicklingError"},
		{"truncated pickle", []byte("\x80\x04(N"), "UnpicklingError"},
		{"not a request", pickled("hello"), "ValueError"},
		{"unknown request", pickled(pickle.Tuple{nil, "eval", pickle.Tuple{"1"}, pickle.Dict{}}), "AssertionError: 'eval' unrecognized"},
		{"shutdown", pickled(pickle.Tuple{nil, "shutdown", pickle.Tuple{}, pickle.Dict{}}), "RuntimeError: shutdown refused"},
		{"decref of a stranger", pickled(pickle.Tuple{nil, "decref", pickle.Tuple{"1-2"}, pickle.Dict{}}), "KeyError"},
		{"create with bad arguments", pickled(pickle.Tuple{nil, "create", pickle.Tuple{"Queue", "x"}, pickle.Dict{}}), "TypeError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := request(tt.msg)
			r, ok := v.(pickle.Tuple)
			if !ok || len(r) != 2 || r[0] != "#TRACEBACK" || !strings.Contains(r[1].(string), tt.want) {
				t.Fatalf("reply %s, want a #TRACEBACK naming %q", pickle.Repr(v), tt.want)
			}
		})
	}
	if err := before.Set("still", 1); err != nil {
		t.Errorf("a Go client after the refusals: %v", err)
	}
	if n := srv.NumberOfObjects(); n != 1 {
		t.Errorf("the server holds %d objects, want 1 (the Go client's dict)", n)
	}
}

// A Python client's references outlive the connection that took them
// (Python opens one per create, incref and decref), and a decref below what
// Python clients hold is refused, so Python cannot release a Go client's
// reference.
func TestPythonReferencesOutliveConnections(t *testing.T) {
	const key = "refs key"
	srv := serveSync(t, key)
	c := python.NewClient(srv.Address(), basemanager.WithAuthKey(key))
	defer c.Close()
	p, err := c.Create("list")
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.NumberOfObjects(); n != 1 {
		t.Fatalf("after create on a closed connection: %d objects, want 1", n)
	}
	again, err := c.Rebuild(p.Token()) // incref, on another connection
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	if _, err := again.CallMethod("append", 1); err != nil {
		t.Errorf("the second reference after the first was released: %v", err)
	}
	again.Close()
	if n := srv.NumberOfObjects(); n != 0 {
		t.Errorf("after both decrefs: %d objects, want 0", n)
	}
	var perr *python.Error
	if err := p.Close(); err != nil {
		t.Errorf("a second Close: %v, want nil (idempotent)", err)
	}
	stranger := python.NewClient(srv.Address(), basemanager.WithAuthKey(key))
	if _, err := stranger.Rebuild(p.Token()); !errors.As(err, &perr) || !strings.Contains(perr.Error(), "KeyError") {
		t.Errorf("incref of a freed object: %v, want a RemoteError naming KeyError", err)
	}
}

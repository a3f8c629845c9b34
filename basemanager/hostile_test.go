// hostile_test.go proves issue 4's hostile-client items on real TCP
// connections to 127.0.0.1: garbage, truncated frames, silence, huge claimed
// lengths and thousands of half-open connections are each dropped without
// harming other clients; unauthenticated peers make the server hold only a
// small, bounded amount of memory; and the message-size and connection
// limits refuse cleanly, before and after authentication.

package basemanager_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/rpc"
	"runtime"
	"strings"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/basemanager/internal/benchkit"
	"gomanager/basemanager/internal/connection"
	"gomanager/proxy"
	"gomanager/proxy/wire"
)

// hostileKey is the authkey of the servers hostile peers attack.
const hostileKey = "hostile-test-key"

// longHandshake is a handshake timeout far beyond waitLimit: a peer the
// server drops before our reads give up (after waitLimit) was dropped for
// what it sent, not at the handshake deadline.
const longHandshake = 6 * waitLimit

// blob moves big strings, to break the message-size limit either way.
type blob struct{ Got int }

func (b *blob) Put(s string) int  { b.Got += len(s); return len(s) }
func (b *blob) Make(n int) string { return strings.Repeat("x", n) }

// authenticate plays the client's half of the handshake on conn by hand
// (see TestHandshakeSpeaksPython312), leaving conn ready for rpc frames.
func authenticate(t *testing.T, conn net.Conn, key []byte) {
	t.Helper()
	if err := writeFrame(conn, response(key, readChallenge(t, conn))); err != nil {
		t.Fatal(err)
	}
	if msg, err := readFrame(conn); err != nil || string(msg) != welcome {
		t.Fatalf("after our answer: %q, %v; want %q", msg, err, welcome)
	}
	if err := writeFrame(conn, append([]byte(challengePrefix), newChallenge()...)); err != nil {
		t.Fatal(err)
	}
	if _, err := readFrame(conn); err != nil {
		t.Fatalf("reading the server's answer: %v", err)
	}
	if err := writeFrame(conn, []byte(welcome)); err != nil {
		t.Fatal(err)
	}
}

// length is a frame header claiming n bytes.
func length(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }

// write sends b, for hostile peers' table entries.
func write(b ...[]byte) func(net.Conn) error {
	return func(conn net.Conn) error {
		_, err := conn.Write(bytes.Join(b, nil))
		return err
	}
}

// randomBytes returns n random bytes.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// Before authentication: every kind of bad input is dropped, at once when
// it is wrong and at the handshake deadline when it is incomplete, and a
// client connected before, one connecting meanwhile and one connecting
// after are all served.
func TestHostilePeersBeforeAuthentication(t *testing.T) {
	const deadline = 300 * time.Millisecond // for peers that go quiet
	tests := []struct {
		name      string
		handshake time.Duration        // the server's handshake timeout
		peer      func(net.Conn) error // what the hostile peer does, without reading anything
		log       string               // what the server logs when it drops the peer
	}{
		{
			name:      "garbage bytes",
			handshake: longHandshake,
			peer:      write([]byte("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")),
			log:       "bad message length", // "GET " read as a length
		},
		{
			name:      "random bytes",
			handshake: longHandshake,
			peer:      write([]byte{0x5a}, randomBytes(4095)),
			log:       "bad message length",
		},
		{
			name:      "garbage framed as the answer",
			handshake: longHandshake,
			peer:      write(length(40), randomBytes(40)),
			log:       "digest received was wrong",
		},
		{
			name:      "huge claimed length",
			handshake: longHandshake,
			peer:      write(length(0x7fffffff)), // refused unread: nothing follows
			log:       "bad message length 2147483647",
		},
		{
			name:      "negative claimed length",
			handshake: longHandshake,
			peer:      write(length(0xffffffff)),
			log:       "bad message length -1",
		},
		{
			name:      "truncated frame, then end of stream",
			handshake: longHandshake,
			peer: func(conn net.Conn) error {
				if err := write(length(40), randomBytes(10))(conn); err != nil {
					return err
				}
				return conn.(*net.TCPConn).CloseWrite()
			},
			log: "peer closed the connection during authentication",
		},
		{
			name:      "truncated frame, then silence",
			handshake: deadline,
			peer:      write(length(40), randomBytes(10)),
			log:       "i/o timeout",
		},
		{
			name:      "truncated length, then silence",
			handshake: deadline,
			peer:      write([]byte{0, 0}),
			log:       "i/o timeout",
		},
		{
			name:      "sends nothing",
			handshake: deadline,
			peer:      func(net.Conn) error { return nil },
			log:       "i/o timeout",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, sink := authPair(t, hostileKey, basemanager.WithHandshakeTimeout(tt.handshake))
			before := get(t, p.client, "phrase")
			conn := dialRaw(t, p.srv.Address())

			if err := tt.peer(conn); err != nil {
				t.Fatalf("hostile peer: %v", err)
			}
			during := get(t, p.connect(t), "phrase")
			expectClosed(t, conn) // within waitLimit, far less than longHandshake
			sink.waitFor(t, tt.log)

			after := get(t, p.connect(t), "phrase")
			for name, px := range map[string]*proxy.Proxy{"before": before, "during": during, "after": after} {
				if got := call[string](t, px, "Upper"); got != "HELLO WORLD" {
					t.Errorf("client connected %s: Upper() = %q", name, got)
				}
			}
		})
	}
}

// Thousands of connections that never finish the handshake, each doing
// something different, are all dropped at the handshake deadline; a
// client connected before, one connecting while they wait and one
// connecting after are served.
func TestThousandsOfHalfOpenConnections(t *testing.T) {
	const conns = 2000
	const deadline = 2 * time.Second
	benchkit.RaiseFileLimit(t, 2*conns+200) // both ends of every connection are in this process
	p, _ := authPair(t, hostileKey, basemanager.WithHandshakeTimeout(deadline), basemanager.WithLogger(nil))
	before := get(t, p.client, "phrase")

	peers := []func(net.Conn) error{
		func(net.Conn) error { return nil },  // silent
		write([]byte{0, 0}),                  // half a length
		write(length(256), randomBytes(255)), // the longest frame allowed, but one byte short
	}
	hostile := make([]net.Conn, 0, conns)
	t.Cleanup(func() {
		for _, c := range hostile {
			c.Close()
		}
	})
	for i := range conns {
		conn, err := net.DialTimeout("tcp", p.srv.Address(), waitLimit)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		hostile = append(hostile, conn)
		// On a slow machine the first may be dropped before the last is
		// dialled, and writing to it fails: that is no failure.
		peers[i%len(peers)](conn)
	}
	during := get(t, p.connect(t), "phrase")
	if got := call[string](t, during, "Upper"); got != "HELLO WORLD" {
		t.Errorf("client connected during: Upper() = %q", got)
	}

	// Every hostile connection is closed by the server, none left to our
	// read deadline.
	giveUp := time.Now().Add(deadline + waitLimit)
	kept := 0
	for _, conn := range hostile {
		conn.SetReadDeadline(giveUp)
		var ne net.Error
		if _, err := io.Copy(io.Discard, conn); errors.As(err, &ne) && ne.Timeout() {
			kept++
		}
	}
	if kept > 0 {
		t.Errorf("%d of %d half-open connections still open %v after the handshake deadline", kept, conns, waitLimit)
	}

	after := get(t, p.connect(t), "phrase")
	for name, px := range map[string]*proxy.Proxy{"before": before, "during": during, "after": after} {
		if got := call[string](t, px, "Upper"); got != "HELLO WORLD" {
			t.Errorf("client connected %s: Upper() = %q", name, got)
		}
	}
}

// Unauthenticated peers cannot make the server hold more than a small,
// bounded amount each: the handshake reads at most 256 bytes per message,
// and a longer claimed length is refused before anything is allocated.
func TestUnauthenticatedPeersHoldLittleMemory(t *testing.T) {
	t.Run("half-open connections", func(t *testing.T) {
		const conns = 1000
		const bound = 64 << 10 // bytes per connection, generous
		benchkit.RaiseFileLimit(t, 2*conns+200)
		p, _ := authPair(t, hostileKey, basemanager.WithHandshakeTimeout(longHandshake), basemanager.WithLogger(nil))
		before := get(t, p.client, "phrase")

		start := memNow()
		hostile := make([]net.Conn, 0, conns)
		t.Cleanup(func() {
			for _, c := range hostile {
				c.Close()
			}
		})
		for i := range conns {
			conn := dialRaw(t, p.srv.Address())
			hostile = append(hostile, conn)
			// The server has accepted the connection and is in its handshake
			// once it has challenged us; then we claim the longest message it
			// allows and send all of it but one byte, so it holds the most an
			// unauthenticated peer can make it hold.
			readChallenge(t, conn)
			if err := write(length(256), randomBytes(255))(conn); err != nil {
				t.Fatalf("hostile peer %d: %v", i, err)
			}
		}
		used := memNow().since(start)
		t.Logf("%d half-open connections: %s (both ends of each connection are in this process)", conns, used.per(conns))
		if per := used.inUse() / conns; per > bound {
			t.Errorf("%d bytes of heap and stacks per half-open connection, want at most %d", per, bound)
		}
		if got := call[string](t, get(t, p.connect(t), "phrase"), "Upper"); got != "HELLO WORLD" {
			t.Errorf("client connected during: Upper() = %q", got)
		}
		if got := call[string](t, before, "Upper"); got != "HELLO WORLD" {
			t.Errorf("client connected before: Upper() = %q", got)
		}
	})

	t.Run("huge claimed lengths", func(t *testing.T) {
		const peers = 50
		const bound = 64 << 10 // bytes allocated per peer, all told
		p, sink := authPair(t, hostileKey, basemanager.WithHandshakeTimeout(longHandshake))
		start := memNow()
		for i := range peers {
			conn := dialRaw(t, p.srv.Address())
			readChallenge(t, conn)
			if err := write(length(0x7fffffff))(conn); err != nil {
				t.Fatalf("hostile peer %d: %v", i, err)
			}
			expectClosed(t, conn)
			conn.Close()
		}
		sink.waitFor(t, "bad message length 2147483647")
		used := memNow().since(start)
		t.Logf("%d peers claiming 2 GiB messages: %d bytes allocated in all", peers, used.totalAlloc)
		if used.totalAlloc > peers*bound {
			t.Errorf("%d bytes allocated for %d peers claiming 2 GiB messages, want at most %d",
				used.totalAlloc, peers, peers*bound)
		}
		if got := call[string](t, get(t, p.client, "phrase"), "Upper"); got != "HELLO WORLD" {
			t.Errorf("Upper() = %q", got)
		}
	})
}

// After authentication, a bad frame closes that connection only: the
// server's reading stops before gob sees the frame, and the other clients
// are served.
func TestBadFramesAfterAuthentication(t *testing.T) {
	const limit = 4 << 10
	tests := []struct {
		name string
		peer func(net.Conn) error
	}{
		{name: "frame over the limit", peer: write(length(limit+1), randomBytes(limit+1))},
		{name: "huge claimed length", peer: write(length(0x7fffffff))},
		{name: "negative claimed length", peer: write(length(0xffffffff))},
		{name: "garbage frame", peer: write(length(64), []byte{0x3c}, randomBytes(63))},
		// A gob message that claims 65535 bytes in a 16-byte frame.
		{name: "gob length beyond the frame", peer: write(length(16), []byte{0xfe, 0xff, 0xff}, randomBytes(13))},
		{
			name: "truncated frame, then end of stream",
			peer: func(conn net.Conn) error {
				if err := write(length(100), randomBytes(10))(conn); err != nil {
					return err
				}
				return conn.(*net.TCPConn).CloseWrite()
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := authPair(t, hostileKey, basemanager.WithMaxMessageSize(limit))
			before := get(t, p.client, "phrase")
			conn := dialRaw(t, p.srv.Address())
			authenticate(t, conn, []byte(hostileKey))

			if err := tt.peer(conn); err != nil {
				t.Fatalf("hostile peer: %v", err)
			}
			expectClosed(t, conn)
			if got := call[string](t, before, "Upper"); got != "HELLO WORLD" {
				t.Errorf("client connected before: Upper() = %q", got)
			}
			if got := call[string](t, get(t, p.connect(t), "phrase"), "Upper"); got != "HELLO WORLD" {
				t.Errorf("client connected after: Upper() = %q", got)
			}
		})
	}
}

// A bad frame ends the connection even while a call on it is blocked in
// the server: the call's context is cancelled and the peer sees the close
// at once, rather than both waiting for each other.
func TestBadFrameEndsCallsInFlight(t *testing.T) {
	w := newWaiter()
	p := newPair(t, []typeid{reg("waiter", func() *waiter { return w }, basemanager.Concurrent())},
		basemanager.WithAuthKey(hostileKey), basemanager.WithMaxMessageSize(4<<10))
	conn := dialRaw(t, p.srv.Address())
	conn.SetDeadline(time.Time{}) // the rpc client below reads until the server closes
	authenticate(t, conn, []byte(hostileKey))
	client := rpc.NewClientWithCodec(connection.NewClientCodec(conn))
	t.Cleanup(func() { client.Close() })

	var ref wire.RefReply
	if err := client.Call(wire.ServiceName+".Create", &wire.CreateRequest{Typeid: "waiter"}, &ref); err != nil || ref.Err != nil {
		t.Fatalf("Create: %v %v", err, ref.Err)
	}
	var reply wire.Reply
	blocked := client.Go(wire.ServiceName+".Call", &wire.Request{ID: ref.ID, Epoch: ref.Epoch, Ref: ref.Ref, Method: "Wait"},
		&reply, make(chan *rpc.Call, 1))
	receive(t, w.started, "Wait to start on the server")

	// The rpc client is idle while Wait blocks: the frame goes out whole.
	if _, err := conn.Write(length(0x7fffffff)); err != nil {
		t.Fatal(err)
	}
	if err := receive(t, w.ended, "Wait's context to be cancelled"); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait's context ended with %v, want context.Canceled", err)
	}
	// Its reply may still go out before the connection closes.
	if c := receive(t, blocked.Done, "the blocked call to end"); c.Error == nil &&
		(reply.Err == nil || !errors.Is(proxy.Link{}.ReplyError(reply.Err), context.Canceled)) {
		t.Errorf("the blocked call ended with %v, %+v; want a lost connection or context.Canceled", c.Error, reply.Err)
	}
	if got := call[string](t, get(t, p.client, "waiter"), "Ping"); got != "pong" {
		t.Errorf("another client: Ping() = %q", got)
	}
}

// A client's own oversized call or reply fails with ErrMessageTooLarge (or
// ErrConnectionLost when the other side refused it), closes that
// connection, and harms no other; the manager connects again.
func TestOversizedMessages(t *testing.T) {
	const small = 64 << 10
	const big = small + 1
	tests := []struct {
		name           string
		server, client int    // message limits; 0: the default
		method         string // "Put" sends big bytes, "Make" asks for them
		want           error
	}{
		{name: "call over both limits", server: small, client: small, method: "Put", want: basemanager.ErrMessageTooLarge},
		{name: "call over the server's limit", server: small, method: "Put", want: proxy.ErrConnectionLost},
		{name: "reply over both limits", server: small, client: small, method: "Make", want: proxy.ErrConnectionLost},
		{name: "reply over the client's limit", client: small, method: "Make", want: basemanager.ErrMessageTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ended := make(chan uint64, 8)
			w := &witness{ended: ended}
			var serverOpts, clientOpts []basemanager.Option
			if tt.server > 0 {
				serverOpts = append(serverOpts, basemanager.WithMaxMessageSize(tt.server))
			}
			if tt.client > 0 {
				clientOpts = append(clientOpts, basemanager.WithMaxMessageSize(tt.client))
			}
			p := newPair(t, []typeid{reg("blob", func() *blob { return &blob{} }), reg("witness", func() *witness { return w })},
				serverOpts...)
			kept := get(t, p.client, "witness") // so the server reports connections that end
			defer runtime.KeepAlive(kept)       // (a proxy collected would release it)
			other := get(t, p.client, "blob")

			m := basemanager.New(p.srv.Address(), clientOpts...)
			t.Cleanup(func() { m.Shutdown() })
			for _, name := range []string{"blob", "witness"} {
				if err := m.Register(name, nil); err != nil {
					t.Fatal(err)
				}
			}
			if err := m.Connect(); err != nil {
				t.Fatal(err)
			}
			px := get(t, m, "blob")
			if got := call[int](t, px, "Put", "small"); got != 5 {
				t.Fatalf("Put(small) = %d", got)
			}

			var arg any = strings.Repeat("x", big)
			if tt.method == "Make" {
				arg = big
			}
			err := within(t, tt.method, func() error { _, err := px.CallMethod(tt.method, arg); return err })
			if !errors.Is(err, tt.want) {
				t.Fatalf("%s with %d bytes: %v, want %v", tt.method, big, err, tt.want)
			}
			t.Logf("%s: %v", tt.method, err)

			// That connection is closed: the server ends its session, and
			// the proxy's later calls fail.
			receive(t, ended, "the server to end the connection")
			if err := within(t, "Put", func() error { _, err := px.CallMethod("Put", "small"); return err }); !errors.Is(err, proxy.ErrConnectionLost) {
				t.Errorf("a later call on the same connection: %v, want ErrConnectionLost", err)
			}
			if got := call[int](t, other, "Put", "other"); got != 5 {
				t.Errorf("another connection: Put = %d", got)
			}
			if err := m.Connect(); err != nil {
				t.Fatalf("Connect again: %v", err)
			}
			if got := call[int](t, get(t, m, "blob"), "Put", "again"); got != 5 {
				t.Errorf("after Connect again: Put = %d", got)
			}
		})
	}
}

// Connections over WithMaxConnections are refused with a #BUSY# frame that
// Connect reports as ErrTooManyConnections; the connections already open
// keep working, and once some close, new ones are admitted. Half-open
// connections count too, until the handshake deadline drops them.
func TestMaxConnections(t *testing.T) {
	const max = 3

	newClient := func(t *testing.T, p *pair) *basemanager.Manager {
		m := basemanager.New(p.srv.Address(), p.opts...)
		t.Cleanup(func() { m.Shutdown() })
		if err := m.Register("phrase", nil); err != nil {
			t.Fatal(err)
		}
		return m
	}

	t.Run("authenticated", func(t *testing.T) {
		p, sink := authPair(t, hostileKey, basemanager.WithMaxConnections(max))
		first := get(t, p.client, "phrase")
		second := p.connect(t)
		third := p.connect(t)

		excess := newClient(t, p)
		if err := within(t, "Connect", excess.Connect); !errors.Is(err, basemanager.ErrTooManyConnections) {
			t.Fatalf("Connect over the limit: %v, want ErrTooManyConnections", err)
		}
		sink.waitFor(t, "3 connections open (WithMaxConnections)")
		raw := dialRaw(t, p.srv.Address())
		if msg, err := readFrame(raw); err != nil || string(msg) != "#BUSY#" {
			t.Errorf("a raw connection over the limit got %q, %v; want #BUSY#", msg, err)
		}
		expectClosed(t, raw)
		for name, m := range map[string]*basemanager.Manager{"first": p.client, "second": second, "third": third} {
			if got := call[string](t, get(t, m, "phrase"), "Upper"); got != "HELLO WORLD" {
				t.Errorf("%s client: Upper() = %q", name, got)
			}
		}

		third.Shutdown()
		connectEventually(t, excess)
		if got := call[string](t, get(t, excess, "phrase"), "Upper"); got != "HELLO WORLD" {
			t.Errorf("admitted client: Upper() = %q", got)
		}
		if got := call[string](t, first, "Upper"); got != "HELLO WORLD" {
			t.Errorf("first client: Upper() = %q", got)
		}
	})

	t.Run("half-open connections count until the handshake deadline", func(t *testing.T) {
		p, _ := authPair(t, hostileKey, basemanager.WithMaxConnections(max),
			basemanager.WithHandshakeTimeout(time.Second)) // long enough for the refusal below, even on a slow machine
		first := get(t, p.client, "phrase")
		for range max - 1 {
			readChallenge(t, dialRaw(t, p.srv.Address())) // admitted, then silent
		}
		excess := newClient(t, p)
		if err := within(t, "Connect", excess.Connect); !errors.Is(err, basemanager.ErrTooManyConnections) {
			t.Fatalf("Connect while half-open connections fill the server: %v, want ErrTooManyConnections", err)
		}
		connectEventually(t, excess) // the deadline frees their slots
		if got := call[string](t, get(t, excess, "phrase"), "Upper"); got != "HELLO WORLD" {
			t.Errorf("admitted client: Upper() = %q", got)
		}
		if got := call[string](t, first, "Upper"); got != "HELLO WORLD" {
			t.Errorf("first client: Upper() = %q", got)
		}
	})
}

// connectEventually connects m once the server has a free slot: it notices
// a closed connection when its goroutine sees the end of the stream, so
// this waits for that teardown, each refusal being ErrTooManyConnections.
func connectEventually(t *testing.T, m *basemanager.Manager) {
	t.Helper()
	giveUp := time.Now().Add(waitLimit)
	for {
		err := m.Connect()
		if err == nil {
			return
		}
		if !errors.Is(err, basemanager.ErrTooManyConnections) {
			t.Fatalf("Connect: %v, want success or ErrTooManyConnections", err)
		}
		if time.Now().After(giveUp) {
			t.Fatalf("still refused %v after a slot freed up: %v", waitLimit, err)
		}
		time.Sleep(5 * time.Millisecond) // waiting for teardown, not readiness
	}
}

// mem is a snapshot of the runtime's memory statistics after a collection.
type mem struct {
	heapInUse, stackInUse, heapAlloc, sys, totalAlloc uint64
}

func memNow() mem {
	runtime.GC()
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	return mem{heapInUse: s.HeapInuse, stackInUse: s.StackInuse, heapAlloc: s.HeapAlloc, sys: s.Sys, totalAlloc: s.TotalAlloc}
}

// since returns the growth from start; a figure that shrank counts as 0.
func (m mem) since(start mem) mem {
	d := func(a, b uint64) uint64 {
		if a < b {
			return 0
		}
		return a - b
	}
	return mem{
		heapInUse:  d(m.heapInUse, start.heapInUse),
		stackInUse: d(m.stackInUse, start.stackInUse),
		heapAlloc:  d(m.heapAlloc, start.heapAlloc),
		sys:        d(m.sys, start.sys),
		totalAlloc: d(m.totalAlloc, start.totalAlloc),
	}
}

// inUse is the heap and stack memory in use.
func (m mem) inUse() uint64 { return m.heapInUse + m.stackInUse }

// per describes the growth per connection.
func (m mem) per(n int) string {
	k := func(b uint64) float64 { return float64(b) / float64(n) / 1024 }
	return fmt.Sprintf("%.1f KiB/connection heap+stacks in use (heap %.1f, stacks %.1f, heap live %.1f), %.1f KiB/connection from the OS",
		k(m.inUse()), k(m.heapInUse), k(m.stackInUse), k(m.heapAlloc), k(m.sys))
}

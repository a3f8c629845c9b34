package connection

import (
	"bytes"
	"net"
	"net/rpc"
	"runtime"
	"sync"
	"testing"
	"time"
)

// gate is an rpc service whose Wait blocks until the test opens the gate.
type gate struct {
	waiting chan struct{} // a Wait call has started
	open    chan struct{} // closed to let every Wait return
}

func (g *gate) Wait(_ int, reply *int) error {
	g.waiting <- struct{}{}
	<-g.open
	return nil
}

func (g *gate) Ping(x int, reply *int) error {
	*reply = x + 1
	return nil
}

// servingGoroutines counts the goroutines of every request loop in this
// process.
func servingGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return bytes.Count(buf[:n], []byte("connection.(*requestLoop).serve("))
		}
		buf = make([]byte, 2*len(buf))
	}
}

// loopPair serves g with serveRequests on one end of a real TCP connection
// and returns a client on the other, and a channel closed when
// serveRequests has returned.
func loopPair(t *testing.T, g *gate) (*rpc.Client, <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := rpc.NewServer()
	if err := srv.RegisterName("Gate", g); err != nil {
		ln.Close()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		ln.Close()
		if err != nil {
			return
		}
		serveRequests(srv, newCodec(conn, DefaultMaxMessageSize), nil, nil)
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	client := rpc.NewClientWithCodec(NewClientCodec(conn))
	t.Cleanup(func() {
		client.Close()
		receiveWithin(t, done, "serveRequests to return")
	})
	return client, done
}

// settle polls, within a bound, until the serving goroutines number at
// most want, and fails t if they never do.
func settle(t *testing.T, want int, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for servingGoroutines() > want {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d serving goroutines after 10 s, want at most %d", what, servingGoroutines(), want)
		}
		time.Sleep(time.Millisecond) // a bounded poll for the goroutines to end
	}
}

func ping(t *testing.T, c *rpc.Client, x int) {
	t.Helper()
	var reply int
	if err := c.Call("Gate.Ping", x, &reply); err != nil || reply != x+1 {
		t.Fatalf("Ping(%d) = %d, %v; want %d", x, reply, err, x+1)
	}
}

// A lone caller's requests alternate between two goroutines: one reads
// while the other runs the call, and none is started per request.
func TestRequestLoopLoneCaller(t *testing.T) {
	settle(t, 0, "before the test")
	c, _ := loopPair(t, &gate{})
	for i := range 200 {
		ping(t, c, i)
	}
	if n := servingGoroutines(); n > 2 {
		t.Errorf("%d serving goroutines after 200 calls one at a time, want at most 2", n)
	}
}

// Calls that wait hold their goroutines, never the connection: with many
// more calls waiting than goroutines kept idle, the next call is still
// read and answered. Once they return, the goroutines beyond the idle
// limit end; and when the connection closes, all of them do.
func TestRequestLoopBlockedCalls(t *testing.T) {
	settle(t, 0, "before the test")
	g := &gate{waiting: make(chan struct{}), open: make(chan struct{})}
	c, done := loopPair(t, g)
	limit := 4 * runtime.GOMAXPROCS(0)
	blocked := 3 * limit
	var wg sync.WaitGroup
	errs := make(chan error, blocked)
	for range blocked {
		wg.Go(func() {
			var reply int
			errs <- c.Call("Gate.Wait", 0, &reply)
		})
	}
	for range blocked {
		receiveWithin(t, g.waiting, "a Wait call to start on the server")
	}
	ping(t, c, 1) // read and answered while every other call waits
	close(g.open)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Wait: %v", err)
		}
	}
	settle(t, limit+1, "after the waiting calls returned") // the idle ones, and the one reading
	ping(t, c, 2)

	c.Close()
	receiveWithin(t, done, "serveRequests to return after the client closed")
	settle(t, 0, "after the connection closed")
}

// calls.go mirrors Server.serve_client in Python's managers.py: the method
// calls of one Python client thread on the connection it keeps open
// (accept_connection), each read, run and answered by one goroutine, as
// Python's server does them on one thread per connection.

package python

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"gomanager/basemanager/internal/connection"
	"gomanager/basemanager/pickle"
)

// A Python client thread sends one request and waits for its reply, so
// its connection is served by one goroutine that reads a request, runs the
// call and writes the reply: no goroutine is woken and no channel crossed
// on the way, and a request that arrives whole takes one read; on Linux
// the reads and writes stay out of the runtime's system-call bookkeeping
// (package rawio, through Peek). (Handing each request from a reader goroutine to a
// caller cost about ten system calls per call, futex wake-ups and the
// spinning threads' sleeps among them, against CPython's three; now a
// lone call costs about three, and a busy server's about two: issue 14,
// testdata/bench/README.md.)
//
// Nothing reads the connection while a call runs, so nothing would see
// the client hang up while the call waits (a Queue's get, a Lock's
// acquire). A call that is about to wait gets a watcher: a goroutine that
// reads the connection beside it (readAhead) and cancels the call's
// context as soon as the client is gone. The calls' context knows when:
// a shared type's method that waits asks for its Done channel, and only
// then (callContext). A call that never waits costs nothing more. A
// method that blocks without looking at its context gets a watcher too,
// from the watchdog, within two of its ticks (watchEvery).

// readBufferSize is the read buffer of an accepted connection: a request
// that fits arrives in one read, its length and its pickle together.
const readBufferSize = 4096

// maxKeptReply is the largest reply buffer a connection keeps for the next
// reply; a larger one, for a large result, is left to the collector.
const maxKeptReply = 64 << 10

// A connection's state, as its calls go (callConn.state).
const (
	between  int32 = iota // no call runs: nothing is to be watched
	calling               // a call runs, unwatched
	watching              // a call runs, or has just returned, and readAhead has the reader
)

// callConn is one accepted connection of a Python client thread, as
// serveCalls serves it.
type callConn struct {
	s      *FrontDoor
	sess   Session
	ctx    callContext        // the calls' context: the session's
	cancel context.CancelFunc // cancels it: the client has gone
	conn   net.Conn
	r      *bufio.Reader // the requests, read by serve, or by readAhead while watching
	out    []byte        // the last reply's frame: its buffer is reused
	leased leases        // for the proxies in the last reply (nested.go)

	state atomic.Int32  // between, calling or watching
	calls atomic.Uint64 // calls started, for the watchdog to tell one long call from many short ones
	ahead chan readResult
}

// readResult is a request read ahead, or why there was none.
type readResult struct {
	msg []byte
	err error
}

// callContext is the context of a connection's calls: the session's,
// whose Done also starts the watcher (callConn.watch), since a method asks
// for it when it is about to wait.
type callContext struct {
	context.Context
	c *callConn
}

// Done returns the session's Done channel, once the connection is
// watched.
func (x *callContext) Done() <-chan struct{} {
	x.c.watch()
	return x.Context.Done()
}

// serveCalls is Python's serve_client: the method calls of one Python
// client thread, (ident, methodname, args, kwds) each, answered in order,
// until the client closes the connection or the server stops.
//
// The calls run on a goroutine of their own (callConn.serve) while this
// one waits for the connection to end; then the call in flight gets
// connection.CallGrace to return. One that ignores its context keeps its
// goroutine until it returns, but not the connection, and its reply is
// lost: serveCalls returns, and the server counts the connection gone.
func (s *FrontDoor) serveCalls(sess Session, conn net.Conn, cancel context.CancelFunc) {
	c := &callConn{
		s:      s,
		sess:   sess,
		cancel: cancel,
		conn:   conn,
		r:      bufio.NewReaderSize(conn, readBufferSize),
		ahead:  make(chan readResult, 1),
	}
	c.ctx = callContext{sess.Context(), c}
	slowCalls.add(c)
	defer slowCalls.remove(c)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.serve()
	}()
	select {
	case <-done:
		return
	case <-c.ctx.Context.Done():
	}
	t := time.NewTimer(connection.CallGrace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		conn.Close() // the client sees the end now, not when the call returns
	}
}

// serve reads, runs and answers the calls until the connection ends.
func (c *callConn) serve() {
	defer func() {
		c.cancel()
		c.conn.Close() // ends a readAhead still reading
		c.s.release(&c.leased, true)
	}()
	for {
		var msg []byte
		var err error
		if c.state.Load() == watching {
			// readAhead has the reader: what it read is the next request,
			// or the end. The client sent nothing before it had the reply.
			r := <-c.ahead
			msg, err = r.msg, r.err
		} else {
			msg, err = c.read()
		}
		if err != nil {
			return
		}
		// The client sends nothing before it has unpickled the last reply,
		// and so rebuilt (and increfed) the proxies in it.
		c.s.release(&c.leased, false)
		if err := c.write(c.call(msg)); err != nil {
			return
		}
	}
}

// call runs one request and returns its reply. If the call was watched,
// readAhead keeps the reader (the state stays watching) until serve takes
// what it read from ahead, which serve does only after writing the reply.
func (c *callConn) call(msg []byte) pickle.Tuple {
	c.sess.Begin()
	c.calls.Add(1) // before the state, as the watchdog reads them in the other order
	c.state.Store(calling)
	reply := c.s.pyCall(&c.ctx, c.sess, msg, &c.leased)
	c.state.CompareAndSwap(calling, between)
	c.sess.Finish(reply[0] != "#RETURN" && reply[0] != "#PROXY")
	return reply
}

// watch starts readAhead, unless no call runs or one watches already.
// The call's method (callContext.Done) or the watchdog calls it.
func (c *callConn) watch() {
	if c.state.CompareAndSwap(calling, watching) {
		go c.readAhead()
	}
}

// readAhead reads the connection while a call waits: what a client sends
// then is its end (or, from a client that does not wait for replies, its
// next request), and the end cancels the call's context at once.
func (c *callConn) readAhead() {
	msg, err := c.read()
	if err != nil {
		c.cancel()
	}
	c.ahead <- readResult{msg, err}
}

// read reads one request, and logs why it could not unless the client
// simply hung up or the connection was ended on purpose.
func (c *callConn) read() ([]byte, error) {
	msg, err := connection.ReadFrame(c.r, c.s.srv.Config().MaxMessageSize)
	if err != nil && !errors.Is(err, io.EOF) && c.ctx.Err() == nil {
		c.s.srv.Config().Logf("basemanager: %s: Python client %s: %v", c.s.srv.Address(), c.conn.RemoteAddr(), err)
	}
	return msg, err
}

// write sends one reply in one write, its frame built in the
// connection's reply buffer.
func (c *callConn) write(reply pickle.Tuple) error {
	data, err := c.s.marshalPy(reply)
	if err != nil {
		return err
	}
	c.out = connection.AppendFrame(c.out[:0], data)
	_, err = c.conn.Write(c.out)
	if cap(c.out) > maxKeptReply {
		c.out = nil
	}
	return err
}

// watchEvery is the watchdog's tick: a call still running one tick after
// the watchdog first saw it gets a watcher, within two ticks of starting.
const watchEvery = 50 * time.Millisecond

// slowCalls is the watchdog of every server's accepted Python connections.
var slowCalls watchdog

// watchdog gives a watcher to the calls that run long without asking for
// their context's Done channel: a method that blocks without looking at
// its context, whose connection's end should still end the session (and
// so release its holds) CallGrace later. It ticks while there are
// connections, on a goroutine of its own; a call costs it nothing.
type watchdog struct {
	mu      sync.Mutex           // guards conns and running
	conns   map[*callConn]uint64 // each connection's call count at the last tick
	running bool                 // the ticking goroutine runs
}

// add watches c's calls from now on.
func (w *watchdog) add(c *callConn) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.conns == nil {
		w.conns = map[*callConn]uint64{}
	}
	w.conns[c] = c.calls.Load()
	if !w.running {
		w.running = true
		go w.tick()
	}
}

// remove forgets c, whose connection has ended.
func (w *watchdog) remove(c *callConn) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.conns, c)
}

// tick looks at the connections every watchEvery until there are none:
// a connection whose call was running at the last tick and is the same
// call now (its count has not moved) is watched.
func (w *watchdog) tick() {
	t := time.NewTicker(watchEvery)
	defer t.Stop()
	for range t.C {
		w.mu.Lock()
		if len(w.conns) == 0 {
			w.running = false
			w.mu.Unlock()
			return
		}
		for c, last := range w.conns {
			// The state first: a call seen running has its count already.
			running := c.state.Load() == calling
			n := c.calls.Load()
			if running && n == last {
				c.watch()
			}
			w.conns[c] = n
		}
		w.mu.Unlock()
	}
}

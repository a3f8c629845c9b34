// requests.go mirrors Server.serve_client's loop in Python's managers.py: the
// goroutines that read one connection's requests, run them and answer them.
// Python runs the loop on one thread per connection; here a connection has
// a few goroutines that take turns at reading, so that a call that waits
// (a Queue's Get) never holds up the calls behind it.

package connection

import (
	"io"
	"net/rpc"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// net/rpc's ServeCodec reads every request on one goroutine and runs it on
// a new one, started for it, whose small stack the call then grows twice
// (net/rpc's reflective call of the service, then ours of the shared
// object's method), copying it each time: a sixth of the server's CPU per
// call, and on a busy server a fifth.
//
// ServeRequest, its synchronous sibling, runs a request on the goroutine
// that read it. So each connection has a few goroutines that take turns:
// the one whose turn it is reads a request, passes the turn on (to an idle
// goroutine, or a new one if none is idle), then runs the call, answers,
// and waits for another turn. Their stacks grow once and stay grown; a lone
// caller's requests alternate between two goroutines, and there is always
// one reading, whatever the calls in flight are waiting for.

// requestLoop is one connection's set of serving goroutines.
type requestLoop struct {
	srv     *rpc.Server
	codec   serverCodec
	maxIdle int32 // idle goroutines beyond this many end: a few per CPU, for the next burst

	turn    chan struct{} // holds the turn to read while no goroutine has it; closed when reading ends
	ended   func()        // called once reading has ended, while calls may still run
	closed  func()        // called once the calls are done (or CallGrace has passed) and the codec is closed
	readEnd chan struct{} // closed when reading has ended and ended has returned
	finish  sync.Once     // the first serving goroutine to see readEnd closes the connection
	idle    atomic.Int32  // goroutines waiting on turn, or answering and about to
	wg      sync.WaitGroup
}

// CallGrace bounds how long a connection that has ended waits for its
// calls in flight before it closes: a method that ignores its context
// (and so outlives its caller) keeps its goroutine, but no longer the
// connection, and its result is discarded.
const CallGrace = 250 * time.Millisecond

// ServeRequests serves srv's requests on conn until it ends:
// rpc.Server.ServeConn, in the manager's codec, with a few long-lived
// goroutines taking turns, the calling goroutine first. When reading fails
// (the peer hung up, the connection broke or was closed), ended is called
// at once, while calls may still run; they get CallGrace to finish, then
// conn is closed and closed is called, by a serving goroutine that is not
// stuck in a call. ServeRequests returns when the calling goroutine has
// nothing more to do: before closed runs, or after; or, if it is stuck in
// a method that ignores its context, when that method returns.
func ServeRequests(srv *rpc.Server, conn io.ReadWriteCloser, cfg *Config, ended, closed func()) {
	serveRequests(srv, newCodec(conn, cfg.MaxMessageSize), ended, closed)
}

// serveRequests serves the requests on codec as ServeRequests does.
func serveRequests(srv *rpc.Server, c *codec, ended, closed func()) {
	l := &requestLoop{
		srv:     srv,
		maxIdle: int32(4 * runtime.GOMAXPROCS(0)),
		turn:    make(chan struct{}, 1),
		ended:   ended,
		closed:  closed,
		readEnd: make(chan struct{}),
	}
	l.codec = serverCodec{c, l}
	l.wg.Add(1)
	l.serve() // the first turn is this goroutine's
}

// close waits for the serving goroutines still in a call, for at most
// CallGrace, then closes the codec. Those still running then are stuck in
// a method that ignores its context: they end when it returns, and their
// response fails on the closed codec.
func (l *requestLoop) close() {
	done := make(chan struct{})
	go func() {
		l.wg.Wait()
		close(done)
	}()
	t := time.NewTimer(CallGrace)
	select {
	case <-done:
	case <-t.C:
	}
	t.Stop()
	l.codec.Close()
	if l.closed != nil {
		l.closed()
	}
}

// leave ends a serving goroutine; the first to leave after reading ended
// closes the connection.
func (l *requestLoop) leave() {
	l.wg.Done()
	select {
	case <-l.readEnd:
		l.finish.Do(l.close)
	default:
	}
}

// serve is the body of one serving goroutine, which starts with the turn.
func (l *requestLoop) serve() {
	defer l.leave()
	for {
		// Reads one request and calls passTurn (or, if reading failed,
		// endTurns), then runs the call and answers it, calling answering.
		// Errors are net/rpc's to answer.
		l.srv.ServeRequest(l.codec)
		if l.retire() {
			return
		}
		if _, ok := <-l.turn; !ok {
			return
		}
		l.idle.Add(-1)
	}
}

// answering counts the calling goroutine as idle: it is about to write a
// response, and will then wait for a turn (or retire). Counting it before
// the write, not after, means that a lone caller's next request always
// finds it idle, however the two processes are scheduled: its requests
// alternate between two goroutines, and no new one is ever started.
// The codec calls it once per request read, from WriteResponse.
func (l *requestLoop) answering() { l.idle.Add(1) }

// retire reports whether the calling goroutine, just counted idle by
// answering, should end instead of waiting for a turn, and if so uncounts
// it: only while the idle goroutines number more than maxIdle, so that
// those that stay always outnumber the turns passed to them.
func (l *requestLoop) retire() bool {
	for {
		n := l.idle.Load()
		if n <= l.maxIdle {
			return false
		}
		if l.idle.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// passTurn hands the turn to read to an idle goroutine, or to a new one.
// The codec calls it once it has read a request's body, from the goroutine
// that has the turn.
func (l *requestLoop) passTurn() {
	if l.idle.Load() > 0 {
		// An idle goroutine will take it: the channel has room, since only
		// the goroutine with the turn sends, and takers decrement idle.
		l.turn <- struct{}{}
		return
	}
	l.wg.Add(1) // the caller is counted: the group cannot be waited out meanwhile
	go l.serve()
}

// endTurns ends reading: the connection is over. The codec calls it when
// reading a request header fails, from the goroutine that has the turn;
// each goroutine ends once its call is answered. (The idle count no longer
// matters then: nobody passes a turn again.)
func (l *requestLoop) endTurns() {
	close(l.turn)
	if l.ended != nil {
		l.ended()
	}
	close(l.readEnd)
}

// workers.go holds the goroutines that run method calls for net/rpc. It
// has no counterpart in Python's managers.py, whose server runs each
// client connection on one thread: it is here for speed alone.

package basemanager

import (
	"runtime"

	"gomanager/proxy/wire"
)

// net/rpc runs every request on a goroutine of its own, started for it,
// with a small stack that net/rpc's reflective call of the service method
// grows to 4 KiB. Running the shared object's method then needs about
// 3 KiB more (the dispatch, and a second reflect.Value.Call, whose frame
// alone is 1.4 KiB), so the runtime would grow every request's stack a
// second time, copying it: under load, that was a fifth of the server's
// CPU time per call.
//
// So, when other requests are being served, Call hands the method call to a
// worker: a goroutine kept for the server's life, whose stack has grown
// once, for good. The handoff costs two goroutine switches, much less than
// the growth (BenchmarkThroughput: about 13% less server CPU per call, 13%
// more calls per second). A lone call, or one that finds every worker busy
// (calls blocked in a Queue's Get, say), runs on the request's own
// goroutine, which makes its second growth early, where there are few
// frames to copy (growStack).

// callWorker is one worker goroutine and its two channels.
type callWorker struct {
	calls   chan workerCall   // the call to run; closed to stop the worker
	results chan workerResult // its result
}

type workerCall struct {
	sess *session
	req  *wire.Request
}

type workerResult struct {
	result wire.Values
	grants []wire.Grant
	err    error
}

// numWorkers is how many workers a server keeps: a few per CPU, so that
// one is nearly always idle when a call arrives, even while some wait in
// blocking methods.
func numWorkers() int { return 4 * runtime.GOMAXPROCS(0) }

// startWorkers starts the server's workers; ServeForever calls it before
// it accepts connections.
func (s *Server) startWorkers() {
	n := numWorkers()
	s.workers = make(chan *callWorker, n)
	for range n {
		w := &callWorker{calls: make(chan workerCall), results: make(chan workerResult)}
		s.workerWG.Go(func() {
			for c := range w.calls {
				var r workerResult
				r.result, r.grants, r.err = c.sess.call(c.req)
				w.results <- r
			}
		})
		s.workers <- w
	}
}

// stopWorkers stops the workers and waits for them. ServeForever calls it
// once every connection has ended, so no call is running: every worker is
// idle, in s.workers.
func (s *Server) stopWorkers() {
	for range cap(s.workers) {
		close((<-s.workers).calls)
	}
	s.workerWG.Wait()
}

// runCall runs one method call on an idle worker; or on the calling
// goroutine if no worker is idle, or if it is the only request this
// process is serving: then the other CPUs are idle, and the handoff would
// wake one of their threads twice (a futex call each), costing more than
// the stack growth it saves.
func (s *Server) runCall(sess *session, req *wire.Request) (wire.Values, []wire.Grant, error) {
	if serverRequests.Load() > 1 {
		select {
		case w := <-s.workers:
			w.calls <- workerCall{sess, req}
			r := <-w.results
			s.workers <- w
			return r.result, r.grants, r.err
		default:
		}
	}
	growStack()
	return sess.call(req)
}

// growStack grows the calling goroutine's stack, once, to the size a
// method call needs, while the stack is still shallow: with only net/rpc's
// frames below, the copy is much cheaper than deep in the call.
//
//go:noinline
func growStack() {
	var room [3 << 10]byte
	touch(room[:])
}

// touch keeps room on the stack: the compiler cannot drop an array that a
// function it does not inline reads.
//
//go:noinline
func touch(b []byte) { _ = b[len(b)-1] }

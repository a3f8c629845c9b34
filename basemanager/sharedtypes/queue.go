// queue.go mirrors the Queue and JoinableQueue typeids of Python's
// managers.py, both served by queue.Queue: a FIFO with an optional bound,
// blocking put/get, task_done/join, and shutdown (Python 3.13).

package sharedtypes

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"gomanager/proxy"
)

// Queue is a FIFO queue shared between clients: Python's queue.Queue. It
// serves both the Queue and the JoinableQueue typeids, as in Python.
type Queue struct {
	maxsize int // <= 0: unbounded

	mu         sync.Mutex // guards the fields below
	items      []any
	unfinished int      // items put and not yet marked done by TaskDone
	shutDown   bool     // Shutdown was called: no more puts
	changed    notifier // items, unfinished or shutDown changed
}

// NewQueue returns a queue holding at most maxsize items; maxsize <= 0
// means no limit. Python's queue.Queue(maxsize).
func NewQueue(maxsize int) *Queue {
	return &Queue{maxsize: maxsize}
}

// Put adds item at the back of the queue: Python's put(item, block,
// timeout). While the queue is full, with block false it fails at once,
// otherwise it waits up to timeout seconds (for ever if negative); then it
// fails with an error wrapping proxy.ErrFull. If ctx ends first it returns
// ctx.Err() and the item is not added. Once the queue is shut down, Put
// fails with an error wrapping proxy.ErrShutDown, waiting or not.
func (q *Queue) Put(ctx context.Context, item any, block bool, timeout float64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	ok, err := waitUntil(ctx, &q.mu, &q.changed, block, timeout, func() bool { return q.shutDown || q.hasRoom() })
	switch {
	case err != nil:
		return fmt.Errorf("put gave up waiting for room: %w", err)
	case q.shutDown:
		return fmt.Errorf("put on a queue that is shut down (no more items may be put): %w", proxy.ErrShutDown)
	case !ok:
		return fmt.Errorf("no room in the queue (maxsize %d)%s: %w", q.maxsize, within(block, timeout), proxy.ErrFull)
	}
	q.items = append(q.items, item)
	q.unfinished++
	q.changed.broadcast()
	return nil
}

// Get removes and returns the item at the front of the queue: Python's
// get(block, timeout). While the queue is empty, with block false it fails
// at once, otherwise it waits up to timeout seconds (for ever if negative);
// then it fails with an error wrapping proxy.ErrEmpty. If ctx ends first it
// returns ctx.Err() and takes nothing. Once the queue is shut down, Get
// still takes the items left, then fails with an error wrapping
// proxy.ErrShutDown, waiting or not.
func (q *Queue) Get(ctx context.Context, block bool, timeout float64) (any, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	ok, err := waitUntil(ctx, &q.mu, &q.changed, block, timeout, func() bool { return len(q.items) > 0 || q.shutDown })
	switch {
	case err != nil:
		return nil, fmt.Errorf("get gave up waiting for an item: %w", err)
	case len(q.items) == 0 && q.shutDown:
		return nil, fmt.Errorf("get on a queue that is shut down and empty: %w", proxy.ErrShutDown)
	case !ok:
		return nil, fmt.Errorf("no item in the queue%s: %w", within(block, timeout), proxy.ErrEmpty)
	}
	item := q.items[0]
	q.items[0] = nil // let the item be collected
	q.items = q.items[1:]
	q.changed.broadcast()
	return item, nil
}

// Shutdown shuts the queue down: Python's shutdown(immediate) (3.13). Put
// fails from now on, and Get once the queue is empty, both with an error
// wrapping proxy.ErrShutDown; callers blocked in either wake up to it. With
// immediate, the items left are dropped at once, each marked done as
// TaskDone would, which releases Join's waiters once none is unfinished.
// Shutting down again is harmless (and with immediate, drops what is left).
func (q *Queue) Shutdown(immediate bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.shutDown = true
	if immediate {
		q.unfinished = max(q.unfinished-len(q.items), 0)
		clear(q.items) // let the items be collected
		q.items = nil
	}
	q.changed.broadcast()
}

// Qsize returns the number of items in the queue: Python's qsize().
func (q *Queue) Qsize() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

// Empty reports whether the queue holds no item: Python's empty().
func (q *Queue) Empty() bool { return q.Qsize() == 0 }

// Full reports whether the queue holds maxsize items: Python's full().
func (q *Queue) Full() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return !q.hasRoom()
}

// TaskDone marks one item taken with Get as processed: Python's
// task_done(). Join returns once every item put has been marked. Calling
// it more times than items were put is an error.
func (q *Queue) TaskDone() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.unfinished == 0 {
		return errTaskDone
	}
	q.unfinished--
	if q.unfinished == 0 {
		q.changed.broadcast()
	}
	return nil
}

var errTaskDone = errors.New("task_done called more times than items were put (call TaskDone once per item taken with Get)")

// Join waits until every item put has been marked done with TaskDone:
// Python's join(). If ctx ends first it returns ctx.Err().
func (q *Queue) Join(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, err := waitUntil(ctx, &q.mu, &q.changed, true, -1, func() bool { return q.unfinished == 0 }); err != nil {
		return fmt.Errorf("join gave up waiting for unfinished tasks: %w", err)
	}
	return nil
}

// String describes the queue, for str(proxy) and the server's DebugInfo;
// blocked counts the callers waiting in it.
func (q *Queue) String() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	state := ""
	if q.shutDown {
		state = "shut down, "
	}
	return fmt.Sprintf("Queue(len=%d, maxsize=%d, unfinished=%d, %sblocked=%d)", len(q.items), q.maxsize, q.unfinished, state, q.changed.waiting)
}

// GoString is String, so that %#v (the server's __repr__) reads the state
// under the lock too.
func (q *Queue) GoString() string { return q.String() }

// hasRoom reports whether one more item fits. The caller holds q.mu.
func (q *Queue) hasRoom() bool {
	return q.maxsize <= 0 || len(q.items) < q.maxsize
}

// queue.go mirrors the Queue and JoinableQueue typeids of Python's
// managers.py (an AutoProxy to a queue.Queue): a typed handle with put,
// get, their non-blocking and timeout forms, task_done, join and
// shutdown (Python 3.13).

package proxy

import (
	"context"
	"encoding/gob"
	"reflect"
	"time"

	"gomanager/proxy/wire"
)

// Queue is a handle to a shared FIFO queue of T values (Python's
// manager.Queue() and manager.JoinableQueue(), which are the same type).
// Items travel as copies; a T other than a builtin scalar travels with gob,
// so the server's process must know the type too (gob.Register it there;
// NewQueue and QueueOf register it on this side).
//
// Python's put/get(block, timeout) map to three forms each: Put(ctx, v)
// blocks until there is room or ctx ends (block=True, timeout=None);
// PutNowait(v) fails at once with ErrFull (block=False); PutTimeout(v, d)
// waits up to d, then fails with ErrFull (block=True, timeout=d). Get,
// GetNowait and GetTimeout likewise, with ErrEmpty. A blocked call never
// holds up other calls on the queue, from this handle or any other. After
// Shutdown, puts fail with ErrShutDown, and gets once the queue is empty.
type Queue[T any] struct{ *Proxy }

// NewQueue creates a shared queue holding at most maxsize items (no limit
// if maxsize <= 0): Python's manager.Queue(maxsize).
func NewQueue[T any](m Getter, maxsize int) (*Queue[T], error) {
	return newQueue[T](m, "Queue", maxsize)
}

// NewJoinableQueue creates a shared queue like NewQueue, under Python's
// JoinableQueue typeid (task_done and join work on both).
func NewJoinableQueue[T any](m Getter, maxsize int) (*Queue[T], error) {
	return newQueue[T](m, "JoinableQueue", maxsize)
}

func newQueue[T any](m Getter, typeid string, maxsize int) (*Queue[T], error) {
	p, err := m.Get(typeid, maxsize)
	if err != nil {
		return nil, err
	}
	return QueueOf[T](p), nil
}

// QueueOf wraps a proxy to a Queue or JoinableQueue whose items are T.
func QueueOf[T any](p *Proxy) *Queue[T] {
	registerQueueItem[T]()
	return &Queue[T]{p}
}

// Put adds item at the back of the queue, waiting while the queue is full:
// Python's put(item). If ctx ends first it returns ctx's error and the item
// is not added.
func (q *Queue[T]) Put(ctx context.Context, item T) error {
	return q.put(ctx, item, true, -1)
}

// PutNowait adds item if there is room, else fails with ErrFull: Python's
// put_nowait(item), or put(item, block=False).
func (q *Queue[T]) PutNowait(item T) error {
	return q.put(context.Background(), item, false, -1)
}

// PutTimeout adds item, waiting up to d for room, else fails with ErrFull:
// Python's put(item, timeout=d). A negative d counts as 0.
func (q *Queue[T]) PutTimeout(item T, d time.Duration) error {
	return q.put(context.Background(), item, true, timeoutSeconds(d))
}

func (q *Queue[T]) put(ctx context.Context, item T, block bool, timeout float64) error {
	_, err := q.CallMethodContext(ctx, "Put", item, block, timeout)
	return err
}

// Get removes and returns the item at the front, waiting while the queue is
// empty: Python's get(). If ctx ends first it returns ctx's error and takes
// nothing.
func (q *Queue[T]) Get(ctx context.Context) (T, error) {
	return CallContext[T](ctx, q.Proxy, "Get", true, -1.0)
}

// GetNowait removes and returns the front item if there is one, else fails
// with ErrEmpty: Python's get_nowait(), or get(block=False).
func (q *Queue[T]) GetNowait() (T, error) {
	return Call[T](q.Proxy, "Get", false, -1.0)
}

// GetTimeout removes and returns the front item, waiting up to d for one,
// else fails with ErrEmpty: Python's get(timeout=d). A negative d counts as 0.
func (q *Queue[T]) GetTimeout(d time.Duration) (T, error) {
	return Call[T](q.Proxy, "Get", true, timeoutSeconds(d))
}

// Qsize returns the number of items in the queue: Python's qsize().
func (q *Queue[T]) Qsize() (int, error) { return Call[int](q.Proxy, "Qsize") }

// Empty reports whether the queue is empty: Python's empty().
func (q *Queue[T]) Empty() (bool, error) { return Call[bool](q.Proxy, "Empty") }

// Full reports whether the queue holds maxsize items: Python's full().
func (q *Queue[T]) Full() (bool, error) { return Call[bool](q.Proxy, "Full") }

// TaskDone marks one item taken with Get as processed: Python's
// task_done(). Calling it more times than items were put is an error.
func (q *Queue[T]) TaskDone() error {
	_, err := q.CallMethod("TaskDone")
	return err
}

// Join waits until every item put has been marked with TaskDone: Python's
// join(). If ctx ends first it returns ctx's error.
func (q *Queue[T]) Join(ctx context.Context) error {
	_, err := q.CallMethodContext(ctx, "Join")
	return err
}

// Shutdown shuts the queue down: Python's q.shutdown(immediate) (3.13).
// From then on every Put fails with ErrShutDown, and every Get once the
// items left are taken; calls blocked in either, by any client, wake up
// with ErrShutDown. With immediate, the items left are dropped at once and
// marked done, which releases Join once no task is unfinished. Shutting
// down again is harmless.
func (q *Queue[T]) Shutdown(immediate bool) error {
	_, err := q.CallMethod("Shutdown", immediate)
	return err
}

// registerQueueItem registers T with gob, so items of T can travel inside
// the call's arguments and results. Scalars and interfaces need nothing; a
// clash with a name the user registered is left to the user's registration.
func registerQueueItem[T any]() {
	t := reflect.TypeFor[T]()
	if t.Kind() == reflect.Interface || wire.IsScalarType(t) {
		return
	}
	defer func() { _ = recover() }() // gob.Register panics on a name registered twice differently
	gob.Register(reflect.Zero(t).Interface())
}

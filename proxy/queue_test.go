// queue_test.go ports CPython's _TestQueue for managers (AT-01..AT-05 in
// python-managers.md §2.1) to the Queue handle, with goroutines on a second
// connection in place of child processes, plus the Go-specific behaviours:
// cancellation, blocked calls that hold nobody up, typed items.

package proxy_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/proxy"
)

// TestQueuePut is AT-01 (test_put): every put signature, then Full for
// every non-blocking and timed form, then a child empties the queue.
func TestQueuePut(t *testing.T) {
	m := primManager(t)
	ctx := primCtx(t)
	const maxsize = 6
	q := primKeep(proxy.NewQueue[int](m, maxsize))(t)
	childCanStart := primKeep(proxy.NewEvent(m))(t)
	parentCanContinue := primKeep(proxy.NewEvent(m))(t)

	child := primConnect(t, m)
	cq := proxy.QueueOf[int](primRebuild(t, child, q.Token()))
	cStart := proxy.EventOf(primRebuild(t, child, childCanStart.Token()))
	cContinue := proxy.EventOf(primRebuild(t, child, parentCanContinue.Token()))
	done := primGo(func() error {
		if _, err := cStart.Wait(ctx); err != nil {
			return err
		}
		for want := 1; want <= maxsize; want++ {
			if got, err := cq.Get(ctx); err != nil || got != want {
				return fmt.Errorf("child: Get = %d, %v; want %d", got, err, want)
			}
		}
		return cContinue.Set()
	})

	primQueueState(t, q, true, false)
	puts := []struct {
		python string
		put    func(int) error
	}{
		{"put(1)", func(v int) error { return q.Put(ctx, v) }},
		{"put(2, True)", func(v int) error { return q.Put(ctx, v) }},
		{"put(3, True, None)", func(v int) error { return q.Put(ctx, v) }},
		{"put(4, False)", q.PutNowait},
		{"put(5, False, None)", q.PutNowait},
		{"put_nowait(6)", q.PutNowait},
	}
	for i, p := range puts {
		if err := p.put(i + 1); err != nil {
			t.Fatalf("%s: %v", p.python, err)
		}
	}
	primQueueState(t, q, false, true)

	full := []struct {
		python string
		put    func(int) error
		waits  time.Duration
	}{
		{"put(7, False)", q.PutNowait, 0},
		{"put(7, False, None)", q.PutNowait, 0},
		{"put_nowait(7)", q.PutNowait, 0},
		{"put(7, True, 0.1)", func(v int) error { return q.PutTimeout(v, 100*time.Millisecond) }, 100 * time.Millisecond},
		{"put(7, False, 0.1)", q.PutNowait, 0}, // the timeout is ignored when not blocking
		{"put(7, timeout=0.1)", func(v int) error { return q.PutTimeout(v, 100*time.Millisecond) }, 100 * time.Millisecond},
	}
	for _, p := range full {
		start := time.Now()
		if err := p.put(7); !errors.Is(err, proxy.ErrFull) {
			t.Errorf("%s on a full queue: %v, want ErrFull", p.python, err)
		}
		if took := time.Since(start); took < p.waits {
			t.Errorf("%s gave up after %v, before its timeout %v", p.python, took, p.waits)
		}
	}
	// Go's own form: a ctx deadline ends Put with ctx's error, not ErrFull,
	// and the item is not added.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := q.Put(short, 7); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Put with an expiring ctx on a full queue: %v, want context.DeadlineExceeded", err)
	}

	if err := childCanStart.Set(); err != nil {
		t.Fatal(err)
	}
	if _, err := parentCanContinue.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	primQueueState(t, q, true, false)
	primJoin(t, done)
}

// TestQueueGet is AT-02 (test_get): a child puts four items; every get
// signature takes them in order; then Empty for every non-blocking and
// timed form.
func TestQueueGet(t *testing.T) {
	m := primManager(t)
	ctx := primCtx(t)
	q := primKeep(proxy.NewQueue[int](m, 0))(t)
	childCanStart := primKeep(proxy.NewEvent(m))(t)
	parentCanContinue := primKeep(proxy.NewEvent(m))(t)

	child := primConnect(t, m)
	cq := proxy.QueueOf[int](primRebuild(t, child, q.Token()))
	cStart := proxy.EventOf(primRebuild(t, child, childCanStart.Token()))
	cContinue := proxy.EventOf(primRebuild(t, child, parentCanContinue.Token()))
	done := primGo(func() error {
		if _, err := cStart.Wait(ctx); err != nil {
			return err
		}
		for v := 2; v <= 5; v++ {
			if err := cq.Put(ctx, v); err != nil {
				return err
			}
		}
		return cContinue.Set()
	})

	primQueueState(t, q, true, false)
	if err := childCanStart.Set(); err != nil {
		t.Fatal(err)
	}
	if _, err := parentCanContinue.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	primQueueState(t, q, false, false)

	gets := []struct {
		python string
		get    func() (int, error)
	}{
		{"get(True, None)", func() (int, error) { return q.Get(ctx) }},
		{"get(True)", func() (int, error) { return q.Get(ctx) }},
		{"get(timeout=1)", func() (int, error) { return q.GetTimeout(time.Second) }},
		{"get_nowait()", q.GetNowait},
	}
	for i, g := range gets {
		if v, err := g.get(); err != nil || v != i+2 {
			t.Errorf("%s = %d, %v; want %d", g.python, v, err, i+2)
		}
	}
	primQueueState(t, q, true, false)

	empty := []struct {
		python string
		get    func() (int, error)
		waits  time.Duration
	}{
		{"get(False)", q.GetNowait, 0},
		{"get(False, None)", q.GetNowait, 0},
		{"get_nowait()", q.GetNowait, 0},
		{"get(True, 0.1)", func() (int, error) { return q.GetTimeout(100 * time.Millisecond) }, 100 * time.Millisecond},
		{"get(False, 0.1)", q.GetNowait, 0},
		{"get(timeout=0.1)", func() (int, error) { return q.GetTimeout(100 * time.Millisecond) }, 100 * time.Millisecond},
	}
	for _, g := range empty {
		start := time.Now()
		if _, err := g.get(); !errors.Is(err, proxy.ErrEmpty) {
			t.Errorf("%s on an empty queue: %v, want ErrEmpty", g.python, err)
		}
		if took := time.Since(start); took < g.waits {
			t.Errorf("%s gave up after %v, before its timeout %v", g.python, took, g.waits)
		}
	}
	primJoin(t, done)
}

// TestQueueFork is AT-03 (test_fork): items put by the parent, then by a
// child on its own connection, come out in one FIFO order.
func TestQueueFork(t *testing.T) {
	m := primManager(t)
	ctx := primCtx(t)
	q := primKeep(proxy.NewQueue[int](m, 0))(t)
	for i := range 10 {
		if err := q.Put(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	child := primConnect(t, m)
	cq := proxy.QueueOf[int](primRebuild(t, child, q.Token()))
	done := primGo(func() error {
		for i := 10; i < 20; i++ {
			if err := cq.Put(ctx, i); err != nil {
				return err
			}
		}
		return nil
	})
	for want := range 20 {
		if got, err := q.Get(ctx); err != nil || got != want {
			t.Fatalf("Get = %d, %v; want %d", got, err, want)
		}
	}
	if _, err := q.GetNowait(); !errors.Is(err, proxy.ErrEmpty) {
		t.Errorf("GetNowait on the drained queue: %v, want ErrEmpty", err)
	}
	primJoin(t, done)
}

// TestQueueQsize is AT-04 (test_qsize).
func TestQueueQsize(t *testing.T) {
	m := primManager(t)
	q := primKeep(proxy.NewQueue[int](m, 0))(t)
	want := func(n int) {
		t.Helper()
		if got, err := q.Qsize(); err != nil || got != n {
			t.Fatalf("Qsize = %d, %v; want %d", got, err, n)
		}
	}
	want(0)
	q.PutNowait(1)
	want(1)
	q.PutNowait(5)
	want(2)
	q.GetNowait()
	want(1)
	q.GetNowait()
	want(0)
}

// TestQueueTaskDone is AT-05 (test_task_done): four workers, each on its
// own connection, take items until a sentinel and mark each done; Join
// returns only once all ten are done.
func TestQueueTaskDone(t *testing.T) {
	m := primManager(t)
	ctx := primCtx(t)
	q := primKeep(proxy.NewJoinableQueue[int](m, 0))(t)
	const workers, items, sentinel = 4, 10, -1
	var processed atomic.Int64
	var done []<-chan error
	for range workers {
		wq := proxy.QueueOf[int](primRebuild(t, primConnect(t, m), q.Token()))
		done = append(done, primGo(func() error {
			for {
				v, err := wq.Get(ctx)
				if err != nil || v == sentinel {
					return err
				}
				processed.Add(1)
				if err := wq.TaskDone(); err != nil {
					return err
				}
			}
		}))
	}
	for i := range items {
		if err := q.Put(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Join(ctx); err != nil {
		t.Fatal(err)
	}
	if n := processed.Load(); n != items {
		t.Errorf("Join returned with %d of %d items done", n, items)
	}
	for range workers {
		q.PutNowait(sentinel)
	}
	primJoin(t, done...)

}

// TestQueueTaskDoneErrors: TaskDone more times than items were put fails
// (Python's ValueError); Join waits only for unfinished items and gives up
// when its ctx does.
func TestQueueTaskDoneErrors(t *testing.T) {
	m := primManager(t)
	ctx := primCtx(t)
	q := primKeep(proxy.NewJoinableQueue[int](m, 0))(t)
	if err := q.TaskDone(); err == nil {
		t.Error("TaskDone with no unfinished item succeeded")
	}
	if err := q.Join(ctx); err != nil {
		t.Errorf("Join with nothing unfinished: %v", err)
	}
	q.PutNowait(1)
	q.GetNowait()
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := q.Join(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Join with an unfinished item and an expiring ctx: %v, want context.DeadlineExceeded", err)
	}
	if err := q.TaskDone(); err != nil {
		t.Fatal(err)
	}
	if err := q.TaskDone(); err == nil {
		t.Error("a second TaskDone for one item succeeded")
	}
	if err := q.Join(ctx); err != nil {
		t.Errorf("Join with every item done: %v", err)
	}
}

// TestQueueGetWokenByPutFromAnotherClient: a Get waiting on an empty queue
// is woken by a Put made through another connection.
func TestQueueGetWokenByPutFromAnotherClient(t *testing.T) {
	m := primManager(t)
	ctx := primCtx(t)
	q := primKeep(proxy.NewQueue[string](m, 0))(t)
	other := proxy.QueueOf[string](primRebuild(t, primConnect(t, m), q.Token()))

	got := make(chan string, 1)
	done := primGo(func() error {
		v, err := q.Get(ctx)
		got <- v
		return err
	})
	primBlocked(t, q, 1)
	if err := other.PutNowait("hello"); err != nil {
		t.Fatal(err)
	}
	primJoin(t, done)
	if v := <-got; v != "hello" {
		t.Errorf("Get = %q, want %q", v, "hello")
	}
}

// TestQueueBlockedCallsHoldNobodyUp: while two Gets wait on the queue,
// other calls through the same handle and connection go on, and Puts
// through that handle wake them.
func TestQueueBlockedCallsHoldNobodyUp(t *testing.T) {
	m := primManager(t)
	ctx := primCtx(t)
	q := primKeep(proxy.NewQueue[int](m, 1))(t)
	var sum atomic.Int64
	get := func() error {
		v, err := q.Get(ctx)
		sum.Add(int64(v))
		return err
	}
	done := []<-chan error{primGo(get), primGo(get)}
	primBlocked(t, q, 2)
	primQueueState(t, q, true, false)
	if n, err := q.Qsize(); err != nil || n != 0 {
		t.Errorf("Qsize = %d, %v; want 0", n, err)
	}
	if err := q.Put(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := q.Put(ctx, 2); err != nil { // waits for room if the first is not taken yet
		t.Fatal(err)
	}
	primJoin(t, done...)
	if sum.Load() != 3 {
		t.Errorf("the two Gets took items summing to %d, want 3", sum.Load())
	}
}

// TestQueueCancelledGetTakesNothing: a Get cancelled while it waits
// returns ctx's error and leaves the next item for others.
func TestQueueCancelledGetTakesNothing(t *testing.T) {
	m := primManager(t)
	q := primKeep(proxy.NewQueue[int](m, 0))(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := primGo(func() error {
		if _, err := q.Get(ctx); !errors.Is(err, context.Canceled) {
			return fmt.Errorf("cancelled Get: %v, want context.Canceled", err)
		}
		return nil
	})
	primBlocked(t, q, 1)
	cancel()
	primJoin(t, done)
	primBlocked(t, q, 0)
	q.PutNowait(5)
	if v, err := q.GetNowait(); err != nil || v != 5 {
		t.Errorf("GetNowait after the cancelled Get = %d, %v; want 5", v, err)
	}
}

// job is a queue item of a user type: it travels with gob.
type job struct {
	ID   int
	Name string
}

// TestQueueTypedItems: items of a struct type and of an interface type
// come back as they were put.
func TestQueueTypedItems(t *testing.T) {
	m := primManager(t)
	ctx := primCtx(t)
	jobs := primKeep(proxy.NewQueue[job](m, 0))(t)
	want := job{ID: 7, Name: "compile"}
	if err := jobs.Put(ctx, want); err != nil {
		t.Fatal(err)
	}
	if got, err := jobs.Get(ctx); err != nil || got != want {
		t.Errorf("Get = %+v, %v; want %+v", got, err, want)
	}

	anything := primKeep(proxy.NewQueue[any](m, 0))(t)
	for _, v := range []any{1, "two", 3.0, nil} {
		anything.PutNowait(v)
	}
	for _, want := range []any{1, "two", 3.0, nil} {
		if got, err := anything.GetNowait(); err != nil || got != want {
			t.Errorf("GetNowait = %v, %v; want %v", got, err, want)
		}
	}
}

// primQueueState checks Empty and Full.
func primQueueState(t *testing.T, q *proxy.Queue[int], empty, full bool) {
	t.Helper()
	if got, err := q.Empty(); err != nil || got != empty {
		t.Errorf("Empty = %v, %v; want %v", got, err, empty)
	}
	if got, err := q.Full(); err != nil || got != full {
		t.Errorf("Full = %v, %v; want %v", got, err, full)
	}
}

// TestQueueShutdown is Python 3.13's queue shutdown (test_shutdown_*):
// after Shutdown puts fail with ErrShutDown at once, gets drain what is
// left and then fail too, in every form; shutting down again is harmless.
func TestQueueShutdown(t *testing.T) {
	m := primManager(t)
	ctx := primCtx(t)
	q := primKeep(proxy.NewQueue[int](m, 2))(t)
	q.PutNowait(1)
	q.PutNowait(2)
	other := proxy.QueueOf[int](primRebuild(t, primConnect(t, m), q.Token()))
	if err := other.Shutdown(false); err != nil {
		t.Fatal(err)
	}
	puts := map[string]func() error{
		"put(3)":              func() error { return q.Put(ctx, 3) },
		"put_nowait(3)":       func() error { return q.PutNowait(3) },
		"put(3, timeout=0.1)": func() error { return q.PutTimeout(3, 100*time.Millisecond) },
	}
	for python, put := range puts {
		if err := put(); !errors.Is(err, proxy.ErrShutDown) {
			t.Errorf("%s on a queue shut down: %v, want ErrShutDown", python, err)
		}
	}
	if v, err := q.Get(ctx); err != nil || v != 1 {
		t.Errorf("get() of an item left: %d, %v; want 1", v, err)
	}
	if v, err := q.GetNowait(); err != nil || v != 2 {
		t.Errorf("get_nowait() of an item left: %d, %v; want 2", v, err)
	}
	gets := map[string]func() error{
		"get()":            func() error { _, err := q.Get(ctx); return err },
		"get_nowait()":     func() error { _, err := q.GetNowait(); return err },
		"get(timeout=0.1)": func() error { _, err := q.GetTimeout(100 * time.Millisecond); return err },
	}
	for python, get := range gets {
		start := time.Now()
		if err := get(); !errors.Is(err, proxy.ErrShutDown) || !strings.Contains(err.Error(), "shut down and empty") {
			t.Errorf("%s on a queue shut down and empty: %v, want ErrShutDown", python, err)
		}
		if d := time.Since(start); d > primLimit/2 {
			t.Errorf("%s waited %v: it must fail at once", python, d)
		}
	}
	if err := q.Shutdown(false); err != nil {
		t.Errorf("a second Shutdown: %v", err)
	}
	if n, err := q.Qsize(); err != nil || n != 0 {
		t.Errorf("Qsize after shutdown = %d, %v; want 0", n, err)
	}
	if !strings.Contains(q.String(), "shut down") {
		t.Errorf("str(q) = %q, want it to say the queue is shut down", q.String())
	}
}

// TestQueueShutdownWakesBlockedCallers: a Get waiting on an empty queue
// and a Put waiting on a full one, on another connection, wake up with
// ErrShutDown; the item that was in the queue can still be taken.
func TestQueueShutdownWakesBlockedCallers(t *testing.T) {
	m := primManager(t)
	ctx := primCtx(t)
	empty := primKeep(proxy.NewQueue[string](m, 0))(t)
	full := primKeep(proxy.NewQueue[string](m, 1))(t)
	full.PutNowait("kept")
	child := primConnect(t, m)
	cEmpty := proxy.QueueOf[string](primRebuild(t, child, empty.Token()))
	cFull := proxy.QueueOf[string](primRebuild(t, child, full.Token()))
	shutDown := func(what string, call func() error) <-chan error {
		return primGo(func() error {
			if err := call(); !errors.Is(err, proxy.ErrShutDown) {
				return fmt.Errorf("%s blocked when the queue was shut down: %v, want ErrShutDown", what, err)
			}
			return nil
		})
	}
	getDone := shutDown("get()", func() error { _, err := cEmpty.Get(ctx); return err })
	putDone := shutDown("put()", func() error { return cFull.Put(ctx, "more") })
	primBlocked(t, empty, 1)
	primBlocked(t, full, 1)
	if err := empty.Shutdown(false); err != nil {
		t.Fatal(err)
	}
	if err := full.Shutdown(false); err != nil {
		t.Fatal(err)
	}
	primJoin(t, getDone, putDone)
	if v, err := full.GetNowait(); err != nil || v != "kept" {
		t.Errorf("get_nowait() after shutdown = %q, %v; want the item left", v, err)
	}
}

// TestQueueShutdownImmediate: shutdown(immediate=True) drops the items at
// once, marks them done and so releases a Join waiting on them; a task
// taken and not yet done still holds Join until TaskDone.
func TestQueueShutdownImmediate(t *testing.T) {
	m := primManager(t)
	ctx := primCtx(t)
	q := primKeep(proxy.NewJoinableQueue[int](m, 0))(t)
	for i := range 3 {
		q.PutNowait(i)
	}
	if _, err := q.GetNowait(); err != nil { // one task taken, not done
		t.Fatal(err)
	}
	joined := make(chan struct{})
	done := primGo(func() error {
		defer close(joined)
		return q.Join(ctx)
	})
	primBlocked(t, q, 1)
	if err := q.Shutdown(true); err != nil {
		t.Fatal(err)
	}
	if n, err := q.Qsize(); err != nil || n != 0 {
		t.Errorf("Qsize after an immediate shutdown = %d, %v; want 0", n, err)
	}
	if _, err := q.GetNowait(); !errors.Is(err, proxy.ErrShutDown) {
		t.Errorf("get_nowait() after an immediate shutdown: %v, want ErrShutDown", err)
	}
	primBlocked(t, q, 1) // Join still waits for the task taken
	select {
	case <-joined:
		t.Fatal("Join returned with a task taken and not done")
	default:
	}
	if err := q.TaskDone(); err != nil {
		t.Fatal(err)
	}
	primJoin(t, done)
}

// A queue shut down: producers are refused, consumers drain what is left
// and then learn that nothing more will come. Python (3.13):
//
//	q.put('last'); q.shutdown()
//	q.put('late')       # raises queue.ShutDown
//	q.get()             # 'last'
//	q.get()             # raises queue.ShutDown
func ExampleQueue_Shutdown() {
	m := basemanager.NewSyncManager("")
	if err := m.Start(); err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown()
	ctx := context.Background()

	q, err := proxy.NewQueue[string](m, 0)
	if err != nil {
		log.Fatal(err)
	}
	q.Put(ctx, "last") // q.put('last')
	q.Shutdown(false)  // q.shutdown()
	err = q.Put(ctx, "late")
	fmt.Println("put:", errors.Is(err, proxy.ErrShutDown))
	for {
		v, err := q.Get(ctx)
		if errors.Is(err, proxy.ErrShutDown) {
			fmt.Println("get: shut down")
			break
		}
		fmt.Println("get:", v)
	}
	// Output:
	// put: true
	// get: last
	// get: shut down
}

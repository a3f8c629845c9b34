package proxy_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"sync"

	"gomanager/basemanager"
	"gomanager/proxy"
)

// The examples below use SyncManager's shared types, as Python's
//
//	manager = multiprocessing.Manager()
//
// does. Each starts its own manager; in real use the objects are shared
// between processes, here between goroutines.

// A shared FIFO queue. Python:
//
//	q = manager.Queue(maxsize=2)
//	q.put('first'); q.put_nowait('second')
//	q.get(); q.get_nowait()
func ExampleQueue() {
	m := basemanager.NewSyncManager("")
	if err := m.Start(); err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown()
	ctx := context.Background()

	q, err := proxy.NewQueue[string](m, 2) // q = manager.Queue(maxsize=2)
	if err != nil {
		log.Fatal(err)
	}
	q.Put(ctx, "first")        // q.put('first')
	q.PutNowait("second")      // q.put_nowait('second')
	err = q.PutNowait("third") // raises queue.Full
	n, _ := q.Qsize()          // q.qsize()
	full, _ := q.Full()        // q.full()
	fmt.Println("queue.Full:", errors.Is(err, proxy.ErrFull), "qsize:", n, "full:", full)

	a, _ := q.Get(ctx)     // q.get()
	b, _ := q.GetNowait()  // q.get_nowait()
	_, err = q.GetNowait() // raises queue.Empty
	fmt.Println(a, b, "queue.Empty:", errors.Is(err, proxy.ErrEmpty))
	// Output:
	// queue.Full: true qsize: 2 full: true
	// first second queue.Empty: true
}

// A worker marks each job done; Join waits for all of them. Python:
//
//	q = manager.JoinableQueue()
//	# worker:  job = q.get(); ...; q.task_done()
//	q.join()
func ExampleNewJoinableQueue() {
	m := basemanager.NewSyncManager("")
	if err := m.Start(); err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown()
	ctx := context.Background()

	q, err := proxy.NewJoinableQueue[string](m, 0) // q = manager.JoinableQueue()
	if err != nil {
		log.Fatal(err)
	}
	done := make(chan struct{})
	go func() { // the worker
		defer close(done)
		for {
			job, _ := q.Get(ctx) // job = q.get()
			if job == "" {       // the stop signal (or an error)
				return
			}
			fmt.Println("worker did", job)
			q.TaskDone() // q.task_done()
		}
	}()
	for _, job := range []string{"wash", "dry", "fold"} {
		q.Put(ctx, job) // q.put(job)
	}
	q.Join(ctx) // q.join(): returns once every job is task_done
	fmt.Println("all jobs done")
	q.Put(ctx, "") // stop the worker
	<-done
	// Output:
	// worker did wash
	// worker did dry
	// worker did fold
	// all jobs done
}

// One goroutine waits for a flag another sets. Python:
//
//	e = manager.Event()
//	e.wait()   # in one process
//	e.set()    # in another
func ExampleEvent() {
	m := basemanager.NewSyncManager("")
	if err := m.Start(); err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown()

	e, err := proxy.NewEvent(m) // e = manager.Event()
	if err != nil {
		log.Fatal(err)
	}
	set, _ := e.IsSet() // e.is_set()
	fmt.Println("is_set:", set)
	done := make(chan struct{})
	go func() {
		defer close(done)
		ok, _ := e.Wait(context.Background()) // e.wait(): blocks until set
		fmt.Println("waiter woke:", ok)
	}()
	e.Set() // e.set()
	<-done

	e.Clear()                 // e.clear()
	ok, _ := e.WaitTimeout(0) // e.wait(timeout=0)
	fmt.Println("after clear:", ok)
	// Output:
	// is_set: false
	// waiter woke: true
	// after clear: false
}

// A lock guards a read-modify-write of a shared value. Python:
//
//	lock = manager.Lock(); v = manager.Value('i', 0)
//	with lock:
//	    v.value += 1     # in each worker
func ExampleLock() {
	m := basemanager.NewSyncManager("")
	if err := m.Start(); err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown()
	ctx := context.Background()

	lock, err := proxy.NewLock(m) // lock = manager.Lock()
	if err != nil {
		log.Fatal(err)
	}
	first, _ := lock.AcquireNowait() // lock.acquire(blocking=False)
	again, _ := lock.AcquireNowait() // a Lock is not reentrant: False
	lock.Release()                   // lock.release()
	fmt.Println(first, again)

	v, _ := proxy.NewValue(m, 0) // v = manager.Value('i', 0)
	var wg sync.WaitGroup
	for range 4 { // 4 workers, 5 increments each
		wg.Go(func() {
			for range 5 {
				lock.WithLock(ctx, func() error { // with lock:
					n, _ := v.Get()     // v.value += 1 is a read and a write:
					return v.Set(n + 1) // no update is lost under the lock
				})
			}
		})
	}
	wg.Wait()
	n, _ := v.Get()
	fmt.Println("value:", n)
	// Output:
	// true false
	// value: 20
}

// A reentrant lock belongs to the handle that acquired it. Python:
//
//	r = manager.RLock()
//	r.acquire(); r.acquire()   # the owner may take it again
//	r.release(); r.release()
func ExampleRLock() {
	m := basemanager.NewSyncManager("")
	if err := m.Start(); err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown()

	r, err := proxy.NewRLock(m) // r = manager.RLock()
	if err != nil {
		log.Fatal(err)
	}
	r.Acquire(context.Background()) // r.acquire()
	ok, _ := r.AcquireNowait()      // again, by its owner
	fmt.Println("owner again:", ok)

	// Another owner (another process's proxy): its own handle to the same lock.
	p, _ := m.Rebuild(r.Token())
	other := proxy.RLockOf(p)
	ok, _ = other.AcquireNowait()
	err = other.Release() // RuntimeError: cannot release un-acquired lock
	fmt.Println("other:", ok, errors.Is(err, proxy.ErrNotOwner))

	r.Release() // as many releases as acquires
	r.Release()
	ok, _ = other.AcquireNowait()
	fmt.Println("other after release:", ok)
	other.Release()
	// Output:
	// owner again: true
	// other: false true
	// other after release: true
}

// A semaphore lets a fixed number of holders in. Python:
//
//	s = manager.Semaphore(2)
//	s.acquire(blocking=False)   # True, True, then False
func ExampleSemaphore() {
	m := basemanager.NewSyncManager("")
	if err := m.Start(); err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown()

	s, err := proxy.NewSemaphore(m, 2) // s = manager.Semaphore(2)
	if err != nil {
		log.Fatal(err)
	}
	for range 3 {
		ok, _ := s.AcquireNowait() // s.acquire(blocking=False)
		fmt.Println("acquired:", ok)
	}
	s.Release() // s.release(): one holder leaves
	ok, _ := s.AcquireNowait()
	fmt.Println("after release:", ok)
	// Output:
	// acquired: true
	// acquired: true
	// acquired: false
	// after release: true
}

// A bounded semaphore refuses to be released above its start. Python:
//
//	b = manager.BoundedSemaphore(1)
//	b.acquire(); b.release()
//	b.release()   # ValueError: Semaphore released too many times
func ExampleNewBoundedSemaphore() {
	m := basemanager.NewSyncManager("")
	if err := m.Start(); err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown()

	b, err := proxy.NewBoundedSemaphore(m, 1) // b = manager.BoundedSemaphore(1)
	if err != nil {
		log.Fatal(err)
	}
	b.Acquire(context.Background()) // b.acquire()
	fmt.Println(b.Release())        // b.release()
	err = b.Release()               // one too many
	fmt.Println(errors.Is(err, proxy.ErrReleasedTooMany))
	// Output:
	// <nil>
	// true
}

// A consumer waits under a condition until a producer has made something.
// Python:
//
//	with cond:                                   # consumer
//	    cond.wait_for(lambda: item.value != 0)
//	with cond:                                   # producer
//	    item.value = 42; cond.notify_all()
func ExampleCondition() {
	m := basemanager.NewSyncManager("")
	if err := m.Start(); err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown()
	ctx := context.Background()

	cond, err := proxy.NewCondition(m) // cond = manager.Condition()
	if err != nil {
		log.Fatal(err)
	}
	item, _ := proxy.NewValue(m, 0) // item = manager.Value('i', 0)
	// The consumer needs its own handle, as another process has its own proxy:
	// the lock belongs to the handle that holds it.
	p, _ := m.Rebuild(cond.Token())
	theirs := proxy.ConditionOf(p)
	done := make(chan struct{})
	go func() {
		defer close(done)
		theirs.WithLock(ctx, func() error { // with cond:
			_, err := theirs.WaitFor(ctx, func() (bool, error) { // cond.wait_for(...)
				n, err := item.Get()
				return n != 0, err
			}, -1) // no timeout
			n, _ := item.Get()
			fmt.Println("consumer got", n)
			return err
		})
	}()
	cond.WithLock(ctx, func() error { // with cond:
		item.Set(42)            // item.value = 42
		return cond.NotifyAll() // cond.notify_all()
	})
	<-done
	// Output:
	// consumer got 42
}

// No party passes the barrier before all have reached it. Python:
//
//	b = manager.Barrier(3)
//	arrived.append(i); b.wait(); len(arrived)   # in each of 3 workers: 3
func ExampleBarrier() {
	m := basemanager.NewSyncManager("")
	if err := m.Start(); err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown()

	b, err := proxy.NewBarrier(m, 3, 0) // b = manager.Barrier(3)
	if err != nil {
		log.Fatal(err)
	}
	arrived, _ := proxy.NewList[int](m) // arrived = manager.list()
	seen := make([]int, 3)
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			arrived.Append(i)            // work before the barrier
			b.Wait(context.Background()) // b.wait()
			seen[i], _ = arrived.Len()   // after it: everyone has arrived
		})
	}
	wg.Wait()
	fmt.Println("each saw:", seen)

	b.Abort() // b.abort(): later waits raise BrokenBarrierError
	_, err = b.Wait(context.Background())
	fmt.Println("broken:", errors.Is(err, proxy.ErrBrokenBarrier))
	// Output:
	// each saw: [3 3 3]
	// broken: true
}

// A shared dict. Add counts atomically on the server. Python:
//
//	d = manager.dict()
//	d['apples'] = 3; d['apples']; d.get('plums', 0); 'pears' in d
//	d['hits'] += 1   # loses updates between processes; d.Add does not
func ExampleDict() {
	m := basemanager.NewSyncManager("")
	if err := m.Start(); err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown()

	d, err := proxy.NewDict[string, int](m) // d = manager.dict()
	if err != nil {
		log.Fatal(err)
	}
	d.Set("apples", 3)                   // d['apples'] = 3
	d.Set("pears", 5)                    // d['pears'] = 5
	n, _ := d.Get("apples")              // d['apples']
	plums, _ := d.GetDefault("plums", 0) // d.get('plums', 0)
	has, _ := d.Contains("pears")        // 'pears' in d
	_, err = d.Get("plums")              // raises KeyError
	fmt.Println(n, plums, has, errors.Is(err, proxy.ErrKeyNotFound))

	var wg sync.WaitGroup
	for range 10 { // 10 workers count at once
		wg.Go(func() { d.Add("hits", 1) })
	}
	wg.Wait()
	d.Delete("pears")   // del d['pears']
	keys, _ := d.Keys() // list(d.keys()): insertion order
	hits, _ := d.Get("hits")
	fmt.Println(keys, "hits:", hits)
	// Output:
	// 3 0 true true
	// [apples hits] hits: 10
}

// A shared list. Python:
//
//	l = manager.list([3, 1, 2])
//	l.append(4); l.sort(); l[:], l[-1]; l.pop(); l.index(2)
//	for v in l: ...
func ExampleList() {
	m := basemanager.NewSyncManager("")
	if err := m.Start(); err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown()

	l, err := proxy.NewList(m, 3, 1, 2) // l = manager.list([3, 1, 2])
	if err != nil {
		log.Fatal(err)
	}
	l.Append(4)          // l.append(4)
	l.Sort()             // l.sort()
	all, _ := l.Copy()   // l[:]: a plain copy
	last, _ := l.Get(-1) // l[-1]
	fmt.Println(all, last)

	popped, _ := l.Pop() // l.pop()
	i, _ := l.Index(2)   // l.index(2)
	n, _ := l.Len()      // len(l)
	fmt.Println(popped, i, n)
	for v, err := range l.Range() { // for v in l:
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("item", v)
	}
	// Output:
	// [1 2 3 4] 4
	// 4 1 3
	// item 1
	// item 2
	// item 3
}

// A shared value. Add increments atomically on the server. Python:
//
//	v = manager.Value('i', 0)
//	v.value = 10; v.value
//	v.value += 1   # needs a lock between processes; v.Add does not
func ExampleValue() {
	m := basemanager.NewSyncManager("")
	if err := m.Start(); err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown()

	v, err := proxy.NewValue(m, 0) // v = manager.Value('i', 0)
	if err != nil {
		log.Fatal(err)
	}
	v.Set(10)       // v.value = 10
	n, _ := v.Get() // v.value
	fmt.Println(n)

	var wg sync.WaitGroup
	for range 10 { // 10 workers add at once
		wg.Go(func() { v.Add(1) })
	}
	wg.Wait()
	n, _ = v.Get()
	swapped, _ := v.CompareAndSwap(20, 0) // 20 → 0, only if it is 20
	fmt.Println(n, swapped)
	// Output:
	// 10
	// 20 true
}

// A shared namespace of attributes. Python:
//
//	ns = manager.Namespace()
//	ns.name = 'Bob'; ns.age = 30; print(ns); ns.age
//	del ns.age; hasattr(ns, 'age')
func ExampleNamespace() {
	m := basemanager.NewSyncManager("")
	if err := m.Start(); err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown()

	ns, err := proxy.NewNamespace(m) // ns = manager.Namespace()
	if err != nil {
		log.Fatal(err)
	}
	ns.Set("name", "Bob") // ns.name = 'Bob'
	ns.Set("age", 30)     // ns.age = 30
	fmt.Println(ns)       // print(ns)

	a, _ := ns.Get("age") // ns.age: an any
	age, _ := proxy.As[int](a, "age")
	fmt.Println(age + 1)

	ns.Delete("age")        // del ns.age
	has, _ := ns.Has("age") // hasattr(ns, 'age')
	_, err = ns.Get("age")  // raises AttributeError
	fmt.Println(has, errors.Is(err, proxy.ErrKeyNotFound))
	// Output:
	// Namespace(age=30, name='Bob')
	// 31
	// false true
}

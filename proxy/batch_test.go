// batch_test.go tests Batch, Later and Future, and the bulk methods built
// on them (Dict.GetMany, List.GetMany): every call keeps its own result or
// error, misuse is reported, a context ending mid-batch cancels what is
// still running, batches share a connection with each other and with
// lone calls, proxies in results are adopted, and a server in another
// process answers a batch.

package proxy_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/basemanager/process"
	"gomanager/proxy"
)

// batchLimit bounds every wait in the batch tests.
const batchLimit = 10 * time.Second

// doWithin runs b.Do(ctx) and fails t if it has not returned within
// batchLimit.
func doWithin(t *testing.T, ctx context.Context, b *proxy.Batch) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- b.Do(ctx) }()
	select {
	case err := <-done:
		return err
	case <-time.After(batchLimit):
		t.Fatalf("Do has not returned after %v", batchLimit)
		return nil
	}
}

// Each call of a batch keeps its own outcome, with the errors Call would
// have returned: good calls, a missing key, a bad method name, a closed
// proxy, a result of the wrong type. None of them is Do's error.
func TestBatchEachCallKeepsItsOwnError(t *testing.T) {
	m := contManager(t)
	d := contKeep(proxy.NewDict(m, map[string]int{"a": 1}))(t)
	l := contKeep(proxy.NewList(m, 10, 20))(t)
	v := contKeep(proxy.NewValue(m, 5))(t)
	closed := contOK(proxy.NewDict[string, int](m))(t)
	if err := closed.Close(); err != nil {
		t.Fatal(err)
	}

	b := proxy.NewBatch()
	a := proxy.Later[int](b, d.Proxy, "Get", "a")
	missing := proxy.Later[int](b, d.Proxy, "Get", "missing")
	noMethod := proxy.Later[int](b, d.Proxy, "NoSuchMethod")
	onClosed := proxy.Later[int](b, closed.Proxy, "Len")
	last := proxy.Later[int](b, l.Proxy, "Get", -1)
	value := proxy.Later[int](b, v.Proxy, "Get")
	wrongType := proxy.Later[string](b, v.Proxy, "Get")
	set := proxy.Later[any](b, d.Proxy, "Set", "b", 2)
	if n := b.Len(); n != 8 {
		t.Errorf("Len() = %d, want 8", n)
	}

	_, err := a.Get()
	contFails(t, "a Future read before Do", err, proxy.ErrNotDone, "Do")

	if err := doWithin(t, context.Background(), b); err != nil {
		t.Fatalf("Do: %v", err)
	}
	contEqual(t, "d['a']", contOK(a.Get())(t), 1)
	contEqual(t, "l[-1]", contOK(last.Get())(t), 20)
	contEqual(t, "v.value", contOK(value.Get())(t), 5)
	if got, err := set.Get(); got != nil || err != nil {
		t.Errorf("d['b'] = 2: %v, %v", got, err)
	}
	contEqual(t, "d['b'] after the batch", contOK(d.Get("b"))(t), 2)

	// The same errors as the calls made alone.
	_, want := d.Get("missing")
	_, err = missing.Get()
	contFails(t, "d['missing']", err, proxy.ErrKeyNotFound, want.Error())
	var re *proxy.RemoteError
	if !errors.As(err, &re) || re.Method != "Get" {
		t.Errorf("d['missing']: %#v, want a *RemoteError of Get", err)
	}
	_, want = d.CallMethod("NoSuchMethod")
	contFails(t, "d.NoSuchMethod()", noMethod.Err(), proxy.ErrNoSuchMethod, want.Error())
	_, want = closed.Len()
	contFails(t, "len(closed)", onClosed.Err(), proxy.ErrClosed, want.Error())
	if _, err := wrongType.Get(); err == nil || !strings.Contains(err.Error(), "not string") {
		t.Errorf("v.Get as a string: %v, want a conversion error", err)
	}

	// A batch is sent once.
	contFails(t, "Do again", b.Do(context.Background()), proxy.ErrBatchSent, "NewBatch")
	late := proxy.Later[int](b, d.Proxy, "Get", "a")
	contFails(t, "a call added after Do", late.Err(), proxy.ErrBatchSent, "a batch not yet sent")
	contEqual(t, "d['a'] read again", contOK(a.Get())(t), 1)
}

// An empty batch does nothing; a nil proxy fails its own call only.
func TestBatchEmptyAndNil(t *testing.T) {
	var b proxy.Batch // the zero Batch is ready
	if err := b.Do(context.Background()); err != nil {
		t.Errorf("an empty batch: %v", err)
	}
	m := contManager(t)
	d := contKeep(proxy.NewDict(m, map[string]int{"a": 1}))(t)
	b2 := proxy.NewBatch()
	nilCall := proxy.Later[int](b2, nil, "Get", "a")
	a := proxy.Later[int](b2, d.Proxy, "Get", "a")
	if err := doWithin(t, context.Background(), b2); err != nil {
		t.Fatalf("Do: %v", err)
	}
	if err := nilCall.Err(); err == nil || !strings.Contains(err.Error(), "nil *Proxy") {
		t.Errorf("a call on a nil proxy: %v", err)
	}
	contEqual(t, "d['a']", contOK(a.Get())(t), 1)
}

// A batch goes over one manager connection: calls on proxies of another
// (another manager, or another connection to the same server) fail, and
// Do sends nothing.
func TestBatchMixedManagers(t *testing.T) {
	m1, m2 := contManager(t), contManager(t)
	other := primConnect(t, m1) // a second connection to m1's server
	d1 := contKeep(proxy.NewDict[string, int](m1))(t)
	d2 := contKeep(proxy.NewDict[string, int](m2))(t)
	d3 := contKeep(proxy.NewDict[string, int](other))(t)
	for _, tt := range []struct {
		name   string
		second *proxy.Dict[string, int]
	}{
		{"another manager", d2},
		{"another connection to the same server", d3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := proxy.NewBatch()
			first := proxy.Later[any](b, d1.Proxy, "Set", "x", 1)
			second := proxy.Later[int](b, tt.second.Proxy, "Len")
			contFails(t, "the call on the other connection", second.Err(), proxy.ErrNotDone, "")
			err := doWithin(t, context.Background(), b)
			contFails(t, "Do", err, proxy.ErrMixedManagers, "make a batch per manager")
			contFails(t, "the first call", first.Err(), proxy.ErrMixedManagers, "not sent")
			contFails(t, "the call on the other connection", second.Err(), proxy.ErrMixedManagers, "another connection")
			if ok := contOK(d1.Contains("x"))(t); ok {
				t.Errorf("d1['x'] was set: the batch was sent")
			}
		})
	}
}

// A context that ends mid-batch cancels the calls still running (a
// Queue.Get with nothing to get) and Do returns at once with its error;
// a call that ran keeps its result, and the cancelled Get takes nothing.
func TestBatchCancelMidBatch(t *testing.T) {
	m := contManager(t)
	d := contKeep(proxy.NewDict(m, map[string]int{"a": 1}))(t)
	q := contKeep(proxy.NewQueue[int](m, 0))(t)
	ev := contKeep(proxy.NewEvent(m))(t)

	b := proxy.NewBatch()
	set := proxy.Later[any](b, ev.Proxy, "Set")
	get := proxy.Later[int](b, q.Proxy, "Get", true, -1.0) // blocks: the queue is empty
	var reads []*proxy.Future[int]
	for range 10 {
		reads = append(reads, proxy.Later[int](b, d.Proxy, "Get", "a"))
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	waited := make(chan error, 1)
	go func() {
		// Once the server has run the batch's Set, the batch is in
		// flight: cancel it.
		wctx, wcancel := context.WithTimeout(context.Background(), batchLimit)
		defer wcancel()
		_, err := ev.Wait(wctx)
		cancel()
		waited <- err
	}()
	start := time.Now()
	err := doWithin(t, ctx, b)
	if werr := <-waited; werr != nil {
		t.Fatalf("waiting for the batch's Set: %v", werr)
	}
	contFails(t, "Do", err, context.Canceled, "asked to cancel")
	if elapsed := time.Since(start); elapsed > batchLimit/2 {
		t.Errorf("Do took %v after the cancel", elapsed)
	}
	if err := set.Err(); err != nil {
		t.Errorf("the Set that ran: %v, want its result kept", err)
	}
	contFails(t, "the blocked Queue.Get", get.Err(), context.Canceled, "Get")
	for i, r := range reads {
		if v, err := r.Get(); err != nil && !errors.Is(err, context.Canceled) || err == nil && v != 1 {
			t.Errorf("read %d: %v, %v; want 1, or cancelled", i, v, err)
		}
	}
	// The cancelled Get took nothing, and the connection still works.
	if err := q.PutNowait(7); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "q.get_nowait()", contOK(q.GetNowait())(t), 7)
}

// Stuck is a shared object whose Block ignores its context: it returns
// only once release is closed.
type Stuck struct{ release chan struct{} }

// Block waits for release.
func (s *Stuck) Block() int {
	<-s.release
	return 1
}

// A call that ignores its cancellation is given up on after a grace
// period: Do returns, bounded, and the call fails with ctx's error; the
// others keep their results, and the connection still works.
func TestBatchCancelStuckCall(t *testing.T) {
	release := make(chan struct{})
	m := basemanager.NewSyncManager("", basemanager.WithLogger(nil))
	if err := m.Register("stuck", func() *Stuck { return &Stuck{release} }); err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown()
	stuck := contOK(m.Get("stuck"))(t)
	defer stuck.Close()
	d := contOK(proxy.NewDict(m, map[string]int{"a": 1}))(t)
	defer d.Close()
	defer close(release) // first: the server's call returns before Shutdown

	b := proxy.NewBatch()
	block := proxy.Later[int](b, stuck, "Block")
	a := proxy.Later[int](b, d.Proxy, "Get", "a")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := doWithin(t, ctx, b)
	contFails(t, "Do", err, context.DeadlineExceeded, "calls unanswered")
	t.Logf("Do returned after %v", time.Since(start))
	contFails(t, "the stuck call", block.Err(), context.DeadlineExceeded, "stuck.Block")
	contEqual(t, "d['a']", contOK(a.Get())(t), 1)
	contEqual(t, "d['a'] after the batch", contOK(d.Get("a"))(t), 1)
}

// A context already done sends nothing.
func TestBatchContextDoneBeforeDo(t *testing.T) {
	m := contManager(t)
	d := contKeep(proxy.NewDict[string, int](m))(t)
	b := proxy.NewBatch()
	set := proxy.Later[any](b, d.Proxy, "Set", "x", 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	contFails(t, "Do", doWithin(t, ctx, b), context.Canceled, "nothing sent")
	contFails(t, "the Set", set.Err(), context.Canceled, "Set")
	if ok := contOK(d.Contains("x"))(t); ok {
		t.Errorf("d['x'] was set")
	}
}

// A lost connection is Do's error, and each call's.
func TestBatchConnectionLost(t *testing.T) {
	m := basemanager.NewSyncManager("", basemanager.WithLogger(nil))
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown()
	d := contOK(proxy.NewDict(m, map[string]int{"a": 1}))(t)
	b := proxy.NewBatch()
	a := proxy.Later[int](b, d.Proxy, "Get", "a")
	if err := m.Shutdown(); err != nil {
		t.Fatal(err)
	}
	contFails(t, "Do", doWithin(t, context.Background(), b), proxy.ErrConnectionLost, "1 of 1 calls got no reply")
	contFails(t, "the call", a.Err(), proxy.ErrConnectionLost, "unreachable")
}

// Batches on one connection, from many goroutines at once and among lone
// calls, each get their own replies.
func TestBatchConcurrent(t *testing.T) {
	m := contManager(t)
	const goroutines, batches, calls = 8, 5, 100
	init := map[string]int{}
	for g := range goroutines {
		for i := range calls {
			init[fmt.Sprintf("%d/%d", g, i)] = g*1000 + i
		}
	}
	d := contKeep(proxy.NewDict(m, init))(t)
	l := contKeep(proxy.NewList(m, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9))(t)
	errs := make(chan error, goroutines+1)
	stop := make(chan struct{})
	go func() { // a lone caller meanwhile
		errs <- func() error {
			for {
				select {
				case <-stop:
					return nil
				default:
				}
				if v, err := d.Get("0/0"); err != nil || v != 0 {
					return fmt.Errorf("lone Get: %v, %v", v, err)
				}
			}
		}()
	}()
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			errs <- func() error {
				keys := make([]string, calls)
				for i := range keys {
					keys[i] = fmt.Sprintf("%d/%d", g, i)
				}
				for range batches {
					got, err := d.GetMany(keys)
					if err != nil {
						return err
					}
					for i, k := range keys {
						if got[k] != g*1000+i {
							return fmt.Errorf("goroutine %d: d[%q] = %d", g, k, got[k])
						}
					}
					items, err := l.GetMany([]int{g, -1 - g})
					if err != nil || items[0] != g || items[1] != 9-g {
						return fmt.Errorf("goroutine %d: l.GetMany = %v, %v", g, items, err)
					}
				}
				return nil
			}()
		})
	}
	wg.Wait()
	close(stop)
	for range goroutines + 1 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// A proxy in a result is adopted, as CallMethod adopts it: it works, and
// once closed, with its container, the server holds nothing (contManager
// checks).
func TestBatchNestedProxies(t *testing.T) {
	m := contManager(t)
	d := contKeep(proxy.NewDict[string, *proxy.Proxy](m))(t)
	inner := contOK(proxy.NewList(m, 1, 2, 3))(t)
	if err := d.Set("inner", inner.Proxy); err != nil {
		t.Fatal(err)
	}
	if err := inner.Close(); err != nil { // the dict keeps it alive
		t.Fatal(err)
	}
	b := proxy.NewBatch()
	f1 := proxy.Later[*proxy.Proxy](b, d.Proxy, "Get", "inner")
	f2 := proxy.Later[*proxy.Proxy](b, d.Proxy, "Get", "inner")
	if err := doWithin(t, context.Background(), b); err != nil {
		t.Fatal(err)
	}
	for i, f := range []*proxy.Future[*proxy.Proxy]{f1, f2} {
		p := contKeep(f.Get())(t)
		l := proxy.ListOf[int](p)
		contEqual(t, fmt.Sprintf("len(inner) through result %d", i), contOK(l.Len())(t), 3+i)
		if err := l.Append(4 + i); err != nil {
			t.Fatal(err)
		}
	}
	got := contOK(d.GetMany([]string{"inner"}))(t)
	l := proxy.ListOf[int](got["inner"])
	defer l.Close()
	contEqual(t, "inner, through GetMany", contOK(l.Copy())(t), []int{1, 2, 3, 4, 5})
}

// Dict.GetMany leaves missing keys out; List.GetMany fails on an index out
// of range, naming it; both fail on a closed handle.
func TestGetMany(t *testing.T) {
	m := contManager(t)
	d := contKeep(proxy.NewDict(m, map[string]int{"a": 1, "b": 2, "c": 3}))(t)
	l := contKeep(proxy.NewList(m, "x", "y", "z"))(t)

	contEqual(t, "d.GetMany(a, c, missing, a)", contOK(d.GetMany([]string{"a", "c", "missing", "a"}))(t),
		map[string]int{"a": 1, "c": 3})
	contEqual(t, "d.GetMany()", contOK(d.GetMany(nil))(t), map[string]int{})
	contEqual(t, "l.GetMany(2, 0, -2)", contOK(l.GetMany([]int{2, 0, -2}))(t), []string{"z", "x", "y"})
	contEqual(t, "l.GetMany()", contOK(l.GetMany(nil))(t), []string{})
	_, err := l.GetMany([]int{0, 7, 1})
	contFails(t, "l.GetMany(0, 7, 1)", err, proxy.ErrKeyNotFound, "index 7")

	closedD := contOK(proxy.NewDict[string, int](m))(t)
	closedL := contOK(proxy.NewList[string](m))(t)
	closedD.Close()
	closedL.Close()
	_, err = closedD.GetMany([]string{"a"})
	contFails(t, "GetMany on a closed dict", err, proxy.ErrClosed, "")
	_, err = closedL.GetMany([]int{0})
	contFails(t, "GetMany on a closed list", err, proxy.ErrClosed, "")
}

// BatchPID is a shared object that tells which process it lives in.
type BatchPID struct{}

// PID returns the server's process id.
func (BatchPID) PID() int { return os.Getpid() }

// A server in another process answers a batch of mixed calls on several
// objects, and GetMany.
func TestBatchCrossProcess(t *testing.T) {
	m := basemanager.NewSyncManager("", basemanager.WithLogger(nil))
	if err := m.Register("batchpid", func() *BatchPID { return &BatchPID{} }); err != nil {
		t.Fatal(err)
	}
	if err := m.StartProcess(process.WithArgs("-test.run=^TestBatchCrossProcess$")); err != nil {
		t.Fatalf("StartProcess: %v", err)
	}
	// From here on this is the parent: the server process never returns.
	defer m.Shutdown()
	if process.IsServer() {
		t.Fatal("the server process came back from StartProcess")
	}
	d := contKeep(proxy.NewDict(m, map[string]int{"a": 1, "b": 2}))(t)
	l := contKeep(proxy.NewList(m, 10, 20, 30))(t)
	v := contKeep(proxy.NewValue(m, 0))(t)
	pid := contKeep(m.Get("batchpid"))(t)

	b := proxy.NewBatch()
	var adds []*proxy.Future[int]
	for range 100 {
		adds = append(adds, proxy.Later[int](b, v.Proxy, "Add", 1))
	}
	a := proxy.Later[int](b, d.Proxy, "Get", "a")
	missing := proxy.Later[int](b, d.Proxy, "Get", "missing")
	first := proxy.Later[int](b, l.Proxy, "Get", 0)
	bad := proxy.Later[int](b, l.Proxy, "Get", 5)
	serverPID := proxy.Later[int](b, pid, "PID")
	if err := doWithin(t, context.Background(), b); err != nil {
		t.Fatalf("Do: %v", err)
	}
	seen := map[int]bool{}
	for _, f := range adds {
		n := contOK(f.Get())(t)
		if seen[n] || n < 1 || n > 100 {
			t.Errorf("an Add returned %d (seen before: %v)", n, seen[n])
		}
		seen[n] = true
	}
	contEqual(t, "v.value", contOK(v.Get())(t), 100)
	contEqual(t, "d['a']", contOK(a.Get())(t), 1)
	contFails(t, "d['missing']", missing.Err(), proxy.ErrKeyNotFound, "")
	contEqual(t, "l[0]", contOK(first.Get())(t), 10)
	contFails(t, "l[5]", bad.Err(), proxy.ErrKeyNotFound, "index 5")
	contEqual(t, "d.GetMany", contOK(d.GetMany([]string{"a", "b", "c"}))(t), map[string]int{"a": 1, "b": 2})
	if got := contOK(serverPID.Get())(t); got == os.Getpid() {
		t.Errorf("the server runs in this process (%d), want another", got)
	}
}

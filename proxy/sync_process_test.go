// sync_process_test.go runs the shared types across real OS processes, as
// CPython's TestSyncManagerTypes does: the test binary re-executes itself as
// child processes that connect to a SyncManager served by the test.

package proxy_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/proxy"
)

const syncChildEnv = "GOMANAGER_SYNC_CHILD"

// TestSyncChild is not a test: it is the body of the child processes, run
// only when the test binary is started with GOMANAGER_SYNC_CHILD set.
func TestSyncChild(t *testing.T) {
	role := os.Getenv(syncChildEnv)
	if role == "" {
		return
	}
	if err := syncChild(role); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// syncChild connects to the parent's manager and plays role on the objects
// whose tokens the parent passed in GOMANAGER_SYNC_TOKENS (plain JSON: a
// token carries no credentials; the child uses its own authkey).
func syncChild(role string) error {
	m := basemanager.NewSyncManager(os.Getenv("GOMANAGER_SYNC_ADDRESS"), basemanager.WithAuthKey(os.Getenv("GOMANAGER_SYNC_KEY")))
	if err := m.Connect(); err != nil {
		return err
	}
	defer m.Shutdown()
	var tokens map[string]proxy.Token
	if err := json.Unmarshal([]byte(os.Getenv("GOMANAGER_SYNC_TOKENS")), &tokens); err != nil {
		return err
	}
	rebuild := func(name string) *proxy.Proxy {
		p, err := m.Rebuild(tokens[name])
		if err != nil {
			panic(fmt.Sprintf("rebuild %s: %v", name, err))
		}
		return p
	}
	ctx := context.Background()
	switch role {
	case "mutate":
		if err := proxy.QueueOf[int](rebuild("queue")).Put(ctx, 42); err != nil {
			return err
		}
		if err := proxy.DictOf[string, int](rebuild("dict")).Set("child", 1); err != nil {
			return err
		}
		if err := proxy.ListOf[string](rebuild("list")).Append("from child"); err != nil {
			return err
		}
		if err := proxy.ValueOf[int](rebuild("value")).Set(7); err != nil {
			return err
		}
		if err := proxy.NamespaceOf(rebuild("namespace")).Set("by", "child"); err != nil {
			return err
		}
		if err := proxy.EventOf(rebuild("event")).Set(); err != nil {
			return err
		}
		l := proxy.LockOf(rebuild("lock"))
		if ok, err := l.AcquireNowait(); !ok || err != nil {
			return fmt.Errorf("lock: acquired %v, %v", ok, err)
		}
		return nil // and exit holding it
	case "add":
		v := proxy.ValueOf[int](rebuild("value"))
		for range 1000 {
			if _, err := v.Add(1); err != nil {
				return err
			}
		}
		return nil
	case "lockinc":
		l, d := proxy.LockOf(rebuild("lock")), proxy.DictOf[string, int](rebuild("dict"))
		for range 1000 {
			err := l.WithLock(ctx, func() error {
				n, err := d.Get("n")
				if err != nil {
					return err
				}
				return d.Set("n", n+1) // read-modify-write, safe only under the lock
			})
			if err != nil {
				return err
			}
		}
		return nil
	case "hold":
		if ok, err := proxy.LockOf(rebuild("lock")).Acquire(ctx); !ok || err != nil {
			return fmt.Errorf("lock: acquired %v, %v", ok, err)
		}
		for i := range 100 {
			l, err := proxy.NewList[int](m, i)
			if err != nil {
				return err
			}
			heldLists = append(heldLists, l) // reachable: a proxy collected would release its list
		}
		fmt.Println("holding")
		select {} // until the parent kills us
	}
	return fmt.Errorf("unknown role %q", role)
}

// heldLists keeps the "hold" child's lists' proxies reachable until it is
// killed.
var heldLists []*proxy.List[int]

// syncServer starts a SyncManager with an authkey and returns it with the
// environment its children need.
func syncServer(t *testing.T) (*basemanager.Manager, []string) {
	t.Helper()
	m := primManagerOpts(t, basemanager.WithAuthKey("sync-process-key"))
	return m, []string{"GOMANAGER_SYNC_ADDRESS=" + m.Address(), "GOMANAGER_SYNC_KEY=sync-process-key"}
}

// startChild starts the test binary as a child process playing role.
func startChild(t *testing.T, env []string, role string, tokens map[string]proxy.Token) *exec.Cmd {
	t.Helper()
	js, err := json.Marshal(tokens)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSyncChild$")
	cmd.Env = append(os.Environ(), append(env, syncChildEnv+"="+role, "GOMANAGER_SYNC_TOKENS="+string(js))...)
	cmd.Stderr = os.Stderr
	return cmd
}

// runChildren runs n children playing role and waits for them, bounded.
func runChildren(t *testing.T, env []string, n int, role string, tokens map[string]proxy.Token) {
	t.Helper()
	errs := make(chan error, n)
	for range n {
		cmd := startChild(t, env, role, tokens)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { errs <- cmd.Wait() }()
	}
	for range n {
		select {
		case err := <-errs:
			if err != nil {
				t.Fatalf("child %s: %v", role, err)
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("children %s did not finish within 60 s", role)
		}
	}
}

// result holds a call's two results, so a test can write of(f()).must(t).
type result[T any] struct {
	v   T
	err error
}

func of[T any](v T, err error) result[T] { return result[T]{v, err} }

func (r result[T]) must(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

// A child process mutates every type through proxies rebuilt from tokens;
// the parent sees each change.
func TestSyncTypesAcrossProcesses(t *testing.T) {
	m, env := syncServer(t)
	q, err1 := proxy.NewQueue[int](m, 0)
	d, err2 := proxy.NewDict[string, int](m)
	l, err3 := proxy.NewList[string](m)
	v, err4 := proxy.NewValue(m, 0)
	ns, err5 := proxy.NewNamespace(m)
	ev, err6 := proxy.NewEvent(m)
	lock, err7 := proxy.NewLock(m)
	if err := errors.Join(err1, err2, err3, err4, err5, err6, err7); err != nil {
		t.Fatal(err)
	}
	for _, c := range []interface{ Close() error }{q, d, l, v, ns, ev, lock} {
		t.Cleanup(func() { c.Close() })
	}
	tokens := map[string]proxy.Token{
		"queue": q.Token(), "dict": d.Token(), "list": l.Token(), "value": v.Token(),
		"namespace": ns.Token(), "event": ev.Token(), "lock": lock.Token(),
	}
	runChildren(t, env, 1, "mutate", tokens)

	if got := of(q.GetNowait()).must(t); got != 42 {
		t.Errorf("queue: got %d, want 42", got)
	}
	if got := of(d.Get("child")).must(t); got != 1 {
		t.Errorf("dict: got %d, want 1", got)
	}
	if got := of(l.Get(0)).must(t); got != "from child" {
		t.Errorf("list: got %q", got)
	}
	if got := of(v.Get()).must(t); got != 7 {
		t.Errorf("value: got %d, want 7", got)
	}
	if got := of(ns.Get("by")).must(t); got != "child" {
		t.Errorf("namespace: got %v", got)
	}
	if !of(ev.IsSet()).must(t) {
		t.Error("event: not set")
	}
	// The child exited holding the lock: its hold went with its connection,
	// and the next acquirer is told.
	ok, err := lock.AcquireTimeout(primLimit)
	if !ok || !errors.Is(err, proxy.ErrAbandoned) {
		t.Errorf("lock held by an exited child: acquired %v, err %v; want true, ErrAbandoned", ok, err)
	}
	if err := lock.Release(); err != nil {
		t.Error(err)
	}
}

// 4 processes × 1,000 Value.Add end exact: counting needs no lock.
func TestValueAddAcrossProcesses(t *testing.T) {
	m, env := syncServer(t)
	v, err := proxy.NewValue(m, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	runChildren(t, env, 4, "add", map[string]proxy.Token{"value": v.Token()})
	if got := of(v.Get()).must(t); got != 4000 {
		t.Fatalf("after 4 × 1,000 Add: %d, want 4000", got)
	}
}

// 4 processes × 1,000 lock-protected read-modify-write increments of one
// dict entry end exact.
func TestLockedDictIncrementsAcrossProcesses(t *testing.T) {
	m, env := syncServer(t)
	d, err1 := proxy.NewDict[string, int](m)
	lock, err2 := proxy.NewLock(m)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close(); lock.Close() })
	if err := d.Set("n", 0); err != nil {
		t.Fatal(err)
	}
	runChildren(t, env, 4, "lockinc", map[string]proxy.Token{"dict": d.Token(), "lock": lock.Token()})
	if got := of(d.Get("n")).must(t); got != 4000 {
		t.Fatalf("after 4 × 1,000 locked increments: %d, want 4000", got)
	}
}

// A child killed with SIGKILL while holding a lock and 100 objects: within
// 2 s the server has dropped its objects and the lock is acquirable, with
// ErrAbandoned saying its holder died.
func TestKilledClientReleasesObjectsAndLocks(t *testing.T) {
	m, env := syncServer(t)
	lock, err := proxy.NewLock(m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lock.Close() })
	before := of(m.NumberOfObjects()).must(t)

	child := startChild(t, env, "hold", map[string]proxy.Token{"lock": lock.Token()})
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	holding := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		holding <- strings.TrimSpace(line) == "holding"
	}()
	select {
	case ok := <-holding:
		if !ok {
			t.Fatal("child failed before holding the lock")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("child did not report holding the lock within 30 s")
	}
	if n := of(m.NumberOfObjects()).must(t); n != before+100 {
		t.Fatalf("objects while the child holds them: %d, want %d", n, before+100)
	}

	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	killed := time.Now()

	ok, err := lock.AcquireTimeout(2 * time.Second)
	if !ok {
		t.Fatalf("lock not acquirable within 2 s of the holder's death: %v", err)
	}
	if !errors.Is(err, proxy.ErrAbandoned) {
		t.Errorf("acquire after the holder died: err = %v, want ErrAbandoned", err)
	}
	lock.Release()
	// The references went with the connection, before the lock was given back.
	if n := of(m.NumberOfObjects()).must(t); n != before {
		t.Errorf("objects %v after the kill: %d, want %d", time.Since(killed), n, before)
	}
}

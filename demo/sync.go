// sync.go is the demo's second scenario, Python's SyncManager in action
// (multiprocessing.Manager()): worker processes share a dict, a lock and a
// queue served by the parent, and the parent prints an exact total.

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"time"

	"gomanager/basemanager"
	"gomanager/proxy"
)

const (
	syncWorkers = 3
	syncItems   = 100 // the parent queues 1..syncItems
)

// SyncParent serves a SyncManager in this process, shares a queue of work,
// a lock and a dict with worker processes, and checks their total.
//
// With DEBUG=1 in the environment it also serves the server's debug page
// (basemanager.DebugHandler) on a loopback port, prints its URL before the
// workers start, and keeps it up until the scenario ends.
func SyncParent(out io.Writer, authkey string) (err error) {
	manager := basemanager.NewSyncManager("127.0.0.1:0", basemanager.WithAuthKey(authkey))
	// Python's manager.start(), in the two steps Start takes: serve on a
	// goroutine, then connect. Start would keep the *Server to itself; the
	// debug page needs it.
	srv, err := manager.GetServer()
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeForever() }()
	defer func() {
		srv.Stop()
		err = errors.Join(err, <-served)
	}()
	if err := manager.Connect(); err != nil {
		return err
	}
	defer manager.Shutdown() // before the server stops: defers run last first

	queue, err := proxy.NewQueue[int](manager, 0) // manager.Queue()
	if err != nil {
		return err
	}
	defer queue.Close()
	lock, err := proxy.NewLock(manager) // manager.Lock()
	if err != nil {
		return err
	}
	defer lock.Close()
	results, err := proxy.NewDict[string, int](manager) // manager.dict()
	if err != nil {
		return err
	}
	defer results.Close()
	fmt.Fprintf(out, "parent: serving a SyncManager at %s with a Queue, a Lock and a dict\n", manager.Address())
	if os.Getenv("DEBUG") == "1" {
		stopPage, pageErr := serveDebugPage(out, srv)
		if pageErr != nil {
			return pageErr
		}
		defer func() { err = errors.Join(err, stopPage()) }()
	}

	// Proxies travel to other processes as tokens: plain data, no credentials.
	tokens, err := json.Marshal(map[string]proxy.Token{"queue": queue.Token(), "lock": lock.Token(), "results": results.Token()})
	if err != nil {
		return err
	}
	var workers []*exec.Cmd
	for i := 1; i <= syncWorkers; i++ {
		cmd := exec.Command(os.Args[0], "-role", "SyncWorker", "-address", manager.Address())
		cmd.Env = append(os.Environ(), fmt.Sprintf("GOMANAGER_WORKER=worker-%d", i), "GOMANAGER_TOKENS="+string(tokens))
		cmd.Stdout, cmd.Stderr = out, os.Stderr
		if err := cmd.Start(); err != nil {
			return err
		}
		workers = append(workers, cmd)
	}

	ctx := context.Background()
	for n := 1; n <= syncItems; n++ {
		if err := queue.Put(ctx, n); err != nil {
			return err
		}
	}
	for range workers {
		queue.Put(ctx, 0) // one "no more work" per worker
	}
	var failed error
	for _, w := range workers {
		failed = errors.Join(failed, w.Wait())
	}
	if failed != nil {
		return failed
	}

	total, err := results.Get("total")
	if err != nil {
		return err
	}
	items, err := results.Get("items")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "parent: %d workers summed %d items: total = %d (expected %d)\n",
		syncWorkers, items, total, syncItems*(syncItems+1)/2)
	if total != syncItems*(syncItems+1)/2 || items != syncItems {
		return fmt.Errorf("lost or duplicated updates: total %d, items %d", total, items)
	}
	return nil
}

// serveDebugPage serves srv's debug page on a loopback port the OS picks
// (the page shows shared data: it belongs on loopback) and prints its URL.
// The returned stop shuts the page's HTTP server down and waits for its
// goroutine.
func serveDebugPage(out io.Writer, srv *basemanager.Server) (stop func() error, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	page := &http.Server{Handler: basemanager.DebugHandler(srv), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- page.Serve(ln) }()
	fmt.Fprintf(out, "debug page: http://%s/\n", ln.Addr())
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := page.Shutdown(ctx) // lets a page being fetched finish
		if err != nil {
			page.Close()
		}
		if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		return err
	}, nil
}

// SyncWorker takes numbers from the shared queue until it gets 0, adding
// each to the shared total under the shared lock (a read-modify-write,
// which needs the lock) and counting items with the dict's atomic Add
// (which does not).
func SyncWorker(out io.Writer, address, authkey string) error {
	name := os.Getenv("GOMANAGER_WORKER")
	var tokens map[string]proxy.Token
	if err := json.Unmarshal([]byte(os.Getenv("GOMANAGER_TOKENS")), &tokens); err != nil {
		return err
	}
	manager := basemanager.NewSyncManager(address, basemanager.WithAuthKey(authkey))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := manager.ConnectContext(ctx); err != nil {
		return err
	}
	defer manager.Shutdown()
	rebuilt := map[string]*proxy.Proxy{}
	for _, k := range sortedKeys(tokens) {
		p, err := manager.Rebuild(tokens[k])
		if err != nil {
			return err
		}
		rebuilt[k] = p
	}
	queue, lock, results := proxy.QueueOf[int](rebuilt["queue"]), proxy.LockOf(rebuilt["lock"]), proxy.DictOf[string, int](rebuilt["results"])

	mine := 0
	for {
		n, err := queue.Get(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		err = lock.WithLock(ctx, func() error {
			total, err := results.GetDefault("total", 0)
			if err != nil {
				return err
			}
			return results.Set("total", total+n)
		})
		if err != nil {
			return err
		}
		if _, err := results.Add("items", 1); err != nil {
			return err
		}
		mine++
	}
	fmt.Fprintf(out, "%s: added %d items\n", name, mine)
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// debug_page_test.go checks the debug page against a real server (issue
// 11, item 5): what DebugHandler shows must be what the server holds, its
// objects, who holds them, the calls blocked in its connections and its
// lock holders.

package basemanager_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/basemanager/debugpage"
	"gomanager/basemanager/internal/testkit"
	"gomanager/proxy"
)

// debugPageWait bounds every wait for the page to show a change.
const debugPageWait = 5 * time.Second

// debugPageGet fetches url and returns its body, failing the test unless
// the status is 200.
func debugPageGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d:\n%s", url, resp.StatusCode, data)
	}
	return string(data)
}

// debugPageSnapshot fetches the page as JSON (?format=json).
func debugPageSnapshot(t *testing.T, pageURL string) debugpage.Snapshot {
	t.Helper()
	var s debugpage.Snapshot
	if err := json.Unmarshal([]byte(debugPageGet(t, pageURL+"/?format=json")), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// debugPageUntil fetches snapshots until ok holds for one, and returns it;
// it fails the test, showing the last one, after debugPageWait.
func debugPageUntil(t *testing.T, pageURL, what string, ok func(debugpage.Snapshot) bool) debugpage.Snapshot {
	t.Helper()
	deadline := time.Now().Add(debugPageWait)
	for {
		s := debugPageSnapshot(t, pageURL)
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("the debug page did not show %s within %v; last snapshot: %+v", what, debugPageWait, s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// blockedIn reports whether connection number n of s has a blocked call of
// method.
func blockedIn(s debugpage.Snapshot, n uint64, method string) bool {
	for _, c := range s.Connections {
		if c.Number == n {
			return slices.ContainsFunc(c.Blocked, func(call debugpage.Call) bool { return call.Method == method })
		}
	}
	return false
}

// TestDebugPage serves DebugHandler for a real server while a client holds
// a Lock, a dict and a Queue it waits on, and checks the page against the
// server: its objects, the lock's holder, the blocked Queue.Get; then, once
// the client is gone, no objects.
func TestDebugPage(t *testing.T) {
	srv := testkit.Serve(t, basemanager.NewSyncManager("127.0.0.1:0", basemanager.WithLogger(nil)))
	page := httptest.NewServer(basemanager.DebugHandler(srv))
	t.Cleanup(page.Close)

	client := basemanager.NewSyncManager(srv.Address(), basemanager.WithLogger(nil))
	if err := client.Connect(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Shutdown() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	lock, err := proxy.NewLock(client)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := lock.Acquire(ctx); !ok || err != nil {
		t.Fatalf("Acquire: %v, %v", ok, err)
	}
	dict, err := proxy.NewDict[string, int](client)
	if err != nil {
		t.Fatal(err)
	}
	if err := dict.Set("answer", 42); err != nil {
		t.Fatal(err)
	}
	queue, err := proxy.NewQueue[int](client, 0)
	if err != nil {
		t.Fatal(err)
	}
	getCtx, stopGet := context.WithCancel(ctx)
	got := make(chan error, 1)
	go func() {
		_, err := queue.Get(getCtx) // blocks: nothing is ever put
		got <- err
	}()

	// The lock's holder is the client's connection; find it, then wait
	// until the Get shows as blocked in it (it may not have started yet).
	lockID := lock.Token().ID
	holder := func(s debugpage.Snapshot) (uint64, bool) {
		for _, l := range s.Locks {
			if l.ObjectID == lockID {
				return l.Holder, true
			}
		}
		return 0, false
	}
	s := debugPageUntil(t, page.URL, "the Lock's holder blocked in Queue.Get", func(s debugpage.Snapshot) bool {
		n, ok := holder(s)
		return ok && blockedIn(s, n, "Queue.Get")
	})
	conn, _ := holder(s)

	if n := srv.NumberOfObjects(); len(s.Objects) != n {
		t.Errorf("the page shows %d objects, the server holds %d: %+v", len(s.Objects), n, s.Objects)
	}
	if i := slices.IndexFunc(s.Connections, func(c debugpage.Connection) bool { return c.Number == conn }); i < 0 {
		t.Errorf("the lock's holder, connection %d, is not among the connections: %+v", conn, s.Connections)
	} else if c := s.Connections[i]; c.Python {
		t.Errorf("connection %d shows as a Python client; it is a Go one: %+v", conn, c)
	}
	for name, id := range map[string]uint64{"Lock": lockID, "dict": dict.Token().ID, "Queue": queue.Token().ID} {
		i := slices.IndexFunc(s.Objects, func(o debugpage.Object) bool { return o.ID == id })
		if i < 0 {
			t.Errorf("the %s (object %d) is not among the objects: %+v", name, id, s.Objects)
			continue
		}
		if o := s.Objects[i]; o.Typeid != name || !slices.Contains(o.HeldBy, conn) {
			t.Errorf("the %s: got %+v, want typeid %s held by connection %d", name, o, name, conn)
		}
	}
	for _, l := range s.Locks {
		if l.ObjectID == lockID && l.Typeid != "Lock" {
			t.Errorf("the lock holder's typeid is %q, want Lock", l.Typeid)
		}
	}
	if s.CallsServed <= 0 {
		t.Errorf("CallsServed = %d after an Acquire and a Set", s.CallsServed)
	}
	if s.Uptime <= 0 {
		t.Errorf("Uptime = %v", s.Uptime)
	}
	if s.Address != srv.Address() {
		t.Errorf("Address = %q, want %q", s.Address, srv.Address())
	}

	html := debugPageGet(t, page.URL+"/")
	for _, want := range []string{srv.Address(), "Queue.Get"} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML page lacks %q:\n%s", want, html)
		}
	}

	// The client lets go of everything: the page shows no objects.
	stopGet()
	select {
	case <-got:
	case <-time.After(debugPageWait):
		t.Fatal("the cancelled Queue.Get did not return")
	}
	if err := lock.Release(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*proxy.Proxy{lock.Proxy, dict.Proxy, queue.Proxy} {
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
	}
	client.Shutdown()
	debugPageUntil(t, page.URL, "no objects", func(s debugpage.Snapshot) bool {
		return len(s.Objects) == 0 && len(s.Locks) == 0
	})
	if n := srv.NumberOfObjects(); n != 0 {
		t.Errorf("the page shows no objects, the server holds %d", n)
	}
}

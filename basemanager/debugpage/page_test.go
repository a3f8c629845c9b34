// page_test.go tests Handler alone, with a fixed Snapshot: no server.

package debugpage

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fixed is a server at one made-up moment: a Lock held by connection 1,
// a Queue that connection 2 waits on, and a dict inside a list. Its rows
// are in the order Handler shows them, so it survives a JSON round trip
// unchanged.
func fixed() Snapshot {
	return Snapshot{
		Address:     "127.0.0.1:50000",
		Epoch:       0x1234abcd5678ef90,
		Uptime:      90 * time.Second,
		CallsServed: 42,
		CallsFailed: 3,
		Objects: []Object{
			{ID: 1, Typeid: "Lock", Refs: 1, HeldBy: []uint64{1}, Str: "<unlocked Lock>"},
			{ID: 2, Typeid: "Queue", Refs: 2, HeldBy: []uint64{1, 2}, Str: "Queue(size 0)"},
			{ID: 3, Typeid: "dict", Refs: 2, HeldBy: []uint64{1}, InsideOf: []uint64{4}, Str: "map[greeting:<b>hello</b>]"},
			{ID: 4, Typeid: "list", Refs: 1, HeldBy: []uint64{1}, Str: "[proxy 3]"},
		},
		Connections: []Connection{
			{Number: 1, Peer: "127.0.0.1:41000", Auth: "authkey"},
			{Number: 2, Peer: "127.0.0.1:41002", Python: true, Auth: "none (loopback)", TLS: true, InFlight: 2,
				Blocked: []Call{{Method: "Queue.Get", For: 1500 * time.Millisecond}, {Method: "Lock.Acquire", For: 20 * time.Millisecond}}},
		},
		Locks: []Lock{{ObjectID: 1, Typeid: "Lock", Holder: 1}},
	}
}

// get serves one request to Handler(fixed) and returns the response.
func get(t *testing.T, method, target string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	Handler(fixed).ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec.Result()
}

// body reads a response's body.
func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestHTML checks the page shows the server, its objects (their String()
// escaped), its connections' blocked calls and its lock holders, and is
// not cached.
func TestHTML(t *testing.T) {
	resp := get(t, http.MethodGet, "/")
	page := body(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200:\n%s", resp.StatusCode, page)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q, want text/html", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	for _, want := range []string{
		"127.0.0.1:50000",                        // the address
		"1234abcd5678ef90",                       // the epoch, in hex
		"1m30s",                                  // the uptime
		"<td>Queue</td>",                         // an object's typeid
		"map[greeting:&lt;b&gt;hello&lt;/b&gt;]", // its String(), escaped
		"127.0.0.1:41002",                        // a connection's peer
		"Python",                                 // ... its client
		"none (loopback)",                        // ... how it authenticated
		"Queue.Get for 1.5s",                     // a blocked call
		`<a href="#connection-1">1</a>`,          // a lock holder
		`<tr id="object-3">`,                     // a row a link can reach
		`<a href="#object-4">4</a>`,              // the dict is inside the list
		`<td class="n">42</td>`,                  // calls served
		"Lock holders (1)",                       // the lock table
		"&lt;unlocked Lock&gt;",                  // another String(), escaped
		`<a href="?format=json">`,                // the way to the JSON
		"<th>blocked calls, longest first</th>",  // the column the calls are in
		"Objects (4)",                            // the object count
		"Connections (2)",                        // the connection count
		"<td>Go</td>",                            // a Go client
		"Lock.Acquire for 20ms",                  // the second blocked call
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "<b>hello") {
		t.Errorf("the page shows an object's String() unescaped:\n%s", page)
	}
	if i, j := strings.Index(page, "Queue.Get for"), strings.Index(page, "Lock.Acquire for"); i > j {
		t.Errorf("blocked calls not longest first:\n%s", page)
	}
}

// TestHTMLOrders checks the page puts rows in order, whatever order the
// snapshot gives them in: objects by id, blocked calls longest first.
func TestHTMLOrders(t *testing.T) {
	s := fixed()
	s.Objects[0], s.Objects[3] = s.Objects[3], s.Objects[0]
	blocked := s.Connections[1].Blocked
	blocked[0], blocked[1] = blocked[1], blocked[0]
	rec := httptest.NewRecorder()
	Handler(func() Snapshot { return s }).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	page := rec.Body.String()
	if i, j := strings.Index(page, `id="object-1"`), strings.Index(page, `id="object-4"`); i < 0 || j < 0 || i > j {
		t.Errorf("objects not by id:\n%s", page)
	}
	if i, j := strings.Index(page, "Queue.Get for"), strings.Index(page, "Lock.Acquire for"); i < 0 || j < 0 || i > j {
		t.Errorf("blocked calls not longest first:\n%s", page)
	}
	if blocked[0].Method != "Lock.Acquire" {
		t.Errorf("Handler reordered the snapshot's own slice: %v", blocked)
	}
}

// TestHTMLEmpty checks a server with nothing in it still gets a page.
func TestHTMLEmpty(t *testing.T) {
	rec := httptest.NewRecorder()
	Handler(func() Snapshot { return Snapshot{Address: "127.0.0.1:1"} }).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	page := rec.Body.String()
	for _, want := range []string{"127.0.0.1:1", "no objects", "no connections", "no lock is held"} {
		if !strings.Contains(page, want) {
			t.Errorf("the empty page lacks %q:\n%s", want, page)
		}
	}
}

// TestJSON checks ?format=json round-trips to the same Snapshot, over a
// real HTTP connection.
func TestJSON(t *testing.T) {
	ts := httptest.NewServer(Handler(fixed))
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/?format=json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	var got Snapshot
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if want := fixed(); !reflect.DeepEqual(got, want) {
		t.Errorf("JSON round trip:\n got %+v\nwant %+v", got, want)
	}
}

// TestMethodNotAllowed checks that only GET (and HEAD) are served.
func TestMethodNotAllowed(t *testing.T) {
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		resp := get(t, method, "/?format=json")
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s: status %d, want 405", method, resp.StatusCode)
		}
		if allow := resp.Header.Get("Allow"); allow != "GET, HEAD" {
			t.Errorf("%s: Allow %q, want \"GET, HEAD\"", method, allow)
		}
	}
}

// TestUnknownFormat checks a format the page does not know is refused.
func TestUnknownFormat(t *testing.T) {
	resp := get(t, http.MethodGet, "/?format=xml")
	msg := body(t, resp)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(msg, `"xml"`) {
		t.Errorf("status %d %q, want 400 naming the format", resp.StatusCode, msg)
	}
}

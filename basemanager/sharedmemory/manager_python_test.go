// manager_python_test.go proves the SharedMemoryManager across languages
// (issue 13, part 5), with every CPython found: CPython's own
// SharedMemoryManager client (testdata/python/smm_client.py) against a Go
// server, and the Go client (python.Client) against CPython's own
// SharedMemoryServer (testdata/python/smm_server.py).

package sharedmemory

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/basemanager/internal/testkit"
	"gomanager/basemanager/python"
	"gomanager/proxy"
)

// pyProcess is a CPython script run by a test: it reads lines from the
// script's stdout, writes to its stdin, and keeps its stderr (which its
// resource tracker, a process of its own, writes to as well).
type pyProcess struct {
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string // closed when stdout closes
	stderr bytes.Buffer
	waited bool
}

// startPython runs testdata/python/script with py, the authkey in
// GOMANAGER_AUTHKEY. It is killed if it runs longer than WaitLimit, and
// waited for when the test ends.
func startPython(t *testing.T, py testkit.Python, key, script string, args ...string) *pyProcess {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testkit.WaitLimit)
	path := filepath.Join("..", "..", "testdata", "python", script)
	p := &pyProcess{name: py.String() + " " + script, lines: make(chan string, 4)}
	p.cmd = exec.CommandContext(ctx, py.Path, append([]string{path}, args...)...)
	p.cmd.Env = append(os.Environ(), "GOMANAGER_AUTHKEY="+key)
	p.cmd.Stderr = &p.stderr
	p.cmd.WaitDelay = testkit.WaitLimit // the resource tracker may hold stderr open
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	t.Cleanup(func() {
		if !p.waited {
			p.stdin.Close()
			p.cmd.Wait()
		}
		cancel()
	})
	return p
}

// line returns the script's next line of output.
func (p *pyProcess) line(t *testing.T, what string) string {
	t.Helper()
	var line string
	var ok bool
	select {
	case line, ok = <-p.lines:
	case <-time.After(testkit.WaitLimit):
		t.Fatalf("gave up after %v waiting for %s's %s\nstderr so far:\n%s", testkit.WaitLimit, p.name, what, p.stderr.String())
	}
	if !ok {
		p.cmd.Wait()
		p.waited = true
		t.Fatalf("%s ended before writing %s: %v\nstderr:\n%s", p.name, what, p.cmd.ProcessState, p.stderr.String())
	}
	return line
}

// wait closes the script's stdin and waits for it, and for its resource
// tracker, to exit. It fails the test if the script failed or anything
// wrote to stderr (such as the tracker's warnings of leaked blocks).
func (p *pyProcess) wait(t *testing.T) {
	t.Helper()
	p.stdin.Close()
	err := p.cmd.Wait()
	p.waited = true
	if err != nil {
		t.Fatalf("%s: %v\nstderr:\n%s", p.name, err, p.stderr.String())
	}
	if p.stderr.Len() > 0 {
		t.Errorf("%s wrote to stderr:\n%s", p.name, p.stderr.String())
	}
}

// CPython's own SharedMemoryManager, connected to a Go sharedmemory.Manager's
// server: its SharedMemory and ShareableList send track_segment, and the Go
// server tracks the blocks; Go attaches CPython's list by name and adds to
// it, CPython sees the sum, and Go sees CPython's write; CPython's
// list_segments and release_segment requests get the Go tracker's answers
// (an untracked name: a RemoteError, as from CPython's server); and the
// Go server, stopping, unlinks the block CPython left to it.
func TestPythonClientOfManager(t *testing.T) {
	testkit.ForEachPython(t, func(t *testing.T, py testkit.Python) {
		noLeaks(t)
		m, srv, stop := serveManager(t)
		p := startPython(t, py, managerKey, "smm_client.py", srv.Address())

		var made struct{ Shm, List string }
		if line := p.line(t, "names of its blocks"); json.Unmarshal([]byte(line), &made) != nil {
			t.Fatalf("%s: %q, want the names of its blocks in JSON", p.name, line)
		}
		record(made.Shm) // made by CPython: the leak checks must know them
		record(made.List)
		both := []string{made.Shm, made.List}
		for _, name := range both {
			if !psmName.MatchString(name) {
				t.Errorf("%v named a block %q, want psm_ and 8 hex digits", py, name)
			}
		}
		wantBlocks(t, "after "+py.String()+" created them", true, both...)
		if got := m.tracker.List(); !slices.Equal(got, both) {
			t.Errorf("the Go server's Tracker.List() = %q, want CPython's blocks %q", got, both)
		}
		wantListed(t, "a Go client of the server", connectManager(t, srv.Address()), both...)

		// A Go process attaches CPython's block and list by name.
		shm, err := Attach(made.Shm)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(shm.Buf()[:5]); got != "hello" {
			t.Errorf("%v's block starts %q, want %q", py, got, "hello")
		}
		shm.Close()
		l, err := AttachShareableList(made.List)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		if l.Layout() != layoutOf(py) {
			t.Errorf("Layout() = %v, want %v", l.Layout(), layoutOf(py))
		}
		sameItems(t, "Go reading "+py.String()+"'s list", items(t, l), []any{int64(1), int64(2), "x"})
		if n, err := l.Add(0, 41); err != nil || n != 42 {
			t.Errorf("Add(0, 41) = %d, %v; want 42", n, err)
		}
		if _, err := io.WriteString(p.stdin, "added\n"); err != nil {
			t.Fatal(err)
		}

		var saw struct {
			Items         json.RawMessage
			Before, After []string
			Untracked     string
		}
		if line := p.line(t, "report"); json.Unmarshal([]byte(line), &saw) != nil {
			t.Fatalf("%s: %q, want its report in JSON", p.name, line)
		}
		if got := string(saw.Items); got != `[42, 2, "x"]` {
			t.Errorf("%v reads the list after Go's Add as %s, want [42, 2, \"x\"]", py, got)
		}
		if n, err := l.GetInt(1); err != nil || n != -5 {
			t.Errorf("Go reads item 1 after %v set it to -5: %d, %v", py, n, err)
		}
		if !slices.Equal(saw.Before, both) || !slices.Equal(saw.After, both[1:]) {
			t.Errorf("%v's list_segments before and after its release_segment: %q, %q; want %q, %q",
				py, saw.Before, saw.After, both, both[1:])
		}
		if !strings.HasPrefix(saw.Untracked, "RemoteError: ") || !strings.Contains(saw.Untracked, "psm_untracked") {
			t.Errorf("%v's release_segment of an untracked name raised %q, want a RemoteError naming it", py, saw.Untracked)
		}
		wantBlocks(t, "after "+py.String()+"'s release_segment", false, made.Shm)
		if got := m.tracker.List(); !slices.Equal(got, both[1:]) {
			t.Errorf("the Go server's Tracker.List() = %q after the release, want %q", got, both[1:])
		}
		p.wait(t)
		wantBlocks(t, "after "+py.String()+" exited", true, made.List) // its tracker left it alone

		stop()
		wantBlocks(t, "after the Go server stopped", false, made.List)
	})
}

// The Go client (python.Client) of CPython's own SharedMemoryManager
// server: TrackSegment, ListSegments (oldest first) and ReleaseSegment of
// blocks Go made; an untracked name fails with proxy.ErrKeyNotFound. What
// the server does with the blocks it still tracks when it stops is
// CPython's (3.8 to 3.13 alike): the 'shutdown' request, which
// SharedMemoryManager.shutdown() sends to the process start() made,
// unlinks them; a server whose serve_forever merely ends (stop_event set)
// leaves them under /dev/shm, for nothing else unlinks them (see
// smm_server.py).
func TestGoClientOfPythonSharedMemoryManager(t *testing.T) {
	const key = "python shared memory manager key"
	testkit.ForEachPython(t, func(t *testing.T, py testkit.Python) {
		for _, mode := range []string{"shutdown", "stop"} {
			t.Run(mode, func(t *testing.T) {
				noLeaks(t)
				p := startPython(t, py, key, "smm_server.py", mode)
				line := p.line(t, "ready line")
				address, ok := strings.CutPrefix(line, "ready ")
				if !ok {
					t.Fatalf("%s: %q, want a ready line", p.name, line)
				}
				c := python.NewClient(address, basemanager.WithAuthKey(key))
				defer c.Close()
				if err := c.Connect(); err != nil {
					t.Fatalf("Connect: %v", err)
				}

				a, err := Create(32)
				if err != nil {
					t.Fatal(err)
				}
				defer a.Close()
				l, err := NewShareableList([]any{7, "go"})
				if err != nil {
					t.Fatal(err)
				}
				defer l.Close()
				names := []string{a.Name(), l.SharedMemory().Name()}
				for _, name := range names {
					if err := c.TrackSegment(name); err != nil {
						t.Fatalf("TrackSegment(%q): %v", name, err)
					}
				}
				wantListedBy(t, "after TrackSegment", c, names...)

				if err := c.ReleaseSegment(names[0]); err != nil {
					t.Fatalf("ReleaseSegment(%q): %v", names[0], err)
				}
				wantBlocks(t, "after ReleaseSegment", false, names[0])
				wantListedBy(t, "after ReleaseSegment", c, names[1])
				err = c.ReleaseSegment("psm_untracked")
				var pe *python.Error
				if !errors.Is(err, proxy.ErrKeyNotFound) || !errors.As(err, &pe) || pe.Exception.Name != "RemoteError" ||
					!strings.Contains(err.Error(), "ValueError") {
					t.Errorf("ReleaseSegment of an untracked name: %v, want %v's RemoteError (ValueError) and proxy.ErrKeyNotFound", err, py)
				}
				wantListedBy(t, "after the failed release", c, names[1])

				p.wait(t) // closes its stdin: the server stops as mode says
				switch mode {
				case "shutdown":
					wantBlocks(t, "after the 'shutdown' request", false, names[1])
				case "stop":
					wantBlocks(t, "after serve_forever ended", true, names[1])
					if err := l.Unlink(); err != nil { // CPython's server left it: the test unlinks it
						t.Error(err)
					}
				}
			})
		}
	})
}

// wantListedBy fails the test unless c's server tracks exactly names, in
// that order.
func wantListedBy(t *testing.T, when string, c *python.Client, names ...string) {
	t.Helper()
	got, err := c.ListSegments()
	if err != nil {
		t.Fatalf("%s: ListSegments: %v", when, err)
	}
	if !slices.Equal(got, names) {
		t.Errorf("%s: ListSegments() = %q, want %q", when, got, names)
	}
}

// The Go client of CPython's servers (python.Client) against a Go
// sharedmemory.Manager's server: its segment requests take the Python
// front door (segments.go) to the same tracker the Go clients use. A plain
// BaseManager's server refuses them as CPython's plain Server does.
func TestPythonProtocolClientOfManager(t *testing.T) {
	noLeaks(t)
	_, srv, stop := serveManager(t)
	c := python.NewClient(srv.Address(), basemanager.WithAuthKey(managerKey))
	defer c.Close()
	goClient := connectManager(t, srv.Address())

	a, err := Create(16)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := c.TrackSegment(a.Name()); err != nil {
		t.Fatalf("TrackSegment: %v", err)
	}
	l, err := goClient.ShareableList([]any{"from the Go protocol"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	names := []string{a.Name(), l.SharedMemory().Name()}
	wantListedBy(t, "through the Python front door", c, names...)
	wantListed(t, "through the Go protocol", goClient, names...)
	if err := c.TrackSegment("bad/name"); err == nil {
		t.Errorf("TrackSegment of a name with a slash succeeded")
	}
	err = c.ReleaseSegment("psm_untracked")
	var pe *python.Error
	if !errors.Is(err, proxy.ErrKeyNotFound) || !errors.As(err, &pe) || pe.Exception.Name != "RemoteError" {
		t.Errorf("ReleaseSegment of an untracked name: %v, want a RemoteError and proxy.ErrKeyNotFound", err)
	}
	if err := c.ReleaseSegment(names[1]); err != nil { // a Go client's block, released through the front door
		t.Fatalf("ReleaseSegment: %v", err)
	}
	wantBlocks(t, "after ReleaseSegment", false, names[1])
	wantListed(t, "after ReleaseSegment", goClient, names[0])
	stop()
	wantBlocks(t, "after the server stopped", false, names[0])

	plain := basemanager.New("127.0.0.1:0", basemanager.WithAuthKey(managerKey), basemanager.WithLogger(nil))
	testkit.Serve(t, plain)
	pc := python.NewClient(plain.Address(), basemanager.WithAuthKey(managerKey))
	defer pc.Close()
	for what, f := range map[string]func() error{
		"TrackSegment":   func() error { return pc.TrackSegment("psm_00000000") },
		"ReleaseSegment": func() error { return pc.ReleaseSegment("psm_00000000") },
		"ListSegments":   func() error { _, err := pc.ListSegments(); return err },
	} {
		if err := f(); err == nil || !strings.Contains(err.Error(), "AssertionError") || errors.Is(err, proxy.ErrKeyNotFound) {
			t.Errorf("%s to a plain BaseManager's server: %v, want an AssertionError", what, err)
		}
	}
}

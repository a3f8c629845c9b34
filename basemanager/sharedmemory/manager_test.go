// manager_test.go proves the SharedMemoryManager with Go on both sides
// (issue 13, part 3): a server in this process (Start, or GetServer and
// ServeForever) or in a new one (StartProcess) tracks the blocks its
// clients create, lists them oldest first, unlinks one on ReleaseSegment
// and every other when it stops, those of a client killed with SIGKILL
// too; a server killed with SIGKILL leaves its blocks behind. It is a
// BaseManager all the same: a registered typeid works beside the blocks.

package sharedmemory

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"gomanager/basemanager"
	"gomanager/basemanager/internal/testkit"
	"gomanager/basemanager/process"
	"gomanager/proxy"
)

const managerKey = "shared memory manager key"

// psmName is the form of the random names of blocks, CPython's and Go's.
var psmName = regexp.MustCompile(`^psm_[0-9a-f]{8}$`)

// counter is a plain shared object: a SharedMemoryManager serves
// registered typeids as any BaseManager does.
type counter struct {
	mu sync.Mutex // guards n
	n  int
}

func (c *counter) Add(d int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n += d
	return c.n
}

// Pid tells the client which process serves it.
func (c *counter) Pid() int { return os.Getpid() }

// newServingManager is the serving side (and what each StartProcess child
// runs again up to its StartProcess call): a manager with "counter"
// registered beside the tracker.
func newServingManager(t *testing.T) *Manager {
	t.Helper()
	m := NewManager("127.0.0.1:0", basemanager.WithAuthKey(managerKey), basemanager.WithLogger(nil))
	c := &counter{}
	if err := m.Register("counter", func() *counter { return c }); err != nil {
		t.Fatal(err)
	}
	return m
}

// connectManager returns a second manager, connected to the server at
// address, and shut down when the test ends.
func connectManager(t *testing.T, address string) *Manager {
	t.Helper()
	m := NewManager(address, basemanager.WithAuthKey(managerKey), basemanager.WithLogger(nil))
	if err := m.Register("counter", nil); err != nil {
		t.Fatal(err)
	}
	if err := m.Connect(); err != nil {
		t.Fatalf("Connect to %s: %v", address, err)
	}
	t.Cleanup(func() { m.Shutdown() })
	return m
}

// blockExists reports whether the block name is under /dev/shm.
func blockExists(name string) bool {
	_, err := os.Lstat(shmDirForTests + name)
	return err == nil
}

// wantBlocks fails the test unless every block of names is under /dev/shm
// (exist true) or none is (exist false).
func wantBlocks(t *testing.T, when string, exist bool, names ...string) {
	t.Helper()
	for _, name := range names {
		if got := blockExists(name); got != exist {
			t.Errorf("%s: %s%s exists: %v, want %v", when, shmDirForTests, name, got, exist)
		}
	}
}

// wantListed fails the test unless m's server tracks exactly names, in
// that order.
func wantListed(t *testing.T, when string, m *Manager, names ...string) {
	t.Helper()
	got, err := m.ListSegments()
	if err != nil {
		t.Fatalf("%s: ListSegments: %v", when, err)
	}
	if !slices.Equal(got, names) {
		t.Errorf("%s: ListSegments() = %q, want %q", when, got, names)
	}
}

// useTracking is what a client does with a SharedMemoryManager: it creates
// a block, a list and another block through it, sees the server list them
// oldest first, releases the first (whose file goes at once) and fails to
// release names the server does not track. It returns the names the
// server still tracks; the mappings are closed when the test ends.
func useTracking(t *testing.T, client *Manager) []string {
	t.Helper()
	a, err := client.SharedMemory(64)
	if err != nil {
		t.Fatalf("SharedMemory(64): %v", err)
	}
	t.Cleanup(func() { a.Close() })
	copy(a.Buf(), "hello")
	l, err := client.ShareableList([]any{1, 2, "x"})
	if err != nil {
		t.Fatalf("ShareableList: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	b, err := client.SharedMemory(16)
	if err != nil {
		t.Fatalf("SharedMemory(16): %v", err)
	}
	t.Cleanup(func() { b.Close() })
	names := []string{a.Name(), l.SharedMemory().Name(), b.Name()}
	for _, name := range names {
		if !psmName.MatchString(name) {
			t.Errorf("a block the manager made is named %q, want psm_ and 8 hex digits", name)
		}
	}
	wantBlocks(t, "after creating", true, names...)
	wantListed(t, "after creating", client, names...)

	// What the client made is shared memory like any other: attach by name.
	other, err := AttachShareableList(names[1])
	if err != nil {
		t.Fatal(err)
	}
	if n, err := other.Add(0, 41); err != nil || n != 42 {
		t.Errorf("Add(0, 41) on the attached list = %d, %v; want 42", n, err)
	}
	other.Close()
	if n, err := l.GetInt(0); err != nil || n != 42 {
		t.Errorf("the creator reads item 0 = %d, %v; want 42", n, err)
	}

	if err := client.ReleaseSegment(names[0]); err != nil {
		t.Fatalf("ReleaseSegment(%q): %v", names[0], err)
	}
	wantBlocks(t, "after ReleaseSegment", false, names[0])
	wantListed(t, "after ReleaseSegment", client, names[1:]...)
	for _, name := range []string{names[0], "psm_0000000g", "gomgr_never_made"} {
		if err := client.ReleaseSegment(name); !errors.Is(err, proxy.ErrKeyNotFound) {
			t.Errorf("ReleaseSegment(%q) of a block the server does not track: %v, want proxy.ErrKeyNotFound", name, err)
		}
	}
	wantListed(t, "after failed releases", client, names[1:]...)
	return names[1:]
}

// useCounter uses the registered typeid through m and returns the pid of
// the process that serves it.
func useCounter(t *testing.T, m *Manager) int {
	t.Helper()
	p, err := m.Get("counter")
	if err != nil {
		t.Fatalf(`Get("counter"): %v`, err)
	}
	defer p.Close()
	n1, err := proxy.Call[int](p, "Add", 2)
	if err != nil {
		t.Fatal(err)
	}
	if n2, err := proxy.Call[int](p, "Add", 3); err != nil || n2 != n1+3 {
		t.Errorf("Add(3) after Add(2) = %d = %d, %v; want %d", n1, n2, err, n1+3)
	}
	pid, err := proxy.Call[int](p, "Pid")
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// A server Start runs in this process tracks what a second manager's
// client creates, and what its own process creates through it; the client
// shutting down leaves the blocks to the server, and the server's
// Shutdown (or ShutdownContext) unlinks them.
func TestManagerStart(t *testing.T) {
	stops := []struct {
		name string
		stop func(m *Manager) error
	}{
		{"Shutdown", (*Manager).Shutdown},
		{"ShutdownContext", func(m *Manager) error {
			ctx, cancel := context.WithTimeout(context.Background(), testkit.WaitLimit)
			defer cancel()
			return m.ShutdownContext(ctx)
		}},
	}
	for _, tc := range stops {
		t.Run(tc.name, func(t *testing.T) {
			noLeaks(t)
			m := newServingManager(t)
			if err := m.Start(); err != nil {
				t.Fatalf("Start: %v", err)
			}
			defer m.Shutdown()
			client := connectManager(t, m.Address())
			left := useTracking(t, client)
			own, err := m.SharedMemory(8) // the serving process is a client too
			if err != nil {
				t.Fatal(err)
			}
			defer own.Close()
			left = append(left, own.Name())
			wantListed(t, "on the serving side", m, left...)
			if got := m.tracker.List(); !slices.Equal(got, left) {
				t.Errorf("the server's Tracker.List() = %q, want %q", got, left)
			}
			if pid := useCounter(t, client); pid != os.Getpid() {
				t.Errorf("counter served by process %d, want this one (%d)", pid, os.Getpid())
			}

			if err := client.Shutdown(); err != nil {
				t.Errorf("the client's Shutdown: %v", err)
			}
			wantBlocks(t, "after the client's Shutdown", true, left...)
			wantListed(t, "after the client's Shutdown", m, left...)

			if err := tc.stop(m); err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			wantBlocks(t, "after the server's "+tc.name, false, left...)
			if got := m.tracker.List(); len(got) != 0 {
				t.Errorf("the server still tracks %q after %s", got, tc.name)
			}
			if err := m.Shutdown(); err != nil {
				t.Errorf("Shutdown again: %v", err)
			}
		})
	}
}

// serve runs ServeForever on a goroutine, and returns a func that stops
// the server and checks that ServeForever returned nil. It also runs when
// the test ends, if the test has not.
func serve(t *testing.T, srv *Server) (stop func()) {
	t.Helper()
	served := make(chan error, 1)
	go func() { served <- srv.ServeForever() }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			srv.Stop()
			if err := testkit.Receive(t, served, "ServeForever to return after Stop"); err != nil {
				t.Errorf("ServeForever: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// serveManager makes a manager with newServingManager and serves it on a
// goroutine, as serve does.
func serveManager(t *testing.T) (*Manager, *Server, func()) {
	t.Helper()
	m := newServingManager(t)
	srv, err := m.GetServer()
	if err != nil {
		t.Fatal(err)
	}
	return m, srv, serve(t, srv)
}

// GetServer and ServeForever, as the lesson serves: ServeForever returns
// after Stop, having unlinked the blocks it tracked.
func TestManagerServeForever(t *testing.T) {
	noLeaks(t)
	m, srv, stop := serveManager(t)
	client := connectManager(t, srv.Address())
	left := useTracking(t, client)
	if got := m.tracker.List(); !slices.Equal(got, left) {
		t.Errorf("the server's Tracker.List() = %q, want %q", got, left)
	}
	useCounter(t, client)
	stop()
	wantBlocks(t, "after ServeForever returned", false, left...)
}

// A server StartProcess runs in a new process (this test run again, up to
// its StartProcess call) tracks the blocks; the tracker lives there, not
// in this process; Shutdown stops the server process, which unlinks them
// before it exits.
func TestManagerStartProcess(t *testing.T) {
	noLeaks(t)
	m := newServingManager(t)
	if err := m.StartProcess(process.WithArgs("-test.run=^TestManagerStartProcess$")); err != nil {
		t.Fatalf("StartProcess: %v", err)
	}
	// From here on this is the parent: the server process never returns.
	defer m.Shutdown()
	if pid := useCounter(t, m); pid == os.Getpid() {
		t.Fatalf("counter served by this process (%d), want the server process", pid)
	}
	client := connectManager(t, m.Address())
	left := useTracking(t, client)
	own, err := m.SharedMemory(8)
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	left = append(left, own.Name())
	wantListed(t, "through the starting manager", m, left...)
	if got := m.tracker.List(); len(got) != 0 {
		t.Errorf("this process's Tracker.List() = %q, want none: the server process tracks", got)
	}
	if err := m.Shutdown(); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	wantBlocks(t, "after the server process stopped", false, left...)
}

// killedClientEnv makes this test binary the client that
// TestManagerKeepsBlocksOfAKilledClient kills: it connects to the server
// at the variable's value, creates two blocks, prints their names and
// waits to be killed.
const killedClientEnv = "GOMANAGER_SHM_KILLED_CLIENT"

// A client killed with SIGKILL (no chance to clean up) leaves its blocks
// to the server, which still lists them and unlinks them when it stops.
func TestManagerKeepsBlocksOfAKilledClient(t *testing.T) {
	if address := os.Getenv(killedClientEnv); address != "" {
		killedClient(t, address)
		return
	}
	noLeaks(t)
	m, srv, stop := serveManager(t)

	ctx, cancel := context.WithTimeout(context.Background(), testkit.WaitLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestManagerKeepsBlocksOfAKilledClient$")
	cmd.Env = append(os.Environ(), killedClientEnv+"="+srv.Address())
	if _, err := cmd.StdinPipe(); err != nil { // it closes if this process dies: the client then exits
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 1)
	go func() { // ends when the client's stdout closes: when it is killed
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if line, ok := strings.CutPrefix(sc.Text(), "blocks "); ok {
				lines <- line
			}
		}
		close(lines)
	}()
	names := strings.Fields(testkit.Receive(t, lines, "the client's names of its blocks"))
	for _, name := range names {
		record(name) // made by the client process: the leak checks must know them
	}
	if len(names) != 2 {
		t.Fatalf("the client's blocks: %q, want two names\nits stderr:\n%s", names, stderr.String())
	}
	wantBlocks(t, "the client's blocks", true, names...)
	if got := m.tracker.List(); !slices.Equal(got, names) {
		t.Fatalf("the server's Tracker.List() = %q, want the client's %q", got, names)
	}

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("the client exited with %v, want killed by SIGKILL\nits stderr:\n%s", err, stderr.String())
	}
	wantBlocks(t, "after the client was killed", true, names...)
	wantListed(t, "after the client was killed", connectManager(t, srv.Address()), names...)

	stop()
	wantBlocks(t, "after the server stopped", false, names...)
}

// killedClient is the client TestManagerKeepsBlocksOfAKilledClient kills.
func killedClient(t *testing.T, address string) {
	c := NewManager(address, basemanager.WithAuthKey(managerKey), basemanager.WithLogger(nil))
	if err := c.Connect(); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	shm, err := c.SharedMemory(32)
	if err != nil {
		t.Fatal(err)
	}
	sl, err := c.ShareableList([]any{1, "two"})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("blocks %s %s\n", shm.Name(), sl.SharedMemory().Name())
	io.Copy(io.Discard, os.Stdin) // until killed, or until the test that started it ends
	t.Fatal("the test ended without killing this client")
}

// A server process killed with SIGKILL unlinks nothing: the blocks its
// clients made stay under /dev/shm, named psm_ and 8 hex digits, and
// ListSegments named them while the server ran. Here the test unlinks
// them itself.
func TestManagerLeavesBlocksOfAKilledServer(t *testing.T) {
	noLeaks(t)
	m := newServingManager(t)
	if err := m.StartProcess(process.WithArgs("-test.run=^TestManagerLeavesBlocksOfAKilledServer$")); err != nil {
		t.Fatalf("StartProcess: %v", err)
	}
	defer m.Shutdown()
	pid := useCounter(t, m)
	client := connectManager(t, m.Address())
	a, err := client.SharedMemory(16)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	l, err := client.ShareableList([]any{"left", 1})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	own, err := m.SharedMemory(8)
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	names, err := m.ListSegments()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{a.Name(), l.SharedMemory().Name(), own.Name()}; !slices.Equal(names, want) {
		t.Fatalf("ListSegments() = %q, want %q", names, want)
	}

	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Shutdown waits for the server process, which is dead already.
	if err := m.Shutdown(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("Shutdown after the server process was killed: %v, want an error saying it was killed", err)
	}
	if _, err := client.ListSegments(); err == nil {
		t.Errorf("ListSegments after the server was killed succeeded")
	}
	for _, name := range names {
		if !psmName.MatchString(name) {
			t.Errorf("a tracked block is named %q, want psm_ and 8 hex digits", name)
		}
	}
	wantBlocks(t, "after the server process was killed", true, names...)
	for _, name := range names { // nobody else will
		if err := unlinkName(name); err != nil {
			t.Errorf("unlinking %q: %v", name, err)
		}
	}
	wantBlocks(t, "after this test unlinked them", false, names...)
}

// A SharedMemoryManager connected to a server that is not one (a plain
// BaseManager's) cannot have its blocks tracked: SharedMemory and
// ShareableList fail, and unlink the block they made.
func TestManagerNeedsASharedMemoryServer(t *testing.T) {
	noLeaks(t)
	plain := basemanager.New("127.0.0.1:0", basemanager.WithAuthKey(managerKey), basemanager.WithLogger(nil))
	testkit.Serve(t, plain)
	client := connectManager(t, plain.Address())
	lastCreated := func() string {
		created.mu.Lock()
		defer created.mu.Unlock()
		return created.names[len(created.names)-1]
	}
	if shm, err := client.SharedMemory(8); err == nil || !strings.Contains(err.Error(), "SharedMemoryManager") {
		t.Errorf("SharedMemory through a plain server: %v, %v; want an error asking if it is a SharedMemoryManager's", shm, err)
	}
	wantBlocks(t, "after SharedMemory failed", false, lastCreated())
	if sl, err := client.ShareableList([]any{1}); err == nil || !strings.Contains(err.Error(), "SharedMemoryManager") {
		t.Errorf("ShareableList through a plain server: %v, %v; want an error asking if it is a SharedMemoryManager's", sl, err)
	}
	wantBlocks(t, "after ShareableList failed", false, lastCreated())
	if _, err := client.ListSegments(); err == nil {
		t.Errorf("ListSegments of a plain server succeeded")
	}
}

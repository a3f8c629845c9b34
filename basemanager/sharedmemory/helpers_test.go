// helpers_test.go holds what the tests share: names for test blocks, the
// check that no test leaves a block under /dev/shm, the CPython peer
// (testdata/python/shm_peer.py) and the helper processes (this test binary
// run again).

package sharedmemory

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"gomanager/basemanager/internal/testkit"
)

// created records every block this test process made (testHookCreated)
// or a CPython peer made for it (track), in order.
var created struct {
	mu    sync.Mutex
	names []string
}

func record(name string) {
	created.mu.Lock()
	created.names = append(created.names, name)
	created.mu.Unlock()
}

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(helperMain(strings.Fields(mode)))
	}
	testHookCreated = record
	code := m.Run()
	created.mu.Lock()
	left := existing(created.names)
	created.mu.Unlock()
	if len(left) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: shared memory blocks left under /dev/shm by the tests: %v\n", left)
		code = 1
	}
	os.Exit(code)
}

// existing are the names that still have a block under /dev/shm.
func existing(names []string) []string {
	var left []string
	for _, name := range names {
		if _, err := os.Lstat(shmDirForTests + name); err == nil && !slices.Contains(left, name) {
			left = append(left, name)
		}
	}
	return left
}

const shmDirForTests = "/dev/shm/"

// needShm skips the test where there is no POSIX shared memory to test.
func needShm(t testing.TB) {
	t.Helper()
	if !supported {
		t.Skipf("no POSIX shared memory on %s: New returns errors.ErrUnsupported (TestUnsupported)", runtime.GOOS)
	}
}

// noLeaks fails the test if a block made during it (by this process, or by
// a CPython peer for it) is still under /dev/shm when the test's other
// cleanups have run. The tests of this package do not run in parallel, so
// the blocks made during a test are its own.
func noLeaks(t *testing.T) {
	t.Helper()
	needShm(t)
	created.mu.Lock()
	from := len(created.names)
	created.mu.Unlock()
	t.Cleanup(func() { // registered first, so it runs last
		created.mu.Lock()
		mine := slices.Clone(created.names[from:])
		created.mu.Unlock()
		if left := existing(mine); len(left) > 0 {
			t.Errorf("blocks left under /dev/shm: %v", left)
			for _, name := range left {
				os.Remove(shmDirForTests + name)
			}
		}
	})
}

var nameSeq atomic.Int64

// testName is a fresh block name for this test: this process's prefix (so
// that concurrent runs never collide) and a sequence number.
func testName(t testing.TB) string {
	return fmt.Sprintf("gomgr_test_%d_%d", os.Getpid(), nameSeq.Add(1))
}

// track unlinks the block name when the test ends, if it is still there.
func track(t testing.TB, name string) {
	t.Helper()
	record(name)
	t.Cleanup(func() {
		if err := os.Remove(shmDirForTests + name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("removing block %q: %v", name, err)
		}
	})
}

// closeAtEnd closes s and unlinks its block when the test ends.
func closeAtEnd(t testing.TB, s *SharedMemory) *SharedMemory {
	t.Helper()
	track(t, s.Name())
	t.Cleanup(func() { s.Close() })
	return s
}

// newTestBlock starts a test that makes blocks: noLeaks, then a block of
// size bytes under a fresh name, closed and unlinked when the test ends.
func newTestBlock(t *testing.T, size int) (*SharedMemory, string) {
	t.Helper()
	noLeaks(t)
	name := testName(t)
	s, err := CreateNamed(name, size)
	if err != nil {
		t.Fatal(err)
	}
	return closeAtEnd(t, s), name
}

// listAtEnd closes l and unlinks its block when the test ends.
func listAtEnd(t testing.TB, l *ShareableList) *ShareableList {
	t.Helper()
	closeAtEnd(t, l.SharedMemory())
	return l
}

// peerScript is CPython's side of the cross-language tests.
var peerScript = filepath.Join("..", "..", "testdata", "python", "shm_peer.py")

// runPeer runs shm_peer.py with py and decodes its JSON answer into out. It
// fails the test if the script fails, takes longer than WaitLimit, or
// writes anything to stderr (such as the resource tracker's warnings).
func runPeer(t *testing.T, py testkit.Python, out any, args ...string) {
	t.Helper()
	if stderr := runPeerStderr(t, py, out, args...); stderr != "" {
		t.Errorf("%v %v wrote to stderr:\n%s", py, args, stderr)
	}
}

// runPeerStderr is runPeer, returning what the script (and its resource
// tracker, which inherits its stderr) wrote to stderr. Its wait for the
// output to end is also a wait for the tracker to exit.
func runPeerStderr(t *testing.T, py testkit.Python, out any, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testkit.WaitLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, py.Path, append([]string{peerScript}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v %v: %v\nstderr:\n%s", py, args, err, stderr.Bytes())
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("%v %v: decoding its answer %q: %v", py, args, stdout.Bytes(), err)
	}
	return stderr.String()
}

// pyItem is an item as shm_peer.py writes it: ["int", "7"].
type pyItem [2]string

func toPy(t testing.TB, v any) pyItem {
	t.Helper()
	switch x := v.(type) {
	case nil:
		return pyItem{"None", ""}
	case bool:
		if x {
			return pyItem{"bool", "True"}
		}
		return pyItem{"bool", "False"}
	case int64:
		return pyItem{"int", strconv.FormatInt(x, 10)}
	case int:
		return pyItem{"int", strconv.Itoa(x)}
	case float64:
		return pyItem{"float", pyFloatRepr(x)}
	case string:
		return pyItem{"str", x}
	case []byte:
		return pyItem{"bytes", hex.EncodeToString(x)}
	}
	t.Fatalf("no Python item for %#v", v)
	return pyItem{}
}

func fromPy(t testing.TB, p pyItem) any {
	t.Helper()
	switch p[0] {
	case "None":
		return nil
	case "bool":
		return p[1] == "True"
	case "int":
		i, err := strconv.ParseInt(p[1], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return i
	case "float":
		f, err := strconv.ParseFloat(strings.Replace(p[1], "inf", "Inf", 1), 64)
		if err != nil {
			t.Fatal(err)
		}
		return f
	case "str":
		return p[1]
	case "bytes":
		b, err := hex.DecodeString(p[1])
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	t.Fatalf("unknown Python item %v", p)
	return nil
}

func toPyJSON(t testing.TB, items []any) string {
	t.Helper()
	ps := make([]pyItem, len(items))
	for i, v := range items {
		ps[i] = toPy(t, v)
	}
	b, err := json.Marshal(ps)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// items reads every item of l.
func items(t testing.TB, l *ShareableList) []any {
	t.Helper()
	out := make([]any, l.Len())
	for i := range out {
		v, err := l.Get(i)
		if err != nil {
			t.Fatalf("Get(%d): %v", i, err)
		}
		out[i] = v
	}
	return out
}

// sameItems compares items as Python would print them: by type and repr
// (so -0.0 differs from 0.0, and []byte{} from nil).
func sameItems(t testing.TB, what string, got, want []any) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d items %v, want %d %v", what, len(got), got, len(want), want)
	}
	for i := range got {
		g, ge := toValue(got[i])
		w, we := toValue(want[i])
		if ge != nil || we != nil || g.k != w.k || g.repr() != w.repr() {
			t.Errorf("%s: item %d is %#v, want %#v", what, i, got[i], want[i])
		}
	}
}

// The helper processes: this test binary run again with helperEnv set to
// a command, handled by helperMain before any test runs.
const helperEnv = "GOMANAGER_SHM_HELPER"

// runHelper runs the test binary as a helper process doing args, and waits
// for it (at most WaitLimit).
func runHelper(t testing.TB, args ...string) *exec.Cmd {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testkit.WaitLimit)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+strings.Join(args, " "))
	return cmd
}

// helperMain is a helper process: "create-ints NAME N" makes a list of N
// zero ints named NAME; "add NAME ROUNDS" adds 1 to item 0 ROUNDS times and
// increments item 1 ROUNDS times with a CompareAndSwap loop.
func helperMain(args []string) int {
	fail := func(err error) int { fmt.Fprintln(os.Stderr, err); return 1 }
	switch args[0] {
	case "create-ints":
		n, _ := strconv.Atoi(args[2])
		l, err := NewShareableListNamed(args[1], make([]any, n))
		if err != nil {
			return fail(err)
		}
		for i := range n {
			if err := l.SetInt(i, 0); err != nil {
				return fail(err)
			}
		}
		return 0 // the block stays: the test unlinks it
	case "add":
		rounds, _ := strconv.Atoi(args[2])
		l, err := AttachShareableList(args[1])
		if err != nil {
			return fail(err)
		}
		defer l.Close()
		for range rounds {
			if _, err := l.Add(0, 1); err != nil {
				return fail(err)
			}
			for {
				v, err := l.GetInt(1)
				if err != nil {
					return fail(err)
				}
				if ok, err := l.CompareAndSwap(1, v, v+1); err != nil {
					return fail(err)
				} else if ok {
					break
				}
			}
		}
		return 0
	}
	return fail(fmt.Errorf("unknown helper command %q", args))
}

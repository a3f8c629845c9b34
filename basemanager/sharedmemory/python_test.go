// python_test.go shares blocks and lists between this process and real
// CPython processes (testdata/python/shm_peer.py), with every CPython found:
// each side creates, the other attaches by name, reads and writes, and the
// first sees the writes. CPython 3.8 gets lists in its own layout.

package sharedmemory

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"regexp"
	"strings"
	"testing"

	"gomanager/basemanager/internal/testkit"
)

// layoutOf is the layout py's ShareableList uses.
func layoutOf(py testkit.Python) Layout {
	if py.Minor == 8 {
		return Layout38
	}
	return Layout39
}

// pyList is a list as shm_peer.py describes it.
type pyList struct {
	Name   string   `json:"name"`
	Size   int      `json:"size"`
	Len    int      `json:"len"`
	Format string   `json:"format"`
	Repr   string   `json:"repr"`
	Items  []pyItem `json:"items"`
}

// pyEdit is shm_peer.py's answer to list-edit.
type pyEdit struct {
	Before  pyList   `json:"before"`
	Counts  []int    `json:"counts"`
	Indexes []int    `json:"indexes"`
	Writes  []string `json:"writes"`
	After   pyList   `json:"after"`
}

func (p pyList) values(t testing.TB) []any {
	out := make([]any, len(p.Items))
	for i, item := range p.Items {
		out[i] = fromPy(t, item)
	}
	return out
}

// editSpec is list-edit's SPEC.
func editSpec(t testing.TB, probes []any, writes map[int]any) string {
	t.Helper()
	spec := struct {
		Probes []pyItem `json:"probes"`
		Writes [][2]any `json:"writes"`
	}{}
	for _, p := range probes {
		spec.Probes = append(spec.Probes, toPy(t, p))
	}
	for pos := -20; pos < 20; pos++ { // in a fixed order
		if v, ok := writes[pos]; ok {
			spec.Writes = append(spec.Writes, [2]any{pos, toPy(t, v)})
		}
	}
	b, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// goItems is what Go puts in the lists it makes for CPython.
var goItems = []any{
	int64(1), int64(math.MinInt64), 2.5, math.Copysign(0, -1), math.Inf(1), 1e-7, true, false, nil,
	"héllo wörld", "", "quote'd", []byte{0, 1, 2}, []byte("bin"), int64(0),
}

func TestPythonAttachesGoList(t *testing.T) {
	testkit.ForEachPython(t, func(t *testing.T, py testkit.Python) {
		noLeaks(t)
		l, err := NewShareableListLayout("", layoutOf(py), goItems)
		if err != nil {
			t.Fatal(err)
		}
		listAtEnd(t, l)
		if _, err := l.Add(-1, 41); err != nil { // Go's atomic Add, read by Python as a plain int
			t.Fatal(err)
		}
		wantBefore := append(append([]any{}, goItems[:len(goItems)-1]...), int64(41))

		probes := []any{1, 1.0, true, false, 0, nil, "héllo wörld", []byte("bin"), "bin", 41, math.Inf(1), "absent"}
		writes := map[int]any{
			0:  int64(1) << 40,         // an int stays an int
			2:  "ab",                   // a float becomes a str, in its 8 bytes
			3:  nil,                    // a float becomes None
			8:  int64(-8),              // None becomes an int
			9:  []byte("bytes now"),    // a str becomes bytes, in its 16 bytes
			10: "this is too long",     // '' has 8 bytes: ValueError
			11: strings.Repeat("q", 8), // "quote'd" (7 bytes) has 8
			-1: 0.125,                  // the int Go added to becomes a float
		}
		// Go's Count and Index before CPython's writes, to compare with CPython's
		// count and index (Python's ==: 1 == 1.0 == True).
		var counts, indexes []int
		for _, p := range probes {
			n, err := l.Count(p)
			if err != nil {
				t.Fatal(err)
			}
			j, err := l.Index(p)
			if err != nil {
				j = -1
			}
			counts, indexes = append(counts, n), append(indexes, j)
		}
		formatBefore := l.Format()
		var got pyEdit
		runPeer(t, py, &got, "list-edit", l.SharedMemory().Name(), editSpec(t, probes, writes))

		// CPython read what Go wrote, and sees the list as Go does.
		sameItems(t, py.String()+" reading Go's list", got.Before.values(t), wantBefore)
		if got.Before.Format != formatBefore || got.Before.Len != len(goItems) || got.Before.Size != l.SharedMemory().Size() {
			t.Errorf("%v: format %q len %d size %d; Go: %q %d %d", py, got.Before.Format, got.Before.Len, got.Before.Size, formatBefore, l.Len(), l.SharedMemory().Size())
		}
		for i, p := range probes {
			if counts[i] != got.Counts[i] || indexes[i] != got.Indexes[i] {
				t.Errorf("Count(%#v) = %d, Index = %d; %v's count %d, index %d", p, counts[i], indexes[i], py, got.Counts[i], got.Indexes[i])
			}
		}
		for i, w := range got.Writes {
			want := "ok"
			if i == 6 { // the write to item 10, in editSpec's order
				want = "ValueError: bytes/str item exceeds available storage"
			}
			if w != want {
				t.Errorf("%v's write %d: %q, want %q", py, i, w, want)
			}
		}

		// Go sees CPython's writes, and prints the list as CPython does.
		after := items(t, l)
		sameItems(t, "Go reading "+py.String()+"'s writes", after, got.After.values(t))
		wantAfter := append([]any{}, wantBefore...)
		for pos, v := range writes {
			if pos != 10 {
				wantAfter[(pos+len(wantAfter))%len(wantAfter)] = v
			}
		}
		sameItems(t, "after "+py.String()+"'s writes", after, wantAfter)
		if l.Format() != got.After.Format {
			t.Errorf("Format() = %q, %v's format %q", l.Format(), py, got.After.Format)
		}
		if l.String() != got.After.Repr {
			t.Errorf("String() =\n%s\n%v's repr:\n%s", l.String(), py, got.After.Repr)
		}
	})
}

// pyItems is what CPython puts in the lists it makes for Go.
var pyItems = []any{
	int64(7), int64(-3), int64(math.MaxInt64), 2.5, math.Copysign(0, -1), 1e100, math.Inf(-1), 1e16, 123456789.125,
	true, false, nil, "héllo", "it's", "a\"b'c", "\t\n\\", "", strings.Repeat("x", 20),
	"\u00a0😀", []byte{0, 1, 0xff}, []byte{}, []byte("'"),
}

func TestGoAttachesPythonList(t *testing.T) {
	testkit.ForEachPython(t, func(t *testing.T, py testkit.Python) {
		noLeaks(t)
		var made pyList
		runPeer(t, py, &made, "list-create", "-", toPyJSON(t, pyItems)) // Python picks the name
		track(t, made.Name)
		if !regexp.MustCompile(`^psm_[0-9a-f]{8}$`).MatchString(made.Name) {
			t.Errorf("%v named its block %q; Go's random names are psm_ and 8 hex digits", py, made.Name)
		}

		l, err := AttachShareableList(made.Name)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		if l.Layout() != layoutOf(py) {
			t.Errorf("Layout() = %v, want %v", l.Layout(), layoutOf(py))
		}
		sameItems(t, "Go reading "+py.String()+"'s list", items(t, l), pyItems)
		sameItems(t, py.String()+"'s own reading", made.values(t), pyItems)
		if l.Format() != made.Format || l.Len() != made.Len || l.SharedMemory().Size() != made.Size {
			t.Errorf("Format %q Len %d Size %d; %v: %q %d %d", l.Format(), l.Len(), l.SharedMemory().Size(), py, made.Format, made.Len, made.Size)
		}
		if l.String() != made.Repr {
			t.Errorf("String() =\n%s\n%v's repr:\n%s", l.String(), py, made.Repr)
		}

		// Go writes, CPython reads.
		want := append([]any{}, pyItems...)
		for pos, v := range map[int]any{0: int64(-77), 1: "go!", 3: true, 9: 0.5, 12: []byte("GO"), -1: nil} {
			if err := l.Set(pos, v); err != nil {
				t.Fatal(err)
			}
			want[(pos+len(want))%len(want)] = v
		}
		if _, err := l.Add(0, 100); err != nil {
			t.Fatal(err)
		}
		want[0] = int64(23)
		var got pyEdit
		runPeer(t, py, &got, "list-edit", made.Name, editSpec(t, nil, nil))
		sameItems(t, py.String()+" reading Go's writes", got.Before.values(t), want)
		if got.Before.Repr != l.String() || got.Before.Format != l.Format() {
			t.Errorf("%v: repr %s format %q; Go: %s %q", py, got.Before.Repr, got.Before.Format, l.String(), l.Format())
		}
	})
}

// TestLayoutBytesMatchCPython checks the layout byte for byte: the list Go
// writes for some items is the very block CPython writes for them.
func TestLayoutBytesMatchCPython(t *testing.T) {
	ascii := []any{int64(42), -1.5, true, nil, "abc", "exactly8", []byte{1, 2, 3}, "", false}
	testkit.ForEachPython(t, func(t *testing.T, py testkit.Python) {
		noLeaks(t)
		name := testName(t)
		track(t, name)
		var made pyList
		runPeer(t, py, &made, "list-create", name, toPyJSON(t, ascii))
		theirs, err := Attach(name)
		if err != nil {
			t.Fatal(err)
		}
		defer theirs.Close()
		ours, err := NewShareableListLayout("", layoutOf(py), ascii)
		if err != nil {
			t.Fatal(err)
		}
		listAtEnd(t, ours)
		if a, b := theirs.Buf(), ours.SharedMemory().Buf(); !bytes.Equal(a, b) {
			t.Errorf("%v's block and Go's differ:\n%v:\n%s\nGo:\n%s", py, py, hex.Dump(a), hex.Dump(b))
		}
	})
}

// pyBlock is shm_peer.py's answer about a SharedMemory.
type pyBlock struct {
	Name  string `json:"name"`
	Size  int    `json:"size"`
	Repr  string `json:"repr"`
	Bytes string `json:"bytes"`
}

func TestPythonSharedMemory(t *testing.T) {
	testkit.ForEachPython(t, func(t *testing.T, py testkit.Python) {
		t.Run("GoCreates", func(t *testing.T) {
			noLeaks(t)
			s, err := Create(256)
			if err != nil {
				t.Fatal(err)
			}
			closeAtEnd(t, s)
			copy(s.Buf(), "made by Go")
			var got pyBlock
			runPeer(t, py, &got, "shm-edit", s.Name(), "100", hex.EncodeToString([]byte("written by CPython")))
			seen, _ := hex.DecodeString(got.Bytes)
			if got.Name != s.Name() || got.Size != 256 || !bytes.HasPrefix(seen, []byte("made by Go\x00")) {
				t.Errorf("%v attached %q of %d bytes starting %q; want %q, 256, \"made by Go\"", py, got.Name, got.Size, seen[:16], s.Name())
			}
			if got := string(s.Buf()[100:118]); got != "written by CPython" {
				t.Errorf("Go sees %q at 100, want CPython's write", got)
			}
		})
		t.Run("PythonCreates", func(t *testing.T) {
			noLeaks(t)
			var made pyBlock
			runPeer(t, py, &made, "shm-create", "-", "300", hex.EncodeToString([]byte("made by CPython")))
			track(t, made.Name)
			s, err := Attach(made.Name)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if s.Size() != 300 || string(s.Buf()[:16]) != "made by CPython\x00" || s.String() != made.Repr {
				t.Errorf("Go attached %v starting %q; want %s starting \"made by CPython\"", s, s.Buf()[:16], made.Repr)
			}
			copy(s.Buf()[200:], "written by Go")
			var got pyBlock
			runPeer(t, py, &got, "shm-edit", made.Name, "0", "")
			seen, _ := hex.DecodeString(got.Bytes)
			if len(seen) != 300 || string(seen[200:213]) != "written by Go" {
				t.Errorf("%v sees %q at 200 of %d bytes, want Go's write", py, seen[200:213], len(seen))
			}
		})
	})
}

// TestPythonResourceTracker shows why the package doc's section "CPython's
// resource tracker" is there: a CPython program that attaches to a Go
// block the plain way leaves it registered with its resource tracker,
// which unlinks the block when the program ends, and warns.
func TestPythonResourceTracker(t *testing.T) {
	testkit.ForEachPython(t, func(t *testing.T, py testkit.Python) {
		noLeaks(t)
		s, err := Create(64)
		if err != nil {
			t.Fatal(err)
		}
		closeAtEnd(t, s)
		var got pyBlock
		stderr := runPeerStderr(t, py, &got, "shm-attach-tracked", s.Name())
		if got.Size != 64 {
			t.Fatalf("%v attached %d bytes, want 64", py, got.Size)
		}
		if _, err := Attach(s.Name()); !errors.Is(err, ErrNotExist) {
			t.Errorf("after %v attached and exited, Attach: %v; want ErrNotExist (its resource tracker unlinks the block)", py, err)
		}
		if !strings.Contains(stderr, "leaked shared_memory") {
			t.Errorf("%v's resource tracker did not warn; stderr:\n%s", py, stderr)
		}
		copy(s.Buf(), "still mapped") // unlinked, not unmapped: Go's view stays valid
	})
}

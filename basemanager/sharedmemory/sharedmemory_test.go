// sharedmemory_test.go tests SharedMemory in Go alone: creating, attaching,
// names, sizes, Close and Unlink, and Python's errors as sentinels.

package sharedmemory

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestCreateAttach(t *testing.T) {
	s, name := newTestBlock(t, 100)
	if s.Name() != name || s.Size() != 100 || len(s.Buf()) != 100 {
		t.Fatalf("Name %q Size %d len(Buf) %d, want %q 100 100", s.Name(), s.Size(), len(s.Buf()), name)
	}
	if !bytes.Equal(s.Buf(), make([]byte, 100)) {
		t.Fatal("a new block is not all zeros")
	}
	copy(s.Buf()[10:], "hello")

	a, err := Attach(name)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.Size() != 100 || string(a.Buf()[10:15]) != "hello" {
		t.Fatalf("attached: Size %d, bytes %q; want 100, \"hello\"", a.Size(), a.Buf()[10:15])
	}
	copy(a.Buf()[50:], "world") // one block: each mapping sees the other's writes
	if string(s.Buf()[50:55]) != "world" {
		t.Fatalf("creator sees %q, want \"world\"", s.Buf()[50:55])
	}

	// A size when attaching is the least wanted; the whole block is mapped.
	b, err := New(name, false, 40)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Size() != 100 {
		t.Errorf("New(name, false, 40).Size() = %d, want the block's 100", b.Size())
	}
	_, err = New(name, false, 101)
	if !errors.Is(err, ErrBadSize) || !strings.Contains(err.Error(), "has 100 bytes, fewer than the 101") {
		t.Errorf("attaching for more than the block has: %v, want ErrBadSize saying the sizes", err)
	}
}

func TestCreateRandomName(t *testing.T) {
	noLeaks(t)
	s, err := Create(16)
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, s)
	// CPython's _make_filename on POSIX: "/psm_" and 4 random bytes in hex.
	if !regexp.MustCompile(`^psm_[0-9a-f]{8}$`).MatchString(s.Name()) {
		t.Errorf("random name %q, want CPython's form psm_ and 8 hex digits", s.Name())
	}
	fi, err := os.Stat(shmDirForTests + s.Name())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o077 != 0 || fi.Size() != 16 {
		t.Errorf("block file mode %v size %d, want owner-only and 16", fi.Mode(), fi.Size())
	}
	s2, err := New("", true, 16)
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, s2)
	if s2.Name() == s.Name() {
		t.Errorf("two random names are the same: %q", s.Name())
	}
}

func TestCreateExisting(t *testing.T) {
	s, name := newTestBlock(t, 8)
	s.Buf()[0] = 42
	_, err := CreateNamed(name, 8)
	if !errors.Is(err, ErrExist) || !errors.Is(err, fs.ErrExist) {
		t.Fatalf("creating an existing name: %v, want ErrExist and fs.ErrExist (Python's FileExistsError)", err)
	}
	if s.Buf()[0] != 42 {
		t.Error("the failed create touched the existing block")
	}
}

func TestAttachMissing(t *testing.T) {
	needShm(t)
	_, err := Attach(testName(t))
	if !errors.Is(err, ErrNotExist) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("attaching a missing name: %v, want ErrNotExist and fs.ErrNotExist (Python's FileNotFoundError)", err)
	}
	_, err = AttachShareableList(testName(t))
	if !errors.Is(err, ErrNotExist) {
		t.Fatalf("attaching a missing list: %v, want ErrNotExist", err)
	}
}

func TestLeadingSlash(t *testing.T) {
	noLeaks(t)
	name := testName(t)
	s, err := CreateNamed("/"+name, 8) // Python and POSIX allow it
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, s)
	if s.Name() != name {
		t.Errorf("Name() = %q, want %q without the slash", s.Name(), name)
	}
	for _, n := range []string{name, "/" + name, "//" + name} {
		a, err := Attach(n)
		if err != nil {
			t.Fatalf("Attach(%q): %v", n, err)
		}
		a.Close()
	}
}

func TestBadNames(t *testing.T) {
	needShm(t)
	for _, tc := range []struct{ name, why string }{
		{"/", "empty"},
		{"//", "empty"},
		{"a/b", "slash"},
		{"a\x00b", "NUL"},
		{".", "directory"},
		{"..", "directory"},
		{strings.Repeat("n", 256), "256 bytes"},
	} {
		for _, create := range []bool{true, false} {
			_, err := New(tc.name, create, 8)
			if !errors.Is(err, ErrBadName) || !strings.Contains(err.Error(), tc.why) {
				t.Errorf("New(%q, %v, 8): %v, want ErrBadName saying %q", tc.name, create, err, tc.why)
			}
		}
	}
	if _, err := New("", false, 0); !errors.Is(err, ErrBadName) {
		t.Errorf("attaching without a name: %v, want ErrBadName (Python: 'name' can only be None if create=True)", err)
	}
	// 255 bytes is NAME_MAX, and allowed.
	noLeaks(t)
	long := testName(t) + strings.Repeat("n", 200)
	long += strings.Repeat("n", 255-len(long))
	s, err := CreateNamed(long, 8)
	if err != nil {
		t.Fatalf("a 255-byte name: %v", err)
	}
	closeAtEnd(t, s)
}

func TestBadSizes(t *testing.T) {
	needShm(t)
	for _, tc := range []struct {
		name   string
		create bool
		size   int
	}{
		{"", true, 0},
		{"", true, -1},
		{testName(t), true, 0},
		{testName(t), false, -8},
	} {
		if _, err := New(tc.name, tc.create, tc.size); !errors.Is(err, ErrBadSize) {
			t.Errorf("New(%q, %v, %d): %v, want ErrBadSize", tc.name, tc.create, tc.size, err)
		}
	}
}

func TestAttachEmptyBlock(t *testing.T) {
	noLeaks(t)
	name := testName(t)
	track(t, name)
	if err := os.WriteFile(shmDirForTests+name, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Attach(name); !errors.Is(err, ErrBadSize) {
		t.Fatalf("attaching an empty block: %v, want ErrBadSize", err)
	}
}

func TestCloseAndUnlink(t *testing.T) {
	s, name := newTestBlock(t, 64)
	a, err := Attach(name)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()

	// Unlink removes the name; mappings stay valid.
	if err := s.Unlink(); err != nil {
		t.Fatal(err)
	}
	if _, err := Attach(name); !errors.Is(err, ErrNotExist) {
		t.Fatalf("attaching after Unlink: %v, want ErrNotExist", err)
	}
	copy(s.Buf(), "still here")
	if string(a.Buf()[:10]) != "still here" {
		t.Fatalf("after Unlink the other mapping sees %q", a.Buf()[:10])
	}
	if err := a.Unlink(); !errors.Is(err, ErrNotExist) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("unlinking a gone name: %v, want ErrNotExist", err)
	}

	// Close is idempotent; Buf is nil afterwards.
	for range 2 {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if s.Buf() != nil {
			t.Fatal("Buf() after Close is not nil")
		}
	}
	if s.Size() != 64 || s.Name() != name {
		t.Errorf("after Close: Size %d Name %q, want them kept", s.Size(), s.Name())
	}
}

func TestSharedMemoryString(t *testing.T) {
	s, name := newTestBlock(t, 12)
	if got, want := s.String(), "SharedMemory('"+name+"', size=12)"; got != want {
		t.Errorf("String() = %q, want Python's repr %q", got, want)
	}
}

// shareablelist_test.go tests ShareableList in Go alone: items of every
// type in both of CPython's layouts, Python's rules for Set, Count and
// Index, positions, the int fast paths and atomics, Close.

package sharedmemory

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// sample has an item of every type, and the values at the edges.
var sample = []any{
	int64(7), int64(-3), int64(math.MaxInt64), int64(math.MinInt64),
	2.5, math.Copysign(0, -1), 1e100, math.Inf(-1),
	true, false, nil,
	"héllo", "it's", "", strings.Repeat("x", 20),
	[]byte{0, 1, 0xff}, []byte{},
}

const sampleFormat = "qqqqddddxxxxxxx?xxxxxxx?xxxxxx?x8s8s8s24s8s8s"

func TestShareableList(t *testing.T) {
	for _, layout := range []Layout{Layout39, Layout38} {
		t.Run(layout.String(), func(t *testing.T) {
			noLeaks(t)
			name := testName(t)
			l, err := NewShareableListLayout(name, layout, sample)
			if err != nil {
				t.Fatal(err)
			}
			listAtEnd(t, l)
			check := func(l *ShareableList) {
				t.Helper()
				if l.Len() != len(sample) || l.Layout() != layout {
					t.Fatalf("Len %d Layout %v, want %d %v", l.Len(), l.Layout(), len(sample), layout)
				}
				sameItems(t, "items", items(t, l), sample)
				if l.Format() != sampleFormat {
					t.Errorf("Format() = %q, want %q", l.Format(), sampleFormat)
				}
				want := `ShareableList([7, -3, 9223372036854775807, -9223372036854775808, 2.5, -0.0, 1e+100, -inf, True, False, None, 'héllo', "it's", '', 'xxxxxxxxxxxxxxxxxxxx', b'\x00\x01\xff', b''], name='` + name + `')`
				if l.String() != want {
					t.Errorf("String() =\n%s\nwant Python's repr\n%s", l.String(), want)
				}
			}
			check(l)
			a, err := AttachShareableList(name)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			check(a)
			// The size is Python's struct.calcsize of the layout.
			data := 8*16 + 24
			want := 8 + 8*len(sample) + data + 9*len(sample)
			if layout == Layout39 {
				want += 8
			}
			if got := l.SharedMemory().Size(); got != want {
				t.Errorf("block size %d, want %d", got, want)
			}
		})
	}
}

func TestShareableListSet(t *testing.T) {
	noLeaks(t)
	l, err := NewShareableList([]any{1, "abc", "12345678", nil, 2.5, []byte("xy")})
	if err != nil {
		t.Fatal(err)
	}
	listAtEnd(t, l)
	set := func(i int, v any) {
		t.Helper()
		if err := l.Set(i, v); err != nil {
			t.Fatalf("Set(%d, %#v): %v", i, v, err)
		}
	}
	// An item may change type, as in Python; a str fits the slot of an
	// int (8 bytes) and a str keeps its slot.
	set(0, "eightchr")
	set(1, int32(-5))
	set(2, strings.Repeat("s", 16)) // "12345678" has a 16-byte slot
	set(3, uint8(200))
	set(4, []byte("bytes"))
	set(5, float32(0.5))
	sameItems(t, "after Set", items(t, l), []any{"eightchr", int64(-5), strings.Repeat("s", 16), int64(200), []byte("bytes"), 0.5})
	if got, want := l.Format(), "8sq16sq8sd"; got != want {
		t.Errorf("Format() = %q, want %q", got, want)
	}

	// Too long: Python's ValueError, and the item is left alone.
	for i, v := range []any{"ninechars", []byte("ninechars"), strings.Repeat("s", 17)} {
		pos := []int{0, 4, 2}[i]
		before, _ := l.Get(pos)
		err := l.Set(pos, v)
		if !errors.Is(err, ErrTooLong) || !strings.Contains(err.Error(), "bytes/str item exceeds available storage") {
			t.Errorf("Set(%d, %q): %v, want ErrTooLong with Python's words", pos, v, err)
		}
		after, _ := l.Get(pos)
		sameItems(t, "after a refused Set", []any{after}, []any{before})
	}

	// Trailing NULs are dropped when read, as Python's rstrip drops them.
	set(0, "ab\x00\x00")
	set(4, []byte{0, 'a', 0})
	sameItems(t, "NUL-padded", []any{must(l.Get(0)), must(l.Get(4))}, []any{"ab", []byte{0, 'a'}})

	// Values that cannot be stored.
	for _, v := range []any{struct{}{}, uint64(math.MaxUint64), "\xff", []int{1}, complex(1, 2)} {
		if err := l.Set(1, v); !errors.Is(err, ErrBadValue) {
			t.Errorf("Set(1, %#v): %v, want ErrBadValue", v, err)
		}
	}
	if v, _ := l.Get(1); v != int64(-5) {
		t.Errorf("item 1 is %#v after refused Sets, want -5", v)
	}
}

func must(v any, err error) any {
	if err != nil {
		panic(err)
	}
	return v
}

func TestShareableListPositions(t *testing.T) {
	noLeaks(t)
	l, err := NewShareableList([]any{10, 20, 30})
	if err != nil {
		t.Fatal(err)
	}
	listAtEnd(t, l)
	if v, err := l.Get(-1); v != int64(30) || err != nil {
		t.Errorf("Get(-1) = %v, %v; want 30", v, err)
	}
	if err := l.SetInt(-3, 11); err != nil {
		t.Fatal(err)
	}
	if v, _ := l.GetInt(0); v != 11 {
		t.Errorf("after SetInt(-3, 11), GetInt(0) = %d", v)
	}
	for _, i := range []int{3, -4, math.MaxInt, math.MinInt} {
		for op, call := range map[string]func() error{
			"Get":            func() error { _, err := l.Get(i); return err },
			"Set":            func() error { return l.Set(i, 1) },
			"GetInt":         func() error { _, err := l.GetInt(i); return err },
			"SetInt":         func() error { return l.SetInt(i, 1) },
			"Add":            func() error { _, err := l.Add(i, 1); return err },
			"CompareAndSwap": func() error { _, err := l.CompareAndSwap(i, 1, 2); return err },
		} {
			if err := call(); !errors.Is(err, ErrIndex) {
				t.Errorf("%s(%d): %v, want ErrIndex (Python's IndexError)", op, i, err)
			}
		}
	}
}

func TestShareableListInts(t *testing.T) {
	noLeaks(t)
	l, err := NewShareableList([]any{0, "str", 1.5})
	if err != nil {
		t.Fatal(err)
	}
	listAtEnd(t, l)
	if v, err := l.Add(0, 5); v != 5 || err != nil {
		t.Fatalf("Add(0, 5) = %d, %v", v, err)
	}
	if v, err := l.Add(-3, -7); v != -2 || err != nil {
		t.Fatalf("Add(-3, -7) = %d, %v", v, err)
	}
	if ok, err := l.CompareAndSwap(0, 99, 1); ok || err != nil {
		t.Fatalf("CompareAndSwap(0, 99, 1) = %v, %v; want false", ok, err)
	}
	if ok, err := l.CompareAndSwap(0, -2, 1); !ok || err != nil {
		t.Fatalf("CompareAndSwap(0, -2, 1) = %v, %v; want true", ok, err)
	}
	if v, _ := l.GetInt(0); v != 1 {
		t.Fatalf("GetInt(0) = %d, want 1", v)
	}
	if _, err := l.Add(0, math.MaxInt64); err != nil {
		t.Fatal(err)
	}
	if v, _ := l.GetInt(0); v != math.MinInt64 {
		t.Errorf("Add wraps around like Go's ints: got %d", v)
	}
	for op, call := range map[string]func() error{
		"GetInt":         func() error { _, err := l.GetInt(1); return err },
		"Add":            func() error { _, err := l.Add(2, 1); return err },
		"CompareAndSwap": func() error { _, err := l.CompareAndSwap(1, 0, 1); return err },
	} {
		if err := call(); !errors.Is(err, ErrNotInt) {
			t.Errorf("%s on a str or float: %v, want ErrNotInt", op, err)
		}
	}
	// SetInt turns any item into an int, as sl[i] = n does.
	if err := l.SetInt(1, 42); err != nil {
		t.Fatal(err)
	}
	if v, err := l.Add(1, 1); v != 43 || err != nil {
		t.Errorf("Add on the str turned int: %d, %v", v, err)
	}
	if got := l.Format(); got != "qqd" {
		t.Errorf("Format() = %q, want qqd", got)
	}
}

func TestShareableListAllocations(t *testing.T) {
	noLeaks(t)
	l, err := NewShareableList([]any{0, 1000, 7})
	if err != nil {
		t.Fatal(err)
	}
	listAtEnd(t, l)
	for op, f := range map[string]func(){
		"GetInt":         func() { l.GetInt(0) },
		"SetInt":         func() { l.SetInt(0, 12345) },
		"Add":            func() { l.Add(0, 1) },
		"CompareAndSwap": func() { l.CompareAndSwap(0, 1, 2) },
		"Get small int":  func() { l.Get(2) }, // Go boxes ints below 256 without allocating
		"Set int":        func() { l.Set(0, int64(7)) },
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s allocates %v times", op, n)
		}
	}
}

func TestShareableListCountIndex(t *testing.T) {
	noLeaks(t)
	l, err := NewShareableList([]any{1, 1.0, true, 2, "1", []byte("1"), nil, math.NaN(), false, 0.0})
	if err != nil {
		t.Fatal(err)
	}
	listAtEnd(t, l)
	// Python's ==: 1 == 1.0 == True, "1" != b"1", nan != nan.
	for _, tc := range []struct {
		v     any
		count int
		index int
	}{
		{1, 3, 0},
		{int8(1), 3, 0},
		{1.0, 3, 0},
		{true, 3, 0},
		{false, 2, 8},
		{0, 2, 8},
		{2.0, 1, 3},
		{"1", 1, 4},
		{[]byte("1"), 1, 5},
		{nil, 1, 6},
		{math.NaN(), 0, -1},
		{"2", 0, -1},
		{[]int{1}, 0, -1},
		{uint64(math.MaxUint64), 0, -1},
	} {
		n, err := l.Count(tc.v)
		if n != tc.count || err != nil {
			t.Errorf("Count(%#v) = %d, %v; want %d", tc.v, n, err, tc.count)
		}
		i, err := l.Index(tc.v)
		if tc.index < 0 {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("Index(%#v) = %d, %v; want ErrNotFound", tc.v, i, err)
			}
		} else if i != tc.index || err != nil {
			t.Errorf("Index(%#v) = %d, %v; want %d", tc.v, i, err, tc.index)
		}
	}
	_, err = l.Index("2")
	if !strings.Contains(err.Error(), `'2' not in this container`) {
		t.Errorf("Index's error %q lacks Python's words", err)
	}
	// 2**53+1 is not 2.0**53: Python compares int and float exactly.
	if err := l.Set(0, int64(1<<53+1)); err != nil {
		t.Fatal(err)
	}
	if n, _ := l.Count(float64(1 << 53)); n != 0 {
		t.Errorf("Count(2.0**53) = %d with 2**53+1 stored, want 0", n)
	}
}

func TestShareableListEmpty(t *testing.T) {
	for _, tc := range []struct {
		layout Layout
		size   int
	}{{Layout39, 16}, {Layout38, 8}} {
		t.Run(tc.layout.String(), func(t *testing.T) {
			noLeaks(t)
			l, err := NewShareableListLayout("", tc.layout, nil)
			if err != nil {
				t.Fatal(err)
			}
			listAtEnd(t, l)
			a, err := AttachShareableList(l.SharedMemory().Name())
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if a.Len() != 0 || a.Format() != "" || a.Layout() != tc.layout || l.SharedMemory().Size() != tc.size {
				t.Errorf("empty list: Len %d Format %q Layout %v Size %d; want 0 \"\" %v %d", a.Len(), a.Format(), a.Layout(), l.SharedMemory().Size(), tc.layout, tc.size)
			}
			if want := "ShareableList([], name='" + l.SharedMemory().Name() + "')"; a.String() != want {
				t.Errorf("String() = %q, want %q", a.String(), want)
			}
			if _, err := a.Get(0); !errors.Is(err, ErrIndex) {
				t.Errorf("Get(0) on an empty list: %v, want ErrIndex", err)
			}
		})
	}
}

func TestShareableListCreateRefused(t *testing.T) {
	noLeaks(t)
	for _, tc := range []struct {
		items []any
		err   error
	}{
		{[]any{1, struct{}{}}, ErrBadValue},
		{[]any{"\xffnot utf-8"}, ErrBadValue},
		{[]any{strings.Repeat("x", maxItemLen+1)}, ErrTooLong},
	} {
		if _, err := NewShareableList(tc.items); !errors.Is(err, tc.err) {
			t.Errorf("NewShareableList(%.40v): %v, want %v", tc.items, err, tc.err)
		}
	}
	if _, err := NewShareableListLayout("", Layout(7), nil); !errors.Is(err, ErrBadValue) {
		t.Errorf("an unknown layout: %v, want ErrBadValue", err)
	}
	// The longest item there may be: a 9999991-byte str in a "9999992s" slot.
	l, err := NewShareableList([]any{strings.Repeat("x", maxItemLen)})
	if err != nil {
		t.Fatal(err)
	}
	listAtEnd(t, l)
	if l.Format() != "9999992s" {
		t.Errorf("Format() = %q, want 9999992s", l.Format())
	}
	name := testName(t)
	first, err := NewShareableListNamed(name, []any{1})
	if err != nil {
		t.Fatal(err)
	}
	listAtEnd(t, first)
	if _, err := NewShareableListNamed(name, []any{2}); !errors.Is(err, ErrExist) {
		t.Errorf("a second list of the same name: %v, want ErrExist", err)
	}
}

func TestShareableListClosed(t *testing.T) {
	noLeaks(t)
	l, err := NewShareableList([]any{1, "a"})
	if err != nil {
		t.Fatal(err)
	}
	listAtEnd(t, l)
	for range 2 {
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for op, call := range map[string]func() error{
		"Get":            func() error { _, err := l.Get(0); return err },
		"Set":            func() error { return l.Set(0, 1) },
		"GetInt":         func() error { _, err := l.GetInt(0); return err },
		"SetInt":         func() error { return l.SetInt(0, 1) },
		"Add":            func() error { _, err := l.Add(0, 1); return err },
		"CompareAndSwap": func() error { _, err := l.CompareAndSwap(0, 1, 2); return err },
		"Count":          func() error { _, err := l.Count(1); return err },
		"Index":          func() error { _, err := l.Index(1); return err },
	} {
		if err := call(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", op, err)
		}
	}
	if l.Format() != "" || !strings.Contains(l.String(), "<closed>") || l.Len() != 2 {
		t.Errorf("after Close: Format %q String %q Len %d", l.Format(), l.String(), l.Len())
	}
	// Closing the SharedMemory directly closes the list too.
	m, err := NewShareableList([]any{1})
	if err != nil {
		t.Fatal(err)
	}
	listAtEnd(t, m)
	m.SharedMemory().Close()
	if _, err := m.GetInt(0); !errors.Is(err, ErrClosed) {
		t.Errorf("GetInt after closing the list's SharedMemory: %v, want ErrClosed", err)
	}
	if err := m.Unlink(); err != nil {
		t.Errorf("Unlink after Close: %v", err)
	}
}

func TestAttachNotAList(t *testing.T) {
	s, name := newTestBlock(t, 64)
	ne.PutUint64(s.Buf(), 1000) // 1000 items cannot fit 64 bytes
	_, err := AttachShareableList(name)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "item count 1000") {
		t.Fatalf("attaching a block that is not a list: %v, want ErrCorrupt", err)
	}
}

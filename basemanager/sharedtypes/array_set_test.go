// array_set_test.go checks what array.go and set.go do beyond what the
// proxy tests reach: Array items given as the machine's bytes and as ints
// beyond 64 bits (as Python clients send them), and Set's keys and
// in-place operations over many elements.

package sharedtypes

import (
	"encoding/binary"
	"errors"
	"math/big"
	"slices"
	"testing"

	"gomanager/proxy"
)

// arrayRefusal checks that err is an *ArrayError with Python's exception
// and message, wrapping proxy.ErrBadArgument.
func arrayRefusal(t *testing.T, what string, err error, exception, message string) {
	t.Helper()
	var ae *ArrayError
	if !errors.As(err, &ae) || ae.Exception != exception || ae.Message != message || !errors.Is(err, proxy.ErrBadArgument) {
		t.Errorf("%s: %v, want Python's %s: %s", what, err, exception, message)
	}
}

func TestArrayFromBytes(t *testing.T) {
	h, _ := NewArray("h")
	b := binary.NativeEndian.AppendUint16(binary.NativeEndian.AppendUint16(nil, 1), 0xffff)
	if err := h.FromBytes(b); err != nil {
		t.Fatal(err)
	}
	if got := h.String(); got != "array('h', [1, -1])" {
		t.Errorf("array('h', bytes) = %s", got)
	}
	arrayRefusal(t, "3 bytes for 'h'", h.FromBytes([]byte{1, 2, 3}), "ValueError", "bytes length not a multiple of item size")
	w, _ := NewArray("w")
	if err := w.FromBytes(binary.NativeEndian.AppendUint32(nil, 'é')); err != nil || w.String() != "array('w', 'é')" {
		t.Errorf("array('w', bytes) = %s, %v", w, err)
	}
	arrayRefusal(t, "U+110000 for 'w'", w.FromBytes(binary.NativeEndian.AppendUint32(nil, 0x110000)),
		"ValueError", "character U+110000 is not in range [U+0000; U+10ffff]")
	if got := w.Len(); got != 1 {
		t.Errorf("a refused FromBytes changed the array: len %d", got)
	}
}

func TestArrayBigInts(t *testing.T) {
	max := new(big.Int).SetUint64(1<<64 - 1)
	over := new(big.Int).Add(max, big.NewInt(1))
	q, err := NewArray("Q", max)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := q.Get(0); v != uint64(1<<64-1) {
		t.Errorf("array('Q', [2**64-1])[0] = %#v", v)
	}
	arrayRefusal(t, "2**64 for 'Q'", q.Set(0, over), "OverflowError", "int too big to convert")
	arrayRefusal(t, "-1 for 'Q'", q.Set(0, big.NewInt(-1)), "OverflowError", "can't convert negative int to unsigned")
	d, _ := NewArray("d", 0)
	arrayRefusal(t, "2**2000 for 'd'", d.Set(0, new(big.Int).Lsh(big.NewInt(1), 2000)), "OverflowError", "int too large to convert to float")
	if err := d.Set(-1, over); err != nil {
		t.Errorf("2**64 for 'd': %v", err)
	}
	if got := d.String(); got != "array('d', [1.8446744073709552e+19])" {
		t.Errorf("array('d', [2**64]) = %s", got)
	}
	if _, err := NewArray("i", 1, "two"); err == nil || err.Error() != `array('i') item 'two' refused: 'str' object cannot be interpreted as an integer (Python's TypeError); store a value of the typecode's kind` {
		t.Errorf("array('i', [1, 'two']): %v", err)
	}
}

func TestSetKeys(t *testing.T) {
	type pair struct{ A, B int }
	same := [][]any{
		{1, int8(1), uint64(1), 1.0, float32(1), true},
		{0, false, -0.0},
		{uint64(1 << 63), float64(1 << 63)},
		{int64(-1 << 63), float64(-1 << 63)},
		{"x"},
		{pair{1, 2}},
	}
	for _, group := range same {
		s, err := NewSet(group...)
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != 1 {
			t.Errorf("set(%s) = %s: want one element", pyRepr(group), s)
		}
	}
	s, _ := NewSet(1.5, 2, "2", pair{2, 1})
	if s.Len() != 4 || !s.Contains(float32(1.5)) || !s.Contains(uint16(2)) || s.Contains(2.5) {
		t.Errorf("set(1.5, 2, '2', pair) = %s", s)
	}
	if err := s.Add([]int{1}); !errors.Is(err, proxy.ErrBadArgument) {
		t.Errorf("add([1]): %v, want ErrBadArgument", err)
	}
}

// TestSetInPlaceOverMany: the in-place operations stay right while
// removals compact the set's storage.
func TestSetInPlaceOverMany(t *testing.T) {
	var all, evens, low []any
	for i := range 1000 {
		all = append(all, i)
		if i%2 == 0 {
			evens = append(evens, i)
		}
		if i < 100 {
			low = append(low, i)
		}
	}
	s, _ := NewSet(all...)
	if err := s.IntersectionUpdate(evens...); err != nil {
		t.Fatal(err)
	}
	if err := s.DifferenceUpdate(low...); err != nil {
		t.Fatal(err)
	}
	if err := s.SymmetricDifferenceUpdate(1, 100, 1); err != nil {
		t.Fatal(err)
	}
	var want []any
	for i := 102; i < 1000; i += 2 {
		want = append(want, i)
	}
	want = append(want, 1)
	if got := s.Items(); !slices.Equal(got, want) {
		t.Errorf("after the updates: %d elements %v..., want %d", len(got), got[:min(5, len(got))], len(want))
	}
	for range 10 {
		s.Pop()
	}
	if !s.Contains(102) || s.Contains(1) || s.Len() != len(want)-10 {
		t.Errorf("after 10 pops: len %d, 102 in s %v, 1 in s %v", s.Len(), s.Contains(102), s.Contains(1))
	}
}

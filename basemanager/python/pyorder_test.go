// pyorder_test.go checks the list's Python rules where CPython cannot
// reach them: values only Go clients store (Go's other number types,
// slices and maps of their own types), and pySort's merging of long lists
// against a stable sort, with and without reverse, and after a TypeError.

package python

import (
	"cmp"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"gomanager/basemanager/pickle"
)

func TestPyEqualAndLess(t *testing.T) {
	big64 := new(big.Int).Lsh(big.NewInt(1), 64)
	tests := []struct {
		a, b        any
		equal, less bool
	}{
		{1, 1.0, true, false},
		{true, 1, true, false},
		{int64(1), uint8(1), true, false},
		{float32(0.5), 0.5, true, false},
		{false, -0.0, true, false},
		{big64, math.Pow(2, 64), true, false},
		{big64, math.MaxInt64, false, false},
		{math.MaxInt64, big64, false, true},
		{1<<53 + 1, math.Pow(2, 53), false, false}, // exact, not through float64
		{math.Pow(2, 53), 1<<53 + 1, false, true},
		{math.NaN(), math.NaN(), false, false},
		{math.Inf(-1), math.MinInt64, false, true},
		{"a", "b", false, true},
		{"é", "z", false, false}, // by code point
		{[]byte("a"), [2]byte{'a', 0}, false, true},
		{pickle.Tuple{1, "a"}, [2]any{1.0, "a"}, true, false}, // a tuple dict key
		{pickle.Tuple{1, 2}, []any{1, 2}, false, false},
		{[]any{1, 2}, []int{1, 3}, false, true},
		{pickle.Dict{{Key: "a", Value: 1}}, map[any]any{"a": true}, true, false},
		{map[string]int{"a": 1, "b": 2}, pickle.Dict{{Key: "b", Value: 2.0}, {Key: "a", Value: 1}}, true, false},
		{pickle.Set{1, 2}, pickle.FrozenSet{2.0, 1}, true, false},
		{pickle.Set{1}, pickle.FrozenSet{2.0, 1}, false, true},
		{nil, nil, true, false},
		{pickle.NewException("builtins", "KeyError", "k"), pickle.NewException("builtins", "KeyError", "k"), false, false},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s (%T) vs %s (%T)", pickle.Repr(tt.a), tt.a, pickle.Repr(tt.b), tt.b)
		if got := pyEqual(tt.a, tt.b); got != tt.equal {
			t.Errorf("%s: == is %v, want %v", name, got, tt.equal)
		}
		if got, err := pyLess(tt.a, tt.b); (err == nil) && got != tt.less {
			t.Errorf("%s: < is %v, want %v", name, got, tt.less)
		}
	}
	for _, pair := range [][2]any{{"a", 1}, {nil, nil}, {pickle.Tuple{1}, []any{1}}, {map[string]int{}, pickle.Dict{}}, {int8(1), []byte("x")}} {
		_, err := pyLess(pair[0], pair[1])
		want := fmt.Sprintf("TypeError: '<' not supported between instances of '%s' and '%s'", pyTypeNameOf(pair[0]), pyTypeNameOf(pair[1]))
		if err == nil || err.Error() != want {
			t.Errorf("%s < %s: %v, want %s", pickle.Repr(pair[0]), pickle.Repr(pair[1]), err, want)
		}
	}
	if got := pyTypeNameOf(int8(1)) + " " + pyTypeNameOf(float32(1)) + " " + pyTypeNameOf([]byte{}) + " " + pyTypeNameOf(map[string]int{}); got != "int float bytes dict" {
		t.Errorf("Go values' Python type names: %s", got)
	}
}

// pySort gives what a stable sort gives whenever < is a consistent order,
// for lists long enough to be sorted in several runs and merged; equal
// items of different types (1, 1.0, True) show the stability, also in
// reverse, which Python keeps by sorting the reversed list.
func TestPySortMergesStably(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	value := func() any {
		n := r.IntN(40) - 20
		switch r.IntN(4) {
		case 0:
			return float64(n) / 2
		case 1:
			return n > 0
		case 2:
			return new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 70), big.NewInt(int64(n)))
		}
		return n
	}
	order := func(a, b any) int {
		c, _ := compareNums(numOf(a), numOf(b))
		return c
	}
	for _, n := range []int{0, 1, 2, 63, 64, 65, 130, 257, 1000, 3000} {
		for _, reverse := range []bool{false, true} {
			items := make([]any, n)
			for i := range items {
				items[i] = value()
			}
			if n > 500 { // long natural runs too, ascending and descending
				slices.SortStableFunc(items[:n/3], order)
				slices.SortStableFunc(items[n/3:2*n/3], func(a, b any) int { return order(b, a) })
			}
			want := slices.Clone(items)
			if reverse {
				slices.Reverse(want)
			}
			slices.SortStableFunc(want, order)
			if reverse {
				slices.Reverse(want)
			}
			if err := pySort(items, reverse); err != nil {
				t.Fatalf("n=%d: %v", n, err)
			}
			if !reflect.DeepEqual(items, want) {
				t.Errorf("n=%d reverse=%v: pySort differs from a stable sort", n, reverse)
			}
		}
	}
}

// A sort that meets items it cannot order fails with Python's TypeError
// and leaves a permutation of the items, whether it fails finding runs or
// merging them.
func TestPySortFailsLeavingAPermutation(t *testing.T) {
	for _, tt := range []struct {
		name  string
		items []any
	}{
		{"in a run", append([]any{3, 1, 2}, "x", 0)},
		// 128 items sort in runs of 32: two of ints, two of strs, which
		// only the last merge compares.
		{"merging runs", append(slices.Repeat([]any{2, 1}, 32), slices.Repeat([]any{"b", "a"}, 32)...)},
	} {
		items := slices.Clone(tt.items)
		err := pySort(items, false)
		if err == nil || err.Error() != "TypeError: '<' not supported between instances of 'str' and 'int'" {
			t.Errorf("%s: %v, want Python's TypeError", tt.name, err)
		}
		key := func(v any) string { return pickle.Repr(v) }
		a, b := slices.Clone(items), slices.Clone(tt.items)
		slices.SortFunc(a, func(x, y any) int { return cmp.Compare(key(x), key(y)) })
		slices.SortFunc(b, func(x, y any) int { return cmp.Compare(key(x), key(y)) })
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: after the TypeError the items are %s, not a permutation of %s", tt.name, pickle.Repr(items), pickle.Repr(tt.items))
		}
	}
}

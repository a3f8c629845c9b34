// values_test.go checks the helpers of values.go against what Python
// prints and computes: repr of floats and strings, Add's types and
// overflow, == across numeric types.

package sharedtypes

import (
	"errors"
	"math"
	"testing"

	"gomanager/proxy"
)

func TestPyRepr(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{
		{1.0, "1.0"},
		{0.1, "0.1"},
		{1e15, "1000000000000000.0"},
		{1e16, "1e+16"},
		{1.5e16, "1.5e+16"},
		{0.0001, "0.0001"},
		{0.00001, "1e-05"},
		{-2.5, "-2.5"},
		{math.Inf(-1), "-inf"},
		{math.NaN(), "nan"},
		{float32(0.1), "0.1"},
		{"Bob", "'Bob'"},
		{"it's", `"it's"`},
		{`both ' and "`, `'both \' and "'`},
		{"tab\tnew\nline\\", `'tab\tnew\nline\\'`},
		{"\x00\u00e9\u200b", `'\x00é\u200b'`},
		{"\xff", `'\xff'`},
		{[]byte("ab"), "b'ab'"},
		{nil, "None"},
		{false, "False"},
		{uint8(7), "7"},
		{[]any{1, "a", nil}, "[1, 'a', None]"},
		{map[string]int{"b": 2, "a": 1}, "{'a': 1, 'b': 2}"},
		{struct{ X int }{3}, "{3}"},
	} {
		if got := pyRepr(c.v); got != c.want {
			t.Errorf("pyRepr(%#v) = %s, want %s", c.v, got, c.want)
		}
	}
}

func TestAddNumber(t *testing.T) {
	for _, c := range []struct {
		old, delta, want any
	}{
		{nil, 3, 3},
		{nil, 0.5, 0.5},
		{1, 2, 3},
		{int64(1), 2, int64(3)},
		{1, 2.0, 3},
		{uint(5), -2, uint(3)},
		{uint64(math.MaxUint64 - 1), 1, uint64(math.MaxUint64)},
		{int64(math.MinInt64 + 1), -1, int64(math.MinInt64)},
		{1.5, 1, 2.5},
		{float32(1), 0.5, float32(1.5)},
		// addCommon's cases, at their edges.
		{0, 0, 0},
		{math.MaxInt - 1, 1, math.MaxInt},
		{math.MinInt + 1, -1, math.MinInt},
		{int64(5), int64(-7), int64(-2)},
		{int64(math.MaxInt64 - 1), int64(1), int64(math.MaxInt64)},
		{1.5, 2, 3.5},
		{1.5, -0.5, 1.0},
		{math.MaxFloat64, math.MaxFloat64, math.Inf(1)},
	} {
		got, err := addNumber(c.old, c.delta)
		if err != nil || got != c.want {
			t.Errorf("addNumber(%#v, %#v) = %#v, %v; want %#v", c.old, c.delta, got, err, c.want)
		}
	}
	for _, c := range []struct{ old, delta any }{
		{int8(127), 1},
		{uint(0), -1},
		{int64(math.MaxInt64), 1},
		{int64(math.MinInt64), int64(-1)},
		{math.MaxInt, 1},
		{math.MinInt, -1},
		{math.MinInt, math.MinInt},
		{1, 0.5},
		{1, math.Inf(1)},
		{float32(math.MaxFloat32), math.MaxFloat64},
		{"a", 1},
		{1, "a"},
		{nil, "a"},
		{1, true},
	} {
		if got, err := addNumber(c.old, c.delta); !errors.Is(err, proxy.ErrBadArgument) {
			t.Errorf("addNumber(%#v, %#v) = %#v, %v; want an ErrBadArgument", c.old, c.delta, got, err)
		}
	}
}

func TestValuesEqual(t *testing.T) {
	for _, c := range []struct {
		a, b any
		want bool
	}{
		{1, int64(1), true},
		{1, 1.0, true},
		{uint8(1), -1, false},
		{-1, uint64(math.MaxUint64), false},
		{"a", "a", true},
		{[]int{1}, []int{1}, true},
		{[]int{1}, []int64{1}, false},
		{nil, nil, true},
		{nil, 0, false},
		{true, 1, false},
	} {
		if got := valuesEqual(c.a, c.b); got != c.want {
			t.Errorf("valuesEqual(%#v, %#v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

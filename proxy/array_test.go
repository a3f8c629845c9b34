// array_test.go tests the Array typeid through proxy.Array (Python's
// manager.Array(typecode, sequence) behind an ArrayProxy): indexing from
// either end, items checked against the typecode as Python's array checks
// them, reads of every item or a slice, and another client's view.

package proxy_test

import (
	"fmt"
	"log"
	"math"
	"testing"

	"gomanager/basemanager"
	"gomanager/proxy"
)

// TestArray: len, a[i] from either end, a[i] = v, a[:], a[i:j], the
// typecode, str, and another client seeing the change.
func TestArray(t *testing.T) {
	m := contManager(t)
	a := contKeep(proxy.NewArray(m, "i", []int{1, 2, 3}))(t)
	contEqual(t, "len(a)", contOK(a.Len())(t), 3)
	contEqual(t, "a[0]", contOK(a.Get(0))(t), 1)
	contEqual(t, "a[-1]", contOK(a.Get(-1))(t), 3)
	if err := a.Set(-2, 20); err != nil {
		t.Fatal(err)
	}
	other := proxy.ArrayOf[int32](contKeep(contConnect(t, m).Rebuild(a.Token()))(t))
	contEqual(t, "other's a[:]", contOK(other.Items())(t), []int32{1, 20, 3})
	contEqual(t, "a[1:]", contOK(a.Slice(1, math.MaxInt))(t), []int{20, 3})
	contEqual(t, "a[-5:-1]", contOK(a.Slice(-5, -1))(t), []int{1, 20})
	contEqual(t, "a.typecode", contOK(a.Typecode())(t), "i")
	contEqual(t, "str(a)", a.String(), "array('i', [1, 20, 3])")
	contEqual(t, "a._getvalue()", contOK(a.GetValue())(t), any([]any{int32(1), int32(20), int32(3)}))

	contFails(t, "a[3]", contErr(a.Get(3)), proxy.ErrKeyNotFound, "array index out of range")
	contFails(t, "a[-4] = 0", a.Set(-4, 0), proxy.ErrKeyNotFound, "array assignment index out of range")
}

// contErr keeps only the error of a call.
func contErr[T any](_ T, err error) error { return err }

// TestArrayTypecodes: each typecode stores its own Go type, refuses what
// Python's array refuses (OverflowError, TypeError: ErrBadArgument here),
// with Python's message, and leaves the item as it was.
func TestArrayTypecodes(t *testing.T) {
	m := contManager(t)
	tests := []struct {
		code  string
		ok    any // stored, then read back as the typecode's Go type
		want  any
		bad   any
		error string
	}{
		{"b", -128, int8(-128), 128, "signed char is greater than maximum"},
		{"b", -1, int8(-1), 1 << 15, "signed short integer is greater than maximum"},
		{"B", 255, uint8(255), -1, "unsigned byte integer is less than minimum"},
		{"h", int16(-3), int16(-3), 1 << 15, "signed short integer is greater than maximum"},
		{"H", 65535, uint16(65535), 1 << 31, "signed integer is greater than maximum"},
		{"H", 0, uint16(0), 65536, "unsigned short is greater than maximum"},
		{"i", math.MinInt32, int32(math.MinInt32), math.MinInt32 - 1, "signed integer is less than minimum"},
		{"I", uint32(math.MaxUint32), uint32(math.MaxUint32), -1, "can't convert negative value to unsigned int"},
		{"I", true, uint32(1), 1 << 32, "unsigned int is greater than maximum"},
		{"l", math.MinInt64, int64(math.MinInt64), 1.5, "'float' object cannot be interpreted as an integer"},
		{"L", uint64(math.MaxUint64), uint64(math.MaxUint64), -1, "can't convert negative value to unsigned int"},
		{"q", int8(5), int64(5), "5", "'str' object cannot be interpreted as an integer"},
		{"Q", uint64(1 << 63), uint64(1 << 63), -1, "can't convert negative int to unsigned"},
		{"f", 0.1, float32(0.1), "x", "must be real number, not str"},
		{"f", 1e300, float32(math.Inf(1)), nil, "must be real number, not NoneType"},
		{"d", 7, 7.0, []int{1}, "must be real number, not list"},
		{"u", "é", "é", "ab", "array item must be unicode character"},
		{"w", "😀", "😀", 'x', "array item must be unicode character"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %v", tt.code, tt.ok), func(t *testing.T) {
			a := contKeep(proxy.NewArray(m, tt.code, []any{tt.ok}))(t)
			contEqual(t, "a[0]", contOK(a.Get(0))(t), tt.want)
			contFails(t, fmt.Sprintf("a[0] = %#v", tt.bad), a.Set(0, tt.bad), proxy.ErrBadArgument, tt.error)
			contEqual(t, "a[0] after", contOK(a.Get(0))(t), tt.want)
		})
	}
	contFails(t, "array('z')", contErr(proxy.NewArray[int](m, "z", nil)), proxy.ErrBadArgument, "bad typecode")
	contFails(t, "array('ii')", contErr(proxy.NewArray[int](m, "ii", nil)), proxy.ErrBadArgument, "must be a unicode character")
	contFails(t, "array('b', [1, 300])", contErr(proxy.NewArray(m, "b", []int{1, 300})), proxy.ErrBadArgument,
		"signed char is greater than maximum")
}

// TestArrayFloatsAndText: an 'f' item reads back as the float32 it is
// (and as the double Python makes of it in str); 'u' shows as a str.
func TestArrayFloatsAndText(t *testing.T) {
	m := contManager(t)
	f := contKeep(proxy.NewArray(m, "f", []float64{0.1, 2}))(t)
	contEqual(t, "f[0]", contOK(f.Get(0))(t), float64(float32(0.1)))
	contEqual(t, "str(f)", f.String(), "array('f', [0.10000000149011612, 2.0])")
	u := contKeep(proxy.NewArray(m, "u", []string{"h", "i"}))(t)
	contEqual(t, "str(u)", u.String(), "array('u', 'hi')")
	empty := contKeep(proxy.NewArray[float64](m, "d", nil))(t)
	contEqual(t, "str(empty)", empty.String(), "array('d')")
	contEqual(t, "len(empty)", contOK(empty.Len())(t), 0)
}

// A shared array of 32-bit integers. Python:
//
//	a = manager.Array('i', [1, 2, 3])
//	a[0] = 10; a[-1]; len(a)
//	a[1] = 2**31        # OverflowError
func ExampleNewArray() {
	m := basemanager.NewSyncManager("")
	if err := m.Start(); err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown()

	a, err := proxy.NewArray(m, "i", []int{1, 2, 3}) // a = manager.Array('i', [1, 2, 3])
	if err != nil {
		log.Fatal(err)
	}
	a.Set(0, 10)         // a[0] = 10
	last, _ := a.Get(-1) // a[-1]
	n, _ := a.Len()      // len(a)
	fmt.Println(a, last, n)

	err = a.Set(1, 1<<31) // a[1] = 2**31
	fmt.Println(err)
	// Output:
	// array('i', [10, 2, 3]) 3 3
	// proxy: Array.Set failed in the manager: array('i') item 2147483648 refused: signed integer is greater than maximum (Python's OverflowError); store a value in the typecode's range, or use a wider typecode
}

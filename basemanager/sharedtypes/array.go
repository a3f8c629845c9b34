// array.go mirrors the Array typeid of Python's managers.py: an
// array.array(typecode, sequence) behind an ArrayProxy (__len__,
// __getitem__, __setitem__), whose items are checked against the typecode
// as Python's array module checks them.

package sharedtypes

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"unicode/utf8"

	"gomanager/basemanager/pickle"
	"gomanager/proxy"
)

// Array is a typed array shared between clients: Python's
// array.array(typecode, sequence), made by manager.Array. Every item has
// the Go type of its typecode and is checked when stored, as Python's
// array checks it:
//
//	'b' int8    'B' uint8    'h' int16   'H' uint16
//	'i' int32   'I' uint32   'l' int64   'L' uint64 (32 bits on Windows, as C's long)
//	'q' int64   'Q' uint64   'f' float32 'd' float64
//	'u', 'w'    string, one character each
//
// An integer out of the typecode's range is refused with Python's
// OverflowError, a value of the wrong kind with its TypeError (see
// ArrayError). Indices may be negative, counting from the end.
type Array struct {
	code *arrayCode // the typecode, fixed at creation

	mu    sync.Mutex // guards items
	items []any
}

// NewArray returns an array of typecode holding items: Python's
// array.array(typecode, items). A bad typecode or item is an *ArrayError.
func NewArray(typecode string, items ...any) (*Array, error) {
	code, err := lookupArrayCode(typecode)
	if err != nil {
		return nil, err
	}
	a := &Array{code: code, items: make([]any, len(items))}
	for i, v := range items {
		if a.items[i], err = code.convert(v); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// Typecode returns the array's typecode: Python's a.typecode.
func (a *Array) Typecode() string { return string(a.code.code) }

// Len returns the number of items: Python's len(a).
func (a *Array) Len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.items)
}

// Get returns the item at index i (negative counts from the end): Python's
// a[i]. An index out of range is an error wrapping proxy.ErrKeyNotFound
// (Python's IndexError).
func (a *Array) Get(i int) (any, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	j, err := a.position(i, "array index out of range")
	if err != nil {
		return nil, err
	}
	return a.items[j], nil
}

// Set replaces the item at index i with v: Python's a[i] = v. An index out
// of range is an error wrapping proxy.ErrKeyNotFound; a v the typecode
// does not take, an *ArrayError.
func (a *Array) Set(i int, v any) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	j, err := a.position(i, "array assignment index out of range")
	if err != nil {
		return err
	}
	x, err := a.code.convert(v)
	if err != nil {
		return err
	}
	a.items[j] = x
	return nil
}

// Items returns a copy of the items: Python's a.tolist().
func (a *Array) Items() []any {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.items)
}

// Slice returns a copy of the items from index i up to, not including, j:
// Python's a[i:j].tolist(). Bounds work as List.Slice's.
func (a *Array) Slice(i, j int) []any {
	a.mu.Lock()
	defer a.mu.Unlock()
	i, j = SliceBounds(i, j, len(a.items))
	return slices.Clone(a.items[i:j])
}

// FromBytes appends the items that b holds in the machine's own format:
// Python's a.frombytes(b), which array.array(typecode, some_bytes) also
// does. A length that is not a multiple of the item size is an
// *ArrayError (Python's ValueError).
func (a *Array) FromBytes(b []byte) error {
	size := a.code.size
	if len(b)%size != 0 {
		return &ArrayError{Exception: "ValueError", Message: "bytes length not a multiple of item size",
			culprit: fmt.Sprintf("array(%s).frombytes of %d bytes", pyRepr(a.Typecode()), len(b)),
			remedy:  fmt.Sprintf("give whole items of %d bytes", size)}
	}
	items := make([]any, 0, len(b)/size)
	for chunk := range slices.Chunk(b, size) {
		x, err := a.code.fromBytes(chunk)
		if err != nil {
			return err
		}
		items = append(items, x)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.items = append(a.items, items...)
	return nil
}

// String formats the array as Python's repr does: array('i', [1, 2, 3]),
// array('u', 'ab'), array('d') when empty. It serves str(proxy) and the
// server's DebugInfo.
func (a *Array) String() string { return a.Pickle().Repr() }

// GoString is String, for the server's __repr__.
func (a *Array) GoString() string { return a.String() }

// GetValue returns a copy of the items for Proxy.GetValue (Python's
// _getvalue(), which returns the array.array: see Pickle).
func (a *Array) GetValue() any { return a.Items() }

// Pickle returns the array as Python's array.array, for Python clients'
// _getvalue(). An 'f' item is given as the float64 Python reads from it.
func (a *Array) Pickle() pickle.Array {
	items := a.Items()
	for i, x := range items {
		if f, ok := x.(float32); ok {
			items[i] = float64(f)
		}
	}
	return pickle.Array{Typecode: a.Typecode(), Items: items}
}

// position resolves index i, which may count from the end. The caller
// holds a.mu.
func (a *Array) position(i int, outOfRange string) (int, error) {
	j := i
	if j < 0 {
		j += len(a.items)
	}
	if j < 0 || j >= len(a.items) {
		return 0, fmt.Errorf("%s (index %d, length %d): %w", outOfRange, i, len(a.items), proxy.ErrKeyNotFound)
	}
	return j, nil
}

// ArrayError is an Array refusing a typecode or an item as Python's array
// module refuses it. Exception names the Python exception it raises there
// ("OverflowError", "TypeError" or "ValueError"), Message is its text. It
// wraps proxy.ErrBadArgument, so Go clients test it with errors.Is.
type ArrayError struct {
	Exception string
	Message   string

	culprit string // what was refused: "array('i') item 2147483648"
	remedy  string // what to do instead
}

// Error says what was refused, Python's message and exception, and what
// to do instead.
func (e *ArrayError) Error() string {
	return fmt.Sprintf("%s refused: %s (Python's %s); %s", e.culprit, e.Message, e.Exception, e.remedy)
}

// Unwrap returns proxy.ErrBadArgument.
func (e *ArrayError) Unwrap() error { return proxy.ErrBadArgument }

// refused is the ArrayError for an item of the array's typecode.
func (c *arrayCode) refused(exception, msg string, item any) error {
	remedy := "store a value of the typecode's kind"
	if exception == "OverflowError" {
		remedy = "store a value in the typecode's range, or use a wider typecode"
	}
	return &ArrayError{Exception: exception, Message: msg, remedy: remedy,
		culprit: fmt.Sprintf("array(%s) item %s", pyRepr(string(c.code)), pyRepr(item))}
}

// arrayCode is what one typecode stores and how it checks a value.
type arrayCode struct {
	code   byte
	size   int          // bytes per item, for FromBytes
	goType reflect.Type // the Go type of the items
	ranges []intRange   // integer codes: the checks Python makes, in its order
}

// intRange is one of the range checks Python's array makes for an integer
// typecode, with the messages it gives below min and above max.
type intRange struct {
	min, max     *big.Int
	below, above string
}

var (
	minInt64, maxInt64 = big.NewInt(math.MinInt64), big.NewInt(math.MaxInt64)
	maxUint64          = new(big.Int).SetUint64(math.MaxUint64)
	zero               = big.NewInt(0)

	cLong         = intRange{minInt64, maxInt64, "Python int too large to convert to C long", "Python int too large to convert to C long"}
	cUnsignedLong = intRange{zero, maxUint64, "can't convert negative value to unsigned int", "Python int too large to convert to C unsigned long"}
	signedShort   = signed(16, "signed short integer")
	signedInt     = signed(32, "signed integer")

	// longIs32: C's long, and wchar_t, are 32 and 16 bits on Windows.
	longIs32 = runtime.GOOS == "windows"

	arrayCodes = map[byte]*arrayCode{} // by typecode; filled by init
)

// signed is the range of a signed integer of bits bits, with Python's
// messages for it, which name the C type.
func signed(bits uint, name string) intRange {
	max := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), bits-1), big.NewInt(1))
	min := new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), bits-1))
	return intRange{min, max, name + " is less than minimum", name + " is greater than maximum"}
}

// unsigned is the range of an unsigned integer of bits bits.
func unsigned(bits uint, name string) intRange {
	max := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), bits), big.NewInt(1))
	return intRange{zero, max, name + " is less than minimum", name + " is greater than maximum"}
}

func init() {
	add := func(code byte, size int, sample any, ranges ...intRange) {
		arrayCodes[code] = &arrayCode{code: code, size: size, goType: reflect.TypeOf(sample), ranges: ranges}
	}
	// The checks are CPython's: 'b' is read as a C short first, 'H' as a
	// C int, 'I' and 'L' as a C unsigned long, each with its own message.
	add('b', 1, int8(0), cLong, signedShort, signed(8, "signed char"))
	add('B', 1, uint8(0), cLong, unsigned(8, "unsigned byte integer"))
	add('h', 2, int16(0), cLong, signedShort)
	add('H', 2, uint16(0), cLong, signedInt, unsigned(16, "unsigned short"))
	add('i', 4, int32(0), cLong, signedInt)
	add('I', 4, uint32(0), cUnsignedLong, intRange{zero, big.NewInt(math.MaxUint32), "", "unsigned int is greater than maximum"})
	if longIs32 {
		add('l', 4, int32(0), cLong, signedInt)
		add('L', 4, uint32(0), cUnsignedLong, intRange{zero, big.NewInt(math.MaxUint32), "", "unsigned long is greater than maximum"})
	} else {
		add('l', 8, int64(0), cLong)
		add('L', 8, uint64(0), cUnsignedLong)
	}
	add('q', 8, int64(0), intRange{minInt64, maxInt64, "int too big to convert", "int too big to convert"})
	add('Q', 8, uint64(0), intRange{zero, maxUint64, "can't convert negative int to unsigned", "int too big to convert"})
	add('f', 4, float32(0))
	add('d', 8, float64(0))
	unicodeSize := 4
	if longIs32 {
		unicodeSize = 2
	}
	add('u', unicodeSize, "")
	add('w', 4, "")
}

// lookupArrayCode returns the typecode's description: Python's array()
// refuses anything but one of its typecode characters.
func lookupArrayCode(typecode string) (*arrayCode, error) {
	culprit, remedy := "array typecode "+pyRepr(typecode), "use one of b, B, h, H, i, I, l, L, q, Q, f, d, u, w"
	if utf8.RuneCountInString(typecode) != 1 {
		return nil, &ArrayError{Exception: "TypeError", Message: "array() argument 1 must be a unicode character, not str",
			culprit: culprit, remedy: remedy}
	}
	if code, ok := arrayCodes[typecode[0]]; ok && len(typecode) == 1 {
		return code, nil
	}
	return nil, &ArrayError{Exception: "ValueError", Message: "bad typecode (must be b, B, u, h, H, i, I, l, L, q, Q, f or d)",
		culprit: culprit, remedy: remedy}
}

// convert checks v against the typecode and returns it as the typecode's
// Go type.
func (c *arrayCode) convert(v any) (any, error) {
	switch c.code {
	case 'u', 'w':
		s, ok := v.(string)
		if !ok || utf8.RuneCountInString(s) != 1 {
			return nil, c.refused("TypeError", "array item must be unicode character", v)
		}
		return s, nil
	case 'f', 'd':
		f, err := arrayFloat(v)
		if err != nil {
			return nil, c.refused(err.Exception, err.Message, v)
		}
		if c.code == 'f' {
			return float32(f), nil // beyond float32's range it is ±Inf, as in C
		}
		return f, nil
	}
	n, err := arrayInt(v)
	if err != nil {
		return nil, c.refused(err.Exception, err.Message, v)
	}
	for _, r := range c.ranges {
		switch {
		case n.Cmp(r.min) < 0:
			return nil, c.refused("OverflowError", r.below, v)
		case n.Cmp(r.max) > 0:
			return nil, c.refused("OverflowError", r.above, v)
		}
	}
	out := reflect.New(c.goType).Elem()
	if out.CanInt() {
		out.SetInt(n.Int64())
	} else {
		out.SetUint(n.Uint64())
	}
	return out.Interface(), nil
}

// fromBytes reads one item in the machine's format.
func (c *arrayCode) fromBytes(b []byte) (any, error) {
	ne := binary.NativeEndian
	var v any
	switch c.code {
	case 'b':
		v = int8(b[0])
	case 'B':
		v = b[0]
	case 'h':
		v = int16(ne.Uint16(b))
	case 'H':
		v = ne.Uint16(b)
	case 'f':
		v = math.Float32frombits(ne.Uint32(b))
	case 'd':
		v = math.Float64frombits(ne.Uint64(b))
	case 'u', 'w':
		r := rune(0)
		if len(b) == 2 {
			r = rune(ne.Uint16(b))
		} else {
			r = rune(ne.Uint32(b))
		}
		if !utf8.ValidRune(r) {
			return nil, c.refused("ValueError", fmt.Sprintf("character U+%x is not in range [U+0000; U+10ffff]", uint32(r)), b)
		}
		return string(r), nil
	default: // the other integers
		switch c.size {
		case 4:
			v = ne.Uint32(b)
			if c.goType.Kind() == reflect.Int32 {
				v = int32(ne.Uint32(b))
			}
		case 8:
			v = ne.Uint64(b)
			if c.goType.Kind() == reflect.Int64 {
				v = int64(ne.Uint64(b))
			}
		}
	}
	return reflect.ValueOf(v).Convert(c.goType).Interface(), nil
}

// arrayInt reads v as an integer, as Python's array does for its integer
// typecodes: an int (any Go integer type, a *big.Int) or a bool, nothing
// else.
func arrayInt(v any) (*big.Int, *ArrayError) {
	if b, ok := v.(*big.Int); ok && b != nil {
		return b, nil
	}
	rv := reflect.ValueOf(v)
	switch kindOf(rv) {
	case signedNumber:
		return big.NewInt(rv.Int()), nil
	case unsignedNumber:
		return new(big.Int).SetUint64(rv.Uint()), nil
	}
	if rv.Kind() == reflect.Bool {
		if rv.Bool() {
			return big.NewInt(1), nil
		}
		return big.NewInt(0), nil
	}
	return nil, &ArrayError{Exception: "TypeError", Message: fmt.Sprintf("'%s' object cannot be interpreted as an integer", pyKind(v))}
}

// arrayFloat reads v as a float, as Python's array does for 'f' and 'd':
// a float, an int or a bool.
func arrayFloat(v any) (float64, *ArrayError) {
	if b, ok := v.(*big.Int); ok && b != nil {
		f, _ := new(big.Float).SetInt(b).Float64()
		if math.IsInf(f, 0) {
			return 0, &ArrayError{Exception: "OverflowError", Message: "int too large to convert to float"}
		}
		return f, nil
	}
	rv := reflect.ValueOf(v)
	switch kindOf(rv) {
	case signedNumber, unsignedNumber, floatNumber:
		return asFloat(rv), nil
	}
	if rv.Kind() == reflect.Bool {
		if rv.Bool() {
			return 1, nil
		}
		return 0, nil
	}
	return 0, &ArrayError{Exception: "TypeError", Message: fmt.Sprintf("must be real number, not %s", pyKind(v))}
}

// pyKind names v's type as Python would name the value it came from, for
// messages: 'str', 'float', 'NoneType'; a Go type of its own by its Go name.
func pyKind(v any) string {
	switch v.(type) {
	case pickle.Tuple:
		return "tuple"
	case pickle.Set:
		return "set"
	case pickle.FrozenSet:
		return "frozenset"
	case pickle.Dict:
		return "dict"
	}
	rv := reflect.ValueOf(v)
	switch {
	case v == nil:
		return "NoneType"
	case rv.Kind() == reflect.String:
		return "str"
	case kindOf(rv) == floatNumber:
		return "float"
	case rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8:
		return "bytes"
	case rv.Kind() == reflect.Slice:
		return "list"
	case rv.Kind() == reflect.Map:
		return "dict"
	}
	return fmt.Sprintf("%T", v)
}

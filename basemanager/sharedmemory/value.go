// value.go holds a ShareableList item as Go sees it: which Go values an
// item can take (Python's _types_mapping), Python's == between items (for
// count and index), and Python's repr of them (for String).

package sharedmemory

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// value is one item: its kind and the field that kind uses.
type value struct {
	k kind
	i int64   // int; bool as 0 or 1
	f float64 // float
	s string  // str
	b []byte  // bytes
}

// toValue converts a Go value to an item, or says why it cannot be one.
func toValue(v any) (value, error) {
	switch x := v.(type) {
	case nil:
		return value{k: kindNone}, nil
	case bool:
		if x {
			return value{k: kindBool, i: 1}, nil
		}
		return value{k: kindBool}, nil
	case int:
		return value{k: kindInt, i: int64(x)}, nil
	case int8:
		return value{k: kindInt, i: int64(x)}, nil
	case int16:
		return value{k: kindInt, i: int64(x)}, nil
	case int32:
		return value{k: kindInt, i: int64(x)}, nil
	case int64:
		return value{k: kindInt, i: x}, nil
	case uint:
		return fromUint(uint64(x))
	case uint8:
		return value{k: kindInt, i: int64(x)}, nil
	case uint16:
		return value{k: kindInt, i: int64(x)}, nil
	case uint32:
		return value{k: kindInt, i: int64(x)}, nil
	case uint64:
		return fromUint(x)
	case float32:
		return value{k: kindFloat, f: float64(x)}, nil
	case float64:
		return value{k: kindFloat, f: x}, nil
	case string:
		if !utf8.ValidString(x) {
			return value{}, fmt.Errorf("string %q is not UTF-8, which CPython could not decode (store binary data as []byte): %w", x, ErrBadValue)
		}
		return value{k: kindStr, s: x}, nil
	case []byte:
		return value{k: kindBytes, b: x}, nil
	}
	return value{}, fmt.Errorf("a %T cannot be stored (use an integer, float64, bool, string, []byte or nil: Python's int, float, bool, str, bytes or None): %w", v, ErrBadValue)
}

func fromUint(x uint64) (value, error) {
	if x > math.MaxInt64 {
		return value{}, fmt.Errorf("%d does not fit an int item, a signed 64-bit integer (Python's struct.error: argument out of range): %w", x, ErrBadValue)
	}
	return value{k: kindInt, i: int64(x)}, nil
}

// toAny is the Go value Get returns for v.
func (v value) toAny() any {
	switch v.k {
	case kindInt:
		return v.i
	case kindFloat:
		return v.f
	case kindBool:
		return v.i != 0
	case kindStr:
		return v.s
	case kindBytes:
		return v.b
	}
	return nil
}

// numeric says v is an int, a float or a bool: Python compares those by
// their numeric value (True == 1 == 1.0).
func (v value) numeric() bool { return v.k == kindInt || v.k == kindFloat || v.k == kindBool }

// pyEqual is Python's a == b between two items.
func pyEqual(a, b value) bool {
	if a.numeric() && b.numeric() {
		switch {
		case a.k != kindFloat && b.k != kindFloat:
			return a.i == b.i
		case a.k == kindFloat && b.k == kindFloat:
			return a.f == b.f
		case a.k == kindFloat:
			return intEqualsFloat(b.i, a.f)
		default:
			return intEqualsFloat(a.i, b.f)
		}
	}
	if a.k != b.k {
		return false
	}
	switch a.k {
	case kindStr:
		return a.s == b.s
	case kindBytes:
		return bytes.Equal(a.b, b.b)
	}
	return true // None == None
}

// intEqualsFloat compares exactly, as Python does (2**53+1 != 2.0**53).
func intEqualsFloat(i int64, f float64) bool {
	if f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 { // also NaN and the infinities
		return false
	}
	return int64(f) == i
}

// repr is Python's repr of the item.
func (v value) repr() string {
	switch v.k {
	case kindInt:
		return strconv.FormatInt(v.i, 10)
	case kindFloat:
		return pyFloatRepr(v.f)
	case kindBool:
		if v.i != 0 {
			return "True"
		}
		return "False"
	case kindStr:
		return pyStrRepr(v.s)
	case kindBytes:
		return pyBytesRepr(v.b)
	}
	return "None"
}

// pyFloatRepr is Python's repr(float): the shortest digits that read back
// the same, in plain notation from 1e-4 up to 1e16, with ".0" on whole
// numbers, else as 1.5e-07 or 1e+16.
func pyFloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e // Go writes the exponent as Python does: a sign and at least two digits
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsRune(s, '.') {
		s += ".0"
	}
	return s
}

// pyStrRepr is Python's repr(str): single quotes unless the string has a
// single quote and no double one; backslash escapes for the quote, the
// backslash, \t \n \r, other control characters and unprintable runes.
func pyStrRepr(s string) string {
	q := pyQuote(strings.ContainsRune(s, '\''), strings.ContainsRune(s, '"'))
	var b strings.Builder
	b.WriteByte(q)
	for i, w := 0, 0; i < len(s); i += w {
		r, size := utf8.DecodeRuneInString(s[i:])
		w = size
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < ' ' || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x7f || unicode.IsPrint(r):
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// pyBytesRepr is Python's repr(bytes): b'...', printable ASCII as is,
// everything else escaped.
func pyBytesRepr(p []byte) string {
	q := pyQuote(bytes.IndexByte(p, '\'') >= 0, bytes.IndexByte(p, '"') >= 0)
	var b strings.Builder
	b.WriteString("b")
	b.WriteByte(q)
	for _, c := range p {
		switch {
		case c == q || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < ' ' || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// pyQuote is the quote Python's repr picks.
func pyQuote(hasSingle, hasDouble bool) byte {
	if hasSingle && !hasDouble {
		return '"'
	}
	return '\''
}

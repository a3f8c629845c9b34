// types.go holds the Go forms of the Python values this package reads and
// writes that have no Go counterpart of their own (tuple, set, an ordered
// dict, Token, exceptions, slice), and Repr, Python's repr() of any of them.

package pickle

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Tuple is a Python tuple. (A Python list is a []any.)
type Tuple []any

// Set is a Python set, its items in the order the pickle listed them.
type Set []any

// FrozenSet is a Python frozenset.
type FrozenSet []any

// Dict is a Python dict in insertion order. Its keys may be values Go
// cannot use as map keys (a tuple); Map converts it when they are not.
type Dict []Item

// Item is one key and value of a Dict.
type Item struct {
	Key, Value any
}

// Map returns the dict as a Go map. It fails if a key is not comparable
// (a tuple, a list): Go cannot hash it.
func (d Dict) Map() (map[any]any, error) {
	m := make(map[any]any, len(d))
	for _, it := range d {
		if !Hashable(it.Key) {
			return nil, fmt.Errorf("pickle: dict key %s (%T) cannot be a Go map key", Repr(it.Key), it.Key)
		}
		m[it.Key] = it.Value
	}
	return m, nil
}

// Hashable reports whether v can be a Go map key: nil or a comparable value.
func Hashable(v any) bool {
	return v == nil || reflect.ValueOf(v).Comparable()
}

// Token is Python's multiprocessing.managers.Token: which typeid made a
// shared object, the manager's address (a ('host', port) Tuple, or a str
// for a Unix socket) and the object's id there, a str.
type Token struct {
	Typeid  string
	Address any
	ID      string
}

// String formats the token as Python's repr does:
// Token(typeid='dict', address=('127.0.0.1', 5000), id='7f12').
func (t Token) String() string {
	return fmt.Sprintf("Token(typeid=%s, address=%s, id=%s)", Repr(t.Typeid), Repr(t.Address), Repr(t.ID))
}

// ProxyRef is a pickled manager proxy, as Python's BaseProxy.__reduce__
// writes one: RebuildProxy(proxytype, token, serializer, kwds), which
// builds the proxy where it is unpickled and takes a reference for it
// (incref). A proxy stored in a shared dict or list travels this way.
// Nothing is called when one is read: it is only this data.
type ProxyRef struct {
	Class      string // the proxy type, in multiprocessing.managers: "DictProxy", "ListProxy", "AutoProxy", ...
	Token      Token  // the shared object it names
	Serializer string // "pickle"
	Kwds       Dict   // RebuildProxy's keyword arguments: {'exposed': (...)} for an AutoProxy, else empty
}

// proxyClasses are the proxy types ProxyRef.Class may name: those of
// multiprocessing.managers that SyncManager registers, and AutoProxy
// (the default of BaseManager.register). They are the same in CPython 3.8
// to 3.13.
var proxyClasses = []string{"AcquirerProxy", "ArrayProxy", "AutoProxy", "BarrierProxy", "ConditionProxy", "DictProxy",
	"EventProxy", "IteratorProxy", "ListProxy", "NamespaceProxy", "PoolProxy", "ValueProxy"}

// String describes the proxy as Python's repr of one does, with its token
// in the place of its memory address:
// <DictProxy object, Token(typeid='dict', address=('127.0.0.1', 5000), id='7f12')>.
func (p ProxyRef) String() string {
	return fmt.Sprintf("<%s object, %s>", p.Class, p.Token)
}

// Exception is a Python exception: its class, named by module and name
// (builtins.KeyError, queue.Empty, threading.BrokenBarrierError,
// multiprocessing.managers.RemoteError, ...), and its args. It is an error.
type Exception struct {
	Module string
	Name   string
	Args   Tuple
	State  Dict // the instance __dict__, if the pickle carried one (such as __notes__)
}

// NewException returns the exception module.name(*args).
func NewException(module, name string, args ...any) *Exception {
	return &Exception{Module: module, Name: name, Args: Tuple(args)}
}

// Error formats the exception as Python's traceback's last line does:
// "KeyError: 'x'", "queue.Empty", "ValueError: bad value".
func (e *Exception) Error() string {
	name := e.Name
	if e.Module != "builtins" {
		name = e.Module + "." + e.Name
	}
	if msg := e.Message(); msg != "" {
		return name + ": " + msg
	}
	return name
}

// Message is Python's str(exception): empty without args, the one arg's
// str (its repr for a KeyError), else the repr of the args tuple.
func (e *Exception) Message() string {
	switch len(e.Args) {
	case 0:
		return ""
	case 1:
		if s, ok := e.Args[0].(string); ok && e.Name != "KeyError" {
			return s
		}
		if e.Name == "KeyError" {
			return Repr(e.Args[0])
		}
		return Str(e.Args[0])
	}
	return Repr(e.Args)
}

// Is makes errors.Is match two exceptions of the same class.
func (e *Exception) Is(target error) bool {
	t, ok := target.(*Exception)
	return ok && t.Module == e.Module && t.Name == e.Name && len(t.Args) == 0
}

// Slice is Python's slice(start, stop, step), as l[1:3] sends it.
type Slice struct {
	Start, Stop, Step any
}

// Str is Python's str(): a str is itself, anything else its Repr.
func Str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return Repr(v)
}

// Repr formats v as Python's repr() does: None, True, 1, 1.5, 'text',
// b'bytes', (1,), [1, 2], {'k': 1}, {1, 2}, KeyError('x'). Go maps have no
// order, so their keys are sorted by their repr. A value with a Repr
// method (a proxy) shows as what it returns.
func Repr(v any) string {
	var b strings.Builder
	writeRepr(&b, v, 0)
	return b.String()
}

func writeRepr(b *strings.Builder, v any, depth int) {
	if depth > defaultMaxDepth {
		b.WriteString("...")
		return
	}
	seq := func(open, close string, items []any) {
		b.WriteString(open)
		for i, x := range items {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, x, depth+1)
		}
		b.WriteString(close)
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("None")
	case bool:
		if x {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case string:
		b.WriteString(quote(x))
	case []byte:
		b.WriteString(bytesRepr(x))
	case *big.Int:
		b.WriteString(x.String())
	case float64:
		b.WriteString(FloatRepr(x))
	case float32:
		b.WriteString(floatRepr(float64(x), 32))
	case Tuple:
		if len(x) == 1 {
			b.WriteString("(")
			writeRepr(b, x[0], depth+1)
			b.WriteString(",)")
			return
		}
		seq("(", ")", x)
	case []any:
		seq("[", "]", x)
	case Set:
		if len(x) == 0 {
			b.WriteString("set()")
			return
		}
		seq("{", "}", x)
	case FrozenSet:
		if len(x) == 0 {
			b.WriteString("frozenset()")
			return
		}
		seq("frozenset({", "})", x)
	case Dict:
		b.WriteString("{")
		for i, it := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, it.Key, depth+1)
			b.WriteString(": ")
			writeRepr(b, it.Value, depth+1)
		}
		b.WriteString("}")
	case Token:
		b.WriteString(x.String())
	case *Token:
		b.WriteString(x.String())
	case ProxyRef:
		b.WriteString(x.String())
	case *Exception:
		b.WriteString(x.Name)
		if len(x.Args) == 1 {
			b.WriteString("(")
			writeRepr(b, x.Args[0], depth+1)
			b.WriteString(")")
			return
		}
		seq("(", ")", x.Args)
	case Slice:
		seq("slice(", ")", []any{x.Start, x.Stop, x.Step})
	case *Slice:
		seq("slice(", ")", []any{x.Start, x.Stop, x.Step})
	case interface{ Repr() string }: // a value that knows its repr, as a proxy does
		b.WriteString(x.Repr())
	default:
		writeReflectRepr(b, reflect.ValueOf(v), depth)
	}
}

// writeReflectRepr formats Go values with no case above: other integer
// types, slices, arrays and maps.
func writeReflectRepr(b *strings.Builder, rv reflect.Value, depth int) {
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		b.WriteString(strconv.FormatInt(rv.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		b.WriteString(strconv.FormatUint(rv.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		b.WriteString(floatRepr(rv.Float(), rv.Type().Bits()))
	case reflect.Bool:
		writeRepr(b, rv.Bool(), depth)
	case reflect.String:
		b.WriteString(quote(rv.String()))
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() && rv.Type().Elem().Kind() != reflect.Uint8 {
			b.WriteString("[]")
			return
		}
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			buf := make([]byte, rv.Len())
			reflect.Copy(reflect.ValueOf(buf), rv)
			b.WriteString(bytesRepr(buf))
			return
		}
		b.WriteString("[")
		for i := 0; i < rv.Len(); i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, rv.Index(i).Interface(), depth+1)
		}
		b.WriteString("]")
	case reflect.Map:
		parts := make([]string, 0, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			var part strings.Builder
			writeRepr(&part, it.Key().Interface(), depth+1)
			part.WriteString(": ")
			writeRepr(&part, it.Value().Interface(), depth+1)
			parts = append(parts, part.String())
		}
		slices.Sort(parts)
		b.WriteString("{" + strings.Join(parts, ", ") + "}")
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			b.WriteString("None")
			return
		}
		writeRepr(b, rv.Elem().Interface(), depth+1)
	default:
		if rv.IsValid() && rv.CanInterface() {
			fmt.Fprint(b, rv.Interface())
		}
	}
}

// FloatRepr formats f as Python's repr(float) does: the shortest digits that
// read back as f, with ".0" on whole numbers, and an exponent below 1e-4 and
// from 1e16: 1.0, 0.1, 1e-05, 1e+16, inf, nan.
func FloatRepr(f float64) string { return floatRepr(f, 64) }

// floatRepr is FloatRepr for a float of the given bits: a Go float32 shows
// the shortest digits that read back as the float32 (0.1, not
// 0.10000000149011612).
func floatRepr(f float64, bits int) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	exp := 0
	if f != 0 {
		e := strconv.FormatFloat(f, 'e', -1, bits)
		exp, _ = strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	}
	if exp < -4 || exp >= 16 {
		return strconv.FormatFloat(f, 'e', -1, bits)
	}
	s := strconv.FormatFloat(f, 'f', -1, bits)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

// quote is Python's repr of a str: single quotes unless the text holds a
// single quote and no double quote; backslash escapes for the quote, the
// backslash, characters that are not printable and bytes that are not UTF-8.
func quote(s string) string {
	q := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch esc := shortEscape(r, q); {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case esc != "":
			b.WriteString(esc)
		case r < 0x100 && !unicode.IsPrint(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000 && !unicode.IsPrint(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		case !unicode.IsPrint(r):
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	b.WriteByte(q)
	return b.String()
}

// bytesRepr is Python's repr of bytes: b'...' with printable ASCII as is.
func bytesRepr(p []byte) string {
	q := byte('\'')
	if slices.Contains(p, '\'') && !slices.Contains(p, '"') {
		q = '"'
	}
	var b strings.Builder
	b.WriteString("b")
	b.WriteByte(q)
	for _, c := range p {
		switch esc := shortEscape(rune(c), q); {
		case esc != "":
			b.WriteString(esc)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// shortEscape is the backslash escape Python's repr of a str or bytes
// quoted with q gives r when it has a short one of its own: the quote, the
// backslash, \n, \r and \t. For any other character it is "".
func shortEscape(r rune, q byte) string {
	switch r {
	case rune(q), '\\':
		return `\` + string(r)
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	case '\t':
		return `\t`
	}
	return ""
}

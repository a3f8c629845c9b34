// encode.go writes Go values as protocol 4 pickles that CPython 3.8+
// reads, mirroring the parts of CPython's Pickler (Lib/pickle.py,
// _Pickler.save_*) a manager conversation needs. It writes no frames and no
// memo: each value is written out where it occurs.

package pickle

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strings"
)

// ErrUnsupported: Marshal met a Go value with no Python form here (a
// struct, a channel, a func, a complex number, an error that is not an
// *Exception).
var ErrUnsupported = errors.New("pickle: unsupported type")

// Marshal encodes v as a protocol 4 pickle. Go values become:
//
//	nil and nil pointers → None, bool → bool, every integer type and
//	*big.Int → int, float32/float64 → float, string → str (invalid UTF-8
//	replaced by U+FFFD), []byte → bytes, Tuple → tuple, other slices and
//	arrays → list, Dict and maps → dict (a map's keys sorted by their repr),
//	Set → set, FrozenSet → frozenset, Slice → slice, Token → Token,
//	Array → array.array, Value → multiprocessing.managers.Value,
//	*Exception → the exception, which Python raises as its own class,
//	ProxyRef → RebuildProxy(proxytype, token, serializer, kwds), which
//	Python's unpickler calls to build the proxy.
//
// A pointer is written as what it points to. Anything else fails with an
// error wrapping ErrUnsupported. The output is limited to 64 MiB and the
// nesting to 200 levels; MarshalLimit sets another size.
func Marshal(v any) ([]byte, error) { return MarshalLimit(v, defaultMaxSize) }

// MarshalLimit is Marshal with a limit of max bytes on the output.
func MarshalLimit(v any, max int) ([]byte, error) { return MarshalWith(v, max, nil) }

// MarshalWith is MarshalLimit for values that hold Go values of types
// this package does not know: replace is asked about each one before
// Marshal gives up on it, and when it reports ok, what it returns is
// written in the value's place (say, a ProxyRef for a proxy). An error
// from replace ends the encoding.
func MarshalWith(v any, max int, replace func(v any) (r any, ok bool, err error)) ([]byte, error) {
	e := &encoder{max: max, buf: []byte{opProto, encodedProtocol}, replace: replace}
	if err := e.value(v, 0); err != nil {
		return nil, err
	}
	e.buf = append(e.buf, opStop)
	if len(e.buf) > e.max {
		return nil, e.tooLarge()
	}
	return e.buf, nil
}

type encoder struct {
	buf     []byte
	max     int
	replace func(any) (any, bool, error) // see MarshalWith; may be nil
}

func (e *encoder) tooLarge() error {
	return fmt.Errorf("pickle: the value encodes to more than %d bytes", e.max)
}

func (e *encoder) value(v any, depth int) error {
	if depth > defaultMaxDepth {
		return fmt.Errorf("pickle: value nested deeper than %d levels (or a cycle)", defaultMaxDepth)
	}
	if len(e.buf) > e.max {
		return e.tooLarge()
	}
	switch x := v.(type) {
	case nil:
		e.buf = append(e.buf, opNone)
	case bool:
		if x {
			e.buf = append(e.buf, opNewTrue)
		} else {
			e.buf = append(e.buf, opNewFalse)
		}
	case int:
		e.int(int64(x))
	case int64:
		e.int(x)
	case float64:
		e.float(x)
	case string:
		e.str(x)
	case []byte:
		e.bytes(x)
	case *big.Int:
		if x == nil {
			e.buf = append(e.buf, opNone)
		} else {
			e.bigInt(x)
		}
	case Tuple:
		return e.tuple(x, depth)
	case []any:
		return e.list(len(x), func(i int) any { return x[i] }, depth)
	case Set:
		e.buf = append(e.buf, opEmptySet)
		return e.batches(x, opAddItems, depth)
	case FrozenSet:
		e.buf = append(e.buf, opMark)
		for _, it := range x {
			if err := e.value(it, depth+1); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, opFrozenSet)
	case Dict:
		return e.dict(x, depth)
	case Token:
		return e.token(x, depth)
	case *Token:
		if x == nil {
			e.buf = append(e.buf, opNone)
			return nil
		}
		return e.token(*x, depth)
	case *Exception:
		if x == nil {
			e.buf = append(e.buf, opNone)
			return nil
		}
		return e.exception(x, depth)
	case Array:
		return e.array(x, depth)
	case Value:
		return e.managersValue(x, depth)
	case Slice:
		e.global("builtins", "slice")
		if err := e.tuple(Tuple{x.Start, x.Stop, x.Step}, depth); err != nil {
			return err
		}
		e.buf = append(e.buf, opReduce)
	case ProxyRef:
		return e.proxy(x, depth)
	case error:
		return fmt.Errorf("%w: the error %T (convert it to a *pickle.Exception)", ErrUnsupported, v)
	default:
		if e.replace != nil {
			r, ok, err := e.replace(v)
			if err != nil {
				return err
			}
			if ok {
				return e.value(r, depth+1)
			}
		}
		return e.reflect(reflect.ValueOf(v), depth)
	}
	return nil
}

// reflect handles the Go types without a case in value.
func (e *encoder) reflect(rv reflect.Value, depth int) error {
	switch rv.Kind() {
	case reflect.Bool:
		return e.value(rv.Bool(), depth)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.int(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if u := rv.Uint(); u <= math.MaxInt64 {
			e.int(int64(u))
		} else {
			e.bigInt(new(big.Int).SetUint64(u))
		}
	case reflect.Float32, reflect.Float64:
		e.float(rv.Float())
	case reflect.String:
		e.str(rv.String())
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, rv.Len())
			reflect.Copy(reflect.ValueOf(b), rv)
			e.bytes(b)
			return nil
		}
		return e.list(rv.Len(), func(i int) any { return rv.Index(i).Interface() }, depth)
	case reflect.Map:
		type kv struct {
			repr string
			item Item
		}
		items := make([]kv, 0, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			k := it.Key().Interface()
			items = append(items, kv{Repr(k), Item{Key: k, Value: it.Value().Interface()}})
		}
		slices.SortFunc(items, func(a, b kv) int { return strings.Compare(a.repr, b.repr) })
		d := make(Dict, len(items))
		for i, x := range items {
			d[i] = x.item
		}
		return e.dict(d, depth)
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			e.buf = append(e.buf, opNone)
			return nil
		}
		return e.value(rv.Elem().Interface(), depth+1)
	case reflect.Invalid:
		e.buf = append(e.buf, opNone)
	default:
		return fmt.Errorf("%w: Go type %s has no Python form here", ErrUnsupported, rv.Type())
	}
	return nil
}

func (e *encoder) int(v int64) {
	switch {
	case v >= 0 && v < 1<<8:
		e.buf = append(e.buf, opBinInt1, byte(v))
	case v >= 0 && v < 1<<16:
		e.buf = append(e.buf, opBinInt2, byte(v), byte(v>>8))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		e.buf = binary.LittleEndian.AppendUint32(append(e.buf, opBinInt), uint32(int32(v)))
	default:
		e.bigInt(big.NewInt(v))
	}
}

// bigInt writes LONG1 or LONG4: little-endian two's complement in the
// fewest bytes, as Python's encode_long.
func (e *encoder) bigInt(x *big.Int) {
	if x.IsInt64() && x.Int64() >= math.MinInt32 && x.Int64() <= math.MaxInt32 {
		e.int(x.Int64())
		return
	}
	n := x.BitLen()/8 + 1
	v := new(big.Int).Set(x)
	if x.Sign() < 0 {
		v.Add(v, new(big.Int).Lsh(big.NewInt(1), uint(8*n)))
	}
	be := v.FillBytes(make([]byte, n))
	le := make([]byte, n)
	for i, c := range be {
		le[n-1-i] = c
	}
	if x.Sign() < 0 && n > 1 && le[n-1] == 0xff && le[n-2]&0x80 != 0 {
		le = le[:n-1]
	}
	if len(le) < 256 {
		e.buf = append(e.buf, opLong1, byte(len(le)))
	} else {
		e.buf = binary.LittleEndian.AppendUint32(append(e.buf, opLong4), uint32(len(le)))
	}
	e.buf = append(e.buf, le...)
}

func (e *encoder) float(f float64) {
	e.buf = binary.BigEndian.AppendUint64(append(e.buf, opBinFloat), math.Float64bits(f))
}

// str writes s as a str, invalid UTF-8 replaced by U+FFFD.
func (e *encoder) str(s string) {
	e.buf = appendSized(e.buf, opShortBinUni, opBinUnicode, opBinUnicode8, strings.ToValidUTF8(s, "\uFFFD"))
}

// bytes writes b as bytes.
func (e *encoder) bytes(b []byte) {
	e.buf = appendSized(e.buf, opShortBinBytes, opBinBytes, opBinBytes8, b)
}

// appendSized appends data to buf after the opcode for its length's size
// and the length, little-endian: op1 takes a one-byte length, op4 four
// bytes, op8 eight (the decoder's sized reads them back).
func appendSized[T string | []byte](buf []byte, op1, op4, op8 byte, data T) []byte {
	switch n := len(data); {
	case n < 256:
		buf = append(buf, op1, byte(n))
	case n <= math.MaxUint32:
		buf = binary.LittleEndian.AppendUint32(append(buf, op4), uint32(n))
	default:
		buf = binary.LittleEndian.AppendUint64(append(buf, op8), uint64(n))
	}
	return append(buf, data...)
}

func (e *encoder) global(module, name string) {
	e.str(module)
	e.str(name)
	e.buf = append(e.buf, opStackGlobal)
}

func (e *encoder) tuple(t Tuple, depth int) error {
	if len(t) == 0 {
		e.buf = append(e.buf, opEmptyTuple)
		return nil
	}
	if len(t) > 3 {
		e.buf = append(e.buf, opMark)
	}
	for _, x := range t {
		if err := e.value(x, depth+1); err != nil {
			return err
		}
	}
	if len(t) > 3 {
		e.buf = append(e.buf, opTuple)
	} else {
		e.buf = append(e.buf, opTuple1+byte(len(t)-1))
	}
	return nil
}

func (e *encoder) list(n int, at func(int) any, depth int) error {
	e.buf = append(e.buf, opEmptyList)
	items := make([]any, n)
	for i := range items {
		items[i] = at(i)
	}
	return e.batches(items, opAppends, depth)
}

// batches writes items after the container on the stack in MARK ... op
// groups of at most 1000, as Python's batch_appends.
func (e *encoder) batches(items []any, op byte, depth int) error {
	for chunk := range slices.Chunk(items, maxSetItemsBatch) {
		e.buf = append(e.buf, opMark)
		for _, x := range chunk {
			if err := e.value(x, depth+1); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, op)
	}
	return nil
}

func (e *encoder) dict(d Dict, depth int) error {
	e.buf = append(e.buf, opEmptyDict)
	for chunk := range slices.Chunk(d, maxSetItemsBatch) {
		e.buf = append(e.buf, opMark)
		for _, it := range chunk {
			if err := e.value(it.Key, depth+1); err != nil {
				return err
			}
			if err := e.value(it.Value, depth+1); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, opSetItems)
	}
	return nil
}

// token writes a Token as Python does: Token.__new__(Token), then
// __setstate__((typeid, address, id)).
func (e *encoder) token(t Token, depth int) error {
	e.global("multiprocessing.managers", "Token")
	e.buf = append(e.buf, opEmptyTuple, opNewObj)
	if err := e.tuple(Tuple{t.Typeid, t.Address, t.ID}, depth); err != nil {
		return err
	}
	e.buf = append(e.buf, opBuild)
	return nil
}

// exception writes module.name(*args), which Python's unpickler calls.
func (e *encoder) exception(x *Exception, depth int) error {
	if _, err := lookupGlobal(x.Module, x.Name); err != nil {
		return fmt.Errorf("%w: exception class %s.%s is not one this package writes", ErrUnsupported, x.Module, x.Name)
	}
	e.global(x.Module, x.Name)
	if err := e.tuple(x.Args, depth); err != nil {
		return err
	}
	e.buf = append(e.buf, opReduce)
	if len(x.State) > 0 {
		if err := e.dict(x.State, depth); err != nil {
			return err
		}
		e.buf = append(e.buf, opBuild)
	}
	return nil
}

// proxy writes a proxy as BaseProxy.__reduce__ does: RebuildProxy(proxytype,
// token, serializer, kwds), called by REDUCE.
func (e *encoder) proxy(p ProxyRef, depth int) error {
	if !slices.Contains(proxyClasses, p.Class) {
		return fmt.Errorf("%w: proxy type %q is not one of multiprocessing.managers' proxy types", ErrUnsupported, p.Class)
	}
	e.global("multiprocessing.managers", "RebuildProxy")
	e.buf = append(e.buf, opMark)
	e.global("multiprocessing.managers", p.Class)
	if err := e.token(p.Token, depth+1); err != nil {
		return err
	}
	e.str(p.Serializer)
	kwds := p.Kwds
	if kwds == nil {
		kwds = Dict{}
	}
	if err := e.dict(kwds, depth+1); err != nil {
		return err
	}
	e.buf = append(e.buf, opTuple, opReduce)
	return nil
}

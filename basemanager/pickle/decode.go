// decode.go reads pickles (protocols 2 to 5) into Go values, refusing every
// global outside a short allow-list. It mirrors CPython's Unpickler
// (Lib/pickle.py, _Unpickler.load_*), minus everything that can run code.

package pickle

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"unicode/utf8"
)

// ErrRefused: the pickle asks for something this package does not do: an
// opcode it does not read, or a global (a class or function) outside its
// allow-list. Errors from Unmarshal wrap it or ErrMalformed.
var ErrRefused = errors.New("pickle: refused")

// ErrMalformed: the pickle is truncated, inconsistent, or larger than the
// limits allow.
var ErrMalformed = errors.New("pickle: malformed")

// Unmarshal decodes one pickle. Python values become:
//
//	None → nil, bool → bool, int → int (*big.Int beyond it), float → float64,
//	str → string, bytes and bytearray → []byte, tuple → Tuple, list → []any,
//	dict → Dict, set → Set, frozenset → FrozenSet, slice → Slice,
//	multiprocessing.managers.Token → Token, exception → *Exception,
//	a proxy (RebuildProxy(proxytype, token, serializer, kwds)) → ProxyRef.
//
// Nothing else is read: any other global, and the opcodes that reach
// arbitrary code or outside data (INST, OBJ, PERSID, EXT*, out-of-band
// buffers), fail with an error wrapping ErrRefused. REDUCE only calls the
// allow-listed exception classes, set, frozenset, bytes, bytearray, slice,
// _codecs.encode (protocol 2's bytes) and RebuildProxy (of a proxy type of
// multiprocessing.managers), and none of them is run: the result is built
// here.
//
// Memory is bounded by the input: every length is checked against the
// bytes left before anything is allocated, nesting is limited to 200
// levels, and a value that shared references (the memo) would expand to
// more than about eight times the input is refused.
func Unmarshal(data []byte) (any, error) {
	d := &decoder{data: data, memo: map[uint64]any{}}
	v, err := d.run()
	if err != nil {
		return nil, err
	}
	budget := 8*len(data) + 4096
	return finalize(v, 0, &budget)
}

type decoder struct {
	data  []byte
	pos   int
	stack []any
	marks []int
	memo  map[uint64]any
}

// The values on the stack while decoding: containers are pointers, so that
// the memo and the stack share them while APPENDS and SETITEMS fill them.
// finalize turns them into the exported types.
type (
	plist  struct{ items []any }
	pdict  struct{ items []Item }
	pset   struct{ items []any }
	ptoken struct {
		state Tuple
		built bool
	}
	pexception struct {
		module, name string
		args         Tuple
		state        any
	}
	pslice struct{ start, stop, step any }
	pproxy struct {
		class      string
		token      *ptoken
		serializer string
		kwds       *pdict
	}
	global struct {
		kind         globalKind
		module, name string
	}
)

type globalKind int

const (
	globalException globalKind = iota + 1
	globalToken
	globalSet
	globalFrozenSet
	globalByteArray
	globalBytes
	globalSlice
	globalCodecsEncode
	globalRebuildProxy
	globalProxyClass
)

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

func refused(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
}

func (d *decoder) run() (any, error) {
	for {
		op, err := d.byte()
		if err != nil {
			return nil, err
		}
		if op == opStop {
			if len(d.stack) != 1 || len(d.marks) != 0 {
				return nil, malformed("STOP with %d values and %d marks on the stack, want 1 and 0", len(d.stack), len(d.marks))
			}
			return d.stack[0], nil
		}
		if err := d.step(op); err != nil {
			return nil, fmt.Errorf("%w (opcode 0x%02x at offset %d)", err, op, d.pos-1)
		}
	}
}

func (d *decoder) step(op byte) error {
	switch op {
	case opProto:
		v, err := d.byte()
		if err != nil {
			return err
		}
		if v < 2 || v > highestProtocol {
			return refused("protocol %d (this package reads protocols 2 to %d)", v, highestProtocol)
		}
	case opFrame:
		// Frames only group bytes for buffered readers; the length must fit.
		n, err := d.uint(8)
		if err != nil {
			return err
		}
		if n > uint64(len(d.data)-d.pos) {
			return malformed("frame of %d bytes with %d left", n, len(d.data)-d.pos)
		}
	case opMark:
		d.marks = append(d.marks, len(d.stack))
	case opPop:
		if d.avail() == 0 { // as Python: an empty stack above the mark pops the mark
			_, err := d.popMark()
			return err
		}
		d.stack = d.stack[:len(d.stack)-1]
	case opPopMark:
		_, err := d.popMark()
		return err
	case opDup:
		v, err := d.top()
		if err != nil {
			return err
		}
		d.push(v)
	case opNone:
		d.push(nil)
	case opNewTrue:
		d.push(true)
	case opNewFalse:
		d.push(false)
	case opBinInt:
		v, err := d.uint(4)
		if err != nil {
			return err
		}
		d.push(int(int32(uint32(v))))
	case opBinInt1, opBinInt2:
		v, err := d.uint(argSize(op))
		if err != nil {
			return err
		}
		d.push(int(v))
	case opLong1, opLong4:
		n, err := d.uint(argSize(op))
		if err != nil {
			return err
		}
		if op == opLong4 && int32(uint32(n)) < 0 {
			return malformed("negative LONG4 length")
		}
		if n > maxLongBytes {
			return refused("an int of %d bytes (limit %d)", n, maxLongBytes)
		}
		b, err := d.bytes(n)
		if err != nil {
			return err
		}
		d.push(decodeLong(b))
	case opBinFloat:
		v, err := d.bytes(8)
		if err != nil {
			return err
		}
		d.push(math.Float64frombits(binary.BigEndian.Uint64(v)))
	case opShortBinUni, opBinUnicode, opBinUnicode8:
		b, err := d.sized(op, opShortBinUni, opBinUnicode)
		if err != nil {
			return err
		}
		if !utf8.Valid(b) {
			// Python would refuse it too, unless it is a lone surrogate,
			// which Go strings cannot carry faithfully.
			return malformed("str is not valid UTF-8 (lone surrogates are not supported)")
		}
		d.push(string(b))
	case opShortBinBytes, opBinBytes, opBinBytes8, opByteArray8:
		var b []byte
		var err error
		if op == opByteArray8 {
			b, err = d.sized(op, 0, 0)
		} else {
			b, err = d.sized(op, opShortBinBytes, opBinBytes)
		}
		if err != nil {
			return err
		}
		d.push(append([]byte{}, b...))
	case opEmptyTuple:
		d.push(Tuple{})
	case opTuple1, opTuple2, opTuple3:
		n := int(op-opTuple1) + 1
		if d.avail() < n {
			return malformed("TUPLE%d with %d values on the stack", n, len(d.stack))
		}
		t := make(Tuple, n)
		copy(t, d.stack[len(d.stack)-n:])
		d.stack = d.stack[:len(d.stack)-n]
		d.push(t)
	case opTuple:
		items, err := d.popMark()
		if err != nil {
			return err
		}
		d.push(Tuple(items))
	case opEmptyList:
		d.push(&plist{})
	case opList:
		items, err := d.popMark()
		if err != nil {
			return err
		}
		d.push(&plist{items: items})
	case opAppend:
		v, err := d.pop()
		if err != nil {
			return err
		}
		l, err := topAs[*plist](d, "APPEND")
		if err != nil {
			return err
		}
		l.items = append(l.items, v)
	case opAppends:
		items, l, err := popMarkInto[*plist](d, "APPENDS")
		if err != nil {
			return err
		}
		l.items = append(l.items, items...)
	case opEmptyDict:
		d.push(&pdict{})
	case opDict:
		items, err := d.popMark()
		if err != nil {
			return err
		}
		m := &pdict{}
		if err := m.setItems(items); err != nil {
			return err
		}
		d.push(m)
	case opSetItem:
		if d.avail() < 2 {
			return malformed("SETITEM with %d values on the stack", len(d.stack))
		}
		kv := d.stack[len(d.stack)-2:]
		d.stack = d.stack[:len(d.stack)-2]
		m, err := topAs[*pdict](d, "SETITEM")
		if err != nil {
			return err
		}
		return m.setItems(kv)
	case opSetItems:
		items, m, err := popMarkInto[*pdict](d, "SETITEMS")
		if err != nil {
			return err
		}
		return m.setItems(items)
	case opEmptySet:
		d.push(&pset{})
	case opAddItems:
		items, s, err := popMarkInto[*pset](d, "ADDITEMS")
		if err != nil {
			return err
		}
		s.items = append(s.items, items...)
	case opFrozenSet:
		items, err := d.popMark()
		if err != nil {
			return err
		}
		d.push(FrozenSet(items))
	case opBinPut, opLongBinPut, opMemoize:
		v, err := d.top()
		if err != nil {
			return err
		}
		idx := uint64(len(d.memo)) // MEMOIZE: the next free index
		if op != opMemoize {
			idx, err = d.uint(argSize(op))
		}
		if err != nil {
			return err
		}
		d.memo[idx] = v
	case opBinGet, opLongBinGet:
		idx, err := d.uint(argSize(op))
		if err != nil {
			return err
		}
		v, ok := d.memo[idx]
		if !ok {
			return malformed("memo entry %d was never stored", idx)
		}
		d.push(v)
	case opGlobal, opStackGlobal:
		module, name, err := d.globalName(op)
		if err != nil {
			return err
		}
		g, err := lookupGlobal(module, name)
		if err != nil {
			return err
		}
		d.push(g)
	case opReduce:
		g, args, err := popTwo[*global, Tuple](d, "REDUCE", "a global and a tuple")
		if err != nil {
			return err
		}
		v, err := reduce(g, args)
		if err != nil {
			return err
		}
		d.push(v)
	case opNewObj, opNewObjEx:
		n := 2
		if op == opNewObjEx {
			n = 3
		}
		if d.avail() < n {
			return malformed("NEWOBJ with %d values on the stack", len(d.stack))
		}
		parts := d.stack[len(d.stack)-n:]
		d.stack = d.stack[:len(d.stack)-n]
		g, ok := parts[0].(*global)
		if !ok || g.kind != globalToken {
			return refused("NEWOBJ of %s (only multiprocessing.managers.Token is built this way)", describe(parts[0]))
		}
		if args, ok := parts[1].(Tuple); !ok || len(args) != 0 {
			return malformed("Token.__new__ takes no arguments")
		}
		if n == 3 {
			if kw, ok := parts[2].(*pdict); !ok || len(kw.items) != 0 {
				return malformed("Token.__new__ takes no keyword arguments")
			}
		}
		d.push(&ptoken{})
	case opBuild:
		state, err := d.pop()
		if err != nil {
			return err
		}
		obj, err := d.top()
		if err != nil {
			return err
		}
		switch o := obj.(type) {
		case *ptoken:
			t, ok := state.(Tuple)
			if !ok || len(t) != 3 || o.built {
				return malformed("Token state must be set once, to (typeid, address, id)")
			}
			o.state, o.built = t, true
		case *pexception:
			o.state = state
		default:
			return refused("BUILD on %s (only Token and exceptions take a state)", describe(obj))
		}
	default:
		return refused("opcode 0x%02x (%q) is not in the subset this package reads", op, rune(op))
	}
	return nil
}

func (d *decoder) push(v any) { d.stack = append(d.stack, v) }

// avail is the number of values above the last mark.
func (d *decoder) avail() int {
	if len(d.marks) == 0 {
		return len(d.stack)
	}
	return len(d.stack) - d.marks[len(d.marks)-1]
}

func (d *decoder) pop() (any, error) {
	if d.avail() == 0 {
		return nil, malformed("stack underflow")
	}
	v := d.stack[len(d.stack)-1]
	d.stack = d.stack[:len(d.stack)-1]
	return v, nil
}

func (d *decoder) top() (any, error) {
	if d.avail() == 0 {
		return nil, malformed("stack underflow")
	}
	return d.stack[len(d.stack)-1], nil
}

func topAs[T any](d *decoder, op string) (T, error) {
	var zero T
	v, err := d.top()
	if err != nil {
		return zero, err
	}
	t, ok := v.(T)
	if !ok {
		return zero, malformed("%s on %s", op, describe(v))
	}
	return t, nil
}

// popMark removes and returns the values above the last mark, and the mark.
func (d *decoder) popMark() ([]any, error) {
	if len(d.marks) == 0 {
		return nil, malformed("no mark on the stack")
	}
	m := d.marks[len(d.marks)-1]
	d.marks = d.marks[:len(d.marks)-1]
	items := append([]any{}, d.stack[m:]...)
	d.stack = d.stack[:m]
	return items, nil
}

// globalName reads the module and name of a global: GLOBAL has them on two
// lines after the opcode, STACK_GLOBAL takes them off the stack, two strs.
func (d *decoder) globalName(op byte) (module, name string, err error) {
	if op == opStackGlobal {
		return popTwo[string, string](d, "STACK_GLOBAL", "two strs")
	}
	if module, err = d.line(); err != nil {
		return "", "", err
	}
	name, err = d.line()
	return module, name, err
}

// popTwo removes the two values on top of the stack for op, which takes
// an A and, above it, a B; want describes them for the error. (A and B are
// concrete types: a None never passes as one.)
func popTwo[A, B any](d *decoder, op, want string) (A, B, error) {
	var a A
	var b B
	if d.avail() < 2 {
		return a, b, malformed("%s with %d values on the stack", op, len(d.stack))
	}
	a, ok1 := d.stack[len(d.stack)-2].(A)
	b, ok2 := d.stack[len(d.stack)-1].(B)
	if !ok1 || !ok2 {
		return a, b, malformed("%s needs %s", op, want)
	}
	d.stack = d.stack[:len(d.stack)-2]
	return a, b, nil
}

// popMarkInto is popMark for the opcodes that add the values above the
// mark to the container below it (APPENDS, SETITEMS, ADDITEMS): it returns
// the values and the container, which must be a T.
func popMarkInto[T any](d *decoder, op string) ([]any, T, error) {
	items, err := d.popMark()
	if err != nil {
		var zero T
		return nil, zero, err
	}
	container, err := topAs[T](d, op)
	return items, container, err
}

func (m *pdict) setItems(kv []any) error {
	if len(kv)%2 != 0 {
		return malformed("odd number of dict keys and values")
	}
	for i := 0; i < len(kv); i += 2 {
		m.items = append(m.items, Item{Key: kv[i], Value: kv[i+1]})
	}
	return nil
}

func (d *decoder) byte() (byte, error) {
	if d.pos >= len(d.data) {
		return 0, malformed("truncated pickle (no STOP)")
	}
	d.pos++
	return d.data[d.pos-1], nil
}

// bytes returns the next n bytes, if there are that many.
func (d *decoder) bytes(n uint64) ([]byte, error) {
	if n > uint64(len(d.data)-d.pos) {
		return nil, malformed("%d bytes wanted, %d left", n, len(d.data)-d.pos)
	}
	b := d.data[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return b, nil
}

// uint reads a little-endian unsigned integer of size bytes.
func (d *decoder) uint(size int) (uint64, error) {
	b, err := d.bytes(uint64(size))
	if err != nil {
		return 0, err
	}
	var v uint64
	for i := size - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v, nil
}

// argSize is the size in bytes of the little-endian unsigned argument of
// the opcodes that come in several sizes: BININT1 and BININT2, LONG1 and
// LONG4 (a length), BINGET and LONG_BINGET, BINPUT and LONG_BINPUT.
func argSize(op byte) int {
	switch op {
	case opBinInt1, opLong1, opBinGet, opBinPut:
		return 1
	case opBinInt2:
		return 2
	}
	return 4
}

// sized reads a length-prefixed string: a 1-byte length for op1, 4 bytes
// for op4, else 8.
func (d *decoder) sized(op, op1, op4 byte) ([]byte, error) {
	size := 8
	switch op {
	case op1:
		size = 1
	case op4:
		size = 4
	}
	n, err := d.uint(size)
	if err != nil {
		return nil, err
	}
	return d.bytes(n)
}

// line reads a newline-terminated line for GLOBAL, bounded in length.
func (d *decoder) line() (string, error) {
	rest := d.data[d.pos:]
	i := strings.IndexByte(string(rest[:min(len(rest), maxGlobalLine+1)]), '\n')
	if i < 0 {
		return "", malformed("GLOBAL line longer than %d bytes or unterminated", maxGlobalLine)
	}
	d.pos += i + 1
	return string(rest[:i]), nil
}

// decodeLong reads a little-endian two's complement integer: an int if it
// fits, else a *big.Int.
func decodeLong(b []byte) any {
	if len(b) == 0 {
		return 0
	}
	if len(b) <= 8 {
		var v uint64
		for i := len(b) - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		shift := 64 - 8*uint(len(b))
		n := int64(v<<shift) >> shift // sign-extend
		if int64(int(n)) == n {
			return int(n)
		}
		return big.NewInt(n)
	}
	be := make([]byte, len(b))
	for i, c := range b {
		be[len(b)-1-i] = c
	}
	n := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	if n.IsInt64() && int64(int(n.Int64())) == n.Int64() {
		return int(n.Int64())
	}
	return n
}

// builtinExceptions are the exception classes of Python's builtins module
// that a pickle may name.
var builtinExceptions = map[string]bool{}

func init() {
	for _, name := range strings.Fields(`BaseException Exception ArithmeticError AssertionError AttributeError
		BufferError EOFError FloatingPointError IndexError KeyError LookupError MemoryError NameError
		NotImplementedError OSError EnvironmentError IOError OverflowError RecursionError ReferenceError
		RuntimeError StopIteration StopAsyncIteration SystemError TimeoutError TypeError UnboundLocalError
		UnicodeError ValueError ZeroDivisionError ConnectionError BrokenPipeError ConnectionAbortedError
		ConnectionRefusedError ConnectionResetError FileExistsError FileNotFoundError InterruptedError
		IsADirectoryError NotADirectoryError PermissionError ProcessLookupError ChildProcessError
		BlockingIOError`) {
		builtinExceptions[name] = true
	}
}

// lookupGlobal resolves a global against the allow-list. Module names are
// normalized from their Python 2 spellings (protocol 2 writes them).
func lookupGlobal(module, name string) (*global, error) {
	switch module {
	case "builtins", "__builtin__", "exceptions":
		switch name {
		case "set":
			return &global{kind: globalSet}, nil
		case "frozenset":
			return &global{kind: globalFrozenSet}, nil
		case "bytearray":
			return &global{kind: globalByteArray}, nil
		case "bytes":
			return &global{kind: globalBytes}, nil
		case "slice":
			return &global{kind: globalSlice}, nil
		}
		if builtinExceptions[name] {
			return &global{kind: globalException, module: "builtins", name: name}, nil
		}
	case "queue", "_queue", "Queue":
		if name == "Empty" || name == "Full" && module != "_queue" || name == "ShutDown" && module == "queue" {
			return &global{kind: globalException, module: "queue", name: name}, nil
		}
	case "threading":
		if name == "BrokenBarrierError" {
			return &global{kind: globalException, module: module, name: name}, nil
		}
	case "multiprocessing.managers":
		switch name {
		case "Token":
			return &global{kind: globalToken, module: module, name: name}, nil
		case "RemoteError":
			return &global{kind: globalException, module: module, name: name}, nil
		case "RebuildProxy":
			return &global{kind: globalRebuildProxy, module: module, name: name}, nil
		}
		if slices.Contains(proxyClasses, name) {
			return &global{kind: globalProxyClass, module: module, name: name}, nil
		}
	case "multiprocessing", "multiprocessing.context":
		switch name {
		case "AuthenticationError", "ProcessError", "TimeoutError", "BufferTooShort":
			return &global{kind: globalException, module: "multiprocessing.context", name: name}, nil
		}
	case "_codecs":
		if name == "encode" {
			return &global{kind: globalCodecsEncode}, nil
		}
	}
	return nil, refused("global %s.%s is not in the allow-list (only Token, RebuildProxy and the proxy types of "+
		"multiprocessing.managers, the exceptions a manager sends, set, frozenset, bytes, bytearray, slice and "+
		"_codecs.encode)", truncate(module), truncate(name))
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// reduce builds what calling g(*args) would return, for the allow-listed
// callables only. Nothing is called.
func reduce(g *global, args Tuple) (any, error) {
	switch g.kind {
	case globalException:
		return &pexception{module: g.module, name: g.name, args: args}, nil
	case globalSet, globalFrozenSet:
		var items []any
		switch len(args) {
		case 0:
		case 1:
			switch it := args[0].(type) {
			case *plist:
				items = append(items, it.items...)
			case Tuple:
				items = append(items, it...)
			case *pset:
				items = append(items, it.items...)
			case FrozenSet:
				items = append(items, it...)
			default:
				return nil, malformed("set() of %s", describe(args[0]))
			}
		default:
			return nil, malformed("set() takes at most one argument")
		}
		if g.kind == globalSet {
			return &pset{items: items}, nil
		}
		return FrozenSet(items), nil
	case globalByteArray:
		switch {
		case len(args) == 0:
			return []byte{}, nil
		case len(args) == 1:
			if b, ok := args[0].([]byte); ok {
				return b, nil
			}
		case len(args) == 2:
			return latin1(args[0], args[1])
		}
		return nil, malformed("bytearray() arguments")
	case globalBytes:
		if len(args) == 0 { // protocol 2's b''
			return []byte{}, nil
		}
		return nil, refused("bytes() with arguments")
	case globalCodecsEncode:
		if len(args) != 2 {
			return nil, malformed("_codecs.encode takes (str, 'latin1')")
		}
		return latin1(args[0], args[1])
	case globalSlice:
		if len(args) != 3 {
			return nil, malformed("slice() takes (start, stop, step)")
		}
		return &pslice{start: args[0], stop: args[1], step: args[2]}, nil
	case globalRebuildProxy:
		return rebuildProxy(args)
	}
	return nil, refused("calling %s", describe(g))
}

// rebuildProxy reads RebuildProxy's arguments, (proxytype, token,
// serializer, kwds), as BaseProxy.__reduce__ writes them: one of the proxy
// types of multiprocessing.managers (proxyClasses), a Token, a str and a
// dict.
func rebuildProxy(args Tuple) (any, error) {
	if len(args) != 4 {
		return nil, malformed("RebuildProxy takes (proxytype, token, serializer, kwds), got %d arguments", len(args))
	}
	class, ok1 := args[0].(*global)
	token, ok2 := args[1].(*ptoken)
	serializer, ok3 := args[2].(string)
	kwds, ok4 := args[3].(*pdict)
	if !ok1 || class.kind != globalProxyClass {
		return nil, refused("RebuildProxy of %s (only the proxy types of multiprocessing.managers)", describe(args[0]))
	}
	if !ok2 || !ok3 || !ok4 {
		return nil, malformed("RebuildProxy takes a proxy type, a Token, a str and a dict")
	}
	return &pproxy{class: class.name, token: token, serializer: serializer, kwds: kwds}, nil
}

// latin1 is _codecs.encode(s, 'latin1'): how protocol 2 carries bytes.
func latin1(s, encoding any) ([]byte, error) {
	str, ok1 := s.(string)
	enc, ok2 := encoding.(string)
	if !ok1 || !ok2 || (enc != "latin1" && enc != "latin-1") {
		return nil, refused("_codecs.encode other than (str, 'latin1')")
	}
	b := make([]byte, 0, len(str))
	for _, r := range str {
		if r > 0xff {
			return nil, malformed("latin1 text holds %U", r)
		}
		b = append(b, byte(r))
	}
	return b, nil
}

func describe(v any) string {
	switch x := v.(type) {
	case *global:
		if x.module != "" {
			return x.module + "." + x.name
		}
		return "an allow-listed builtin"
	case *plist:
		return "a list"
	case *pdict:
		return "a dict"
	case *pset:
		return "a set"
	case *ptoken:
		return "a Token"
	case *pexception:
		return "an exception"
	case *pproxy:
		return "a proxy"
	}
	return fmt.Sprintf("a %T", v)
}

// finalize turns the decoder's values into the exported types, copying
// shared containers once per reference. budget counts what it builds, so a
// small pickle that references one container many times cannot make it
// build an enormous value; depth bounds nesting and ends reference cycles.
func finalize(v any, depth int, budget *int) (any, error) {
	if depth > defaultMaxDepth {
		return nil, malformed("value nested deeper than %d levels (or a recursive structure)", defaultMaxDepth)
	}
	// spend takes n from the budget and fails once it is spent.
	spend := func(n int) error {
		if *budget -= n; *budget < 0 {
			return malformed("value expands beyond the limit (too many shared references)")
		}
		return nil
	}
	if err := spend(1); err != nil {
		return nil, err
	}
	all := func(items []any) ([]any, error) {
		out := make([]any, len(items))
		for i, x := range items {
			var err error
			if out[i], err = finalize(x, depth+1, budget); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	switch x := v.(type) {
	case nil, bool, int, float64, *big.Int:
		return x, nil
	case string:
		if err := spend(len(x) / 8); err != nil {
			return nil, err
		}
		return x, nil
	case []byte:
		if err := spend(len(x) / 8); err != nil {
			return nil, err
		}
		return x, nil
	case Tuple:
		items, err := all(x)
		return Tuple(items), err
	case *plist:
		return all(x.items)
	case *pset:
		items, err := all(x.items)
		return Set(items), err
	case FrozenSet:
		items, err := all(x)
		return FrozenSet(items), err
	case *pdict:
		out := make(Dict, len(x.items))
		for i, it := range x.items {
			k, err := finalize(it.Key, depth+1, budget)
			if err != nil {
				return nil, err
			}
			v, err := finalize(it.Value, depth+1, budget)
			if err != nil {
				return nil, err
			}
			out[i] = Item{Key: k, Value: v}
		}
		return out, nil
	case *pslice:
		items, err := all([]any{x.start, x.stop, x.step})
		if err != nil {
			return nil, err
		}
		return Slice{Start: items[0], Stop: items[1], Step: items[2]}, nil
	case *ptoken:
		if !x.built {
			return nil, malformed("Token without its state")
		}
		state, err := all(x.state)
		if err != nil {
			return nil, err
		}
		typeid, ok1 := state[0].(string)
		id, ok2 := state[2].(string)
		if !ok1 || !ok2 {
			return nil, malformed("Token typeid and id must be strs")
		}
		return Token{Typeid: typeid, Address: state[1], ID: id}, nil
	case *pproxy:
		parts, err := all([]any{x.token, x.kwds})
		if err != nil {
			return nil, err
		}
		return ProxyRef{Class: x.class, Token: parts[0].(Token), Serializer: x.serializer, Kwds: parts[1].(Dict)}, nil
	case *pexception:
		args, err := all(x.args)
		if err != nil {
			return nil, err
		}
		e := &Exception{Module: x.module, Name: x.name, Args: Tuple(args)}
		if x.state != nil {
			s, err := finalize(x.state, depth+1, budget)
			if err != nil {
				return nil, err
			}
			e.State, _ = s.(Dict)
		}
		return e, nil
	case *global:
		return nil, refused("a bare global (%s) is not a value", describe(x))
	}
	return nil, malformed("unexpected %T", v)
}

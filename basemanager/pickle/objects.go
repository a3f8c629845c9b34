// objects.go holds the two objects SyncManager's _getvalue() returns that
// are neither builtins nor exceptions: the array.array behind the Array
// typeid and the multiprocessing.managers.Value behind the Value typeid
// (Python's managers.py, Array and Value), written as CPython pickles them.

package pickle

import (
	"strings"
)

// Array is Python's array.array(typecode, items): what _getvalue() of a
// manager.Array returns. Marshal writes it as array.array(typecode, list),
// the reduction CPython's array module itself makes for protocols below 3,
// which every CPython reads back as the array. (Unmarshal does not read
// arrays.)
type Array struct {
	Typecode string // 'b', 'B', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q', 'f', 'd', 'u' or 'w'
	Items    []any  // numbers; one-character strs for 'u' and 'w'
}

// Repr formats the array as Python's repr does: array('i', [1, 2, 3]),
// array('u', 'ab'), or array('d') when empty.
func (a Array) Repr() string {
	if len(a.Items) == 0 {
		return "array(" + Repr(a.Typecode) + ")"
	}
	if a.Typecode == "u" || a.Typecode == "w" {
		var s strings.Builder
		for _, c := range a.Items {
			s.WriteString(Str(c))
		}
		return "array(" + Repr(a.Typecode) + ", " + Repr(s.String()) + ")"
	}
	items := make([]any, len(a.Items))
	for i, x := range a.Items {
		if f, ok := x.(float32); ok {
			x = float64(f) // Python shows an 'f' item as the double it reads
		}
		items[i] = x
	}
	return "array(" + Repr(a.Typecode) + ", " + Repr(items) + ")"
}

// Value is Python's multiprocessing.managers.Value: what _getvalue() of a
// manager.Value returns. Marshal writes it as CPython pickles the class,
// Value.__new__(Value) and then its __dict__ as the state, so a CPython
// client reads a managers.Value with ._typecode and .value. (Unmarshal does
// not read it.)
type Value struct {
	Typecode any // usually a str such as 'i'; None for a Value made without one
	Value    any
}

// Repr formats the value as Python's Value.__repr__ does: Value('i', 7).
func (v Value) Repr() string {
	return "Value(" + Repr(v.Typecode) + ", " + Repr(v.Value) + ")"
}

// array writes array.array(typecode, [items]).
func (e *encoder) array(a Array, depth int) error {
	e.global("array", "array")
	if err := e.tuple(Tuple{a.Typecode, a.Items}, depth); err != nil {
		return err
	}
	e.buf = append(e.buf, opReduce)
	return nil
}

// managersValue writes Value.__new__(Value) with the state
// {'_typecode': typecode, '_value': value}, as copyreg.__reduce_ex__ does.
func (e *encoder) managersValue(v Value, depth int) error {
	e.global("multiprocessing.managers", "Value")
	e.buf = append(e.buf, opEmptyTuple, opNewObj)
	if err := e.dict(Dict{{Key: "_typecode", Value: v.Typecode}, {Key: "_value", Value: v.Value}}, depth); err != nil {
		return err
	}
	e.buf = append(e.buf, opBuild)
	return nil
}

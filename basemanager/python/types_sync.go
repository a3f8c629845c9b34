// types_sync.go adapts SyncManager's Array and set typeids to the calls
// Python's own proxies make: ArrayProxy (__len__, __getitem__,
// __setitem__ on an array.array) and 3.14's SetProxy (the set methods,
// operators and in-place operators), with the exceptions Python's array
// and set raise. types.go has the other types and the machinery.

package python

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"reflect"

	"gomanager/basemanager/pickle"
	"gomanager/basemanager/sharedtypes"
	"gomanager/proxy"
)

func init() {
	pyTypes[reflect.TypeFor[*sharedtypes.Array]()] = arrayPyType()
	pyTypes[reflect.TypeFor[*sharedtypes.Set]()] = setPyType()
	pyConstructors[reflect.ValueOf(sharedtypes.NewArray).Pointer()] = arrayArgs
	pyConstructors[reflect.ValueOf(sharedtypes.NewSet).Pointer()] = func(a *pyArgs) ([]any, error) {
		p, err := a.bind(opt("iterable", pickle.Tuple{}))
		if err != nil {
			return nil, err
		}
		return setElements(p[0])
	}
}

// arrayArgs adapts Python's Array(typecode, sequence, lock=True) to
// sharedtypes.NewArray, checking the items as array.array(typecode,
// sequence) does: a str only for 'u' and 'w', bytes as the machine's
// format (frombytes), any other iterable item by item. (lock is ignored,
// as Python's manager ignores it.)
func arrayArgs(a *pyArgs) ([]any, error) {
	p, err := a.bind(pyParam{name: "typecode"}, pyParam{name: "sequence"}, opt("lock", true))
	if err != nil {
		return nil, err
	}
	typecode, ok := p[0].(string)
	if !ok {
		return nil, pyError("TypeError", fmt.Sprintf("array() argument 1 must be a unicode character, not %s", pyTypeName(p[0])))
	}
	check, err := sharedtypes.NewArray(typecode)
	if err != nil {
		return nil, arrayError(err, "")
	}
	_, isStr := p[1].(string)
	if isStr && typecode != "u" && typecode != "w" {
		return nil, pyError("TypeError", fmt.Sprintf("cannot use a str to initialize an array with typecode %s", pickle.Repr(typecode)))
	}
	if b, ok := p[1].([]byte); ok {
		err = check.FromBytes(b)
	} else {
		var items []any
		if items, err = pyItems(p[1]); err != nil {
			return nil, err
		}
		check, err = sharedtypes.NewArray(typecode, toGo(pickle.Tuple(items)).(pickle.Tuple)...)
	}
	if err != nil {
		return nil, arrayError(err, "")
	}
	return append([]any{typecode}, check.Items()...), nil
}

// arrayError is the exception Python's array raises for err: its own
// class for a refused typecode or item, IndexError(outOfRange) for an
// index out of range.
func arrayError(err error, outOfRange string) error {
	var ae *sharedtypes.ArrayError
	switch {
	case errors.As(err, &ae):
		return pyError(ae.Exception, ae.Message)
	case errors.Is(err, proxy.ErrKeyNotFound):
		return pyError("IndexError", outOfRange)
	}
	return err
}

// arrayIndex reads an array index as array.array does.
func arrayIndex(v any) (int, error) {
	switch v.(type) {
	case int, bool:
		return pyInt(v)
	case *big.Int:
		return 0, pyError("IndexError", "cannot fit 'int' into an index-sized integer")
	}
	return 0, pyError("TypeError", "array indices must be integers")
}

// arrayPyType is array.array behind Python's ArrayProxy.
func arrayPyType() *pyType {
	arr := func(recv any) *sharedtypes.Array { return recv.(*sharedtypes.Array) }
	return &pyType{
		repr:     func(recv any) string { return arr(recv).String() },
		getvalue: func(recv any) any { return arr(recv).Pickle() },
		methods: map[string]pyMethod{
			"__len__": noArgs("Len", func(x *sharedtypes.Array) (any, error) { return x.Len(), nil }),
			"__getitem__": withArgs("Get", []pyParam{{name: "index"}}, func(_ context.Context, x *sharedtypes.Array, p []any) (any, error) {
				if s, ok := p[0].(pickle.Slice); ok {
					whole := x.Pickle()
					items, err := pySlice(whole.Items, s)
					if err != nil {
						return nil, err
					}
					return pickle.Array{Typecode: whole.Typecode, Items: items.([]any)}, nil
				}
				i, err := arrayIndex(p[0])
				if err != nil {
					return nil, err
				}
				v, err := x.Get(i)
				if f, ok := v.(float32); ok {
					v = float64(f) // the double Python makes of an 'f' item
				}
				return v, arrayError(err, "array index out of range")
			}),
			"__setitem__": withArgs("Set", []pyParam{{name: "index"}, {name: "value"}}, func(_ context.Context, x *sharedtypes.Array, p []any) (any, error) {
				if _, ok := p[0].(pickle.Slice); ok {
					return nil, pyError("TypeError", fmt.Sprintf(`can only assign array (not "%s") to array slice`, pyTypeName(p[1])))
				}
				i, err := arrayIndex(p[0])
				if err != nil {
					return nil, err
				}
				return nil, arrayError(x.Set(i, toGo(p[1])), "array assignment index out of range")
			}),
		},
	}
}

// setElements is Python's set(iterable) as elements a shared set takes:
// Go map keys (pyKey), or Python's TypeError for an unhashable one.
func setElements(iterable any) ([]any, error) {
	items, err := pyItems(iterable)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(items))
	for i, e := range items {
		if out[i], err = pyKey(toGo(e)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// pySet is a shared set's elements as a Python set.
func pySet(elements []any) pickle.Set {
	out := make(pickle.Set, len(elements))
	for i, e := range elements {
		out[i] = fromKey(e)
	}
	return out
}

// setOperand reads the other operand of a set operator, which Python
// takes only as a set or frozenset.
func setOperand(op string, other any) ([]any, error) {
	switch other.(type) {
	case pickle.Set, pickle.FrozenSet:
		return setElements(other)
	}
	if op[0] == '<' || op[0] == '>' {
		return nil, pyError("TypeError", fmt.Sprintf("'%s' not supported between instances of 'set' and '%s'", op, pyTypeName(other)))
	}
	return nil, pyError("TypeError", fmt.Sprintf("unsupported operand type(s) for %s: 'set' and '%s'", op, pyTypeName(other)))
}

// setOthers reads the iterables of a set method taking any number of
// them, as union(*others) does.
func setOthers(a *pyArgs) ([][]any, error) {
	if len(a.kw) > 0 {
		return nil, pyError("TypeError", fmt.Sprintf("set.%s() takes no keyword arguments", a.method))
	}
	others := make([][]any, len(a.pos))
	for i, o := range a.pos {
		var err error
		if others[i], err = setElements(o); err != nil {
			return nil, err
		}
	}
	return others, nil
}

// common is the elements every one of others holds: what
// intersection(*others) keeps of a set.
func common(others [][]any) ([]any, error) {
	acc, err := sharedtypes.NewSet(others[0]...)
	for _, o := range others[1:] {
		if err == nil {
			err = acc.IntersectionUpdate(o...)
		}
	}
	if err != nil {
		return nil, err
	}
	return acc.Items(), nil
}

// setPyType is set behind Python's SetProxy (3.14; older Pythons build it
// with MakeProxyType).
func setPyType() *pyType {
	s := func(recv any) *sharedtypes.Set { return recv.(*sharedtypes.Set) }
	elem := []pyParam{{name: "elem"}}
	// element binds a method of one element: add, discard, remove, in.
	element := func(goName string, f func(x *sharedtypes.Set, k, elem any) (any, error)) pyMethod {
		return withArgs(goName, elem, func(_ context.Context, x *sharedtypes.Set, p []any) (any, error) {
			k, err := pyKey(toGo(p[0]))
			if err != nil {
				return nil, err
			}
			return f(x, k, p[0])
		})
	}
	// many binds a method of any number of iterables.
	many := func(goName string, f func(x *sharedtypes.Set, others [][]any) (any, error)) pyMethod {
		return pyMethod{goName, func(_ context.Context, recv any, a *pyArgs) (any, error) {
			others, err := setOthers(a)
			if err != nil {
				return nil, err
			}
			return f(s(recv), others)
		}}
	}
	// one binds a method of one iterable (a set, for an operator).
	one := func(goName, op string, f func(x *sharedtypes.Set, other []any) (any, error)) pyMethod {
		return withArgs(goName, []pyParam{{name: "other"}}, func(_ context.Context, x *sharedtypes.Set, p []any) (any, error) {
			read := setElements
			if op != "" {
				read = func(v any) ([]any, error) { return setOperand(op, v) }
			}
			other, err := read(p[0])
			if err != nil {
				return nil, err
			}
			return f(x, other)
		})
	}
	concat := func(others [][]any) []any {
		var all []any
		for _, o := range others {
			all = append(all, o...)
		}
		return all
	}
	asSet := func(items []any, err error) (any, error) {
		if err != nil {
			return nil, err
		}
		return pySet(items), nil
	}
	// inPlace is s op= other: CPython's set returns itself, which the
	// server sends back; SetProxy returns the proxy instead.
	inPlace := func(goName, op string, update func(x *sharedtypes.Set, other ...any) error) pyMethod {
		return one(goName, op, func(x *sharedtypes.Set, other []any) (any, error) {
			if err := update(x, other...); err != nil {
				return nil, err
			}
			return pySet(x.Items()), nil
		})
	}
	union := one("Union", "|", func(x *sharedtypes.Set, o []any) (any, error) { return asSet(x.Union(o...)) })
	intersection := one("Intersection", "&", func(x *sharedtypes.Set, o []any) (any, error) { return asSet(x.Intersection(o...)) })
	symmetric := one("SymmetricDifference", "^", func(x *sharedtypes.Set, o []any) (any, error) {
		return asSet(x.SymmetricDifference(o...))
	})
	// strict compares a snapshot of the set with other: a proper subset
	// (or superset) holds and the sizes differ.
	strict := func(goName, op string, subset bool) pyMethod {
		return one(goName, op, func(x *sharedtypes.Set, o []any) (any, error) {
			mine, err1 := sharedtypes.NewSet(x.Items()...)
			theirs, err2 := sharedtypes.NewSet(o...)
			if err := errors.Join(err1, err2); err != nil {
				return nil, err
			}
			if subset {
				ok, err := mine.IsSubset(o...)
				return ok && mine.Len() < theirs.Len(), err
			}
			ok, err := mine.IsSuperset(o...)
			return ok && mine.Len() > theirs.Len(), err
		})
	}
	return &pyType{
		repr:     func(recv any) string { return pickle.Repr(pySet(s(recv).Items())) },
		getvalue: func(recv any) any { return pySet(s(recv).Items()) },
		methods: map[string]pyMethod{
			"add":     element("Add", func(x *sharedtypes.Set, k, _ any) (any, error) { return nil, x.Add(k) }),
			"discard": element("Discard", func(x *sharedtypes.Set, k, _ any) (any, error) { return nil, x.Discard(k) }),
			"remove": element("Remove", func(x *sharedtypes.Set, k, elem any) (any, error) {
				err := x.Remove(k)
				if errors.Is(err, proxy.ErrKeyNotFound) {
					return nil, keyError(elem)
				}
				return nil, err
			}),
			"__contains__": element("Contains", func(x *sharedtypes.Set, k, _ any) (any, error) { return x.Contains(k), nil }),
			"pop": noArgs("Pop", func(x *sharedtypes.Set) (any, error) {
				v, err := x.Pop()
				if errors.Is(err, proxy.ErrKeyNotFound) {
					return nil, keyError("pop from an empty set")
				}
				return fromKey(v), err
			}),
			"clear":    noArgs("Clear", func(x *sharedtypes.Set) (any, error) { x.Clear(); return nil, nil }),
			"copy":     noArgs("Items", func(x *sharedtypes.Set) (any, error) { return pySet(x.Items()), nil }),
			"__len__":  noArgs("Len", func(x *sharedtypes.Set) (any, error) { return x.Len(), nil }),
			"__iter__": noArgs("Iter", func(x *sharedtypes.Set) (any, error) { return x.Iter(), nil }),
			"update": many("Update", func(x *sharedtypes.Set, o [][]any) (any, error) {
				return nil, x.Update(concat(o)...)
			}),
			"union": many("Union", func(x *sharedtypes.Set, o [][]any) (any, error) { return asSet(x.Union(concat(o)...)) }),
			"intersection": many("Intersection", func(x *sharedtypes.Set, o [][]any) (any, error) {
				if len(o) == 0 {
					return pySet(x.Items()), nil
				}
				both, err := common(o)
				if err != nil {
					return nil, err
				}
				return asSet(x.Intersection(both...))
			}),
			"intersection_update": many("IntersectionUpdate", func(x *sharedtypes.Set, o [][]any) (any, error) {
				if len(o) == 0 {
					return nil, nil
				}
				both, err := common(o)
				if err != nil {
					return nil, err
				}
				return nil, x.IntersectionUpdate(both...)
			}),
			"difference": many("Difference", func(x *sharedtypes.Set, o [][]any) (any, error) {
				return asSet(x.Difference(concat(o)...))
			}),
			"difference_update": many("DifferenceUpdate", func(x *sharedtypes.Set, o [][]any) (any, error) {
				return nil, x.DifferenceUpdate(concat(o)...)
			}),
			"symmetric_difference": one("SymmetricDifference", "", func(x *sharedtypes.Set, o []any) (any, error) {
				return asSet(x.SymmetricDifference(o...))
			}),
			"symmetric_difference_update": one("SymmetricDifferenceUpdate", "", func(x *sharedtypes.Set, o []any) (any, error) {
				return nil, x.SymmetricDifferenceUpdate(o...)
			}),
			"issubset":   one("IsSubset", "", func(x *sharedtypes.Set, o []any) (any, error) { return x.IsSubset(o...) }),
			"issuperset": one("IsSuperset", "", func(x *sharedtypes.Set, o []any) (any, error) { return x.IsSuperset(o...) }),
			"isdisjoint": one("IsDisjoint", "", func(x *sharedtypes.Set, o []any) (any, error) { return x.IsDisjoint(o...) }),
			"__or__":     union,
			"__ror__":    union,
			"__and__":    intersection,
			"__rand__":   intersection,
			"__xor__":    symmetric,
			"__rxor__":   symmetric,
			"__sub__":    one("Difference", "-", func(x *sharedtypes.Set, o []any) (any, error) { return asSet(x.Difference(o...)) }),
			"__rsub__": one("Difference", "-", func(x *sharedtypes.Set, o []any) (any, error) {
				theirs, err := sharedtypes.NewSet(o...)
				if err != nil {
					return nil, err
				}
				if err := theirs.DifferenceUpdate(x.Items()...); err != nil {
					return nil, err
				}
				return pySet(theirs.Items()), nil
			}),
			"__ior__":  inPlace("Update", "|=", (*sharedtypes.Set).Update),
			"__iand__": inPlace("IntersectionUpdate", "&=", (*sharedtypes.Set).IntersectionUpdate),
			"__isub__": inPlace("DifferenceUpdate", "-=", (*sharedtypes.Set).DifferenceUpdate),
			"__ixor__": inPlace("SymmetricDifferenceUpdate", "^=", (*sharedtypes.Set).SymmetricDifferenceUpdate),
			"__le__":   one("IsSubset", "<=", func(x *sharedtypes.Set, o []any) (any, error) { return x.IsSubset(o...) }),
			"__ge__":   one("IsSuperset", ">=", func(x *sharedtypes.Set, o []any) (any, error) { return x.IsSuperset(o...) }),
			"__lt__":   strict("IsSubset", "<", true),
			"__gt__":   strict("IsSuperset", ">", false),
		},
	}
}

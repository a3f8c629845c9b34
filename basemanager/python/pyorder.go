// pyorder.go gives Python clients' lists Python's own comparisons, as a
// list behind managers.py's ListProxy compares its items in a CPython
// server: == as Python's rich comparison (each type's tp_richcompare) for
// count, index, remove and in, and list.sort as CPython's listsort
// (Objects/listobject.c) with <. Only the list's Python face (types.go)
// uses them: Go clients keep sharedtypes.List's Go rules.

package python

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"slices"

	"gomanager/basemanager/pickle"
	"gomanager/proxy"
)

// pyKind is the Python type family of a stored value, as its comparisons
// see it: all numbers (bool, int, float) compare with each other, a set
// with a frozenset, and nothing else across kinds.
type pyKind int

const (
	kindOther pyKind = iota // compared by identity (a proxy, an exception) or as Go values
	kindNone
	kindNumber
	kindStr
	kindBytes
	kindTuple
	kindList
	kindDict
	kindSet
	kindSlice
)

// pyKindOf classifies v: the values a pickle decodes to, and the Go values
// a Go client may have stored, as the encoder writes them for Python (any
// Go number is an int or a float, a byte slice bytes, another slice or
// array a list, a map a dict; an array of interfaces is a tuple, as a
// tuple dict key is kept).
func pyKindOf(v any) pyKind {
	switch x := v.(type) {
	case nil:
		return kindNone
	case bool, int, float64:
		return kindNumber
	case *big.Int:
		if x == nil {
			return kindNone
		}
		return kindNumber
	case string:
		return kindStr
	case []byte:
		return kindBytes
	case pickle.Tuple:
		return kindTuple
	case []any:
		return kindList
	case pickle.Dict, map[any]any:
		return kindDict
	case pickle.Set, pickle.FrozenSet:
		return kindSet
	case pickle.Slice:
		return kindSlice
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return kindNumber
	case reflect.String:
		return kindStr
	case reflect.Slice, reflect.Array:
		switch rv.Type().Elem().Kind() {
		case reflect.Uint8:
			return kindBytes
		case reflect.Interface:
			if rv.Kind() == reflect.Array {
				return kindTuple
			}
		}
		return kindList
	case reflect.Map:
		return kindDict
	}
	return kindOther
}

// pyTypeNameOf is Python's type(v).__name__, for the messages of
// comparisons Python refuses.
func pyTypeNameOf(v any) string {
	switch x := v.(type) {
	case *proxy.Proxy:
		return proxyClassName(x.Token().Typeid)
	case *pickle.Exception:
		return x.Name
	}
	switch pyKindOf(v) {
	case kindNone:
		return "NoneType"
	case kindNumber:
		switch reflect.ValueOf(v).Kind() {
		case reflect.Bool:
			return "bool"
		case reflect.Float32, reflect.Float64:
			return "float"
		}
		return "int"
	case kindStr:
		return "str"
	case kindBytes:
		return "bytes"
	case kindTuple:
		return "tuple"
	case kindList:
		return "list"
	case kindDict:
		return "dict"
	case kindSet:
		if _, ok := v.(pickle.FrozenSet); ok {
			return "frozenset"
		}
		return "set"
	case kindSlice:
		return "slice"
	}
	return pyTypeName(v)
}

// proxyClassName is the class of the proxy CPython's SyncManager stores
// for a typeid: what a proxy in a list is in a CPython server.
func proxyClassName(typeid string) string {
	switch typeid {
	case "dict":
		return "DictProxy"
	case "list":
		return "ListProxy"
	case "Lock", "RLock", "Semaphore", "BoundedSemaphore":
		return "AcquirerProxy"
	case "Event", "Condition", "Barrier", "Value", "Namespace", "Iterator", "Array":
		return typeid + "Proxy"
	}
	return "AutoProxy[" + typeid + "]"
}

// pyNum is a Python number: an int, small (i) or not (big), or a float.
type pyNum struct {
	float bool
	f     float64
	i     int64
	big   *big.Int // an int beyond int64, else nil
}

// numOf reads a value of kindNumber; bool is the int 0 or 1, as in Python.
func numOf(v any) pyNum {
	switch x := v.(type) {
	case int:
		return pyNum{i: int64(x)}
	case float64:
		return pyNum{float: true, f: x}
	case bool:
		if x {
			return pyNum{i: 1}
		}
		return pyNum{}
	case *big.Int:
		if x.IsInt64() {
			return pyNum{i: x.Int64()}
		}
		return pyNum{big: x}
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Bool:
		return numOf(rv.Bool())
	case reflect.Float32, reflect.Float64:
		return pyNum{float: true, f: rv.Float()}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if u := rv.Uint(); u > math.MaxInt64 {
			return pyNum{big: new(big.Int).SetUint64(u)}
		}
		return pyNum{i: int64(rv.Uint())}
	}
	return pyNum{i: rv.Int()}
}

func (n pyNum) bigInt() *big.Int {
	if n.big != nil {
		return n.big
	}
	return big.NewInt(n.i)
}

// compareNums orders two numbers exactly, as Python does (an int and a
// float are compared by value, not by converting the int: 2**53 + 1 >
// 2.0**53); unordered if either is NaN.
func compareNums(a, b pyNum) (c int, unordered bool) {
	switch {
	case !a.float && !b.float:
		if a.big == nil && b.big == nil {
			return cmp.Compare(a.i, b.i), false
		}
		return a.bigInt().Cmp(b.bigInt()), false
	case a.float && b.float:
		if math.IsNaN(a.f) || math.IsNaN(b.f) {
			return 0, true
		}
		return cmp.Compare(a.f, b.f), false // -0.0 == 0.0
	case a.float:
		c, unordered := compareIntFloat(b, a.f)
		return -c, unordered
	}
	return compareIntFloat(a, b.f)
}

// compareIntFloat orders the int n and the float f exactly.
func compareIntFloat(n pyNum, f float64) (int, bool) {
	switch {
	case math.IsNaN(f):
		return 0, true
	case math.IsInf(f, 1):
		return -1, false
	case math.IsInf(f, -1):
		return 1, false
	case n.big == nil && n.i > -1<<53 && n.i < 1<<53: // exactly a float64
		return cmp.Compare(float64(n.i), f), false
	}
	return new(big.Float).SetInt(n.bigInt()).Cmp(big.NewFloat(f)), false // SetInt is exact
}

// pyItemsOf returns the items of a tuple or list.
func pyItemsOf(v any) []any {
	switch x := v.(type) {
	case pickle.Tuple:
		return x
	case []any:
		return x
	case pickle.Set:
		return x
	case pickle.FrozenSet:
		return x
	case pickle.Slice:
		return []any{x.Start, x.Stop, x.Step}
	}
	rv := reflect.ValueOf(v)
	items := make([]any, rv.Len())
	for i := range items {
		items[i] = rv.Index(i).Interface()
	}
	return items
}

// dictItemsOf returns the keys and values of a dict.
func dictItemsOf(v any) pickle.Dict {
	if d, ok := v.(pickle.Dict); ok {
		return d
	}
	rv := reflect.ValueOf(v)
	items := make(pickle.Dict, 0, rv.Len())
	for it := rv.MapRange(); it.Next(); {
		items = append(items, pickle.Item{Key: it.Key().Interface(), Value: it.Value().Interface()})
	}
	return items
}

// bytesOf returns the bytes of a bytes value.
func bytesOf(v any) []byte {
	if b, ok := v.([]byte); ok {
		return b
	}
	rv := reflect.ValueOf(v)
	b := make([]byte, rv.Len())
	reflect.Copy(reflect.ValueOf(b), rv)
	return b
}

// pyEqual is Python's a == b for the values a list holds: numbers by
// value across bool, int and float (1 == 1.0 == True; NaN equals nothing,
// not even NaN: a value sent by a client is never the stored object
// itself, so Python's identity shortcut never applies), str with str,
// bytes with bytes, tuples with tuples and lists with lists item by item,
// dicts by their keys and values, sets (and frozensets) by their items.
// Proxies and exceptions are equal only to themselves (Python compares
// them by identity); other Go values, stored by Go clients, by
// reflect.DeepEqual.
func pyEqual(a, b any) bool {
	kind := pyKindOf(a)
	if kind != pyKindOf(b) {
		return false
	}
	switch kind {
	case kindNone:
		return true
	case kindNumber:
		c, unordered := compareNums(numOf(a), numOf(b))
		return !unordered && c == 0
	case kindStr:
		return reflect.ValueOf(a).String() == reflect.ValueOf(b).String()
	case kindBytes:
		return bytes.Equal(bytesOf(a), bytesOf(b))
	case kindTuple, kindList, kindSlice:
		x, y := pyItemsOf(a), pyItemsOf(b)
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if !pyEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case kindDict:
		return dictEqual(dictItemsOf(a), dictItemsOf(b))
	case kindSet:
		x, y := pyItemsOf(a), pyItemsOf(b)
		return len(x) == len(y) && subset(x, y)
	}
	switch a.(type) {
	case *proxy.Proxy, *pickle.Exception:
		return a == b
	}
	return reflect.DeepEqual(a, b)
}

// dictEqual is Python's == of two dicts: the same keys (by Python's
// equality), each with an equal value.
func dictEqual(a, b pickle.Dict) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		i := slices.IndexFunc(b, func(y pickle.Item) bool { return pyEqual(x.Key, y.Key) })
		if i < 0 || !pyEqual(x.Value, b[i].Value) {
			return false
		}
	}
	return true
}

// subset reports whether every item of a is in b.
func subset(a, b []any) bool {
	for _, x := range a {
		if !slices.ContainsFunc(b, func(y any) bool { return pyEqual(x, y) }) {
			return false
		}
	}
	return true
}

// pyLess is Python's a < b: numbers by value (NaN is never less nor
// greater), str by code point, bytes byte by byte, tuples and lists at
// their first unequal item (or by length), sets by proper inclusion.
// Anything else is Python's TypeError, with Python's message: '<' not
// supported between instances of 'str' and 'int'.
func pyLess(a, b any) (bool, error) {
	kind := pyKindOf(a)
	if kind == pyKindOf(b) {
		switch kind {
		case kindNumber:
			c, unordered := compareNums(numOf(a), numOf(b))
			return !unordered && c < 0, nil
		case kindStr: // UTF-8 orders as code points do
			return reflect.ValueOf(a).String() < reflect.ValueOf(b).String(), nil
		case kindBytes:
			return bytes.Compare(bytesOf(a), bytesOf(b)) < 0, nil
		case kindTuple, kindList, kindSlice:
			x, y := pyItemsOf(a), pyItemsOf(b)
			for i := 0; i < len(x) && i < len(y); i++ {
				if !pyEqual(x[i], y[i]) {
					return pyLess(x[i], y[i])
				}
			}
			return len(x) < len(y), nil
		case kindSet:
			x, y := pyItemsOf(a), pyItemsOf(b)
			return len(x) < len(y) && subset(x, y), nil
		}
	}
	return false, pyError("TypeError", fmt.Sprintf("'<' not supported between instances of '%s' and '%s'", pyTypeNameOf(a), pyTypeNameOf(b)))
}

// pySort is Python's list.sort(reverse=reverse) on items, in place: the
// comparisons CPython 3.13's listsort makes, in the order it makes them,
// so that the result is Python's, equal items keep their order (also in
// reverse), and a TypeError comes from the pair Python's comes from.
// Runs are found and extended as CPython does (count_run, binary
// insertion up to minrun) and merged in powersort's order (CPython 3.11+);
// the merge itself is a plain stable merge, not CPython's galloping one:
// the same result whenever < is a consistent order, which NaN and sets
// are not. On a TypeError items are left a permutation of what they were,
// as in Python.
func pySort(items []any, reverse bool) error {
	n := len(items)
	if n < 2 {
		return nil
	}
	if reverse { // stability in reverse: reverse, sort, reverse back
		slices.Reverse(items)
		defer slices.Reverse(items)
	}
	s := sorter{items: items}
	minrun := minRun(n)
	for lo := 0; lo < n; {
		run, err := s.countRun(items[lo:])
		if err != nil {
			return err
		}
		if run < minrun {
			force := min(minrun, n-lo)
			if err := s.binarySort(items[lo:lo+force], run); err != nil {
				return err
			}
			run = force
		}
		if err := s.foundRun(lo, run); err != nil {
			return err
		}
		s.pending = append(s.pending, sortRun{start: lo, len: run})
		lo += run
	}
	for len(s.pending) > 1 { // merge_force_collapse
		i := len(s.pending) - 2
		if i > 0 && s.pending[i-1].len < s.pending[i+1].len {
			i--
		}
		if err := s.mergeAt(i); err != nil {
			return err
		}
	}
	return nil
}

// sorter is listsort's MergeState: the runs waiting to be merged.
type sorter struct {
	items   []any
	pending []sortRun
	tmp     []any
}

type sortRun struct{ start, len, power int }

// minRun is merge_compute_minrun: n below 64, else a length between 32
// and 64 that divides n into a power of 2 runs, or a little fewer.
func minRun(n int) int {
	r := 0
	for n >= 64 {
		r |= n & 1
		n >>= 1
	}
	return n + r
}

// countRun is CPython 3.13's count_run: the length of the run at the start
// of a, made ascending in place. A descending run is reversed, keeping
// equal items in their order.
func (s *sorter) countRun(a []any) (int, error) {
	n := len(a)
	k := 1
	for ; k < n; k++ { // ascending first
		lt, err := pyLess(a[k], a[k-1])
		if err != nil {
			return 0, err
		}
		if lt {
			break
		}
	}
	if k == n {
		return n, nil
	}
	if k > 1 { // an ascending run, unless all of it is equal
		lt, err := pyLess(a[0], a[k-1])
		if err != nil || lt {
			return k, err
		}
		slices.Reverse(a[:k])
	}
	k++
	neq := 0 // the last neq+1 items are equal
	reverseEqual := func() {
		if neq > 0 {
			neq++
			slices.Reverse(a[k-neq : k])
			neq = 0
		}
	}
	for ; k < n; k++ { // descending
		lt, err := pyLess(a[k], a[k-1])
		if err != nil {
			return 0, err
		}
		if lt {
			reverseEqual()
			continue
		}
		gt, err := pyLess(a[k-1], a[k])
		if err != nil {
			return 0, err
		}
		if gt {
			break
		}
		neq++
	}
	reverseEqual()
	slices.Reverse(a[:k])
	for ; k < n; k++ { // an ascending tail may follow
		lt, err := pyLess(a[k], a[k-1])
		if err != nil {
			return 0, err
		}
		if lt {
			break
		}
	}
	return k, nil
}

// binarySort is binarysort: a[:ok] is sorted; the rest is inserted, item
// by item, after the last item not greater than it (binary search).
func (s *sorter) binarySort(a []any, ok int) error {
	ok = max(ok, 1)
	for ; ok < len(a); ok++ {
		pivot := a[ok]
		l, r := 0, ok
		for l < r {
			m := (l + r) >> 1
			lt, err := pyLess(pivot, a[m])
			if err != nil {
				return err
			}
			if lt {
				r = m
			} else {
				l = m + 1
			}
		}
		copy(a[l+1:ok+1], a[l:ok])
		a[l] = pivot
	}
	return nil
}

// foundRun is found_new_run: before a run of n2 items at s2 is pushed,
// the pending runs whose power (depth in powersort's merge tree) is
// greater than the top one's are merged.
func (s *sorter) foundRun(s2, n2 int) error {
	if len(s.pending) == 0 {
		return nil
	}
	top := s.pending[len(s.pending)-1]
	power := powerLoop(top.start, top.len, n2, len(s.items))
	for len(s.pending) > 1 && s.pending[len(s.pending)-2].power > power {
		if err := s.mergeAt(len(s.pending) - 2); err != nil {
			return err
		}
	}
	s.pending[len(s.pending)-1].power = power
	return nil
}

// powerLoop is powerloop: the first bit where the midpoints of the runs
// at s1 (n1 items) and s1+n1 (n2 items), as fractions of n, differ.
func powerLoop(s1, n1, n2, n int) int {
	a := 2*s1 + n1 // twice the first midpoint
	b := a + n1 + n2
	power := 0
	for {
		power++
		if a >= n {
			a -= n
			b -= n
		} else if b >= n {
			return power
		}
		a <<= 1
		b <<= 1
	}
}

// mergeAt merges pending runs i and i+1, stably: an item of the second
// run goes first only if it is less than the first run's. Its first
// comparison is CPython's, the second run's first item with the first
// run's. On a TypeError the runs are left a permutation of what they were.
func (s *sorter) mergeAt(i int) error {
	ra, rb := s.pending[i], s.pending[i+1]
	s.pending[i].len += rb.len
	s.pending = slices.Delete(s.pending, i+1, i+2)
	a := s.items[ra.start : ra.start+ra.len+rb.len]
	left := append(s.tmp[:0], a[:ra.len]...)
	s.tmp = left
	l, r, out := 0, ra.len, 0
	for l < len(left) && r < len(a) {
		lt, err := pyLess(a[r], left[l])
		if err != nil {
			copy(a[out:], left[l:]) // fills the gap before a[r]
			return err
		}
		if lt {
			a[out] = a[r]
			r++
		} else {
			a[out] = left[l]
			l++
		}
		out++
	}
	copy(a[out:], left[l:])
	return nil
}

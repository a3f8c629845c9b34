// values.go holds what the container types (dict, list, Value, Namespace)
// need to treat the values they store as Python treats its objects:
// equality and ordering across Go's numeric types, arithmetic for the
// atomic Add, hashability of dict keys, and Python's repr for String.

package sharedtypes

import (
	"cmp"
	"fmt"
	"math/big"
	"reflect"
	"strings"

	"gomanager/basemanager/pickle"
	"gomanager/proxy"
)

// numberKind classifies a value for arithmetic and comparison.
type numberKind int

const (
	notNumber numberKind = iota
	signedNumber
	unsignedNumber
	floatNumber
)

func kindOf(v reflect.Value) numberKind {
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return signedNumber
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return unsignedNumber
	case reflect.Float32, reflect.Float64:
		return floatNumber
	}
	return notNumber
}

func asFloat(v reflect.Value) float64 {
	switch kindOf(v) {
	case signedNumber:
		return float64(v.Int())
	case unsignedNumber:
		return float64(v.Uint())
	}
	return v.Float()
}

// compareNumbers orders two numbers of any numeric kinds, exactly for
// integers and as float64 when a float is involved.
func compareNumbers(a, b reflect.Value) int {
	ka, kb := kindOf(a), kindOf(b)
	switch {
	case ka == signedNumber && kb == signedNumber:
		return cmp.Compare(a.Int(), b.Int())
	case ka == unsignedNumber && kb == unsignedNumber:
		return cmp.Compare(a.Uint(), b.Uint())
	case ka == signedNumber && kb == unsignedNumber:
		if a.Int() < 0 {
			return -1
		}
		return cmp.Compare(uint64(a.Int()), b.Uint())
	case ka == unsignedNumber && kb == signedNumber:
		return -compareNumbers(b, a)
	}
	return cmp.Compare(asFloat(a), asFloat(b))
}

// valuesEqual is Python's == for stored values: numbers are equal when
// their values are, whatever their Go types (1 == int64(1) == 1.0);
// anything else is compared with reflect.DeepEqual (so two proxies are
// equal when they name the same object).
func valuesEqual(a, b any) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if kindOf(va) != notNumber && kindOf(vb) != notNumber {
		return compareNumbers(va, vb) == 0
	}
	return reflect.DeepEqual(a, b)
}

// compareValues orders a and b for sorting: both numbers, or both strings.
func compareValues(a, b any) (int, error) {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	switch {
	case kindOf(va) != notNumber && kindOf(vb) != notNumber:
		return compareNumbers(va, vb), nil
	case va.Kind() == reflect.String && vb.Kind() == reflect.String:
		return strings.Compare(va.String(), vb.String()), nil
	}
	return 0, fmt.Errorf("cannot order %s (%s) and %s (%s): sorting needs all numbers or all strings: %w",
		pyRepr(a), typeName(a), pyRepr(b), typeName(b), proxy.ErrBadArgument)
}

// addNumber returns old + delta, keeping old's type; a nil old (a missing
// dict key, an unset Value) counts as 0, and the sum then has delta's type.
// An integer only takes a whole delta, and a sum that does not fit its type
// is an error rather than wrapping around.
func addNumber(old, delta any) (any, error) {
	if sum, ok := addCommon(old, delta); ok {
		return sum, nil
	}
	d := reflect.ValueOf(delta)
	if kindOf(d) == notNumber {
		return nil, fmt.Errorf("cannot add %s (%s): the delta must be a number: %w", pyRepr(delta), typeName(delta), proxy.ErrBadArgument)
	}
	if old == nil {
		return delta, nil
	}
	o := reflect.ValueOf(old)
	sum := reflect.New(o.Type()).Elem()
	switch kindOf(o) {
	case notNumber:
		return nil, fmt.Errorf("cannot add to %s (%s): it is not a number (Set a number first): %w", pyRepr(old), typeName(old), proxy.ErrBadArgument)
	case floatNumber:
		f := asFloat(o) + asFloat(d)
		if sum.OverflowFloat(f) {
			return nil, fmt.Errorf("%s + %s overflows %s: %w", pyRepr(old), pyRepr(delta), o.Type(), proxy.ErrBadArgument)
		}
		sum.SetFloat(f)
		return sum.Interface(), nil
	}
	dv, ok := bigInt(d)
	if !ok {
		return nil, fmt.Errorf("cannot add %s to the integer %s: the delta must be a whole number: %w", pyRepr(delta), pyRepr(old), proxy.ErrBadArgument)
	}
	ov, _ := bigInt(o)
	s := ov.Add(ov, dv)
	switch kindOf(o) {
	case signedNumber:
		if s.IsInt64() && !sum.OverflowInt(s.Int64()) {
			sum.SetInt(s.Int64())
			return sum.Interface(), nil
		}
	case unsignedNumber:
		if s.IsUint64() && !sum.OverflowUint(s.Uint64()) {
			sum.SetUint(s.Uint64())
			return sum.Interface(), nil
		}
	}
	return nil, fmt.Errorf("%s + %s = %s does not fit in %s (store a wider type): %w", pyRepr(old), pyRepr(delta), s, o.Type(), proxy.ErrBadArgument)
}

// addCommon is addNumber for the sums nearly every Add makes, without
// reflection or big numbers: an int, int64 or float64 plus an int or a
// delta of its own type. It reports false for anything else, and for an
// integer sum that overflows, which addNumber then explains.
func addCommon(old, delta any) (any, bool) {
	switch o := old.(type) {
	case int:
		if d, ok := delta.(int); ok {
			if s := o + d; s > o == (d > 0) {
				return s, true
			}
		}
	case int64:
		d, ok := delta.(int64)
		if i, isInt := delta.(int); isInt {
			d, ok = int64(i), true
		}
		if s := o + d; ok && s > o == (d > 0) {
			return s, true
		}
	case float64:
		switch d := delta.(type) {
		case float64:
			return o + d, true
		case int:
			return o + float64(d), true
		}
	}
	return nil, false
}

// bigInt returns v as a big.Int, if v is a whole number.
func bigInt(v reflect.Value) (*big.Int, bool) {
	switch kindOf(v) {
	case signedNumber:
		return big.NewInt(v.Int()), true
	case unsignedNumber:
		return new(big.Int).SetUint64(v.Uint()), true
	case floatNumber:
		f := big.NewFloat(0)
		if x := v.Float(); x == x && x-x == 0 { // finite
			f.SetFloat64(x)
			if f.IsInt() {
				i, _ := f.Int(nil)
				return i, true
			}
		}
	}
	return nil, false
}

// hashable reports why key cannot be a dict key, if it cannot: Go's map
// needs a comparable key (Python's "unhashable type").
func hashable(key any) error {
	switch key.(type) {
	case nil, string, int, int64, uint64, float64, bool:
		return nil
	}
	if reflect.ValueOf(key).Comparable() {
		return nil
	}
	return fmt.Errorf("unhashable key %s (%s): a dict key must be comparable with == (use a string, a number or a struct of those): %w",
		pyRepr(key), typeName(key), proxy.ErrBadArgument)
}

func typeName(v any) string {
	if v == nil {
		return "nil"
	}
	return fmt.Sprintf("%T", v)
}

// pyRepr formats v as Python's repr would: 'text', 1.0, True, None,
// [1, 2], {'k': 1}. A proxy stored in a container shows as its Repr.
func pyRepr(v any) string { return pickle.Repr(v) }

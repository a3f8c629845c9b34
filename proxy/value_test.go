// value_test.go tests the Value typeid through proxy.Value (Python's
// TestSyncManagerTypes test_value, AT-61, where manager.Value('i', 1) is
// proxy.NewValue(m, 1)), and its atomic Add and CompareAndSwap.

package proxy_test

import (
	"sync"
	"testing"

	"gomanager/proxy"
)

// TestValue is AT-61 (test_value): another client reads the value and sets
// it; the first sees the new value.
func TestValue(t *testing.T) {
	m := contManager(t)
	v := contKeep(proxy.NewValue(m, 1))(t)
	other := proxy.ValueOf[int](contKeep(contConnect(t, m).Rebuild(v.Token()))(t))
	contEqual(t, "other's v.get()", contOK(other.Get())(t), 1)
	if err := other.Set(2); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "v.get()", contOK(v.Get())(t), 2)
	contEqual(t, "str(v)", v.String(), "Value(2)")
}

// point is a value of a type of the test's own, which travels with gob.
type point struct{ X, Y int }

// TestValueOfStruct: a Value of a struct type reads back as that type, and
// CompareAndSwap compares structs by value.
func TestValueOfStruct(t *testing.T) {
	m := contManager(t)
	v := contKeep(proxy.NewValue(m, point{1, 2}))(t)
	contEqual(t, "v.get()", contOK(v.Get())(t), point{1, 2})
	contEqual(t, "CAS({1 2} -> {3 4})", contOK(v.CompareAndSwap(point{1, 2}, point{3, 4}))(t), true)
	contEqual(t, "CAS({1 2} -> {5 6})", contOK(v.CompareAndSwap(point{1, 2}, point{5, 6}))(t), false)
	contEqual(t, "v.get() after", contOK(v.Get())(t), point{3, 4})
}

// TestValueAddConcurrent: 8 goroutines on two connections × 500 Add end
// exact, where Python's v.value += 1 loses updates.
func TestValueAddConcurrent(t *testing.T) {
	m := contManager(t)
	v := contKeep(proxy.NewValue(m, 0))(t)
	other := proxy.ValueOf[int](contKeep(contConnect(t, m).Rebuild(v.Token()))(t))
	const workers, adds = 8, 500
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		h := []*proxy.Value[int]{v, other}[w%2]
		wg.Go(func() {
			for range adds {
				if _, err := h.Add(1); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	contEqual(t, "v.get()", contOK(v.Get())(t), workers*adds)
}

// TestValueCompareAndSwap: a CAS loop on two connections counts exactly.
func TestValueCompareAndSwap(t *testing.T) {
	m := contManager(t)
	v := contKeep(proxy.NewValue(m, int64(10)))(t)
	contEqual(t, "CAS(10 -> 11)", contOK(v.CompareAndSwap(10, 11))(t), true)
	contEqual(t, "CAS(10 -> 12)", contOK(v.CompareAndSwap(10, 12))(t), false)

	other := proxy.ValueOf[int64](contKeep(contConnect(t, m).Rebuild(v.Token()))(t))
	const workers, incs = 4, 100
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		h := []*proxy.Value[int64]{v, other}[w%2]
		wg.Go(func() {
			for range incs {
				for {
					cur, err := h.Get()
					if err == nil {
						var swapped bool
						if swapped, err = h.CompareAndSwap(cur, cur+1); err == nil && swapped {
							break
						}
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	contEqual(t, "v.get()", contOK(v.Get())(t), int64(11+workers*incs))
}

// TestValueAddTypes: the sum keeps the stored type; integers take only
// whole deltas and refuse to overflow; non-numbers refuse to add.
func TestValueAddTypes(t *testing.T) {
	m := contManager(t)
	f := contKeep(proxy.NewValue(m, 1.5))(t)
	contEqual(t, "1.5 + 0.25", contOK(f.Add(0.25))(t), 1.75)

	small := contKeep(proxy.NewValue(m, int8(127)))(t)
	_, err := small.Add(1)
	contFails(t, "int8(127) + 1", err, proxy.ErrBadArgument, "does not fit in int8")
	contEqual(t, "int8 after the refused add", contOK(small.Get())(t), int8(127))

	// Through an untyped handle to an int Value: a whole float delta is
	// fine and keeps the int type; a fraction is refused.
	n := contKeep(proxy.NewValue(m, 1))(t)
	untyped := proxy.ValueOf[any](n.Proxy)
	contEqual(t, "1 + 2.0", contOK(untyped.Add(2.0))(t), any(3))
	_, err = untyped.Add(0.5)
	contFails(t, "3 + 0.5", err, proxy.ErrBadArgument, "whole number")

	u := contKeep(proxy.NewValue(m, uint(0)))(t)
	_, err = proxy.ValueOf[any](u.Proxy).Add(-1)
	contFails(t, "uint(0) - 1", err, proxy.ErrBadArgument, "does not fit in uint")

	s := contKeep(proxy.NewValue(m, "text"))(t)
	_, err = s.Add("more")
	contFails(t, "'text' + 'more'", err, proxy.ErrBadArgument, "must be a number")
}

// TestValueTypecode: a Value made with Python's two arguments,
// Value('i', 7), keeps its typecode for str, as Python's manager does, and
// works like any other; a wrong argument count is refused.
func TestValueTypecode(t *testing.T) {
	m := contManager(t)
	v := proxy.ValueOf[int](contKeep(m.Get("Value", "i", 7))(t))
	contEqual(t, "str(v)", v.String(), "Value('i', 7)")
	contEqual(t, "v.get()", contOK(v.Get())(t), 7)
	contEqual(t, "v.add(1)", contOK(v.Add(1))(t), 8)
	contEqual(t, "str(v) after", v.String(), "Value('i', 8)")
	contFails(t, "Value()", contErr(m.Get("Value")), proxy.ErrBadArgument, "got 0 arguments")
	contFails(t, "Value(1, 2, 3)", contErr(m.Get("Value", 1, 2, 3)), proxy.ErrBadArgument, "got 3 arguments")
}

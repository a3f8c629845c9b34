// set_test.go tests the set typeid through proxy.Set (Python 3.14's
// manager.set() behind a SetProxy): the element methods with Python's
// KeyErrors, the set operations and their _update forms, numbers equal by
// value across Go types, live iteration, and atomic updates from two
// clients.

package proxy_test

import (
	"fmt"
	"log"
	"slices"
	"sync"
	"testing"

	"gomanager/basemanager"
	"gomanager/proxy"
)

// TestSet: add, discard, remove, pop, in, len, clear, str, and another
// client seeing the changes.
func TestSet(t *testing.T) {
	m := contManager(t)
	s := contKeep(proxy.NewSet(m, 3, 1, 2, 1))(t)
	contEqual(t, "len(s)", contOK(s.Len())(t), 3)
	contEqual(t, "s.copy()", contOK(s.Items())(t), []int{3, 1, 2}) // the order they were added in
	if err := s.Add(4); err != nil {
		t.Fatal(err)
	}
	if err := s.Discard(10); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(1); err != nil {
		t.Fatal(err)
	}
	contFails(t, "s.remove(99)", s.Remove(99), proxy.ErrKeyNotFound, "element 99 not in set")
	other := proxy.SetOf[int](contKeep(contConnect(t, m).Rebuild(s.Token()))(t))
	contEqual(t, "4 in other", contOK(other.Contains(4))(t), true)
	contEqual(t, "1 in other", contOK(other.Contains(1))(t), false)
	contEqual(t, "str(s)", s.String(), "{3, 2, 4}")
	contEqual(t, "s._getvalue()", contOK(s.GetValue())(t), any([]any{3, 2, 4}))

	contEqual(t, "s.pop()", contOK(s.Pop())(t), 4) // the one added last
	if err := s.Clear(); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "str(s) cleared", s.String(), "set()")
	contFails(t, "s.pop() empty", contErr(s.Pop()), proxy.ErrKeyNotFound, "pop from an empty set")
}

// TestSetOperations: union, intersection, difference, symmetric
// difference (copies), their _update forms (in place), and the
// comparisons.
func TestSetOperations(t *testing.T) {
	m := contManager(t)
	s := contKeep(proxy.NewSet(m, "a", "b", "c"))(t)
	contEqual(t, "s | {c, d}", contOK(s.Union("c", "d"))(t), []string{"a", "b", "c", "d"})
	contEqual(t, "s & {c, b, z}", contOK(s.Intersection("c", "b", "z"))(t), []string{"b", "c"})
	contEqual(t, "s & {z}", contOK(s.Intersection("z"))(t), []string{})
	contEqual(t, "s - {a}", contOK(s.Difference("a"))(t), []string{"b", "c"})
	contEqual(t, "s ^ {c, d, d}", contOK(s.SymmetricDifference("c", "d", "d"))(t), []string{"a", "b", "d"})
	contEqual(t, "s unchanged", contOK(s.Items())(t), []string{"a", "b", "c"})

	contEqual(t, "s <= {a, b, c, d}", contOK(s.IsSubset("a", "b", "c", "d"))(t), true)
	contEqual(t, "s <= {a}", contOK(s.IsSubset("a"))(t), false)
	contEqual(t, "s >= {a, c}", contOK(s.IsSuperset("a", "c"))(t), true)
	contEqual(t, "s >= {a, z}", contOK(s.IsSuperset("a", "z"))(t), false)
	contEqual(t, "s.isdisjoint({y, z})", contOK(s.IsDisjoint("y", "z"))(t), true)
	contEqual(t, "s.isdisjoint({a})", contOK(s.IsDisjoint("a"))(t), false)

	steps := []struct {
		python string
		do     func() error
		want   []string
	}{
		{"s |= {d}", func() error { return s.Update("d") }, []string{"a", "b", "c", "d"}},
		{"s &= {b, c, d, e}", func() error { return s.IntersectionUpdate("b", "c", "d", "e") }, []string{"b", "c", "d"}},
		{"s -= {c}", func() error { return s.DifferenceUpdate("c") }, []string{"b", "d"}},
		{"s ^= {d, e, e}", func() error { return s.SymmetricDifferenceUpdate("d", "e", "e") }, []string{"b", "e"}},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.python, err)
		}
		contEqual(t, st.python, contOK(s.Items())(t), st.want)
	}
}

// TestSetNumbersByValue: numbers are one element when Python's == says
// they are equal, whatever their Go types; the first added is kept.
func TestSetNumbersByValue(t *testing.T) {
	m := contManager(t)
	s := contKeep(proxy.NewSet[any](m, 1, int64(1), 1.0, true, uint8(2), 2.5, "1"))(t)
	contEqual(t, "s", contOK(s.Items())(t), []any{1, uint8(2), 2.5, "1"})
	contEqual(t, "int32(2) in s", contOK(s.Contains(int32(2)))(t), true)
	contEqual(t, "2.5 in s", contOK(s.Contains(float32(2.5)))(t), true)
	contEqual(t, "uint64 max in s", contOK(s.Contains(uint64(1<<64-1)))(t), false)
	narrow := proxy.SetOf[int8](s.Proxy)
	if err := narrow.Remove(1); err != nil {
		t.Fatalf("remove int8(1) from a set holding int(1): %v", err)
	}
	contFails(t, "s.add([1])", s.Add([]int{1}), proxy.ErrBadArgument, "unhashable element [1]")
}

// TestSetIteration: Range walks the elements through a remote Iterator;
// one that sees the set change size fails with ErrChangedDuringIteration,
// as Python's RuntimeError.
func TestSetIteration(t *testing.T) {
	m := contManager(t)
	s := contKeep(proxy.NewSet(m, 10, 20, 30))(t)
	var got []int
	for v, err := range s.Range() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	contEqual(t, "list(s)", got, []int{10, 20, 30})

	it := contKeep(s.Iter())(t)
	contEqual(t, "next(it)", contOK(it.Next())(t), 10)
	if err := s.Add(40); err != nil {
		t.Fatal(err)
	}
	contFails(t, "next(it) after add", contErr(it.Next()), proxy.ErrChangedDuringIteration, "set changed size during iteration")
}

// TestSetConcurrentUpdates: two clients adding and removing at once end
// exact: each call is atomic on the server.
func TestSetConcurrentUpdates(t *testing.T) {
	m := contManager(t)
	s := contKeep(proxy.NewSet[int](m))(t)
	other := proxy.SetOf[int](contKeep(contConnect(t, m).Rebuild(s.Token()))(t))
	const workers, each = 4, 100
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		h := []*proxy.Set[int]{s, other}[w%2]
		wg.Go(func() {
			for i := range each {
				// Add two, take one back: w*each+i stays.
				if err := h.Update(w*each+i, -(w*each + i + 1)); err != nil {
					errs <- err
					return
				}
				if err := h.Remove(-(w*each + i + 1)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	items := contOK(s.Items())(t)
	slices.Sort(items)
	want := make([]int, workers*each)
	for i := range want {
		want[i] = i
	}
	contEqual(t, "the set after the updates", items, want)
}

// A shared set. Python (3.14):
//
//	s = manager.set(['a', 'b'])
//	s.add('c'); s.discard('z'); 'a' in s
//	s | {'d'}; s & {'a', 'x'}
//	s.remove('z')       # KeyError
func ExampleNewSet() {
	m := basemanager.NewSyncManager("")
	if err := m.Start(); err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown()

	s, err := proxy.NewSet(m, "a", "b") // s = manager.set(['a', 'b'])
	if err != nil {
		log.Fatal(err)
	}
	s.Add("c")                          // s.add('c')
	s.Discard("z")                      // s.discard('z')
	in, _ := s.Contains("a")            // 'a' in s
	union, _ := s.Union("d")            // s | {'d'}
	both, _ := s.Intersection("a", "x") // s & {'a', 'x'}
	fmt.Println(s, in, union, both)

	err = s.Remove("z") // s.remove('z')
	fmt.Println(err)
	// Output:
	// {'a', 'b', 'c'} true [a b c d] [a]
	// proxy: set.Remove failed in the manager: element 'z' not in set (use Discard, or test with Contains): key not found
}

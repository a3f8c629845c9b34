// dict_test.go tests the dict typeid through proxy.Dict (Python's
// _TestContainers test_dict, test_dict_iter, test_dict_proxy_nested and
// test_nested_queue: AT-32, AT-33, AT-34, AT-35), its iterator proxies
// (method_to_typeid), and the atomic Add and CompareAndSwap.

package proxy_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"gomanager/proxy"
)

// TestDict is AT-32 (test_dict): contents, copy, keys, values, items.
func TestDict(t *testing.T) {
	m := contManager(t)
	d := contKeep(proxy.NewDict[int, string](m))(t)
	want := map[int]string{}
	var keys []int
	var values []string
	var items []proxy.DictItem[int, string]
	for i := 65; i < 70; i++ {
		if err := d.Set(i, string(rune(i))); err != nil {
			t.Fatal(err)
		}
		want[i] = string(rune(i))
		keys, values = append(keys, i), append(values, string(rune(i)))
		items = append(items, proxy.DictItem[int, string]{Key: i, Value: string(rune(i))})
	}
	contEqual(t, "d.copy()", contOK(d.Copy())(t), want)
	contEqual(t, "d.keys()", contOK(d.Keys())(t), keys)
	contEqual(t, "d.values()", contOK(d.Values())(t), values)
	contEqual(t, "d.items()", contOK(d.Items())(t), items)
	contEqual(t, "str(d)", d.String(), "{65: 'A', 66: 'B', 67: 'C', 68: 'D', 69: 'E'}")
}

// TestDictIter is AT-33 (test_dict_iter): an iterator proxy yields the keys
// in insertion order, is exhausted for good, and fails with
// ErrChangedDuringIteration once the dict changes size.
func TestDictIter(t *testing.T) {
	m := contManager(t)
	d := contKeep(proxy.NewDict[int, string](m))(t)
	indices := []int{67, 65, 69, 66, 68} // insertion order, not sorted order
	for _, i := range indices {
		if err := d.Set(i, string(rune(i))); err != nil {
			t.Fatal(err)
		}
	}
	it := contKeep(d.Iter())(t)
	contEqual(t, "list(it)", collect(t, it), indices)
	contEqual(t, "list(it) again", collect(t, it), []int{})

	it = contKeep(d.Iter())(t)
	if err := d.Clear(); err != nil {
		t.Fatal(err)
	}
	_, err := it.Next()
	contFails(t, "next(it) after d.clear()", err, proxy.ErrChangedDuringIteration, "changed size during iteration")
	_, err = it.Next()
	contFails(t, "next(it) again", err, proxy.ErrChangedDuringIteration, "changed size")
}

// TestDictIterChanges: setting existing keys while iterating is fine;
// swapping keys (one removed, one added) is a change; an exhausted
// iterator stays exhausted whatever happens.
func TestDictIterChanges(t *testing.T) {
	m := contManager(t)
	d := contKeep(proxy.NewDict(m, map[string]int{"a": 1, "b": 2, "c": 3}))(t)

	var seen []string
	for k, err := range d.Range() {
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, k)
		if _, err := d.Add(k, 10); err != nil { // d[k] += 10 during the loop
			t.Fatal(err)
		}
	}
	contEqual(t, "keys seen while setting them", seen, []string{"a", "b", "c"})
	contEqual(t, "values after", contOK(d.Values())(t), []int{11, 12, 13})

	it := contKeep(d.Iter())(t)
	contEqual(t, "first key", contOK(it.Next())(t), "a")
	if err := d.Delete("b"); err != nil {
		t.Fatal(err)
	}
	if err := d.Set("z", 26); err != nil {
		t.Fatal(err)
	}
	_, err := it.Next()
	contFails(t, "next(it) after swapping keys", err, proxy.ErrChangedDuringIteration, "keys changed")

	done := contKeep(d.Iter())(t)
	contEqual(t, "drained", collect(t, done), []string{"a", "c", "z"})
	if err := d.Set("new", 0); err != nil {
		t.Fatal(err)
	}
	_, err = done.Next()
	contFails(t, "next(exhausted) after a change", err, proxy.ErrStopIteration, "")
}

// TestDictIterIsAProxy: Iter is registered with MethodToTypeid, so it
// returns a proxy to a new "Iterator" object, which exposes Next only,
// counts as an object until closed, and keeps walking its dict even after
// the dict's handle is gone (as Python's iterator keeps its dict).
func TestDictIterIsAProxy(t *testing.T) {
	m := contManager(t)
	d, err := proxy.NewDict(m, map[string]int{"x": 1, "y": 2})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := d.CallMethod("Iter")
	if err != nil {
		t.Fatal(err)
	}
	p, ok := raw.(*proxy.Proxy)
	if !ok {
		t.Fatalf("d.CallMethod(\"Iter\") = %T, want *proxy.Proxy", raw)
	}
	contEqual(t, "typeid", p.Token().Typeid, "Iterator")
	contEqual(t, "exposed", p.Exposed(), []string{"Next"})
	contEqual(t, "objects with the iterator", contObjects(t, m), 2)
	contEqual(t, "str(it)", p.String(), "Iterator(dict, running)")

	// Another client's iterator, through its own connection.
	other := proxy.DictOf[string, int](contKeep(contConnect(t, m).Rebuild(d.Token()))(t))
	oit := contKeep(other.Iter())(t)
	contEqual(t, "other's list(it)", collect(t, oit), []string{"x", "y"})

	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	it := proxy.IteratorOf[string](p)
	contEqual(t, "next(it) after closing d", contOK(it.Next())(t), "x")
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestDictProxyNested is AT-34 (test_dict_proxy_nested): dict proxies
// stored in a dict and a list stay live references that keep their
// objects alive; a plain list stored in a list reads back as a copy.
func TestDictProxyNested(t *testing.T) {
	m := contManager(t)
	pets := contKeep(proxy.NewDict(m, map[string]int{"ferrets": 2, "hamsters": 4}))(t)
	supplies := contKeep(proxy.NewDict(m, map[string]int{"water": 10, "feed": 3}))(t)
	d := contKeep(proxy.NewDict(m, map[string]*proxy.Proxy{"pets": pets.Proxy, "supplies": supplies.Proxy}))(t)
	in := func(key string) *proxy.Dict[string, int] { // d[key], a new handle
		return proxy.DictOf[string, int](contKeep(d.Get(key))(t))
	}

	contEqual(t, "supplies['water']", contOK(supplies.Get("water"))(t), 10)
	contEqual(t, "d['supplies']['water']", contOK(in("supplies").Get("water"))(t), 10)

	if err := in("supplies").Set("blankets", 5); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "supplies['blankets']", contOK(supplies.Get("blankets"))(t), 5)
	contEqual(t, "d['supplies']['blankets']", contOK(in("supplies").Get("blankets"))(t), 5)

	if err := in("supplies").Set("water", 7); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "supplies['water']", contOK(supplies.Get("water"))(t), 7)
	contEqual(t, "d['supplies']['water']", contOK(in("supplies").Get("water"))(t), 7)

	// del pets, supplies: d keeps both alive.
	if err := pets.Close(); err != nil {
		t.Fatal(err)
	}
	if err := supplies.Close(); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "d['pets']['ferrets']", contOK(in("pets").Get("ferrets"))(t), 2)
	if err := in("supplies").Set("blankets", 11); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "d['supplies']['blankets']", contOK(in("supplies").Get("blankets"))(t), 11)

	pets, supplies = in("pets"), in("supplies")
	if err := supplies.Set("water", 7); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "supplies['water']", contOK(supplies.Get("water"))(t), 7)
	contEqual(t, "d['supplies']['water']", contOK(in("supplies").Get("water"))(t), 7)

	if err := d.Clear(); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "len(d)", contOK(d.Len())(t), 0)
	contEqual(t, "supplies['water'] after d.clear()", contOK(supplies.Get("water"))(t), 7)
	contEqual(t, "pets['hamsters'] after d.clear()", contOK(pets.Get("hamsters"))(t), 4)

	l := contKeep(proxy.NewList(m, pets.Proxy, supplies.Proxy))(t)
	l0 := func() *proxy.Dict[string, int] { return proxy.DictOf[string, int](contKeep(l.Get(0))(t)) }
	if err := l0().Set("marmots", 1); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "pets['marmots']", contOK(pets.Get("marmots"))(t), 1)
	contEqual(t, "l[0]['marmots']", contOK(l0().Get("marmots"))(t), 1)

	if err := pets.Close(); err != nil {
		t.Fatal(err)
	}
	if err := supplies.Close(); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "l[0]['marmots'] after del pets", contOK(l0().Get("marmots"))(t), 1)

	outer := contKeep(proxy.NewList[any](m, []int{88, 99}, l.Proxy))(t)
	first := contOK(outer.Get(0))(t)
	if _, ok := first.([]int); !ok {
		t.Errorf("outer[0] = %#v, want a plain []int, not a proxy", first)
	}
	last, ok := contOK(outer.Get(-1))(t).(*proxy.Proxy)
	if !ok {
		t.Fatal("outer[-1] is not a proxy")
	}
	inner := proxy.ListOf[*proxy.Proxy](contKeep(last, nil)(t))
	feed := proxy.DictOf[string, int](contKeep(inner.Get(-1))(t))
	contEqual(t, "outer[-1][-1]['feed']", contOK(feed.Get("feed"))(t), 3)
}

// TestDictPlainValueIsCopy is AT-76: a plain map stored in a dict reads
// back as a copy; changing the copy changes nothing stored.
func TestDictPlainValueIsCopy(t *testing.T) {
	m := contManager(t)
	d := contKeep(proxy.NewDict[string, map[string]int](m))(t)
	if err := d.Set("inner", map[string]int{"k": 1}); err != nil {
		t.Fatal(err)
	}
	got := contOK(d.Get("inner"))(t)
	got["k"] = 2
	contEqual(t, "d['inner'] after changing a copy", contOK(d.Get("inner"))(t), map[string]int{"k": 1})
}

// TestDictNestedQueue is AT-35 (test_nested_queue): a Queue proxy stored in
// a list and in a dict works through the proxy read back, after its
// creator's handle is closed.
func TestDictNestedQueue(t *testing.T) {
	m := contManager(t)
	ctx, cancel := context.WithTimeout(context.Background(), contLimit)
	defer cancel()

	a := contKeep(proxy.NewList[*proxy.Proxy](m))(t)
	q, err := proxy.NewQueue[int](m, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Append(q.Proxy); err != nil {
		t.Fatal(err)
	}
	q.Close()
	if err := proxy.QueueOf[int](contKeep(a.Get(0))(t)).Put(ctx, 123); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "a[0].get()", contOK(proxy.QueueOf[int](contKeep(a.Get(0))(t)).Get(ctx))(t), 123)

	b := contKeep(proxy.NewDict[int, *proxy.Proxy](m))(t)
	if q, err = proxy.NewQueue[int](m, 0); err != nil {
		t.Fatal(err)
	}
	if err := b.Set(0, q.Proxy); err != nil {
		t.Fatal(err)
	}
	q.Close()
	if err := proxy.QueueOf[int](contKeep(b.Get(0))(t)).Put(ctx, 456); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "b[0].get()", contOK(proxy.QueueOf[int](contKeep(b.Get(0))(t)).Get(ctx))(t), 456)
}

// TestDictMethods covers the rest of Python's dict API: missing keys,
// insertion order, pop, popitem, setdefault, update.
func TestDictMethods(t *testing.T) {
	m := contManager(t)
	d := contKeep(proxy.NewDict[string, int](m))(t)
	_, err := d.Get("nope")
	contFails(t, "d['nope']", err, proxy.ErrKeyNotFound, "key 'nope' not in dict")
	contEqual(t, "d.get('nope', 7)", contOK(d.GetDefault("nope", 7))(t), 7)
	contEqual(t, "'nope' in d", contOK(d.Contains("nope"))(t), false)
	contFails(t, "del d['nope']", d.Delete("nope"), proxy.ErrKeyNotFound, "'nope'")

	for _, k := range []string{"a", "b", "c"} {
		if err := d.Set(k, int(k[0]-'a')+1); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Delete("b"); err != nil {
		t.Fatal(err)
	}
	if err := d.Set("b", 4); err != nil { // back, at the end
		t.Fatal(err)
	}
	if err := d.Set("a", 10); err != nil { // keeps its place
		t.Fatal(err)
	}
	contEqual(t, "keys", contOK(d.Keys())(t), []string{"a", "c", "b"})
	contEqual(t, "'a' in d", contOK(d.Contains("a"))(t), true)

	contEqual(t, "d.pop('c')", contOK(d.Pop("c"))(t), 3)
	_, err = d.Pop("c")
	contFails(t, "d.pop('c') again", err, proxy.ErrKeyNotFound, "'c'")
	contEqual(t, "d.pop('zz', 9)", contOK(d.PopDefault("zz", 9))(t), 9)

	k, v, err := d.PopItem()
	if err != nil || k != "b" || v != 4 {
		t.Errorf("d.popitem() = %q, %d, %v; want the last inserted, 'b', 4", k, v, err)
	}
	if k, v, err = d.PopItem(); err != nil || k != "a" || v != 10 {
		t.Errorf("d.popitem() = %q, %d, %v; want 'a', 10", k, v, err)
	}
	_, _, err = d.PopItem()
	contFails(t, "d.popitem() when empty", err, proxy.ErrKeyNotFound, "dictionary is empty")

	contEqual(t, "d.setdefault('x', 5)", contOK(d.SetDefault("x", 5))(t), 5)
	contEqual(t, "d.setdefault('x', 6)", contOK(d.SetDefault("x", 6))(t), 5)
	if err := d.Update(map[string]int{"z": 26, "y": 25, "x": 24}); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "items after update", contOK(d.Items())(t),
		[]proxy.DictItem[string, int]{{Key: "x", Value: 24}, {Key: "y", Value: 25}, {Key: "z", Value: 26}})
	contEqual(t, "len(d)", contOK(d.Len())(t), 3)

	if err := d.Clear(); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "d.copy() after clear", contOK(d.Copy())(t), map[string]int{})
}

// TestDictOrderAfterManyDeletions: removing most keys (which compacts the
// server's table) keeps the order of the rest.
func TestDictOrderAfterManyDeletions(t *testing.T) {
	m := contManager(t)
	d := contKeep(proxy.NewDict[int, int](m))(t)
	for i := 99; i >= 0; i-- {
		if err := d.Set(i, i); err != nil {
			t.Fatal(err)
		}
	}
	var want []int
	for i := 99; i >= 0; i-- {
		if i%10 != 0 {
			if err := d.Delete(i); err != nil {
				t.Fatal(err)
			}
		} else {
			want = append(want, i)
		}
	}
	if err := d.Set(5, 5); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "keys", contOK(d.Keys())(t), append(want, 5))
	var ranged []int
	for k, err := range d.Range() {
		if err != nil {
			t.Fatal(err)
		}
		ranged = append(ranged, k)
	}
	contEqual(t, "range", ranged, append(want, 5))
}

// TestDictUnhashableKey: a key Go cannot compare (a slice) is refused, as
// Python refuses unhashable keys.
func TestDictUnhashableKey(t *testing.T) {
	m := contManager(t)
	d := contKeep(proxy.NewDict[any, int](m))(t)
	contFails(t, "d[[1]] = 1", d.Set([]int{1}, 1), proxy.ErrBadArgument, "unhashable key [1]")
	contEqual(t, "[1] in d", contOK(d.Contains([]int{1}))(t), false)
	// Keys of different Go types are different keys.
	if err := d.Set(1, 1); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "int64(1) in d", contOK(d.Contains(int64(1)))(t), false)
}

// TestDictAddConcurrent: 8 goroutines on two connections × 500 Add on one
// key end exact, where Python's d[k] += 1 loses updates.
func TestDictAddConcurrent(t *testing.T) {
	m := contManager(t)
	d := contKeep(proxy.NewDict[string, int](m))(t)
	other := proxy.DictOf[string, int](contKeep(contConnect(t, m).Rebuild(d.Token()))(t))
	const workers, adds = 8, 500
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		h := d
		if w%2 == 1 {
			h = other
		}
		wg.Go(func() {
			for range adds {
				if _, err := h.Add("n", 1); err != nil {
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
	contEqual(t, "d['n']", contOK(d.Get("n"))(t), workers*adds)
	contEqual(t, "d.add('m', 2) on a missing key", contOK(d.Add("m", 2))(t), 2)

	f := contKeep(proxy.NewDict(m, map[string]float64{"x": 0.5}))(t)
	contEqual(t, "float add", contOK(f.Add("x", 0.25))(t), 0.75)
	s := contKeep(proxy.NewDict(m, map[string]string{"x": "a"}))(t)
	_, err := s.Add("x", "b")
	contFails(t, "add to a string", err, proxy.ErrBadArgument, "must be a number")
}

// TestDictCompareAndSwap: CompareAndSwap swaps only from the expected
// value; a missing key reads as nil (SetIfAbsent); a CAS loop on two
// connections counts exactly.
func TestDictCompareAndSwap(t *testing.T) {
	m := contManager(t)
	d := contKeep(proxy.NewDict[string, int](m))(t)
	contEqual(t, "SetIfAbsent on a missing key", contOK(d.SetIfAbsent("k", 1))(t), true)
	contEqual(t, "SetIfAbsent on a present key", contOK(d.SetIfAbsent("k", 9))(t), false)
	contEqual(t, "CAS(k, 1, 2)", contOK(d.CompareAndSwap("k", 1, 2))(t), true)
	contEqual(t, "CAS(k, 1, 3)", contOK(d.CompareAndSwap("k", 1, 3))(t), false)
	contEqual(t, "d['k']", contOK(d.Get("k"))(t), 2)
	contEqual(t, "CAS(missing, 0, 1)", contOK(d.CompareAndSwap("missing", 0, 1))(t), false)

	anyd := contKeep(proxy.NewDict[string, any](m))(t)
	contEqual(t, "CAS(k, nil, 'x') inserts if absent", contOK(anyd.CompareAndSwap("k", nil, "x"))(t), true)
	contEqual(t, "CAS(k, nil, 'y') once present", contOK(anyd.CompareAndSwap("k", nil, "y"))(t), false)
	contEqual(t, "CAS([1 2] -> [3]) compares by value", contOK(anyd.CompareAndSwap("k", "x", []int{1, 2}))(t), true)
	contEqual(t, "CAS([1 2] -> 0)", contOK(anyd.CompareAndSwap("k", []int{1, 2}, 0))(t), true)

	other := proxy.DictOf[string, int](contKeep(contConnect(t, m).Rebuild(d.Token()))(t))
	const workers, incs = 4, 100
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		h := []*proxy.Dict[string, int]{d, other}[w%2]
		wg.Go(func() {
			for range incs {
				for {
					cur, err := h.Get("k")
					if err == nil {
						var swapped bool
						if swapped, err = h.CompareAndSwap("k", cur, cur+1); err == nil && swapped {
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
	contEqual(t, "d['k'] after the CAS loops", contOK(d.Get("k"))(t), 2+workers*incs)
}

// TestDictString: str(proxy) is Python's repr of the dict, in key order.
func TestDictString(t *testing.T) {
	m := contManager(t)
	d := contKeep(proxy.NewDict[string, any](m))(t)
	for i, v := range []any{"b", 2.0, nil, []string{"x"}} {
		if err := d.Set(fmt.Sprint("k", 3-i), v); err != nil {
			t.Fatal(err)
		}
	}
	contEqual(t, "str(d)", d.String(), "{'k3': 'b', 'k2': 2.0, 'k1': None, 'k0': ['x']}")
	keys := contOK(d.Keys())(t)
	contEqual(t, "keys are not sorted", slices.IsSorted(keys), false)
}

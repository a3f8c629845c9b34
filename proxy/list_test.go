// list_test.go tests the list typeid through proxy.List (Python's
// _TestContainers test_list, test_list_iter and test_list_proxy_in_list:
// AT-29, AT-30, AT-31), and holds the helpers of the container tests
// (dict_test.go, value_test.go, namespace_test.go).

package proxy_test

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/proxy"
)

// contLimit bounds every wait in the container tests.
const contLimit = 10 * time.Second

// contManager returns a SyncManager serving on a goroutine of this process
// and connected to it. At cleanup, after the test's handles are closed
// (their cleanups run first), it checks that the server holds no objects,
// then shuts it down.
func contManager(t *testing.T) *basemanager.Manager {
	t.Helper()
	m := basemanager.NewSyncManager("", basemanager.WithLogger(nil))
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		defer m.Shutdown()
		contNoObjects(t, m)
	})
	return m
}

// contNoObjects checks that the server holds no objects. References of a
// connection that was just shut down go a moment later, on the server: it
// waits for that, within contLimit.
func contNoObjects(t *testing.T, m *basemanager.Manager) {
	t.Helper()
	var n int
	var err error
	for deadline := time.Now().Add(contLimit); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if n, err = m.NumberOfObjects(); err != nil || n == 0 {
			break
		}
	}
	if err != nil || n != 0 {
		info, _ := m.DebugInfo()
		t.Errorf("the server holds %d objects (err %v), want 0:\n%s", n, err, info)
	}
}

// contObjects returns how many objects the server holds now.
func contObjects(t *testing.T, m *basemanager.Manager) int {
	t.Helper()
	return contOK(m.NumberOfObjects())(t)
}

// contConnect opens a second connection to m's server, standing in for
// another process of Python's tests. It is shut down at cleanup, before the
// check for leftover objects.
func contConnect(t *testing.T, m *basemanager.Manager) *basemanager.Manager {
	t.Helper()
	c := basemanager.NewSyncManager(m.Address())
	if err := c.Connect(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Shutdown() })
	return c
}

// contKeep takes a new handle and the error of making it, and returns a
// func that fails t on the error, else arranges for the handle to be
// closed at t's cleanup and returns it:
//
//	l := contKeep(proxy.NewList[int](m))(t)
func contKeep[H interface{ Close() error }](h H, err error) func(*testing.T) H {
	return func(t *testing.T) H {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := h.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return h
	}
}

// contOK takes a result and its error and returns a func that fails t on
// the error, else returns the result:
//
//	n := contOK(l.Len())(t)
func contOK[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// contEqual fails t unless got deeply equals want.
func contEqual[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

// contFails fails t unless err wraps target and, if text is not empty,
// says text.
func contFails(t *testing.T, what string, err, target error, text string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: err = %v, want one wrapping %v", what, err, target)
	} else if !strings.Contains(err.Error(), text) {
		t.Errorf("%s: err = %q, want it to say %q", what, err, text)
	}
}

// numbers returns [from, to) as a slice of T.
func numbers[T any](from, to int) []T {
	out := make([]T, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, any(i).(T))
	}
	return out
}

// TestListContents is AT-29 (test_list): slices, extend, index, *=, + and
// lists of list proxies, which stay live references.
func TestListContents(t *testing.T) {
	m := contManager(t)
	a := contKeep(proxy.NewList(m, numbers[any](0, 10)...))(t)
	contEqual(t, "a[:]", contOK(a.Slice(0, math.MaxInt))(t), numbers[any](0, 10))

	b := contKeep(proxy.NewList[int](m))(t)
	contEqual(t, "empty b[:]", contOK(b.Copy())(t), []int{})
	if err := b.Extend(numbers[int](0, 5)...); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "b[:]", contOK(b.Copy())(t), []int{0, 1, 2, 3, 4})
	contEqual(t, "b[2]", contOK(b.Get(2))(t), 2)
	contEqual(t, "b[2:10]", contOK(b.Slice(2, 10))(t), []int{2, 3, 4})

	if err := b.MulInPlace(2); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "b after *= 2", contOK(b.Copy())(t), []int{0, 1, 2, 3, 4, 0, 1, 2, 3, 4})
	contEqual(t, "b + [5, 6]", contOK(b.Concat(5, 6))(t), []int{0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 5, 6})
	contEqual(t, "b after b + [5, 6]", contOK(b.Copy())(t), []int{0, 1, 2, 3, 4, 0, 1, 2, 3, 4})
	contEqual(t, "a[:] at the end", contOK(a.Copy())(t), numbers[any](0, 10))

	// A list made of two list proxies holds references to them.
	e := contKeep(proxy.NewList(m, a.Proxy, b.Proxy))(t)
	e0 := proxy.ListOf[any](contKeep(e.Get(0))(t))
	e1 := proxy.ListOf[int](contKeep(e.Get(1))(t))
	contEqual(t, "e[0][:]", contOK(e0.Copy())(t), numbers[any](0, 10))
	contEqual(t, "e[1][:]", contOK(e1.Copy())(t), []int{0, 1, 2, 3, 4, 0, 1, 2, 3, 4})

	// ... live ones: f[0] shows what is appended to a afterwards, even
	// once the handle a is closed.
	f := contKeep(proxy.NewList(m, a.Proxy))(t)
	if err := a.Append("hello"); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	f0 := proxy.ListOf[any](contKeep(f.Get(0))(t))
	contEqual(t, "f[0][:]", contOK(f0.Copy())(t), append(numbers[any](0, 10), "hello"))
}

// TestListIter is AT-30 (test_list_iter): an iterator proxy yields the
// items, is exhausted for good, and reads the list live.
func TestListIter(t *testing.T) {
	m := contManager(t)
	a := contKeep(proxy.NewList(m, numbers[int](0, 10)...))(t)
	it := contKeep(a.Iter())(t)
	contEqual(t, "list(it)", collect(t, it), numbers[int](0, 10))
	contEqual(t, "list(it) again", collect(t, it), []int{})
	_, err := it.Next()
	contFails(t, "next(exhausted)", err, proxy.ErrStopIteration, "exhausted")

	it = contKeep(a.Iter())(t)
	if err := a.Set(0, 100); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "next(it) after a[0] = 100", contOK(it.Next())(t), 100)
	// Live to the end: an item appended meanwhile is reached too.
	if err := a.Append(10); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "the rest", collect(t, it), numbers[int](1, 11))
}

// collect drains it with All.
func collect[T any](t *testing.T, it *proxy.Iterator[T]) []T {
	t.Helper()
	out := []T{}
	for v, err := range it.All() {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// TestListRange iterates with range over a remote iterator, which Range
// closes at the end and when the loop breaks.
func TestListRange(t *testing.T) {
	m := contManager(t)
	l := contKeep(proxy.NewList(m, "a", "b", "c"))(t)
	var got []string
	for v, err := range l.Range() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	contEqual(t, "range", got, []string{"a", "b", "c"})
	for v, err := range l.Range() {
		if err != nil || v != "a" {
			t.Fatalf("first = %q, %v", v, err)
		}
		break
	}
	contEqual(t, "objects after both loops (the list alone)", contObjects(t, m), 1)
}

// TestListProxyInList is AT-31 (test_list_proxy_in_list): a list of list
// proxies, changed through the proxies read back from it.
func TestListProxyInList(t *testing.T) {
	m := contManager(t)
	var inner []*proxy.Proxy
	for range 3 {
		l, err := proxy.NewList(m, 0, 1, 2)
		if err != nil {
			t.Fatal(err)
		}
		inner = append(inner, l.Proxy)
	}
	a := contKeep(proxy.NewList(m, inner...))(t)
	for _, p := range inner { // Python's temporaries: a keeps them alive
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
	}
	at := func(i int) *proxy.List[int] { return proxy.ListOf[int](contKeep(a.Get(i))(t)) }
	for i := range 3 {
		contEqual(t, fmt.Sprintf("a[%d][:]", i), contOK(at(i).Copy())(t), []int{0, 1, 2})
	}

	if err := at(0).Set(-1, 55); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "a[0][:]", contOK(at(0).Copy())(t), []int{0, 1, 55})
	for i := 1; i < 3; i++ {
		contEqual(t, fmt.Sprintf("a[%d][:]", i), contOK(at(i).Copy())(t), []int{0, 1, 2})
	}

	contEqual(t, "a[1].pop()", contOK(at(1).Pop())(t), 2)
	contEqual(t, "len(a[1])", contOK(at(1).Len())(t), 2)
	for _, i := range []int{0, 2} {
		contEqual(t, fmt.Sprintf("len(a[%d])", i), contOK(at(i).Len())(t), 3)
	}
	// del a: the inner lists go with it once the handles read back close
	// (the test's cleanup, then the check for 0 objects).
}

// TestListSelfReference: a list appended to itself (Python's b.append(b))
// neither crashes nor deadlocks, reads back as a working proxy to itself,
// and is freed when the handles are closed: the server does not count a
// proxy to an object stored in that same object as a reference.
func TestListSelfReference(t *testing.T) {
	m := contManager(t)
	b, err := proxy.NewList[any](m)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Append(b.Proxy); err != nil {
		t.Fatal(err)
	}
	self, err := b.Get(0)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := self.(*proxy.Proxy)
	if !ok || p.Token().ID != b.Token().ID {
		t.Fatalf("b[0] = %#v, want a proxy to b (id %d)", self, b.Token().ID)
	}
	if err := proxy.ListOf[any](p).Append("through b[0]"); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "len(b)", contOK(b.Len())(t), 2)
	if s := b.String(); !strings.HasPrefix(s, "[<Proxy[list] object") || !strings.HasSuffix(s, ", 'through b[0]']") {
		t.Errorf("str(b) = %q", s)
	}
	if _, err := m.DebugInfo(); err != nil { // formats b under its lock
		t.Fatal(err)
	}

	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	contNoObjects(t, m)
}

// TestListMethods covers the rest of Python's list API: indices out of
// range, insert's clamping, pop, remove, index, count, sort, slices.
func TestListMethods(t *testing.T) {
	m := contManager(t)
	l := contKeep(proxy.NewList(m, 3, 1, 2))(t)
	contEqual(t, "l[-1]", contOK(l.Get(-1))(t), 2)
	contEqual(t, "l[-3]", contOK(l.Get(-3))(t), 3)
	for _, i := range []int{3, -4} {
		_, err := l.Get(i)
		contFails(t, fmt.Sprintf("l[%d]", i), err, proxy.ErrKeyNotFound, "index out of range")
	}
	contFails(t, "l[5] = 0", l.Set(5, 0), proxy.ErrKeyNotFound, "index out of range")
	contFails(t, "del l[3]", l.Delete(3), proxy.ErrKeyNotFound, "index out of range")

	steps := []struct {
		name string
		do   func() error
		want []int
	}{
		{"l[-1] = 20", func() error { return l.Set(-1, 20) }, []int{3, 1, 20}},
		{"insert(0, 0)", func() error { return l.Insert(0, 0) }, []int{0, 3, 1, 20}},
		{"insert(-1, 9)", func() error { return l.Insert(-1, 9) }, []int{0, 3, 1, 9, 20}},
		{"insert(100, 7)", func() error { return l.Insert(100, 7) }, []int{0, 3, 1, 9, 20, 7}},
		{"insert(-100, 8)", func() error { return l.Insert(-100, 8) }, []int{8, 0, 3, 1, 9, 20, 7}},
		{"del l[1]", func() error { return l.Delete(1) }, []int{8, 3, 1, 9, 20, 7}},
		{"remove(9)", func() error { return l.Remove(9) }, []int{8, 3, 1, 20, 7}},
		{"reverse()", l.Reverse, []int{7, 20, 1, 3, 8}},
		{"sort()", l.Sort, []int{1, 3, 7, 8, 20}},
		{"append(3)", func() error { return l.Append(3) }, []int{1, 3, 7, 8, 20, 3}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		contEqual(t, "after "+s.name, contOK(l.Copy())(t), s.want)
	}

	contFails(t, "remove(99)", l.Remove(99), proxy.ErrKeyNotFound, "99 not in list")
	_, err := l.Index(99)
	contFails(t, "index(99)", err, proxy.ErrKeyNotFound, "99 not in list")
	contEqual(t, "index(3)", contOK(l.Index(3))(t), 1)
	contEqual(t, "count(3)", contOK(l.Count(3))(t), 2)
	contEqual(t, "3 in l", contOK(l.Contains(3))(t), true)
	contEqual(t, "4 in l", contOK(l.Contains(4))(t), false)
	contEqual(t, "pop()", contOK(l.Pop())(t), 3)
	contEqual(t, "pop(0)", contOK(l.PopAt(0))(t), 1)
	contEqual(t, "pop(-2)", contOK(l.PopAt(-2))(t), 8)
	_, err = l.PopAt(9)
	contFails(t, "pop(9)", err, proxy.ErrKeyNotFound, "index out of range")
	contEqual(t, "l[:]", contOK(l.Copy())(t), []int{3, 7, 20})

	if err := l.Clear(); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "len after clear()", contOK(l.Len())(t), 0)
	_, err = l.Pop()
	contFails(t, "pop() on empty", err, proxy.ErrKeyNotFound, "pop from empty list")
}

// TestListSlice checks Python's slice bounds: negative, beyond either end,
// crossed.
func TestListSlice(t *testing.T) {
	m := contManager(t)
	l := contKeep(proxy.NewList(m, numbers[int](0, 10)...))(t)
	for _, c := range []struct {
		i, j int
		want []int
	}{
		{2, 5, []int{2, 3, 4}},
		{-3, math.MaxInt, []int{7, 8, 9}},
		{0, -1, numbers[int](0, 9)},
		{-100, 2, []int{0, 1}},
		{8, 100, []int{8, 9}},
		{5, 2, []int{}},
		{10, 20, []int{}},
	} {
		contEqual(t, fmt.Sprintf("l[%d:%d]", c.i, c.j), contOK(l.Slice(c.i, c.j))(t), c.want)
	}
}

// TestListSortAndEquality: numbers of any Go numeric types sort and
// compare by value, as Python's do; strings sort; a mix fails and leaves
// the list as it was.
func TestListSortAndEquality(t *testing.T) {
	m := contManager(t)
	nums := contKeep(proxy.NewList[any](m, 3, 1.5, int64(2), uint8(0), -1))(t)
	if err := nums.Sort(); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "sorted numbers", contOK(nums.Copy())(t), []any{-1, uint8(0), 1.5, int64(2), 3})
	contEqual(t, "index(2) finds int64(2)", contOK(nums.Index(2))(t), 3)
	contEqual(t, "count(3.0)", contOK(nums.Count(3.0))(t), 1)

	words := contKeep(proxy.NewList(m, "pear", "apple", "fig"))(t)
	if err := words.Sort(); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "sorted words", contOK(words.Copy())(t), []string{"apple", "fig", "pear"})

	mixed := contKeep(proxy.NewList[any](m, 2, "a", 1))(t)
	contFails(t, "sort() of a mix", mixed.Sort(), proxy.ErrBadArgument, "all numbers or all strings")
	contEqual(t, "the mix after sort()", contOK(mixed.Copy())(t), []any{2, "a", 1})
}

// TestListMulInPlace: *= n with n <= 0 empties the list, as in Python; a
// result too large for one request to ask for is refused.
func TestListMulInPlace(t *testing.T) {
	m := contManager(t)
	l := contKeep(proxy.NewList(m, 1, 2))(t)
	contFails(t, "*= 1<<40", l.MulInPlace(1<<40), proxy.ErrBadArgument, "limit")
	contEqual(t, "l after the refused *=", contOK(l.Copy())(t), []int{1, 2})
	if err := l.MulInPlace(0); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "l after *= 0", contOK(l.Len())(t), 0)
}

// TestListString: str(proxy) is Python's repr of the list.
func TestListString(t *testing.T) {
	m := contManager(t)
	l := contKeep(proxy.NewList[any](m, 1, "it's", nil, 2.5, 1.0, true, []int{7, 8}))(t)
	contEqual(t, "str(l)", l.String(), `[1, "it's", None, 2.5, 1.0, True, [7, 8]]`)
}

// TestListSharedBetweenClients is AT-59's core: another client appends,
// the first sees it, and the reverse.
func TestListSharedBetweenClients(t *testing.T) {
	m := contManager(t)
	l := contKeep(proxy.NewList[int](m))(t)
	other := proxy.ListOf[int](contKeep(contConnect(t, m).Rebuild(l.Token()))(t))
	if err := l.Append(5); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "other's l[0]", contOK(other.Get(0))(t), 5)
	contEqual(t, "other's pop(0)", contOK(other.PopAt(0))(t), 5)
	contEqual(t, "len(l)", contOK(l.Len())(t), 0)
}

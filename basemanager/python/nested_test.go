// nested_test.go proves issue 12's rows 5 and 6 with CPython's own
// clients, every CPython found (3.8 to 3.13): proxies a Python client
// stores in the Go server's dicts and lists stay live shared objects, read
// back as working proxies by Python and Go clients alike and kept alive
// exactly while a container holds them (testdata/python/nested_client.py);
// and a Python client's list sorts, counts, finds and removes by Python's
// order and equality, while a Go client's keeps Go's
// (testdata/python/list_semantics.py).

package python_test

import (
	"errors"
	"testing"

	"gomanager/basemanager"
	"gomanager/basemanager/internal/testkit"
	"gomanager/basemanager/pickle"
	"gomanager/basemanager/python"
	"gomanager/basemanager/sharedtypes"
	"gomanager/proxy"
)

// CPython clients store proxies in the Go server's containers as they do
// with a Python server: a dict stored in a dict and in a list, a list and
// a Queue stored in a dict, a list made of a dict, each read back as a
// working proxy after the client dropped its own; a Go client's proxy read
// by Python; tokens of other managers refused (nested_client.py checks
// each, and the server's object count on the way). Then a Go client reads
// the same containers and gets working proxies that see Python's changes,
// and the server frees everything once the containers and proxies let go.
func TestPythonClientsStoreProxies(t *testing.T) {
	testkit.ForEachPython(t, testPythonClientsStoreProxies)
}

func testPythonClientsStoreProxies(t *testing.T, py testkit.Python) {
	const key = "nested key"
	sharedDict, _ := sharedtypes.NewDict()
	sharedList := sharedtypes.NewList()
	srv := serveSync(t, key,
		reg("shared_dict", func() *sharedtypes.Dict { return sharedDict }, basemanager.Concurrent()),
		reg("shared_list", func() *sharedtypes.List { return sharedList }, basemanager.Concurrent()))

	goSide := basemanager.NewSyncManager(srv.Address(), basemanager.WithAuthKey(key))
	goSide.Register("shared_dict", nil)
	goSide.Register("shared_list", nil)
	if err := goSide.Connect(); err != nil {
		t.Fatal(err)
	}
	defer goSide.Shutdown()
	get := func(typeid string) *proxy.Proxy {
		t.Helper()
		p, err := goSide.Get(typeid)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	call := func(p *proxy.Proxy, method string, args ...any) any {
		t.Helper()
		v, err := p.CallMethod(method, args...)
		if err != nil {
			t.Fatalf("%s.%s%v: %v", p.Token().Typeid, method, args, err)
		}
		return v
	}
	d, l, fromGo := get("shared_dict"), get("shared_list"), get("dict")
	call(fromGo, "Set", "go", 1)
	call(d, "Set", "from_go", fromGo)

	runScript(t, py, key, "nested_client.py", srv.Address())

	// The containers, the Go client's dict, and what Python left in them:
	// 'inner' and 'alist' in the dict, a dict in the list.
	if n := srv.NumberOfObjects(); n != 6 {
		t.Fatalf("after the Python client exited: %d objects, want 6:\n%s", n, srv.DebugInfo())
	}
	stored := func(v any) *proxy.Proxy {
		t.Helper()
		p, ok := v.(*proxy.Proxy)
		if !ok {
			t.Fatalf("read %s (%T) from a container, want a *proxy.Proxy", pickle.Repr(v), v)
		}
		return p
	}
	inner := stored(call(d, "Get", "inner"))
	defer inner.Close()
	if k, py := call(inner, "Get", "k"), call(inner, "Get", "py"); k != 2 || py != "yes" {
		t.Errorf("the Go client reads the dict Python stored in a dict: k=%v py=%v, want 2 and yes", k, py)
	}
	inList := stored(call(l, "Get", 0))
	defer inList.Close()
	if v := call(inList, "Get", "mut"); v != 3 {
		t.Errorf("the Go client reads the dict Python stored in a list: mut=%v, want 3", v)
	}
	alist := stored(call(d, "Get", "alist"))
	defer alist.Close()
	if v := call(alist, "Copy"); pickle.Repr(v) != "[1, 2]" {
		t.Errorf("the Go client reads the list Python stored in a dict: %s, want [1, 2]", pickle.Repr(v))
	}
	if v := call(fromGo, "Get", "py"); v != "seen" {
		t.Errorf("Python's change to the Go client's dict: py=%v, want seen", v)
	}
	call(inner, "Set", "from_go_too", true) // a Go change through the proxy Python stored
	if v := sharedDict.Len(); v != 3 {
		t.Errorf("the shared dict holds %d keys, want 3 (from_go, inner, alist)", v)
	}

	// The containers let go: only the Go client's own proxies keep objects.
	call(d, "Clear")
	call(l, "Clear")
	if n := srv.NumberOfObjects(); n != 6 {
		t.Errorf("with the containers cleared but the Go proxies open: %d objects, want 6", n)
	}
	for _, p := range []*proxy.Proxy{inner, inList, alist, fromGo} {
		p.Close()
	}
	if n := srv.NumberOfObjects(); n != 2 {
		t.Errorf("after the containers and the Go proxies let go: %d objects, want 2 (the containers):\n%s", n, srv.DebugInfo())
	}
	d.Close()
	l.Close()
	if n := srv.NumberOfObjects(); n != 0 {
		t.Errorf("after every proxy closed: %d objects, want 0:\n%s", n, srv.DebugInfo())
	}
}

// A CPython client's manager.list() sorts, counts, finds and removes as a
// plain Python list does, compared by list_semantics.py case by case:
// mixed numbers (bools, ints beyond 64 bits, floats), tuples, lists,
// bytes, strs, Python's TypeError for what cannot be ordered, and
// Python's == (1 == 1.0 == True, NaN, tuples, dicts).
func TestPythonListSemantics(t *testing.T) {
	testkit.ForEachPython(t, testPythonListSemantics)
}

func testPythonListSemantics(t *testing.T, py testkit.Python) {
	const key = "list key"
	srv := serveSync(t, key)
	runScript(t, py, key, "list_semantics.py", srv.Address())
	if n := srv.NumberOfObjects(); n != 0 {
		t.Errorf("after the Python client exited: %d objects, want 0:\n%s", n, srv.DebugInfo())
	}
}

// One list, two sets of rules: a Python client (here python.Client, which
// speaks Python's protocol) gets Python's equality and order, a Go client
// Go's, on the very same shared list.
func TestListRulesGoAndPython(t *testing.T) {
	const key = "rules key"
	shared := sharedtypes.NewList()
	srv := serveSync(t, key, reg("shared_list", func() *sharedtypes.List { return shared }, basemanager.Concurrent()))

	pyc := python.NewClient(srv.Address(), basemanager.WithAuthKey(key))
	defer pyc.Close()
	pl, err := pyc.Create("shared_list")
	if err != nil {
		t.Fatal(err)
	}
	defer pl.Close()
	goSide := basemanager.New(srv.Address(), basemanager.WithAuthKey(key))
	goSide.Register("shared_list", nil)
	if err := goSide.Connect(); err != nil {
		t.Fatal(err)
	}
	defer goSide.Shutdown()
	gl, err := goSide.Get("shared_list")
	if err != nil {
		t.Fatal(err)
	}
	defer gl.Close()
	must := func(v any, err error) any {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	must(pl.CallMethod("extend", []any{2, 1.0, true, 1}))
	if n := must(pl.CallMethod("count", 1)); n != 3 {
		t.Errorf("Python's count(1) of [2, 1.0, True, 1] = %v, want 3 (1 == 1.0 == True)", n)
	}
	if n := must(gl.CallMethod("Count", 1)); n != 2 {
		t.Errorf("Go's Count(1) of [2, 1.0, true, 1] = %v, want 2 (true is not a number in Go)", n)
	}
	if in := must(pl.CallMethod("__contains__", 2.0)); in != true {
		t.Errorf("Python's 2.0 in [2, ...] = %v, want True", in)
	}
	must(pl.CallMethod("sort"))
	if v := must(pl.GetValue()); pickle.Repr(v) != "[1.0, True, 1, 2]" {
		t.Errorf("Python's sort: %s, want [1.0, True, 1, 2] (stable, bool among the numbers)", pickle.Repr(v))
	}
	if _, err := gl.CallMethod("Sort"); !errors.Is(err, proxy.ErrBadArgument) {
		t.Errorf("Go's Sort with a bool among the numbers: %v, want ErrBadArgument", err)
	}

	must(pl.CallMethod("append", "a"))
	var perr *python.Error
	_, err = pl.CallMethod("sort")
	if !errors.As(err, &perr) || perr.Exception.Error() != "TypeError: '<' not supported between instances of 'str' and 'int'" {
		t.Errorf("Python's sort of [1.0, True, 1, 2, 'a']: %v, want Python's TypeError", err)
	}
	must(pl.CallMethod("remove", true)) // Python's remove(True) removes the first item == True: 1.0
	if v := must(pl.GetValue()); pickle.Repr(v) != "[True, 1, 2, 'a']" {
		t.Errorf("after Python's remove(True): %s, want [True, 1, 2, 'a']", pickle.Repr(v))
	}
	must(gl.CallMethod("Remove", true)) // Go's Remove(true) removes true itself
	if v := must(gl.CallMethod("Copy")); pickle.Repr(v) != "[1, 2, 'a']" {
		t.Errorf("after Go's Remove(true): %s, want [1, 2, 'a']", pickle.Repr(v))
	}
	_, err = pl.CallMethod("remove", "b")
	if !errors.As(err, &perr) || perr.Exception.Error() != "ValueError: list.remove(x): x not in list" {
		t.Errorf("Python's remove of a missing item: %v, want ValueError", err)
	}
}

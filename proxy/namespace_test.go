// namespace_test.go tests the Namespace typeid through proxy.Namespace
// (Python's _TestContainers test_namespace, AT-36, and TestSyncManagerTypes
// test_namespace, AT-63).

package proxy_test

import (
	"testing"

	"gomanager/proxy"
)

// TestNamespace is AT-36 (test_namespace): attributes set, read and
// deleted; str(n) is exactly Python's. The "_hidden" attribute is stored
// on the server here (Python keeps it on the local proxy), and str leaves
// it out, as Python's does.
func TestNamespace(t *testing.T) {
	m := contManager(t)
	n := contKeep(proxy.NewNamespace(m))(t)
	for name, v := range map[string]string{"name": "Bob", "job": "Builder", "_hidden": "hidden"} {
		if err := n.Set(name, v); err != nil {
			t.Fatal(err)
		}
	}
	contEqual(t, "(n.name, n.job)", []any{contOK(n.Get("name"))(t), contOK(n.Get("job"))(t)}, []any{"Bob", "Builder"})
	if err := n.Delete("job"); err != nil {
		t.Fatal(err)
	}
	contEqual(t, "str(n)", n.String(), "Namespace(name='Bob')")
	contEqual(t, "hasattr(n, 'name')", contOK(n.Has("name"))(t), true)
	contEqual(t, "hasattr(n, 'job')", contOK(n.Has("job"))(t), false)
	contEqual(t, "names", contOK(n.Names())(t), []string{"_hidden", "name"})
}

// TestNamespaceShared is AT-63 (test_namespace of TestSyncManagerTypes):
// another client reads what the first set.
func TestNamespaceShared(t *testing.T) {
	m := contManager(t)
	n := contKeep(proxy.NewNamespace(m))(t)
	if err := n.Set("x", 0); err != nil {
		t.Fatal(err)
	}
	if err := n.Set("y", 1); err != nil {
		t.Fatal(err)
	}
	other := proxy.NamespaceOf(contKeep(contConnect(t, m).Rebuild(n.Token()))(t))
	contEqual(t, "other's n.x", contOK(proxy.As[int](contOK(other.Get("x"))(t), "x"))(t), 0)
	contEqual(t, "other's n.y", contOK(proxy.As[int](contOK(other.Get("y"))(t), "y"))(t), 1)
}

// TestNamespaceMissing: a missing attribute is ErrKeyNotFound naming it,
// like Python's AttributeError.
func TestNamespaceMissing(t *testing.T) {
	m := contManager(t)
	n := contKeep(proxy.NewNamespace(m))(t)
	_, err := n.Get("job")
	contFails(t, "n.job", err, proxy.ErrKeyNotFound, "'Namespace' object has no attribute 'job'")
	contFails(t, "del n.job", n.Delete("job"), proxy.ErrKeyNotFound, "no attribute 'job'")
}

// TestNamespaceRepr: values print as Python's repr prints them, and the
// items sort as Python sorts them (the "name=value" strings).
func TestNamespaceRepr(t *testing.T) {
	m := contManager(t)
	n := contKeep(proxy.NewNamespace(m))(t)
	for name, v := range map[string]any{
		"a": 2, "a1": 1, "f": 1.0, "big": 1e16, "tiny": 0.00001, "q": "it's", "none": nil, "yes": true, "l": []any{1, "x"},
	} {
		if err := n.Set(name, v); err != nil {
			t.Fatal(err)
		}
	}
	contEqual(t, "str(n)", n.String(),
		`Namespace(a1=1, a=2, big=1e+16, f=1.0, l=[1, 'x'], none=None, q="it's", tiny=1e-05, yes=True)`)
}

// TestNamespaceNestedProxy: a proxy stored as an attribute stays a live
// reference that keeps its object alive.
func TestNamespaceNestedProxy(t *testing.T) {
	m := contManager(t)
	n := contKeep(proxy.NewNamespace(m))(t)
	l, err := proxy.NewList(m, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Set("items", l.Proxy); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	p, ok := contOK(n.Get("items"))(t).(*proxy.Proxy)
	if !ok {
		t.Fatal("n.items is not a proxy")
	}
	items := proxy.ListOf[int](contKeep(p, nil)(t))
	if err := items.Append(2); err != nil {
		t.Fatal(err)
	}
	again := proxy.ListOf[int](contKeep(contOK(n.Get("items"))(t).(*proxy.Proxy), nil)(t))
	contEqual(t, "n.items[:]", contOK(again.Copy())(t), []int{1, 2})
}

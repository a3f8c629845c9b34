// namespace.go mirrors NamespaceProxy in Python's managers.py (the
// Namespace typeid): attributes set, read and deleted by name.

package proxy

// Namespace is a handle to a shared set of named attributes (Python's
// manager.Namespace()): n.x = 1 is Set("x", 1), n.x is Get("x"), del n.x is
// Delete("x"), hasattr(n, "x") is Has("x"). Values are any; convert one
// with As:
//
//	v, err := n.Get("count")
//	count, err := proxy.As[int](v, "count")
//
// fmt.Println(n) prints exactly what Python's str(n) does:
// Namespace(job='Builder', name='Bob').
//
// Python keeps attributes whose names start with "_" on the local proxy;
// here every attribute lives on the server, and String leaves the "_"
// ones out, as Python's repr does. A proxy stored as a value stays a live
// reference, as in a Dict.
type Namespace struct{ *Proxy }

// NewNamespace creates an empty shared namespace: Python's
// manager.Namespace().
func NewNamespace(m Getter) (*Namespace, error) {
	p, err := m.Get("Namespace")
	if err != nil {
		return nil, err
	}
	return NamespaceOf(p), nil
}

// NamespaceOf wraps a proxy to a Namespace.
func NamespaceOf(p *Proxy) *Namespace { return &Namespace{p} }

// Get returns the attribute name: Python's n.name. A missing attribute
// fails with an error wrapping ErrKeyNotFound that names it (Python's
// AttributeError).
func (n *Namespace) Get(name string) (any, error) { return n.CallMethod("Get", name) }

// Set sets the attribute name: Python's n.name = v.
func (n *Namespace) Set(name string, v any) error {
	_, err := n.CallMethod("Set", name, v)
	return err
}

// Delete removes the attribute name: Python's del n.name. A missing
// attribute fails with an error wrapping ErrKeyNotFound.
func (n *Namespace) Delete(name string) error {
	_, err := n.CallMethod("Delete", name)
	return err
}

// Has reports whether the attribute name is set: Python's hasattr(n, name).
func (n *Namespace) Has(name string) (bool, error) { return Call[bool](n.Proxy, "Has", name) }

// Names returns the names of the attributes, sorted.
func (n *Namespace) Names() ([]string, error) {
	v, err := n.CallMethod("Names")
	if err != nil {
		return nil, err
	}
	return As[[]string](v, "Namespace.Names")
}

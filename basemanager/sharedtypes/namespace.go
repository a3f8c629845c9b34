// namespace.go mirrors the Namespace typeid of Python's managers.py (a
// managers.Namespace behind a NamespaceProxy): attributes set, read and
// deleted by name, and its repr.

package sharedtypes

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"gomanager/proxy"
)

// Namespace is a set of named attributes shared between clients: Python's
// manager.Namespace(), where n.x = 1 is Set("x", 1) and n.x is Get("x").
//
// Python keeps attributes whose names start with "_" on the local proxy
// only; here every attribute is stored on the server, and String leaves
// the "_" ones out, as Python's repr does.
type Namespace struct {
	mu    sync.Mutex // guards attrs
	attrs map[string]any
}

// NewNamespace returns a namespace with the given attributes, as
// alternating names and values: NewNamespace("x", 0, "y", 1) is Python's
// Namespace(x=0, y=1).
func NewNamespace(namesAndValues ...any) (*Namespace, error) {
	if len(namesAndValues)%2 != 0 {
		return nil, fmt.Errorf("names and values must alternate, got an odd count (%d): %w", len(namesAndValues), proxy.ErrBadArgument)
	}
	n := &Namespace{attrs: map[string]any{}}
	for i := 0; i < len(namesAndValues); i += 2 {
		name, ok := namesAndValues[i].(string)
		if !ok {
			return nil, fmt.Errorf("attribute name %s is a %s, not a string: %w", pyRepr(namesAndValues[i]), typeName(namesAndValues[i]), proxy.ErrBadArgument)
		}
		n.attrs[name] = namesAndValues[i+1]
	}
	return n, nil
}

// Get returns the attribute name: Python's n.name. A missing attribute is
// an error wrapping proxy.ErrKeyNotFound (Python's AttributeError).
func (n *Namespace) Get(name string) (any, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	v, ok := n.attrs[name]
	if !ok {
		return nil, noAttribute(name)
	}
	return v, nil
}

// Set sets the attribute name: Python's n.name = v.
func (n *Namespace) Set(name string, v any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.attrs[name] = v
}

// Delete removes the attribute name: Python's del n.name. A missing
// attribute is an error wrapping proxy.ErrKeyNotFound.
func (n *Namespace) Delete(name string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.attrs[name]; !ok {
		return noAttribute(name)
	}
	delete(n.attrs, name)
	return nil
}

// Has reports whether the attribute name is set: Python's hasattr(n, name).
func (n *Namespace) Has(name string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	_, ok := n.attrs[name]
	return ok
}

// Names returns the names of the attributes, sorted (those starting with
// "_" too).
func (n *Namespace) Names() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Sorted(maps.Keys(n.attrs))
}

// String formats the namespace exactly as Python's repr does: the public
// attributes as name=repr(value), sorted, as in Namespace(job='Builder',
// name='Bob'). It serves str(proxy) and the server's DebugInfo.
func (n *Namespace) String() string {
	n.mu.Lock()
	parts := make([]string, 0, len(n.attrs))
	for name, v := range n.attrs {
		if !strings.HasPrefix(name, "_") {
			parts = append(parts, name+"="+pyRepr(v))
		}
	}
	n.mu.Unlock()
	slices.Sort(parts) // Python sorts the "name=value" strings, not the names
	return "Namespace(" + strings.Join(parts, ", ") + ")"
}

// GoString is String, for the server's __repr__.
func (n *Namespace) GoString() string { return n.String() }

// noAttribute is the error for a missing attribute: Python's AttributeError.
func noAttribute(name string) error {
	return fmt.Errorf("'Namespace' object has no attribute %s (Set it first, or test with Has): %w", pyRepr(name), proxy.ErrKeyNotFound)
}

// GetValue returns a copy of the attributes for Proxy.GetValue (Python's
// _getvalue() returns a Namespace; a map is its plain-data form).
func (n *Namespace) GetValue() any {
	n.mu.Lock()
	defer n.mu.Unlock()
	return maps.Clone(n.attrs)
}

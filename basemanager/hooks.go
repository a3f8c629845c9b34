// hooks.go lists the methods a shared object may have for the server to
// call, beyond those its proxies call: Python's _getvalue, and what
// Python does with finalizers and id_to_local_proxy_obj.

package basemanager

import "gomanager/proxy"

// ValueGetter is implemented by shared objects that make their own copy for
// Proxy.GetValue (Python's _getvalue), typically under their own lock.
// Objects of a Concurrent typeid need it: the server does not lock them.
type ValueGetter interface {
	GetValue() any
}

// Abandoner is implemented by shared objects that hold something on behalf
// of a connection, such as a lock's holder. When a connection ends, even
// because its process was killed, the server calls Abandon with the
// connection's number (wire.Caller.Conn) on every object that has it.
// The server never lets a client call it.
type Abandoner interface {
	Abandon(conn uint64)
}

// ProxyHolder is implemented by shared objects that can list the proxies
// stored in them, as SyncManager's containers do. The server then keeps
// alive exactly the objects those proxies name: a proxy overwritten or
// removed releases its object after the call that removed it, as in
// Python. An object without it keeps every proxy ever passed to it alive
// until it is freed itself.
//
// EachProxy calls f for every proxy stored in the object. The server calls
// it after each call to an object that holds proxies, while other calls
// may run: it must take the object's own lock (or work on a copy). The
// server never lets a client call it.
type ProxyHolder interface {
	EachProxy(f func(*proxy.Proxy))
}

// abandonersLocked lists the objects that track holders. The caller
// holds s.mu.
func (s *Server) abandonersLocked() []Abandoner {
	var abandoners []Abandoner
	for _, obj := range s.objects {
		if a, ok := obj.value.Interface().(Abandoner); ok {
			abandoners = append(abandoners, a)
		}
	}
	return abandoners
}

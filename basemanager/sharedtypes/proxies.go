// proxies.go lets the server see the proxies stored in the containers
// (basemanager.ProxyHolder), so that it keeps their objects alive exactly
// while they are stored: Python's id_to_local_proxy_obj, which drops a
// stored proxy when the container lets go of it.

package sharedtypes

import (
	"sync"

	"gomanager/proxy"
	"gomanager/proxy/wire"
)

// eachProxy calls f for every proxy among the values copy returns, which
// it calls with mu held; f runs after mu is released.
func eachProxy(mu *sync.Mutex, copy func() []any, f func(*proxy.Proxy)) {
	mu.Lock()
	vals := copy()
	mu.Unlock()
	wire.Each(vals, f)
}

// EachProxy calls f for every proxy stored in d, among its keys and values.
func (d *Dict) EachProxy(f func(*proxy.Proxy)) {
	eachProxy(&d.mu, func() []any {
		vals := make([]any, 0, 2*len(d.index))
		for _, e := range d.entries {
			if e.live {
				vals = append(vals, e.key, e.value)
			}
		}
		return vals
	}, f)
}

// EachProxy calls f for every proxy stored in l.
func (l *List) EachProxy(f func(*proxy.Proxy)) {
	eachProxy(&l.mu, func() []any { return append([]any(nil), l.items...) }, f)
}

// EachProxy calls f for every proxy among n's attributes.
func (n *Namespace) EachProxy(f func(*proxy.Proxy)) {
	eachProxy(&n.mu, func() []any {
		vals := make([]any, 0, len(n.attrs))
		for _, v := range n.attrs {
			vals = append(vals, v)
		}
		return vals
	}, f)
}

// EachProxy calls f for the proxy v holds, if it holds one (or a value with
// proxies inside).
func (v *Value) EachProxy(f func(*proxy.Proxy)) {
	eachProxy(&v.mu, func() []any { return []any{v.value} }, f)
}

// EachProxy calls f for every proxy among the items waiting in q.
func (q *Queue) EachProxy(f func(*proxy.Proxy)) {
	eachProxy(&q.mu, func() []any { return append([]any(nil), q.items...) }, f)
}

// EachProxy calls f for every proxy among s's elements.
func (s *Set) EachProxy(f func(*proxy.Proxy)) {
	eachProxy(&s.d.mu, func() []any {
		vals := make([]any, 0, len(s.d.index))
		for _, e := range s.d.entries {
			if e.live {
				vals = append(vals, e.value)
			}
		}
		return vals
	}, f)
}

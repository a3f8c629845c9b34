// holds.go mirrors id_to_local_proxy_obj in Python's managers.py: the
// references a shared object keeps to the objects named by proxies stored
// inside it, so that a proxy in a shared dict keeps its referent alive.

package basemanager

import (
	"gomanager/proxy"
	"gomanager/proxy/wire"
)

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

// holdProxies takes a reference to every object named by a proxy among
// vals, the arguments of a call to obj or of its creation, so that none is
// freed while the call may be storing it in obj; settleHolds then decides
// what obj keeps. It returns the ids it took.
func (s *Server) holdProxies(obj *object, vals []any) []uint64 {
	var ids []uint64
	wire.Each(vals, func(p *proxy.Proxy) {
		t := p.Token()
		s.mu.Lock()
		defer s.mu.Unlock()
		target := s.objects[t.ID]
		if t.Epoch != s.epoch || target == nil || target == obj {
			return // not ours, gone, or itself: a self-reference would never be freed
		}
		target.refs++
		ids = append(ids, t.ID)
	})
	return ids
}

// settleHolds runs when a call to obj (or its creation) has returned,
// with the ids holdProxies took for it. A ProxyHolder now keeps exactly
// the objects named in it, and the call's own references are dropped.
// Another object keeps them, until it is freed.
func (s *Server) settleHolds(obj *object, taken []uint64) {
	if !obj.info.holder {
		if len(taken) == 0 {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.objects[obj.id] != obj { // freed meanwhile: nothing keeps them
			s.dropRefsLocked(taken)
			return
		}
		s.held[obj.id] = append(s.held[obj.id], taken...)
		return
	}

	// The check and the recount are ordered by holdMu, so that a call that
	// removed a proxy either sees the holds another call is recording, or
	// ran before that call listed the proxies.
	s.holdMu.Lock()
	s.mu.Lock()
	busy := len(taken) > 0 || len(s.held[obj.id]) > 0
	s.mu.Unlock()
	if busy { // always, if the call took references: it drops them here
		var now []uint64
		obj.value.Interface().(ProxyHolder).EachProxy(func(p *proxy.Proxy) {
			if t := p.Token(); t.Epoch == s.epoch && t.ID != obj.id {
				now = append(now, t.ID)
			}
		})
		s.mu.Lock()
		if s.objects[obj.id] == obj {
			s.setHeldLocked(obj, now)
		}
		s.dropRefsLocked(taken)
		s.mu.Unlock()
	}
	s.holdMu.Unlock()
}

// setHeldLocked makes obj keep exactly the objects in ids: a reference to
// each new one is taken, then those to the ones no longer named dropped.
// An id already freed is skipped: only a call's own holdProxies keeps an
// object alive until it is stored, and that call settles after. The caller
// holds s.mu.
func (s *Server) setHeldLocked(obj *object, ids []uint64) {
	kept := ids[:0]
	for _, id := range ids {
		if target := s.objects[id]; target != nil {
			target.refs++
			kept = append(kept, id)
		}
	}
	old := s.held[obj.id]
	if len(kept) > 0 {
		s.held[obj.id] = kept
	} else {
		delete(s.held, obj.id)
	}
	s.dropRefsLocked(old)
}

// dropRefsLocked releases one reference to each of ids. The caller holds
// s.mu.
func (s *Server) dropRefsLocked(ids []uint64) {
	for _, id := range ids {
		s.dropRefLocked(id)
	}
}

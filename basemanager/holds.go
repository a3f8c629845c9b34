// holds.go mirrors id_to_local_proxy_obj and the #PROXY replies of Python's
// managers.py: proxies that travel inside values. A shared object keeps
// references to the objects named by proxies stored inside it, so that a
// proxy in a shared dict keeps its referent alive; a result that holds
// proxies comes with a reference for each, for the caller.

package basemanager

import (
	"fmt"
	"reflect"

	"gomanager/proxy"
	"gomanager/proxy/wire"
)

// holdArgs takes the references holdProxies takes for the arguments of a
// call, unless they are builtin scalars, which cannot hold proxies.
func (s *Server) holdArgs(obj *object, req *wire.Request, vals []any) []uint64 {
	if req.Args.Gob == nil {
		return nil
	}
	return s.holdProxies(obj, vals)
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

// grantProxies takes a reference for the caller to every object named by
// a proxy inside result, so the caller's side can attach them (see
// wire.Grant). out is result encoded: builtin scalars hold no proxies.
func (sess *session) grantProxies(out wire.Values, result any) []wire.Grant {
	if out.Gob == nil {
		return nil
	}
	var grants []wire.Grant
	wire.Each(result, func(p *proxy.Proxy) {
		t := p.Token()
		if t.Epoch != sess.server.epoch {
			return
		}
		if obj, ref, err := sess.incref(t.ID, t.Epoch); err == nil {
			grants = append(grants, wire.Grant{ID: obj.id, Ref: ref, Exposed: obj.exposed})
		}
	})
	return grants
}

// share registers value as a new object of typeid and returns a proxy to
// it with no reference yet: grantProxies takes the caller's. Python's
// method_to_typeid and its #PROXY reply.
func (sess *session) share(typeid string, value any) (any, error) {
	obj, err := sess.server.shareValue(typeid, value)
	if obj == nil {
		return nil, err
	}
	s := sess.server
	token := proxy.Token{Typeid: typeid, Address: s.address, ID: obj.id, Epoch: s.epoch}
	return proxy.Link{}.Proxy(token, 0, obj.exposed), nil
}

// shareValue adopts value as an object of typeid; nil if value is nil.
func (s *Server) shareValue(typeid string, value any) (*object, error) {
	reg := s.registry[typeid]
	if reg == nil {
		return nil, fmt.Errorf("basemanager: method_to_typeid: typeid %q is not registered on the server: %w", typeid, proxy.ErrUnknownTypeid)
	}
	v := reflect.ValueOf(value)
	if !v.IsValid() || wire.IsNil(v) {
		return nil, nil
	}
	return s.adopt(reg, v), nil
}

// debug.go mirrors number_of_objects and debug_info in Python's
// managers.py (Server's, and BaseManager's _number_of_objects and
// _debug_info): what a server holds, for tests and curious eyes; and the
// snapshot behind the debug page (package debugpage), with the counts of
// calls it shows.

package basemanager

import (
	"cmp"
	"crypto/tls"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"gomanager/basemanager/debugpage"
	"gomanager/proxy/wire"
)

// NumberOfObjects returns how many shared objects the server holds:
// Python's _number_of_objects.
func (s *Server) NumberOfObjects() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.objects)
}

// DebugInfo describes every shared object, one line each, as
// "id: typeid refcount=N value": Python's _debug_info.
func (s *Server) DebugInfo() string {
	var b strings.Builder
	for _, o := range s.snapshot().Objects {
		fmt.Fprintf(&b, "%d: %s refcount=%d\n    %s\n", o.ID, o.Typeid, o.Refs, o.Str)
	}
	return b.String()
}

// DebugHandler serves srv's debug page (package debugpage), net/rpc's
// /debug/rpc for a manager. Nothing serves it unless the program does: it
// shows shared data, so serve it on loopback only.
func DebugHandler(srv *Server) http.Handler { return debugpage.Handler(srv.snapshot) }

// snapshot is the server at this moment, for DebugInfo and the debug page.
func (s *Server) snapshot() debugpage.Snapshot {
	snap := debugpage.Snapshot{Address: s.address, Epoch: s.epoch, Uptime: time.Since(s.started),
		CallsServed: s.served.Load(), CallsFailed: s.failed.Load()}
	heldBy, inside := map[uint64][]uint64{}, map[uint64][]uint64{}
	s.mu.Lock()
	objs := s.objectsByIDLocked()
	sessions := slices.SortedFunc(maps.Values(s.sessions), func(a, b *session) int { return cmp.Compare(a.conn, b.conn) })
	for _, sess := range sessions {
		for _, id := range sess.refs {
			heldBy[id] = append(heldBy[id], sess.conn)
		}
	}
	for holder, ids := range s.held {
		for _, id := range ids {
			inside[id] = append(inside[id], holder)
		}
	}
	for _, obj := range objs {
		snap.Objects = append(snap.Objects, debugpage.Object{ID: obj.id, Typeid: obj.reg.typeid, Refs: obj.refs,
			HeldBy: heldBy[obj.id], InsideOf: inside[obj.id]})
	}
	s.mu.Unlock()
	for i, obj := range objs { // outside s.mu: String and Holder take the object's own locks
		obj.mu.Lock()
		str := obj.str()
		obj.mu.Unlock()
		snap.Objects[i].Str = str[:min(len(str), 75)]
		if h, ok := obj.value.Interface().(interface{ Holder() (uint64, bool) }); ok {
			if conn, held := h.Holder(); held {
				snap.Locks = append(snap.Locks, debugpage.Lock{ObjectID: obj.id, Typeid: obj.reg.typeid, Holder: conn})
			}
		}
	}
	for _, sess := range sessions {
		snap.Connections = append(snap.Connections, sess.debugInfo(len(s.cfg.AuthKey) > 0))
	}
	return snap
}

// objectsByIDLocked returns the objects in id order. The caller holds s.mu.
func (s *Server) objectsByIDLocked() []*object {
	return slices.SortedFunc(maps.Values(s.objects), func(a, b *object) int { return cmp.Compare(a.id, b.id) })
}

// begin and finish count a call: for Shutdown and the debug page.
func (sess *session) begin() { sess.inFlight.Add(1) }

func (sess *session) finish(failed bool) {
	if failed {
		sess.server.failed.Add(1)
	} else {
		sess.server.served.Add(1)
	}
	sess.inFlight.Add(-1)
}

// debugInfo describes the connection for the debug page.
func (sess *session) debugInfo(keyed bool) debugpage.Connection {
	_, tls := sess.peer.(*tls.Conn)
	c := debugpage.Connection{Number: sess.conn, Peer: sess.peer.RemoteAddr().String(), Python: sess.python,
		Auth: "none (loopback)", TLS: tls, InFlight: int(sess.inFlight.Load())}
	if keyed {
		c.Auth = "authkey"
	}
	for _, call := range sess.calls.Tracked() {
		c.Blocked = append(c.Blocked, debugpage.Call{Method: call.Method, For: time.Since(call.Since)})
	}
	slices.SortFunc(c.Blocked, func(a, b debugpage.Call) int { return cmp.Compare(b.For, a.For) })
	return c
}

// NumberOfObjects asks the server how many shared objects it holds:
// Python's manager._number_of_objects().
func (m *Manager) NumberOfObjects() (int, error) {
	var n int
	err := m.control("NumberOfObjects", &n)
	return n, err
}

// DebugInfo asks the server to describe its shared objects:
// Python's manager._debug_info().
func (m *Manager) DebugInfo() (string, error) {
	var s string
	err := m.control("DebugInfo", &s)
	return s, err
}

func (m *Manager) control(method string, reply any) error {
	m.mu.Lock()
	client, address := m.client, m.address
	m.mu.Unlock()
	if client == nil {
		return m.notConnected(method)
	}
	if err := client.Call(wire.ServiceName+"."+method, &wire.Empty{}, reply); err != nil {
		return rpcError(method, address, err)
	}
	return nil
}

// service.go mirrors Server.public in Python's managers.py: the requests a
// client may send. It is the one net/rpc service ("Manager") the server
// exposes; its Call method is the dispatcher (Python's serve_client), and the
// rest are the control requests create, incref, decref, dummy,
// number_of_objects and debug_info.

package basemanager

import (
	"time"

	"gomanager/proxy/wire"
)

// service is registered with net/rpc once per connection, so each request
// knows which connection (session) sent it. Every method follows net/rpc's
// rule: func (t *T) Name(args A, reply *R) error. Errors meant for the caller
// travel inside the reply, so that errors.Is works on the other side; the
// rpc error is kept for requests that make no sense at all.
type service struct {
	sess *session
}

// Call runs one method of a shared object: Python's serve_client loop body.
func (s *service) Call(req *wire.Request, reply *wire.Reply) error {
	s.sess.begin() // counted for Shutdown and the debug page (debug.go)
	result, grants, err := s.sess.call(req)
	s.sess.finish(err != nil)
	reply.Result, reply.Grants, reply.Err = result, grants, toWire(err)
	return nil
}

// Create makes a new shared object with a registered callable and returns a
// reference to it: Python's create.
func (s *service) Create(req *wire.CreateRequest, reply *wire.RefReply) error {
	s.sess.begin()
	vals, err := req.Args.Decode()
	if err == nil {
		var obj *object
		if obj, reply.Ref, err = s.sess.create(req.Typeid, vals); err == nil {
			reply.ID, reply.Epoch, reply.Exposed = obj.id, s.sess.server.epoch, obj.exposed
		}
	}
	s.sess.finish(err != nil)
	reply.Err = toWire(err)
	return nil
}

// Incref takes a new reference to an existing object, for a proxy rebuilt
// from a Token: Python's incref.
func (s *service) Incref(req *wire.RefRequest, reply *wire.RefReply) error {
	obj, ref, err := s.sess.incref(req.ID, req.Epoch)
	if err == nil {
		reply.ID, reply.Epoch, reply.Ref, reply.Exposed = obj.id, s.sess.server.epoch, ref, obj.exposed
	}
	reply.Err = toWire(err)
	return nil
}

// Decref releases a reference: Python's decref.
func (s *service) Decref(req *wire.RefRequest, _ *wire.Empty) error {
	return s.sess.decref(req.Ref)
}

// Cancel cancels the context of a call in flight on this connection, so a
// blocked method (a Queue's Get, a Lock's Acquire) stops waiting.
func (s *service) Cancel(req *wire.CancelRequest, _ *wire.Empty) error {
	s.sess.calls.Cancel(req.Call)
	return nil
}

// Heartbeat is a client's promise to send something every d: from now on
// the connection ends when it has been silent for 2d (package connection's
// heartbeat.go). The client calls it again every d.
func (s *service) Heartbeat(d time.Duration, _ *wire.Empty) error {
	s.sess.idle.ExpectHeartbeat(d)
	return nil
}

// Dummy does nothing but report the server's epoch: Connect calls it to
// check the connection works.
func (s *service) Dummy(_ *wire.Empty, epoch *uint64) error {
	*epoch = s.sess.server.epoch
	return nil
}

// NumberOfObjects reports how many objects the server holds.
func (s *service) NumberOfObjects(_ *wire.Empty, n *int) error {
	*n = s.sess.server.NumberOfObjects()
	return nil
}

// DebugInfo describes the objects the server holds.
func (s *service) DebugInfo(_ *wire.Empty, info *string) error {
	*info = s.sess.server.DebugInfo()
	return nil
}

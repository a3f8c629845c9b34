// python.go is the one place the server meets package python, which serves
// CPython's own manager clients on the same address (Python's
// handle_request and serve_client, in Python's protocol). The server calls
// it through frontDoor; it calls the server through pythonHost, which
// gives it the objects, sessions and references of this package.

package basemanager

import (
	"context"
	"net"

	"gomanager/basemanager/internal/connection"
	"gomanager/basemanager/python"
	"gomanager/proxy/wire"
)

// frontDoor serves the connections whose first message is a pickle.
type frontDoor interface {
	Peek(conn net.Conn) (net.Conn, bool, error)
	Serve(conn net.Conn)
}

func newFrontDoor(s *Server) frontDoor {
	return pythonDoor{python.NewFrontDoor(pythonHost{s}), s.cfg.MaxMessageSize}
}

type pythonDoor struct {
	*python.FrontDoor
	max int
}

func (d pythonDoor) Peek(conn net.Conn) (net.Conn, bool, error) { return python.Peek(conn, d.max) }

// pythonHost is the server as package python sees it (python.Server).
type pythonHost struct{ s *Server }

func (h pythonHost) Address() string            { return h.s.address }
func (h pythonHost) Epoch() uint64              { return h.s.epoch }
func (h pythonHost) Context() context.Context   { return h.s.ctx }
func (h pythonHost) Config() *connection.Config { return &h.s.cfg }
func (h pythonHost) NewSession(ctx context.Context, conn net.Conn) python.Session {
	sess := h.s.newSession(conn, true)
	stop := context.AfterFunc(ctx, sess.stop)
	return pythonSession{sess, stop}
}

func (h pythonHost) Object(id uint64) (python.Object, bool) {
	obj, err := h.s.object(id)
	if err != nil {
		return nil, false
	}
	return pythonObject{obj, h.s}, true
}

func (h pythonHost) Objects() (objs []python.Object) {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	for _, obj := range h.s.objectsByIDLocked() {
		objs = append(objs, pythonObject{obj, h.s})
	}
	return objs
}

func (h pythonHost) Callable(typeid string) (any, bool) {
	reg := h.s.registry[typeid]
	if reg == nil {
		return nil, false
	}
	if reg.callable == nil {
		return nil, true
	}
	return reg.callable.fn.Interface(), true
}

func (h pythonHost) Retain(id uint64) bool {
	obj, err := h.s.object(id)
	return err == nil && h.s.retain(obj)
}

func (h pythonHost) Release(id uint64) {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	h.s.dropRefLocked(id)
}

// pythonSession is a Python client thread's connection. Its references
// are not kept in it: they belong to all Python clients (python.FrontDoor).
type pythonSession struct {
	sess *session
	stop func() bool
}

func (p pythonSession) Context() context.Context {
	return wire.WithCaller(p.sess.ctx, wire.Caller{Conn: p.sess.conn})
}

func (p pythonSession) Create(typeid string, args []any) (python.Object, error) {
	obj, err := p.sess.make(typeid, args)
	return p.retained(obj, err)
}

func (p pythonSession) Share(typeid string, v any) (python.Object, error) {
	return p.retained(p.sess.server.shareValue(typeid, v))
}

// retained takes the Python clients' reference to a new object.
func (p pythonSession) retained(obj *object, err error) (python.Object, error) {
	if obj == nil {
		return nil, err
	}
	p.sess.server.retain(obj)
	return pythonObject{obj, p.sess.server}, nil
}

func (p pythonSession) Begin()             { p.sess.begin() }
func (p pythonSession) Finish(failed bool) { p.sess.finish(failed) }

func (p pythonSession) End() {
	p.stop()
	p.sess.end()
}

// pythonObject is a shared object as package python sees it.
type pythonObject struct {
	obj *object
	s   *Server
}

func (o pythonObject) ID() uint64                   { return o.obj.id }
func (o pythonObject) Typeid() string               { return o.obj.reg.typeid }
func (o pythonObject) Referent() any                { return o.obj.value.Interface() }
func (o pythonObject) Exposed() []string            { return o.obj.exposed }
func (o pythonObject) IsExposed(goName string) bool { return o.obj.reg.isExposed(goName) }
func (o pythonObject) Str() string                  { return o.obj.str() }
func (o pythonObject) ResultTypeid(m string) (string, bool) {
	typeid, ok := o.obj.reg.methodToTypeid[m]
	return typeid, ok
}

func (o pythonObject) Lock()   { o.obj.lock() }
func (o pythonObject) Unlock() { o.obj.unlock() }
func (o pythonObject) Refs() int {
	o.s.mu.Lock()
	defer o.s.mu.Unlock()
	return o.obj.refs
}

func (o pythonObject) Call(ctx context.Context, goName string, args []any) (any, error) {
	return o.obj.dispatch(ctx, goName, args)
}

func (o pythonObject) Hold(vals []any) func() {
	taken := o.s.holdProxies(o.obj, vals)
	return func() { o.s.settleHolds(o.obj, taken) }
}

// retain takes one more reference to obj, not owned by any connection,
// unless it was freed meanwhile.
func (s *Server) retain(obj *object) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.objects[obj.id] != obj {
		return false
	}
	obj.refs++
	return true
}

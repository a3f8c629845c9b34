// cancel.go is how a blocked call stops waiting: the context a method
// sees carries its caller and is cancelled by the caller's Cancel request,
// when the connection ends, or when the server stops. Python's managers
// have no counterpart: there a blocked call blocks its thread.

package basemanager

import (
	"context"

	"gomanager/proxy/wire"
)

// callContext is the context a method of obj sees for req: the
// connection's, carrying the caller, and cancellable by a Cancel request
// naming req.Call. A method that takes no context cannot see the caller
// or be cancelled, so its calls skip making one. done releases it.
func (sess *session) callContext(obj *object, req *wire.Request) (ctx context.Context, done func()) {
	if sig := obj.info.methods[req.Method]; sig == nil || !sig.wantsCtx {
		return sess.ctx, nothing
	}
	unblock := sess.calls.Track(req, obj.reg.typeid+"."+req.Method) // shown on the debug page while it runs
	ctx = wire.WithCaller(sess.ctx, wire.Caller{Conn: sess.conn, Ref: req.Ref})
	if req.Call == 0 {
		return ctx, unblock
	}
	ctx, cancel := sess.calls.Start(ctx, req.Call)
	return ctx, func() { cancel(); unblock() }
}

func nothing() {}

// cancel.go is how a blocked call stops waiting: the context a method
// sees, which carries its caller and is cancelled by the caller's Cancel
// request, when the connection ends, or when the server stops. Python's
// managers have no counterpart: there a blocked call blocks its thread.

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
	ctx = wire.WithCaller(sess.ctx, wire.Caller{Conn: sess.conn, Ref: req.Ref})
	if req.Call == 0 {
		return ctx, nothing
	}
	ctx, cancel := context.WithCancel(ctx)
	sess.mu.Lock()
	if _, early := sess.calls[req.Call]; early {
		cancel() // the Cancel overtook the call
	}
	sess.calls[req.Call] = cancel
	sess.mu.Unlock()
	return ctx, func() {
		sess.mu.Lock()
		delete(sess.calls, req.Call)
		sess.mu.Unlock()
		cancel()
	}
}

func nothing() {}

// cancel cancels the call numbered id on this connection, or remembers the
// request if the call has not started yet.
func (sess *session) cancel(id uint64) {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if cancel := sess.calls[id]; cancel != nil {
		cancel()
		return
	}
	// Either the call has not started (the Cancel overtook it) or it has
	// already finished: remember the id, within a bound, for the first case.
	if sess.early++; sess.early > maxEarlyCancels {
		for id, cancel := range sess.calls {
			if cancel == nil {
				delete(sess.calls, id)
			}
		}
		sess.early = 0
	}
	sess.calls[id] = nil
}

// maxEarlyCancels bounds the cancel requests a connection remembers for
// calls it has not seen; most of them name calls that had already finished.
const maxEarlyCancels = 1024

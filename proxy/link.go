// link.go is for manager implementations: how package basemanager makes
// proxies on its connection and reads the errors in its replies.
// Application code never needs it.

package proxy

import (
	"fmt"
	"net/rpc"

	"gomanager/proxy/wire"
)

// Link is for manager implementations (package basemanager): it makes
// proxies on a manager's connection, and turns the errors in the replies
// to the manager's own requests into the errors proxies return. Application
// code gets proxies from a manager's Get and never needs it; a typed proxy
// embeds *Proxy.
type Link struct {
	Client *rpc.Client // the manager's connection; nil for a proxy that travels as data

	// Epoch reports the epoch of the server the manager is connected to now
	// (0 when it is not connected); it may be nil. A proxy whose connection
	// broke asks it, so that after the manager reconnects to a restarted
	// server the proxy's calls fail with ErrStaleProxy rather than a bare
	// ErrConnectionLost.
	Epoch func() uint64

	// Releaser releases the references of proxies the garbage collector
	// finds unreachable without Close; nil: such references are released
	// only when the connection closes.
	Releaser *Releaser
}

// Proxy returns a proxy for the object named by token, holding the
// server-side reference ref.
func (l Link) Proxy(token Token, ref uint64, exposed []string) *Proxy {
	p := &Proxy{client: l.Client, token: token, ref: ref, exposed: exposed, epoch: l.Epoch}
	p.releaseWhenCollected(l.Releaser)
	return p
}

// ReplyError rebuilds an error the server sent in a reply.
func (Link) ReplyError(e *wire.Error) error { return fromWire(e) }

// RequestError explains a failure of net/rpc itself on a request to the
// manager at address: the connection broke (the error wraps
// ErrConnectionLost), or the rpc layer refused the request.
func (Link) RequestError(op, address string, err error) error {
	return transportError(op, address, err)
}

// transportError explains a failed request, telling a proxy from an
// earlier run of a restarted manager (ErrStaleProxy) from a lost connection.
func (p *Proxy) transportError(op string, err error) error {
	if connectionLost(err) && p.epoch != nil {
		if e := p.epoch(); e != 0 && e != p.token.Epoch {
			return fmt.Errorf("proxy: %s: the manager at %s restarted, and the object this proxy named is gone "+
				"(get a new proxy from the manager): %w: %w", op, p.token.Address, ErrStaleProxy, ErrConnectionLost)
		}
	}
	return transportError(op, p.token.Address, err)
}

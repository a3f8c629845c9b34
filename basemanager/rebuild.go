// rebuild.go mirrors RebuildProxy in Python's managers.py: a proxy made
// from a Token that came from another process, which takes a reference of
// its own through this manager's connection.

package basemanager

import (
	"gomanager/proxy"
	"gomanager/proxy/wire"
)

// Rebuild returns a working proxy for a token received from another process:
// Python's RebuildProxy. The new proxy takes its own reference on the server,
// through this manager's connection and with this manager's authkey; the
// token itself carries no credentials.
func (m *Manager) Rebuild(t proxy.Token) (*proxy.Proxy, error) {
	m.mu.Lock()
	client, releaser, address := m.client, m.releaser, m.address
	m.mu.Unlock()
	if client == nil {
		return nil, m.notConnected("Rebuild " + t.Typeid)
	}
	var reply wire.RefReply
	if err := client.Call(wire.ServiceName+".Incref", &wire.RefRequest{ID: t.ID, Epoch: t.Epoch}, &reply); err != nil {
		return nil, rpcError("Rebuild "+t.Typeid, address, err)
	}
	link := proxy.Link{Client: client, Epoch: m.epochNow, Releaser: releaser}
	if reply.Err != nil {
		return nil, link.ReplyError(reply.Err)
	}
	t.Address, t.Epoch = address, reply.Epoch
	return link.Proxy(t, reply.Ref, reply.Exposed), nil
}

// token.go mirrors Token in Python's managers.py: the plain data that
// identifies a shared object.

package proxy

import (
	"bytes"
	"encoding/gob"
	"fmt"

	"gomanager/proxy/wire"
)

// Token identifies a shared object: which typeid created it, which manager
// holds it, and its id there. A Token is plain data; it carries no
// credentials and no reference of its own.
type Token struct {
	Typeid  string // the name the object's callable was registered under
	Address string // the manager's "host:port"
	ID      uint64 // the object's id in that manager; never reused
	Epoch   uint64 // which run of that manager's server: a restarted server refuses old tokens
}

// String formats the token as Python's repr does.
func (t Token) String() string {
	return fmt.Sprintf("Token(typeid='%s', address='%s', id=%d)", t.Typeid, t.Address, t.ID)
}

// GobEncode lets a proxy travel inside a value, for example stored in a
// shared dict: it travels as its token, like a pickled Python proxy. The
// server keeps the object alive while a shared object holds the proxy.
func (p *Proxy) GobEncode() ([]byte, error) {
	t := p.token
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(wire.ProxyRef{Typeid: t.Typeid, Address: t.Address, ID: t.ID, Epoch: t.Epoch})
	return buf.Bytes(), err
}

// GobDecode rebuilds a proxy from its token. The result has no connection
// until the side that received it attaches one (replies do this by themselves).
func (p *Proxy) GobDecode(b []byte) error {
	var r wire.ProxyRef
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&r); err != nil {
		return err
	}
	p.token = Token{Typeid: r.Typeid, Address: r.Address, ID: r.ID, Epoch: r.Epoch}
	return nil
}

func init() { gob.Register(&Proxy{}) }

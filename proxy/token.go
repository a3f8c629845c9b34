// token.go mirrors Token in Python's managers.py: the plain data that
// identifies a shared object.

package proxy

import "fmt"

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

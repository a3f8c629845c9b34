// epoch.go tells runs of a server apart: every token carries the epoch of
// the server that made it, so a restarted server refuses old tokens, whose
// ids would name unrelated objects (Python's idents are reused instead).

package basemanager

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"

	"gomanager/proxy"
)

// checkEpoch refuses a token from another run of the server, whose ids
// would name unrelated objects here.
func (s *Server) checkEpoch(epoch, id uint64) error {
	if epoch != 0 && epoch != s.epoch {
		return fmt.Errorf("basemanager: object %d: the proxy's token is from an earlier run of the server at %s "+
			"(Connect again and get new proxies): %w", id, s.address, proxy.ErrStaleProxy)
	}
	return nil
}

func randomEpoch() uint64 {
	var b [8]byte
	rand.Read(b[:])
	return binary.BigEndian.Uint64(b[:]) | 1 // never 0, which means "unchecked"
}

// epochNow returns the epoch of the server the manager is connected to: a
// random number drawn when that server started, carried in every token.
// It is 0 before Connect. Proxies ask it when their connection breaks, to
// tell a restarted server from a stopped one.
func (m *Manager) epochNow() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.epoch
}

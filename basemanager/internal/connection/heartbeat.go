// heartbeat.go keeps a connection honest when the network between the two
// sides goes silent (a pulled cable, a paused machine, a firewall that
// drops everything): TCP sends no FIN then, and without a heartbeat both
// sides would wait for the kernel's keep-alive, many minutes. Python's
// managers have no counterpart; their clients send no heartbeat, and the
// server asks none of them.
//
// A Go client that heartbeats announces its interval d, then calls the
// server's heartbeat every d. If one is not answered within d, it closes
// the connection: every call in flight fails at once, within 2d of the
// silence (proxy.ErrConnectionLost). The server, once told d, ends the
// connection when it has read nothing for 2d, releasing its references
// and abandoning its locks, as when a client is killed. Both bounds are
// within the 3d promised, with d to spare for a busy machine.
package connection

import (
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultHeartbeat is the heartbeat interval of a client connecting to an
// address that is not on this machine, unless told otherwise.
const DefaultHeartbeat = 5 * time.Second

// HeartbeatFor is the interval a client heartbeats at on a connection to
// address (already normalized): cfg.Heartbeat if it was set (0: never),
// else DefaultHeartbeat, or never for a local address (IsLocal: loopback,
// or a Unix socket).
func (cfg *Config) HeartbeatFor(address string) time.Duration {
	if cfg.Heartbeat >= 0 {
		return cfg.Heartbeat
	}
	if IsLocal(address) {
		return 0
	}
	return DefaultHeartbeat
}

// ErrPeerSilent: the peer sent nothing, not even a heartbeat, for longer
// than it promised; the connection was ended.
var ErrPeerSilent = errors.New("peer silent")

// KeepAlive calls method (the server's heartbeat, which takes the interval)
// on client every d, and closes client if a heartbeat is not answered
// within d or fails: net/rpc then fails every call in flight. stop ends it
// and waits for its goroutine.
func KeepAlive(client *rpc.Client, method string, d time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(d)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			call := client.Go(method, d, new(struct{}), make(chan *rpc.Call, 1))
			late := time.NewTimer(d)
			select {
			case <-done:
				late.Stop()
				return
			case <-call.Done:
				late.Stop()
				if call.Error != nil { // the connection is gone: nothing to keep alive
					client.Close()
					return
				}
			case <-late.C:
				client.Close() // the server is silent: fail the calls in flight now
				return
			}
		}
	})
	var once sync.Once
	return func() {
		once.Do(func() { close(done) })
		wg.Wait()
	}
}

// IdleConn is a server's connection that ends itself when its client,
// having announced a heartbeat, sends nothing for longer than it promised.
type IdleConn struct {
	net.Conn
	Logf  func(format string, args ...any) // where it says why it ended; may be nil
	limit atomic.Int64                     // how long a read may wait, in nanoseconds; 0: forever
}

// ExpectHeartbeat tells the connection its client heartbeats every d: a
// read that waits 2d for a byte fails with ErrPeerSilent.
func (c *IdleConn) ExpectHeartbeat(d time.Duration) {
	if d > 0 {
		c.limit.Store(int64(2 * d))
	}
}

func (c *IdleConn) Read(p []byte) (int, error) {
	limit := time.Duration(c.limit.Load())
	if limit > 0 {
		c.Conn.SetReadDeadline(time.Now().Add(limit))
	}
	n, err := c.Conn.Read(p)
	if limit > 0 && err != nil && isTimeout(err) {
		err = fmt.Errorf("basemanager: no heartbeat from %s for %v (the client is gone, or the network between us is): %w: %w",
			c.Conn.RemoteAddr(), limit, ErrPeerSilent, err)
		if c.Logf != nil {
			c.Logf("%v", err)
		}
	}
	return n, err
}

// isTimeout reports whether err is a read that ran out of time.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// options.go holds a manager's options: BaseManager's authkey argument,
// and the timeouts and limits Python leaves to the operating system.

package basemanager

import (
	"crypto/tls"
	"log"
	"time"

	"gomanager/basemanager/internal/connection"
)

// Option configures a Manager.
type Option func(*config)

// config is every setting of a manager's connections: the authkey, the
// timeouts and limits (package connection uses them).
type config = connection.Config

// Limits used unless an Option sets others (package connection's defaults).
const (
	DefaultMaxConnections = 4096     // WithMaxConnections
	DefaultMaxMessageSize = 64 << 20 // WithMaxMessageSize: 64 MiB
)

// WithMaxMessageSize sets the largest rpc message either side accepts or
// sends, in bytes; a larger one closes the connection with
// ErrMessageTooLarge. The default (and the value for n <= 0) is
// DefaultMaxMessageSize (64 MiB). During authentication the limit is
// always 256 bytes, as in Python.
func WithMaxMessageSize(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.MaxMessageSize = n
		}
	}
}

// WithMaxConnections sets how many connections a server keeps open at once,
// counting those still authenticating. Further connections are refused at
// once: Connect fails with ErrTooManyConnections. The default (and the
// value for n <= 0) is DefaultMaxConnections (4096).
func WithMaxConnections(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.MaxConnections = n
		}
	}
}

// WithTLS runs every connection over TLS with cfg: the server's
// certificates on the serving side, the trusted roots (and client
// certificates, for mutual TLS) on the connecting side. It combines with
// WithAuthKey: TLS encrypts and authenticates the server, the authkey
// handshake then runs inside it. A client's cfg without ServerName gets the
// host of the manager's address.
func WithTLS(cfg *tls.Config) Option {
	return func(c *config) { c.TLS = cfg }
}

// WithAuthKey sets the secret both sides prove they know before any request
// (Python's authkey). It accepts a string or a []byte. Without it, a server
// only listens on loopback addresses.
func WithAuthKey[K string | []byte](key K) Option {
	k := []byte(key)
	return func(c *config) { c.AuthKey = k }
}

// WithHandshakeTimeout bounds the authentication handshake of each
// connection, on both sides. The default (and the value for d <= 0) is 10
// seconds.
func WithHandshakeTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.HandshakeTimeout = d
		}
	}
}

// WithLogger sets where a server logs refused connections. The default is
// log.Default(); nil discards the messages.
func WithLogger(l *log.Logger) Option {
	return func(c *config) { c.Logger = l }
}

// WithHeartbeat makes a connecting manager send a heartbeat every d, so
// that when the network to the server goes silent, its calls in flight
// fail with proxy.ErrConnectionLost within 3d, and the server drops the
// connection within 3d (releasing its references, abandoning its locks).
// d <= 0 turns it off. The default is connection.DefaultHeartbeat (5 s)
// for a server elsewhere, none on loopback.
func WithHeartbeat(d time.Duration) Option {
	return func(c *config) { c.Heartbeat = max(d, 0) }
}

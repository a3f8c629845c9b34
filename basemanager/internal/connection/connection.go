// Package connection is what managers.py gets from Python's
// multiprocessing/connection.py, and the speed machinery around it: the
// listener and the client connection, the authkey handshake, message
// framing, and the net/rpc codec and request loop that run over an
// authenticated connection. Package basemanager calls it in a few named
// places; a reader of the lesson never needs to open it.
//
// connection.go mirrors Listener and Client: an address bound or dialled,
// with TLS if configured, and the handshake under a deadline.
package connection

import (
	"context"
	"crypto/tls"
	"fmt"
	"gomanager/basemanager/internal/rawio"
	"log"
	"net"
	"net/rpc"
	"time"
)

// Config is how a manager's connections are set up. Package basemanager
// fills it from its Options.
type Config struct {
	AuthKey          []byte        // nil: no authentication secret (loopback or Unix socket only)
	HandshakeTimeout time.Duration // bounds the handshake on both sides
	DialTimeout      time.Duration
	MaxMessageSize   int           // the largest message either side accepts or sends
	MaxConnections   int           // connections a server keeps open at once
	TLS              *tls.Config   // nil: plain TCP (or Unix socket)
	Logger           *log.Logger   // where a server logs refused connections; nil: nowhere
	Heartbeat        time.Duration // a client's heartbeat interval; 0: none; < 0: by address (HeartbeatFor)
}

// DefaultMaxConnections is how many connections a server keeps open at once
// unless told otherwise.
const DefaultMaxConnections = 4096

// DefaultConfig returns the settings a manager starts from.
func DefaultConfig() Config {
	return Config{
		HandshakeTimeout: 10 * time.Second,
		DialTimeout:      10 * time.Second,
		MaxMessageSize:   DefaultMaxMessageSize,
		MaxConnections:   DefaultMaxConnections,
		Logger:           log.Default(),
		Heartbeat:        -1,
	}
}

// Logf logs through cfg.Logger, if there is one.
func (cfg *Config) Logf(format string, args ...any) {
	if cfg.Logger != nil {
		cfg.Logger.Printf(format, args...)
	}
}

// NormalizeAddress fills in Python's defaults: "" is 127.0.0.1 on a free
// port, and a missing host is 127.0.0.1 (say 0.0.0.0 to listen everywhere).
// A Unix socket path (an address with a slash, or "unix:" and a path) is
// the path, with "./" before one without a slash (unix.go).
func NormalizeAddress(address string) (string, error) {
	if address == "" {
		return "127.0.0.1:0", nil
	}
	if isUnixAddress(address) {
		return normalizeUnix(address)
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return "", fmt.Errorf("basemanager: address %q: %w (want \"host:port\", such as \"127.0.0.1:50000\", "+
			"or a Unix socket path, such as \"/tmp/m.sock\")", address, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// IsLoopback reports whether host names this machine's loopback interface.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Listen binds address (already normalized): Python's Listener. A Unix
// socket path gets a file of mode 0600, removed when the listener closes
// (listenUnix).
func Listen(address string, cfg *Config) (ln net.Listener, err error) {
	if path, ok := UnixPath(address); ok {
		ln, err = listenUnix(path)
	} else if ln, err = net.Listen("tcp", address); err != nil { // TCP keep-alive is on for accepted connections
		err = fmt.Errorf("basemanager: listen on %s: %w", address, err)
	}
	if err != nil {
		return nil, err
	}
	if cfg.TLS != nil {
		ln = tls.NewListener(ln, cfg.TLS)
	}
	return ln, nil
}

// Accept runs the server's half of the handshake on a new connection,
// within cfg.HandshakeTimeout: Python's Listener.accept with an authkey.
func Accept(conn net.Conn, cfg *Config) error {
	conn.SetDeadline(time.Now().Add(cfg.HandshakeTimeout))
	if err := ServerHandshake(conn, cfg.AuthKey); err != nil {
		return err
	}
	return conn.SetDeadline(time.Time{})
}

// Dial connects to address (already normalized) and authenticates, within
// cfg's timeouts: Python's Client(address, authkey).
func Dial(ctx context.Context, address string, cfg *Config) (net.Conn, error) {
	network := "tcp"
	if _, ok := UnixPath(address); ok {
		network = "unix"
	}
	d := net.Dialer{Timeout: cfg.DialTimeout} // TCP keep-alive is on by default
	conn, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, fmt.Errorf("basemanager: connect to %s: %w (is the server running?)", address, err)
	}
	if cfg.TLS != nil {
		tc := cfg.TLS
		if tc.ServerName == "" && network == "tcp" {
			tc = tc.Clone()
			tc.ServerName, _, _ = net.SplitHostPort(address)
		}
		conn = tls.Client(conn, tc)
	}
	conn.SetDeadline(time.Now().Add(cfg.HandshakeTimeout))
	if err := ClientHandshake(conn, cfg.AuthKey); err != nil {
		conn.Close()
		return nil, fmt.Errorf("basemanager: connect to %s: %w", address, err)
	}
	conn.SetDeadline(time.Time{})
	return conn, nil
}

// NewClient returns an rpc client speaking the manager's codec on an
// authenticated connection, read and written with raw system calls where
// the socket allows (package rawio).
func NewClient(conn net.Conn, cfg *Config) *rpc.Client {
	return rpc.NewClientWithCodec(newClientCodec(rawio.Wrap(conn, nil), cfg.MaxMessageSize))
}

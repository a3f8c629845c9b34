// tls_test.go proves issue 4's TLS item: WithTLS on both sides, combined
// with the authkey, with a certificate authority and certificates made at
// run time. A client without TLS, or trusting another authority, fails
// cleanly; mutual TLS admits only clients with a certificate the server
// trusts.

package basemanager_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"log"
	"math/big"
	"net"
	"testing"
	"time"

	"gomanager/basemanager"
)

// tlsKey is the authkey of the TLS tests' servers: TLS and the authkey
// work together.
const tlsKey = "tls-test-key"

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool // trusts this authority alone
}

func newCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

// issue returns a certificate signed by ca for name, valid for usage and,
// for a server, for the IP addresses ips.
func (ca *testCA) issue(t *testing.T, name string, usage x509.ExtKeyUsage, ips ...net.IP) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		IPAddresses:  ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// loopbackIPs are the addresses the servers' certificates are valid for.
var loopbackIPs = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}

// serveOnly serves "phrase" at address with opts, plus the tlsKey authkey
// and a log the test can wait on, and returns its address. Unlike newPair
// it connects no client: client and server options differ here.
func serveOnly(t *testing.T, address string, opts ...basemanager.Option) (string, *logSink) {
	t.Helper()
	sink := newLogSink()
	opts = append([]basemanager.Option{basemanager.WithAuthKey(tlsKey), basemanager.WithLogger(log.New(sink, "", 0))}, opts...)
	m := basemanager.New(address, opts...)
	if err := m.Register("phrase", func() *phrase { return &phrase{S: "hello World"} }); err != nil {
		t.Fatal(err)
	}
	srv, err := m.GetServer()
	if err != nil {
		t.Fatalf("GetServer: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeForever() }()
	t.Cleanup(func() {
		srv.Stop()
		if err := receive(t, served, "ServeForever to return after Stop"); err != nil {
			t.Errorf("ServeForever: %v", err)
		}
	})
	return srv.Address(), sink
}

// dialManager connects a client manager to address with opts and returns
// it with Connect's error, which must come within waitLimit.
func dialManager(t *testing.T, address string, opts ...basemanager.Option) (*basemanager.Manager, error) {
	t.Helper()
	m := basemanager.New(address, opts...)
	t.Cleanup(func() { m.Shutdown() })
	if err := m.Register("phrase", nil); err != nil {
		t.Fatal(err)
	}
	return m, within(t, "Connect", m.Connect)
}

// upper checks that m's calls work.
func upper(t *testing.T, m *basemanager.Manager) {
	t.Helper()
	if got := call[string](t, get(t, m, "phrase"), "Upper"); got != "HELLO WORLD" {
		t.Errorf("Upper() = %q, want HELLO WORLD", got)
	}
}

func TestTLS(t *testing.T) {
	ca := newCA(t, "gomanager test CA")
	serverCert := ca.issue(t, "gomanager test server", x509.ExtKeyUsageServerAuth, loopbackIPs...)
	serverTLS := &tls.Config{Certificates: []tls.Certificate{serverCert}}
	clientTLS := &tls.Config{RootCAs: ca.pool} // no ServerName: the manager uses the address's host

	for _, address := range []string{"127.0.0.1:0", "[::1]:0"} {
		t.Run("calls work on "+address, func(t *testing.T) {
			if address == "[::1]:0" && !haveIPv6Loopback() {
				t.Skip("this machine has no IPv6 loopback")
			}
			addr, _ := serveOnly(t, address, basemanager.WithTLS(serverTLS))
			m, err := dialManager(t, addr, basemanager.WithTLS(clientTLS), basemanager.WithAuthKey(tlsKey))
			if err != nil {
				t.Fatalf("Connect over TLS: %v", err)
			}
			upper(t, m)
		})
	}

	t.Run("the wire is TLS", func(t *testing.T) {
		addr, _ := serveOnly(t, "127.0.0.1:0", basemanager.WithTLS(serverTLS))
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: waitLimit}, "tcp", addr, &tls.Config{RootCAs: ca.pool})
		if err != nil {
			t.Fatalf("a TLS handshake with the server: %v", err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(waitLimit))
		if state := conn.ConnectionState(); state.PeerCertificates[0].Subject.CommonName != "gomanager test server" {
			t.Errorf("server presented %q", state.PeerCertificates[0].Subject.CommonName)
		}
		readChallenge(t, conn) // the authkey's handshake runs inside TLS
	})

	t.Run("client without TLS", func(t *testing.T) {
		// The plain client waits for a challenge, the server for a TLS
		// hello: the server's handshake deadline ends it.
		addr, sink := serveOnly(t, "127.0.0.1:0", basemanager.WithTLS(serverTLS),
			basemanager.WithHandshakeTimeout(300*time.Millisecond))
		_, err := dialManager(t, addr, basemanager.WithAuthKey(tlsKey))
		if err == nil {
			t.Fatal("a client without TLS connected")
		}
		t.Logf("Connect: %v", err)
		sink.waitFor(t, "connection from")
		m, err := dialManager(t, addr, basemanager.WithTLS(clientTLS), basemanager.WithAuthKey(tlsKey))
		if err != nil {
			t.Fatalf("a TLS client afterwards: %v", err)
		}
		upper(t, m)
	})

	t.Run("TLS client, server without TLS", func(t *testing.T) {
		addr, _ := serveOnly(t, "127.0.0.1:0", basemanager.WithHandshakeTimeout(longHandshake))
		_, err := dialManager(t, addr, basemanager.WithTLS(clientTLS), basemanager.WithAuthKey(tlsKey))
		if err == nil {
			t.Fatal("a TLS client connected to a server without TLS")
		}
		t.Logf("Connect: %v", err)
	})

	t.Run("client trusting another CA", func(t *testing.T) {
		addr, sink := serveOnly(t, "127.0.0.1:0", basemanager.WithTLS(serverTLS))
		other := newCA(t, "another CA")
		_, err := dialManager(t, addr, basemanager.WithTLS(&tls.Config{RootCAs: other.pool}), basemanager.WithAuthKey(tlsKey))
		var verr *tls.CertificateVerificationError
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &verr) || !errors.As(err, &unknown) {
			t.Fatalf("Connect: %v, want a certificate verification error for an unknown authority", err)
		}
		sink.waitFor(t, "connection from")
	})

	t.Run("certificate for another address", func(t *testing.T) {
		elsewhere := ca.issue(t, "a server elsewhere", x509.ExtKeyUsageServerAuth, net.IPv4(127, 0, 0, 2))
		addr, _ := serveOnly(t, "127.0.0.1:0", basemanager.WithTLS(&tls.Config{Certificates: []tls.Certificate{elsewhere}}))
		_, err := dialManager(t, addr, basemanager.WithTLS(clientTLS), basemanager.WithAuthKey(tlsKey))
		var herr x509.HostnameError
		if !errors.As(err, &herr) {
			t.Fatalf("Connect: %v, want a hostname error", err)
		}
	})

	t.Run("wrong authkey over TLS", func(t *testing.T) {
		addr, _ := serveOnly(t, "127.0.0.1:0", basemanager.WithTLS(serverTLS))
		_, err := dialManager(t, addr, basemanager.WithTLS(clientTLS), basemanager.WithAuthKey("wrong"))
		if !errors.Is(err, basemanager.ErrAuthentication) {
			t.Fatalf("Connect: %v, want ErrAuthentication", err)
		}
	})
}

func TestMutualTLS(t *testing.T) {
	ca := newCA(t, "gomanager test CA")
	serverTLS := &tls.Config{
		Certificates: []tls.Certificate{ca.issue(t, "gomanager test server", x509.ExtKeyUsageServerAuth, loopbackIPs...)},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    ca.pool,
	}
	addr, _ := serveOnly(t, "127.0.0.1:0", basemanager.WithTLS(serverTLS))
	clientTLS := func(certs ...tls.Certificate) basemanager.Option {
		return basemanager.WithTLS(&tls.Config{RootCAs: ca.pool, Certificates: certs})
	}

	t.Run("client with a certificate", func(t *testing.T) {
		m, err := dialManager(t, addr, clientTLS(ca.issue(t, "a client", x509.ExtKeyUsageClientAuth)), basemanager.WithAuthKey(tlsKey))
		if err != nil {
			t.Fatalf("Connect with a client certificate: %v", err)
		}
		upper(t, m)
	})
	t.Run("client without a certificate", func(t *testing.T) {
		_, err := dialManager(t, addr, clientTLS(), basemanager.WithAuthKey(tlsKey))
		if err == nil {
			t.Fatal("a client without a certificate connected")
		}
		t.Logf("Connect: %v", err)
	})
	t.Run("client certificate from another CA", func(t *testing.T) {
		other := newCA(t, "another CA")
		_, err := dialManager(t, addr, clientTLS(other.issue(t, "a stranger", x509.ExtKeyUsageClientAuth)), basemanager.WithAuthKey(tlsKey))
		if err == nil {
			t.Fatal("a client with a certificate from another CA connected")
		}
		t.Logf("Connect: %v", err)
	})
}

// A connection over WithMaxConnections is refused with #BUSY# inside TLS.
// A peer that then never speaks must not stall the server's accept loop:
// once a slot frees up, a new client is admitted.
func TestTLSBusyRefusal(t *testing.T) {
	ca := newCA(t, "gomanager test CA")
	serverTLS := &tls.Config{Certificates: []tls.Certificate{ca.issue(t, "gomanager test server", x509.ExtKeyUsageServerAuth, loopbackIPs...)}}
	clientOpts := []basemanager.Option{basemanager.WithTLS(&tls.Config{RootCAs: ca.pool}), basemanager.WithAuthKey(tlsKey)}
	addr, sink := serveOnly(t, "127.0.0.1:0", basemanager.WithTLS(serverTLS), basemanager.WithMaxConnections(1))
	t.Cleanup(func() {
		if t.Failed() {
			sink.mu.Lock()
			t.Logf("server log:\n%s", sink.buf.String())
			sink.mu.Unlock()
		}
	})

	first, err := dialManager(t, addr, clientOpts...)
	if err != nil {
		t.Fatal(err)
	}
	upper(t, first)
	if _, err := dialManager(t, addr, clientOpts...); !errors.Is(err, basemanager.ErrTooManyConnections) {
		t.Fatalf("Connect over the limit: %v, want ErrTooManyConnections", err)
	}

	// Over the limit, and silent: no TLS hello. It must be refused (closed)
	// while the server is full; only then does the first client leave.
	expectClosed(t, dialRaw(t, addr))
	first.Shutdown()
	next := basemanager.New(addr, clientOpts...)
	t.Cleanup(func() { next.Shutdown() })
	if err := next.Register("phrase", nil); err != nil {
		t.Fatal(err)
	}
	connectEventually(t, next)
	upper(t, next)
}

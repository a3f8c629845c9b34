package rawio

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// pair returns both ends of a connection on network ("tcp" on loopback, or
// "unix" in a temporary directory).
func pair(t *testing.T, network string) (client, server net.Conn) {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "unix" {
		addr = filepath.Join(t.TempDir(), "s.sock")
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial(network, ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	select {
	case server = <-accepted:
	case <-time.After(10 * time.Second):
		t.Fatal("no connection accepted within 10s")
	}
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

func TestRoundTrips(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			c, s := pair(t, network)
			rc, rs := Wrap(c, nil), Wrap(s, nil)
			if runtime.GOOS == "linux" {
				if _, ok := rc.(*Conn); !ok {
					t.Fatalf("Wrap(%T) = %T, want *Conn", c, rc)
				}
			}
			// Many small round trips, as a lone caller's.
			buf := make([]byte, 64)
			for i := range 200 {
				msg := []byte(strings.Repeat("x", i%50+1))
				if _, err := rc.Write(msg); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(rs, buf[:len(msg)]); err != nil {
					t.Fatal(err)
				}
				if _, err := rs.Write(buf[:len(msg)]); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(rc, buf[:len(msg)]); err != nil || !bytes.Equal(buf[:len(msg)], msg) {
					t.Fatalf("round trip %d: %q, %v", i, buf[:len(msg)], err)
				}
			}
			// A write larger than rawMax, and one larger than the socket's
			// buffers, read while it is written: Write waits for the
			// socket to drain.
			big := bytes.Repeat([]byte("0123456789abcdef"), (8<<20)/16)
			werr := make(chan error, 1)
			go func() {
				_, err := rc.Write(big)
				werr <- err
			}()
			got := make([]byte, len(big))
			if _, err := io.ReadFull(rs, got); err != nil || !bytes.Equal(got, big) {
				t.Fatalf("big write read back wrong: %v", err)
			}
			if err := <-werr; err != nil {
				t.Fatal(err)
			}
			// The peer's close is io.EOF.
			c.Close()
			if n, err := rs.Read(buf); n != 0 || err != io.EOF {
				t.Fatalf("Read after the peer closed = %d, %v; want 0, io.EOF", n, err)
			}
		})
	}
}

// TestPrefix reads what a bufio.Reader peeked first, then the socket.
func TestPrefix(t *testing.T) {
	c, s := pair(t, "tcp")
	if _, err := c.Write([]byte("peeked|rest")); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReaderSize(s, 16)
	if _, err := br.Peek(6); err != nil {
		t.Fatal(err)
	}
	rs := Wrap(s, br)
	got := make([]byte, len("peeked|rest"))
	if _, err := io.ReadFull(rs, got); err != nil || string(got) != "peeked|rest" {
		t.Fatalf("read %q, %v", got, err)
	}
	if _, err := c.Write([]byte("more")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(rs, got[:4]); err != nil || string(got[:4]) != "more" {
		t.Fatalf("read %q, %v", got[:4], err)
	}
}

// TestNotASocket: a connection without a socket of its own (net.Pipe,
// as TLS) is returned as it is, or with its prefix.
func TestNotASocket(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if w := Wrap(a, nil); w != a {
		t.Fatalf("Wrap(pipe) = %T, want the pipe itself", w)
	}
	go b.Write([]byte("xyz"))
	br := bufio.NewReader(a)
	if _, err := br.Peek(1); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 3)
	if _, err := io.ReadFull(Wrap(a, br), got); err != nil || string(got) != "xyz" {
		t.Fatalf("read %q, %v", got, err)
	}
}

// TestDeadlineAndClose: a read waiting in the poller honors a deadline
// (a net.Error that times out) and ends when the connection is closed.
func TestDeadlineAndClose(t *testing.T) {
	c, _ := pair(t, "tcp")
	rc := Wrap(c, nil)
	rc.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err := rc.Read(make([]byte, 8))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past its deadline = %v, want a timeout", err)
	}
	rc.SetReadDeadline(time.Time{})
	done := make(chan error, 1)
	go func() {
		_, err := rc.Read(make([]byte, 8))
		done <- err
	}()
	rc.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Read on a closed connection = %v, want net.ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Read did not return within 10s of Close")
	}
}

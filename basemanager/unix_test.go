// unix_test.go proves issue 12's Unix socket addresses for Go clients of
// the Go server: Python's BaseManager(address='/tmp/m.sock'), as
// New("/tmp/m.sock") or New("unix:m.sock"). A server without an authkey
// serves one (a Unix socket is local, as loopback is), its file is 0600
// and gone after Stop, Shutdown or a Start's Shutdown; tokens carry the
// path; a file in the way is refused and left alone; a second server on a
// live socket is refused, and the first serves on.

package basemanager_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"gomanager/basemanager"
	"gomanager/basemanager/internal/testkit"
	"gomanager/proxy"
)

// checkSocketFile checks that path is a socket file of mode 0600.
func checkSocketFile(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("the socket file: %v", err)
	}
	if fi.Mode().Type() != fs.ModeSocket || fi.Mode()&0o777 != 0o600 {
		t.Errorf("%s has mode %v, want a socket with 0600", path, fi.Mode())
	}
}

// checkGone checks that the socket file at path was removed.
func checkGone(t *testing.T, path, after string) {
	t.Helper()
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after %s the socket file %s is still there (%v)", after, path, err)
	}
}

// countOn connects to address, gets a proxy for "get_counter" and adds n
// through it, returning the proxy.
func countOn(t *testing.T, address string, n int, opts ...basemanager.Option) *proxy.Proxy {
	t.Helper()
	m := basemanager.New(address, opts...)
	m.Register("get_counter", nil)
	if err := m.Connect(); err != nil {
		t.Fatalf("Connect to %s: %v", address, err)
	}
	t.Cleanup(func() { m.Shutdown() })
	p, err := m.Get("get_counter")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if _, err := p.CallMethod("Add", n); err != nil {
		t.Fatalf("Add: %v", err)
	}
	return p
}

// A server with no authkey on a socket path: GetServer, ServeForever,
// proxies whose tokens carry the path, and the file gone after Stop.
func TestUnixSocketServer(t *testing.T) {
	path := filepath.Join(testkit.SocketDir(t), "m.sock")
	shared := &Counter{}
	m := basemanager.New(path, basemanager.WithLogger(nil)) // no authkey: a Unix socket is local
	m.Register("get_counter", func() *Counter { return shared })
	srv, err := m.GetServer()
	if err != nil {
		t.Fatalf("GetServer on %s without an authkey: %v (ErrInsecureAddress: %v)", path, err, errors.Is(err, basemanager.ErrInsecureAddress))
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeForever() }()
	if srv.Address() != path || m.Address() != path {
		t.Errorf("srv.Address() = %q, m.Address() = %q; want %q", srv.Address(), m.Address(), path)
	}
	checkSocketFile(t, path)

	p := countOn(t, path, 2)
	q := countOn(t, path, 3)
	if tok := p.Token(); tok.Address != path {
		t.Errorf("the proxy's token: %v, want its address %q", tok, path)
	}
	if n, err := proxy.Call[int](q, "Value"); err != nil || n != 5 || shared.Value() != 5 {
		t.Errorf("Value through the second proxy: %d, %v (in the server: %d); want 5", n, err, shared.Value())
	}

	srv.Stop()
	if err := testkit.Receive(t, served, "ServeForever to return after Stop"); err != nil {
		t.Errorf("ServeForever: %v", err)
	}
	checkGone(t, path, "Stop")
}

// "unix:m.sock" is m.sock in the working directory; Address reports it as
// "./m.sock", which New takes back. Start and Shutdown; then a server that
// drains (Server.Shutdown) removes its file too.
func TestUnixSocketStartRelative(t *testing.T) {
	dir := testkit.SocketDir(t)
	t.Chdir(dir)
	m := basemanager.New("unix:m.sock", basemanager.WithAuthKey("unix key"))
	shared := &Counter{}
	m.Register("get_counter", func() *Counter { return shared })
	if err := m.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if m.Address() != "./m.sock" {
		t.Errorf("Address() = %q, want \"./m.sock\"", m.Address())
	}
	checkSocketFile(t, filepath.Join(dir, "m.sock"))
	p := countOn(t, m.Address(), 4, basemanager.WithAuthKey("unix key"))
	if p.Token().Address != "./m.sock" {
		t.Errorf("the proxy's token: %v, want its address \"./m.sock\"", p.Token())
	}
	if err := m.Shutdown(); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	checkGone(t, filepath.Join(dir, "m.sock"), "Shutdown")

	m = basemanager.New("unix:m.sock", basemanager.WithAuthKey("unix key"))
	srv, err := m.GetServer()
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeForever() }()
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Errorf("Server.Shutdown: %v", err)
	}
	if err := testkit.Receive(t, served, "ServeForever to return after Shutdown"); err != nil {
		t.Errorf("ServeForever: %v", err)
	}
	checkGone(t, filepath.Join(dir, "m.sock"), "Server.Shutdown")
}

// A regular file in the way is refused (fs.ErrExist) and left as it was;
// a second server on a live socket is refused (EADDRINUSE) and the first
// serves on, its file still there; ConnectContext waits for a socket file
// that does not exist yet.
func TestUnixSocketInTheWay(t *testing.T) {
	dir := testkit.SocketDir(t)
	file := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(file, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := basemanager.New(file).GetServer(); !errors.Is(err, fs.ErrExist) {
		t.Errorf("GetServer on a regular file: %v, want an error wrapping fs.ErrExist", err)
	}
	if data, err := os.ReadFile(file); err != nil || string(data) != "keep me" {
		t.Errorf("the regular file after the refusal: %q, %v; want it untouched", data, err)
	}

	path := filepath.Join(dir, "m.sock")
	ctx, cancel := context.WithTimeout(context.Background(), testkit.WaitLimit)
	defer cancel()
	early := basemanager.New(path)
	if err := early.Connect(); err == nil {
		t.Fatalf("Connect with no socket file succeeded")
	}
	connected := make(chan error, 1)
	go func() { connected <- early.ConnectContext(ctx) }()
	defer early.Shutdown()

	shared := &Counter{}
	first := basemanager.New(path, basemanager.WithLogger(nil))
	first.Register("get_counter", func() *Counter { return shared })
	testkit.Serve(t, first)
	if err := testkit.Receive(t, connected, "ConnectContext"); err != nil {
		t.Errorf("ConnectContext, the socket file made meanwhile: %v", err)
	}

	if srv, err := basemanager.New(path).GetServer(); !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("a second server on a live socket: %v, want an error wrapping EADDRINUSE", err)
		if srv != nil {
			srv.Stop()
		}
	}
	checkSocketFile(t, path)
	countOn(t, path, 1)
	if shared.Value() != 1 {
		t.Errorf("the first server's counter is %d, want 1", shared.Value())
	}
}

//go:build unix

// unix_test.go checks Unix socket addresses (unix.go) on real sockets:
// their normal form and the ones refused, the socket file's mode 0600
// whatever the umask, what is in the way of a new socket (refused and left
// alone, or removed if stale), removal on Close of the file this listener
// made and of no other, and an authenticated connection over the socket.

package connection

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// testLimit bounds every wait here (package testkit imports basemanager,
// which imports this package, so its WaitLimit is out of reach).
const testLimit = 10 * time.Second

// socketDir returns a directory for socket files whose paths fit in
// sun_path: t.TempDir(), or a shorter one when the test's name makes that
// too long.
func socketDir(t *testing.T) string {
	t.Helper()
	if dir := t.TempDir(); len(dir) < 80 {
		return dir
	}
	dir, err := os.MkdirTemp("", "gm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func TestNormalizeUnixAddress(t *testing.T) {
	long := "/" + strings.Repeat("d", maxUnixPath)
	for _, tc := range []struct {
		name, address, want, err string
	}{
		{name: "absolute path", address: "/tmp/m.sock", want: "/tmp/m.sock"},
		{name: "relative path with a slash", address: "run/m.sock", want: "run/m.sock"},
		{name: "unix: and a bare name", address: "unix:m.sock", want: "./m.sock"},
		{name: "unix: and a path", address: "unix:/tmp/m.sock", want: "/tmp/m.sock"},
		{name: "normal form is stable", address: "./m.sock", want: "./m.sock"},
		{name: "host:port untouched", address: "127.0.0.1:5000", want: "127.0.0.1:5000"},
		{name: "missing host", address: ":5000", want: "127.0.0.1:5000"},
		{name: "abstract @", address: "@name", err: "abstract Unix socket names are not supported"},
		{name: "abstract NUL", address: "\x00name", err: "abstract Unix socket names are not supported"},
		{name: "unix: and abstract", address: "unix:@name", err: "abstract Unix socket names are not supported"},
		{name: "unix: and nothing", address: "unix:", err: "no socket path"},
		{name: "NUL inside", address: "/tmp/a\x00b", err: "NUL"},
		{name: "too long", address: long, err: "must be shorter than"},
		{name: "neither", address: "m.sock", err: "or a Unix socket path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeAddress(tc.address)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("NormalizeAddress(%q) = %q, %v; want an error saying %q", tc.address, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("NormalizeAddress(%q) = %q, %v; want %q", tc.address, got, err, tc.want)
			}
			if again, err := NormalizeAddress(got); err != nil || again != got {
				t.Errorf("NormalizeAddress(%q) = %q, %v; the normal form must normalize to itself", got, again, err)
			}
		})
	}
}

// A Unix socket is local, as loopback is: no heartbeat by default.
func TestUnixSocketIsLocal(t *testing.T) {
	cfg := DefaultConfig()
	for address, local := range map[string]bool{"/tmp/m.sock": true, "./m.sock": true, "127.0.0.1:1": true, "192.0.2.1:1": false} {
		if IsLocal(address) != local {
			t.Errorf("IsLocal(%q) = %v, want %v", address, !local, local)
		}
		if hb, want := cfg.HeartbeatFor(address), map[bool]time.Duration{true: 0, false: DefaultHeartbeat}[local]; hb != want {
			t.Errorf("HeartbeatFor(%q) = %v, want %v", address, hb, want)
		}
	}
}

// The socket file is 0600 whatever the umask: a wide one (0) does not
// widen it, a narrow one (0277, which would leave the owner unable to
// connect) does not narrow it.
func TestUnixSocketMode(t *testing.T) {
	dir := socketDir(t)
	for i, umask := range []int{0, 0o022, 0o277} {
		path := filepath.Join(dir, "m"+string(rune('0'+i))+".sock")
		old := syscall.Umask(umask)
		ln, err := Listen(path, &Config{})
		syscall.Umask(old)
		if err != nil {
			t.Fatalf("umask %#o: %v", umask, err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
			t.Errorf("umask %#o: the socket file's mode is %v, want a socket with 0600", umask, fi.Mode())
		}
		conn, err := net.DialTimeout("unix", path, testLimit)
		if err != nil {
			t.Errorf("umask %#o: its owner cannot connect: %v", umask, err)
		} else {
			conn.Close()
		}
		ln.Close()
	}
}

// What is in the way of a new socket: a regular file or a directory is
// refused (fs.ErrExist) and left as it was; a live socket is refused
// (EADDRINUSE) and keeps serving; a stale one is replaced.
func TestUnixSocketInTheWay(t *testing.T) {
	dir := socketDir(t)

	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if ln, err := Listen(file, &Config{}); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Listen on a regular file: %v, want an error wrapping fs.ErrExist", err)
		if ln != nil {
			ln.Close()
		}
	}
	if data, err := os.ReadFile(file); err != nil || string(data) != "keep me" {
		t.Errorf("the regular file after the refusal: %q, %v; want it untouched", data, err)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode() != 0o644 {
		t.Errorf("the regular file's mode after the refusal: %v, %v; want -rw-r--r--", fi.Mode(), err)
	}

	if _, err := Listen(dir, &Config{}); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Listen on a directory: %v, want an error wrapping fs.ErrExist", err)
	}

	live := filepath.Join(dir, "live.sock")
	other, err := net.Listen("unix", live) // another server's
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	accepted := make(chan error, 1)
	go func() {
		conn, err := other.Accept() // the probe
		if err == nil {
			conn.Close()
		}
		accepted <- err
	}()
	if ln, err := Listen(live, &Config{}); !errors.Is(err, syscall.EADDRINUSE) || !strings.Contains(err.Error(), "listens there already") {
		t.Errorf("Listen where a server listens: %v, want an error wrapping EADDRINUSE", err)
		if ln != nil {
			ln.Close()
		}
	}
	receive(t, accepted)
	conn, err := net.DialTimeout("unix", live, testLimit)
	if err != nil {
		t.Errorf("the other server's socket after the refusal: %v", err)
	} else {
		conn.Close()
	}

	stale := filepath.Join(dir, "stale.sock")
	dead, err := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	dead.SetUnlinkOnClose(false)
	dead.Close() // its file stays: a server that died
	if _, err := os.Lstat(stale); err != nil {
		t.Fatal(err)
	}
	ln, err := Listen(stale, &Config{})
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v, want it replaced", err)
	}
	defer ln.Close()
	conn, err = net.DialTimeout("unix", stale, testLimit)
	if err != nil {
		t.Fatalf("connecting to the socket that replaced the stale one: %v", err)
	}
	conn.Close()
}

// Close removes the socket file, once, and only if it is still the one
// the listener made.
func TestUnixSocketRemovedOnClose(t *testing.T) {
	dir := socketDir(t)
	path := filepath.Join(dir, "m.sock")
	ln, err := Listen(path, &Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ln.Addr().String(); got != path {
		t.Errorf("Addr() = %q, want %q", got, path)
	}
	ln.Close()
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after Close the socket file is still there: %v", err)
	}
	if err := ln.Close(); err != nil {
		t.Errorf("a second Close: %v, want nil", err)
	}

	// Someone removed our file and put theirs in its place: ours closes
	// without touching theirs.
	ln, err = Listen(path, &Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("theirs"), 0o600); err != nil {
		t.Fatal(err)
	}
	ln.Close()
	if data, err := os.ReadFile(path); err != nil || string(data) != "theirs" {
		t.Errorf("after Close, the file that took the path: %q, %v; want it untouched", data, err)
	}
}

// A client dials the socket and both sides authenticate, as over TCP; a
// path nobody listens on is Refused (what ConnectContext retries on).
func TestUnixSocketDial(t *testing.T) {
	path := filepath.Join(socketDir(t), "m.sock")
	cfg := DefaultConfig()
	cfg.AuthKey = []byte("unix key")
	ctx, cancel := context.WithTimeout(context.Background(), testLimit)
	defer cancel()
	if _, err := Dial(ctx, path, &cfg); !Refused(err) {
		t.Errorf("Dial with no socket file: %v, want Refused", err)
	}

	ln, err := Listen(path, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan error, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			served <- err
			return
		}
		defer conn.Close()
		served <- Accept(conn, &cfg)
	}()
	conn, err := Dial(ctx, path, &cfg)
	if err != nil {
		t.Fatalf("Dial %s: %v", path, err)
	}
	conn.Close()
	if err := receive(t, served); err != nil {
		t.Errorf("the server's side of the handshake: %v", err)
	}

	ln.(*unixListener).UnixListener.SetUnlinkOnClose(false)
	ln.(*unixListener).UnixListener.Close() // nothing listens; the file stays
	if _, err := Dial(ctx, path, &cfg); !Refused(err) {
		t.Errorf("Dial a stale socket: %v, want Refused", err)
	}
}

// receive waits for one value from c, failing the test after testLimit.
func receive[T any](t *testing.T, c <-chan T) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(testLimit):
		t.Fatalf("gave up after %v", testLimit)
		var zero T
		return zero
	}
}

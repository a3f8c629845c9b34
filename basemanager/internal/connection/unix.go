// unix.go is the other address family of Python's connection.py: a Unix
// domain socket, named by a path (address_type's 'AF_UNIX', a str address,
// as in BaseManager(address='/tmp/m.sock')). Python binds the path as
// given and unlinks it when its listener closes; so does this, and more:
//
//   - The socket file is mode 0600, with no moment when it is wider and
//     connectable: the socket is bound, then chmod-ed, and only then does it
//     listen (until listen, a connect is refused, so none can wait in the
//     backlog to be accepted later). On Linux it is born 0600 as well: an
//     fchmod before bind sets the mode the file is created with.
//   - Something in the way that is not a socket is refused, and left
//     untouched (fs.ErrExist); a socket a server still listens on is
//     refused too (syscall.EADDRINUSE); a stale one, left by a server that
//     died, is removed first. (Python's bind fails on either socket.)
//   - Close removes the file only if it is still the one this listener
//     created: never another server's, which took the path since.
//
// Linux's abstract socket names ("@name", "\x00name") are not supported.

package connection

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
)

// UnixPrefix marks an address as a Unix socket path that contains no
// slash, such as "unix:m.sock": the file m.sock in the working directory.
const UnixPrefix = "unix:"

// UnixPath returns the socket path a normalized address names, and whether
// it names one: every address with a slash in it does ("/tmp/m.sock",
// "./m.sock"); a "host:port" never has one.
func UnixPath(address string) (string, bool) {
	return address, strings.Contains(address, "/")
}

// normalizeUnix checks a Unix socket address and returns its normal form,
// the path, with "./" before a path without a slash: "unix:m.sock" is
// "./m.sock", which names the same file and, given to New again, the same
// socket.
func normalizeUnix(address string) (string, error) {
	path := strings.TrimPrefix(address, UnixPrefix)
	switch {
	case path == "":
		return "", fmt.Errorf("basemanager: address %q: no socket path after %q (want a path, such as \"unix:m.sock\" or \"/tmp/m.sock\")",
			address, UnixPrefix)
	case path[0] == '@' || path[0] == 0:
		return "", fmt.Errorf("basemanager: address %q: abstract Unix socket names are not supported (use a path, such as \"/tmp/m.sock\")", address)
	case strings.IndexByte(path, 0) >= 0:
		return "", fmt.Errorf("basemanager: address %q: a socket path cannot contain a NUL byte", address)
	}
	if !strings.Contains(path, "/") {
		path = "./" + path
	}
	if len(path) >= maxUnixPath {
		return "", fmt.Errorf("basemanager: address %q: a Unix socket path must be shorter than %d bytes, this one has %d "+
			"(choose a shorter path, or a relative one such as \"unix:m.sock\")", address, maxUnixPath, len(path))
	}
	return path, nil
}

// isUnixAddress reports whether address, as given by a user, names a Unix
// socket: it has the "unix:" prefix or a slash, or starts as Linux's
// abstract names do (which normalizeUnix refuses, saying why).
func isUnixAddress(address string) bool {
	return strings.HasPrefix(address, UnixPrefix) || strings.Contains(address, "/") ||
		strings.HasPrefix(address, "@") || strings.HasPrefix(address, "\x00")
}

// IsLocal reports whether a normalized address can only be reached from
// this machine: a loopback host, or a Unix socket. A server without an
// authkey serves only these, and a client heartbeats on none of them.
func IsLocal(address string) bool {
	if _, ok := UnixPath(address); ok {
		return true
	}
	host, _, _ := net.SplitHostPort(address)
	return IsLoopback(host)
}

// Refused reports whether a Dial failed because nothing listens at the
// address yet: the connection was refused, or the socket file is missing.
func Refused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT)
}

// listenUnix makes way for a socket at path (see clearUnix) and listens
// on it, with mode 0600 (bindUnix).
func listenUnix(path string) (net.Listener, error) {
	if err := clearUnix(path); err != nil {
		return nil, err
	}
	ln, err := bindUnix(path)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("basemanager: listen on %s: the path was taken meanwhile (by another server starting?): %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("basemanager: listen on %s: %w", path, err)
	}
	created, err := os.Lstat(path)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("basemanager: listen on %s: the socket file vanished: %w", path, err)
	}
	return &unixListener{UnixListener: ln, path: path, created: created}, nil
}

// clearUnix makes way for a new socket at path: nothing there is fine; a
// socket nothing listens on any more is removed; anything else is an error
// that leaves the file untouched.
func clearUnix(path string) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("basemanager: listen on %s: %w", path, err)
	case fi.Mode().Type() != fs.ModeSocket:
		return fmt.Errorf("basemanager: listen on %s: a file that is not a socket (%v) is in the way; "+
			"remove it, or choose another path: %w", path, fi.Mode().Type(), fs.ErrExist)
	}
	conn, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		conn.Close()
		return fmt.Errorf("basemanager: listen on %s: a server listens there already (stop it, or choose another path): %w",
			path, syscall.EADDRINUSE)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("basemanager: listen on %s: a socket file is in the way, and connecting to it to see whether it is stale failed "+
			"(remove it, or choose another path): %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) { // stale: its server is gone
		return fmt.Errorf("basemanager: listen on %s: removing the stale socket file: %w", path, err)
	}
	return nil
}

// unixListener is a listener on a socket file it created; Close removes
// the file, if it is still that file.
type unixListener struct {
	*net.UnixListener
	path    string
	created fs.FileInfo // the file bind made, to tell it from a later one
	once    sync.Once
	err     error
}

// Addr returns the path as the listener was asked to bind it.
func (l *unixListener) Addr() net.Addr { return &net.UnixAddr{Name: l.path, Net: "unix"} }

// Close removes the socket file, unless another has taken its place, and
// closes the listener. It is idempotent, as Stop and Shutdown both close.
func (l *unixListener) Close() error {
	l.once.Do(func() {
		if fi, err := os.Lstat(l.path); err == nil && os.SameFile(fi, l.created) {
			os.Remove(l.path)
		}
		l.err = l.UnixListener.Close()
	})
	return l.err
}

//go:build unix

package connection

import (
	"net"
	"os"
	"syscall"
)

// maxUnixPath is the size of sun_path (108 bytes on Linux, 104 on the
// BSDs): a path must be shorter, leaving room for its NUL.
const maxUnixPath = len(syscall.RawSockaddrUnix{}.Path)

// unixBacklog is how many connections may wait to be accepted; the kernel
// caps it (somaxconn). A full backlog fails a Unix socket's connect at once
// (EAGAIN), where TCP's would retry: so it is as large as a server keeps
// connections.
const unixBacklog = DefaultMaxConnections

// bindUnix creates the socket file at path with mode 0600 and listens on
// it: socket, bind, chmod and only then listen, so no connection can be
// made, or wait in the backlog, while the file's mode is another. (Package
// net binds and listens in one step; hence the system calls.)
func bindUnix(path string) (*net.UnixListener, error) {
	syscall.ForkLock.RLock() // as package net does: no child inherits the descriptor
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close() // FileListener works on a copy
	// On Linux the file is created with the socket's mode, less the umask:
	// 0600 from its first moment. Elsewhere this may fail; the chmod does it.
	syscall.Fchmod(fd, 0o600)
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: path}); err != nil {
		return nil, os.NewSyscallError("bind", err)
	}
	// Exactly 0600: a umask like 0277 made it narrower than its owner can use.
	if err := os.Chmod(path, 0o600); err != nil {
		os.Remove(path) // ours: bind just made it
		return nil, err
	}
	if err := syscall.Listen(fd, unixBacklog); err != nil {
		os.Remove(path)
		return nil, os.NewSyscallError("listen", err)
	}
	ln, err := net.FileListener(f) // which, not having made the file, will not remove it: unixListener does
	if err != nil {
		os.Remove(path)
		return nil, err
	}
	return ln.(*net.UnixListener), nil
}

//go:build !unix

package connection

import (
	"errors"
	"net"
	"runtime"
)

// maxUnixPath is the size of sun_path on the systems that have one.
const maxUnixPath = 108

// bindUnix refuses: listening on a Unix socket path needs a Unix system.
func bindUnix(path string) (*net.UnixListener, error) {
	return nil, errors.New("Unix socket paths are not supported on " + runtime.GOOS + " (listen on \"127.0.0.1:port\")")
}

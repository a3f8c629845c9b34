//go:build unix

// limits_unix_test.go raises the file-descriptor limit for the tests that
// hold thousands of connections (hostile_test.go, scale_test.go).

package basemanager_test

import (
	"syscall"
	"testing"
)

// raiseFileLimit makes sure this process may have need files open, raising
// the soft limit as far as the hard one (ulimit -Hn) if it must; it skips
// the test if even the hard limit is too low.
func raiseFileLimit(t *testing.T, need uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skipf("needs %d file descriptors, and the limit is unreadable: %v", need, err)
	}
	if lim.Cur >= need {
		return
	}
	if lim.Max < need {
		t.Skipf("needs %d file descriptors; the hard limit (ulimit -Hn) is %d", need, lim.Max)
	}
	raised := lim
	raised.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err != nil {
		t.Skipf("needs %d file descriptors; raising the soft limit from %d to %d: %v", need, lim.Cur, lim.Max, err)
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim) })
}

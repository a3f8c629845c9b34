//go:build unix

// os_unix.go raises the file-descriptor limit for the benchmarks and tests
// that hold a thousand connections, and reads a process's CPU time.

package benchkit

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// RaiseFileLimit makes sure this process, and the children it starts
// afterwards, may have need files open, raising the soft limit as far as
// the hard one (ulimit -Hn) if it must; it skips the benchmark if even the
// hard limit is too low. Cleanup restores the old limit. hostile_test.go
// and scale_test.go use it too.
func RaiseFileLimit(tb testing.TB, need uint64) {
	tb.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		tb.Skipf("needs %d file descriptors, and the limit is unreadable: %v", need, err)
	}
	if lim.Cur >= need {
		return
	}
	if lim.Max < need {
		tb.Skipf("needs %d file descriptors; the hard limit (ulimit -Hn) is %d", need, lim.Max)
	}
	raised := lim
	raised.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err != nil {
		tb.Skipf("needs %d file descriptors; raising the soft limit from %d to %d: %v", need, lim.Cur, lim.Max, err)
	}
	tb.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim) })
}

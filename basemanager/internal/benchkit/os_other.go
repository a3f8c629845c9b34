//go:build !unix

package benchkit

import (
	"testing"
	"time"
)

// cpuTime is 0 where getrusage is not available.
func cpuTime() time.Duration { return 0 }

// RaiseFileLimit does nothing where there is no RLIMIT_NOFILE.
func RaiseFileLimit(tb testing.TB, need uint64) {}

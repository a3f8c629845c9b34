// Package benchkit holds what basemanager's benchmarks (the core's and the
// shared types') share: a server child process (the test binary run again)
// that serves both a gomanager SyncManager and the plain net/rpc baseline,
// the baseline's hand-written services, and the latency and throughput
// measurements.
//
// Every benchmark measures gomanager and its baseline in the same run, as
// sub-benchmarks "system=gomanager" and "system=netrpc", or call by call in
// turn in one benchmark (Interleaved), so that only ratios taken within one
// run are compared: absolute figures move a lot on a shared machine.
// testdata/bench/compare.sh runs them with the Python script and prints
// the table of ratios.
package benchkit

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Latencies records the duration of each call, to report percentiles:
// ns/op alone is a mean, which one stalled call can skew.
type Latencies struct {
	d []time.Duration
}

// NewLatencies returns a recorder with room for n calls.
func NewLatencies(n int) *Latencies {
	return &Latencies{d: make([]time.Duration, 0, n)}
}

// Time runs f and records how long it took.
func (l *Latencies) Time(f func() error) error {
	start := time.Now()
	err := f()
	l.d = append(l.d, time.Since(start))
	return err
}

// Report adds the median and 99th percentile to b's results, as
// "p50-ns" and "p99-ns".
func (l *Latencies) Report(b *testing.B) {
	if len(l.d) == 0 {
		return
	}
	slices.Sort(l.d)
	b.ReportMetric(float64(percentile(l.d, 50)), "p50-ns")
	b.ReportMetric(float64(percentile(l.d, 99)), "p99-ns")
}

func percentile[T cmp.Ordered](sorted []T, p int) T {
	i := (len(sorted)*p+99)/100 - 1 // nearest rank
	return sorted[max(i, 0)]
}

// Spread runs b.N calls of the workers' functions on workers goroutines,
// each goroutine taking the next call from a shared counter, and reports
// the throughput as "calls/s", with the CPU time per call of this process
// and of s. worker(i) is called once per goroutine, before the timer
// starts, and returns the call that goroutine makes. The first error stops
// the benchmark.
func Spread(b *testing.B, s *Server, workers int, worker func(i int) func() error) {
	b.Helper()
	calls := make([]func() error, workers)
	for i := range calls {
		calls[i] = worker(i)
	}
	var next atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	cpu := s.StartCPU(b)
	b.ResetTimer()
	start := time.Now()
	for _, call := range calls {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) && failed.Load() == nil {
				if err := call(); err != nil {
					failed.CompareAndSwap(nil, &err)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "calls/s")
	cpu.Report(b)
}

// Calls times b.N calls made one after the other, after a warm-up, and
// reports their median and 99th percentile and the CPU time per call of
// this process and of s.
func Calls(b *testing.B, s *Server, call func() error) {
	b.Helper()
	b.ReportAllocs()
	for range 100 { // warm up: gob sends each type once per connection
		if err := call(); err != nil {
			b.Fatal(err)
		}
	}
	lat := NewLatencies(b.N)
	cpu := s.StartCPU(b)
	b.ResetTimer()
	for range b.N {
		if err := lat.Time(call); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	lat.Report(b)
	cpu.Report(b)
}

// Interleaved times b.N calls of gomanager and of netrpc, alternating which
// goes first, and reports each one's median and 99th percentile
// ("gomanager-p50-ns", ...) and the ratios of the medians and of the 99th
// percentiles ("p50-ratio", "p99-ratio": gomanager / netrpc).
func Interleaved(b *testing.B, s *Server, gomanager, netrpc func() error) {
	b.Helper()
	b.ReportAllocs()
	for range 100 { // warm up both
		if err := errors.Join(gomanager(), netrpc()); err != nil {
			b.Fatal(err)
		}
	}
	gm, rpc := NewLatencies(b.N), NewLatencies(b.N)
	b.ResetTimer()
	for i := range b.N {
		first, second := gomanager, netrpc
		lfirst, lsecond := gm, rpc
		if i%2 == 1 {
			first, second, lfirst, lsecond = netrpc, gomanager, rpc, gm
		}
		if err := errors.Join(lfirst.Time(first), lsecond.Time(second)); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	slices.Sort(gm.d)
	slices.Sort(rpc.d)
	for _, p := range []int{50, 99} {
		g, r := percentile(gm.d, p), percentile(rpc.d, p)
		b.ReportMetric(float64(g), fmt.Sprintf("gomanager-p%d-ns", p))
		b.ReportMetric(float64(r), fmt.Sprintf("netrpc-p%d-ns", p))
		b.ReportMetric(float64(g)/float64(r), fmt.Sprintf("p%d-ratio", p))
	}
}

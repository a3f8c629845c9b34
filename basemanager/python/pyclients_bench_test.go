// pyclients_bench_test.go measures CPython's own manager clients served by
// the Go server against the same clients served by CPython's SyncManager
// server, in one run (issue 14, part 3): the script
// testdata/bench/python_clients_bench.py does the measuring.

package python_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/basemanager/internal/testkit"
)

// BenchmarkPythonClients serves a Go SyncManager in this process and runs
// python_clients_bench.py against it and against a CPython SyncManager
// server the script starts, in turn, GOMANAGER_BENCH_ROUNDS rounds
// (default 5) whatever b.N is: the script runs once. Each round is a
// ratio of its own; the medians are reported:
//
//   - ops-ratio: operations per second of 8 client processes (each with
//     its own dict and Queue), Go server ÷ CPython server (target ≥ 2),
//     with the lowest and highest round's (ops-ratio-min, ops-ratio-max)
//   - server-cpu-ratio: the server's CPU time per operation then, Go ÷
//     CPython
//   - lone-ratio: median time of a lone client's d[k], Go server ÷
//     CPython server (target ≤ 1), with its lowest and highest round's
//
// with the absolute figures beside them. The script's own lines, a Go
// benchmark line per figure and round, are printed as they come. The
// interpreter is python3, or GOMANAGER_BENCH_PYTHON.
// GOMANAGER_BENCH_STRACE=1 also has the script count each server's system
// calls per operation (strace -f -c), once the rounds are done.
func BenchmarkPythonClients(b *testing.B) {
	interp := os.Getenv("GOMANAGER_BENCH_PYTHON")
	if interp == "" {
		interp = "python3"
	}
	if _, err := exec.LookPath(interp); err != nil {
		b.Skipf("BenchmarkPythonClients needs CPython: %v (set GOMANAGER_BENCH_PYTHON)", err)
	}
	rounds := 5
	if r := os.Getenv("GOMANAGER_BENCH_ROUNDS"); r != "" {
		n, err := strconv.Atoi(r)
		if err != nil || n < 1 {
			b.Fatalf("GOMANAGER_BENCH_ROUNDS=%q: want a count of rounds, 1 or more", r)
		}
		rounds = n
	}
	const key = "python clients bench key"
	m := basemanager.NewSyncManager("127.0.0.1:0", basemanager.WithAuthKey(key), basemanager.WithLogger(nil))
	srv := testkit.Serve(b, m)

	args := []string{filepath.Join("..", "..", "testdata", "bench", "python_clients_bench.py"),
		"--go", srv.Address(), "--go-pid", strconv.Itoa(os.Getpid()), "--python", "--rounds", strconv.Itoa(rounds)}
	if os.Getenv("GOMANAGER_BENCH_STRACE") != "" {
		args = append(args, "--strace")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rounds)*2*time.Minute+2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, interp, args...)
	cmd.Env = append(os.Environ(), "GOMANAGER_AUTHKEY="+key)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	if err := cmd.Start(); err != nil {
		b.Fatalf("python_clients_bench.py: %v", err)
	}
	// "name unit" → the figure of each round, in order
	figures := map[string][]float64{}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		fmt.Println(line)
		name, metrics, ok := benchLine(line)
		if ok && !strings.Contains(name, "strace=") {
			for unit, v := range metrics {
				figures[name+" "+unit] = append(figures[name+" "+unit], v)
			}
		}
	}
	if err := cmd.Wait(); err != nil {
		b.Fatalf("python_clients_bench.py: %v (context: %v)", err, ctx.Err())
	}
	b.StopTimer()

	goOps, pyOps := figures["server=go/clients=8 ops/s"], figures["server=python/clients=8 ops/s"]
	goLone, pyLone := figures["server=go/lone p50-ns"], figures["server=python/lone p50-ns"]
	goCPU, pyCPU := figures["server=go/clients=8 server-cpu-µs/op"], figures["server=python/clients=8 server-cpu-µs/op"]
	for _, f := range [][]float64{goOps, pyOps, goLone, pyLone, goCPU, pyCPU} {
		if len(f) != rounds {
			b.Fatalf("python_clients_bench.py reported %d, %d, %d, %d, %d, %d rounds of its six figures, want %d each",
				len(goOps), len(pyOps), len(goLone), len(pyLone), len(goCPU), len(pyCPU), rounds)
		}
	}
	ratio := func(x, y []float64) []float64 {
		r := make([]float64, len(x))
		for i := range x {
			r[i] = x[i] / y[i]
		}
		return r
	}
	opsRatio, loneRatio := ratio(goOps, pyOps), ratio(goLone, pyLone)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(median(goOps), "go-ops/s")
	b.ReportMetric(median(pyOps), "python-ops/s")
	b.ReportMetric(median(opsRatio), "ops-ratio")
	b.ReportMetric(slices.Min(opsRatio), "ops-ratio-min")
	b.ReportMetric(slices.Max(opsRatio), "ops-ratio-max")
	b.ReportMetric(median(ratio(goCPU, pyCPU)), "server-cpu-ratio")
	b.ReportMetric(median(goLone)/1e3, "go-lone-µs")
	b.ReportMetric(median(pyLone)/1e3, "python-lone-µs")
	b.ReportMetric(median(loneRatio), "lone-ratio")
	b.ReportMetric(slices.Min(loneRatio), "lone-ratio-min")
	b.ReportMetric(slices.Max(loneRatio), "lone-ratio-max")
}

// benchLine reads the extra metrics of one of the script's Go benchmark
// lines, "BenchmarkPythonClients/NAME N X ns/op V UNIT ...", by unit.
func benchLine(line string) (name string, metrics map[string]float64, ok bool) {
	f := strings.Fields(line)
	if len(f) < 4 {
		return "", nil, false
	}
	name, ok = strings.CutPrefix(f[0], "BenchmarkPythonClients/")
	if !ok {
		return "", nil, false
	}
	metrics = map[string]float64{}
	for i := 4; i+1 < len(f); i += 2 {
		if v, err := strconv.ParseFloat(f[i], 64); err == nil {
			metrics[f[i+1]] = v
		}
	}
	return name, metrics, true
}

// median of xs, which it sorts; the lower middle of an even count.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		panic(fmt.Sprintf("median of %v", xs))
	}
	slices.Sort(xs)
	return xs[(len(xs)-1)/2]
}

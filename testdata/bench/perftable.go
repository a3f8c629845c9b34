//go:build ignore

// perftable prints the side-by-side table of gomanager, plain net/rpc and
// Python 3.11's manager, and the table of batches against the same calls
// one by one, from the benchmark output compare.sh collects:
// one file per placement and round, named PLACEMENT-ROUND.txt (or
// PLACEMENT-ROUND-TURN.txt, each turn a round of its own), each holding the
// Go benchmark lines of that round and the Python script's.
//
// Absolute figures are medians over the rounds. Ratios are taken within
// each round, where all systems ran back to back, and their median shown:
// on a shared machine only those are worth comparing.
//
//	go run testdata/bench/perftable.go DIR
package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// round is one round's figures: benchmark name (without the -GOMAXPROCS
// suffix) -> unit -> value.
type round map[string]map[string]float64

// metric names one figure in a round, scaled for display.
type metric struct {
	bench, unit string
	scale       float64 // display value = value * scale
}

func (m metric) get(r round) (float64, bool) {
	v, ok := r[m.bench][m.unit]
	return v * m.scale, ok
}

// value reads a figure, or a figure derived from several.
type value func(r round) (float64, bool)

func fig(bench, unit string, scale float64) value { return metric{bench, unit, scale}.get }

// perSecond turns ns/op into operations per second.
func perSecond(bench string) value {
	return func(r round) (float64, bool) {
		ns, ok := r[bench]["ns/op"]
		return 1e9 / ns, ok && ns > 0
	}
}

// best is the larger of several figures (Python's best client count).
func best(vs ...value) value {
	return func(r round) (float64, bool) {
		m, any := 0.0, false
		for _, v := range vs {
			if x, ok := v(r); ok {
				m, any = math.Max(m, x), true
			}
		}
		return m, any
	}
}

// row is one line of a table.
type row struct {
	what           string
	format         func(float64) string
	gm, rpc, py    value // nil: not measured
	ratio          value // gomanager ÷ net/rpc, if the benchmark reports it itself (interleaved)
	target, pytarg string
}

func micros(v float64) string { return fmt.Sprintf("%.1f µs", v) }
func count(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}
func bytes(v float64) string { return fmt.Sprintf("%.0f B", v) }
func kib(v float64) string   { return fmt.Sprintf("%.1f KiB", v/1024) }
func plain(v float64) string { return fmt.Sprintf("%.0f", v) }

func defaultRows() []row {
	const b, p = "Benchmark", "BenchmarkPython/"
	lat := func(bench, sys, pct string) value { return fig(b+bench, sys+"-"+pct+"-ns", 1e-3) }
	return []row{
		{what: "proxy call, median, in turn with net/rpc (`CallMethod`, string in and out)", format: micros,
			gm: lat("CallInterleaved", "gomanager", "p50"), rpc: lat("CallInterleaved", "netrpc", "p50"),
			ratio: fig(b+"CallInterleaved", "p50-ratio", 1), target: "≤ 1.10"},
		{what: "proxy call, 99th percentile, in turn with net/rpc", format: micros,
			gm: lat("CallInterleaved", "gomanager", "p99"), rpc: lat("CallInterleaved", "netrpc", "p99"),
			ratio: fig(b+"CallInterleaved", "p99-ratio", 1), target: "≤ 1.2"},
		{what: "proxy call alone, median (one system at a time, as Python's loop)", format: micros,
			gm: fig(b+"Call/system=gomanager", "p50-ns", 1e-3), rpc: fig(b+"Call/system=netrpc", "p50-ns", 1e-3), target: "≤ 1.10",
			py: fig(p+"call", "p50-ns", 1e-3), pytarg: "≤ 1 (pinned)"},
		{what: "proxy call alone, 99th percentile", format: micros,
			gm: fig(b+"Call/system=gomanager", "p99-ns", 1e-3), rpc: fig(b+"Call/system=netrpc", "p99-ns", 1e-3), target: "≤ 1.2",
			py: fig(p+"call", "p99-ns", 1e-3)},
		{what: "raw round trip of the same bytes, median (the floor)", format: micros,
			gm: fig(b+"Call/system=tcp", "p50-ns", 1e-3)},
		{what: "1 connection × 64 callers, calls/s", format: count,
			gm:  fig(b+"Throughput/1conn_64callers/system=gomanager", "calls/s", 1),
			rpc: fig(b+"Throughput/1conn_64callers/system=netrpc", "calls/s", 1), target: "≥ 1.5",
			py: best(fig(p+"throughput/processes=1", "calls/s", 1), fig(p+"throughput/processes=4", "calls/s", 1)), pytarg: "≥ 3 (Python's best: 1 or 4 processes)"},
		{what: "8 connections × 8 callers, calls/s", format: count,
			gm:  fig(b+"Throughput/8conns_8callers/system=gomanager", "calls/s", 1),
			rpc: fig(b+"Throughput/8conns_8callers/system=netrpc", "calls/s", 1), target: "≥ 1.3",
			py: best(fig(p+"throughput/processes=1", "calls/s", 1), fig(p+"throughput/processes=4", "calls/s", 1)), pytarg: "≥ 3 (Python's best)"},
		{what: "create + release one object, per s (net/rpc: two calls)", format: count,
			gm: perSecond(b + "CreateRelease/system=gomanager"), rpc: perSecond(b + "CreateRelease/system=netrpc"), target: "≥ 0.5",
			py: fig(p+"create_release", "creates/s", 1), pytarg: "≥ 400"},
		{what: "server memory per idle object (100,000; net/rpc: a map of objects)", format: bytes,
			gm:  fig(b+"ServerMemory/per=object/system=gomanager", "B/object", 1),
			rpc: fig(b+"ServerMemory/per=object/system=netrpc", "B/object", 1), target: "gomanager ≤ 200 B",
			py: fig(p+"memory_per_object", "B/object", 1)},
		{what: "server memory per idle connection (1,000)", format: kib,
			gm:  fig(b+"ServerMemory/per=connection/system=gomanager", "B/conn", 1),
			rpc: fig(b+"ServerMemory/per=connection/system=netrpc", "B/conn", 1), target: "documented"},
		{what: "server memory per idle connection, 10,000 held at once (calls still served)", format: bytes,
			gm:  fig(b+"IdleConnections/system=gomanager", "B/conn", 1),
			rpc: fig(b+"IdleConnections/system=netrpc", "B/conn", 1), target: "gomanager ≤ 16 KiB"},
		{what: "allocations per call, client and server together", format: plain,
			gm:  fig(b+"AllocsPerCall/system=gomanager", "allocs/op", 1),
			rpc: fig(b+"AllocsPerCall/system=netrpc", "allocs/op", 1), target: "≤ 2"},
		{what: "Dict set, median", format: micros,
			gm: lat("Dict/op=Set", "gomanager", "p50"), rpc: lat("Dict/op=Set", "netrpc", "p50"),
			ratio: fig(b+"Dict/op=Set", "p50-ratio", 1), target: "≤ 1.15",
			py: fig(p+"dict/op=Set", "p50-ns", 1e-3)},
		{what: "Dict get, median", format: micros,
			gm: lat("Dict/op=Get", "gomanager", "p50"), rpc: lat("Dict/op=Get", "netrpc", "p50"),
			ratio: fig(b+"Dict/op=Get", "p50-ratio", 1), target: "≤ 1.15",
			py: fig(p+"dict/op=Get", "p50-ns", 1e-3)},
		{what: "Queue put + get, median", format: micros,
			gm: lat("Queue/op=PutGet", "gomanager", "p50"), rpc: lat("Queue/op=PutGet", "netrpc", "p50"),
			ratio: fig(b+"Queue/op=PutGet", "p50-ratio", 1), target: "≤ 1.15",
			py: fig(p+"queue/op=PutGet", "p50-ns", 1e-3)},
		{what: "Value.Add from 4 processes, adds/s (Python: `with lock: v.value += 1`)", format: count,
			gm:  fig(b+"ValueAdd/processes=4/system=gomanager", "adds/s", 1),
			rpc: fig(b+"ValueAdd/processes=4/system=netrpc", "adds/s", 1),
			py:  fig(p+"value_locked_add/processes=4", "adds/s", 1), pytarg: "≥ 3"},
		{what: "Value.Add from 4 processes, in turn with net/rpc, adds/s", format: count,
			gm: fig(b+"AddInTurn", "value-adds/s", 1), rpc: fig(b+"AddInTurn", "netrpc-adds/s", 1),
			ratio: fig(b+"AddInTurn", "value-ratio", 1), target: "≥ 1.0"},
		{what: "Dict.Add from 4 processes, in turn with net/rpc, adds/s", format: count,
			gm: fig(b+"AddInTurn", "dict-adds/s", 1), rpc: fig(b+"AddInTurn", "netrpc-adds/s", 1),
			ratio: fig(b+"AddInTurn", "dict-ratio", 1), target: "≥ 1.0"},
	}
}

// pinnedRows are the rows of BenchmarkCall, the one run in the pinned
// placements.
func pinnedRows() []row {
	rows := defaultRows()[2:5]
	rows[0].pytarg = "≤ 1"
	return rows
}

// batchRow is one line of the batch table: a benchmark of
// basemanager's BenchmarkBatch, which times a batch of 1,000 calls and the
// same calls one by one, in turn, and reports the speedup itself.
type batchRow struct {
	what, bench, target string
}

func batchRows() []batchRow {
	const b = "BenchmarkBatch/calls=1000/"
	return []batchRow{
		{"1,000 `Dict.Get`s (`Dict.GetMany`)", b + "op=DictGet", "≥ 20"},
		{"1,000 mixed calls on 10 objects (4 dicts, 3 lists, 3 Values; half reads, half writes)", b + "op=mixed10", "≥ 20"},
	}
}

func millis(v float64) string { return fmt.Sprintf("%.2f ms", v) }

// printBatchTable prints the batches' figures, if the rounds have them.
func printBatchTable(rounds []round) {
	rows := batchRows()
	if len(collect(rounds, fig(rows[0].bench, "speedup", 1))) == 0 {
		return
	}
	fmt.Printf("\nBatches: 1,000 calls in one proxy.Batch against the same calls one by one, in turn (%d rounds)\n\n", len(rounds))
	fmt.Println("| 1,000 calls | one batch | one by one | speedup (one by one ÷ batch) | target |")
	fmt.Println("|---|---|---|---|---|")
	for _, rw := range rows {
		fmt.Printf("| %s | %s | %s | %s | %s |\n", rw.what,
			cell(collect(rounds, fig(rw.bench, "batch-p50-ns", 1e-6)), millis),
			cell(collect(rounds, fig(rw.bench, "sequential-p50-ns", 1e-6)), millis),
			ratioCell(collect(rounds, fig(rw.bench, "speedup", 1))), rw.target)
	}
}

// median of xs; NaN if there are none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// collect evaluates v in every round that has it.
func collect(rounds []round, v func(round) (float64, bool)) []float64 {
	var xs []float64
	if v == nil {
		return nil
	}
	for _, r := range rounds {
		if x, ok := v(r); ok {
			xs = append(xs, x)
		}
	}
	return xs
}

// ratioOf is a per-round ratio of two figures.
func ratioOf(a, b value) func(round) (float64, bool) {
	return func(r round) (float64, bool) {
		x, ok1 := a(r)
		y, ok2 := b(r)
		return x / y, ok1 && ok2 && y != 0
	}
}

func cell(xs []float64, format func(float64) string) string {
	if len(xs) == 0 {
		return "—"
	}
	return format(median(xs))
}

func ratioCell(xs []float64) string {
	if len(xs) == 0 {
		return "—"
	}
	m := median(xs)
	if m >= 100 {
		return fmt.Sprintf("%.0f×", m)
	}
	return fmt.Sprintf("%.2f×", m)
}

func printTable(title string, rounds []round, rows []row) {
	fmt.Printf("\n%s (%d rounds)\n\n", title, len(rounds))
	fmt.Println("| measure | gomanager | net/rpc | gomanager ÷ net/rpc | target | Python 3.11 | gomanager ÷ Python | target |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, rw := range rows {
		var ratio []float64
		switch {
		case rw.ratio != nil:
			ratio = collect(rounds, rw.ratio)
		case rw.gm != nil && rw.rpc != nil:
			ratio = collect(rounds, ratioOf(rw.gm, rw.rpc))
		}
		var pyRatio []float64
		if rw.gm != nil && rw.py != nil {
			pyRatio = collect(rounds, ratioOf(rw.gm, rw.py))
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %s | %s | %s |\n", rw.what,
			cell(collect(rounds, rw.gm), rw.format), cell(collect(rounds, rw.rpc), rw.format),
			ratioCell(ratio), dash(rw.target), cell(collect(rounds, rw.py), rw.format), ratioCell(pyRatio), dash(rw.pytarg))
	}
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

var suffix = regexp.MustCompile(`-\d+$`)

// parse reads one round's benchmark lines.
func parse(path string) (round, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := round{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		name := suffix.ReplaceAllString(fields[0], "")
		if r[name] == nil {
			r[name] = map[string]float64{}
		}
		for i := 2; i+1 < len(fields); i += 2 {
			if v, err := strconv.ParseFloat(fields[i], 64); err == nil {
				r[name][fields[i+1]] = v
			}
		}
	}
	return r, sc.Err()
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run testdata/bench/perftable.go DIR")
		os.Exit(2)
	}
	placements := map[string][]round{}
	files, _ := filepath.Glob(filepath.Join(os.Args[1], "*-*.txt"))
	for _, path := range files {
		placement, _, _ := strings.Cut(filepath.Base(path), "-")
		r, err := parse(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		placements[placement] = append(placements[placement], r)
	}
	if rounds := placements["default"]; len(rounds) > 0 {
		printTable("Default placement (the scheduler's choice)", rounds, defaultRows())
		printBatchTable(rounds)
	}
	if rounds := placements["same"]; len(rounds) > 0 {
		printTable("Pinned: client and server on CPU 0 (taskset -c 0)", rounds, pinnedRows())
	}
	if rounds := placements["split"]; len(rounds) > 0 {
		printTable("Pinned: client on CPU 0, server on CPU 1", rounds, pinnedRows())
	}
	if rounds := placements["sameunix"]; len(rounds) > 0 {
		printTable("Pinned, over Unix sockets: client and server on CPU 0", rounds, pinnedRows())
	}
	if rounds := placements["splitunix"]; len(rounds) > 0 {
		printTable("Pinned, over Unix sockets: client on CPU 0, server on CPU 1", rounds, pinnedRows())
	}
}

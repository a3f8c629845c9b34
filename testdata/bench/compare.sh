#!/usr/bin/env bash
# compare.sh measures gomanager, plain net/rpc and Python 3.11's manager
# on the same workload, back to back, and prints the table of ratios the
# README shows (issue 5), then the table of batches (issue 14: 1,000 calls
# in one proxy.Batch against the same calls one by one, BenchmarkBatch):
#
#   testdata/bench/compare.sh            # 5 rounds, about 20 minutes
#   ROUNDS=1 testdata/bench/compare.sh   # a quick look, about 4 minutes
#   ONLY=pinned testdata/bench/compare.sh   # the pinned latency alone, 2 minutes
#   ONLY=pyclients testdata/bench/compare.sh  # CPython's clients, Go server against CPython's, 2 minutes
#   ONLY=syscalls testdata/bench/compare.sh   # system calls per lone call, by strace, 2 minutes
#
# Each round runs every Go benchmark once (go test -bench, -count=1) and
# then the Python script, so that each round's ratios compare systems
# measured within a minute of each other; the table shows the median of
# the rounds. The call latency is measured in three placements: the
# scheduler's choice, both processes on CPU 0, and the client on CPU 0
# with the server on CPU 1 (taskset; the Go server child is pinned with
# GOMANAGER_BENCH_SERVER_CPUS, the Python server with --server-cpus); the
# pinned ones in three turns per round, over loopback TCP and then over
# Unix sockets (Python's server on one too).
# The raw output stays in the directory printed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${ROUNDS:-5}
only=${ONLY:-}
out=$(mktemp -d "${TMPDIR:-/tmp}/gomanager-bench.XXXXXX")

command -v python3 >/dev/null || { echo "compare.sh: needs python3" >&2; exit 1; }
pinning=yes
if ! command -v taskset >/dev/null || [[ $(nproc) -lt 2 ]]; then
	echo "compare.sh: no taskset, or a single CPU: the pinned placements are skipped" >&2
	pinning=no
fi

# ONLY=pyclients: CPython's own manager clients served by a Go SyncManager
# and by CPython's own, in turn, ROUNDS rounds (issue 14, part 3):
# BenchmarkPythonClients runs testdata/bench/python_clients_bench.py.
# STRACE=1 also counts each server's system calls per operation.
if [[ $only == pyclients ]]; then
	GOMANAGER_BENCH_ROUNDS=$rounds GOMANAGER_BENCH_STRACE=${STRACE:-} \
		go test -run '^$' -bench '^BenchmarkPythonClients$' -benchtime 1x ./basemanager/python | tee "$out/pyclients.txt"
	echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) CPUs, $(go version | cut -d' ' -f3), Python $(python3 -c 'import sys; print(sys.version.split()[0])'), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
	echo "raw output: $out"
	exit 0
fi

go test -c -o "$out/basemanager.test" ./basemanager
py=testdata/bench/python_manager_bench.py

# ONLY=syscalls: the system calls of one lone call, on each side, counted
# by strace -f over 20,000 calls (client and server both on CPU 0) for
# gomanager, net/rpc and Python's manager, over TCP and Unix sockets
# (issue 14, part 1).
if [[ $only == syscalls ]]; then
	command -v strace >/dev/null || { echo "compare.sh: ONLY=syscalls needs strace" >&2; exit 1; }
	echo "| system | process | read | recvfrom | write | sendto | epoll_pwait | ppoll | poll | futex | nanosleep | sched_yield | all |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	for net in tcp unix; do
		for sys in gomanager netrpc; do
			GOMANAGER_BENCH_NETWORK=$net GOMANAGER_BENCH_SERVER_CPUS=0 strace -f -o "$out/$sys-$net.strace" taskset -c 0 \
				"$out/basemanager.test" -test.run='^$' -test.bench="^BenchmarkCall\$/system=$sys\$" -test.benchtime=20000x >/dev/null
			python3 testdata/bench/syscalls.py "$out/$sys-$net.strace" 20000 "$sys, $net"
		done
		unix=()
		[[ $net == unix ]] && unix=(--unix)
		strace -f -o "$out/python-$net.strace" python3 "$py" "${unix[@]}" --only call --client-cpus 0 --server-cpus 0 >/dev/null
		python3 testdata/bench/syscalls.py "$out/python-$net.strace" 20000 "Python $(python3 -c 'import sys; print(sys.version.split()[0])'), $net"
	done
	echo "raw output: $out"
	exit 0
fi

# bench BINARY PATTERN BENCHTIME [taskset prefix...]: one run of a
# benchmark binary.
bench() {
	local bin=$1 pattern=$2 benchtime=$3
	shift 3
	"$@" "$bin" -test.run='^$' -test.bench="$pattern" -test.benchtime="$benchtime" -test.benchmem -test.count=1
}

for r in $(seq "$rounds"); do
	echo "round $r of $rounds" >&2
	if [[ $only != pinned ]]; then
		{
			bench "$out/basemanager.test" . 1s
			python3 "$py"
		} >"$out/default-$r.txt"
	fi
	if [[ $pinning == yes ]]; then
		# Cross-CPU wake-ups drift by half within a minute here, so the
		# pinned latency is measured in three short turns per round, Go and
		# Python back to back in each, every turn a ratio of its own.
		for turn in 1 2 3; do
			{
				GOMANAGER_BENCH_SERVER_CPUS=0 bench "$out/basemanager.test" '^BenchmarkCall$' 20000x taskset -c 0
				python3 "$py" --only call --client-cpus 0 --server-cpus 0
			} >"$out/same-$r-$turn.txt"
			{
				GOMANAGER_BENCH_SERVER_CPUS=1 bench "$out/basemanager.test" '^BenchmarkCall$' 5000x taskset -c 0
				python3 "$py" --only call --client-cpus 0 --server-cpus 1
			} >"$out/split-$r-$turn.txt"
			# The same two placements over Unix sockets, Python's on one too.
			{
				GOMANAGER_BENCH_NETWORK=unix GOMANAGER_BENCH_SERVER_CPUS=0 bench "$out/basemanager.test" '^BenchmarkCall$' 20000x taskset -c 0
				python3 "$py" --unix --only call --client-cpus 0 --server-cpus 0
			} >"$out/sameunix-$r-$turn.txt"
			{
				GOMANAGER_BENCH_NETWORK=unix GOMANAGER_BENCH_SERVER_CPUS=1 bench "$out/basemanager.test" '^BenchmarkCall$' 5000x taskset -c 0
				python3 "$py" --unix --only call --client-cpus 0 --server-cpus 1
			} >"$out/splitunix-$r-$turn.txt"
		done
	fi
done

echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//' || echo unknown)), $(go version | cut -d' ' -f3), Python $(python3 -c 'import sys; print(sys.version.split()[0])'), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
go run testdata/bench/perftable.go "$out"
echo
echo "raw output: $out"

#!/usr/bin/env bash
# run_demo.sh: build the demo and run the lesson's program as two OS
# processes, ProcessA (the manager's server) and ProcessB (the client).
#
#   ./run_demo.sh          the lesson: ProcessA shares "hello World", ProcessB uses a proxy
#   ./run_demo.sh sync     SyncManager: worker processes share a dict, a lock and a queue
#   ./run_demo.sh python   across languages: the Go ProcessA with the lesson's own Python
#                          ProcessB, then the lesson's Python ProcessA with the Go ProcessB
#                          (testdata/python/lesson.py; needs python3)
#
# Exits 0 only if every process did.
set -euo pipefail
cd "$(dirname "$0")"

scenario=${1:-lesson}
case "$scenario" in
lesson | sync | python) ;;
*)
	echo "run_demo.sh: unknown scenario '$scenario' (want: lesson, sync or python)" >&2
	exit 2
	;;
esac

work=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/demo" ./demo

# A fresh random authkey for this run, shared with the processes through
# the environment (not the command line, which other users can see).
GOMANAGER_AUTHKEY=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
export GOMANAGER_AUTHKEY

# start_server ROLE: start the serving process on a port the OS picks (never
# busy), wait until it listens, and set $address and $server_pid.
start_server() {
	mkfifo "$work/ready"
	exec 3<>"$work/ready" # read-write, so a server that dies early cannot block us
	"$work/demo" -role "$1" -address 127.0.0.1:0 -ready "$work/ready" &
	server_pid=$!
	pids+=("$server_pid")
	if ! read -r -t 30 address <&3; then
		echo "run_demo.sh: $1 did not start listening within 30 s" >&2
		exit 1
	fi
	exec 3<&-
}

# start_python_server: start the lesson's Python ProcessA on a port the OS
# picks, wait until it says it listens, and set $address.
start_python_server() {
	mkfifo "$work/pyready"
	exec 4<>"$work/pyready"
	python3 testdata/python/lesson.py ProcessA >&4 &
	pids+=("$!")
	local line
	if ! read -r -t 30 line <&4; then
		echo "run_demo.sh: the Python ProcessA did not start listening within 30 s" >&2
		exit 1
	fi
	echo "$line"
	address=${line##* }
}

# wait_all: wait for every started process; fail if any failed.
wait_all() {
	local status=0
	for pid in "${pids[@]}"; do
		wait "$pid" || status=1
	done
	pids=()
	return "$status"
}

case "$scenario" in
lesson)
	start_server ProcessA
	"$work/demo" -role ProcessB -address "$address" &
	pids+=("$!")
	wait_all
	;;
sync)
	"$work/demo" -role Sync &
	pids+=("$!")
	wait_all
	;;
python)
	echo "== the Go ProcessA, the lesson's Python ProcessB"
	start_server ProcessA
	python3 testdata/python/lesson.py ProcessB "${address##*:}" &
	pids+=("$!")
	wait_all
	echo "== the lesson's Python ProcessA, the Go ProcessB"
	start_python_server
	"$work/demo" -role ProcessBPython -address "$address" &
	pids+=("$!")
	wait_all
	exec 4<&-
	;;
*)
	echo "run_demo.sh: unknown scenario '$scenario' (want: lesson, sync or python)" >&2
	exit 2
	;;
esac

#!/usr/bin/env bash
# run_demo.sh: build the demo and run the lesson's program as two OS
# processes, ProcessA (the manager's server) and ProcessB (the client).
#
#   ./run_demo.sh          the lesson: ProcessA shares "hello World", ProcessB uses a proxy
#   ./run_demo.sh sync     SyncManager: worker processes share a dict, a lock and a queue
#                          (with DEBUG=1 in the environment, as in DEBUG=1 ./run_demo.sh sync,
#                          it also serves the server's debug page on 127.0.0.1 and prints
#                          "debug page: http://127.0.0.1:PORT/": the objects and who holds
#                          them, the connections and their blocked calls, the lock holders;
#                          up while the scenario runs, ?format=json for JSON)
#   ./run_demo.sh python   across languages: the Go ProcessA with the lesson's own Python
#                          ProcessB, then the lesson's Python ProcessA with the Go ProcessB
#                          (testdata/python/lesson.py; needs python3); then both again with
#                          a CPython 3.12 or newer if python3 is older and one is found
#                          (python3.N on PATH, or pyenv's versions)
#   ./run_demo.sh shm      shared memory: a Go SharedMemoryManager tracks one ShareableList;
#                          two Go worker processes (atomic Adds) and a CPython process count
#                          into it, all under the manager's Lock for a read-modify-write;
#                          prints the exact total, and the block is unlinked at the end
#                          (testdata/python/shm_counter.py; needs python3)
#   ./run_demo.sh hosts    across two "machines": network namespaces A (192.0.2.1) and B
#                          (192.0.2.2) joined only by a veth pair; ProcessA serves in A,
#                          ProcessB connects from B; then A refuses to serve 192.0.2.1
#                          without an authkey (needs root and ip from iproute2; the
#                          namespaces and the veth are deleted on every exit)
#
# Exits 0 only if every process did.
set -euo pipefail
cd "$(dirname "$0")"

scenario=${1:-lesson}
case "$scenario" in
lesson | sync | python | shm | hosts) ;;
*)
	echo "run_demo.sh: unknown scenario '$scenario' (want: lesson, sync, python, shm or hosts)" >&2
	exit 2
	;;
esac

if [[ $scenario == hosts ]]; then
	# It creates network namespaces: it needs root and ip (iproute2).
	missing=()
	[[ $(id -u) -eq 0 ]] || missing+=("not running as root, which creating network namespaces needs (try: sudo ./run_demo.sh hosts)")
	command -v ip >/dev/null || missing+=("the ip command is missing (install iproute2)")
	if ((${#missing[@]} > 0)); then
		printf 'run_demo.sh hosts: %s\n' "${missing[@]}" >&2
		exit 1
	fi
fi

work=$(mktemp -d)
pids=()
namespaces=() # the hosts scenario's network namespaces, deleted by cleanup
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	# Wait for them: a namespace lives on while a process runs in it.
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	pids=()
	# Deleting a namespace deletes its end of the veth pair, and with it
	# the other end.
	for ns in "${namespaces[@]}"; do ip netns delete "$ns" 2>/dev/null || true; done
	namespaces=()
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT # exit runs cleanup
trap 'exit 143' TERM

go build -o "$work/demo" ./demo

# A fresh random authkey for this run, shared with the processes through
# the environment (not the command line, which other users can see).
GOMANAGER_AUTHKEY=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
export GOMANAGER_AUTHKEY

# start_server ROLE [HOST [COMMAND...]]: start the serving process on HOST
# (127.0.0.1 by default) and a port the OS picks (never busy), run by
# COMMAND if given (ip netns exec NS: on another machine), wait until it
# listens, and set $address and $server_pid.
start_server() {
	local role=$1 host=${2:-127.0.0.1}
	shift $(($# < 2 ? $# : 2))
	mkfifo "$work/ready"
	exec 3<>"$work/ready" # read-write, so a server that dies early cannot block us
	"$@" "$work/demo" -role "$role" -address "$host:0" -ready "$work/ready" &
	server_pid=$!
	pids+=("$server_pid")
	if ! read -r -t 30 address <&3; then
		echo "run_demo.sh: $role did not start listening within 30 s" >&2
		exit 1
	fi
	exec 3<&-
	rm "$work/ready"
}

# start_python_server: start the lesson's Python ProcessA on a port the OS
# picks, wait until it says it listens, and set $address.
start_python_server() {
	mkfifo "$work/pyready"
	exec 4<>"$work/pyready"
	"$python" testdata/python/lesson.py ProcessA >&4 &
	pids+=("$!")
	local line
	if ! read -r -t 30 line <&4; then
		echo "run_demo.sh: the Python ProcessA did not start listening within 30 s" >&2
		exit 1
	fi
	echo "$line"
	address=${line##* }
}

# python_minor PYTHON: print the 3.N interpreter's N (nothing if it fails).
python_minor() {
	"$1" -c 'import sys; print(sys.version_info[1] if sys.version_info[0] == 3 else 0)' 2>/dev/null || true
}

# newer_python: print a CPython 3.12 or newer other than python3, if python3
# is older: python3.N on PATH, then pyenv's versions (found at run time).
newer_python() {
	local minor candidate
	minor=$(python_minor python3)
	((${minor:-0} >= 12)) && return 0
	local candidates=()
	for minor in 13 12; do
		command -v "python3.$minor" >/dev/null && candidates+=("$(command -v "python3.$minor")")
	done
	if command -v pyenv >/dev/null; then
		for candidate in "$(pyenv root)"/versions/*/bin/python3; do
			[[ -x $candidate ]] && candidates+=("$candidate")
		done
	fi
	for candidate in "${candidates[@]}"; do
		minor=$(python_minor "$candidate")
		if ((${minor:-0} >= 12)); then
			echo "$candidate"
			return 0
		fi
	done
}

# python_pair: the Go ProcessA with $python's ProcessB, then $python's
# ProcessA with the Go ProcessB.
python_pair() {
	local version
	version=$("$python" -c 'import platform; print(platform.python_version())')
	echo "== the Go ProcessA, the lesson's Python ProcessB (CPython $version)"
	start_server ProcessA
	"$python" testdata/python/lesson.py ProcessB "${address##*:}" &
	pids+=("$!")
	wait_all
	echo "== the lesson's Python ProcessA (CPython $version), the Go ProcessB"
	start_python_server
	"$work/demo" -role ProcessBPython -address "$address" &
	pids+=("$!")
	wait_all
	exec 4<&-
	rm "$work/pyready"
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
	python=python3
	python_pair
	python=$(newer_python)
	if [[ -n $python ]]; then
		python_pair
	else
		echo "== no CPython 3.12 or newer found besides python3: the {sha256} handshake was tested only if python3 speaks it"
	fi
	;;
shm)
	"$work/demo" -role SharedMemory -python python3 -script testdata/python/shm_counter.py &
	pids+=("$!")
	wait_all
	;;
hosts)
	# Two machines: network namespaces named for this run, joined by a veth
	# pair created with its ends already inside them (it never appears in,
	# and is never linked to, this machine's own network). Documentation
	# addresses (192.0.2.0/24, RFC 5737).
	a=gmA-$$-$RANDOM b=gmB-$$-$RANDOM # machine A's namespace, machine B's
	namespaces+=("$a")                # listed first: cleanup deletes what was made
	ip netns add "$a"
	namespaces+=("$b")
	ip netns add "$b"
	ip -n "$a" link add "gva$$" type veth peer name "gvb$$" netns "$b"
	ip -n "$a" addr add 192.0.2.1/24 dev "gva$$"
	ip -n "$b" addr add 192.0.2.2/24 dev "gvb$$"
	for ns in "$a" "$b"; do ip -n "$ns" link set lo up; done
	ip -n "$a" link set "gva$$" up
	ip -n "$b" link set "gvb$$" up

	echo "== machine A (192.0.2.1) serves, machine B (192.0.2.2) connects"
	start_server ProcessA 192.0.2.1 ip netns exec "$a"
	ip netns exec "$b" "$work/demo" -role ProcessB -address "$address" &
	pids+=("$!")
	wait_all

	echo "== without an authkey, machine A refuses to serve 192.0.2.1"
	# An empty GOMANAGER_AUTHKEY: the demo serves with no authkey at all.
	if refusal=$(GOMANAGER_AUTHKEY='' ip netns exec "$a" "$work/demo" -role ProcessA -address 192.0.2.1:0 2>&1); then
		echo "$refusal"
		echo "run_demo.sh: ProcessA served 192.0.2.1 without an authkey; it must refuse" >&2
		exit 1
	fi
	echo "$refusal"
	if [[ $refusal != *"refusing to serve a non-loopback address without an authkey"* ]]; then
		echo "run_demo.sh: ProcessA failed, but not with the insecure-address error" >&2
		exit 1
	fi
	;;
*)
	echo "run_demo.sh: unknown scenario '$scenario' (want: lesson, sync, python, shm or hosts)" >&2
	exit 2
	;;
esac

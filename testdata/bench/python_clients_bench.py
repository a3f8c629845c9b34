#!/usr/bin/env python3
"""CPython's own manager clients against two servers, side by side.

The same client code, CPython's SyncManager proxies as they ship, runs
against a gomanager server (--go ADDRESS, with the authkey in
GOMANAGER_AUTHKEY; several, named, to compare builds) and against
CPython's own SyncManager server, which this script starts itself
(--python), in rounds that run every server in turn (issue 14, part 3).
Two measures:

  clients   N client processes (default 8), each with its own dict and
            Queue, each doing d[k] = i, d[k], q.put(i), q.get() in a loop
            for a fixed time: operations per second, all clients
            together; the CPU time per operation of the clients and of
            the server (user and system; with a server's pid), and the
            machine's idle CPUs meanwhile (near 0: the run was bound by CPU)
  lone      one client's d[k], over and over: the median time per call
            (p50-ns; ns/op is the mean)

With --strace, each server's system calls are then counted (strace -f
-c on the server process, whose pid --go-pid or ,PID gives for a Go one)
during a run of each measure, and reported per operation: the setup
(connecting, creating the objects) and the teardown are left out.
Counting slows the server, so a read finds its request waiting more often
than in a timed run.

Results are printed as Go benchmark lines, a round at a time:

  BenchmarkPythonClients/server=go/clients=8  OPS  NS ns/op  R ops/s ...
  BenchmarkPythonClients/server=python/lone   N    NS ns/op  P p50-ns
  BenchmarkPythonClients/server=go/strace=lone  N  0 ns/op  S syscalls/op  R read/op ...

BenchmarkPythonClients (basemanager/python/pyclients_bench_test.go) runs
it against a Go SyncManager server in its own process and reports the
ratios of each round; compare.sh runs that with ONLY=pyclients.

Usage: python_clients_bench.py [--go [NAME=]HOST:PORT[,PID] ...] [--python]
       [--procs 8] [--duration 3] [--lone 5000] [--rounds 3] [--strace]
"""

import argparse
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from multiprocessing.managers import SyncManager

ctx = multiprocessing.get_context("fork")


def report(name, n, ns_per_op, *metrics):
    """Prints one Go benchmark line: metrics are (value, unit) pairs."""
    fields = [f"BenchmarkPythonClients/{name}", str(n), f"{ns_per_op:.0f} ns/op"]
    fields += [f"{value:.6g} {unit}" for value, unit in metrics]
    print("\t".join(fields), flush=True)


def connect(address, authkey):
    """A SyncManager connected to the server at address."""
    m = SyncManager(address=address, authkey=authkey)
    m.connect()
    return m


def client(address, authkey, duration, ready, start, counts, stop):
    """One client process: its own dict and Queue, the four operations in
    a loop until duration is up; then it reports its count and waits for
    stop, so that its connections close after the measuring ends."""
    m = connect(address, authkey)
    d, q = m.dict(), m.Queue()
    d["k"] = 0  # every connection made before the clock starts
    d["k"]
    q.put(0)
    q.get()
    ready.put(True)
    start.wait()
    cpu = cpu_seconds(os.getpid())
    n, i, end = 0, 0, time.perf_counter() + duration
    while time.perf_counter() < end:
        for _ in range(25):
            d["k"] = i
            d["k"]
            q.put(i)
            q.get()
            i += 1
        n += 100
    counts.put((n, tuple(cpu_seconds(os.getpid()) - cpu)))  # a CPU does not pickle
    stop.wait()


def cpu_seconds(pid):
    """The CPU time a process has used, all its threads: user and system
    (the kernel's, of which loopback TCP is most), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    tick = os.sysconf("SC_CLK_TCK")
    return CPU(int(fields[11]) / tick, int(fields[12]) / tick)


def machine_idle():
    """Seconds all CPUs together have been idle (idle and iowait), and
    seconds stolen by the hypervisor, since boot."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    return (fields[3] + fields[4]) / tick, (fields[7] if len(fields) > 7 else 0) / tick


class CPU(tuple):
    """(user, system) CPU seconds, which add and subtract."""

    def __new__(cls, user, system):
        return super().__new__(cls, (user, system))

    def __add__(self, o):
        return CPU(self[0] + o[0], self[1] + o[1])

    def __sub__(self, o):
        return CPU(self[0] - o[0], self[1] - o[1])


class Strace:
    """strace -f -c on a process, from start to stop: system calls counted
    per kind."""

    def __init__(self, pid):
        if not shutil.which("strace"):
            sys.exit("--strace: strace is not installed (apt-get install strace), or drop --strace")
        fd, self.out = tempfile.mkstemp(prefix="python_clients_bench.", suffix=".strace")
        os.close(fd)
        self.proc = subprocess.Popen(["strace", "-f", "-c", "-o", self.out, "-p", str(pid)],
                                     stderr=subprocess.PIPE, text=True)
        # strace says "Process N attached" for each thread; give it a moment
        # to attach them all.
        time.sleep(1)

    def stop(self):
        """Detaches, and returns {syscall: calls}."""
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(30)
        counts = {}
        with open(self.out) as f:
            for line in f:
                fields = line.split()
                # % time, seconds, usecs/call, calls, [errors], syscall
                if len(fields) >= 5 and re.fullmatch(r"[\d.]+", fields[0]) and fields[-1] != "total":
                    counts[fields[-1]] = int(fields[3])
        os.remove(self.out)
        return counts


def report_strace(name, n, counts):
    """Reports system calls per operation, in all and by kind (the
    commonest first)."""
    total = sum(counts.values())
    kinds = sorted(counts.items(), key=lambda kv: -kv[1])
    report(name, n, 0, (total / n, "syscalls/op"), *[(c / n, f"{k}/op") for k, c in kinds if c / n >= 0.01])


def clients(name, address, authkey, procs, duration, server_pid, trace=False):
    """Runs procs client processes for duration; reports ops/s and the CPU
    time per operation of the clients and of the server, or with trace the
    server's system calls per operation."""
    ready, start, stop, counts = ctx.Queue(), ctx.Event(), ctx.Event(), ctx.Queue()
    workers = [ctx.Process(target=client, args=(address, authkey, duration, ready, start, counts, stop))
               for _ in range(procs)]
    for w in workers:
        w.start()
    try:
        for _ in workers:
            ready.get(timeout=60)
        tracer = Strace(server_pid) if trace else None
        server_cpu = cpu_seconds(server_pid) if server_pid else None
        idle, stolen = machine_idle()
        t = time.perf_counter()
        start.set()
        results = [counts.get(timeout=120 + duration) for _ in workers]
        elapsed = time.perf_counter() - t
        idle, stolen = (b - a for a, b in zip((idle, stolen), machine_idle()))
        total = sum(n for n, _ in results)
        client_cpu = sum((CPU(*c) for _, c in results), CPU(0, 0))
        if tracer:
            report_strace(f"server={name}/strace=clients={procs}", total, tracer.stop())
            return
        metrics = [(total / elapsed, "ops/s"), (sum(client_cpu) * 1e6 / total, "client-cpu-µs/op"),
                   (client_cpu[1] * 1e6 / total, "client-sys-µs/op")]
        if server_pid:
            server_cpu = cpu_seconds(server_pid) - server_cpu
            metrics += [(sum(server_cpu) * 1e6 / total, "server-cpu-µs/op"), (server_cpu[1] * 1e6 / total, "server-sys-µs/op")]
        metrics += [(idle / elapsed, "idle-cpus"), (stolen / elapsed, "stolen-cpus")]
        report(f"server={name}/clients={procs}", total, elapsed * 1e9 / total, *metrics)
    finally:
        stop.set()
        for w in workers:
            w.join(60)


def lone(name, address, authkey, n, trace_pid=None):
    """One client's d[k], n times after a warm-up: the median and mean
    time per call, or with trace_pid the server's system calls per call."""
    m = connect(address, authkey)
    d = m.dict()
    d["k"] = 1
    for _ in range(min(500, n)):
        d["k"]
    if trace_pid:
        tracer = Strace(trace_pid)
        for _ in range(n):
            d["k"]
        report_strace(f"server={name}/strace=lone", n, tracer.stop())
        return
    times = []
    start = time.perf_counter_ns()
    for _ in range(n):
        t = time.perf_counter_ns()
        d["k"]
        times.append(time.perf_counter_ns() - t)
    total = time.perf_counter_ns() - start
    times.sort()
    report(f"server={name}/lone", n, total / n, (times[len(times) // 2], "p50-ns"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--go", action="append", default=[], metavar="[NAME=]HOST:PORT[,PID]",
                    help="a gomanager server (authkey in GOMANAGER_AUTHKEY), named go unless NAME is given; "
                    "repeat it to compare builds side by side")
    ap.add_argument("--go-pid", type=int, default=0, help="the (first) gomanager server's process, for --strace")
    ap.add_argument("--python", action="store_true", help="also start and measure CPython's own SyncManager server")
    ap.add_argument("--procs", type=int, default=8, help="client processes (default 8)")
    ap.add_argument("--duration", type=float, default=3, help="seconds each clients run lasts (default 3)")
    ap.add_argument("--lone", type=int, default=5000, help="calls of the lone client (default 5000)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds, each measuring every server (default 3)")
    ap.add_argument("--strace", action="store_true", help="then count each server's system calls per operation")
    args = ap.parse_args()
    if not args.go and not args.python:
        ap.error("nothing to measure: give --go ADDRESS, --python, or both")

    servers = []  # (name, address, authkey, pid)
    for i, spec in enumerate(args.go):
        name, _, spec = spec.rpartition("=")
        spec, _, pid = spec.partition(",")
        host, _, port = spec.rpartition(":")
        pid = int(pid) if pid else args.go_pid if i == 0 else 0
        servers.append((name or "go", (host, int(port)), os.environ["GOMANAGER_AUTHKEY"].encode(), pid))
    pym = None
    if args.python:
        pym = SyncManager(address=("127.0.0.1", 0), authkey=os.urandom(32))
        pym.start()
        servers.append(("python", pym.address, pym._authkey, pym._process.pid))
    print(f"python: {sys.version.split()[0]}, cpus: {os.cpu_count()}", flush=True)
    try:
        for r in range(args.rounds):
            # Each round runs every server back to back, in turn first, so
            # that both see the same moment of a noisy machine.
            order = servers[r % len(servers):] + servers[:r % len(servers)]
            for name, address, authkey, pid in order:
                clients(name, address, authkey, args.procs, args.duration, pid)
            for name, address, authkey, _ in order:
                lone(name, address, authkey, args.lone)
        if args.strace:
            for name, address, authkey, pid in servers:
                if not pid:
                    sys.exit(f"--strace: the {name} server's pid is unknown (pass --go-pid)")
                lone(name, address, authkey, min(args.lone, 2000), trace_pid=pid)
                clients(name, address, authkey, args.procs, min(args.duration, 2), pid, trace=True)
    finally:
        if pym:
            pym.shutdown()


if __name__ == "__main__":
    main()

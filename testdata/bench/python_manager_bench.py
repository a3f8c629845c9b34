#!/usr/bin/env python3
"""Python's multiprocessing manager on the workload of gomanager's benchmarks.

Measures CPython's own SyncManager (a BaseManager with the shared types),
as it ships, standard library only:

  call          one proxy call of a method taking and returning a string,
                one caller (proxy._callmethod, gomanager's CallMethod)
  throughput    calls per second from 1 and from 4 client processes, each
                with its own object and connection
  create        create an object and release it (manager.str(), del proxy)
  memory        the server's memory per idle shared object (see below)
  dict, queue   d[k] = v, d[k], and q.put(x) then q.get()
  value         4 processes adding 1 to a shared Value under a shared Lock
                (with lock: v.value += 1), Python's way to count safely

The server is a separate process (manager.start()), as in the Go
benchmarks. Results are printed as Go benchmark lines, so that
testdata/bench/perftable.go (and benchstat) read them with the Go ones.

Memory per object: creating 100,000 objects over the wire would take hours
at Python's pace (each reference change opens a new connection), so the
server process makes them itself, with Server.create, the same code a
client's request runs, and reports the growth of its traced memory
(tracemalloc) per object. Like the Go figure, it counts the object and the
server's bookkeeping for it, not connections.

Usage: python_manager_bench.py [--server-cpus 1] [--client-cpus 0]
       [--only call] [--quick]
"""

import argparse
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from multiprocessing.managers import SyncManager

PAYLOAD = "hello World"


class Str:
    """The shared object of the call benchmarks, as gomanager's benchkit.String."""

    def __init__(self, s=PAYLOAD):
        self.s = s

    def echo(self, v):
        return v

    def get(self):
        return self.s


class Probe:
    """Runs in the server process: measures its memory per shared object."""

    def per_object(self, n):
        server = multiprocessing.current_process()._manager_server
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(n):
            # What a client's create request runs, minus the connection:
            # the object, its id_to_obj and id_to_refcount entries.
            server.create(None, "str")
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        return (after - before) / n


class BenchManager(SyncManager):
    pass


BenchManager.register("str", Str)
BenchManager.register("probe", Probe)

ctx = multiprocessing.get_context("fork")


def pin(cpus):
    """Pins the calling process to cpus (a set), if given."""
    if cpus:
        os.sched_setaffinity(0, cpus)


def report(name, n, ns_per_op, *metrics):
    """Prints one Go benchmark line: metrics are (value, unit) pairs."""
    fields = [f"BenchmarkPython/{name}", str(n), f"{ns_per_op:.0f} ns/op"]
    fields += [f"{value:.6g} {unit}" for value, unit in metrics]
    print("\t".join(fields), flush=True)


def latency(name, n, call):
    """Times n calls of call after a warm-up; reports median and p99."""
    for _ in range(min(200, n)):
        call()
    times = []
    start = time.perf_counter_ns()
    for _ in range(n):
        t = time.perf_counter_ns()
        call()
        times.append(time.perf_counter_ns() - t)
    total = time.perf_counter_ns() - start
    times.sort()
    p99 = times[max(0, (len(times) * 99 + 99) // 100 - 1)]
    report(name, n, total / n, (statistics.median_low(times), "p50-ns"), (p99, "p99-ns"))


def caller(address, authkey, cpus, start, duration, counts):
    """A throughput client process: calls echo until duration is up."""
    pin(cpus)
    m = BenchManager(address=address, authkey=authkey)
    m.connect()
    p = m.str()
    p._callmethod("echo", (PAYLOAD,))  # connect before the clock starts
    start.wait()
    n, end = 0, time.perf_counter() + duration
    while time.perf_counter() < end:
        for _ in range(100):
            p._callmethod("echo", (PAYLOAD,))
        n += 100
    counts.put(n)


def throughput(m, procs, cpus, duration):
    start, counts = ctx.Event(), ctx.Queue()
    workers = [ctx.Process(target=caller, args=(m.address, m._authkey, cpus, start, duration, counts))
               for _ in range(procs)]
    for w in workers:
        w.start()
    time.sleep(1)  # let them connect (the clock starts with the event)
    start.set()
    total = sum(counts.get(timeout=60 + duration) for _ in workers)
    for w in workers:
        w.join(60)
    report(f"throughput/processes={procs}", total, duration * 1e9 / total, (total / duration, "calls/s"))


def adder(v, lock, n, cpus, start, done):
    """A Value client process: n locked increments."""
    pin(cpus)
    v.get()  # connect before the clock starts
    start.wait()
    for _ in range(n):
        with lock:
            v.value += 1
    done.put(n)


def locked_adds(m, procs, n, cpus):
    v, lock = m.Value("i", 0), m.Lock()
    start, done = ctx.Event(), ctx.Queue()
    workers = [ctx.Process(target=adder, args=(v, lock, n, cpus, start, done)) for _ in range(procs)]
    for w in workers:
        w.start()
    time.sleep(1)
    t = time.perf_counter()
    start.set()
    for _ in workers:
        done.get(timeout=600)
    elapsed = time.perf_counter() - t
    for w in workers:
        w.join(60)
    if v.value != procs * n:
        sys.exit(f"lost updates: the Value holds {v.value}, want {procs * n}")
    report(f"value_locked_add/processes={procs}", procs * n, elapsed * 1e9 / (procs * n),
           (procs * n / elapsed, "adds/s"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server-cpus", default="", help="pin the manager's server process to these CPUs (e.g. 1)")
    ap.add_argument("--client-cpus", default="", help="pin this process and the client processes (e.g. 0)")
    ap.add_argument("--only", default="", help="run only this benchmark (call, throughput, create, memory, dict, queue, value)")
    ap.add_argument("--unix", action="store_true", help="serve on a Unix socket in a temporary directory, not on loopback TCP")
    ap.add_argument("--quick", action="store_true", help="fewer iterations, for a smoke test")
    args = ap.parse_args()
    cpus = lambda s: {int(c) for c in s.split(",")} if s else None
    server_cpus, client_cpus = cpus(args.server_cpus), cpus(args.client_cpus)
    run = lambda name: not args.only or args.only == name
    scale = 0.1 if args.quick else 1

    pin(client_cpus)
    print(f"python: {sys.version.split()[0]}")
    print(f"cpus: {os.cpu_count()} (server pinned to {args.server_cpus or 'any'}, clients to {args.client_cpus or 'any'})")
    sockdir = tempfile.mkdtemp(prefix="gomanager-pybench-") if args.unix else None
    address = os.path.join(sockdir, "manager.sock") if sockdir else ("127.0.0.1", 0)
    m = BenchManager(address=address, authkey=os.urandom(32))
    m.start(initializer=pin, initargs=(server_cpus,))
    try:
        if run("call"):
            p = m.str()
            latency("call", int(20000 * scale), lambda: p._callmethod("echo", (PAYLOAD,)))
            del p
        if run("throughput"):
            for procs in (1, 4):
                throughput(m, procs, client_cpus, 3 * scale)
        if run("create"):
            n, t, budget = 0, time.perf_counter(), 5 * scale
            while time.perf_counter() - t < budget and n < 1000:
                p = m.str()
                del p  # the proxy's finalizer releases the reference: Python's decref
                n += 1
            elapsed = time.perf_counter() - t
            report("create_release", n, elapsed * 1e9 / n, (n / elapsed, "creates/s"))
        if run("memory"):
            probe = m.probe()
            n = int(100000 * scale)
            report("memory_per_object", n, 0, (probe.per_object(n), "B/object"))
        if run("dict"):
            d = m.dict()
            d["k"] = 0
            latency("dict/op=Set", int(10000 * scale), lambda: d.__setitem__("k", 1))
            latency("dict/op=Get", int(10000 * scale), lambda: d["k"])
        if run("queue"):
            q = m.Queue()

            def put_get():
                q.put(1)
                q.get()

            latency("queue/op=PutGet", int(10000 * scale), put_get)
        if run("value"):
            locked_adds(m, 4, int(500 * scale), client_cpus)
    finally:
        m.shutdown()
        if sockdir:
            shutil.rmtree(sockdir, ignore_errors=True)


if __name__ == "__main__":
    main()

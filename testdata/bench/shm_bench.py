#!/usr/bin/env python3
"""CPython's ShareableList item access, timed for comparison with Go's.

Times sl[0] (get) and sl[0] = n (set) of an int item, as
basemanager/sharedmemory's BenchmarkShareableList times GetInt and SetInt,
and prints Go benchmark lines, so that the figures sit beside Go's
(and benchstat reads them):

  BenchmarkPythonShareableList/op=Get  2000000  512.3 ns/op

Each figure is the best of --rounds rounds of --n operations, timed with
timeit (its loop costs a few ns per operation, included). The list is
made in another process, as the Go benchmark's is, unless --here.

Usage: shm_bench.py [--n 1000000] [--rounds 5] [--here]
"""

import argparse
import multiprocessing
import sys
import timeit
from multiprocessing import resource_tracker, shared_memory


def make(name_queue):
    """Runs in a child process: makes the list, hands its name over, leaves it."""
    sl = shared_memory.ShareableList([0, 0])
    resource_tracker.unregister(sl.shm._name, "shared_memory")  # it outlives this process
    name_queue.put(sl.shm.name)
    sl.shm.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--here", action="store_true", help="make the list in this process")
    args = ap.parse_args()

    if args.here:
        sl = shared_memory.ShareableList([0, 0])
    else:
        q = multiprocessing.Queue()
        p = multiprocessing.Process(target=make, args=(q,))
        p.start()
        name = q.get(timeout=10)
        p.join(10)
        sl = shared_memory.ShareableList(name=name)  # registers it here: unlink() below unregisters
    try:
        tests = [
            ("op=Get", "sl[0]"),
            ("op=Set", "sl[0] = 12345"),
            ("op=Add", "sl[0] += 1"),  # not atomic: a get and a set
        ]
        py = "%d.%d" % sys.version_info[:2]
        for name, stmt in tests:
            t = timeit.Timer(stmt, globals={"sl": sl})
            best = min(t.repeat(repeat=args.rounds, number=args.n)) / args.n
            print("BenchmarkPythonShareableList/%s/py=%s \t%d\t%10.1f ns/op" % (name, py, args.n, best * 1e9))
    finally:
        sl.shm.close()
        sl.shm.unlink()


if __name__ == "__main__":
    main()

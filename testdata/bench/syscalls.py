"""syscalls.py: system calls per call, per process, from `strace -f -o FILE`.

    python3 testdata/bench/syscalls.py FILE CALLS LABEL

Reads the trace of a benchmark that made CALLS calls from its first process
(the client) to a server process it started, and prints one table row per
process: the system calls per call of each kind, and their total. Threads
count with their process; a process started by the client is "server".
(compare.sh runs it: ONLY=syscalls, issue 14.)
"""
import collections
import re
import sys


def count(path):
    group, pending, first = {}, {}, None
    counts = collections.defaultdict(collections.Counter)
    for line in open(path, errors="replace"):
        m = re.match(r"(\d+)\s+(?:<\.\.\. )?(\w+)", line)
        if not m:
            continue
        tid, name = int(m.group(1)), m.group(2)
        if first is None:
            first = tid
            group[tid] = "client"
        g = group.setdefault(tid, "other")
        resumed = "<..." in line and "resumed>" in line
        if not resumed:
            counts[g][name] += 1
            if name in ("clone", "clone3", "vfork", "fork"):
                pending[tid] = "CLONE_THREAD" in line
        if name in ("clone", "clone3", "vfork", "fork") and not line.rstrip().endswith("unfinished ...>"):
            r = re.search(r"= (\d+)", line.rsplit(")", 1)[-1])
            if r:
                thread = pending.pop(tid, "CLONE_THREAD" in line)
                group[int(r.group(1))] = g if thread else ("server" if g == "client" else g)
    return counts


KINDS = ["read", "recvfrom", "write", "sendto", "epoll_pwait", "ppoll", "poll", "futex", "nanosleep", "sched_yield"]


def main():
    path, calls, label = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    counts = count(path)
    for side in ("client", "server"):
        c = counts[side]
        total = sum(c.values()) / calls
        cells = " | ".join("%.2f" % (c[k] / calls) if c[k] >= calls / 50 else "" for k in KINDS)
        print(f"| {label} | {side} | {cells} | **{total:.1f}** |")


if __name__ == "__main__":
    main()

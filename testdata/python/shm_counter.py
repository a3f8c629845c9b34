"""shm_counter.py: the CPython process of ./run_demo.sh shm.

    python3 shm_counter.py HOST PORT NAME N

It connects to the Go SharedMemoryManager at HOST:PORT (authkey from
GOMANAGER_AUTHKEY) as CPython's own SharedMemoryManager client, with the
server's Lock declared, attaches the ShareableList NAME, and increments its
item 1 N times under the manager's Lock: a read-modify-write, as the Go
workers do under the same Lock.
"""
import os
import platform
import sys
from multiprocessing import resource_tracker
from multiprocessing.managers import AcquirerProxy, SharedMemoryManager
from multiprocessing.shared_memory import ShareableList


class Manager(SharedMemoryManager):
    pass


Manager.register('Lock', proxytype=AcquirerProxy)

host, port, name, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
manager = Manager(address=(host, port), authkey=os.environ['GOMANAGER_AUTHKEY'].encode())
manager.connect()
lock = manager.Lock()
counts = ShareableList(name=name)
# Attaching registered the block with this process's resource tracker,
# which would unlink it when this process exits: the manager's server owns
# it, and unlinks it when it stops.
resource_tracker.unregister(counts.shm._name, 'shared_memory')
for _ in range(n):
    with lock:
        counts[1] += 1
print(f"shm: CPython {platform.python_version()}: {n} locked increments of item 1", flush=True)
counts.shm.close()

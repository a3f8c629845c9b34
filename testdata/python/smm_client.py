#!/usr/bin/env python3
"""smm_client.py: CPython's SharedMemoryManager as a client of a Go server.

    GOMANAGER_AUTHKEY=key python3 smm_client.py HOST:PORT

The Go server is a gomanager sharedmemory.Manager's (the tests of
gomanager/basemanager/sharedmemory). This script, with CPython's own
classes only:

1. connects (SharedMemoryManager(address, authkey).connect()) and creates
   a block, smm.SharedMemory(64), with b'hello' at its start, and a list,
   smm.ShareableList([1, 2, 'x']): each sends track_segment to the server.
   It prints {"shm": NAME, "list": NAME} on one line.
2. waits for a line on its standard input (the Go test has attached the
   list and added 41 to item 0), reads the list, sets item 1 to -5, and
   sends the server the other requests of a SharedMemoryServer on
   connections of its own, as managers.py's dispatch does: list_segments,
   release_segment of the block, list_segments again, and release_segment
   of a name the server does not track. It prints what it saw on one line:
   {"items": [...], "before": [...], "after": [...], "untracked": "..."}.

The blocks are the server's to unlink: the release here, and the rest when
the server stops. So this process takes them off its resource tracker,
which would otherwise unlink them when it exits and warn of "leaked
shared_memory objects" (CPython creates them tracked, 3.13 included).
"""

import json
import os
import sys
from multiprocessing import resource_tracker
from multiprocessing.connection import Client
from multiprocessing.managers import SharedMemoryManager, dispatch

host, port = sys.argv[1].rsplit(':', 1)
address = (host, int(port))
authkey = os.environ['GOMANAGER_AUTHKEY'].encode()


def request(funcname, *args):
    """One of the server's public requests, on a new connection."""
    with Client(address, authkey=authkey) as conn:
        return dispatch(conn, None, funcname, args)


smm = SharedMemoryManager(address=address, authkey=authkey)
smm.connect()
shm = smm.SharedMemory(64)
resource_tracker.unregister(shm._name, 'shared_memory')
shm.buf[:5] = b'hello'
sl = smm.ShareableList([1, 2, 'x'])
resource_tracker.unregister(sl.shm._name, 'shared_memory')
print(json.dumps({'shm': shm.name, 'list': sl.shm.name}), flush=True)

sys.stdin.readline()
out = {'items': list(sl)}
sl[1] = -5
out['before'] = request('list_segments')
request('release_segment', shm.name)
out['after'] = request('list_segments')
try:
    request('release_segment', 'psm_untracked')
    out['untracked'] = 'no error'
except Exception as e:
    out['untracked'] = '%s: %s' % (type(e).__name__, e)
shm.close()
sl.shm.close()
print(json.dumps(out), flush=True)

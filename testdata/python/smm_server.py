#!/usr/bin/env python3
"""smm_server.py: a CPython SharedMemoryManager server for the Go client's tests.

    GOMANAGER_AUTHKEY=key python3 smm_server.py stop|shutdown

Serves SharedMemoryManager(address=('127.0.0.1', 0), authkey=key)'s
get_server() (a SharedMemoryServer: Server's requests plus track_segment,
release_segment and list_segments), prints "ready 127.0.0.1:PORT" once
listening, and stops when its standard input closes, in one of two ways:

  stop      sets the server's stop_event, as sync_server.py does:
            serve_forever returns (it raises SystemExit) and the process
            exits. The blocks the server tracks are NOT unlinked: in
            CPython 3.8 to 3.13 only SharedMemoryServer.shutdown unlinks
            them, and the tracker's __del__ never runs (the server stays
            referenced from current_process()._manager_server until the
            interpreter is gone). They stay under /dev/shm.
  shutdown  sends the server the 'shutdown' request, as
            SharedMemoryManager.shutdown() does to the server process
            start() made: SharedMemoryServer.shutdown unlinks every block
            it tracks, then stops the server.

Either way it first makes a request of its own server, which answers once
serve_forever runs (and so once stop_event exists).
"""

import os
import sys
import threading
from multiprocessing.connection import Client
from multiprocessing.managers import SharedMemoryManager, dispatch

mode = sys.argv[1]
if mode not in ('stop', 'shutdown'):
    sys.exit('smm_server.py: unknown mode %r (stop or shutdown)' % mode)
authkey = os.environ['GOMANAGER_AUTHKEY'].encode()
manager = SharedMemoryManager(address=('127.0.0.1', 0), authkey=authkey)
server = manager.get_server()


def request(funcname):
    with Client(server.address, authkey=authkey) as conn:
        return dispatch(conn, None, funcname, ())


def stop_at_eof():
    sys.stdin.read()
    request('dummy')  # serve_forever runs: stop_event exists
    if mode == 'shutdown':
        request('shutdown')
    else:
        server.stop_event.set()


threading.Thread(target=stop_at_eof, daemon=True).start()
print('ready %s:%d' % server.address, flush=True)
server.serve_forever()

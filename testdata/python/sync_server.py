"""sync_server.py: a CPython SyncManager server for the Go client's tests.

    python3 sync_server.py

Serves SyncManager's typeids on 127.0.0.1 and a port the OS picks, with the
authkey from GOMANAGER_AUTHKEY; prints "ready 127.0.0.1:PORT" once
listening, and stops when its standard input closes.
"""
import os
import sys
import threading
from multiprocessing.managers import SyncManager

manager = SyncManager(address=('127.0.0.1', 0), authkey=os.environ['GOMANAGER_AUTHKEY'].encode())
server = manager.get_server()


def stop_at_eof():
    sys.stdin.read()
    server.stop_event.set()


threading.Thread(target=stop_at_eof, daemon=True).start()
print('ready %s:%d' % server.address, flush=True)
server.serve_forever()

"""sync_server.py: a CPython SyncManager server for the Go client's tests.

    python3 sync_server.py [PATH]

Serves SyncManager's typeids on 127.0.0.1 and a port the OS picks, or on
the Unix socket PATH if given, with the authkey from GOMANAGER_AUTHKEY;
prints "ready 127.0.0.1:PORT" (or "ready PATH") once listening, and stops
when its standard input closes.
"""
import os
import sys
import threading
from multiprocessing.managers import SyncManager

address = sys.argv[1] if len(sys.argv) > 1 else ('127.0.0.1', 0)
manager = SyncManager(address=address, authkey=os.environ['GOMANAGER_AUTHKEY'].encode())
server = manager.get_server()


def stop_at_eof():
    sys.stdin.read()
    server.stop_event.set()


threading.Thread(target=stop_at_eof, daemon=True).start()
if isinstance(server.address, str):
    print('ready %s' % server.address, flush=True)
else:
    print('ready %s:%d' % server.address, flush=True)
server.serve_forever()

"""lesson.py: the lesson's ProcessA and ProcessB ("Manager", Python & asyncio),
copied unmodified, run one at a time by the interoperability tests and by
./run_demo.sh python against the Go demo's processes.

    python3 lesson.py ProcessA        serve "hello World" on a port the OS picks;
                                      prints "ProcessA: serving get_my_string at 127.0.0.1:PORT" once listening
    python3 lesson.py ProcessB PORT   connect to 127.0.0.1:PORT and use the shared string
    python3 lesson.py ProcessB -      the same, reading PORT from stdin

Only two things are passed in, outside the lesson's code: the port (the
lesson picks a random one), and the authkey, taken from GOMANAGER_AUTHKEY
and set as the process's authkey, which the lesson's managers use since
they are given none. The lesson's __main__ block, which starts both roles
with multiprocessing.Process and a sleep, is replaced by the one below.
"""
from multiprocessing.managers import BaseManager, ListProxy
from multiprocessing import Process, Manager
from multiprocessing import current_process
from threading import Thread
import time, multiprocessing, random


# ---- the lesson's code, unmodified ----

def ProcessA(port_num):
    my_string = "hello World"
    manager = BaseManager(address=('127.0.0.1', port_num))
    manager.register('get_my_string', callable=lambda: my_string)
    server = manager.get_server()

    Thread(target=shutdown, args=(server,)).start()

    server.serve_forever()

def ProcessB(port_num):
    manager = BaseManager(address=('127.0.0.1', port_num))
    manager.register('get_my_string')
    manager.connect()
    proxy_my_string = manager.get_my_string()

    print("In ProcessB repr(proxy_my_string) = {}".format(repr(proxy_my_string)))
    print("In ProcessB str(proxy_my_string) = {}".format(str(proxy_my_string)))

    print(proxy_my_string)
    print(proxy_my_string.capitalize())
    print(proxy_my_string._callmethod("capitalize"))

def shutdown(server):
    time.sleep(3)
    server.stop_event.set()

# ---- end of the lesson's code ----


if __name__ == '__main__':
    import os, sys
    from multiprocessing.managers import Server

    current_process().authkey = os.environ['GOMANAGER_AUTHKEY'].encode()
    if sys.argv[1] == 'ProcessA':
        # Say where we listen (port 0: the OS picks a free one) once the
        # listener is bound, as the Go ProcessA does; nothing else changes.
        serve_forever = Server.serve_forever
        def announce(server):
            print('ProcessA: serving get_my_string at %s:%d' % server.address, flush=True)
            serve_forever(server)
        Server.serve_forever = announce
        ProcessA(0)
    else:
        port = sys.argv[2]
        if port == '-':
            # The port comes on stdin: the tests start this interpreter
            # first, so that ProcessA's 3 seconds are not spent on it, and
            # start ProcessA once it says (on stderr) it has imported all.
            print('ProcessB: waiting for the port', file=sys.stderr, flush=True)
            port = sys.stdin.readline()
        ProcessB(int(port))

"""unix_client.py: CPython's own manager clients of the Go server on a Unix socket.

    python3 unix_client.py PATH

The authkey comes from GOMANAGER_AUTHKEY. A SyncManager, and a BaseManager
with register()-only declarations, connect to the socket file PATH
(Python's address='/path/m.sock', an AF_UNIX address) and use a dict, a
Queue, a Lock and the dict the Go test shares ("shared_dict"). Then, with
multiprocessing.connection's own Client and managers.dispatch, it reads a
raw '#PROXY' reply and checks that the token the Go server sent carries the
address as Python writes an AF_UNIX one, a str path, to which Python
connects back. It prints one line per check and "all checks passed" at
the end; the first failure raises. Every reference it takes is released
before it exits.
"""
import os
import sys
from multiprocessing import connection
from multiprocessing.managers import BaseManager, DictProxy, SyncManager, dispatch


class Remote(BaseManager):
    pass


Remote.register('shared_dict', proxytype=DictProxy)


def check(name):
    print('ok', name, flush=True)


def main():
    path, authkey = sys.argv[1], os.environ['GOMANAGER_AUTHKEY'].encode()
    assert connection.address_type(path) == 'AF_UNIX', connection.address_type(path)

    m = SyncManager(address=path, authkey=authkey)
    m.connect()
    d = m.dict({'a': 1}, b=2)
    d['c'] = [1, 2.5, None]
    assert d['c'] == [1, 2.5, None] and len(d) == 3
    assert sorted(iter(d)) == ['a', 'b', 'c']  # an Iterator proxy, from a '#PROXY' reply
    assert d._token.address == path, d._token
    q = m.Queue()
    q.put(('from', 'python'))
    assert q.get() == ('from', 'python') and q.empty()
    lock = m.Lock()
    assert lock.acquire() and not lock.acquire(False)
    lock.release()
    check('SyncManager(address=%r)' % path)

    r = Remote(address=path, authkey=authkey)
    r.connect()
    sd = r.shared_dict()
    assert sd['from_go'] == 2, sd.copy()
    sd['from_python'] = 1
    check('a dict shared with a Go client')

    # The raw reply to iter(d): ('#PROXY', (exposed, token)). Python's
    # proxies rewrite token.address to their own; here nothing does.
    c = connection.Client(path, authkey=authkey)
    dispatch(c, None, 'accept_connection', ('unix_client',))
    c.send((d._token.id, '__iter__', (), {}))
    kind, (exposed, token) = c.recv()
    c.close()
    assert kind == '#PROXY' and '__next__' in exposed, (kind, exposed)
    assert isinstance(token.address, str) and token.address == path, token
    assert connection.address_type(token.address) == 'AF_UNIX'
    back = connection.Client(token.address, authkey=authkey)
    dispatch(back, None, 'decref', (token.id,))  # the reference the server took for us
    back.close()
    check('the token in a #PROXY reply: %r' % (token,))

    del d, q, lock, sd  # their finalizers send decref
    print('all checks passed', flush=True)


if __name__ == '__main__':
    main()

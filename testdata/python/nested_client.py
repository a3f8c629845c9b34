"""nested_client.py: a CPython client stores proxies in the Go server's containers.

    python3 nested_client.py HOST:PORT

The authkey comes from GOMANAGER_AUTHKEY. The Go server shares one dict
('shared_dict') and one list ('shared_list'); the Go test has stored a Go
client's dict proxy in the shared dict under 'from_go' before this runs.
As with a Python server, this client:

- reads the Go client's proxy back as a working DictProxy, and changes it;
- stores a manager.dict() in the shared dict and in the shared list, drops
  its own proxy, reads it back as a working proxy and changes it (the Go
  test then reads those changes through a Go client);
- stores a manager.list() and a Queue (an AutoProxy) the same way, makes a
  list of a dict (manager.list([manager.dict()])), reads proxies through
  _getvalue(), pops one out of a container;
- has tokens of another manager, of an unknown id and of another run of
  the server refused with a TypeError (a RemoteError from create).

It checks the server's number of objects on the way: what a container
holds stays, what nothing holds any more goes. It prints one line per check
and "all checks passed" at the end; the first failure raises. On exit its
proxies are released (decref), leaving the server its containers and the
three objects they hold: 'inner' and 'alist' in the dict, one dict in the
list.
"""
import gc
import multiprocessing
import os
import sys
from multiprocessing.managers import BaseManager, DictProxy, ListProxy, RemoteError, Token


class Remote(BaseManager):
    pass


Remote.register('dict', proxytype=DictProxy)
Remote.register('list', proxytype=ListProxy)
Remote.register('Queue')
Remote.register('shared_dict', proxytype=DictProxy)
Remote.register('shared_list', proxytype=ListProxy)


def check(name):
    print('ok', name, flush=True)


def raises(exc, f, *args):
    try:
        f(*args)
    except exc as e:
        return str(e)
    raise AssertionError('%s%r did not raise %s' % (f.__name__, args, exc.__name__))


def main():
    host, port = sys.argv[1].rsplit(':', 1)
    key = os.environ['GOMANAGER_AUTHKEY'].encode()
    # A proxy rebuilt from a reply has no manager: it authenticates with the
    # process's authkey, as it does with a Python server.
    multiprocessing.current_process().authkey = key
    m = Remote(address=(host, int(port)), authkey=key)
    m.connect()
    shared, sl = m.shared_dict(), m.shared_list()
    objects = m._number_of_objects

    def count(want, what):
        gc.collect()  # a proxy's decref runs when it is collected
        got = objects()
        assert got == want, '%s: the server holds %d objects, want %d' % (what, got, want)

    base = objects()  # the two containers and the Go client's dict
    assert base == 3, base

    g = shared['from_go']
    assert type(g) is DictProxy and g['go'] == 1, (type(g), g)
    g['py'] = 'seen'
    del g
    check("a Go client's proxy, read back")

    inner = m.dict({'k': 1})
    shared['inner'] = inner
    del inner
    count(base + 1, 'a dict stored in the dict, its proxy dropped')
    got = shared['inner']
    assert type(got) is DictProxy, type(got)
    got['k'] += 1
    got['py'] = 'yes'
    assert shared['inner']['k'] == 2 and dict(shared['inner'].items()) == {'k': 2, 'py': 'yes'}
    del got
    count(base + 1, 'the dict read back and released')
    check('a dict in a dict')

    d2 = m.dict()
    sl.append(d2)
    del d2
    sl[0]['mut'] = 3
    assert type(sl[0]) is DictProxy and sl[0]['mut'] == 3
    count(base + 2, 'a dict stored in the list')
    check('a dict in a list')

    shared['alist'] = m.list([1])
    shared['alist'].append(2)
    assert type(shared['alist']) is ListProxy and shared['alist']._getvalue() == [1, 2]
    count(base + 3, 'a list stored in the dict')
    check('a list in a dict')

    shared['queue'] = m.Queue()
    shared['queue'].put(5)
    q = shared['queue']
    assert type(q).__name__ == 'AutoProxy[Queue]' and q.get() == 5 and q.qsize() == 0, type(q)
    del q
    del shared['queue']
    count(base + 3, 'a Queue stored, read as an AutoProxy, deleted')
    check('an AutoProxy in a dict')

    c = m.list([m.dict(z=1)])
    assert type(c[0]) is DictProxy and c[0]['z'] == 1
    count(base + 5, 'a list made of a dict')
    del c
    count(base + 3, 'the list made of a dict released, and the dict with it')
    check('manager.list([manager.dict()])')

    value = shared._getvalue()
    assert type(value['inner']) is DictProxy and value['inner']['k'] == 2, value
    assert type(sl._getvalue()[0]) is DictProxy
    assert 'inner' in str(shared)
    del value
    check('_getvalue() and str() of containers of proxies')

    shared['tmp'] = m.dict(t=1)
    sl.append(m.dict(t=2))
    count(base + 5, 'two dicts stored to pop')
    p = shared.pop('tmp')
    assert type(p) is DictProxy and p['t'] == 1
    q = sl.pop()
    assert type(q) is DictProxy and q['t'] == 2
    del p, q
    count(base + 3, 'the popped dicts released')
    check('popped out of their containers, they still work')

    elsewhere = DictProxy(Token('dict', ('127.0.0.1', 1), '1-1'), 'pickle', incref=False)
    msg = raises(TypeError, shared.__setitem__, 'bad', elsewhere)
    assert "('127.0.0.1', 1)" in msg and repr(m.address) in msg, msg
    msg = raises(RemoteError, m.list, [elsewhere])
    assert 'TypeError' in msg and "('127.0.0.1', 1)" in msg, msg
    epoch = shared._token.id.split('-')[1]
    gone = DictProxy(Token('dict', m.address, 'fffffff-' + epoch), 'pickle', incref=False)
    msg = raises(TypeError, sl.append, gone)
    assert 'no longer holds' in msg, msg
    stale = DictProxy(Token('dict', m.address, '1-0'), 'pickle', incref=False)
    msg = raises(TypeError, shared.__setitem__, 'bad', stale)
    assert 'this run' in msg, msg
    assert 'bad' not in shared and len(sl) == 1
    count(base + 3, 'after the refusals')
    check('tokens of another manager, of a freed object and of another run refused')

    assert len(shared) == 3  # a last call: the server lets go of what it kept for the replies
    count(base + 3, 'at the end')
    print('all checks passed', flush=True)


if __name__ == '__main__':
    main()

"""sync_client.py: a Python SyncManager client of the Go SyncManager server.

    python3 sync_client.py HOST:PORT

The authkey comes from GOMANAGER_AUTHKEY. The client declares the typeids
with register() only (no callables: the server has them), connects, and
uses dict, list, Queue, Lock, RLock, Event, Value, Namespace, Semaphore,
Condition and Barrier as a Python program would, checking that Python's own
exceptions are raised where Python raises them. It prints one line per
check and "all checks passed" at the end; the first failure raises.
Then a plain SyncManager connects too. Every proxy is released before exit,
so the server must end with no objects.
"""
import os
import queue
import sys
import threading
from multiprocessing.managers import (AcquirerProxy, BarrierProxy, BaseManager, ConditionProxy, DictProxy,
                                      EventProxy, IteratorProxy, ListProxy, NamespaceProxy, RemoteError,
                                      SyncManager, ValueProxy)


class Remote(BaseManager):
    pass


Remote.register('dict', proxytype=DictProxy)
Remote.register('list', proxytype=ListProxy)
Remote.register('Queue')
Remote.register('Lock', proxytype=AcquirerProxy)
Remote.register('RLock', proxytype=AcquirerProxy)
Remote.register('Event', proxytype=EventProxy)
Remote.register('Value', proxytype=ValueProxy)
Remote.register('Namespace', proxytype=NamespaceProxy)
Remote.register('BoundedSemaphore', proxytype=AcquirerProxy)
Remote.register('Condition', proxytype=ConditionProxy)
Remote.register('Barrier', proxytype=BarrierProxy)
Remote.register('Iterator', proxytype=IteratorProxy, create_method=False)
Remote.register('shared_dict', proxytype=DictProxy)


def raises(exc, f, *args, **kw):
    try:
        f(*args, **kw)
    except exc as e:
        return e
    raise AssertionError('%s%r did not raise %s' % (getattr(f, '__name__', f), args, exc.__name__))


def check(name):
    print('ok', name, flush=True)


def dicts(m):
    d = m.dict({'a': 1}, b=2)
    d['c'] = [1, 2.5, None, True, 'x', b'y', (1, 2)]
    assert d['a'] == 1 and d['c'] == [1, 2.5, None, True, 'x', b'y', (1, 2)], d['c']
    assert len(d) == 3 and 'b' in d and 'zz' not in d
    assert d.get('zz') is None and d.get('zz', 5) == 5
    assert d.keys() == ['a', 'b', 'c'] and d.values()[0] == 1 and d.items()[1] == ('b', 2)
    assert [k for k in d] == ['a', 'b', 'c']  # __iter__: an Iterator proxy
    assert raises(KeyError, d.__getitem__, 'missing').args == ('missing',)
    del d['b']
    raises(KeyError, d.__delitem__, 'b')
    d.update({'x': 1}, y=2)
    assert d.setdefault('z', 3) == 3 and d.pop('z') == 3 and d.pop('nope', 'default') == 'default'
    raises(KeyError, d.pop, 'nope')
    d[(1, 2)] = 'a tuple key'
    assert d[(1, 2)] == 'a tuple key' and (1, 2) in d
    raises(TypeError, d.__setitem__, [1], 'unhashable')
    copy = d.copy()
    assert type(copy) is dict and list(copy) == ['a', 'c', 'x', 'y', (1, 2)], copy
    assert d._getvalue() == copy
    assert str(d) == repr(copy), (str(d), repr(copy))
    assert d.popitem() == ((1, 2), 'a tuple key')
    d.clear()
    assert len(d) == 0
    assert raises(KeyError, d.popitem).args == ('popitem(): dictionary is empty',)
    raises(RemoteError, d._callmethod, 'nonexistent')
    check('dict')


def lists(m):
    l = m.list([3, 1, 2])
    l.append(4)
    l.extend([5, 6])
    assert l[0] == 3 and l[-1] == 6 and l[1:3] == [1, 2] and l[::2] == [3, 2, 5] and l[::-1] == [6, 5, 4, 2, 1, 3]
    assert len(l) == 6 and 5 in l and 9 not in l
    l.sort()
    assert l[:] == [1, 2, 3, 4, 5, 6]
    l.reverse()
    assert l.index(4) == 2 and l.count(1) == 1
    l.remove(1)
    raises(ValueError, l.remove, 99)
    raises(ValueError, l.index, 99)
    l.insert(0, 0)
    assert l.pop() == 2 and l.pop(0) == 0
    raises(IndexError, l.__getitem__, 100)
    raises(IndexError, l.__setitem__, 100, 1)
    assert list(l) == [6, 5, 4, 3]  # iteration by index, ends at IndexError
    l += [7]
    l *= 2
    assert l + [8] == [6, 5, 4, 3, 7, 6, 5, 4, 3, 7, 8]
    assert str(l) == '[6, 5, 4, 3, 7, 6, 5, 4, 3, 7]'
    empty = m.list()
    raises(IndexError, empty.pop)
    check('list')


def queues(m):
    q = m.Queue()
    q.put(1)
    q.put('two')
    assert q.qsize() == 2 and not q.empty()
    assert q.get() == 1 and q.get_nowait() == 'two'
    raises(queue.Empty, q.get_nowait)
    raises(queue.Empty, q.get, timeout=0.05)
    raises(queue.Empty, q.get, False)
    assert q.empty()
    q.task_done()
    q.task_done()
    raises(ValueError, q.task_done)
    q.join()
    bounded = m.Queue(1)
    bounded.put({'k': (1, 2)})
    assert bounded.full()
    raises(queue.Full, bounded.put_nowait, 2)
    raises(queue.Full, bounded.put, 2, timeout=0.05)
    assert bounded.get() == {'k': (1, 2)}
    # A get blocked in the server is woken by a put from another thread,
    # which has its own connection.
    threading.Timer(0.05, q.put, ('late',)).start()
    assert q.get(timeout=10) == 'late'
    check('Queue')


def locks(m):
    lock = m.Lock()
    assert lock.acquire()
    assert not lock.acquire(False)
    assert not lock.acquire(True, 0.05)
    lock.release()
    assert str(raises(RuntimeError, lock.release)) == 'release unlocked lock'
    with lock:
        pass
    rlock = m.RLock()
    assert rlock.acquire() and rlock.acquire()
    rlock.release()
    rlock.release()
    assert str(raises(RuntimeError, rlock.release)) == 'cannot release un-acquired lock'
    sem = m.BoundedSemaphore(1)
    assert sem.acquire()
    sem.release()
    assert str(raises(ValueError, sem.release)) == 'Semaphore released too many times'
    cond = m.Condition()
    raises(RuntimeError, cond.notify)
    with cond:
        cond.notify()
        assert cond.wait(0.01) is False
    check('Lock, RLock, BoundedSemaphore, Condition')


def events(m):
    e = m.Event()
    assert not e.is_set() and e.wait(0.05) is False
    threading.Timer(0.05, e.set).start()
    assert e.wait(10) is True and e.is_set()
    e.clear()
    assert not e.is_set()
    check('Event')


def values(m):
    v = m.Value('i', 1)
    assert v.value == 1
    v.value = 5
    assert v.get() == 5
    v.set('text')
    assert v.value == 'text'
    ns = m.Namespace(a=1)
    ns.b = [2]
    assert ns.a == 1 and ns.b == [2]
    raises(AttributeError, getattr, ns, 'c')
    del ns.b
    raises(AttributeError, getattr, ns, 'b')
    b = m.Barrier(1)
    assert b.wait() == 0 and b.parties == 1 and not b.broken
    b.abort()
    assert b.broken
    raises(threading.BrokenBarrierError, b.wait)
    check('Value, Namespace, Barrier')


def shared_with_go(m):
    # The Go test stored 'from_go' in this dict; the Go side reads 'from_python'.
    sd = m.shared_dict()
    assert sd['from_go'] == 2, sd.copy()
    sd['from_python'] = 1
    sd['tuple'] = (1, 'a')
    sd['nested'] = {'k': [1, 2.5]}
    check('a dict shared with a Go client')


def main():
    host, port = sys.argv[1].rsplit(':', 1)
    address, authkey = (host, int(port)), os.environ['GOMANAGER_AUTHKEY'].encode()
    m = Remote(address=address, authkey=authkey)
    m.connect()
    for part in (dicts, lists, queues, locks, events, values, shared_with_go):
        part(m)
    assert m._number_of_objects() >= 1 and 'refcount=' in m._debug_info()

    s = SyncManager(address=address, authkey=authkey)
    s.connect()
    q = s.Queue()
    q.put(('from', 'SyncManager'))
    assert q.get() == ('from', 'SyncManager')
    d = s.dict(k=1)
    assert dict(d.items()) == {'k': 1}
    check('SyncManager.connect()')
    print('all checks passed', flush=True)


if __name__ == '__main__':
    main()

"""sync_types_client.py: a Python client of the Go SyncManager server's Array,
set, Value (repr and _getvalue) and, on CPython 3.13+, Queue.shutdown.

    python3 sync_types_client.py HOST:PORT

The authkey comes from GOMANAGER_AUTHKEY. The client declares the typeids
with register() only, as sync_client.py does: Array with Python's own
ArrayProxy, set with Python 3.14's SetProxy (built here the way 3.14 builds
it, with MakeProxyType, on older Pythons, as a user would). Every check
compares with what Python's own array, set and queue do. It prints one line
per check and "all checks passed" at the end; the first failure raises.
Every proxy is released before exit, so the server must end with no objects.

Speed: a CPython client's connection sends its first request right after
the handshake's last small message, so Nagle's algorithm holds it until the
server's delayed ACK, about 40 ms (a CPython server takes as long). Each
create costs three such connections and each release one; the script turns
Nagle off on its sockets (TCP_NODELAY, a socket option: CPython's code is
unchanged) so that its many objects take milliseconds.
"""
import array
import os
import queue
import socket
import sys
import threading
import warnings
from multiprocessing import managers
from multiprocessing.managers import (ArrayProxy, BaseManager, IteratorProxy, MakeProxyType, RemoteError,
                                      SyncManager, ValueProxy)

warnings.simplefilter('ignore', DeprecationWarning)  # 3.13 deprecates the array typecode 'u'

_connect = socket.socket.connect


def _connect_nodelay(self, address):
    _connect(self, address)
    if self.family in (socket.AF_INET, socket.AF_INET6):
        self.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


socket.socket.connect = _connect_nodelay

SetProxy = getattr(managers, 'SetProxy', None)
if SetProxy is None:
    _BaseSetProxy = MakeProxyType('_BaseSetProxy', (
        '__and__', '__contains__', '__iand__', '__ior__', '__isub__', '__iter__', '__ixor__', '__len__',
        '__or__', '__rand__', '__ror__', '__rsub__', '__rxor__', '__sub__', '__xor__',
        '__ge__', '__gt__', '__le__', '__lt__',
        'add', 'clear', 'copy', 'difference', 'difference_update', 'discard',
        'intersection', 'intersection_update', 'isdisjoint', 'issubset',
        'issuperset', 'pop', 'remove', 'symmetric_difference',
        'symmetric_difference_update', 'union', 'update',
    ))

    class SetProxy(_BaseSetProxy):
        def __ior__(self, value):
            self._callmethod('__ior__', (value,))
            return self

        def __iand__(self, value):
            self._callmethod('__iand__', (value,))
            return self

        def __ixor__(self, value):
            self._callmethod('__ixor__', (value,))
            return self

        def __isub__(self, value):
            self._callmethod('__isub__', (value,))
            return self


class Remote(BaseManager):
    pass


Remote.register('Array', proxytype=ArrayProxy)
Remote.register('set', proxytype=SetProxy)
Remote.register('Value', proxytype=ValueProxy)
Remote.register('Queue')
Remote.register('JoinableQueue')
Remote.register('Iterator', proxytype=IteratorProxy, create_method=False)
Remote.register('shared_set', proxytype=SetProxy)
Remote.register('shared_array', proxytype=ArrayProxy)

# The texts of array's TypeErrors changed in 3.10; the Go server gives the new ones.
SAME_TEXTS = sys.version_info >= (3, 10)


def raises(exc, f, *args, **kw):
    try:
        f(*args, **kw)
    except exc as e:
        return e
    raise AssertionError('%s%r did not raise %s' % (getattr(f, '__name__', f), args, exc.__name__))


def check(name):
    print('ok', name, flush=True)


def outcome(f, *args):
    """What f(*args) does: ('ok', result) or (exception class, text)."""
    try:
        return 'ok', f(*args)
    except Exception as e:
        return type(e), str(e)


def arrays(m):
    a = m.Array('i', [1, 2, 3])
    assert len(a) == 3 and a[0] == 1 and a[-1] == 3
    a[1] = 20
    assert a[1] == 20 and list(a) == [1, 20, 3]  # iteration by index, ends at IndexError
    assert a[0:2] == array.array('i', [1, 20]) and a[::-1] == array.array('i', [3, 20, 1])
    assert str(a) == "array('i', [1, 20, 3])", str(a)
    value = a._getvalue()
    assert type(value) is array.array and value == array.array('i', [1, 20, 3]) and value.typecode == 'i'
    assert str(raises(OverflowError, a.__setitem__, 0, 2**31)) == 'signed integer is greater than maximum'
    assert str(raises(IndexError, a.__getitem__, 3)) == 'array index out of range'
    assert str(raises(IndexError, a.__setitem__, -4, 1)) == 'array assignment index out of range'
    assert str(raises(TypeError, a.__getitem__, 'x')) == 'array indices must be integers'
    raises(TypeError, a.__setitem__, slice(0, 1), [5])
    assert a[-1] == 3  # nothing changed

    # Every typecode takes, converts and refuses what array.array does.
    values = [0, 1, -1, 127, 128, -128, -129, 255, 256, 2**15, -2**15 - 1, 2**16, 2**31, -2**31 - 1, 2**32,
              2**63, -2**63 - 1, 2**64, 2**200, 1.5, 0.1, -0.0, 1e300, True, 'x', 'ab', '', None, b'a', [1]]
    codes = 'bBhHiIlLqQfdu' + ('w' if sys.version_info >= (3, 13) else '')
    for code in codes:
        start = ['a'] if code in 'uw' else [0]
        shared, local = m.Array(code, start), array.array(code, start)
        for v in values:
            want, got = outcome(local.__setitem__, 0, v), outcome(shared.__setitem__, 0, v)
            if want[0] == 'ok':
                assert got[0] == 'ok', (code, v, got)
                assert repr(shared[0]) == repr(local[0]), (code, v, shared[0], local[0])
            else:
                assert got[0] is want[0], (code, v, want, got)
                assert got[1] == want[1] or not SAME_TEXTS, (code, v, want, got)
        assert shared._getvalue() == local and str(shared) == repr(local), (code, str(shared), repr(local))
        del shared
    check('Array: indexing, slices, str, _getvalue, every typecode\'s checks')

    for args in [('d', [1, 2.5]), ('u', 'hi'), ('b', b'\x01\xff'), ('h', b'\x01\x00\xff\xff'), ('f', [0.1]),
                 ('B', bytearray(b'ab')), ('q', (1, -2)), ('i', [])]:
        shared, local = m.Array(*args), array.array(*args)
        assert str(shared) == repr(local) and shared._getvalue() == local, (args, str(shared), repr(local))
        del shared
    for args in [('z', []), ('ii', []), ('i', [2**40]), ('i', 'ab'), ('h', b'abc'), ('i', [1.5])]:
        want = outcome(array.array, *args)
        text = str(raises(RemoteError, m.Array, *args))  # the server's traceback names the exception
        assert want[0].__name__ + ': ' + want[1] in text or not SAME_TEXTS, (args, want, text)
    check('Array(typecode, sequence) as array.array builds it')


def sets(m):
    s = m.set([1, 2, 3])
    assert len(s) == 3 and 2 in s and 5 not in s
    s.add(4)
    s.discard(10)
    s.remove(1)
    assert raises(KeyError, s.remove, 99).args == (99,)
    copy = s.copy()
    assert type(copy) is set and copy == {2, 3, 4} and s._getvalue() == copy
    assert eval(str(s)) == copy, str(s)
    assert sorted(s) == [2, 3, 4]  # __iter__: an Iterator proxy
    assert s.union() == copy and s.union([5], (6,)) == {2, 3, 4, 5, 6}
    assert s.intersection() == copy and s.intersection([2, 3, 9], {3, 2, 8}) == {2, 3}
    assert s.difference([2], [3]) == {4} and s.symmetric_difference([4, 5]) == {2, 3, 5}
    assert s.issubset([2, 3, 4, 5]) and not s.issubset([2]) and s.issuperset([2, 3]) and not s.issuperset([9])
    assert s.isdisjoint([7]) and not s.isdisjoint([2, 7])
    assert s | {9} == {2, 3, 4, 9} and {9} | s == {2, 3, 4, 9}
    assert s & {2, 7} == {2} and frozenset({2, 7}) & s == {2}
    assert s - {2} == {3, 4} and {2, 8} - s == {8}
    assert s ^ {4, 5} == {2, 3, 5} and {4, 5} ^ s == {2, 3, 5}
    assert s <= {2, 3, 4} and not s < {2, 3, 4} and s < {1, 2, 3, 4}
    assert s >= {2} and s > {2} and not s > {2, 3, 4} and s >= {2, 3, 4}
    raises(TypeError, lambda: s & [1])
    raises(TypeError, lambda: s <= [1])
    before = s
    s |= {10}
    assert s is before and s.copy() == {2, 3, 4, 10}
    s &= {2, 3, 10, 11}
    s -= {10}
    s ^= {3, 12}
    assert s is before and s.copy() == {2, 12}, s.copy()
    s.update([20], (21,))
    s.intersection_update([2, 20, 21, 99], [20, 21, 2])
    s.difference_update([21])
    s.symmetric_difference_update([2, 30, 30])
    assert s.copy() == {20, 30}, s.copy()
    popped = {s.pop(), s.pop()}
    assert popped == {20, 30} and len(s) == 0
    assert raises(KeyError, s.pop).args == ('pop from an empty set',)
    raises(TypeError, s.add, [1])  # unhashable, as in Python
    raises(TypeError, s.__contains__, {})
    s.add((1, 'a'))
    assert (1, 'a') in s and s.copy() == {(1, 'a')} and str(s) == "{(1, 'a')}"
    s.clear()
    assert len(s) == 0 and str(s) == 'set()'
    numbers = m.set([1, 1.0, True, 2])
    assert len(numbers) == 2 and 2.0 in numbers, numbers.copy()  # equal numbers are one element, as in Python
    it = iter(m.set([1, 2]))
    next(it)
    s2 = m.set(['x'])
    it2 = iter(s2)
    next(it2)
    s2.add('y')
    raises(RuntimeError, next, it2)  # the set changed size during iteration
    raises(RemoteError, m.set, 1234)  # set(1234): TypeError on the server
    check('set: methods, operators, in-place operators, comparisons, iteration')


def values(m):
    v = m.Value('i', 7)
    assert v.value == 7 and str(v) == "Value('i', 7)", str(v)
    value = v._getvalue()
    assert type(value) is managers.Value and value.value == 7 and value._typecode == 'i', value
    assert repr(value) == "Value('i', 7)", repr(value)
    v.value = 'text'
    assert str(v) == "Value('i', 'text')" and v._getvalue().value == 'text'
    d = m.Value('d', 1.5)
    assert str(d) == "Value('d', 1.5)" and repr(d._getvalue()) == repr(managers.Value('d', 1.5))
    check('Value: repr and _getvalue')


def shutdowns(m):
    q = m.Queue()
    q.put(1)
    q.put(2)
    if sys.version_info < (3, 13):
        # queue.ShutDown is new in 3.13: older clients can call shutdown(),
        # but cannot unpickle the exception put and get then raise.
        q.shutdown()
        raises(AttributeError, q.put, 3)
        assert q.get() == 1
        check('Queue.shutdown (before 3.13: queue.ShutDown cannot be unpickled)')
        return
    q.shutdown()
    raises(queue.ShutDown, q.put, 3)
    raises(queue.ShutDown, q.put_nowait, 3)
    assert q.get() == 1 and q.get_nowait() == 2  # the items left are drained first
    raises(queue.ShutDown, q.get)
    raises(queue.ShutDown, q.get_nowait)
    raises(queue.ShutDown, q.get, timeout=5)
    q.shutdown()  # again: harmless
    # Blocked callers wake up with ShutDown; the shutdown comes from another
    # thread, which has its own connection.
    waiting = m.Queue()
    threading.Timer(0.05, waiting.shutdown).start()
    raises(queue.ShutDown, waiting.get, timeout=10)
    full = m.Queue(1)
    full.put('kept')
    threading.Timer(0.05, full.shutdown).start()
    raises(queue.ShutDown, full.put, 'more', timeout=10)
    assert full.get() == 'kept'
    # immediate=True drops the items, marks them done and so releases join().
    joinable = m.JoinableQueue()
    joinable.put(1)
    joinable.put(2)
    threading.Timer(0.05, joinable.shutdown, kwargs={'immediate': True}).start()
    joinable.join()
    assert joinable.qsize() == 0
    raises(queue.ShutDown, joinable.get_nowait)
    check('Queue.shutdown(immediate): queue.ShutDown, draining, blocked callers, join')


def shared_with_go(m):
    # The Go test put int32(7) in this set and reads back what Python adds.
    ss = m.shared_set()
    assert 7 in ss and ss.copy() == {7}, ss.copy()
    ss.add(8)
    sa = m.shared_array()
    assert str(sa) == "array('h', [1, -2])" and sa[1] == -2, str(sa)
    sa[0] = 300
    check('a set and an Array shared with a Go client')


def main():
    host, port = sys.argv[1].rsplit(':', 1)
    address, authkey = (host, int(port)), os.environ['GOMANAGER_AUTHKEY'].encode()
    m = Remote(address=address, authkey=authkey)
    m.connect()
    for part in (arrays, sets, values, shutdowns, shared_with_go):
        part(m)

    s = SyncManager(address=address, authkey=authkey)
    s.connect()
    a = s.Array('d', [0.5])
    assert str(a) == "array('d', [0.5])" and a._getvalue() == array.array('d', [0.5])
    v = s.Value('i', 3)
    assert str(v) == "Value('i', 3)" and v._getvalue().value == 3
    if hasattr(s, 'set'):  # 3.14+
        st = s.set([1])
        st |= {2}
        assert st._getvalue() == {1, 2}
    check('SyncManager.connect(): Array, Value')
    print('all checks passed', flush=True)


if __name__ == '__main__':
    main()

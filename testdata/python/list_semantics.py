"""list_semantics.py: a Go server's list orders and compares as Python's does.

    python3 list_semantics.py HOST:PORT

The authkey comes from GOMANAGER_AUTHKEY. For each case the script does the
same thing to a plain list, here, and to a manager.list() on the Go server,
and checks that both give the same results: sort() and sort(reverse=True)
of mixed ints, floats, bools, ints beyond 64 bits, tuples, lists, bytes and
strs (compared by repr, so 1, 1.0 and True must keep their order), the
TypeError Python raises where items cannot be ordered (same message, and
the list left in the same order), and count, index, remove and `in` with
1, 1.0, True, big ints, NaN, tuples, lists and dicts.

The values given to the plain list go through pickle first, as they do to
the server, so that Python's identity shortcut (x is y implies x == y)
plays no part: the server never holds the very object a client sends.
It prints one line per check and "all checks passed" at the end; the first
difference raises. Every proxy is released before exit.
"""
import os
import pickle
import sys
from multiprocessing.managers import BaseManager, ListProxy

NAN = float('nan')
BIG = 2 ** 70


class Remote(BaseManager):
    pass


Remote.register('list', proxytype=ListProxy)


def check(name):
    print('ok', name, flush=True)


def copied(v):
    return pickle.loads(pickle.dumps(v))


def outcome(f, *args, **kw):
    """What f(*args, **kw) returns, or the exception it raises, comparably."""
    try:
        return ('returned', repr(f(*args, **kw)))
    except Exception as e:
        return ('raised', type(e).__name__, str(e))


def same(name, local, remote):
    assert local == remote, '%s: Python %r, Go server %r' % (name, local, remote)


SORTS = [
    [3, 1.5, True, BIG, -BIG, 0, False, 2.0, 1, 1.0, -0.0, 0.0, 10 ** 20, 1e20, float('inf'), -float('inf'), 2 ** 64, 2.0 ** 64],
    [2 ** 53 + 1, 2.0 ** 53, 2 ** 53, -(2 ** 63), 2 ** 63 - 1, 2 ** 63, -1e300, 1e300, -10 ** 300, 10 ** 300],
    [1, 1.0, True, 1, True, 1.0],  # all equal: stability, also in reverse
    [(1, 'b'), (1, 'a'), (0, BIG), (1,), (), (1, 'a', None), (True, 'a'), (1.0, 'a'), (1.0, 'b', 0)],
    [[2], [1, 2], [1], [], [1, 2.0], [True, 2]],
    [b'b', b'a', b'ab', b'', b'\xff', b'a\x00'],
    ['b', 'a', 'B', '\xe9', '\U0001f600', '', 'ab', 'a\x00'],
    list(range(100, 0, -1)) + [1.5] * 10 + [True, False] * 20,  # longer than a run: merged runs
    [5, 3, 3, 3, 1, 2, 2, 4, 0],  # a descending run with equal items, then an ascending tail
    [(2, 'x'), (1, 'y'), (2, 'a'), (1, 'z')],
]

FAILS = [
    [1, 'a'],
    ['a', 1],
    [1, 2, 'x', 3],
    [3, 2, 1, 'x', 0],
    [(1, 'a'), (1, 2)],
    [None, None],
    [1, None],
    [{}, {}],
    [[1], (1,)],
    [b'a', 'a'],
    [[1, 'a'], [1, 2]],
]

# The Go server compares in CPython 3.13's order; before 3.13, count_run
# stopped a descending run at its first non-descending pair and left the
# rest to binary insertion, which here meets 2.5 before it meets 1: the
# same TypeError, naming 'float' for 'int'.
FAILS_SINCE_313 = [
    [2.5, 1, BIG, 'z', True],
]

VALUES = [1, 1.0, True, 2 ** 64, float(2 ** 64), BIG, (1, 2), (1.0, 2.0), [1, 2], {'a': 1}, {'a': 1.0, 'b': (1,)},
          'x', b'x', None, NAN, (NAN,), 0, False, 0.0, -0.0, (1, [2, {'k': 3}]), frozenset({1, 2}), {1, 2}]

QUERIES = [1, 1.0, True, 0, False, -0.0, 2, 2 ** 64, float(2 ** 64), 2 ** 64 + 1, BIG, float(BIG), (1, 2), (1, 2.0),
           (True, 2), [1.0, 2], [1, 2, 3], (1, 2, 3), {'a': True}, {'a': 2}, {'b': (True,), 'a': 1},
           'x', b'x', 'y', None, NAN, (NAN,), (1, [2.0, {'k': 3.0}]), frozenset({1.0, 2}), {2, 1}, set()]


def main():
    host, port = sys.argv[1].rsplit(':', 1)
    m = Remote(address=(host, int(port)), authkey=os.environ['GOMANAGER_AUTHKEY'].encode())
    m.connect()

    for i, values in enumerate(SORTS):
        for kw in ({}, {'reverse': True}, {'reverse': False}, {'key': None, 'reverse': 1}):
            local, remote = copied(values), m.list(values)
            local.sort(**kw)
            remote.sort(**kw)
            same('sort #%d %r' % (i, kw), repr(local), repr(remote._getvalue()))
    check('sort orders as Python does, stable also in reverse')

    fails = FAILS + (FAILS_SINCE_313 if sys.version_info >= (3, 13) else [])
    for i, values in enumerate(fails):
        for kw in ({}, {'reverse': True}):
            local, remote = copied(values), m.list(values)
            same('failing sort #%d %r' % (i, kw), outcome(local.sort, **kw), outcome(remote.sort, **kw))
            same('list after failing sort #%d %r' % (i, kw), repr(local), repr(remote._getvalue()))
    check("sort raises Python's TypeError where Python does, and leaves the list as Python does")

    remote = m.list([2, 1])
    same('sort() with no positional arguments', outcome([].sort, 1), outcome(remote.sort, 1))
    same('sort(cmp=...)', outcome([].sort, cmp=1)[:2], outcome(remote.sort, cmp=1)[:2])  # the message changed in 3.13
    if sys.version_info >= (3, 12):  # reverse= takes any object's truth since 3.12, an int before
        for kw in ({'reverse': None}, {'reverse': 1.5}, {'reverse': 'yes'}):
            local, remote = [2, 1], m.list([2, 1])
            same('sort(**%r)' % kw, outcome(local.sort, **kw), outcome(remote.sort, **kw))
            same('after sort(**%r)' % kw, repr(local), repr(remote._getvalue()))
    check('sort() takes its arguments as Python does')

    local, remote = copied(VALUES), m.list(VALUES)
    for q in QUERIES:
        name = repr(q)
        same('count(%s)' % name, outcome(local.count, copied(q)), outcome(remote.count, q))
        same('%s in' % name, copied(q) in local, q in remote)
        same('index(%s)' % name, outcome(local.index, copied(q)), outcome(remote.index, q))
        same('index(%s, 3)' % name, outcome(local.index, copied(q), 3), outcome(remote.index, q, 3))
    check('count, index and in use Python\'s ==')

    for q in QUERIES:
        same('remove(%r)' % (q,), outcome(local.remove, copied(q)), outcome(remote.remove, q))
        same('after remove(%r)' % (q,), repr(local), repr(remote._getvalue()))
    check("remove uses Python's ==")
    print('all checks passed', flush=True)


if __name__ == '__main__':
    main()

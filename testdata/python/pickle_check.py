"""pickle_check.py: CPython's side of basemanager/pickle's tests.

    python3 pickle_check.py dump   print "protocol<TAB>hex<TAB>repr" for sample values, protocols 2 to 5
    python3 pickle_check.py load   read hex pickles, one a line, and print repr(pickle.loads(...)) for each

Only the standard library; nothing here is unpickled except what the Go test wrote.
"""
import pickle
import queue
import sys
import threading
import multiprocessing
from multiprocessing.managers import RemoteError, Token


def samples():
    shared = [1, 'two']
    noted = KeyError('with a note')
    noted.add_note('a note')
    return [
        None, True, False,
        0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31 - 1, 2**31, 2**63 - 1, 2**63, -2**63, -2**63 - 1,
        2**200, -2**200, 10**40,
        0.0, -0.0, 1.5, 1e16, 1e-5, 0.1, 123456789.125, float('inf'), float('-inf'),
        '', 'hello World', "it's", 'a"b', "both ' and \"", 'ü€😀', 'line\nbreak\t\x00\x7f', 'x' * 300,
        b'', b'ab\x00\xff\'"', b'x' * 300, bytearray(b'ba'),
        (), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), [], [1, [2, [3]]],
        {}, {'a': 1, 'b': [1, 2]}, {(1, 2): 'a tuple key'},
        set(), {1, 2, 3}, frozenset(), frozenset({'a'}), slice(1, None, 2),
        Token('dict', ('127.0.0.1', 5000), '7f12'),
        KeyError('x'), ValueError('bad', 2), queue.Empty(), queue.Full(), threading.BrokenBarrierError(),
        RemoteError('remote traceback'), multiprocessing.AuthenticationError('digest'), StopIteration(),
        FileNotFoundError(2, 'nf'), noted,
        (None, 'create', ('dict',), {}), ('#RETURN', ('7f', ('get', 'set'))),
        [shared, shared, (shared,)],
    ]


def main():
    if sys.argv[1] == 'dump':
        for value in samples():
            for protocol in range(2, 6):
                print('%d\t%s\t%r' % (protocol, pickle.dumps(value, protocol).hex(), value))
    else:
        for line in sys.stdin:
            try:
                print(repr(pickle.loads(bytes.fromhex(line.strip()))))
            except Exception as e:
                print('ERROR %s: %s' % (type(e).__name__, e))


if __name__ == '__main__':
    main()

"""proxy_pickle.py: CPython's side of basemanager/pickle's proxy tests.

    python3 proxy_pickle.py dump   print "protocol<TAB>hex" of a pickled dict of proxies, protocols 2 to 5
    python3 proxy_pickle.py load   read hex pickles, one a line, and describe the proxy each holds

The proxies are made with incref=False and rebuilt with the 'incref': False
the Go test writes in their kwds, so nothing connects anywhere: only
BaseProxy.__reduce__ and RebuildProxy run. Only the standard library.
"""
import pickle
import sys
from multiprocessing.managers import AutoProxy, DictProxy, ListProxy, Token


def main():
    if sys.argv[1] == 'dump':
        d = DictProxy(Token('dict', ('127.0.0.1', 5000), '7-1f'), 'pickle', incref=False)
        value = {
            'd': d,
            'l': ListProxy(Token('list', '/tmp/gomanager.sock', '8-1f'), 'pickle', incref=False),
            'q': AutoProxy(Token('Queue', ('127.0.0.1', 5000), '9-1f'), 'pickle', exposed=('get', 'put'), incref=False),
            'twice': [d, d],
        }
        for protocol in range(2, 6):
            print('%d\t%s' % (protocol, pickle.dumps(value, protocol).hex()))
    else:
        for line in sys.stdin:
            p = pickle.loads(bytes.fromhex(line.strip()))
            print(type(p).__name__, p._token, sorted(p._exposed_ or ()), flush=True)


if __name__ == '__main__':
    main()

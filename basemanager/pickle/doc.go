// Package pickle reads and writes the subset of Python's pickle format that
// a multiprocessing manager conversation carries, with the standard library
// only: None, bool, int (any size), float, str, bytes, tuple, list, dict,
// set, frozenset, slice, multiprocessing.managers.Token, a manager's
// proxy (RebuildProxy of one of multiprocessing.managers' proxy types),
// and the exceptions managers send (builtins.KeyError, ValueError, ...,
// queue.Empty, queue.Full, queue.ShutDown, threading.BrokenBarrierError,
// multiprocessing.managers.RemoteError). Marshal also writes the array.array
// and multiprocessing.managers.Value that SyncManager's Array and Value
// return from _getvalue().
//
// Unmarshal reads protocols 2 to 5, as CPython 3.8+ writes them (3.11's
// multiprocessing uses protocol 4). Marshal writes protocol 4, which every
// CPython since 3.4 reads.
//
// # Security
//
// A pickle is a program: Python's unpickler imports any module and calls
// any function the pickle names, so unpickling data from a peer lets the
// peer run code. This decoder runs nothing. It knows a fixed allow-list of
// globals and builds their values itself; every other global (os.system,
// builtins.eval, copyreg._reconstructor, any class) and every opcode that
// reaches objects or outside data (INST, OBJ, PERSID, EXT, out-of-band
// buffers) is refused with an error wrapping ErrRefused. Its memory is
// bounded by its input: lengths are checked against the bytes left before
// anything is allocated, nesting is limited, and shared references (the
// memo) cannot expand a small pickle into a large value. See Unmarshal.
//
// # Types
//
// Python values without a Go counterpart of their own have one here:
// Tuple, Set, FrozenSet, Dict (ordered, and allowing keys Go cannot hash),
// Slice, Token, ProxyRef (a proxy: the data RebuildProxy would be called
// with, never called here) and Exception, which is an error. Repr formats
// any decoded value as Python's repr() would.
package pickle

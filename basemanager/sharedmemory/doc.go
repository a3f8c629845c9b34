// Package sharedmemory is Python's multiprocessing.shared_memory in Go:
// SharedMemory, a named block of memory that processes map by name, and
// ShareableList, a fixed-length list kept in such a block in CPython's own
// binary layout. Go and CPython processes share the same blocks: a block or
// list made on either side is attached by name on the other, and each sees
// the other's writes at once, with no server and no copying.
//
// # Python → Go
//
//	shm = SharedMemory(create=True, size=n)         shm, err := sharedmemory.Create(n)
//	shm = SharedMemory('blk', create=True, size=n)  shm, err := sharedmemory.CreateNamed("blk", n)
//	shm = SharedMemory('blk')                       shm, err := sharedmemory.Attach("blk")
//	SharedMemory(name, create, size)                sharedmemory.New(name, create, size)
//	shm.buf, shm.name, shm.size                     shm.Buf(), shm.Name(), shm.Size()
//	shm.close(); shm.unlink()                       shm.Close(); shm.Unlink()
//	sl = ShareableList([1, 'a', None])              sl, err := sharedmemory.NewShareableList([]any{1, "a", nil})
//	sl = ShareableList(seq, name='lst')             sl, err := sharedmemory.NewShareableListNamed("lst", seq)
//	sl = ShareableList(name='lst')                  sl, err := sharedmemory.AttachShareableList("lst")
//	sl[i], sl[i] = v                                sl.Get(i), sl.Set(i, v); ints: sl.GetInt(i), sl.SetInt(i, n)
//	len(sl), sl.count(v), sl.index(v)               sl.Len(), sl.Count(v), sl.Index(v)
//	sl.format, sl.shm, repr(sl)                     sl.Format(), sl.SharedMemory(), sl.String()
//	(none)                                          sl.Add(i, delta), sl.CompareAndSwap(i, old, new)
//	FileExistsError, FileNotFoundError              ErrExist, ErrNotExist (also fs.ErrExist, fs.ErrNotExist)
//	IndexError; ValueError of index, of Set         ErrIndex; ErrNotFound, ErrTooLong
//
// Errors wrap the package's sentinels (see ErrExist and the others); test
// them with errors.Is.
//
// # Blocks
//
// On Linux a block is a file under /dev/shm (a tmpfs), as glibc's shm_open
// makes it: New opens it (creating it with mode 0600), sizes it with
// ftruncate and maps it shared with mmap. Its name is the file's name;
// CPython's random names are "psm_" and 8 hex digits, and so are this
// package's. A block lives until it is unlinked, whoever made it, even
// after every process using it has exited: unlink each block once, when it
// is no longer wanted. Elsewhere (no /dev/shm) every constructor returns an
// error wrapping errors.ErrUnsupported.
//
// A block's size is fixed. A process that truncates a block another maps
// makes that mapping fault (SIGBUS) past the new end: like Python, this
// package cannot guard against that.
//
// # ShareableList layouts
//
// A ShareableList is an item count, a table, the items, their struct
// formats and their type codes, all in one block (the Layout type gives
// the byte map). CPython 3.8 and CPython 3.9+ differ in the table: 3.8
// stores each item's size, 3.9 to 3.13 each item's offset. The two cannot
// read each other's lists; this package reads both (the word after the
// count tells them apart) and writes either: Layout39 by default,
// Layout38 with NewShareableListLayout, for a CPython 3.8 to read.
// Everything else is the same in every version: the formats ("q", "d",
// "xxxxxxx?", "xxxxxx?x", "<n>s"), the codes, the sizes, the native byte
// order. The blocks this package writes are CPython's byte for byte, with
// one exception: CPython sizes a str's slot by its count of characters and
// so truncates a non-ASCII str that needs more bytes (a str of three
// "€"s gets 8 bytes and cannot be read back); this package sizes it by its
// UTF-8 bytes. CPython reads such a list all the same.
//
// Attaching checks the whole layout before anything is read: a count,
// table entry, format or code that CPython could not have written gives an
// error wrapping ErrCorrupt, never a read outside the block. The count and
// the table are read once, at attach, and kept; the formats and codes,
// which change when an item changes type, are checked on every access.
//
// # Atomic ints
//
// Every int item is 8 bytes at a multiple of 8 from the start of the block
// (the data section starts at 8(N+2), or 8(N+1) in 3.8's layout, and
// every slot is a multiple of 8), and a mapping starts on a page, so Add
// and CompareAndSwap work on the item in place with sync/atomic: atomic
// across every Go process mapping the block, at the price of a memory
// access (see the benchmarks). Python has nothing like them: CPython reads
// an int with struct.unpack_from and writes one with struct.pack_into,
// plain 8-byte loads and stores. A CPython reader sees a whole value,
// before or after a Go Add; a CPython writer (sl[0] += 1 is a read and a
// write) can lose a concurrent Go Add, and Go's atomics cannot help that.
// Keep read-modify-writes to Go processes, or guard them with a lock both
// sides take (a manager's Lock).
//
// # Performance
//
// An int item costs a memory access. Measured on 2026-12-05 (2 shared
// CPUs, Go 1.26; a list made by another process and attached; go test
// -bench . and testdata/bench/shm_bench.py):
//
//	                      ShareableList   CPython 3.13's   SyncManager dict
//	                      (Go)            ShareableList    (Go proxy, loopback)
//	get an int            4.4 ns          762 ns           40 µs
//	set an int            8.2 ns          1376 ns          44 µs
//	add to an int         9.4 ns          2300 ns (+=)     41 µs
//
// Get and Set through their interfaces take 24 and 36 ns. The shared
// memory is about 200 times CPython's speed and 5,000 to 9,000 times a
// manager's, whose every call is a round trip through a server.
//
// # CPython's resource tracker
//
// In every CPython from 3.8 to 3.13, a SharedMemory a CPython process
// creates or attaches to is registered, by default, with that process's
// resource tracker, which unlinks whatever is still registered when the
// process exits and warns of "leaked shared_memory objects". So a CPython
// process that merely attaches to a block made by Go (or by another
// CPython) destroys it when it exits, under the feet of its maker (CPython
// issue gh-82300; TestPythonResourceTracker shows it). Before 3.13 there is
// no way to attach without registering: a CPython program that shares
// blocks with Go should, after attaching, take the block off its tracker:
//
//	from multiprocessing import resource_tracker
//	shm = SharedMemory(name)
//	resource_tracker.unregister(shm._name, 'shared_memory')
//
// CPython 3.13 adds SharedMemory(name, track=False), which never registers;
// ShareableList has no such parameter, so a list is unregistered as above
// (sl.shm._name) in 3.13 too. One tracker serves a CPython process and the
// processes its multiprocessing starts, so unregistering in one of them
// unregisters for all: do it once per block in such a family (a CPython
// started on its own, as by these tests, has its own tracker). A CPython
// process that creates a block for Go
// to use after it exits unregisters it the same way; then the block is the
// Go side's to unlink. Go processes have no tracker: what they create stays
// until Unlink. testdata/python/shm_peer.py, CPython's side of this
// package's tests, does all of this.
//
// # Reading order
//
//  1. sharedmemory.go: SharedMemory. New, its names and sizes, Close and
//     Unlink; shm_linux.go is the open, ftruncate, mmap and unlink under it.
//  2. layout.go: CPython's ShareableList layout on a []byte: decodeLayout
//     checks a block, get and put read and write one item.
//  3. shareablelist.go: ShareableList over a block: Python's methods, the
//     int fast paths and the atomics.
//  4. value.go: items as Go values, Python's == and Python's repr.
//  5. errors.go: the sentinels.
package sharedmemory

// errors.go holds the package's sentinel errors: Python's FileExistsError,
// FileNotFoundError, ValueError and IndexError of shared_memory.py, as
// values to test with errors.Is.

package sharedmemory

import (
	"errors"
	"io/fs"
)

// Sentinel errors. Every error this package returns wraps one of them (or
// errors.ErrUnsupported, or the operating system's error), and says which
// operation failed, on what, and what to do about it.
var (
	// ErrExist: a block of that name already exists and could not be
	// created (Python's FileExistsError). errors.Is(err, fs.ErrExist) is
	// true too.
	ErrExist error = &kindError{"shared memory block already exists", fs.ErrExist}

	// ErrNotExist: no block has that name, when attaching or unlinking
	// (Python's FileNotFoundError). errors.Is(err, fs.ErrNotExist) is true
	// too.
	ErrNotExist error = &kindError{"shared memory block does not exist", fs.ErrNotExist}

	// ErrBadName: a name that cannot name a block: empty (after its
	// leading slashes are stripped), containing a slash or a NUL byte,
	// "." or "..", or longer than 255 bytes (NAME_MAX).
	ErrBadName = errors.New("bad shared memory name")

	// ErrBadSize: a size that cannot be: negative, zero when creating, or
	// larger than the block being attached (Python's ValueError).
	ErrBadSize = errors.New("bad shared memory size")

	// ErrClosed: the SharedMemory or ShareableList was closed in this
	// process (Python's "operation on a released memoryview").
	ErrClosed = errors.New("shared memory closed")

	// ErrCorrupt: the bytes of a block are not a ShareableList as CPython
	// lays one out: a count or offset past the end of the block, an
	// unknown format code, a str that is not UTF-8.
	ErrCorrupt = errors.New("not a valid ShareableList")

	// ErrIndex: a list position out of range (Python's IndexError).
	ErrIndex = errors.New("ShareableList index out of range")

	// ErrNotFound: Index found no item equal to the value (Python's
	// ValueError "... not in this container").
	ErrNotFound = errors.New("value not in ShareableList")

	// ErrTooLong: a str or bytes item longer than its slot (Python's
	// ValueError "bytes/str item exceeds available storage"), or too long
	// for any slot.
	ErrTooLong = errors.New("bytes/str item exceeds available storage")

	// ErrBadValue: a value a ShareableList cannot hold: a Go type other
	// than the integers, float32/64, bool, string, []byte and nil, a
	// uint64 beyond int64, or a string that is not UTF-8.
	ErrBadValue = errors.New("value not storable in a ShareableList")

	// ErrNotInt: GetInt, Add or CompareAndSwap on an item that does not
	// hold an int (format "q").
	ErrNotInt = errors.New("ShareableList item is not an int")

	// ErrUnaligned: an atomic operation on an int slot whose address is
	// not a multiple of 8. Every block CPython or this package makes is
	// aligned; only a list decoded from an unaligned buffer can be refused.
	ErrUnaligned = errors.New("ShareableList int slot not 8-byte aligned")
)

// kindError is a sentinel that also answers errors.Is for the io/fs error
// it stands for.
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

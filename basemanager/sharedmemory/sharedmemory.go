// sharedmemory.go mirrors the SharedMemory class of Python's
// multiprocessing/shared_memory.py: a block of memory with a name, which
// any process of the machine maps by that name. The platform's part (open,
// map, unlink) is in shm_linux.go and shm_other.go.

package sharedmemory

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// SharedMemory is this process's mapping of a named shared memory block:
// Python's multiprocessing.shared_memory.SharedMemory. Every process that
// maps the same name sees the same bytes through Buf, Go and CPython alike.
//
// Close unmaps the block from this process; Unlink removes its name, and
// the memory is freed once every process has unmapped it. A block outlives
// the process that made it until someone unlinks it.
//
// Its methods may be called from several goroutines; the bytes of Buf are
// shared memory, and synchronizing access to them is up to the caller.
type SharedMemory struct {
	name string // without the leading slash: Python's .name
	size int

	mu     sync.Mutex  // guards buf
	buf    []byte      // the mapping; nil once closed
	closed atomic.Bool // set by Close before it unmaps; read by ShareableList's fast paths
}

// Names of the blocks New makes up: Python's _make_filename. On POSIX,
// CPython's name is "/psm_" and 4 random bytes in hex, 13 characters in
// all (_SHM_SAFE_NAME_LENGTH is 14, FreeBSD's limit); its .name drops the
// slash: "psm_1a2b3c4d".
const (
	randomPrefix = "psm_"
	randomBytes  = 4
	maxNameLen   = 255 // NAME_MAX: the longest file name under /dev/shm
)

// New creates or attaches to a shared memory block: Python's
// SharedMemory(name=None, create=False, size=0), with "" for None.
//
//   - create true, name "": a new block with a fresh random name of
//     CPython's form, "psm_" and 8 hex digits.
//   - create true, name given: a new block of that name, or an error
//     wrapping ErrExist if one exists (Python's FileExistsError).
//   - create false: attach to the existing block name, or an error
//     wrapping ErrNotExist (Python's FileNotFoundError).
//
// A new block has size bytes, all zero; size must be positive. When
// attaching, size 0 maps the whole block, as Python does; a positive size
// is the least the caller needs: a block smaller than that is refused
// with an error wrapping ErrBadSize (rather than a SIGBUS on first touch
// past its end), and a larger one is mapped whole, as Python maps it.
//
// A name may start with "/", as POSIX and Python allow: the slashes are
// stripped, and Name returns it without them. Names that cannot be a file
// under /dev/shm are refused with an error wrapping ErrBadName (see
// ErrBadName). A new block is readable and writable by its owner only
// (mode 0600, as Python's).
//
// On systems without POSIX shared memory under /dev/shm (anything but
// Linux), New returns an error wrapping errors.ErrUnsupported.
func New(name string, create bool, size int) (*SharedMemory, error) {
	op := "attach"
	if create {
		op = "create"
	}
	if !supported {
		return nil, fmt.Errorf("sharedmemory: %s %q: POSIX shared memory (/dev/shm) is not available on %s: %w", op, name, runtime.GOOS, errors.ErrUnsupported)
	}
	if size < 0 {
		return nil, fmt.Errorf("sharedmemory: %s %q: size %d is negative (give a positive size in bytes, or 0 to attach to the whole block): %w", op, name, size, ErrBadSize)
	}
	if create && size == 0 {
		return nil, fmt.Errorf("sharedmemory: create %q: size 0 (a new block needs a positive size in bytes): %w", name, ErrBadSize)
	}
	if name == "" {
		if !create {
			return nil, fmt.Errorf("sharedmemory: attach: no name given (only a block being created may go without one: give the name of an existing block): %w", ErrBadName)
		}
		return createRandom(size)
	}
	clean, err := cleanName(op, name)
	if err != nil {
		return nil, err
	}
	if create {
		return createNamed(clean, size)
	}
	return attach(clean, size)
}

// Create makes a new block of size bytes under a fresh random name:
// New("", true, size), Python's SharedMemory(create=True, size=size).
func Create(size int) (*SharedMemory, error) { return New("", true, size) }

// CreateNamed makes a new block of size bytes named name: New(name, true,
// size), Python's SharedMemory(name, create=True, size=size). It fails
// with an error wrapping ErrExist if the name is taken.
func CreateNamed(name string, size int) (*SharedMemory, error) { return New(name, true, size) }

// Attach maps the whole of the existing block name: New(name, false, 0),
// Python's SharedMemory(name). It fails with an error wrapping ErrNotExist
// if there is no such block.
func Attach(name string) (*SharedMemory, error) { return New(name, false, 0) }

// cleanName strips name's leading slashes (shm_open does) and checks that
// what remains can be a file name under /dev/shm.
func cleanName(op, name string) (string, error) {
	clean := strings.TrimLeft(name, "/")
	var why string
	switch {
	case clean == "":
		why = "it is empty once its leading slashes are stripped"
	case strings.ContainsRune(clean, '/'):
		why = "it contains a slash after its first character"
	case strings.ContainsRune(clean, 0):
		why = "it contains a NUL byte"
	case clean == "." || clean == "..":
		why = "it names a directory"
	case len(clean) > maxNameLen:
		why = fmt.Sprintf("it is %d bytes long, more than the %d a file name may have", len(clean), maxNameLen)
	default:
		return clean, nil
	}
	return "", fmt.Errorf("sharedmemory: %s %q: %s (use a plain name such as \"psm_data\"): %w", op, name, why, ErrBadName)
}

// createRandom makes a block under a fresh random name, trying again while
// the name is taken, as Python's loop over _make_filename does.
func createRandom(size int) (*SharedMemory, error) {
	for range 100 {
		var b [randomBytes]byte
		rand.Read(b[:])
		name := randomPrefix + hex.EncodeToString(b[:])
		s, err := createNamed(name, size)
		if errors.Is(err, ErrExist) {
			continue
		}
		return s, err
	}
	return nil, fmt.Errorf("sharedmemory: create: 100 random names were all taken (too many blocks under /dev/shm? unlink the ones no longer used): %w", ErrExist)
}

// createNamed makes the block name (already cleaned), of size bytes.
func createNamed(name string, size int) (*SharedMemory, error) {
	fd, err := openFile(name, true)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("sharedmemory: create %q: %w (attach to it with Attach, or unlink it first if it is stale)", name, ErrExist)
		}
		return nil, fmt.Errorf("sharedmemory: create %q: %w", name, err)
	}
	defer closeFile(fd) // the mapping keeps the memory; the descriptor is not needed after mmap
	buf, err := truncateAndMap(fd, size)
	if err != nil {
		removeFile(name)
		return nil, fmt.Errorf("sharedmemory: create %q of %d bytes: %w", name, size, err)
	}
	if testHookCreated != nil {
		testHookCreated(name)
	}
	return &SharedMemory{name: name, size: size, buf: buf}, nil
}

// testHookCreated, when set by the tests, is told every block this process
// creates, so that they can check none is left behind.
var testHookCreated func(name string)

// attach maps the existing block name (already cleaned), which must have at
// least atLeast bytes.
func attach(name string, atLeast int) (*SharedMemory, error) {
	fd, err := openFile(name, false)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("sharedmemory: attach %q: %w (check the name, or create it first)", name, ErrNotExist)
		}
		return nil, fmt.Errorf("sharedmemory: attach %q: %w", name, err)
	}
	defer closeFile(fd)
	size64, err := fileSize(fd)
	if err != nil {
		return nil, fmt.Errorf("sharedmemory: attach %q: %w", name, err)
	}
	switch {
	case size64 == 0:
		return nil, fmt.Errorf("sharedmemory: attach %q: the block is empty (0 bytes; its creator may not have sized it yet): %w", name, ErrBadSize)
	case size64 > math.MaxInt:
		return nil, fmt.Errorf("sharedmemory: attach %q: the block's %d bytes do not fit this process's address space: %w", name, size64, ErrBadSize)
	case size64 < int64(atLeast):
		return nil, fmt.Errorf("sharedmemory: attach %q: the block has %d bytes, fewer than the %d asked for (ask for at most %d, or 0 for the whole block): %w", name, size64, atLeast, size64, ErrBadSize)
	}
	size := int(size64)
	buf, err := mapFile(fd, size)
	if err != nil {
		return nil, fmt.Errorf("sharedmemory: attach %q of %d bytes: %w", name, size, err)
	}
	return &SharedMemory{name: name, size: size, buf: buf}, nil
}

// Name is the block's name without a leading slash: Python's .name. Other
// processes attach to the block by this name.
func (s *SharedMemory) Name() string { return s.name }

// Size is the block's size in bytes: Python's .size. For an attached block
// it is the whole block's, whatever size New was given.
func (s *SharedMemory) Size() int { return s.size }

// Buf is the block's memory, mapped into this process: Python's .buf. It is
// nil once Close has been called, and the slice it returned before must not
// be used after Close (the memory is unmapped: touching it crashes the
// process).
func (s *SharedMemory) Buf() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf
}

// Close unmaps the block from this process, leaving it to the others:
// Python's close(). The block and its name stay until Unlink. Close is
// idempotent; afterwards Buf returns nil.
func (s *SharedMemory) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buf == nil {
		return nil
	}
	s.closed.Store(true)
	err := unmap(s.buf)
	s.buf = nil
	if err != nil {
		return fmt.Errorf("sharedmemory: close %q: %w", s.name, err)
	}
	return nil
}

// Unlink removes the block's name, so that no process can attach to it any
// more: Python's unlink(). Mappings already made, in this process (Buf) and
// others, stay valid, and the memory is freed when the last is unmapped.
// Call it once, in one process, when the block is no longer wanted;
// unlinking a name that is already gone returns an error wrapping
// ErrNotExist. Unlink may be called before or after Close.
func (s *SharedMemory) Unlink() error { return unlink(s.name) }

// unlink removes the block named name (already cleaned by cleanName).
func unlink(name string) error {
	if err := removeFile(name); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("sharedmemory: unlink %q: %w (already unlinked, by this or another process)", name, ErrNotExist)
		}
		return fmt.Errorf("sharedmemory: unlink %q: %w", name, err)
	}
	return nil
}

// String is Python's repr: SharedMemory('psm_1a2b3c4d', size=4096).
func (s *SharedMemory) String() string {
	return fmt.Sprintf("SharedMemory(%s, size=%d)", pyStrRepr(s.name), s.size)
}

// shareablelist.go mirrors the ShareableList class of Python's
// multiprocessing/shared_memory.py: a list of fixed length, kept in a
// shared memory block in CPython's own layout (layout.go), plus atomic
// int operations Python does not have.

package sharedmemory

import (
	"fmt"
	"strings"
	"sync/atomic"
)

// ShareableList is a list of fixed length whose items live in a shared
// memory block, in the layout CPython's ShareableList uses: Python's
// multiprocessing.shared_memory.ShareableList. CPython processes attach to
// it by name (ShareableList(name=...)) and this package attaches to theirs.
//
// An item is an int (int64), a float (float64), a bool, a str (string), a
// bytes ([]byte) or None (nil). Get returns those Go types; Set takes them
// and also the other Go integer types and float32. An item may change type
// (an int may become a str), but a str or bytes item never outgrows the
// slot it was created with: 8 bytes, or for a str or bytes the length it
// was created with rounded up to the next multiple of 8 (3 bytes leave room
// for 8, 8 bytes for 16). A longer value is refused (Python's ValueError
// "bytes/str item exceeds available storage"). Trailing NUL bytes of a str
// or bytes are dropped when it is read, as Python drops them.
//
// Positions may be negative, counting from the end, as in Python; out of
// range they give an error wrapping ErrIndex.
//
// # Concurrency
//
// GetInt, SetInt, Add and CompareAndSwap on an int item are atomic with
// respect to each other, in every Go process mapping the block, and may be
// called from many goroutines. Any other change is not atomic, as in
// Python: a reader may see a str half written, or an item whose type is
// changing (Get then returns an error wrapping ErrCorrupt). CPython reads
// an int with struct.unpack_from, in practice one 8-byte load on a 64-bit
// machine, so it sees the value before or after a Go Add; its own writes
// (sl[i] = n, and sl[i] += 1, a read then a write) are plain stores, not
// atomic read-modify-writes, and can undo a concurrent Go Add.
//
// Close must not run while other goroutines use the list.
type ShareableList struct {
	shm *SharedMemory // nil for a list decoded from plain bytes (tests)
	buf []byte        // the block's bytes
	lay *layout
}

// NewShareableList creates a list of items in a new block with a fresh
// random name: Python's ShareableList(sequence). It uses CPython 3.9+'s
// layout; see NewShareableListLayout for CPython 3.8's.
func NewShareableList(items []any) (*ShareableList, error) {
	return NewShareableListLayout("", Layout39, items)
}

// NewShareableListNamed creates a list of items in a new block named name:
// Python's ShareableList(sequence, name=name). It fails with an error
// wrapping ErrExist if the name is taken.
func NewShareableListNamed(name string, items []any) (*ShareableList, error) {
	return NewShareableListLayout(name, Layout39, items)
}

// NewShareableListLayout creates a list of items in a new block named name
// ("" for a fresh random name) in the given layout: Layout39 for CPython
// 3.9 and later (the default of the other constructors), Layout38 for a
// CPython 3.8 to read.
//
// Every item's slot is sized as Python sizes it: 8 bytes, or for a str or
// bytes of n bytes, 8*(n/8+1). (Python counts a str's characters, not its
// UTF-8 bytes, and so truncates a non-ASCII str that needs more; this
// package counts bytes, and CPython reads the result all the same.)
func NewShareableListLayout(name string, layout Layout, items []any) (*ShareableList, error) {
	if layout != Layout39 && layout != Layout38 {
		return nil, fmt.Errorf("sharedmemory: create ShareableList %q: unknown layout %d (use Layout39 or Layout38): %w", name, int(layout), ErrBadValue)
	}
	sizes, vals, err := planItems(items)
	if err != nil {
		return nil, fmt.Errorf("sharedmemory: create ShareableList %q: %w", name, err)
	}
	shm, err := New(name, true, blockSize(layout, sizes))
	if err != nil {
		return nil, err
	}
	if err := encode(shm.buf, layout, sizes, vals); err != nil {
		return nil, discard(shm, fmt.Errorf("sharedmemory: create ShareableList %q: %w", shm.name, err))
	}
	lay, err := decodeLayout(shm.buf)
	if err != nil { // a bug: what encode wrote must decode
		return nil, discard(shm, fmt.Errorf("sharedmemory: create ShareableList %q: the new block does not decode: %w", shm.name, err))
	}
	return &ShareableList{shm: shm, buf: shm.buf, lay: lay}, nil
}

// discard unlinks and closes a block that could not be made into a list.
func discard(shm *SharedMemory, err error) error {
	shm.Unlink()
	shm.Close()
	return err
}

// AttachShareableList attaches to the existing list in the block name:
// Python's ShareableList(name=name). It reads either of CPython's layouts,
// and checks the whole layout first: bytes that are not a list give an
// error wrapping ErrCorrupt.
func AttachShareableList(name string) (*ShareableList, error) {
	shm, err := Attach(name)
	if err != nil {
		return nil, err
	}
	buf := shm.Buf()
	lay, err := decodeLayout(buf)
	if err != nil {
		shm.Close()
		return nil, fmt.Errorf("sharedmemory: attach ShareableList %q (%d bytes): %w (is it a ShareableList, and fully created?)", shm.name, len(buf), err)
	}
	return &ShareableList{shm: shm, buf: buf, lay: lay}, nil
}

// decodeList makes a list of plain bytes: the fuzz test's entry point.
func decodeList(b []byte) (*ShareableList, error) {
	lay, err := decodeLayout(b)
	if err != nil {
		return nil, err
	}
	return &ShareableList{buf: b, lay: lay}, nil
}

// Len is the number of items: Python's len(sl). It is fixed when the list
// is created.
func (l *ShareableList) Len() int { return len(l.lay.slots) }

// Layout is which of CPython's layouts the block uses.
func (l *ShareableList) Layout() Layout { return l.lay.kind }

// SharedMemory is the block the list lives in: Python's .shm.
func (l *ShareableList) SharedMemory() *SharedMemory { return l.shm }

// Close unmaps the list's block from this process: Python's
// sl.shm.close(). It is idempotent; afterwards every method returns an
// error wrapping ErrClosed.
func (l *ShareableList) Close() error {
	if l.shm == nil {
		return nil
	}
	return l.shm.Close()
}

// Unlink removes the list's block's name: Python's sl.shm.unlink(). See
// SharedMemory.Unlink.
func (l *ShareableList) Unlink() error {
	if l.shm == nil {
		return nil
	}
	return l.shm.Unlink()
}

// mem is the block's bytes, or nil once it is closed.
func (l *ShareableList) mem() []byte {
	if l.shm != nil && l.shm.closed.Load() {
		return nil
	}
	return l.buf
}

// pos turns a Python position (negative from the end) into an index.
func (l *ShareableList) pos(i int) (int, bool) {
	n := len(l.lay.slots)
	if i < 0 {
		i += n
	}
	return i, uint(i) < uint(n)
}

// access checks that the list is open and i in range, returning its bytes
// and index.
func (l *ShareableList) access(op string, i int) ([]byte, int, error) {
	b := l.mem()
	j, ok := l.pos(i)
	if b != nil && ok {
		return b, j, nil
	}
	return nil, 0, l.accessError(op, i, b)
}

func (l *ShareableList) accessError(op string, i int, b []byte) error {
	if b == nil {
		return fmt.Errorf("sharedmemory: %s(%d) on %v: %w (attach again with AttachShareableList)", op, i, l.what(), ErrClosed)
	}
	n := len(l.lay.slots)
	return fmt.Errorf("sharedmemory: %s(%d) on %v of %d items: %w (valid positions: %d to %d)", op, i, l.what(), n, ErrIndex, -n, n-1)
}

// what names the list in errors.
func (l *ShareableList) what() string {
	if l.shm == nil {
		return "ShareableList (in memory)"
	}
	return "ShareableList " + pyStrRepr(l.shm.name)
}

// Get returns the item at position i: Python's sl[i]. It is an int64, a
// float64, a bool, a string, a []byte (a copy: changing it changes nothing
// shared) or nil.
func (l *ShareableList) Get(i int) (any, error) {
	b, j, err := l.access("Get", i)
	if err != nil {
		return nil, err
	}
	v, err := l.lay.get(b, j)
	if err != nil {
		return nil, fmt.Errorf("sharedmemory: Get(%d) on %v: %w", i, l.what(), err)
	}
	return v.toAny(), nil
}

// Set stores v at position i: Python's sl[i] = v. v may be any Go integer
// (that fits an int64), a float32 or float64, a bool, a string (UTF-8), a
// []byte or nil; anything else gives an error wrapping ErrBadValue. The
// item may change type; a string or []byte longer than the item's slot
// gives an error wrapping ErrTooLong, and the item is left as it was.
func (l *ShareableList) Set(i int, v any) error {
	val, err := toValue(v)
	if err != nil {
		return fmt.Errorf("sharedmemory: Set(%d) on %v: %w", i, l.what(), err)
	}
	b, j, err := l.access("Set", i)
	if err != nil {
		return err
	}
	if err := l.lay.put(b, j, val); err != nil {
		return fmt.Errorf("sharedmemory: Set(%d) on %v: %w", i, l.what(), err)
	}
	return nil
}

// GetInt returns the int at position i, without the allocation of Get's
// interface. An item that is not an int gives an error wrapping ErrNotInt.
func (l *ShareableList) GetInt(i int) (int64, error) {
	b := l.mem()
	j, ok := l.pos(i)
	if b == nil || !ok {
		return 0, l.accessError("GetInt", i, b)
	}
	if load64(b, l.lay.formats+8*j) != fmtInt || b[l.lay.codes+j] != codeValue {
		return 0, l.notInt("GetInt", i, b, j)
	}
	return int64(load64(b, l.lay.slots[j].off)), nil
}

// SetInt stores the int v at position i: Set without the interface. An
// item of another type becomes an int.
func (l *ShareableList) SetInt(i int, v int64) error {
	b := l.mem()
	j, ok := l.pos(i)
	if b == nil || !ok {
		return l.accessError("SetInt", i, b)
	}
	if load64(b, l.lay.formats+8*j) != fmtInt || b[l.lay.codes+j] != codeValue {
		return l.lay.put(b, j, value{k: kindInt, i: v}) // a change of type: format, code, value
	}
	store64(b, l.lay.slots[j].off, uint64(v))
	return nil
}

// Add adds delta to the int at position i, atomically across every Go
// process mapping the block, and returns the new value (wrapping around
// on overflow). It is not in Python; CPython's own writes are not atomic
// with it (see Concurrency). An item that is not an int gives an error
// wrapping ErrNotInt.
func (l *ShareableList) Add(i int, delta int64) (int64, error) {
	p, err := l.intSlot("Add", i)
	if err != nil {
		return 0, err
	}
	return atomic.AddInt64(p, delta), nil
}

// CompareAndSwap sets the int at position i to new if it is old, atomically
// across every Go process mapping the block, and says whether it did. It
// is not in Python. An item that is not an int gives an error wrapping
// ErrNotInt.
func (l *ShareableList) CompareAndSwap(i int, old, new int64) (bool, error) {
	p, err := l.intSlot("CompareAndSwap", i)
	if err != nil {
		return false, err
	}
	return atomic.CompareAndSwapInt64(p, old, new), nil
}

// intSlot is the aligned int64 of the int item at position i.
func (l *ShareableList) intSlot(op string, i int) (*int64, error) {
	b := l.mem()
	j, ok := l.pos(i)
	if b == nil || !ok {
		return nil, l.accessError(op, i, b)
	}
	if load64(b, l.lay.formats+8*j) != fmtInt || b[l.lay.codes+j] != codeValue {
		return nil, l.notInt(op, i, b, j)
	}
	p, aligned := ptr64(b, l.lay.slots[j].off)
	if !aligned {
		return nil, fmt.Errorf("sharedmemory: %s(%d) on %v: the item's 8 bytes are not 8-byte aligned, so it cannot be changed atomically (use GetInt and SetInt): %w", op, i, l.what(), ErrUnaligned)
	}
	return p, nil
}

func (l *ShareableList) notInt(op string, i int, b []byte, j int) error {
	k, err := l.lay.kindAt(b, j)
	if err != nil {
		return fmt.Errorf("sharedmemory: %s(%d) on %v: %w", op, i, l.what(), err)
	}
	return fmt.Errorf("sharedmemory: %s(%d) on %v: the item is a %v (format %q): %w (use Get, or Set an int there first)", op, i, l.what(), k, l.lay.format(b, j), ErrNotInt)
}

// Count is the number of items equal to v, with Python's ==: 1, 1.0 and
// true are equal, a string never equals a []byte. A v of a type no item
// can have counts 0. Python's sl.count(v).
func (l *ShareableList) Count(v any) (int, error) {
	want, storable := toValue(v)
	n := 0
	for i := range l.Len() {
		got, err := l.item("Count", i)
		if err != nil {
			return 0, err
		}
		if storable == nil && pyEqual(want, got) {
			n++
		}
	}
	return n, nil
}

// Index is the first position holding an item equal to v (with Python's
// ==, as Count), or an error wrapping ErrNotFound: Python's sl.index(v).
func (l *ShareableList) Index(v any) (int, error) {
	want, storable := toValue(v)
	for i := range l.Len() {
		got, err := l.item("Index", i)
		if err != nil {
			return 0, err
		}
		if storable == nil && pyEqual(want, got) {
			return i, nil
		}
	}
	what := fmt.Sprintf("%#v", v)
	if storable == nil {
		what = want.repr()
	}
	return 0, fmt.Errorf("sharedmemory: Index on %v: %s: %w (Python's ValueError %s not in this container)", l.what(), what, ErrNotFound, what)
}

// item reads item i for Count and Index.
func (l *ShareableList) item(op string, i int) (value, error) {
	b, j, err := l.access(op, i)
	if err != nil {
		return value{}, err
	}
	v, err := l.lay.get(b, j)
	if err != nil {
		return value{}, fmt.Errorf("sharedmemory: %s on %v: %w", op, l.what(), err)
	}
	return v, nil
}

// Format is the struct formats of all items, joined: Python's sl.format,
// such as "qdxxxxxxx?xxxxxx?x16s". It is "" once the list is closed.
func (l *ShareableList) Format() string {
	b := l.mem()
	if b == nil {
		return ""
	}
	var s strings.Builder
	for i := range l.lay.slots {
		s.WriteString(l.lay.format(b, i))
	}
	return s.String()
}

// String is Python's repr: ShareableList([1, 'a', None], name='psm_1a2b3c4d').
// An item that cannot be read shows as <invalid>.
func (l *ShareableList) String() string {
	name := "None"
	if l.shm != nil {
		name = pyStrRepr(l.shm.name)
	}
	b := l.mem()
	if b == nil {
		return "ShareableList(<closed>, name=" + name + ")"
	}
	var s strings.Builder
	s.WriteString("ShareableList([")
	for i := range l.lay.slots {
		if i > 0 {
			s.WriteString(", ")
		}
		if v, err := l.lay.get(b, i); err == nil {
			s.WriteString(v.repr())
		} else {
			s.WriteString("<invalid>")
		}
	}
	s.WriteString("], name=" + name + ")")
	return s.String()
}

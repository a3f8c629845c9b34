// layout.go is the binary layout of a ShareableList, as CPython's
// shared_memory.py lays it out, decoded and written on a plain []byte: a
// block's mapping, or any bytes at all (the fuzz test's). decodeLayout
// checks every count, offset, format and code before anything is read, so
// that no later access can fall outside the block.

package sharedmemory

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"
)

// Layout is one of CPython's two ShareableList layouts. They differ only in
// the table after the item count; CPython 3.8 and CPython 3.9+ cannot read
// each other's lists, and this package reads both.
//
// A block of N items, every number in the machine's byte order (struct's
// native "q"), every item slot a multiple of 8 bytes:
//
//	offset 0        N, the item count (int64)
//	offset 8        Layout39: N+1 int64 offsets of the items from the start
//	                of the data section: 0, then each item's end.
//	                Layout38: N int64 sizes, one per item.
//	D               the data section: D = 8(N+2) (Layout39) or 8(N+1)
//	                (Layout38); item i at D + its offset
//	F = D + data    N formats of 8 bytes, NUL-padded: "q" (int), "d"
//	                (float), "xxxxxxx?" (bool), "xxxxxx?x" (None), "<n>s"
//	                (str or bytes, n the slot's size)
//	F + 8N          N back-transform codes of 1 byte: 0 (int, float,
//	                bool), 1 (str), 2 (bytes), 3 (None)
//	F + 9N          the end
//
// An int is 8 bytes, a float an IEEE double, a bool 7 NUL bytes then 0 or
// 1, None 8 NUL bytes; a str (UTF-8) or bytes value is NUL-padded to its
// slot, and its trailing NULs are dropped when it is read, as Python drops
// them. Since D, every slot and the block's mapping are multiples of 8,
// every int is 8-byte aligned, which is what Add and CompareAndSwap need.
type Layout int

const (
	// Layout39 is CPython 3.9 and later's layout (unchanged up to 3.13):
	// N+1 offsets after the count. New lists use it.
	Layout39 Layout = iota
	// Layout38 is CPython 3.8's layout: N sizes after the count. Create a
	// list with it (NewShareableListLayout) for a CPython 3.8 to read.
	Layout38
)

// String is "CPython 3.9+" or "CPython 3.8".
func (k Layout) String() string {
	switch k {
	case Layout39:
		return "CPython 3.9+"
	case Layout38:
		return "CPython 3.8"
	}
	return "Layout(" + strconv.Itoa(int(k)) + ")"
}

// ne is the byte order of CPython's native struct formats.
var ne = binary.NativeEndian

// kind is what an item holds, from its format and back-transform code.
type kind uint8

const (
	kindInt kind = iota
	kindFloat
	kindBool
	kindNone
	kindStr
	kindBytes
)

var kindNames = [...]string{"int", "float", "bool", "None", "str", "bytes"}

func (k kind) String() string { return kindNames[k] }

// The back-transform codes: Python's _back_transforms_mapping.
const (
	codeValue byte = 0 // int, float, bool: the value as unpacked
	codeStr   byte = 1 // bytes.rstrip(b'\x00').decode('utf8')
	codeBytes byte = 2 // bytes.rstrip(b'\x00')
	codeNone  byte = 3 // None
)

// The fixed formats as the 8-byte words they are stored as.
var (
	fmtInt   = formatWord("q")
	fmtFloat = formatWord("d")
	fmtBool  = formatWord("xxxxxxx?")
	fmtNone  = formatWord("xxxxxx?x")
	wordTrue = func() uint64 { var b [8]byte; b[7] = 1; return ne.Uint64(b[:]) }()
)

func formatWord(s string) uint64 {
	var b [8]byte
	copy(b[:], s)
	return ne.Uint64(b[:])
}

// Sizes of str and bytes items. A format must fit in 8 characters, so the
// largest slot is "9999992s"; a value of n bytes gets a slot of
// 8*(n/8+1) bytes, as Python sizes them, so at most 9999991 bytes.
const (
	maxSlot     = 9999992
	maxItemLen  = maxSlot - 1
	minItemSize = 8 + 8 + 8 + 1 // table entry, slot, format, code
)

// slotFor is the size of the slot of a str or bytes value of n bytes.
func slotFor(n int) int { return 8 * (n/8 + 1) }

// slot is where one item lives.
type slot struct {
	off, size int    // from the start of the block
	strFmt    uint64 // the format word "<size>s" of a str or bytes here; 0 if size has more than 7 digits
}

// layout is a decoded block: where everything is. It is fixed once the
// block is made (CPython never rewrites the count or the table), so it is
// read once, checked, and kept in Go memory: a process scribbling over the
// table later cannot move any access outside the block.
type layout struct {
	kind    Layout
	slots   []slot
	formats int // offset of the formats
	codes   int // offset of the back-transform codes
	end     int // bytes used
}

// decodeLayout reads and checks the layout of the list in b: the count,
// the table, that every slot lies inside b, and every item's format and
// code. Errors wrap ErrCorrupt.
func decodeLayout(b []byte) (*layout, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("the block has %d bytes, fewer than the 8 of the item count: %w", len(b), ErrCorrupt)
	}
	count := int64(ne.Uint64(b))
	if count < 0 || count > int64((len(b)-8)/minItemSize) {
		return nil, fmt.Errorf("item count %d is impossible in a block of %d bytes (N items take at least 8+%dN): %w", count, len(b), minItemSize, ErrCorrupt)
	}
	n := int(count)
	l := &layout{kind: Layout39, slots: make([]slot, n)}
	// The word after the count tells the layouts apart: CPython 3.9+ stores
	// the first item's offset there, always 0; CPython 3.8 its size, never 0.
	// An empty list is 8 bytes in 3.8's layout, 16 in 3.9's.
	if len(b) < 16 || ne.Uint64(b[8:]) != 0 {
		l.kind = Layout38
	}
	var data, used int
	switch l.kind {
	case Layout39:
		data = 8 * (n + 2)
		prev := int64(0)
		for i := range n {
			next := int64(ne.Uint64(b[8*(i+2):]))
			size := next - prev
			if next < 0 || next > int64(len(b)) || size < 8 || size%8 != 0 {
				return nil, fmt.Errorf("item %d: offset %d after %d in a block of %d bytes (CPython 3.9+'s layout: each item takes a positive multiple of 8 bytes): %w", i, next, prev, len(b), ErrCorrupt)
			}
			l.slots[i] = slot{off: data + int(prev), size: int(size)}
			prev = next
		}
		used = int(prev)
	case Layout38:
		data = 8 * (n + 1)
		for i := range n {
			size := int64(ne.Uint64(b[8*(i+1):]))
			if size < 8 || size%8 != 0 || size > int64(len(b)-used) {
				return nil, fmt.Errorf("item %d: size %d after %d bytes of items in a block of %d bytes (CPython 3.8's layout: each item takes a positive multiple of 8 bytes): %w", i, size, used, len(b), ErrCorrupt)
			}
			l.slots[i] = slot{off: data + used, size: int(size)}
			used += int(size)
		}
	}
	l.formats = data + used
	l.codes = l.formats + 8*n
	l.end = l.codes + n
	if l.end > len(b) {
		return nil, fmt.Errorf("%d items with %d bytes of data need %d bytes (%v layout), the block has %d: %w", n, used, l.end, l.kind, len(b), ErrCorrupt)
	}
	for i := range l.slots {
		if s := l.slots[i].size; s <= maxSlot {
			l.slots[i].strFmt = formatWord(strconv.Itoa(s) + "s")
		}
		if _, err := l.kindAt(b, i); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// kindAt is what item i holds, from its format and code, both checked:
// they may change under us (another process setting an item of another
// type), but only to one of the pairs CPython writes.
func (l *layout) kindAt(b []byte, i int) (kind, error) {
	f, code := load64(b, l.formats+8*i), b[l.codes+i]
	switch {
	case f == fmtInt && code == codeValue:
		return kindInt, nil
	case f == fmtFloat && code == codeValue:
		return kindFloat, nil
	case f == fmtBool && code == codeValue:
		return kindBool, nil
	case f == fmtNone && code == codeNone:
		return kindNone, nil
	case f == l.slots[i].strFmt && f != 0 && code == codeStr:
		return kindStr, nil
	case f == l.slots[i].strFmt && f != 0 && code == codeBytes:
		return kindBytes, nil
	}
	return 0, fmt.Errorf("item %d: format %q with back-transform code %d, in a slot of %d bytes, is not a pair CPython writes: %w",
		i, l.format(b, i), int8(code), l.slots[i].size, ErrCorrupt)
}

// format is item i's format as Python reads it: its 8 bytes, trailing
// NULs stripped.
func (l *layout) format(b []byte, i int) string {
	return string(bytes.TrimRight(b[l.formats+8*i:l.formats+8*i+8], "\x00"))
}

// get reads item i.
func (l *layout) get(b []byte, i int) (value, error) {
	k, err := l.kindAt(b, i)
	if err != nil {
		return value{}, err
	}
	s := l.slots[i]
	switch k {
	case kindInt:
		return value{k: k, i: int64(load64(b, s.off))}, nil
	case kindFloat:
		return value{k: k, f: math.Float64frombits(load64(b, s.off))}, nil
	case kindBool:
		if b[s.off+7] != 0 {
			return value{k: k, i: 1}, nil
		}
		return value{k: k}, nil
	case kindNone:
		return value{k: k}, nil
	}
	raw := bytes.TrimRight(b[s.off:s.off+s.size], "\x00")
	if k == kindBytes {
		return value{k: k, b: bytes.Clone(raw)}, nil
	}
	if !utf8.Valid(raw) {
		return value{}, fmt.Errorf("item %d: str %s is not UTF-8 (Python raises UnicodeDecodeError): %w", i, pyBytesRepr(raw), ErrCorrupt)
	}
	return value{k: k, s: string(raw)}, nil
}

// put writes v into item i, as Python's __setitem__ does: the format, the
// code, then the value. A str or bytes value must fit the slot.
func (l *layout) put(b []byte, i int, v value) error {
	s := l.slots[i]
	var f uint64
	code := codeValue
	switch v.k {
	case kindInt:
		f = fmtInt
	case kindFloat:
		f = fmtFloat
	case kindBool:
		f = fmtBool
	case kindNone:
		f, code = fmtNone, codeNone
	case kindStr, kindBytes:
		n := len(v.s) + len(v.b)
		if n > s.size || s.strFmt == 0 {
			return fmt.Errorf("item %d: a %d-byte %v does not fit its %d-byte slot (a slot keeps the size it was created with: create the list with a value at least this long there): %w", i, n, v.k, s.size, ErrTooLong)
		}
		f, code = s.strFmt, codeStr
		if v.k == kindBytes {
			code = codeBytes
		}
	}
	store64(b, l.formats+8*i, f)
	b[l.codes+i] = code
	switch v.k {
	case kindInt, kindBool:
		w := uint64(v.i)
		if v.k == kindBool && v.i != 0 {
			w = wordTrue
		}
		store64(b, s.off, w)
	case kindFloat:
		store64(b, s.off, math.Float64bits(v.f))
	case kindNone:
		store64(b, s.off, 0)
	case kindStr:
		clear(b[s.off+copy(b[s.off:s.off+s.size], v.s) : s.off+s.size])
	case kindBytes:
		clear(b[s.off+copy(b[s.off:s.off+s.size], v.b) : s.off+s.size])
	}
	return nil
}

// planItems converts the items of a new list and sizes their slots, as
// Python does: 8 bytes, or 8*(n/8+1) for a str or bytes of n bytes.
func planItems(items []any) (sizes []int, vals []value, err error) {
	vals = make([]value, len(items))
	sizes = make([]int, len(items))
	for i, item := range items {
		v, err := toValue(item)
		if err != nil {
			return nil, nil, fmt.Errorf("item %d: %w", i, err)
		}
		sizes[i] = 8
		if n := len(v.s) + len(v.b); v.k == kindStr || v.k == kindBytes {
			if n > maxItemLen {
				return nil, nil, fmt.Errorf("item %d: a %d-byte %v is longer than the %d bytes a ShareableList item may have (its format, \"<size>s\", must fit 8 characters; use a SharedMemory for big data): %w", i, n, v.k, maxItemLen, ErrTooLong)
			}
			sizes[i] = slotFor(n)
		}
		vals[i] = v
	}
	return sizes, vals, nil
}

// blockSize is the size of a list whose items have these slot sizes:
// Python's struct.calcsize of the whole layout.
func blockSize(k Layout, sizes []int) int {
	n := len(sizes)
	total := 8 + 8*n + 8*n + n // count, table, formats, codes
	if k == Layout39 {
		total += 8 // the table's extra offset
	}
	for _, s := range sizes {
		total += s
	}
	return total
}

// encode writes a new list of vals, in slots of sizes, into b (zeroed, of
// blockSize bytes), as Python's ShareableList(sequence) does.
func encode(b []byte, k Layout, sizes []int, vals []value) error {
	n := len(sizes)
	ne.PutUint64(b, uint64(n))
	data := 8 * (n + 1)
	if k == Layout39 {
		data += 8
		ne.PutUint64(b[8:], 0)
	}
	off := 0
	for i, s := range sizes {
		off += s
		if k == Layout39 {
			ne.PutUint64(b[8*(i+2):], uint64(off))
		} else {
			ne.PutUint64(b[8*(i+1):], uint64(s))
		}
	}
	l := &layout{kind: k, slots: make([]slot, n), formats: data + off, codes: data + off + 8*n, end: data + off + 9*n}
	off = data
	for i, s := range sizes {
		l.slots[i] = slot{off: off, size: s, strFmt: formatWord(strconv.Itoa(s) + "s")}
		off += s
	}
	for i, v := range vals {
		if err := l.put(b, i, v); err != nil {
			return err
		}
	}
	return nil
}

// load64 reads the 8 bytes at b[off:], atomically when they are aligned
// (they always are in a block: see Layout), so that a reader never sees
// half of another process's Add.
func load64(b []byte, off int) uint64 {
	w := b[off : off+8 : off+8]
	if p := unsafe.Pointer(&w[0]); uintptr(p)&7 == 0 {
		return atomic.LoadUint64((*uint64)(p))
	}
	return ne.Uint64(w)
}

// store64 writes the 8 bytes at b[off:], atomically when they are aligned.
func store64(b []byte, off int, v uint64) {
	w := b[off : off+8 : off+8]
	if p := unsafe.Pointer(&w[0]); uintptr(p)&7 == 0 {
		atomic.StoreUint64((*uint64)(p), v)
		return
	}
	ne.PutUint64(w, v)
}

// ptr64 is the aligned int64 at b[off:], for Add and CompareAndSwap.
func ptr64(b []byte, off int) (*int64, bool) {
	w := b[off : off+8 : off+8]
	p := unsafe.Pointer(&w[0])
	return (*int64)(p), uintptr(p)&7 == 0
}

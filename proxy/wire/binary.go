// binary.go gives the messages of every call (Request and Reply) and of
// create and release (CreateRequest, RefRequest, RefReply) a compact
// binary encoding: varints, length-prefixed strings, and Values as
// values.go encodes them. The manager's codec writes and reads these
// messages directly (they are encoding.BinaryAppender and
// encoding.BinaryUnmarshaler), without gob's reflection; gob uses the same
// encoding if it carries one (they are encoding.BinaryMarshaler too).

package wire

import (
	"encoding/binary"
	"errors"
	"math"
)

// ErrMalformed: a message's bytes do not decode (a peer that is not a
// gomanager of this version, or a corrupted stream).
var ErrMalformed = errors.New("wire: malformed message")

// AppendBinary appends r's encoding to b.
func (r *Request) AppendBinary(b []byte) ([]byte, error) {
	b = appendUvarints(b, r.ID, r.Epoch, r.Ref, r.Call)
	return r.Args.appendTo(appendString(b, r.Method))
}

// MarshalBinary encodes r.
func (r *Request) MarshalBinary() ([]byte, error) { return r.AppendBinary(nil) }

// UnmarshalBinary decodes what AppendBinary encoded.
func (r *Request) UnmarshalBinary(data []byte) error {
	d := decoder{b: data}
	r.ID, r.Epoch, r.Ref, r.Call = d.uvarint(), d.uvarint(), d.uvarint(), d.uvarint()
	r.Method = d.string()
	r.Args.decode(&d)
	return d.end()
}

// AppendBinary appends r's encoding to b.
func (r *Reply) AppendBinary(b []byte) ([]byte, error) {
	b, err := r.Result.appendTo(b)
	if err != nil {
		return nil, err
	}
	b = binary.AppendUvarint(b, uint64(len(r.Grants)))
	for _, g := range r.Grants {
		b = appendStrings(appendUvarints(b, g.ID, g.Ref), g.Exposed)
	}
	return appendError(b, r.Err), nil
}

// MarshalBinary encodes r.
func (r *Reply) MarshalBinary() ([]byte, error) { return r.AppendBinary(nil) }

// UnmarshalBinary decodes what AppendBinary encoded.
func (r *Reply) UnmarshalBinary(data []byte) error {
	d := decoder{b: data}
	r.Result.decode(&d)
	r.Grants = nil
	if n := d.count(); n > 0 {
		r.Grants = make([]Grant, n)
		for i := range r.Grants {
			g := &r.Grants[i]
			g.ID, g.Ref, g.Exposed = d.uvarint(), d.uvarint(), d.strings()
		}
	}
	r.Err = d.error()
	return d.end()
}

// AppendBinary appends r's encoding to b.
func (r *CreateRequest) AppendBinary(b []byte) ([]byte, error) {
	return r.Args.appendTo(appendString(b, r.Typeid))
}

// MarshalBinary encodes r.
func (r *CreateRequest) MarshalBinary() ([]byte, error) { return r.AppendBinary(nil) }

// UnmarshalBinary decodes what AppendBinary encoded.
func (r *CreateRequest) UnmarshalBinary(data []byte) error {
	d := decoder{b: data}
	r.Typeid = d.string()
	r.Args.decode(&d)
	return d.end()
}

// AppendBinary appends r's encoding to b.
func (r *RefRequest) AppendBinary(b []byte) ([]byte, error) {
	return appendUvarints(b, r.ID, r.Epoch, r.Ref), nil
}

// MarshalBinary encodes r.
func (r *RefRequest) MarshalBinary() ([]byte, error) { return r.AppendBinary(nil) }

// UnmarshalBinary decodes what AppendBinary encoded.
func (r *RefRequest) UnmarshalBinary(data []byte) error {
	d := decoder{b: data}
	r.ID, r.Epoch, r.Ref = d.uvarint(), d.uvarint(), d.uvarint()
	return d.end()
}

// AppendBinary appends r's encoding to b.
func (r *RefReply) AppendBinary(b []byte) ([]byte, error) {
	b = appendStrings(appendUvarints(b, r.ID, r.Epoch, r.Ref), r.Exposed)
	return appendError(b, r.Err), nil
}

// MarshalBinary encodes r.
func (r *RefReply) MarshalBinary() ([]byte, error) { return r.AppendBinary(nil) }

// UnmarshalBinary decodes what AppendBinary encoded.
func (r *RefReply) UnmarshalBinary(data []byte) error {
	d := decoder{b: data}
	r.ID, r.Epoch, r.Ref = d.uvarint(), d.uvarint(), d.uvarint()
	r.Exposed = d.strings()
	r.Err = d.error()
	return d.end()
}

// appendError appends an optional *Error: a presence byte, then its fields.
func appendError(b []byte, e *Error) []byte {
	if e == nil {
		return append(b, 0)
	}
	var flags byte = 1
	if e.Panic {
		flags |= 2
	}
	if e.Remote {
		flags |= 4
	}
	b = append(b, flags)
	for _, s := range [...]string{e.Code, e.Message, e.Typeid, e.Method, e.Stack} {
		b = appendString(b, s)
	}
	return b
}

func appendUvarints(b []byte, xs ...uint64) []byte {
	for _, x := range xs {
		b = binary.AppendUvarint(b, x)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendBytes(b []byte, p []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(p))), p...)
}

// appendStrings appends a list of strings; nil and empty lists are the
// same on the wire, and decode as nil, as with gob.
func appendStrings(b []byte, ss []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ss)))
	for _, s := range ss {
		b = appendString(b, s)
	}
	return b
}

// decoder reads what the append functions wrote, from bytes a peer sent:
// every length is checked against what is left before anything is
// allocated for it. The first error sticks: later reads return zero
// values, and end reports it.
type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) fail() { d.b, d.bad = nil, true }

// end reports whether everything decoded, and nothing was left over.
func (d *decoder) end() error {
	if d.bad || len(d.b) != 0 {
		return ErrMalformed
	}
	return nil
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 { return d.uint(math.MaxUint64) }

// uint reads a varint that must be at most hi.
func (d *decoder) uint(hi uint64) uint64 {
	x, k := binary.Uvarint(d.b)
	if k <= 0 || x > hi {
		d.fail()
		return 0
	}
	d.b = d.b[k:]
	return x
}

// int reads a zig-zag varint that must lie in [lo, hi].
func (d *decoder) int(lo, hi int64) int64 {
	x, k := binary.Varint(d.b)
	if k <= 0 || x < lo || x > hi {
		d.fail()
		return 0
	}
	d.b = d.b[k:]
	return x
}

// fixed reads a little-endian number of n (4 or 8) bytes.
func (d *decoder) fixed(n int) uint64 {
	if len(d.b) < n {
		d.fail()
		return 0
	}
	var x uint64
	for i := n - 1; i >= 0; i-- {
		x = x<<8 | uint64(d.b[i])
	}
	d.b = d.b[n:]
	return x
}

// count reads the number of items in a list whose every item takes at
// least one byte, so it cannot exceed the bytes left.
func (d *decoder) count() int {
	return int(d.uint(uint64(len(d.b))))
}

// bytes reads a length and that many bytes, without copying them.
func (d *decoder) bytes() []byte {
	n := d.uint(uint64(len(d.b)))
	if d.bad || n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

// string reads a string, copying it.
func (d *decoder) string() string { return string(d.bytes()) }

func (d *decoder) strings() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = d.string()
	}
	return ss
}

// error reads an optional *Error written by appendError.
func (d *decoder) error() *Error {
	flags := d.byte()
	if flags == 0 {
		return nil
	}
	if flags&^7 != 0 {
		d.fail()
		return nil
	}
	e := &Error{Panic: flags&2 != 0, Remote: flags&4 != 0}
	e.Code, e.Message, e.Typeid, e.Method, e.Stack = d.string(), d.string(), d.string(), d.string(), d.string()
	return e
}

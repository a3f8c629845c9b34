// values.go is how Values travel: a compact encoding of their own, inside
// a Request or a Reply (see binary.go), or as an opaque byte string when
// gob carries them inside another message (Values is a gob.GobEncoder).
//
// A call's arguments and result are nearly always a few builtin scalars.
// As gob interface values, each would carry its type's name, as a string,
// and a nested message, and decoding would allocate through reflection;
// here each is one tag byte and its bytes. A list that is not all scalars
// travels as the gob stream Encode made of it.

package wire

import (
	"encoding/binary"
	"fmt"
	"math"
)

// The first byte of an encoded Values says which field it carries.
const (
	formScalars = 's' // a count, then each value: its tag and its bytes
	formGob     = 'g' // a length, then Gob
)

// Tags of scalar values: the value's exact type, so that an int8 sent is
// an int8 received, as with gob.
const (
	tagNil byte = iota
	tagFalse
	tagTrue
	tagString // length, bytes
	tagBytes  // length, bytes
	tagInt    // zig-zag varint, like the signed types below
	tagInt8
	tagInt16
	tagInt32
	tagInt64
	tagUint // varint, like the unsigned types below
	tagUint8
	tagUint16
	tagUint32
	tagUint64
	tagUintptr
	tagFloat32    // 4 bytes, little-endian IEEE 754
	tagFloat64    // 8 bytes
	tagComplex64  // two float32s
	tagComplex128 // two float64s
)

// GobEncode encodes v for gob. It has a pointer receiver so that gob
// calls it without copying v; the messages holding Values are always
// sent by pointer.
func (v *Values) GobEncode() ([]byte, error) {
	return v.appendTo(make([]byte, 0, v.size()))
}

// GobDecode decodes what GobEncode encoded.
func (v *Values) GobDecode(b []byte) error {
	d := decoder{b: b}
	v.decode(&d)
	return d.end()
}

// size is about how many bytes appendTo adds.
func (v *Values) size() int {
	if v.Gob != nil {
		return 1 + binary.MaxVarintLen64 + len(v.Gob)
	}
	n := 1 + binary.MaxVarintLen64
	for _, x := range v.Scalars {
		n += 1 + binary.MaxVarintLen64
		switch x := x.(type) {
		case string:
			n += len(x)
		case []byte:
			n += len(x)
		case complex128:
			n += 16
		}
	}
	return n
}

// appendTo appends v's encoding to b.
func (v *Values) appendTo(b []byte) ([]byte, error) {
	if v.Gob != nil {
		return appendBytes(append(b, formGob), v.Gob), nil
	}
	b = binary.AppendUvarint(append(b, formScalars), uint64(len(v.Scalars)))
	for _, x := range v.Scalars {
		switch x := x.(type) {
		case nil:
			b = append(b, tagNil)
		case bool:
			if x {
				b = append(b, tagTrue)
			} else {
				b = append(b, tagFalse)
			}
		case string:
			b = appendString(append(b, tagString), x)
		case []byte:
			b = appendBytes(append(b, tagBytes), x)
		case int:
			b = binary.AppendVarint(append(b, tagInt), int64(x))
		case int8:
			b = binary.AppendVarint(append(b, tagInt8), int64(x))
		case int16:
			b = binary.AppendVarint(append(b, tagInt16), int64(x))
		case int32:
			b = binary.AppendVarint(append(b, tagInt32), int64(x))
		case int64:
			b = binary.AppendVarint(append(b, tagInt64), x)
		case uint:
			b = binary.AppendUvarint(append(b, tagUint), uint64(x))
		case uint8:
			b = binary.AppendUvarint(append(b, tagUint8), uint64(x))
		case uint16:
			b = binary.AppendUvarint(append(b, tagUint16), uint64(x))
		case uint32:
			b = binary.AppendUvarint(append(b, tagUint32), uint64(x))
		case uint64:
			b = binary.AppendUvarint(append(b, tagUint64), x)
		case uintptr:
			b = binary.AppendUvarint(append(b, tagUintptr), uint64(x))
		case float32:
			b = binary.LittleEndian.AppendUint32(append(b, tagFloat32), math.Float32bits(x))
		case float64:
			b = binary.LittleEndian.AppendUint64(append(b, tagFloat64), math.Float64bits(x))
		case complex64:
			b = binary.LittleEndian.AppendUint32(append(b, tagComplex64), math.Float32bits(real(x)))
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(imag(x)))
		case complex128:
			b = binary.LittleEndian.AppendUint64(append(b, tagComplex128), math.Float64bits(real(x)))
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(imag(x)))
		default:
			return nil, fmt.Errorf("wire: Values.Scalars holds a %T, not a builtin scalar (pack values with Encode)", x)
		}
	}
	return b, nil
}

// decode reads values encoded by appendTo.
func (v *Values) decode(d *decoder) {
	*v = Values{}
	switch d.byte() {
	case formGob:
		if b := d.bytes(); len(b) > 0 { // gob, too, leaves an empty slice nil
			v.Gob = append([]byte(nil), b...)
		}
	case formScalars:
		n := d.count()
		if n == 0 {
			return // as gob leaves an empty list nil
		}
		v.Scalars = make([]any, n)
		for i := range v.Scalars {
			v.Scalars[i] = d.scalar()
		}
	default:
		d.fail()
	}
}

// scalar reads one tagged scalar value.
func (d *decoder) scalar() any {
	switch d.byte() {
	case tagNil:
		return nil
	case tagFalse:
		return false
	case tagTrue:
		return true
	case tagString:
		return d.string()
	case tagBytes:
		if b := d.bytes(); len(b) > 0 {
			return append([]byte(nil), b...)
		}
		return []byte(nil) // as gob decodes an empty []byte
	case tagInt:
		return int(d.int(math.MinInt, math.MaxInt))
	case tagInt8:
		return int8(d.int(math.MinInt8, math.MaxInt8))
	case tagInt16:
		return int16(d.int(math.MinInt16, math.MaxInt16))
	case tagInt32:
		return int32(d.int(math.MinInt32, math.MaxInt32))
	case tagInt64:
		return d.int(math.MinInt64, math.MaxInt64)
	case tagUint:
		return uint(d.uint(math.MaxUint))
	case tagUint8:
		return uint8(d.uint(math.MaxUint8))
	case tagUint16:
		return uint16(d.uint(math.MaxUint16))
	case tagUint32:
		return uint32(d.uint(math.MaxUint32))
	case tagUint64:
		return d.uint(math.MaxUint64)
	case tagUintptr:
		return uintptr(d.uint(math.MaxUint))
	case tagFloat32:
		return math.Float32frombits(uint32(d.fixed(4)))
	case tagFloat64:
		return math.Float64frombits(d.fixed(8))
	case tagComplex64:
		re := math.Float32frombits(uint32(d.fixed(4)))
		return complex(re, math.Float32frombits(uint32(d.fixed(4))))
	case tagComplex128:
		re := math.Float64frombits(d.fixed(8))
		return complex(re, math.Float64frombits(d.fixed(8)))
	}
	d.fail()
	return nil
}

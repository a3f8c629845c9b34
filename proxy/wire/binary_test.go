package wire

import (
	"bytes"
	"encoding/gob"
	"errors"
	"reflect"
	"testing"
)

// scalarLists are argument lists of every scalar type, with the edge
// cases gob has its own answer for (an empty []byte, nil).
var scalarLists = []struct {
	name string
	vals []any
}{
	{"none", nil},
	{"empty", []any{}},
	{"string", []any{"hello World"}},
	{"every type", []any{nil, true, false, "", "ü", []byte("x"), []byte{}, []byte(nil),
		0, -1, int8(-128), int16(32767), int32(-7), int64(-1 << 63),
		uint(1), uint8(255), uint16(65535), uint32(1 << 31), uint64(1<<64 - 1), uintptr(7),
		float32(1.5), 3.25, complex64(1 + 2i), complex(-1.5, 2.5)}},
}

// gobRoundTrip is what these values became when Values travelled as plain
// gob, before their own encoding: the behaviour to keep.
func gobRoundTrip(t *testing.T, vals []any) []any {
	t.Helper()
	type plain struct{ Scalars []any }
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&plain{vals}); err != nil {
		t.Fatal(err)
	}
	var out plain
	if err := gob.NewDecoder(&buf).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Scalars
}

func TestValuesTravelAsWithGob(t *testing.T) {
	for _, tt := range scalarLists {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Encode(tt.vals)
			if err != nil {
				t.Fatal(err)
			}
			in := Request{ID: 1, Epoch: 1<<64 - 1, Ref: 3, Call: 4, Method: "Echo", Args: v}
			b, err := in.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var out Request
			if err := out.UnmarshalBinary(b); err != nil {
				t.Fatal(err)
			}
			got, err := out.Args.Decode()
			if err != nil {
				t.Fatal(err)
			}
			if want := gobRoundTrip(t, tt.vals); !reflect.DeepEqual(got, want) {
				t.Errorf("got  %#v\nwant %#v (as gob)", got, want)
			}
			out.Args, in.Args = Values{}, Values{}
			if !reflect.DeepEqual(out, in) {
				t.Errorf("got %+v, want %+v", out, in)
			}

			// The same through gob, as inside a message gob carries.
			var buf bytes.Buffer
			type carrier struct{ V Values }
			if err := gob.NewEncoder(&buf).Encode(&carrier{v}); err != nil {
				t.Fatal(err)
			}
			var c carrier
			if err := gob.NewDecoder(&buf).Decode(&c); err != nil {
				t.Fatal(err)
			}
			if got, _ := c.V.Decode(); !reflect.DeepEqual(got, gobRoundTrip(t, tt.vals)) {
				t.Errorf("through gob: got %#v", got)
			}
		})
	}
}

// Encode copies a []byte, so a result encoded under the object's lock
// shares no memory with the object once the lock is released.
func TestEncodeCopiesBytes(t *testing.T) {
	b := []byte("abc")
	args := []any{b}
	v, err := Encode(args)
	if err != nil {
		t.Fatal(err)
	}
	b[0] = 'X'
	if got := v.Scalars[0].([]byte); string(got) != "abc" {
		t.Errorf("encoded value changed with the original: %q", got)
	}
	if args[0].([]byte)[0] != 'X' {
		t.Errorf("Encode replaced the caller's argument")
	}
}

func TestGobValuesTravel(t *testing.T) {
	type point struct{ X, Y int }
	gob.Register(point{})
	v, err := Encode([]any{point{1, 2}, "s"})
	if err != nil || v.Gob == nil {
		t.Fatalf("Encode: %+v, %v; want a gob stream", v, err)
	}
	in := CreateRequest{Typeid: "p", Args: v}
	b, _ := in.MarshalBinary()
	var out CreateRequest
	if err := out.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	got, err := out.Args.Decode()
	if err != nil || out.Typeid != "p" || !reflect.DeepEqual(got, []any{point{1, 2}, "s"}) {
		t.Errorf("got %q %#v, %v", out.Typeid, got, err)
	}
}

// messages holds one value of every message with its own encoding, with
// every field set.
func messages(t *testing.T) []interface {
	MarshalBinary() ([]byte, error)
	UnmarshalBinary([]byte) error
} {
	result, err := Encode([]any{"r", 2})
	if err != nil {
		t.Fatal(err)
	}
	werr := &Error{Code: "c", Message: "m", Typeid: "t", Method: "M", Stack: "s", Panic: true, Remote: true}
	return []interface {
		MarshalBinary() ([]byte, error)
		UnmarshalBinary([]byte) error
	}{
		&Request{ID: 1, Epoch: 2, Ref: 3, Call: 4, Method: "Echo", Args: result},
		&Reply{Result: result, Grants: []Grant{{ID: 1, Ref: 2, Exposed: []string{"A", "B"}}, {ID: 3}}, Err: werr},
		&Reply{},
		&CreateRequest{Typeid: "dict", Args: result},
		&RefRequest{ID: 1, Epoch: 2, Ref: 3},
		&RefReply{ID: 1, Epoch: 2, Ref: 3, Exposed: []string{"Get"}, Err: &Error{Message: "x"}},
		&RefReply{},
	}
}

func TestMessagesRoundTrip(t *testing.T) {
	for _, m := range messages(t) {
		b, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		out := reflect.New(reflect.TypeOf(m).Elem()).Interface().(interface{ UnmarshalBinary([]byte) error })
		if err := out.UnmarshalBinary(b); err != nil {
			t.Fatalf("%T: %v", m, err)
		}
		if !reflect.DeepEqual(out, m) {
			t.Errorf("got  %#v\nwant %#v", out, m)
		}
		// Every truncation, and a trailing byte, is refused.
		for i := range b {
			if err := out.UnmarshalBinary(b[:i]); !errors.Is(err, ErrMalformed) {
				t.Errorf("%T cut to %d of %d bytes: %v, want ErrMalformed", m, i, len(b), err)
			}
		}
		if err := out.UnmarshalBinary(append(b, 0)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%T with a byte more: %v, want ErrMalformed", m, err)
		}
	}
}

// A count or length a peer claims is checked against the bytes it sent
// before anything is allocated for it.
func TestHugeCountsRefused(t *testing.T) {
	huge := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}
	for _, b := range [][]byte{
		append([]byte{formScalars}, huge...),               // a list of 2^63 values
		append([]byte{formGob}, huge...),                   // a gob stream of 2^63 bytes
		append([]byte{formScalars, 1, tagString}, huge...), // a string of 2^63 bytes
	} {
		var v Values
		if err := v.GobDecode(b); err == nil {
			t.Errorf("% x decoded", b)
		}
	}
}

func FuzzUnmarshal(f *testing.F) {
	for _, m := range messages(&testing.T{}) {
		b, _ := m.MarshalBinary()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, m := range []interface {
			MarshalBinary() ([]byte, error)
			UnmarshalBinary([]byte) error
		}{&Request{}, &Reply{}, &CreateRequest{}, &RefRequest{}, &RefReply{}} {
			if m.UnmarshalBinary(b) != nil {
				continue
			}
			// What decodes encodes again, and that decodes to the same
			// message (compared as bytes: a NaN is not equal to itself).
			again, err := m.MarshalBinary()
			if err != nil {
				t.Fatalf("%T decoded from % x does not encode: %v", m, b, err)
			}
			out := reflect.New(reflect.TypeOf(m).Elem()).Interface().(interface {
				MarshalBinary() ([]byte, error)
				UnmarshalBinary([]byte) error
			})
			if err := out.UnmarshalBinary(again); err != nil {
				t.Fatalf("%T: % x re-encodes to % x, which does not decode: %v", m, b, again, err)
			}
			if twice, _ := out.MarshalBinary(); !bytes.Equal(twice, again) {
				t.Fatalf("%T: % x re-encodes to % x, then to % x", m, b, again, twice)
			}
		}
	})
}

// pickle_test.go checks the package against CPython itself: what Python
// pickles (protocols 2 to 5) decodes here to values whose Repr is Python's
// repr, what Marshal writes Python reads back to the same repr, and what the
// decoder must refuse.

package pickle_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"math/big"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gomanager/basemanager/pickle"
)

// python3 returns the path of python3. The interoperability tests need it:
// without it they fail rather than skip, so CI cannot pass them vacuously.
func python3(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 is required for the Python interoperability tests: %v", err)
	}
	return path
}

// checkScript runs testdata/python/pickle_check.py with args and stdin.
func checkScript(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(python3(t), append([]string{filepath.Join("..", "..", "testdata", "python", "pickle_check.py")}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pickle_check.py %v: %v\n%s", args, err, stderr.String())
	}
	return string(out)
}

// Every sample CPython pickles, in every protocol from 2 to 5, decodes to
// a value whose Repr is Python's repr of the original.
func TestUnmarshalReadsCPythonPickles(t *testing.T) {
	out := checkScript(t, "", "dump")
	n := 0
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		protocol, rest, _ := strings.Cut(sc.Text(), "\t")
		hexed, want, _ := strings.Cut(rest, "\t")
		data, err := hex.DecodeString(hexed)
		if err != nil {
			t.Fatal(err)
		}
		n++
		v, err := pickle.Unmarshal(data)
		if err != nil {
			t.Errorf("protocol %s, %s: %v", protocol, want, err)
			continue
		}
		switch {
		case strings.HasPrefix(want, "bytearray("): // bytearray decodes to []byte, as bytes does
			want = strings.TrimSuffix(strings.TrimPrefix(want, "bytearray("), ")")
		case protocol == "2" && want == "FileNotFoundError(2, 'nf')": // Python 2 had only OSError
			want = "OSError(2, 'nf')"
		}
		if got := pickle.Repr(v); got != want {
			t.Errorf("protocol %s: Repr = %s, want %s", protocol, got, want)
		}
	}
	if n < 200 {
		t.Fatalf("only %d pickles from pickle_check.py", n)
	}
}

// Values Marshal writes are read by CPython as the values whose repr is
// Repr's, including exceptions Python raises as their own classes.
func TestMarshalIsReadByCPython(t *testing.T) {
	values := []any{
		nil, true, false, 0, 1, -1, 255, 256, 65535, 65536, math.MinInt32, math.MaxInt32, math.MaxInt32 + 1,
		int64(math.MaxInt64), int64(math.MinInt64), uint64(math.MaxUint64), int8(-3), uint16(7),
		new(big.Int).Lsh(big.NewInt(1), 200), new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 200)),
		new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 63)), big.NewInt(-129), big.NewInt(-128),
		0.0, math.Copysign(0, -1), 1.5, 1e16, 1e-5, 0.1, float32(0.5), math.Inf(1),
		"", "hello World", "it's", `a"b`, "ü€😀", "line\nbreak\t\x00", strings.Repeat("x", 300), "bad \xff utf-8",
		[]byte{}, []byte("ab\x00\xff"), bytes.Repeat([]byte("x"), 300),
		pickle.Tuple{}, pickle.Tuple{1}, pickle.Tuple{1, 2}, pickle.Tuple{1, 2, 3}, pickle.Tuple{1, 2, 3, 4},
		[]any{}, []any{1, []any{2, "three"}}, []int{1, 2}, [2]string{"a", "b"}, make([]any, 2500),
		pickle.Dict{}, pickle.Dict{{Key: "b", Value: 1}, {Key: "a", Value: []any{1}}},
		pickle.Dict{{Key: pickle.Tuple{1, 2}, Value: "a tuple key"}},
		map[string]int{"z": 26, "a": 1}, map[any]any{1: "one", "two": 2.0},
		pickle.Set{}, pickle.Set{1, 2, 3}, pickle.FrozenSet{}, pickle.FrozenSet{"a"},
		pickle.Slice{Start: 1, Step: 2},
		pickle.Token{Typeid: "dict", Address: pickle.Tuple{"127.0.0.1", 5000}, ID: "7f12"},
		pickle.NewException("builtins", "KeyError", "x"),
		pickle.NewException("builtins", "RuntimeError", "release unlocked lock"),
		pickle.NewException("queue", "Empty"), pickle.NewException("queue", "Full"),
		pickle.NewException("threading", "BrokenBarrierError"),
		pickle.NewException("multiprocessing.managers", "RemoteError", "text"),
		pickle.Tuple{"#RETURN", pickle.Tuple{"7f", pickle.Tuple{"get", "set"}}},
		(*int)(nil), &[]any{1},
	}
	var in strings.Builder
	for _, v := range values {
		data, err := pickle.Marshal(v)
		if err != nil {
			t.Fatalf("Marshal(%#v): %v", v, err)
		}
		in.WriteString(hex.EncodeToString(data) + "\n")
	}
	lines := strings.Split(strings.TrimSuffix(checkScript(t, in.String(), "load"), "\n"), "\n")
	if len(lines) != len(values) {
		t.Fatalf("python printed %d lines for %d values", len(lines), len(values))
	}
	for i, v := range values {
		want := pickle.Repr(v)
		if s, ok := v.(string); ok && s == "bad \xff utf-8" {
			want = "'bad \ufffd utf-8'" // invalid UTF-8 travels as U+FFFD
		}
		if lines[i] != want {
			t.Errorf("value %d: python read %s, want %s", i, lines[i], want)
		}
	}
}

// Marshal then Unmarshal gives back what went in (in this package's types).
func TestRoundTrip(t *testing.T) {
	values := []any{
		pickle.Tuple{nil, true, 1, -1 << 40, 2.5, "s", []byte("b")},
		[]any{pickle.Dict{{Key: "k", Value: pickle.Set{1}}}, pickle.FrozenSet{pickle.Tuple{}}},
		pickle.Token{Typeid: "Queue", Address: pickle.Tuple{"::1", 1}, ID: "1"},
		pickle.NewException("builtins", "ValueError", "bad", 2),
		pickle.Slice{Start: nil, Stop: -1, Step: nil},
	}
	for _, v := range values {
		data, err := pickle.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pickle.Unmarshal(data)
		if err != nil {
			t.Fatalf("Unmarshal(Marshal(%s)): %v", pickle.Repr(v), err)
		}
		if pickle.Repr(got) != pickle.Repr(v) {
			t.Errorf("round trip: %s, want %s", pickle.Repr(got), pickle.Repr(v))
		}
	}
}

// What the decoder refuses: code (any global outside the allow-list, and
// the opcodes that reach objects), and input that would make it allocate
// more than the input justifies. Each fails with an error, none panics.
func TestUnmarshalRefuses(t *testing.T) {
	deep := append([]byte{0x80, 4}, bytes.Repeat([]byte{']'}, 10000)...)
	// Each level references the previous list twice: 2^40 items if expanded.
	laughs := []byte{0x80, 4, ']', 0x94}
	for i := 0; i < 40; i++ {
		laughs = append(laughs, ']', 0x94, '(', 'h', byte(i), 'h', byte(i), 'e')
	}
	laughs = append(laughs, '.')
	tests := []struct {
		name  string
		data  []byte
		error error
	}{
		{"os.system by GLOBAL", []byte("\x80\x02cposix\nsystem\nX\x02\x00\x00\x00id\x85R."), pickle.ErrRefused},
		{"os.system by STACK_GLOBAL", []byte("\x80\x04\x8c\x02os\x8c\x06system\x93\x8c\x02id\x85R."), pickle.ErrRefused},
		{"builtins.eval", []byte("\x80\x04\x8c\x08builtins\x8c\x04eval\x93\x8c\x011\x85R."), pickle.ErrRefused},
		{"builtins.getattr", []byte("\x80\x02c__builtin__\ngetattr\n."), pickle.ErrRefused},
		{"copyreg._reconstructor", []byte("\x80\x02ccopyreg\n_reconstructor\n."), pickle.ErrRefused},
		{"INST", []byte("(ios\nsystem\nS'id'\n."), pickle.ErrRefused},
		{"OBJ", []byte("\x80\x02(o."), pickle.ErrRefused},
		{"PERSID", []byte("Pid\n."), pickle.ErrRefused},
		{"BINPERSID", []byte("\x80\x02NQ."), pickle.ErrRefused},
		{"EXT1", []byte("\x80\x02\x82\x01."), pickle.ErrRefused},
		{"out-of-band buffer", []byte("\x80\x05\x97."), pickle.ErrRefused},
		{"protocol 0 text", []byte("I1\n."), pickle.ErrRefused},
		{"protocol 6", []byte("\x80\x06N."), pickle.ErrRefused},
		{"BUILD on a dict", []byte("\x80\x04}}b."), pickle.ErrRefused},
		{"NEWOBJ of a set", []byte("\x80\x04\x8c\x08builtins\x8c\x03set\x93)\x81."), pickle.ErrRefused},
		{"REDUCE of the Token class", []byte("\x80\x04\x8c\x18multiprocessing.managers\x8c\x05Token\x93)R."), pickle.ErrRefused},
		{"a bare global", []byte("\x80\x04\x8c\x08builtins\x8c\x03set\x93."), pickle.ErrRefused},
		{"empty", nil, pickle.ErrMalformed},
		{"no STOP", []byte("\x80\x04N"), pickle.ErrMalformed},
		{"two values at STOP", []byte("\x80\x04NN."), pickle.ErrMalformed},
		{"stack underflow", []byte("\x80\x04a."), pickle.ErrMalformed},
		{"pop through a mark", []byte("\x80\x04N(\x85."), pickle.ErrMalformed},
		{"huge BINUNICODE8", []byte("\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\x7fab."), pickle.ErrMalformed},
		{"huge BINBYTES", []byte("\x80\x04B\xff\xff\xff\xffab."), pickle.ErrMalformed},
		{"huge FRAME", []byte("\x80\x04\x95\xff\xff\xff\xff\xff\xff\xff\xffN."), pickle.ErrMalformed},
		{"huge LONG4", []byte("\x80\x04\x8b\xff\xff\xff\x00."), pickle.ErrRefused},
		{"negative LONG4", []byte("\x80\x04\x8b\xff\xff\xff\xff."), pickle.ErrMalformed},
		{"memo entry never stored", []byte("\x80\x04h\x05."), pickle.ErrMalformed},
		{"unterminated GLOBAL", append([]byte("\x80\x02c"), bytes.Repeat([]byte("a"), 1000)...), pickle.ErrMalformed},
		{"10000 nested lists", append(deep, '.'), pickle.ErrMalformed},
		{"a recursive list", []byte("\x80\x04]\x94h\x00a."), pickle.ErrMalformed},
		{"billion laughs", laughs, pickle.ErrMalformed},
		{"APPEND on a tuple", []byte("\x80\x04)Na."), pickle.ErrMalformed},
		{"Token with a bad state", []byte("\x80\x04\x8c\x18multiprocessing.managers\x8c\x05Token\x93)\x81Nb."), pickle.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := pickle.Unmarshal(tt.data)
			if !errors.Is(err, tt.error) {
				t.Fatalf("Unmarshal = %s, %v; want an error wrapping %v", pickle.Repr(v), err, tt.error)
			}
		})
	}
}

// Marshal refuses Go values with no Python form, and output over its limit.
func TestMarshalRefuses(t *testing.T) {
	type point struct{ X, Y int }
	for _, v := range []any{point{1, 2}, make(chan int), func() {}, complex(1, 2), errors.New("plain"),
		pickle.NewException("os", "system")} {
		if _, err := pickle.Marshal(v); !errors.Is(err, pickle.ErrUnsupported) {
			t.Errorf("Marshal(%T): %v, want ErrUnsupported", v, err)
		}
	}
	if _, err := pickle.MarshalLimit(strings.Repeat("x", 100), 50); err == nil {
		t.Errorf("MarshalLimit wrote 100 bytes under a limit of 50")
	}
	var cycle []any
	cycle = append(cycle, nil)
	cycle[0] = cycle
	if _, err := pickle.Marshal(cycle); err == nil {
		t.Errorf("Marshal of a cycle succeeded")
	}
}

func TestExceptionError(t *testing.T) {
	tests := []struct {
		e    *pickle.Exception
		want string
	}{
		{pickle.NewException("builtins", "KeyError", "x"), "KeyError: 'x'"},
		{pickle.NewException("builtins", "ValueError", "bad value"), "ValueError: bad value"},
		{pickle.NewException("builtins", "ValueError", "bad", 2), "ValueError: ('bad', 2)"},
		{pickle.NewException("queue", "Empty"), "queue.Empty"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	if !errors.Is(pickle.NewException("queue", "Empty"), pickle.NewException("queue", "Empty")) {
		t.Errorf("errors.Is does not match two queue.Empty")
	}
}

// reprOnly is a Go value that knows its own repr, as a proxy does.
type reprOnly struct{}

func (reprOnly) Repr() string { return "<reprOnly>" }

// Repr formats Go values a pickle never holds as Python would show the
// nearest Python value; a value with a Repr method shows as it says.
func TestReprOfGoValues(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{float32(0.1), "0.1"}, // the float32's shortest digits, not the float64's
		{[]float32{2.5}, "[2.5]"},
		{int8(-3), "-3"},
		{map[string]int{"b": 2, "a": 1}, "{'a': 1, 'b': 2}"},
		{reprOnly{}, "<reprOnly>"},
		{[]any{reprOnly{}, "x"}, "[<reprOnly>, 'x']"},
		{map[string]any{"k": reprOnly{}}, "{'k': <reprOnly>}"},
	}
	for _, tt := range tests {
		if got := pickle.Repr(tt.v); got != tt.want {
			t.Errorf("Repr(%#v) = %s, want %s", tt.v, got, tt.want)
		}
	}
}

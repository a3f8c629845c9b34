// objects_test.go checks the objects SyncManager's _getvalue() returns
// beyond the builtins, array.array and multiprocessing.managers.Value, and
// the queue.ShutDown exception, against every CPython found: what Marshal
// writes each reads back to the value whose repr is Repr's.

package pickle_test

import (
	"bytes"
	"encoding/hex"
	"math"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gomanager/basemanager/internal/testkit"
	"gomanager/basemanager/pickle"
)

func TestMarshalArrayAndValueAreReadByCPython(t *testing.T) {
	testkit.ForEachPython(t, func(t *testing.T, py testkit.Python) {
		values := []any{
			pickle.Array{Typecode: "i", Items: []any{1, -2, int32(3)}},
			pickle.Array{Typecode: "d"},
			pickle.Array{Typecode: "f", Items: []any{float32(0.1), 2.0, math.Inf(-1)}},
			pickle.Array{Typecode: "Q", Items: []any{uint64(math.MaxUint64)}},
			pickle.Array{Typecode: "u", Items: []any{"h", "é"}},
			pickle.Value{Typecode: "i", Value: 7},
			pickle.Value{Typecode: "d", Value: 1.5},
			pickle.Value{Value: []any{"no typecode", pickle.Tuple{1}}},
			[]any{pickle.Value{Typecode: "c", Value: pickle.Array{Typecode: "b", Items: []any{-1}}}},
		}
		if py.Minor >= 13 {
			values = append(values, pickle.Array{Typecode: "w", Items: []any{"😀"}}, pickle.NewException("queue", "ShutDown"))
		}
		lines := loadWith(t, py, values)
		for i, v := range values {
			if want := pickle.Repr(v); lines[i] != want {
				t.Errorf("value %d: %s read %s, want %s", i, py, lines[i], want)
			}
		}
	})
}

// loadWith marshals values and has py's pickle_check.py load them,
// returning the repr of each.
func loadWith(t *testing.T, py testkit.Python, values []any) []string {
	t.Helper()
	var in strings.Builder
	for _, v := range values {
		data, err := pickle.Marshal(v)
		if err != nil {
			t.Fatalf("Marshal(%s): %v", pickle.Repr(v), err)
		}
		in.WriteString(hex.EncodeToString(data) + "\n")
	}
	cmd := exec.Command(py.Path, "-W", "ignore::DeprecationWarning", filepath.Join("..", "..", "testdata", "python", "pickle_check.py"), "load")
	cmd.Stdin = strings.NewReader(in.String())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pickle_check.py load: %v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(values) {
		t.Fatalf("python printed %d lines for %d values:\n%s", len(lines), len(values), out)
	}
	return lines
}

// types_test.go checks the adapters' Python semantics that CPython
// can answer directly: slicing and the snake_case names.

package python

import (
	"math"
	"os/exec"
	"strings"
	"testing"

	"gomanager/basemanager/pickle"
)

// pySlice slices as Python does, for every combination of bounds and
// steps around a 5-item list (CPython computes the expected results).
func TestPySliceMatchesPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 is required for the Python interoperability tests: %v", err)
	}
	bounds := []any{nil, 0, 1, 2, 4, 5, 6, 100, -1, -2, -5, -6, -100, math.MaxInt, math.MinInt}
	steps := []any{nil, 1, 2, 3, -1, -2, -3, 6, -6, math.MaxInt, math.MinInt}
	var cases []pickle.Slice
	for _, start := range bounds {
		for _, stop := range bounds {
			for _, step := range steps {
				cases = append(cases, pickle.Slice{Start: start, Stop: stop, Step: step})
			}
		}
	}
	var script strings.Builder
	script.WriteString("l = [0, 1, 2, 3, 4]\n")
	for _, c := range cases {
		script.WriteString("print(l[" + pickle.Repr(c) + "])\n")
	}
	out, err := exec.Command(python, "-c", script.String()).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	items := []any{0, 1, 2, 3, 4}
	for i, c := range cases {
		got, err := pySlice(items, c)
		if err != nil {
			t.Fatalf("l[%s]: %v", pickle.Repr(c), err)
		}
		if pickle.Repr(got) != want[i] {
			t.Errorf("l[%s] = %s, Python says %s", pickle.Repr(c), pickle.Repr(got), want[i])
		}
	}
}

func TestSnakeCase(t *testing.T) {
	for goName, want := range map[string]string{
		"Capitalize": "capitalize", "IsSet": "is_set", "TaskDone": "task_done", "GetNowait": "get_nowait",
		"NWaiting": "n_waiting", "ServeHTTP": "serve_http", "HTTPServer": "http_server", "Get2": "get2",
	} {
		if got := snakeCase(goName); got != want {
			t.Errorf("snakeCase(%q) = %q, want %q", goName, got, want)
		}
	}
}

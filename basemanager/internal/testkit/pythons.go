package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Python is one CPython interpreter found on this machine.
type Python struct {
	Path  string // the interpreter to run
	Minor int    // 3.Minor
}

// Name is "py3.12": a subtest's name.
func (p Python) Name() string { return fmt.Sprintf("py3.%d", p.Minor) }

// String is "CPython 3.12".
func (p Python) String() string { return fmt.Sprintf("CPython 3.%d", p.Minor) }

// Wanted are the CPython versions the interoperability tests run with,
// where present: 3.8 (the oldest whose managers we speak) to 3.13.
var Wanted = []int{8, 9, 10, 11, 12, 13}

var (
	pythonsOnce  sync.Once
	pythonsFound []Python
	pythonsErr   error
)

// Pythons returns one interpreter of each wanted CPython version found on
// this machine, oldest first: python3 and python3.N on PATH, and every
// version pyenv has (found at run time: no path of a machine is written
// here). It logs which wanted versions it could not find. It fails the
// test if none is found, and under CI also if none is 3.12 or newer:
// CI must exercise the {sha256} handshake with a real CPython.
func Pythons(t testing.TB) []Python {
	t.Helper()
	pythonsOnce.Do(func() { pythonsFound, pythonsErr = findPythons() })
	if pythonsErr != nil {
		t.Fatalf("the Python interoperability tests need CPython: %v", pythonsErr)
	}
	var missing []string
	for _, minor := range Wanted {
		if !slices.ContainsFunc(pythonsFound, func(p Python) bool { return p.Minor == minor }) {
			missing = append(missing, fmt.Sprintf("3.%d", minor))
		}
	}
	if len(missing) > 0 {
		t.Logf("CPython versions not found on this machine (not tested): %s", strings.Join(missing, ", "))
	}
	if os.Getenv("CI") != "" && NewestPython(t).Minor < 12 {
		t.Fatalf("CI needs a CPython 3.12 or newer (the {sha256} handshake); found only %v", pythonsFound)
	}
	return pythonsFound
}

// NewestPython returns the newest CPython found.
func NewestPython(t testing.TB) Python {
	t.Helper()
	pythonsOnce.Do(func() { pythonsFound, pythonsErr = findPythons() })
	if pythonsErr != nil {
		t.Fatalf("the Python interoperability tests need CPython: %v", pythonsErr)
	}
	return pythonsFound[len(pythonsFound)-1]
}

// ForEachPython runs f as a subtest for every CPython Pythons finds.
func ForEachPython(t *testing.T, f func(t *testing.T, py Python)) {
	t.Helper()
	for _, py := range Pythons(t) {
		t.Run(py.Name(), func(t *testing.T) { f(t, py) })
	}
}

// findPythons looks for the candidates and asks each its version.
func findPythons() ([]Python, error) {
	var candidates []string
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p) // the machine's own first: it wins its version
	}
	for _, minor := range Wanted {
		if p, err := exec.LookPath(fmt.Sprintf("python3.%d", minor)); err == nil {
			candidates = append(candidates, p)
		}
	}
	if out, err := exec.Command("pyenv", "root").Output(); err == nil {
		dirs, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(out)), "versions", "*", "bin", "python3"))
		candidates = append(candidates, dirs...)
	}
	var found []Python
	for _, path := range candidates {
		out, err := exec.Command(path, "-c", "import sys; print(sys.implementation.name, sys.version_info[0], sys.version_info[1])").Output()
		if err != nil {
			continue
		}
		var impl string
		var major, minor int
		if _, err := fmt.Sscan(string(out), &impl, &major, &minor); err != nil || impl != "cpython" || major != 3 || !slices.Contains(Wanted, minor) {
			continue
		}
		if !slices.ContainsFunc(found, func(p Python) bool { return p.Minor == minor }) {
			found = append(found, Python{Path: path, Minor: minor})
		}
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("no CPython 3.8 to 3.13 found (looked for python3, python3.N and pyenv's versions)")
	}
	slices.SortFunc(found, func(a, b Python) int { return a.Minor - b.Minor })
	return found, nil
}

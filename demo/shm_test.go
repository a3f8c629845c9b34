package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestSharedMemoryDemo runs the shared memory scenario: the parent with
// its Go SharedMemoryManager, two Go worker processes and the CPython
// process count into one ShareableList; the total is exact, and the block
// is gone from /dev/shm afterwards.
func TestSharedMemoryDemo(t *testing.T) {
	out := runScenario(t, "shm", "demo-shm-key", "-role", "SharedMemory", "-python", python3(t),
		"-script", filepath.Join("..", "testdata", "python", "shm_counter.py"))
	for _, want := range []string{
		"item 0 = 20000 (expected 20000), item 1 = 3000 (expected 3000): total = 23000",
		"locked increments of item 1\n", // CPython's line
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("shm demo output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(string(out), "atomic Adds on item 0"); n != 2 {
		t.Errorf("want 2 Go worker lines, got %d:\n%s", n, out)
	}
	name := regexp.MustCompile(`name='(psm_[0-9a-f]+)'`).FindStringSubmatch(string(out))
	if name == nil {
		t.Fatalf("the output names no block:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join("/dev/shm", name[1])); !os.IsNotExist(err) {
		t.Errorf("/dev/shm/%s after the demo: %v, want it unlinked", name[1], err)
		os.Remove(filepath.Join("/dev/shm", name[1]))
	}
}

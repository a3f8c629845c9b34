// usage_test.go builds the demo as a user does (go build ./demo) and runs
// it without a role, or with a wrong one: it must explain how to run it.

package main

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildDemo builds this package into a temporary directory and returns the
// executable's path.
func buildDemo(t *testing.T) string {
	t.Helper()
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the demo with:", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "demo")
	if out, err := exec.CommandContext(ctx, gocmd, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runDemo runs bin with args, bounded by waitLimit, and returns its stderr
// and exit status.
func runDemo(t *testing.T, bin string, args ...string) (stderr string, status int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(cmd.Environ(), "GOMANAGER_AUTHKEY=demo-usage-key")
	var outb, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outb, &errb
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if outb.Len() > 0 {
		t.Errorf("demo %q wrote to stdout:\n%s", args, outb.String())
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return errb.String(), 0
	case errors.As(err, &exit) && exit.Exited():
		return errb.String(), exit.ExitCode()
	default: // killed when ctx expired, or did not start
		t.Fatalf("demo %q: %v\nstderr:\n%s", args, err, errb.String())
		return "", -1
	}
}

// checkUsage checks that stderr is the usage text: it says usage, names
// run_demo.sh and every flag, and has one line for each role.
func checkUsage(t *testing.T, stderr string) {
	t.Helper()
	if !strings.Contains(strings.ToLower(stderr), "usage") {
		t.Errorf("stderr does not say usage:\n%s", stderr)
	}
	for _, want := range []string{"./run_demo.sh", "-role", "-address", "-ready", "GOMANAGER_AUTHKEY"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	for _, role := range []string{"ProcessA", "ProcessB", "ProcessBPython", "Sync", "SyncWorker"} {
		lines := 0
		for line := range strings.Lines(stderr) {
			if f := strings.Fields(line); len(f) > 1 && f[0] == role {
				lines++
			}
		}
		if lines != 1 {
			t.Errorf("%d lines describe role %s, want 1:\n%s", lines, role, stderr)
		}
	}
}

func TestUsage(t *testing.T) {
	bin := buildDemo(t)

	t.Run("no role", func(t *testing.T) {
		stderr, status := runDemo(t, bin)
		if status != 2 {
			t.Errorf("exit status %d, want 2", status)
		}
		checkUsage(t, stderr)
	})

	// A wrong role, or the role given without -role: the error comes
	// first, naming what was given, then the usage.
	for _, args := range [][]string{{"-role", "ProcessC"}, {"ProcessA"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			stderr, status := runDemo(t, bin, args...)
			if status != 2 {
				t.Errorf("exit status %d, want 2", status)
			}
			first, _, _ := strings.Cut(stderr, "\n")
			if given := args[len(args)-1]; !strings.Contains(first, `"`+given+`"`) || strings.Contains(strings.ToLower(first), "usage") {
				t.Errorf("first line %q should be the error naming %q, before the usage", first, given)
			}
			checkUsage(t, stderr)
		})
	}
}

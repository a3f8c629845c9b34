// python_test.go runs the lesson across languages, as separate OS
// processes: the lesson's own Python ProcessB (testdata/python/lesson.py,
// unmodified) against the Go ProcessA, and the lesson's Python ProcessA
// against the Go ProcessB. Each ProcessB must print the lesson's lines,
// testdata/python/lesson.golden, which TestPythonLessonGolden checks is
// what the lesson's Python ProcessB prints against its Python ProcessA.

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// pythonGolden is what the lesson's ProcessB prints, the proxy's address in
// memory masked.
var pythonGolden = filepath.Join("..", "testdata", "python", "lesson.golden")

// python3 returns the path of python3. These tests need it: without it they
// fail rather than skip, so CI cannot pass them vacuously.
func python3(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 is required for the Python interoperability tests: %v", err)
	}
	return path
}

// lesson returns a command running a role of testdata/python/lesson.py
// with the test's authkey, killed if it outlives ctx.
func lesson(t *testing.T, ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, python3(t), append([]string{filepath.Join("..", "testdata", "python", "lesson.py")}, args...)...)
	cmd.Env = append(os.Environ(), "GOMANAGER_AUTHKEY=demo-test-key")
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = time.Second
	return cmd
}

// serving starts a ProcessA and returns its address once its first line
// says it listens ("ProcessA: serving get_my_string at 127.0.0.1:PORT").
// ProcessA is killed when the test ends: ProcessB's output is all we check.
func serving(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("ProcessA exited before listening: %v", err)
	}
	if !strings.HasPrefix(line, "ProcessA: serving get_my_string at ") {
		t.Fatalf("ProcessA's first line: %q", line)
	}
	return strings.TrimSpace(line[strings.LastIndex(line, " ")+1:])
}

// processB starts the lesson's Python ProcessB before its ProcessA, so
// that the interpreter's start (slow on a loaded machine) does not eat into
// the 3 seconds the lesson's ProcessA serves; run gives it the port and
// returns what it printed.
type processB struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   bytes.Buffer
}

func startProcessB(t *testing.T, ctx context.Context) *processB {
	t.Helper()
	b := &processB{cmd: lesson(t, ctx, "ProcessB", "-")}
	b.cmd.Stdout = &b.out
	b.cmd.Stderr = nil
	var err error
	if b.stdin, err = b.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stderr, err := b.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	copied := make(chan struct{})
	t.Cleanup(func() { b.cmd.Process.Kill(); b.cmd.Wait(); <-copied })
	// Its first line on stderr says the interpreter has imported everything
	// and waits for the port: only then does ProcessA's clock start.
	r := bufio.NewReader(stderr)
	waiting := make(chan error, 1)
	go func() {
		defer close(copied)
		line, err := r.ReadString('\n')
		if err == nil && !strings.HasPrefix(line, "ProcessB: waiting") {
			err = fmt.Errorf("its first line on stderr: %q", line)
		}
		waiting <- err
		io.Copy(os.Stderr, r) // the rest, a traceback if it fails; ends when it exits
	}()
	select {
	case err := <-waiting:
		if err != nil {
			t.Fatalf("Python ProcessB did not start: %v", err)
		}
	case <-ctx.Done():
		t.Fatalf("Python ProcessB did not start: %v", ctx.Err())
	}
	return b
}

func (b *processB) run(t *testing.T, address string) string {
	t.Helper()
	io.WriteString(b.stdin, address[strings.LastIndex(address, ":")+1:]+"\n")
	b.stdin.Close()
	if err := b.cmd.Wait(); err != nil {
		t.Fatalf("Python ProcessB: %v\n%s", err, b.out.String())
	}
	return b.out.String()
}

var memoryAddressRE = regexp.MustCompile(`at 0x[0-9a-f]+>`)

// maskAddress masks the proxy's address in memory in its repr.
func maskAddress(s string) string { return memoryAddressRE.ReplaceAllString(s, "at 0xADDR>") }

func readPythonGolden(t *testing.T) string {
	t.Helper()
	want, err := os.ReadFile(pythonGolden)
	if err != nil {
		t.Fatalf("%v (run go test ./demo -update -run TestPythonLessonGolden to create it)", err)
	}
	return string(want)
}

// The golden file is Python's own: the lesson's ProcessB against the
// lesson's ProcessA, both CPython.
func TestPythonLessonGolden(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	b := startProcessB(t, ctx)
	got := maskAddress(b.run(t, serving(t, lesson(t, ctx, "ProcessA"))))
	if *update {
		if err := os.WriteFile(pythonGolden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want := readPythonGolden(t); got != want {
		t.Errorf("the lesson in Python prints:\n%s\ntestdata/python/lesson.golden says:\n%s", got, want)
	}
}

// The lesson's ProcessB, unmodified Python, against the Go ProcessA prints
// the lesson's lines, word for word.
func TestPythonProcessBAgainstGoProcessA(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	b := startProcessB(t, ctx)
	out := b.run(t, serving(t, child(ctx, "ProcessA")))
	if got, want := maskAddress(out), readPythonGolden(t); got != want {
		t.Errorf("Python ProcessB against the Go ProcessA prints:\n%s\nthe lesson's lines are:\n%s", got, want)
	}
}

// The Go ProcessB against the lesson's ProcessA, unmodified Python, prints
// the lesson's lines; only the proxy's class differs in the repr line
// (PyProxy, the Go client's, for Python's AutoProxy).
func TestGoProcessBAgainstPythonProcessA(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	address := serving(t, lesson(t, ctx, "ProcessA"))
	cmd := exec.CommandContext(ctx, os.Args[0], "-role", "ProcessBPython", "-address", address)
	cmd.Env = append(os.Environ(), "GOMANAGER_AUTHKEY=demo-test-key")
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = time.Second
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("Go ProcessB: %v (context: %v)", err, ctx.Err())
	}
	want := strings.Replace(readPythonGolden(t), "<AutoProxy[", "<PyProxy[", 1)
	if got := maskAddress(string(out)); got != want {
		t.Errorf("Go ProcessB against the Python ProcessA prints:\n%s\nwant:\n%s", got, want)
	}
}

package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/demo.golden from this run")

// TestMain lets the test binary play the demo's roles: a child started with
// GOMANAGER_DEMO_ROLE runs that role's code and exits, so the test runs the
// lesson as real, separate OS processes.
func TestMain(m *testing.M) {
	if role := os.Getenv("GOMANAGER_DEMO_ROLE"); role != "" {
		var err error
		switch role {
		case "ProcessA":
			err = ProcessA(os.Stdout, "127.0.0.1:0", os.Getenv("GOMANAGER_AUTHKEY"), "")
		case "ProcessB":
			err = ProcessB(os.Stdout, os.Getenv("GOMANAGER_DEMO_ADDRESS"), os.Getenv("GOMANAGER_AUTHKEY"))
		default:
			err = fmt.Errorf("unknown role %q", role)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, role+":", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child returns a command running role in a new process of this test binary.
func child(t *testing.T, role string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, "GOMANAGER_DEMO_ROLE="+role, "GOMANAGER_AUTHKEY=demo-test-key")...)
	cmd.Stderr = os.Stderr
	return cmd
}

// TestDemoGolden runs ProcessA and ProcessB as two processes and compares
// what they print with testdata/demo.golden, the port masked.
func TestDemoGolden(t *testing.T) {
	a := child(t, "ProcessA")
	aOut, err := a.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Process.Kill(); a.Wait() })

	// ProcessA's first line says where it listens: it is ready.
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(aOut)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var transcript []string
	select {
	case first, ok := <-lines:
		if !ok {
			t.Fatal("ProcessA exited before listening")
		}
		transcript = append(transcript, first)
	case <-time.After(30 * time.Second):
		t.Fatal("ProcessA did not start listening within 30 s")
	}
	address := transcript[0][strings.LastIndex(transcript[0], " ")+1:]

	b := child(t, "ProcessB", "GOMANAGER_DEMO_ADDRESS="+address)
	bOut, err := b.Output()
	if err != nil {
		t.Fatalf("ProcessB: %v", err)
	}
	transcript = append(transcript, strings.Split(strings.TrimSuffix(string(bOut), "\n"), "\n")...)

	// ProcessA stops itself after 3 s and says what its string became.
	for line := range lines {
		transcript = append(transcript, line)
	}
	done := make(chan error, 1)
	go func() { done <- a.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ProcessA: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("ProcessA did not stop within 30 s")
	}

	got := mask(strings.Join(transcript, "\n") + "\n")
	golden := filepath.Join("..", "testdata", "demo.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./demo -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("demo output differs from %s:\n--- got\n%s--- want\n%s", golden, got, want)
	}
}

var portRE = regexp.MustCompile(`127\.0\.0\.1:\d+`)

// mask replaces the parts that change from run to run.
func mask(s string) string { return portRE.ReplaceAllString(s, "127.0.0.1:PORT") }

// TestMask keeps the golden comparison honest: only ports are masked.
func TestMask(t *testing.T) {
	in := "<Proxy[get_my_string] object, typeid 'get_my_string' id 1 at 127.0.0.1:43127>"
	want := "<Proxy[get_my_string] object, typeid 'get_my_string' id 1 at 127.0.0.1:PORT>"
	if got := mask(in); got != want {
		t.Fatalf("mask(%q) = %q, want %q", in, got, want)
	}
	if !bytes.Equal([]byte(mask("hello World")), []byte("hello World")) {
		t.Fatal("mask changed text without a port")
	}
}

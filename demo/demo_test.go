// demo_test.go runs the lesson's complete program, ProcessA and ProcessB, as
// two OS processes and checks what they print against testdata/demo.golden.

package main

import (
	"bufio"
	"bytes"
	"context"
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

// waitLimit bounds every wait on a child process. ProcessA serves for 3 s,
// so a healthy run needs far less.
const waitLimit = 30 * time.Second

// TestMain lets the test binary play the demo's roles: a child started with
// GOMANAGER_DEMO_ROLE runs that role's code and exits, so the test runs the
// lesson as real, separate OS processes.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "-role" {
		main() // the Sync scenario starts its workers as "demo -role SyncWorker ..."
		return
	}
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

// child returns a command running role in a new process of this test
// binary, killed if it outlives ctx.
func child(ctx context.Context, role string, env ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, "GOMANAGER_DEMO_ROLE="+role, "GOMANAGER_AUTHKEY=demo-test-key")...)
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = time.Second // a killed child's pipes are closed, not waited on forever
	return cmd
}

// TestDemoGolden runs ProcessA and ProcessB as two processes and compares
// what they print with testdata/demo.golden, the port and proxy id masked.
func TestDemoGolden(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()

	a := child(ctx, "ProcessA")
	aOut, err := a.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	// ProcessA's lines arrive on a channel, closed when ProcessA closes
	// its stdout (it exits, or is killed when ctx is done).
	lines := make(chan string, 64)
	var aErr error
	aExited := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(aOut)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		aErr = a.Wait() // only after the last read, as StdoutPipe requires
		close(aExited)
	}()
	t.Cleanup(func() {
		a.Process.Kill() // a no-op once ProcessA has exited
		<-aExited
	})

	// ProcessA's first line says where it listens: it is ready.
	first, ok := <-lines
	if !ok {
		<-aExited
		t.Fatalf("ProcessA exited before listening: %v", aErr)
	}
	transcript := []string{first}
	address := first[strings.LastIndex(first, " ")+1:]

	b := child(ctx, "ProcessB", "GOMANAGER_DEMO_ADDRESS="+address)
	bOut, err := b.Output()
	if err != nil {
		t.Fatalf("ProcessB: %v (context: %v)", err, ctx.Err())
	}
	transcript = append(transcript, strings.Split(strings.TrimSuffix(string(bOut), "\n"), "\n")...)

	// ProcessA stops itself after 3 s and says what its string became.
	for line := range lines {
		transcript = append(transcript, line)
	}
	<-aExited
	if aErr != nil {
		t.Fatalf("ProcessA: %v (context: %v)", aErr, ctx.Err())
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
		t.Errorf("demo output differs from %s (if the change is intended, run go test ./demo -update and read the diff):\n--- got\n%s--- want\n%s", golden, got, want)
	}
}

var (
	portRE = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	idRE   = regexp.MustCompile(`(typeid '[^']*' id )\d+`)
)

// mask replaces the parts that change from run to run: the port the OS
// picked and the id the server gave the referent.
func mask(s string) string {
	s = portRE.ReplaceAllString(s, "127.0.0.1:PORT")
	return idRE.ReplaceAllString(s, "${1}ID")
}

// TestMask keeps the golden comparison honest: only ports and ids are
// masked.
func TestMask(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{
			name: "repr",
			in:   "<Proxy[get_my_string] object, typeid 'get_my_string' id 17 at 127.0.0.1:43127>",
			want: "<Proxy[get_my_string] object, typeid 'get_my_string' id ID at 127.0.0.1:PORT>",
		},
		{name: "plain text", in: "hello World id 3", want: "hello World id 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mask(tt.in); got != tt.want {
				t.Errorf("mask(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestGoldenHasTheLessonsLines checks the golden file itself: ProcessB's
// first five lines are exactly the lesson's, so -update cannot quietly
// bless a transcript that drifted from it.
func TestGoldenHasTheLessonsLines(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "demo.golden"))
	if err != nil {
		t.Fatal(err)
	}
	lesson := []byte(`In ProcessB repr(proxy_my_string) = <Proxy[get_my_string] object, typeid 'get_my_string' id ID at 127.0.0.1:PORT>
In ProcessB str(proxy_my_string) = hello World
hello World
Hello world
Hello world
`)
	if !bytes.Contains(data, lesson) {
		t.Errorf("testdata/demo.golden lacks the lesson's five lines:\n%s", lesson)
	}
}

// TestSyncDemo runs the SyncManager scenario: the parent process and its
// three worker processes, which must agree on the exact total.
func TestSyncDemo(t *testing.T) {
	out := runScenario(t, "sync", "demo-sync-key", "-role", "Sync")
	if want := "total = 5050 (expected 5050)"; !strings.Contains(string(out), want) {
		t.Fatalf("sync demo output lacks %q:\n%s", want, out)
	}
	if n := strings.Count(string(out), "added"); n != 3 {
		t.Errorf("want 3 worker lines, got %d:\n%s", n, out)
	}
}

// runScenario runs this test binary as the demo with args (a scenario's
// parent, which starts its own workers) and authkey, and returns what it
// printed; it fails the test if the scenario fails or outlives 60 s.
func runScenario(t *testing.T, name, authkey string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "GOMANAGER_AUTHKEY="+authkey)
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = time.Second
	done := make(chan error, 1)
	var out []byte
	go func() {
		var err error
		out, err = cmd.Output()
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s demo: %v\n%s", name, err, out)
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s demo did not finish within 60 s", name)
	}
	return out
}

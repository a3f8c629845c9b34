// hosts_test.go runs ./run_demo.sh hosts: the lesson across two "machines",
// network namespaces joined by a veth pair, then ProcessA's refusal to
// serve a non-loopback address without an authkey.

package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gomanager/basemanager"
)

// hostsLimit bounds the whole scenario: the script builds the demo, then
// ProcessA serves for 3 s.
const hostsLimit = 2 * time.Minute

// The headers run_demo.sh hosts prints before each part.
const (
	hostsLessonHeader  = "== machine A (192.0.2.1) serves, machine B (192.0.2.2) connects"
	hostsRefusalHeader = "== without an authkey, machine A refuses to serve 192.0.2.1"
)

// hostARE is machine A's address with the port the OS picked there.
var hostARE = regexp.MustCompile(`192\.0\.2\.1:\d+`)

// needHosts skips the test unless it can create network namespaces (root,
// and ip from iproute2); in CI, which runs as root, it fails instead, so
// the scenario cannot pass there by being skipped.
func needHosts(t *testing.T) {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		missing = append(missing, "the ip command (iproute2)")
	}
	if len(missing) == 0 {
		return
	}
	msg := "./run_demo.sh hosts needs " + strings.Join(missing, " and ") + " to create network namespaces"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI must run it: not skipped)")
	}
	t.Skip(msg + ": skipped outside CI")
}

// TestHostsDemo runs ./run_demo.sh hosts and checks that machine B prints
// the lesson's transcript, testdata/demo.golden, with machine A's address
// for 127.0.0.1's, that machine A refuses to serve without an authkey, and
// that the run's namespaces are gone afterwards.
func TestHostsDemo(t *testing.T) {
	needHosts(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), hostsLimit)
	defer cancel()

	cmd := exec.CommandContext(ctx, filepath.Join("..", "run_demo.sh"), "hosts")
	// On timeout, TERM: the script's trap deletes its namespaces (KILL
	// would leave them behind); KILL only if it is still there 5 s later.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("./run_demo.sh hosts: %v (context: %v)\nstdout:\n%s", err, ctx.Err(), out)
	}
	leftNamespaces(t, cmd.Process.Pid)

	lesson, refusal, ok := strings.Cut(string(out), hostsRefusalHeader+"\n")
	if !ok {
		t.Fatalf("output lacks %q:\n%s", hostsRefusalHeader, out)
	}
	lesson, ok = strings.CutPrefix(lesson, hostsLessonHeader+"\n")
	if !ok {
		t.Fatalf("output does not start with %q:\n%s", hostsLessonHeader, out)
	}

	// Across machines the transcript is the one-machine lesson's, with
	// 192.0.2.1:PORT where it says 127.0.0.1:PORT.
	if !hostARE.MatchString(lesson) {
		t.Errorf("the lesson's part does not mention machine A's address 192.0.2.1:\n%s", lesson)
	}
	got := mask(hostARE.ReplaceAllString(lesson, "127.0.0.1:PORT"))
	want, err := os.ReadFile(filepath.Join("..", "testdata", "demo.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("the lesson across two machines differs from testdata/demo.golden (addresses masked):\n--- got\n%s--- want\n%s", got, want)
	}

	// Without an authkey, ProcessA's one line is the insecure-address error.
	for _, want := range []string{
		"ProcessA: basemanager: listen on 192.0.2.1:0: refusing to serve a non-loopback address without an authkey",
		basemanager.ErrInsecureAddress.Error(),
	} {
		if !strings.Contains(refusal, want) {
			t.Errorf("the refusal part lacks %q:\n%s", want, refusal)
		}
	}
	if n := strings.Count(refusal, "\n"); n != 1 {
		t.Errorf("the refusal part has %d lines, want 1 (ProcessA's error):\n%s", n, refusal)
	}
}

// leftNamespaces fails the test if the script run as process pid left any
// of its network namespaces (named gmA-PID-N and gmB-PID-N) behind.
func leftNamespaces(t *testing.T, pid int) {
	t.Helper()
	list, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("ip netns list: %v\n%s", err, exit.Stderr)
		}
		t.Fatalf("ip netns list: %v", err)
	}
	p := strconv.Itoa(pid)
	for line := range strings.Lines(string(list)) {
		if name, _, _ := strings.Cut(strings.TrimSpace(line), " "); strings.HasPrefix(name, "gmA-"+p+"-") || strings.HasPrefix(name, "gmB-"+p+"-") {
			t.Errorf("./run_demo.sh hosts left the network namespace %s behind", name)
		}
	}
}

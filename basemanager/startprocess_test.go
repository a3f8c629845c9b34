// startprocess_test.go proves StartProcess (issue 12, row 1): the server
// runs in a new OS process (this test binary run again, which re-runs the
// test up to its StartProcess call and serves there), after the
// initializer; the parent gets a connected manager; Shutdown asks the
// child to stop, and terminates it when it does not; the child exits on
// its own when its parent dies; a failing initializer is reported.

package basemanager_test

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/basemanager/process"
	"gomanager/proxy"
)

// serverInfo tells the parent which process serves it, and counts.
type serverInfo struct {
	mu sync.Mutex
	n  int
}

func (s *serverInfo) Pid() int            { return os.Getpid() }
func (s *serverInfo) Initialized() string { return initializedIn }
func (s *serverInfo) Add(d int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n += d
	return s.n
}

// initializedIn is set by the initializer, in the server process only.
var initializedIn string

// newInfoManager is what each test (and so each server process) runs
// before StartProcess: a manager with serverInfo registered.
func newInfoManager(t *testing.T) *basemanager.Manager {
	m := basemanager.New("127.0.0.1:0", basemanager.WithAuthKey("start process key"), basemanager.WithLogger(nil))
	info := &serverInfo{}
	if err := m.Register("info", func() *serverInfo { return info }); err != nil {
		t.Fatal(err)
	}
	return m
}

// only re-runs the named test in the server process.
func only(name string) process.Option { return process.WithArgs("-test.run=^" + name + "$") }

func serverPid(t *testing.T, m *basemanager.Manager) (*proxy.Proxy, int) {
	t.Helper()
	p, err := m.Get("info")
	if err != nil {
		t.Fatal(err)
	}
	pid, err := proxy.Call[int](p, "Pid")
	if err != nil {
		t.Fatal(err)
	}
	return p, pid
}

func TestStartProcess(t *testing.T) {
	m := newInfoManager(t)
	err := m.StartProcess(only("TestStartProcess"), process.WithInitializer(func() error {
		initializedIn = "initialized in " + strconv.Itoa(os.Getpid())
		return nil
	}))
	if err != nil {
		t.Fatalf("StartProcess: %v", err)
	}
	// From here on this is the parent: the server process never returns.
	defer m.Shutdown()
	p, pid := serverPid(t, m)
	if pid == os.Getpid() {
		t.Fatalf("the objects live in this process (%d), want a new one", pid)
	}
	if got, err := proxy.Call[string](p, "Initialized"); err != nil || got != "initialized in "+strconv.Itoa(pid) {
		t.Errorf("Initialized() = %q, %v; want the initializer to have run in the server process %d", got, err, pid)
	}
	if initializedIn != "" {
		t.Errorf("the initializer ran in the parent too: %q", initializedIn)
	}
	for want := 1; want <= 2; want++ {
		if n, err := proxy.Call[int](p, "Add", 1); err != nil || n != want {
			t.Errorf("Add(1) = %d, %v; want %d", n, err, want)
		}
	}
	if err := m.StartProcess(); !errors.Is(err, basemanager.ErrAlreadyStarted) {
		t.Errorf("a second StartProcess: %v, want ErrAlreadyStarted", err)
	}
	address := m.Address()
	if err := m.Shutdown(); err != nil {
		t.Errorf("Shutdown: %v, want nil: the server process stops when asked", err)
	}
	if err := m.Shutdown(); err != nil {
		t.Errorf("Shutdown again: %v", err)
	}
	if alive(pid) {
		t.Errorf("the server process %d still runs after Shutdown", pid)
	}
	if c, err := net.Dial("tcp", address); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after Shutdown", address)
	}
}

// A server process that does not stop when asked (here it is stopped with
// SIGSTOP, as a wedged process would be) is terminated, then killed,
// after the shutdown timeout; Shutdown says so.
func TestShutdownKillsAServerProcessThatDoesNotStop(t *testing.T) {
	m := newInfoManager(t)
	const timeout = 100 * time.Millisecond
	if err := m.StartProcess(only("TestShutdownKillsAServerProcessThatDoesNotStop"), process.WithShutdownTimeout(timeout)); err != nil {
		t.Fatalf("StartProcess: %v", err)
	}
	_, pid := serverPid(t, m)
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(waitLimit); procState(pid) != 'T'; { // the signal is delivered, not yet acted on
		if time.Now().After(deadline) {
			t.Fatalf("the server process %d did not stop on SIGSTOP (state %q)", pid, procState(pid))
		}
		<-time.After(time.Millisecond)
	}
	start := time.Now()
	err := m.Shutdown()
	if err == nil || !strings.Contains(err.Error(), "did not stop within") {
		t.Errorf("Shutdown of a wedged server process: %v, want an error saying it was killed", err)
	}
	if took := time.Since(start); took > waitLimit {
		t.Errorf("Shutdown took %v", took)
	}
	if alive(pid) {
		t.Errorf("the server process %d survived Shutdown", pid)
	}
}

// The initializer's error comes back from StartProcess, and no server
// process is left.
func TestStartProcessInitializerFails(t *testing.T) {
	m := newInfoManager(t)
	err := m.StartProcess(only("TestStartProcessInitializerFails"), process.WithInitializer(func() error {
		return errors.New("no database here")
	}))
	if !errors.Is(err, process.ErrNotServing) || !strings.Contains(err.Error(), "no database here") {
		t.Fatalf("StartProcess with a failing initializer: %v, want ErrNotServing with its text", err)
	}
	if err := m.Connect(); err == nil {
		t.Errorf("Connect after a failed StartProcess succeeded")
	}
}

// A program with two managers starts each in its own process; in the
// second server process, the first StartProcess connects to the first.
func TestStartProcessTwoManagers(t *testing.T) {
	m1 := newInfoManager(t)
	if err := m1.StartProcess(); err != nil { // a test binary's server process re-runs only this test
		t.Fatalf("StartProcess 1: %v", err)
	}
	defer m1.Shutdown()
	m2 := newInfoManager(t)
	if err := m2.StartProcess(); err != nil {
		t.Fatalf("StartProcess 2: %v", err)
	}
	defer m2.Shutdown()
	_, pid1 := serverPid(t, m1)
	_, pid2 := serverPid(t, m2)
	if pid1 == pid2 || pid1 == os.Getpid() || pid2 == os.Getpid() {
		t.Errorf("server processes %d and %d (this one %d): want two new ones", pid1, pid2, os.Getpid())
	}
}

// parentRoleEnv makes this test binary the parent that dies: it starts a
// server process, prints its address and pid, and waits to be killed.
const parentRoleEnv = "GOMANAGER_TEST_DYING_PARENT"

// No orphan server survives its parent: when the program that started a
// server process is killed with SIGKILL (no chance to clean up), the
// server process sees its pipe close and exits.
func TestServerProcessExitsWithItsParent(t *testing.T) {
	if os.Getenv(parentRoleEnv) != "" {
		dyingParent(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestServerProcessExitsWithItsParent$")
	cmd.Env = append(os.Environ(), parentRoleEnv+"=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 1)
	go func() { // ends when the parent's stdout closes: when it is killed
		line, _ := bufio.NewReader(out).ReadString('\n')
		lines <- line
		_, _ = bufio.NewReader(out).WriteTo(discard{})
	}()
	var address string
	var pid int
	if _, err := fmt.Sscan(receive(t, lines, "the parent's address line"), &address, &pid); err != nil {
		t.Fatalf("the parent's line: %v", err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	deadline := time.Now().Add(waitLimit)
	for alive(pid) || accepts(address) {
		if time.Now().After(deadline) {
			t.Fatalf("%v after its parent was killed the server process %d still runs (serving %s: %v)",
				waitLimit, pid, address, accepts(address))
		}
		<-time.After(10 * time.Millisecond) // polls a bounded condition: another process's exit has no event here
	}
}

// dyingParent is the parent TestServerProcessExitsWithItsParent kills.
func dyingParent(t *testing.T) {
	m := newInfoManager(t)
	if err := m.StartProcess(only("TestServerProcessExitsWithItsParent")); err != nil {
		t.Fatalf("StartProcess: %v", err)
	}
	_, pid := serverPid(t, m)
	fmt.Printf("%s %d\n", m.Address(), pid)
	select {} // until killed
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// alive reports whether process pid exists and is not a zombie.
func alive(pid int) bool {
	switch procState(pid) {
	case 0:
		return syscall.Kill(pid, 0) == nil
	case 'Z':
		return false
	}
	return true
}

// procState is process pid's state letter in /proc (R, S, T, Z, ...), or
// 0 if it cannot be read.
func procState(pid int) byte {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// pid (comm) STATE ...: the state follows the last ')'.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return 0
	}
	return s[i+2]
}

// accepts reports whether something accepts connections at address.
func accepts(address string) bool {
	c, err := net.DialTimeout("tcp", address, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// A subtest's StartProcess needs no options either: the server process
// re-runs the test that holds it, and serves at the same call.
func TestStartProcessInSubtest(t *testing.T) {
	t.Run("server", func(t *testing.T) {
		m := newInfoManager(t)
		if err := m.StartProcess(); err != nil {
			t.Fatalf("StartProcess: %v", err)
		}
		defer m.Shutdown()
		if _, pid := serverPid(t, m); pid == os.Getpid() {
			t.Errorf("served by this process, want a new one")
		}
		if err := m.Shutdown(); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
}

// Package process runs a manager's server in a child OS process of the same
// program, as Python's BaseManager.start() does: Manager.StartProcess
// calls it, and the options of StartProcess are here.
//
// Go cannot fork a running program, so the child is spawned the way
// Python's "spawn" start method does it: the program's executable runs
// again, with the same arguments and environment, and re-runs main up to
// the StartProcess call. There, instead of starting another child, the
// StartProcess call serves: it runs the initializer, binds the manager's
// address, tells the parent the address it bound, and serves until the
// parent asks it to stop or dies. It never returns to the program.
//
// So a program must register its typeids before StartProcess, and should
// do nothing before it that must not happen twice (IsServer tells the
// child apart). The child knows the call it serves by its place in the
// source. A program with several managers may start each in its own
// process: in the child that serves the second, the first StartProcess
// connects to the first child, as it did in the parent.
//
// Two pipes join parent and child. The child reads one until it closes:
// the parent closes it to ask the child to stop (Shutdown), and the
// operating system closes it when the parent dies, however it dies, so no
// server outlives the program that started it. The child writes its
// address, or why it could not serve, on the other.
package process

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Option configures StartProcess.
type Option func(*config)

type config struct {
	initializer     func() error
	cleanups        []func()
	shutdownTimeout time.Duration
	startTimeout    time.Duration
	args            []string
	argsSet         bool
}

// Defaults for the options.
const (
	DefaultShutdownTimeout = time.Second      // Python 3.11's shutdown_timeout
	DefaultStartTimeout    = 30 * time.Second // a child that has not served by then is killed
)

// WithInitializer runs f in the server process before it serves: Python's
// start(initializer, initargs). If f fails, the child exits and
// StartProcess returns f's error text.
func WithInitializer(f func() error) Option {
	return func(c *config) { c.initializer = f }
}

// WithCleanup runs f in the server process once it has stopped serving,
// before it exits, however it was stopped (asked, or its parent gone): a
// SharedMemoryManager unlinks its tracked blocks so. Cleanups run in the
// order given.
func WithCleanup(f func()) Option {
	return func(c *config) { c.cleanups = append(c.cleanups, f) }
}

// WithShutdownTimeout is how long Shutdown waits for the server process to
// stop once asked, before terminating it, and again before killing it:
// Python 3.11's shutdown_timeout. The default (and the value for d <= 0)
// is DefaultShutdownTimeout, 1 s.
func WithShutdownTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.shutdownTimeout = d
		}
	}
}

// WithStartTimeout bounds how long StartProcess waits for the server
// process to report its address; a child that has not by then is killed.
// The default (and the value for d <= 0) is DefaultStartTimeout, 30 s.
func WithStartTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.startTimeout = d
		}
	}
}

// WithArgs runs the server process with args instead of this program's own
// arguments (os.Args[1:]), for a program whose arguments would make it do
// something else first. A test binary needs none: its server process
// re-runs only the test (or example) that called StartProcess, quietly.
//
//	m.StartProcess(process.WithArgs("-serve-only"))
func WithArgs(args ...string) Option {
	return func(c *config) { c.args, c.argsSet = args, true }
}

// The environment that tells a child which StartProcess call it serves,
// and the servers the parent runs; and the child's ends of
// the pipes (the first two of exec.Cmd.ExtraFiles).
const (
	envServe     = "GOMANAGER_SERVER_PROCESS"
	envAddresses = "GOMANAGER_SERVER_ADDRESSES"
	stopFD       = 3 // read by the child: closed when the parent asks it to stop, or dies
	readyFD      = 4 // written by the child: "ready ADDRESS" or "error TEXT"
)

// IsServer reports whether this program runs as a server process that
// StartProcess started: main may skip work the parent already did.
func IsServer() bool { return os.Getenv(envServe) != "" }

// Server is what the child serves: a manager's *basemanager.Server.
type Server interface {
	Address() string
	ServeForever() error
	Stop()
}

// Each StartProcess call is known by its call site: a child is told the
// site it serves, and the servers the parent runs, by site, in the order
// they were started. The child's first calls at a site connect to those,
// as the parent's did; the next call at its own site serves.
var (
	mu      sync.Mutex                // guards the fields below
	calls   = map[string]int{}        // StartProcess calls so far, by site
	serving = map[string][]*Process{} // the servers this program runs, by site
)

// Start is StartProcess's work. In the parent it starts the server
// process and returns it, with the address its server bound. In a child,
// at a call whose server the parent runs, it returns that server's
// address (and a nil Process: nothing of this program's to stop); at the
// call it serves, it runs the initializer, calls serve for the server,
// reports its address to the parent, and serves; it never returns.
func Start(serve func() (Server, error), opts ...Option) (*Process, string, error) {
	cfg := config{shutdownTimeout: DefaultShutdownTimeout, startTimeout: DefaultStartTimeout}
	for _, opt := range opts {
		opt(&cfg)
	}
	site := callSite()
	if target := os.Getenv(envServe); target != "" {
		return inChild(site, target, serve, &cfg)
	}
	p, err := spawn(site, &cfg)
	if err != nil {
		return nil, "", err
	}
	mu.Lock()
	serving[site] = append(serving[site], p)
	mu.Unlock()
	return p, p.address, nil
}

// callSite names the program's call of StartProcess: the first caller
// outside gomanager's own manager packages, which may wrap StartProcess.
func callSite() string {
	pc := make([]uintptr, 16)
	frames := runtime.CallersFrames(pc[:runtime.Callers(2, pc)])
	for {
		f, more := frames.Next()
		pkg := f.Function[:max(strings.LastIndex(f.Function, "/"), 0)]
		name := f.Function[len(pkg):]
		if i := strings.IndexByte(name, '.'); i >= 0 {
			pkg += name[:i]
		}
		switch pkg {
		case "gomanager/basemanager", "gomanager/basemanager/process", "gomanager/basemanager/sharedmemory":
		default:
			return f.File + ":" + strconv.Itoa(f.Line)
		}
		if !more {
			return "?"
		}
	}
}

// inChild is Start in a server process that serves the call at target.
func inChild(site, target string, serve func() (Server, error), cfg *config) (*Process, string, error) {
	var live map[string][]string
	if err := json.Unmarshal([]byte(os.Getenv(envAddresses)), &live); err != nil {
		return nil, "", fmt.Errorf("basemanager: StartProcess: %s=%q in the environment: %w "+
			"(it is for the server processes StartProcess starts)", envAddresses, os.Getenv(envAddresses), err)
	}
	mu.Lock()
	calls[site]++
	n := calls[site]
	mu.Unlock()
	switch {
	case n <= len(live[site]):
		return nil, live[site][n-1], nil // the parent runs this one: connect to it
	case site != target:
		return nil, "", fmt.Errorf("basemanager: StartProcess at %s: this server process was started to serve the call "+
			"at %s, and the parent runs no server for this one: %w", site, target, ErrNotServing)
	}
	serveHere(serve, cfg) // exits
	panic("unreachable")
}

// serveHere runs the initializer, serves, and exits the program: with 0
// once the server stopped because the parent asked or died, 1 if it could
// not serve (the parent is told why).
func serveHere(serve func() (Server, error), cfg *config) {
	stop, ready := os.NewFile(stopFD, "stop"), os.NewFile(readyFD, "ready")
	if _, err := ready.Stat(); err != nil {
		fmt.Fprintf(os.Stderr, "basemanager: StartProcess: this server process has no pipes to its parent "+
			"(%s is set in the environment of a process StartProcess did not start)\n", envServe)
		os.Exit(1)
	}
	fail := func(err error) {
		fmt.Fprintf(ready, "error %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		os.Exit(1)
	}
	if cfg.initializer != nil {
		if err := cfg.initializer(); err != nil {
			fail(fmt.Errorf("the initializer failed: %w", err))
		}
	}
	srv, err := serve()
	if err != nil {
		fail(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeForever() }()
	go func() {
		io.Copy(io.Discard, stop) // returns when the parent closes its end, or dies
		srv.Stop()
	}()
	fmt.Fprintf(ready, "ready %s\n", srv.Address())
	ready.Close()
	err = <-served
	for _, f := range cfg.cleanups {
		f()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "basemanager: server process %d: %v\n", os.Getpid(), err)
		os.Exit(1)
	}
	os.Exit(0)
}

// Process is a server process StartProcess started.
type Process struct {
	cmd     *exec.Cmd
	site    string        // of the StartProcess call it serves
	address string        // its server's
	stop    *os.File      // the parent's end of the stop pipe: closing it asks the child to stop
	exited  chan struct{} // closed once the child has exited and been waited for
	err     error         // how it exited, set before exited is closed
	timeout time.Duration // WithShutdownTimeout
	once    sync.Once
}

// spawn starts the child for the StartProcess call at site and waits for
// its address.
func spawn(site string, cfg *config) (*Process, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("basemanager: StartProcess: finding this program's executable: %w", err)
	}
	args := childArgs(os.Args[1:])
	if cfg.argsSet {
		args = cfg.args
	}
	mu.Lock()
	addresses := map[string][]string{}
	for site, ps := range serving {
		for _, p := range ps {
			addresses[site] = append(addresses[site], p.address)
		}
	}
	mu.Unlock()
	live, _ := json.Marshal(addresses)

	stopR, stopW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("basemanager: StartProcess: %w", err)
	}
	readyR, readyW, err := os.Pipe()
	if err != nil {
		stopR.Close()
		stopW.Close()
		return nil, fmt.Errorf("basemanager: StartProcess: %w", err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), envServe+"="+site, envAddresses+"="+string(live), "GORACE="+raceOptions())
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{stopR, readyW} // fds 3 and 4 in the child
	err = cmd.Start()
	stopR.Close() // the child's ends: the parent keeps only its own
	readyW.Close()
	if err != nil {
		stopW.Close()
		readyR.Close()
		return nil, fmt.Errorf("basemanager: StartProcess: starting %s: %w", exe, err)
	}
	p := &Process{cmd: cmd, site: site, stop: stopW, exited: make(chan struct{}), timeout: cfg.shutdownTimeout}
	go func() { // owned by p: Stop waits for it
		p.err = cmd.Wait()
		close(p.exited)
	}()

	p.address, err = readReady(readyR, cfg.startTimeout)
	readyR.Close()
	if err != nil {
		p.kill()
		<-p.exited
		if p.err != nil {
			err = fmt.Errorf("%w (the server process %v)", err, p.err)
		}
		return nil, err
	}
	return p, nil
}

// childArgs are the server process's arguments: this program's own, or,
// in a test binary (go test), those that re-run only the test or example
// that called StartProcess, without -test.v (its lines would mix with the
// parent's) and without -test.paniconexit0 (the server process exits with
// os.Exit(0) from inside the test).
func childArgs(args []string) []string {
	test := callingTest()
	if test == "" {
		return args
	}
	out := []string{"-test.run=^" + test + "$"}
	for i := 0; i < len(args); i++ {
		name, _, hasValue := strings.Cut(args[i], "=")
		switch name {
		case "-test.run", "-test.skip", "-test.bench", "-test.count", "-test.v", "-test.paniconexit0", "-test.fuzz", "-test.list", "-test.shuffle":
			if !hasValue && i+1 < len(args) && name != "-test.v" && name != "-test.paniconexit0" {
				i++ // its value is the next argument
			}
			continue
		}
		out = append(out, args[i])
	}
	return out
}

// callingTest returns the name of the test or example this goroutine
// runs, from the function testing's runner called, or "".
func callingTest() string {
	pc := make([]uintptr, 64)
	frames := runtime.CallersFrames(pc[:runtime.Callers(2, pc)])
	var callee string
	for {
		f, more := frames.Next()
		if f.Function == "testing.tRunner" || f.Function == "testing.runExample" {
			// callee is "path/pkg.TestX" or, for a subtest, "path/pkg.TestX.func1".
			name := callee[strings.LastIndex(callee, "/")+1:]
			_, name, _ = strings.Cut(name, ".")
			name, _, _ = strings.Cut(name, ".")
			return name
		}
		callee = f.Function
		if !more {
			return ""
		}
	}
}

// raceOptions are the race detector's options for the child (used only by
// a build with -race): the parent's, and no sleep at exit unless the
// parent asked for one. The detector sleeps 1 s by default before a
// program exits, the whole default shutdown timeout.
func raceOptions() string {
	opts := os.Getenv("GORACE")
	if !strings.Contains(opts, "atexit_sleep_ms") {
		opts = strings.TrimSpace(opts + " atexit_sleep_ms=0")
	}
	return opts
}

// readReady reads the child's one line, within timeout.
func readReady(r *os.File, timeout time.Duration) (string, error) {
	r.SetReadDeadline(time.Now().Add(timeout)) // a pipe supports deadlines
	line, err := bufio.NewReader(r).ReadString('\n')
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "", fmt.Errorf("basemanager: StartProcess: the server process did not report its address within %v "+
			"(an initializer that blocks? see process.WithStartTimeout): %w", timeout, ErrNotServing)
	case err != nil:
		return "", fmt.Errorf("basemanager: StartProcess: the server process exited before serving "+
			"(does the program reach StartProcess again when re-run with the same arguments? see process.WithArgs): %w", ErrNotServing)
	}
	line = strings.TrimSuffix(line, "\n")
	if address, ok := strings.CutPrefix(line, "ready "); ok {
		return address, nil
	}
	text, _ := strings.CutPrefix(line, "error ")
	return "", fmt.Errorf("basemanager: StartProcess: the server process could not serve: %s: %w", text, ErrNotServing)
}

// ErrNotServing: the server process StartProcess started did not serve.
var ErrNotServing = errors.New("server process not serving")

// Pid is the server process's id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Stop stops the server process, as Python 3.11's shutdown does: it asks
// (closes the stop pipe), waits up to the shutdown timeout, then
// terminates it (SIGTERM), waits as long again, then kills it. It returns
// nil if the child stopped when asked, and an error saying what it had to
// do otherwise. Stop is idempotent; it returns once the child has exited.
func (p *Process) Stop() error {
	var err error
	p.once.Do(func() {
		mu.Lock()
		serving[p.site] = slices.DeleteFunc(serving[p.site], func(q *Process) bool { return q == p })
		mu.Unlock()
		p.stop.Close()
		if p.waitExit(p.timeout) {
			if p.err != nil {
				err = fmt.Errorf("basemanager: Shutdown: the server process %d stopped: %w", p.Pid(), p.err)
			}
			return
		}
		p.cmd.Process.Signal(syscall.SIGTERM)
		if !p.waitExit(p.timeout) {
			p.kill()
			<-p.exited
		}
		err = fmt.Errorf("basemanager: Shutdown: the server process %d did not stop within %v of being asked: %w",
			p.Pid(), p.timeout, p.err)
	})
	return err
}

// waitExit waits up to d for the child to exit, and reports whether it did.
func (p *Process) waitExit(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.exited:
		return true
	case <-t.C:
		return false
	}
}

func (p *Process) kill() {
	p.stop.Close()
	p.cmd.Process.Kill()
}

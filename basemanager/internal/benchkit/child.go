// child.go runs the benchmarks' other processes: the test binary run again
// with GOMANAGER_BENCH_ROLE set, as the tests do (basemanager's
// process_test.go). The benchmark process is always the client; the server
// lives in a child, so client and server are separate processes, as
// between Python's manager and its clients.

package benchkit

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/rpc"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/basemanager/internal/connection"
	"gomanager/proxy"
)

// The environment a child reads.
const (
	roleEnv    = "GOMANAGER_BENCH_ROLE"    // "server" or "adder"
	keyEnv     = "GOMANAGER_BENCH_KEY"     // the manager's authkey, hex
	systemEnv  = "GOMANAGER_BENCH_SYSTEM"  // adder: "gomanager" (a Value), "gomanager-dict" (a Dict) or "netrpc"
	addressEnv = "GOMANAGER_BENCH_ADDRESS" // adder: the server to call
	tokenEnv   = "GOMANAGER_BENCH_TOKEN"   // adder: the Value's token, JSON
	countEnv   = "GOMANAGER_BENCH_COUNT"   // adder: how many calls

	// ServerCPUsEnv, if set, pins the server child to these CPUs with
	// taskset (taskset -c syntax, "1" or "0,1"). Run the benchmark binary
	// itself under taskset to pin the client.
	ServerCPUsEnv = "GOMANAGER_BENCH_SERVER_CPUS"

	// ServerProfileEnv, if set, makes the server child write a CPU
	// profile of its whole life to this file, for go tool pprof: the
	// server's half of a benchmark, which -cpuprofile does not see.
	ServerProfileEnv = "GOMANAGER_BENCH_SERVER_CPUPROFILE"

	// NetworkEnv set to "unix" makes the server child serve gomanager,
	// the net/rpc baseline and the echo server on Unix sockets in a
	// temporary directory instead of loopback TCP ports (issue 14: the
	// lone call over a Unix socket, against Python's on one).
	NetworkEnv = "GOMANAGER_BENCH_NETWORK"

	// AdderProfileEnv, if set, makes each adder child write a CPU profile
	// of its calls to this file name followed by "." and its process id.
	AdderProfileEnv = "GOMANAGER_BENCH_ADDER_CPUPROFILE"
)

// waitLimit bounds every wait for a child: generous, for a loaded machine.
const waitLimit = 60 * time.Second

// RunChild is the body of a child process. basemanager's bench_test.go
// calls it from a TestBenchChild function: run as a normal test it
// returns at once; in a child it plays the role and exits.
func RunChild() {
	role := os.Getenv(roleEnv)
	if role == "" {
		return
	}
	var err error
	switch role {
	case "server":
		err = serve()
	case "adder":
		err = add()
	default:
		err = fmt.Errorf("unknown %s=%q", roleEnv, role)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchkit child:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// child is a running child process.
type child struct {
	role     string
	stopOnce sync.Once
	cmd      *exec.Cmd
	stdin    io.WriteCloser // the child stops when it closes
	lines    chan string    // what it prints, line by line; closed when it exits
	exited   chan struct{}  // closed when it has exited
	err      error          // cmd.Wait's result, set before exited is closed

	mu     sync.Mutex // guards stderr
	stderr strings.Builder
}

// Write collects what the child writes to its stderr.
func (c *child) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stderr.Write(p)
}

// start runs this test binary again as a child in role, with env added.
// Cleanup closes its stdin and waits for it to exit, killing it if it
// does not within waitLimit.
func start(tb testing.TB, role string, pin string, env ...string) *child {
	tb.Helper()
	args := []string{os.Args[0], "-test.run=^TestBenchChild$", "-test.bench=^$", "-test.count=1"}
	if pin != "" {
		args = append([]string{"taskset", "-c", pin}, args...)
	}
	c := &child{role: role, cmd: exec.Command(args[0], args[1:]...)}
	c.cmd.Env = append(append(os.Environ(), roleEnv+"="+role), env...)
	c.cmd.Stderr = c
	var err error
	if c.stdin, err = c.cmd.StdinPipe(); err != nil {
		tb.Fatal(err)
	}
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		tb.Fatalf("starting the %s child: %v", role, err)
	}
	c.lines, c.exited = make(chan string, 16), make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
		c.err = c.cmd.Wait() // after the last read, as Wait requires
		close(c.exited)
	}()
	tb.Cleanup(func() { c.stop(tb) })
	return c
}

// stop closes the child's stdin, which tells it to finish, and waits for
// it to exit, killing it if it has not within waitLimit. Only the first
// call does anything.
func (c *child) stop(tb testing.TB) {
	tb.Helper()
	c.stopOnce.Do(func() {
		c.stdin.Close()
		timeout := time.After(waitLimit)
		for done := false; !done; {
			select {
			case _, ok := <-c.lines: // drain, so the reader reaches Wait
				done = !ok
			case <-timeout:
				c.cmd.Process.Kill()
			}
		}
		<-c.exited
		if c.err != nil {
			tb.Errorf("%s child: %v\n%s", c.role, c.err, c.stderrText())
		}
	})
}

func (c *child) stderrText() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stderr.String()
}

// line waits for the child to print a line starting with prefix and
// returns the rest of it.
func (c *child) line(tb testing.TB, prefix string) string {
	tb.Helper()
	timeout := time.After(waitLimit)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				<-c.exited
				tb.Fatalf("the child exited (%v) before printing %q:\n%s", c.err, prefix, c.stderrText())
			}
			if rest, found := strings.CutPrefix(line, prefix); found {
				return rest
			}
		case <-timeout:
			tb.Fatalf("the child printed no %q in %v", prefix, waitLimit)
		}
	}
}

// send writes one line to the child's stdin.
func (c *child) send(tb testing.TB, line string) {
	tb.Helper()
	if _, err := fmt.Fprintln(c.stdin, line); err != nil {
		tb.Fatalf("writing to the child: %v", err)
	}
}

// Server is a server child: a gomanager server and the net/rpc baseline,
// both on loopback, in one process that is not the benchmark's.
type Server struct {
	child   *child
	Key     []byte
	Manager string // the gomanager server's address
	NetRPC  string // the baseline's address
	Echo    string // the raw TCP echo server's address
}

// StartServer starts a server child, pinned to the CPUs named by
// GOMANAGER_BENCH_SERVER_CPUS if it is set.
func StartServer(tb testing.TB) *Server {
	tb.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	c := start(tb, "server", os.Getenv(ServerCPUsEnv), keyEnv+"="+hex.EncodeToString(key))
	s := &Server{child: c, Key: key}
	s.Manager = c.line(tb, "gomanager ")
	s.NetRPC = c.line(tb, "netrpc ")
	s.Echo = c.line(tb, "echo ")
	return s
}

// Stop stops the server child and waits for it to exit (Cleanup does it
// too).
func (s *Server) Stop(tb testing.TB) {
	tb.Helper()
	if s.child != nil {
		s.child.stop(tb)
	}
}

// Connect returns a new manager connected to the server: one connection.
// Cleanup shuts it down.
func (s *Server) Connect(tb testing.TB) *basemanager.Manager {
	tb.Helper()
	m := NewManager(s.Manager, basemanager.WithAuthKey(s.Key))
	if err := m.Connect(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { m.Shutdown() })
	return m
}

// Dial returns a new net/rpc client of the baseline, with net/rpc's own
// gob codec: one connection. Cleanup closes it.
func (s *Server) Dial(tb testing.TB) *rpc.Client {
	tb.Helper()
	c, err := rpc.Dial(Network(s.NetRPC), s.NetRPC)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// Network is the network of one of the server child's addresses: "unix"
// for a socket path (as connection.UnixPath tells it), else "tcp".
func Network(address string) string {
	if _, ok := connection.UnixPath(address); ok {
		return "unix"
	}
	return "tcp"
}

// Mem is the server child's memory after a garbage collection.
type Mem struct {
	Heap   uint64 // live heap bytes (runtime.MemStats.HeapAlloc)
	Stacks uint64 // goroutine stack bytes (StackInuse)
}

// Mem asks the server child for its memory.
func (s *Server) Mem(tb testing.TB) Mem {
	tb.Helper()
	s.child.send(tb, "mem")
	var m Mem
	if _, err := fmt.Sscan(s.child.line(tb, "mem "), &m.Heap, &m.Stacks); err != nil {
		tb.Fatalf("reading the child's memory: %v", err)
	}
	return m
}

// CPU is the CPU time (user and system) the client and the server have
// used since StartCPU.
type CPU struct {
	s              *Server
	client, server time.Duration
}

// StartCPU starts counting CPU time. It reads the server child's over its
// stdin, so call it, and Report, outside the timed part. A server started
// with StartInProcess shares this process: its time is counted as the
// client's.
func (s *Server) StartCPU(tb testing.TB) *CPU {
	tb.Helper()
	return &CPU{s: s, client: cpuTime(), server: s.cpu(tb)}
}

// Report adds the CPU time per operation, client's and server's, to b's
// results as "client-cpu-ns/op" and "server-cpu-ns/op". On a machine
// shared with other work these move less than the wall-clock figures.
func (c *CPU) Report(b *testing.B) {
	b.Helper()
	client, server := cpuTime()-c.client, c.s.cpu(b)-c.server
	b.ReportMetric(float64(client.Nanoseconds())/float64(b.N), "client-cpu-ns/op")
	if c.s.child != nil {
		b.ReportMetric(float64(server.Nanoseconds())/float64(b.N), "server-cpu-ns/op")
	}
}

// cpu asks the server child for its CPU time; 0 for an in-process server.
func (s *Server) cpu(tb testing.TB) time.Duration {
	tb.Helper()
	if s.child == nil {
		return 0
	}
	s.child.send(tb, "cpu")
	var ns int64
	if _, err := fmt.Sscan(s.child.line(tb, "cpu "), &ns); err != nil {
		tb.Fatalf("reading the child's CPU time: %v", err)
	}
	return time.Duration(ns)
}

// Per returns the growth from start divided by n, heap and stacks
// together, in bytes; memory that shrank counts as none.
func (m Mem) Per(start Mem, n int) float64 {
	grown := int64(m.Heap+m.Stacks) - int64(start.Heap+start.Stacks)
	return float64(max(grown, 0)) / float64(n)
}

// servers are the three servers a server child runs: gomanager, the
// net/rpc baseline, and a raw TCP echo (the floor under any rpc).
type servers struct {
	manager      *basemanager.Server
	served       chan error // ServeForever's result
	netrpc, echo net.Listener
	baselineDone chan struct{}
	echoDone     chan struct{}
}

// startServers starts the three servers on loopback ports, or on Unix
// sockets in dir if it is not empty.
func startServers(key []byte, dir string) (*servers, error) {
	network, addr := "tcp", func(string) string { return "127.0.0.1:0" }
	if dir != "" {
		network, addr = "unix", func(name string) string { return filepath.Join(dir, name) }
	}
	srv, err := NewManager(addr("gomanager.sock"), basemanager.WithAuthKey(key), basemanager.WithLogger(nil),
		basemanager.WithMaxConnections(1<<20)).GetServer()
	if err != nil {
		return nil, err
	}
	s := &servers{manager: srv, served: make(chan error, 1), baselineDone: make(chan struct{}), echoDone: make(chan struct{})}
	go func() { s.served <- srv.ServeForever() }()
	if s.netrpc, err = net.Listen(network, addr("netrpc.sock")); err == nil {
		s.echo, err = net.Listen(network, addr("echo.sock"))
	}
	if err != nil {
		srv.Stop()
		<-s.served
		if s.netrpc != nil {
			s.netrpc.Close()
		}
		return nil, err
	}
	go func() {
		defer close(s.baselineDone)
		serveBaseline(s.netrpc, newBaseline())
	}()
	go func() {
		defer close(s.echoDone)
		serveEcho(s.echo)
	}()
	return s, nil
}

// stop stops the servers and waits for their goroutines.
func (s *servers) stop() error {
	s.manager.Stop()
	s.netrpc.Close()
	s.echo.Close()
	<-s.baselineDone
	<-s.echoDone
	return <-s.served
}

// serve is the server child: it prints the addresses, answers "mem" on
// stdin, and stops when stdin closes.
func serve() error {
	key, err := hex.DecodeString(os.Getenv(keyEnv))
	if err != nil {
		return fmt.Errorf("%s: %w", keyEnv, err)
	}
	if path := os.Getenv(ServerProfileEnv); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	dir := ""
	if os.Getenv(NetworkEnv) == "unix" {
		if dir, err = os.MkdirTemp("", "gomanager-bench-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	s, err := startServers(key, dir)
	if err != nil {
		return err
	}
	fmt.Printf("gomanager %s\nnetrpc %s\necho %s\n", s.manager.Address(), s.netrpc.Addr(), s.echo.Addr())

	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		switch sc.Text() {
		case "cpu":
			fmt.Printf("cpu %d\n", cpuTime())
		case "mem":
			// Twice: the first cycle's finalizers and sweeping can leave
			// garbage the second collects.
			runtime.GC()
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if path := os.Getenv(ServerHeapProfileEnv); path != "" {
				writeHeapProfile(path) // the last "mem" is the one left
			}
			fmt.Printf("mem %d %d\n", ms.HeapAlloc, ms.StackInuse)
		}
	}
	return s.stop()
}

// StartInProcess serves gomanager, the baseline and the echo server on
// goroutines of this process, for the benchmarks that count allocations
// on both sides of a call. Mem is not available. Cleanup stops them.
func StartInProcess(tb testing.TB) *Server {
	tb.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	s, err := startServers(key, "")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.stop(); err != nil {
			tb.Error(err)
		}
	})
	return &Server{Key: key, Manager: s.manager.Address(), NetRPC: s.netrpc.Addr().String(), Echo: s.echo.Addr().String()}
}

// Adders are child processes that each make count Add calls on one
// counter, started together: Python's several client processes.
type Adders struct {
	children []*child
	count    int // calls per child
}

// StartAdders starts n adder children calling the server's Value with the
// given token (system "gomanager"), the Dict with the given token (system
// "gomanager-dict": Add on one key) or the baseline's Counter (system
// "netrpc"), count calls each. They connect, then wait for Go.
func StartAdders(tb testing.TB, s *Server, system string, token proxy.Token, n, count int) *Adders {
	tb.Helper()
	tok, err := json.Marshal(token)
	if err != nil {
		tb.Fatal(err)
	}
	address := s.Manager
	if system == "netrpc" {
		address = s.NetRPC
	}
	a := &Adders{count: count}
	for range n {
		a.children = append(a.children, start(tb, "adder", "",
			keyEnv+"="+hex.EncodeToString(s.Key), systemEnv+"="+system, addressEnv+"="+address,
			tokenEnv+"="+string(tok), countEnv+"="+strconv.Itoa(count)))
	}
	for _, c := range a.children {
		c.line(tb, "ready")
	}
	return a
}

// RunAdders tells every adder to start, waits until all are done, and
// reports the total calls per second as "adds/s", with the CPU time per
// call of the adders (together) and of the server s. Only this is timed.
func RunAdders(b *testing.B, s *Server, a *Adders) {
	b.Helper()
	cpu := s.StartCPU(b)
	b.ResetTimer()
	start := time.Now()
	for _, c := range a.children {
		c.send(b, "go")
	}
	var clientCPU time.Duration
	for _, c := range a.children {
		var ns int64
		if _, err := fmt.Sscan(c.line(b, "done "), &ns); err != nil {
			b.Fatalf("reading an adder's CPU time: %v", err)
		}
		clientCPU += time.Duration(ns)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	total := a.count * len(a.children)
	b.ReportMetric(float64(total)/elapsed.Seconds(), "adds/s")
	b.ReportMetric(float64(clientCPU.Nanoseconds())/float64(total), "client-cpu-ns/op")
	if s.child != nil {
		b.ReportMetric(float64((s.cpu(b)-cpu.server).Nanoseconds())/float64(total), "server-cpu-ns/op")
	}
}

// DictAddKey is the key the "gomanager-dict" adders add to.
const DictAddKey = "n"

// RunAddersInTurn runs each set of adders in turn, rounds times, the
// first set of each round changing from round to round: systems measured
// so share the same moments of a busy machine, as Interleaved's calls do.
// Start each set with its count of calls per turn. It reports each set's
// calls per second over all its turns as "<name>-adds/s", and the ratio of
// each set's to the last set's (the baseline) as "<name>-ratio".
func RunAddersInTurn(b *testing.B, names []string, sets []*Adders, rounds int) {
	b.Helper()
	elapsed := make([]time.Duration, len(sets))
	b.ResetTimer()
	for r := range rounds {
		for k := range sets {
			i := (r + k) % len(sets)
			start := time.Now()
			for _, c := range sets[i].children {
				c.send(b, "go")
			}
			for _, c := range sets[i].children {
				c.line(b, "done ")
			}
			elapsed[i] += time.Since(start)
		}
	}
	b.StopTimer()
	rate := func(i int) float64 {
		return float64(rounds*sets[i].count*len(sets[i].children)) / elapsed[i].Seconds()
	}
	last := len(sets) - 1
	for i, name := range names {
		b.ReportMetric(rate(i), name+"-adds/s")
		if i != last {
			b.ReportMetric(rate(i)/rate(last), name+"-ratio")
		}
	}
}

// add is an adder child.
func add() error {
	count, err := strconv.Atoi(os.Getenv(countEnv))
	if err != nil {
		return fmt.Errorf("%s: %w", countEnv, err)
	}
	var inc func() error
	switch system := os.Getenv(systemEnv); system {
	case "gomanager", "gomanager-dict":
		key, err := hex.DecodeString(os.Getenv(keyEnv))
		if err != nil {
			return fmt.Errorf("%s: %w", keyEnv, err)
		}
		var token proxy.Token
		if err := json.Unmarshal([]byte(os.Getenv(tokenEnv)), &token); err != nil {
			return fmt.Errorf("%s: %w", tokenEnv, err)
		}
		m := NewManager(os.Getenv(addressEnv), basemanager.WithAuthKey(key))
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		if err := m.ConnectContext(ctx); err != nil {
			return err
		}
		defer m.Shutdown()
		p, err := m.Rebuild(token)
		if err != nil {
			return err
		}
		defer p.Close()
		if system == "gomanager-dict" {
			d := proxy.DictOf[string, int](p)
			inc = func() error { _, err := d.Add(DictAddKey, 1); return err }
		} else {
			v := proxy.ValueOf[int](p)
			inc = func() error { _, err := v.Add(1); return err }
		}
	case "netrpc":
		c, err := rpc.Dial("tcp", os.Getenv(addressEnv))
		if err != nil {
			return err
		}
		defer c.Close()
		inc = func() error {
			var n int
			return c.Call(CounterService+".Add", 1, &n)
		}
	default:
		return errors.New("unknown " + systemEnv)
	}
	fmt.Println("ready")
	in := bufio.NewReader(os.Stdin)
	if _, err := in.ReadString('\n'); err != nil {
		return fmt.Errorf("waiting for go: %w", err)
	}
	if path := os.Getenv(AdderProfileEnv); path != "" {
		f, err := os.Create(fmt.Sprintf("%s.%d", path, os.Getpid()))
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	for { // a turn per "go" (RunAddersInTurn), until stdin closes
		cpu := cpuTime()
		for range count {
			if err := inc(); err != nil {
				return err
			}
		}
		fmt.Println("done", (cpuTime() - cpu).Nanoseconds())
		if _, err := in.ReadString('\n'); err != nil {
			return nil
		}
	}
}

// ServerHeapProfileEnv names a file the server child writes its heap
// profile to each time it is asked for its memory (Server.Mem), if set:
// the last one, of the largest population, stays.
const ServerHeapProfileEnv = "GOMANAGER_BENCH_SERVER_HEAPPROFILE"

// writeHeapProfile writes the heap profile of the last collection to path;
// it is a diagnostic, so a failure is only said on stderr.
func writeHeapProfile(path string) {
	f, err := os.Create(path)
	if err == nil {
		err = pprof.WriteHeapProfile(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "heap profile: %v\n", err)
	}
}

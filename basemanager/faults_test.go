// faults_test.go proves issue 4's fault items: calls cancelled through
// their context, a server process killed with SIGKILL mid-call, a server
// restarted on the same address (the epoch in every token), Stop under
// load, and TCP keep-alive on both ends of a connection.

package basemanager_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/rpc"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/basemanager/internal/connection"
	"gomanager/proxy"
	"gomanager/proxy/wire"
)

// waiter's Wait is a call that stays in the server until its context ends:
// the caller cancels it, the connection ends or the server stops. Register
// it Concurrent, so Ping gets through while Wait waits.
type waiter struct {
	started chan struct{} // a value each time Wait begins waiting
	ended   chan error    // Wait's context error each time it returns
}

func newWaiter() *waiter {
	return &waiter{started: make(chan struct{}, 256), ended: make(chan error, 256)}
}

func (w *waiter) Wait(ctx context.Context) error {
	w.started <- struct{}{}
	<-ctx.Done()
	w.ended <- ctx.Err()
	return ctx.Err()
}

func (w *waiter) Ping() string { return "pong" }

// waiterPair serves one shared waiter and returns it with the pair.
func waiterPair(t *testing.T, opts ...basemanager.Option) (*pair, *waiter) {
	t.Helper()
	w := newWaiter()
	return newPair(t, []typeid{reg("waiter", func() *waiter { return w }, basemanager.Concurrent())}, opts...), w
}

// A call blocked in the server returns promptly with ctx.Err() when its
// context is cancelled or expires; the server-side method sees its context
// end; the same proxy and connection keep working.
func TestContextCancelsBlockedCalls(t *testing.T) {
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc, func()) // the call's context; the third func ends it
		want error
	}{
		{
			name: "cancelled",
			ctx: func() (context.Context, context.CancelFunc, func()) {
				ctx, cancel := context.WithCancel(context.Background())
				return ctx, cancel, cancel
			},
			want: context.Canceled,
		},
		{
			name: "deadline",
			ctx: func() (context.Context, context.CancelFunc, func()) {
				ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
				return ctx, cancel, func() {} // it expires by itself
			},
			want: context.DeadlineExceeded,
		},
	}
	calls := []struct {
		name string
		call func(ctx context.Context, px *proxy.Proxy) error
	}{
		{"CallMethodContext", func(ctx context.Context, px *proxy.Proxy) error {
			_, err := px.CallMethodContext(ctx, "Wait")
			return err
		}},
		{"CallContext", func(ctx context.Context, px *proxy.Proxy) error {
			_, err := proxy.CallContext[any](ctx, px, "Wait")
			return err
		}},
	}
	for _, tt := range tests {
		for _, c := range calls {
			t.Run(tt.name+"/"+c.name, func(t *testing.T) {
				p, w := waiterPair(t)
				px := get(t, p.client, "waiter")
				ctx, cancel, end := tt.ctx()
				defer cancel()
				result := make(chan error, 1)
				go func() { result <- c.call(ctx, px) }()
				receive(t, w.started, "Wait to start on the server")
				if got := call[string](t, px, "Ping"); got != "pong" {
					t.Errorf("Ping while Wait waits = %q", got)
				}

				end()
				if err := receive(t, result, "the call to return"); !errors.Is(err, tt.want) {
					t.Errorf("call: %v, want %v", err, tt.want)
				}
				if err := receive(t, w.ended, "Wait's context to end on the server"); !errors.Is(err, context.Canceled) {
					t.Errorf("server-side context ended with %v, want context.Canceled", err)
				}
				if got := call[string](t, px, "Ping"); got != "pong" {
					t.Errorf("Ping on the same proxy after the cancelled call = %q", got)
				}
			})
		}
	}

	t.Run("already cancelled", func(t *testing.T) {
		p, _ := waiterPair(t)
		px := get(t, p.client, "waiter")
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := px.CallMethodContext(ctx, "Ping"); !errors.Is(err, context.Canceled) {
			t.Errorf("call with a cancelled context: %v, want context.Canceled", err)
		}
	})

	t.Run("many at once on one connection", func(t *testing.T) {
		const calls = 50
		p, w := waiterPair(t)
		px := get(t, p.client, "waiter")
		errc := make(chan error, calls)
		for i := range calls {
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(10+i)*time.Millisecond)
				defer cancel()
				_, err := px.CallMethodContext(ctx, "Wait")
				if !errors.Is(err, context.DeadlineExceeded) {
					err = fmt.Errorf("call %d: %v, want context.DeadlineExceeded", i, err)
				} else {
					err = nil
				}
				errc <- err
			}()
		}
		for range calls {
			if got := call[string](t, px, "Ping"); got != "pong" {
				t.Errorf("Ping among expiring calls = %q", got)
			}
			if err := receive(t, errc, "the expiring calls"); err != nil {
				t.Error(err)
			}
		}
		for range calls {
			receive(t, w.ended, "the server-side contexts to end")
		}
	})
}

// faultHelperEnv is the role of the child processes this file and
// scale_test.go start: "serve" runs a server, "clients" many clients.
const faultHelperEnv = "GOMANAGER_FAULT_HELPER"

// The server process dies with SIGKILL while a call is blocked in it: the
// pending call, later calls on its proxies and the manager's own requests
// all fail with ErrConnectionLost within a bounded time, never hanging.
func TestServerKilledMidCall(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an OS process")
	}
	key := make([]byte, 32)
	rand.Read(key)
	c := startChild(t, "serve", authkeyEnv+"="+hex.EncodeToString(key))
	address := c.readLine(t, "address ")

	m := basemanager.New(address, basemanager.WithAuthKey(key))
	t.Cleanup(func() { m.Shutdown() })
	if err := m.Register("waiter", nil); err != nil {
		t.Fatal(err)
	}
	if err := m.Connect(); err != nil {
		t.Fatal(err)
	}
	px := get(t, m, "waiter")
	other := get(t, m, "waiter")
	pending := make(chan error, 1)
	go func() {
		_, err := px.CallMethod("Wait")
		pending <- err
	}()
	c.readLine(t, "waiting")

	if err := c.cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	err := receive(t, pending, "the pending call to fail")
	t.Logf("the pending call, after SIGKILL: %v", err)
	if !errors.Is(err, proxy.ErrConnectionLost) {
		t.Errorf("the pending call: %v, want ErrConnectionLost", err)
	}
	later := []struct {
		name string
		do   func() error
	}{
		{"a call on the same proxy", func() error { _, err := px.CallMethod("Ping"); return err }},
		{"a call on another proxy", func() error { _, err := other.CallMethod("Ping"); return err }},
		{"a context-aware call", func() error { _, err := other.CallMethodContext(context.Background(), "Wait"); return err }},
		{"Get", func() error { _, err := m.Get("waiter"); return err }},
		{"NumberOfObjects", func() error { _, err := m.NumberOfObjects(); return err }},
	}
	for _, l := range later {
		if err := within(t, l.name, l.do); !errors.Is(err, proxy.ErrConnectionLost) {
			t.Errorf("%s after the kill: %v, want ErrConnectionLost", l.name, err)
		}
	}
	if err := within(t, "Connect", m.Connect); err == nil {
		t.Errorf("Connect to the killed server succeeded")
	}
}

// child is a child process running TestFaultHelperProcess, this test
// binary run again.
type child struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser  // the child exits when this closes
	lines  <-chan string   // what it prints, line by line; closed when it exits
	exited chan struct{}   // closed when it has exited
	err    error           // cmd.Wait's result, set before exited is closed
	stderr strings.Builder // written by cmd until it has exited
}

// startChild starts a child in role with env added to this process's
// environment. Cleanup closes its stdin, kills it and waits for it.
func startChild(t *testing.T, role string, env ...string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(os.Args[0], "-test.run=^TestFaultHelperProcess$", "-test.count=1")}
	c.cmd.Env = append(append(os.Environ(), faultHelperEnv+"="+role), env...)
	c.cmd.Stderr = &c.stderr
	var err error
	if c.stdin, err = c.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 16)
	c.lines, c.exited = lines, make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		c.err = c.cmd.Wait() // after the last read from stdout, as Wait requires
		close(c.exited)
	}()
	t.Cleanup(func() {
		c.stdin.Close()
		c.cmd.Process.Kill()
		for range c.lines { // drain, so the reader reaches Wait
		}
		receive(t, c.exited, "the child to exit")
	})
	return c
}

// readLine returns the rest of the child's next line starting with prefix,
// skipping other lines, failing the test if none comes within waitLimit.
func (c *child) readLine(t *testing.T, prefix string) string {
	t.Helper()
	return c.readLineWithin(t, prefix, waitLimit)
}

// readLineWithin is readLine with the bound d, for children with long work.
func (c *child) readLineWithin(t *testing.T, prefix string, d time.Duration) string {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				receive(t, c.exited, "the child to exit")
				t.Fatalf("the child exited (%v) before printing %q; stderr:\n%s", c.err, prefix, c.stderr.String())
			}
			if rest, found := strings.CutPrefix(line, prefix); found {
				return rest
			}
		case <-timeout:
			t.Fatalf("the child printed no %q in %v", prefix, d)
		}
	}
}

// TestFaultHelperProcess is not a test: it is the body of the child
// processes TestServerKilledMidCall and TestThousandConnections start. Run
// directly, it does nothing.
func TestFaultHelperProcess(t *testing.T) {
	switch os.Getenv(faultHelperEnv) {
	case "":
		return
	case "serve":
		if err := serveUntilStdinCloses(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	case "clients":
		if err := runClients(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	default:
		fmt.Fprintf(os.Stderr, "unknown %s=%q\n", faultHelperEnv, os.Getenv(faultHelperEnv))
		os.Exit(2)
	}
}

// serveUntilStdinCloses serves a "waiter" on 127.0.0.1 and prints
// "address host:port", then "waiting" each time a Wait starts.
func serveUntilStdinCloses() error {
	key, err := hex.DecodeString(os.Getenv(authkeyEnv))
	if err != nil {
		return fmt.Errorf("%s: %w", authkeyEnv, err)
	}
	m := basemanager.New("127.0.0.1:0", basemanager.WithAuthKey(key), basemanager.WithLogger(nil))
	w := newWaiter()
	if err := m.Register("waiter", func() *waiter { return w }, basemanager.Concurrent()); err != nil {
		return err
	}
	srv, err := m.GetServer()
	if err != nil {
		return err
	}
	go func() {
		for range w.started {
			fmt.Println("waiting")
		}
	}()
	go func() {
		io.Copy(io.Discard, os.Stdin) // the parent closed stdin, or died
		srv.Stop()
	}()
	fmt.Println("address", srv.Address())
	return srv.ServeForever()
}

// A server restarted on the same address has a new epoch: the old proxies
// fail with ErrStaleProxy once the manager has connected again, Rebuild of
// an old token fails with ErrStaleProxy, and even a raw request naming an
// id the new server reuses, with the old epoch, never reaches its object.
func TestRestartOnTheSameAddress(t *testing.T) {
	notes := func(owner string) typeid {
		return reg("ledger", func() *ledger { return &ledger{Owner: owner} })
	}
	first := newPair(t, []typeid{notes("first run")})
	m := first.client
	old := get(t, m, "ledger")
	call[int](t, old, "Add", "written in the first run")
	oldToken := old.Token()
	address := first.srv.Address()

	first.srv.Stop()
	receive(t, first.done, "the first server to stop")
	if _, err := old.CallMethod("Len"); !errors.Is(err, proxy.ErrConnectionLost) || errors.Is(err, proxy.ErrStaleProxy) {
		t.Errorf("old proxy with the server down: %v, want ErrConnectionLost (nothing restarted yet)", err)
	}

	second := newPairAt(t, address, []typeid{notes("second run")})
	fresh := get(t, second.client, "ledger") // the second server's first object
	if fresh.Token().ID != oldToken.ID {
		t.Fatalf("the second server gave id %d, the first gave %d: this test needs the id reused", fresh.Token().ID, oldToken.ID)
	}
	if err := m.Connect(); err != nil {
		t.Fatalf("Connect to the restarted server: %v", err)
	}

	t.Run("old proxy", func(t *testing.T) {
		for _, method := range []string{"Len", "Add"} {
			_, err := within2(t, func() (any, error) { return old.CallMethod(method, "from an old proxy") })
			if !errors.Is(err, proxy.ErrStaleProxy) {
				t.Errorf("%s on an old proxy: %v, want ErrStaleProxy", method, err)
			}
		}
	})
	t.Run("Rebuild of an old token", func(t *testing.T) {
		px, err := m.Rebuild(oldToken)
		if !errors.Is(err, proxy.ErrStaleProxy) {
			if px != nil {
				px.Close()
			}
			t.Errorf("Rebuild(old token): %v, want ErrStaleProxy", err)
		}
	})
	t.Run("raw request with the old epoch", func(t *testing.T) {
		conn := dialRaw(t, address)
		authenticate(t, conn, nil)
		client := rpc.NewClientWithCodec(connection.NewClientCodec(conn))
		defer client.Close()
		args, err := wire.Encode([]any{"from an old token"})
		if err != nil {
			t.Fatal(err)
		}
		var reply wire.Reply
		req := &wire.Request{ID: oldToken.ID, Epoch: oldToken.Epoch, Method: "Add", Args: args}
		if err := client.Call(wire.ServiceName+".Call", req, &reply); err != nil {
			t.Fatal(err)
		}
		if reply.Err == nil || !errors.Is(proxy.Link{}.ReplyError(reply.Err), proxy.ErrStaleProxy) {
			t.Errorf("a request with the old epoch: reply error %+v, want ErrStaleProxy", reply.Err)
		}
	})
	t.Run("new proxies", func(t *testing.T) {
		px := get(t, m, "ledger")
		if px.Token().Epoch == oldToken.Epoch {
			t.Errorf("new token has the old epoch %d", oldToken.Epoch)
		}
		if n := call[int](t, px, "Add", "written in the second run"); n != 1 {
			t.Errorf("Add on a new proxy = %d, want 1", n)
		}
	})

	// Nothing the old proxy sent reached the object that reuses its id.
	v, err := fresh.GetValue()
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := v.(*ledger); !ok || l.Owner != "second run" || len(l.Entries) != 0 {
		t.Errorf("the second server's object %d = %+v, want it untouched", oldToken.ID, v)
	}
}

// within2 is within for calls with a result.
func within2(t *testing.T, f func() (any, error)) (any, error) {
	t.Helper()
	var v any
	err := within(t, "call", func() error {
		var err error
		v, err = f()
		return err
	})
	return v, err
}

// journal records who called Record with what, in call order. Calls are
// serialized by the server.
type journal struct{ Seqs map[int][]int }

func (j *journal) Record(writer, seq int) { j.Seqs[writer] = append(j.Seqs[writer], seq) }

// Stop while many goroutines call: ServeForever returns, the goroutines
// started for the server and its clients all end, and every call that
// returned success is in the final state, none twice; at most each
// writer's last call, whose reply was lost, is there without a success.
func TestStopUnderLoad(t *testing.T) {
	const clients, writersPerClient = 8, 4
	const writers = clients * writersPerClient
	const stopAfter = 2000 // successful calls before Stop

	baseline := runtime.NumGoroutine()
	j := &journal{Seqs: map[int][]int{}}
	w := newWaiter()
	p := newPair(t, []typeid{
		reg("journal", func() *journal { return j }),
		reg("waiter", func() *waiter { return w }, basemanager.Concurrent()),
	})
	managers := []*basemanager.Manager{p.client}
	for range clients - 1 {
		managers = append(managers, p.connect(t))
	}

	var successes atomic.Int64
	loaded := make(chan struct{})
	var once sync.Once
	acked := make([]int, writers) // successful Records per writer
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for c, m := range managers {
		px := get(t, m, "journal")
		// A call blocked in the server on each connection, too.
		wp := get(t, m, "waiter")
		wg.Go(func() { wp.CallMethodContext(context.Background(), "Wait") })
		receive(t, w.started, "Wait to start on the server")
		for i := range writersPerClient {
			writer := c*writersPerClient + i
			wg.Go(func() {
				for seq := 0; ; seq++ {
					if _, err := px.CallMethod("Record", writer, seq); err != nil {
						errs[writer] = err
						return
					}
					acked[writer]++
					if successes.Add(1) == stopAfter {
						once.Do(func() { close(loaded) })
					}
				}
			})
		}
	}
	receive(t, loaded, fmt.Sprintf("%d successful calls", stopAfter))

	p.srv.Stop()
	receive(t, p.done, "ServeForever to return")
	if p.err != nil {
		t.Errorf("ServeForever: %v", p.err)
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	receive(t, finished, "every calling goroutine to return")
	for writer, err := range errs {
		if !errors.Is(err, proxy.ErrConnectionLost) {
			t.Errorf("writer %d ended with %v, want ErrConnectionLost", writer, err)
		}
	}

	// The final state: the journal was last written before ServeForever
	// returned, which waited for every call.
	var recorded int
	for writer := range writers {
		seqs := j.Seqs[writer]
		recorded += len(seqs)
		if n := len(seqs); n != acked[writer] && n != acked[writer]+1 {
			t.Errorf("writer %d: %d calls succeeded, %d recorded; want the same, or one more whose reply was lost",
				writer, acked[writer], n)
		}
		for i, seq := range seqs {
			if seq != i {
				t.Errorf("writer %d: record %d is seq %d: lost or duplicated calls: %v", writer, i, seq, seqs)
				break
			}
		}
	}
	t.Logf("%d calls succeeded, %d recorded, before and during Stop", successes.Load(), recorded)

	for _, m := range managers {
		m.Shutdown()
	}
	giveUp := time.Now().Add(waitLimit)
	for runtime.NumGoroutine() > baseline { // waiting for teardown, bounded
		if time.Now().After(giveUp) {
			var b strings.Builder
			pprof.Lookup("goroutine").WriteTo(&b, 1)
			t.Fatalf("%d goroutines %v after Stop, %d before the server started:\n%s",
				runtime.NumGoroutine(), waitLimit, baseline, b.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TCP keep-alive is on at both ends of a manager's connection, so a peer
// that vanishes silently is detected: Linux shows the keep-alive timer
// (timer 2) on an idle socket in /proc/net/tcp.
func TestKeepAliveIsOn(t *testing.T) {
	if _, err := os.Stat("/proc/net/tcp"); err != nil {
		t.Skipf("no /proc/net/tcp to read socket timers from: %v", err)
	}
	p := newPair(t, []typeid{reg("phrase", func() *phrase { return &phrase{S: "hello World"} })})
	call[string](t, get(t, p.client, "phrase"), "Upper")
	_, portText, _ := net.SplitHostPort(p.srv.Address())
	port, _ := strconv.Atoi(portText)

	// Established sockets with the server's port at either end are the two
	// ends of the client's connection. Right after traffic a socket may
	// still show a retransmission timer; idle, it shows keep-alive.
	giveUp := time.Now().Add(waitLimit)
	for {
		timers, err := socketTimers(port)
		if err != nil {
			t.Fatal(err)
		}
		if len(timers) < 2 {
			t.Fatalf("found %d established sockets on port %d, want both ends of the connection: %v", len(timers), port, timers)
		}
		if !slices.ContainsFunc(timers, func(tr int) bool { return tr != 2 }) {
			return
		}
		if time.Now().After(giveUp) {
			t.Fatalf("socket timers %v after %v, want keep-alive (2) on both ends", timers, waitLimit)
		}
		time.Sleep(10 * time.Millisecond) // waiting for the last ACK, bounded
	}
}

// socketTimers returns the timer kind (the "tr" column) of every
// established IPv4 socket whose local or remote port is port.
func socketTimers(port int) ([]int, error) {
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return nil, err
	}
	var timers []int
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 6 || f[3] != "01" { // 01: ESTABLISHED
			continue
		}
		if !hasPort(f[1], port) && !hasPort(f[2], port) {
			continue
		}
		tr, err := strconv.ParseInt(strings.SplitN(f[5], ":", 2)[0], 16, 0)
		if err != nil {
			return nil, fmt.Errorf("parsing %q: %w", line, err)
		}
		timers = append(timers, int(tr))
	}
	return timers, nil
}

// hasPort reports whether a /proc/net/tcp address ("0100007F:1F90") has port.
func hasPort(addr string, port int) bool {
	_, hexPort, ok := strings.Cut(addr, ":")
	n, err := strconv.ParseInt(hexPort, 16, 0)
	return ok && err == nil && int(n) == port
}

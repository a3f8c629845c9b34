// scale_test.go proves issue 4's load item: a server holds 1,000
// concurrent client connections, each making calls, and reports its memory
// per connection. The clients run in a child process (this test binary
// again, see TestFaultHelperProcess), so the memory this process gains is
// the server's alone.

package basemanager_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/basemanager/internal/benchkit"
	"gomanager/proxy"
)

// The child's instructions, besides authkeyEnv.
const (
	clientsEnv = "GOMANAGER_CLIENTS" // how many connections to open
	callsEnv   = "GOMANAGER_CALLS"   // calls per connection in each round
)

func TestThousandConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an OS process with 1,000 connections")
	}
	const conns, calls = 1000, 3
	const bound = 200 << 10 // bytes per connection, generous
	benchkit.RaiseFileLimit(t, conns+200)
	key := make([]byte, 32)
	rand.Read(key)
	p := newPair(t, []typeid{reg("counter", func() *sharedCounter { return &sharedCounter{} })},
		basemanager.WithAuthKey(key))

	start := memNow()
	c := startChild(t, "clients",
		addressEnv+"="+p.srv.Address(),
		authkeyEnv+"="+hex.EncodeToString(key),
		clientsEnv+"="+strconv.Itoa(conns),
		callsEnv+"="+strconv.Itoa(calls))
	// Under -race on a busy machine the child's work takes many seconds.
	t.Logf("child: %s", c.readLineWithin(t, "ready: ", 6*waitLimit))

	// Every connection is open, holds a proxy and has made its calls.
	used := memNow().since(start)
	t.Logf("server with %d client connections: %s", conns, used.per(conns))
	if per := used.inUse() / conns; per > bound {
		t.Errorf("the server holds %d bytes of heap and stacks per connection, want at most %d", per, bound)
	}
	if n := p.srv.NumberOfObjects(); n != conns {
		t.Errorf("server holds %d objects, want one per connection: %d", n, conns)
	}

	// All at once, another round of calls on every connection.
	if _, err := fmt.Fprintln(c.stdin, "go"); err != nil {
		t.Fatal(err)
	}
	c.readLineWithin(t, "done", 6*waitLimit)
	c.stdin.Close()
	receive(t, c.exited, "the child to exit")
	if c.err != nil {
		t.Fatalf("child: %v\n%s", c.err, c.stderr.String())
	}
	// The connections are gone, and with them their references.
	giveUp := time.Now().Add(waitLimit)
	for p.srv.NumberOfObjects() != 0 { // waiting for teardown, bounded
		if time.Now().After(giveUp) {
			t.Fatalf("server still holds %d objects %v after the clients exited", p.srv.NumberOfObjects(), waitLimit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// runClients is the child of TestThousandConnections: it opens the
// connections, each holding a proxy to its own counter, makes calls on all
// of them at once, prints "ready: ...", and after a line on stdin makes
// another round and prints "done".
func runClients() error {
	key, err := hex.DecodeString(os.Getenv(authkeyEnv))
	if err != nil {
		return fmt.Errorf("%s: %w", authkeyEnv, err)
	}
	conns, err := strconv.Atoi(os.Getenv(clientsEnv))
	if err != nil {
		return fmt.Errorf("%s: %w", clientsEnv, err)
	}
	calls, err := strconv.Atoi(os.Getenv(callsEnv))
	if err != nil {
		return fmt.Errorf("%s: %w", callsEnv, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*waitLimit)
	defer cancel()

	managers := make([]*basemanager.Manager, conns)
	defer func() {
		for _, m := range managers {
			if m != nil {
				m.Shutdown()
			}
		}
	}()
	// forAll runs f for every connection at once and joins the errors.
	forAll := func(f func(i int) error) error {
		errs := make([]error, conns)
		var wg sync.WaitGroup
		for i := range conns {
			wg.Go(func() { errs[i] = f(i) })
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	// round makes calls increments on connection i's counter and checks
	// its value, which the rounds before have raised too.
	proxies := make([]*proxy.Proxy, conns)
	round := func(i, n int) error {
		for range calls {
			if _, err := proxies[i].CallMethod("Increment"); err != nil {
				return fmt.Errorf("connection %d: %w", i, err)
			}
		}
		v, err := proxies[i].CallMethod("Value")
		if want := n * calls; err != nil || v != want {
			return fmt.Errorf("connection %d: Value() = %v, %v; want %d", i, v, err, want)
		}
		return nil
	}

	// Connecting is limited to 100 handshakes at a time, so that on a slow
	// machine none runs into the handshake timeout; once connected, every
	// connection calls at once.
	slots := make(chan struct{}, 100)
	began := time.Now()
	err = forAll(func(i int) error {
		slots <- struct{}{}
		defer func() { <-slots }()
		m := basemanager.New(os.Getenv(addressEnv), basemanager.WithAuthKey(key))
		managers[i] = m
		if err := m.Register("counter", nil); err != nil {
			return err
		}
		err := m.ConnectContext(ctx)
		if err != nil {
			return fmt.Errorf("connection %d: %w", i, err)
		}
		proxies[i], err = m.Get("counter") // its own counter, held while the server is measured
		return err
	})
	if err != nil {
		return err
	}
	connected := time.Now()
	if err := forAll(func(i int) error { return round(i, 1) }); err != nil {
		return err
	}
	fmt.Printf("ready: %d connections opened in %v, a round of calls on all of them in %v\n",
		conns, connected.Sub(began).Round(time.Millisecond), time.Since(connected).Round(time.Millisecond))

	line := make([]byte, 3)
	if _, err := os.Stdin.Read(line); err != nil {
		return fmt.Errorf("waiting for go: %w", err)
	}
	if err := forAll(func(i int) error { return round(i, 2) }); err != nil {
		return err
	}
	fmt.Println("done")
	return nil
}

// process_test.go proves the cross-process story of issue 2, behaviour 5:
// real OS processes, each with many goroutines, increment one counter held
// by a server in this test process. The children are this test binary, run
// again with GOMANAGER_HELPER set (see TestHelperProcess).

package basemanager_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"

	"gomanager/basemanager"
)

// The children learn what to do and where from these variables.
const (
	helperEnv  = "GOMANAGER_HELPER"  // the role; "counter" increments
	addressEnv = "GOMANAGER_ADDRESS" // the server's host:port
	authkeyEnv = "GOMANAGER_AUTHKEY" // the server's authkey, hex
)

const (
	processes              = 3
	goroutinesPerProcess   = 8
	incrementsPerGoroutine = 1000
)

// sharedCounter is a plain int: only the server's serialization of calls on
// one referent keeps increments from being lost.
type sharedCounter struct{ N int }

func (c *sharedCounter) Increment() { c.N++ }
func (c *sharedCounter) Value() int { return c.N }

func TestCounterAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts OS processes")
	}
	key := make([]byte, 32)
	rand.Read(key)
	counter := &sharedCounter{}
	p := newPair(t, []typeid{reg("counter", func() *sharedCounter { return counter })},
		basemanager.WithAuthKey(key))

	ctx, cancel := context.WithTimeout(context.Background(), 3*waitLimit)
	defer cancel()
	errc := make(chan error, processes)
	for i := range processes {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(),
			helperEnv+"=counter",
			addressEnv+"="+p.srv.Address(),
			authkeyEnv+"="+hex.EncodeToString(key))
		go func() {
			out, err := cmd.CombinedOutput()
			if err != nil {
				err = fmt.Errorf("child %d: %w\n%s", i, err, out)
			}
			errc <- err
		}()
	}
	for range processes {
		if err := <-errc; err != nil { // bounded: ctx kills the children
			t.Error(err)
		}
	}

	px := get(t, p.client, "counter")
	const want = processes * goroutinesPerProcess * incrementsPerGoroutine
	if got := call[int](t, px, "Value"); got != want {
		t.Errorf("through a proxy: counter = %d, want %d", got, want)
	}
	// The call above orders this read after every increment.
	if counter.N != want {
		t.Errorf("in the server process: counter = %d, want %d", counter.N, want)
	}
}

// TestHelperProcess is not a test: it is the body of the child processes
// TestCounterAcrossProcesses starts. Run directly, it does nothing.
func TestHelperProcess(t *testing.T) {
	switch os.Getenv(helperEnv) {
	case "":
		return
	case "counter":
		if err := incrementShared(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	default:
		fmt.Fprintf(os.Stderr, "unknown %s=%q\n", helperEnv, os.Getenv(helperEnv))
		os.Exit(2)
	}
}

// incrementShared connects to the server named by the environment and
// increments its counter from many goroutines through one proxy.
func incrementShared() error {
	key, err := hex.DecodeString(os.Getenv(authkeyEnv))
	if err != nil {
		return fmt.Errorf("%s: %w", authkeyEnv, err)
	}
	m := basemanager.New(os.Getenv(addressEnv), basemanager.WithAuthKey(key))
	defer m.Shutdown()
	if err := m.Register("counter", nil); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := m.ConnectContext(ctx); err != nil {
		return err
	}
	px, err := m.Get("counter")
	if err != nil {
		return err
	}
	defer px.Close()

	var wg sync.WaitGroup
	errs := make([]error, goroutinesPerProcess)
	for g := range goroutinesPerProcess {
		wg.Go(func() {
			for range incrementsPerGoroutine {
				if _, err := px.CallMethod("Increment"); err != nil {
					errs[g] = err
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

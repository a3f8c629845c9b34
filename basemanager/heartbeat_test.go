// heartbeat_test.go proves that a silent peer is found out on both sides
// (issue 11, item 2): a real OS process, paused with SIGSTOP as a paused
// machine or a partitioned network would leave it (no FIN, no RST), is
// noticed within 3d of heartbeat interval d: the client's calls in flight
// fail with ErrConnectionLost; the server drops the client's connection,
// releasing its references and abandoning its lock. A call legitimately
// blocked on the server is not mistaken for a dead peer, and after the
// peer resumes, Connect works again and old proxies fail at once.

package basemanager_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/basemanager/sharedtypes"
	"gomanager/proxy"
)

// The roles of the heartbeat tests' child processes.
const (
	heartbeatRoleEnv = "GOMANAGER_HEARTBEAT_ROLE"
	heartbeatAddrEnv = "GOMANAGER_HEARTBEAT_ADDRESS"
	heartbeatDEnv    = "GOMANAGER_HEARTBEAT_D"
)

// heartbeatIntervals are the values of d the tests measure.
var heartbeatIntervals = []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond}

// TestHeartbeatHelperProcess is not a test: it is the body of the child
// processes below. Run directly, it does nothing.
func TestHeartbeatHelperProcess(t *testing.T) {
	var err error
	switch os.Getenv(heartbeatRoleEnv) {
	case "":
		return
	case "server":
		err = heartbeatServe()
	case "holder":
		err = heartbeatHold()
	default:
		err = fmt.Errorf("unknown %s", heartbeatRoleEnv)
	}
	if err != nil {
		fmt.Println("ERROR:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// heartbeatServe serves a SyncManager on loopback, prints its address and
// serves until stdin closes.
func heartbeatServe() error {
	m := basemanager.NewSyncManager("127.0.0.1:0", basemanager.WithLogger(nil))
	srv, err := m.GetServer()
	if err != nil {
		return err
	}
	fmt.Println("ADDR", srv.Address())
	go func() {
		io.Copy(io.Discard, os.Stdin)
		srv.Stop()
	}()
	return srv.ServeForever()
}

// heartbeatHold connects with a heartbeat, takes the server's lock and a
// dict, says so, and waits until stdin closes.
func heartbeatHold() error {
	d, err := time.ParseDuration(os.Getenv(heartbeatDEnv))
	if err != nil {
		return err
	}
	m := basemanager.New(os.Getenv(heartbeatAddrEnv), basemanager.WithHeartbeat(d))
	for _, typeid := range []string{"the_lock", "dict"} {
		if err := m.Register(typeid, nil); err != nil {
			return err
		}
	}
	if err := m.Connect(); err != nil {
		return err
	}
	defer m.Shutdown()
	l, err := m.Get("the_lock")
	if err != nil {
		return err
	}
	if ok, err := proxy.LockOf(l).Acquire(context.Background()); !ok || err != nil {
		return fmt.Errorf("acquire: %v, %v", ok, err)
	}
	if _, err := m.Get("dict"); err != nil {
		return err
	}
	fmt.Println("HOLDING")
	io.Copy(io.Discard, os.Stdin)
	return nil
}

// heartbeatChild starts this test binary in role, with env, and returns
// it with the first line it printed (within waitLimit). Cleanup kills it.
func heartbeatChild(t *testing.T, role string, env ...string) (*exec.Cmd, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*waitLimit)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHeartbeatHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), append(env, heartbeatRoleEnv+"="+role, "GORACE=atexit_sleep_ms=0")...)
	cmd.WaitDelay = time.Second
	stdin, err := cmd.StdinPipe()
	must(t, err)
	stdout, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGCONT)
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
		cancel()
	})
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- strings.TrimSpace(line)
		io.Copy(io.Discard, stdout)
	}()
	return cmd, receive(t, lines, role+"'s first line")
}

// The client side: a Queue.Get blocked on the server is left alone while
// the server answers heartbeats; once the server is paused it fails with
// ErrConnectionLost within 3d; after the server resumes, Connect works and
// the old proxy fails at once.
func TestHeartbeatClientFindsASilentServer(t *testing.T) {
	for _, d := range heartbeatIntervals {
		t.Run(d.String(), func(t *testing.T) {
			server, line := heartbeatChild(t, "server")
			address, ok := strings.CutPrefix(line, "ADDR ")
			if !ok {
				t.Fatalf("the server said %q", line)
			}
			m := basemanager.NewSyncManager(address, basemanager.WithHeartbeat(d))
			must(t, m.Connect())
			defer m.Shutdown()
			q, err := proxy.NewQueue[int](m, 0)
			must(t, err)

			got := make(chan error, 1)
			go func() {
				_, err := q.Get(context.Background()) // blocks: the queue is empty
				got <- err
			}()
			select {
			case err := <-got:
				t.Fatalf("a Get blocked on a live server ended after heartbeats: %v", err)
			case <-time.After(4 * d): // four heartbeats answered: the call is left alone
			}

			must(t, server.Process.Signal(syscall.SIGSTOP)) // the server goes silent
			paused := time.Now()
			var lost error
			select {
			case lost = <-got:
			case <-time.After(3*d + waitLimit):
				t.Fatalf("the Get still waits %v after the server went silent", 3*d+waitLimit)
			}
			took := time.Since(paused)
			if !errors.Is(lost, proxy.ErrConnectionLost) {
				t.Errorf("the Get failed with %v, want ErrConnectionLost", lost)
			}
			if took > 3*d {
				t.Errorf("the client noticed the silent server after %v, more than 3d = %v", took, 3*d)
			}
			t.Logf("d = %v: the pending call failed %v after the server went silent (%.2fd)", d, took, took.Seconds()/d.Seconds())

			must(t, server.Process.Signal(syscall.SIGCONT)) // the path heals
			if _, err := q.Qsize(); !errors.Is(err, proxy.ErrConnectionLost) {
				t.Errorf("the old proxy after the silence: %v, want ErrConnectionLost at once", err)
			}
			must(t, m.Connect())
			q2, err := proxy.NewQueue[int](m, 0)
			must(t, err)
			if err := q2.Put(context.Background(), 1); err != nil {
				t.Errorf("a new proxy after reconnecting: %v", err)
			}
		})
	}
}

// The server side: a client that holds a lock and a dict, then is paused,
// loses both within 3d, and the next acquirer learns the lock was
// abandoned.
func TestHeartbeatServerDropsASilentClient(t *testing.T) {
	for _, d := range heartbeatIntervals {
		t.Run(d.String(), func(t *testing.T) {
			lock := sharedtypes.NewLock()
			sink := newLogSink()
			p := newPair(t, []typeid{
				reg("the_lock", func() *sharedtypes.Lock { return lock }, basemanager.Concurrent()),
				reg("dict", sharedtypes.NewDict, basemanager.Concurrent()),
			}, basemanager.WithLogger(log.New(sink, "", 0)))
			client, line := heartbeatChild(t, "holder", heartbeatAddrEnv+"="+p.srv.Address(), heartbeatDEnv+"="+d.String())
			if line != "HOLDING" {
				t.Fatalf("the client said %q", line)
			}
			if n := p.srv.NumberOfObjects(); n != 2 || !lock.Locked() {
				t.Fatalf("before the silence: %d objects, locked %v; want 2, true", n, lock.Locked())
			}

			must(t, client.Process.Signal(syscall.SIGSTOP)) // the client goes silent
			paused := time.Now()
			for p.srv.NumberOfObjects() != 0 || lock.Locked() {
				if time.Since(paused) > 3*d+waitLimit {
					t.Fatalf("the silent client still holds its objects %v later:\n%s", time.Since(paused), p.srv.DebugInfo())
				}
				time.Sleep(time.Millisecond) // polling the bound under test
			}
			took := time.Since(paused)
			if took > 3*d {
				t.Errorf("the server dropped the silent client after %v, more than 3d = %v", took, 3*d)
			}
			t.Logf("d = %v: the server released the silent client's objects and lock %v after it went silent (%.2fd)", d, took, took.Seconds()/d.Seconds())

			sink.waitFor(t, "peer silent") // the server says why: ErrPeerSilent

			l := get(t, p.client, "the_lock")
			if ok, err := proxy.LockOf(l).Acquire(context.Background()); !ok || !errors.Is(err, proxy.ErrAbandoned) {
				t.Errorf("the next Acquire: %v, %v; want true and ErrAbandoned", ok, err)
			}
		})
	}
}

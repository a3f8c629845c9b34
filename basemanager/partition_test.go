// partition_test.go proves issue 11, item 2, across two machines (item 4):
// a real network partition between a client heartbeating every d and its
// server. The two machines and their veth pair are hosts_test.go's; the
// partition is machine B's end of the pair taken down ("ip link set down"):
// from then on nothing crosses, and nothing tells either side (no FIN, no
// RST), as when a cable is pulled. Within 3d the client's pending call
// fails with ErrConnectionLost and the server releases the client's
// references and abandons its lock (the next acquirer gets ErrAbandoned);
// once the link is up again, Connect works and an old proxy fails at once.
//
// The test process cannot reach either machine, so the children measure
// and report, a line each, in answer to the test's commands:
//
//	server on machine A, after "ADDR host:port":
//	  state        → STATE <objects> <the_lock locked>
//	  watch <T>    → RELEASED <since the command> <since T>, once it holds no
//	                 object and the_lock is free (polled every 1 ms), or
//	                 HELD <since the command> <objects> <locked> after partitionWatchLimit
//	  acquire      → ABANDONED <true|false> (<what Acquire returned>)
//	  stdin closed → STOPPED, and exit
//	client on machine B, with heartbeat d, after "READY":
//	  partitioned <T> → LOST <since the command> <since T> <ErrConnectionLost: true|false> (<error>)
//	  healed          → RECONNECTED ok <Connect and a new dict's Len took>, or RECONNECTED error: <error>
//	                    OLD <ErrConnectionLost: true|false> <the call took> (<error>)
//	  stdin closed    → exit
//
// T is the wall-clock time (Unix nanoseconds) just before the test ran
// "ip link set down": the namespaces share this machine's clock, so the
// second figure is an upper bound on the time since the partition, the
// first a lower bound (the command is sent once ip has returned). A child
// that fails prints "ERROR: <error>" and exits 1.

package basemanager_test

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/basemanager/sharedtypes"
	"gomanager/proxy"
)

// partitionIntervals are the heartbeat intervals the test partitions at.
var partitionIntervals = []time.Duration{300 * time.Millisecond, 600 * time.Millisecond}

// partitionWatchLimit bounds the children's waits for what the partition
// should cause (a lost call, released objects); far beyond the 3d promised.
const partitionWatchLimit = 10 * time.Second

// TestPartitionAcrossHosts partitions machine B, whose client holds the
// server's lock, a dict and a pending Queue.Get, from machine A, whose
// server holds them; both sides must notice within 3d; then it heals the
// partition and the client connects again.
func TestPartitionAcrossHosts(t *testing.T) {
	hostsRequire(t)
	for _, d := range partitionIntervals {
		t.Run(d.String(), func(t *testing.T) { testPartition(t, d) })
	}
}

func testPartition(t *testing.T, d time.Duration) {
	hn := newHostsNetwork(t)
	ctx := hostsContext(t)
	key := hostsKey(t)

	server := startHostsChild(t, ctx, hn.a, hostsEnv{role: hostsPartitionServerRole, address: hostA + ":0", authkey: key})
	address := server.expect(t, "ADDR", waitLimit)
	client := startHostsChild(t, ctx, hn.b, hostsEnv{role: hostsPartitionClientRole, address: address, authkey: key, heartbeat: d.String()})
	// The client says READY once its Get has been pending for 3d with the
	// heartbeats answered: a call blocked on a live server is left alone.
	client.expect(t, "READY", 3*d+waitLimit)
	server.send(t, "state")
	if got := server.expect(t, "STATE", waitLimit); got != "3 true" {
		t.Fatalf("before the partition the server has STATE %s, want 3 true: the client's lock, dict and queue, and the lock held", got)
	}

	// The partition: the commands go out as soon as the link is down. It
	// usually falls just after a heartbeat was answered (READY came 3d
	// after Connect started the heartbeats), the worst moment: both sides
	// then take nearly 2d, their most, to notice.
	down := time.Now()
	hn.setLinkB(t, "down")
	server.send(t, "watch %d", down.UnixNano())
	client.send(t, "partitioned %d", down.UnixNano())
	ipTook := time.Since(down)

	lost := strings.Fields(client.expect(t, "LOST", 3*d+partitionWatchLimit))
	released := strings.Fields(server.expect(t, "RELEASED", 3*d+partitionWatchLimit))
	if len(lost) < 3 || len(released) < 2 {
		t.Fatalf("LOST %s, RELEASED %s: too few fields", strings.Join(lost, " "), strings.Join(released, " "))
	}
	clientAfter, clientBound := partitionDuration(t, lost[0]), partitionDuration(t, lost[1])
	serverAfter, serverBound := partitionDuration(t, released[0]), partitionDuration(t, released[1])
	t.Logf("d = %v: client noticed after %v (%.2fd), server released after %v (%.2fd); "+
		"measured from just before ip link set down (which took %v); from each child's receipt of its command: %v and %v",
		d, clientBound.Round(time.Millisecond), clientBound.Seconds()/d.Seconds(),
		serverBound.Round(time.Millisecond), serverBound.Seconds()/d.Seconds(),
		ipTook.Round(time.Millisecond), clientAfter.Round(time.Millisecond), serverAfter.Round(time.Millisecond))
	if lost[2] != "true" {
		t.Errorf("the pending Get failed with %s, want ErrConnectionLost", strings.Join(lost[2:], " "))
	}
	if clientBound > 3*d {
		t.Errorf("the client noticed the partition after %v, more than 3d = %v", clientBound, 3*d)
	}
	if serverBound > 3*d {
		t.Errorf("the server released the partitioned client's objects and lock after %v, more than 3d = %v", serverBound, 3*d)
	}

	// Still partitioned, the next acquirer (on machine A) gets the lock,
	// and learns it was abandoned.
	server.send(t, "acquire")
	abandoned := server.expect(t, "ABANDONED", waitLimit)
	if !strings.HasPrefix(abandoned, "true ") {
		t.Errorf("the next Acquire of the partitioned client's lock: ABANDONED %s, want true", abandoned)
	}
	t.Logf("still partitioned, the next acquirer on machine A: ABANDONED %s", abandoned)

	// The partition heals: Connect works again, the old proxy fails at once.
	hn.setLinkB(t, "up")
	client.send(t, "healed")
	reconnected := client.expect(t, "RECONNECTED", waitLimit)
	if !strings.HasPrefix(reconnected, "ok ") {
		t.Errorf("after the partition healed: RECONNECTED %s, want ok", reconnected)
	}
	old := client.expect(t, "OLD", waitLimit)
	if !strings.HasPrefix(old, "true ") {
		t.Errorf("a proxy from before the partition: OLD %s, want true (ErrConnectionLost)", old)
	}
	t.Logf("healed: RECONNECTED %s; OLD %s", reconnected, old)
}

// setLinkB sets machine B's end of the veth pair down (a partition: A's
// end loses its carrier, and nothing crosses) or up (healed).
func (hn *hostsNetwork) setLinkB(t *testing.T, state string) {
	t.Helper()
	if out, err := hostsIP("-n", hn.b, "link", "set", hn.vethB, state); err != nil {
		t.Fatalf("ip -n %s link set %s %s: %v\n%s", hn.b, hn.vethB, state, err, out)
	}
}

// partitionDuration parses a duration a child printed.
func partitionDuration(t *testing.T, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("a child printed %q for a duration: %v", s, err)
	}
	return d
}

// partitionStamp reads the partition's time, T, from a command's argument.
func partitionStamp(arg string) (time.Time, error) {
	ns, err := strconv.ParseInt(arg, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("the partition's time %q: %w", arg, err)
	}
	return time.Unix(0, ns), nil // no monotonic reading: Sub uses the wall clock
}

// partitionKey decodes the authkey from the environment.
func partitionKey() ([]byte, error) {
	key, err := hex.DecodeString(os.Getenv(hostsAuthkeyEnv))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", hostsAuthkeyEnv, err)
	}
	return key, nil
}

// partitionServe is the server on machine A: a SyncManager, plus the_lock,
// one lock shared by every proxy, at the address from the environment. It
// answers the commands on stdin (see the top of this file) until stdin
// closes, or for hostsServeLifetime at most, and returns the exit status.
func partitionServe(out io.Writer, in io.Reader) int {
	if err := partitionServeErr(out, in); err != nil {
		fmt.Fprintln(out, "ERROR:", err)
		return 1
	}
	fmt.Fprintln(out, "STOPPED")
	return 0
}

func partitionServeErr(out io.Writer, in io.Reader) error {
	key, err := partitionKey()
	if err != nil {
		return err
	}
	lock := sharedtypes.NewLock()
	m := basemanager.NewSyncManager(os.Getenv(hostsAddressEnv), basemanager.WithAuthKey(key))
	if err := m.Register("the_lock", func() *sharedtypes.Lock { return lock }, basemanager.Concurrent()); err != nil {
		return err
	}
	srv, err := m.GetServer()
	if err != nil {
		return fmt.Errorf("GetServer: %w", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeForever() }()
	timer := time.AfterFunc(hostsServeLifetime, srv.Stop)
	defer timer.Stop()
	fmt.Fprintf(out, "ADDR %s\n", srv.Address())

	sc := bufio.NewScanner(in)
	for sc.Scan() {
		received := time.Now()
		command, arg, _ := strings.Cut(sc.Text(), " ")
		switch command {
		case "state":
			fmt.Fprintf(out, "STATE %d %t\n", srv.NumberOfObjects(), lock.Locked())
		case "watch":
			down, err := partitionStamp(arg)
			if err != nil {
				srv.Stop()
				return err
			}
			for srv.NumberOfObjects() != 0 || lock.Locked() {
				if time.Since(received) > partitionWatchLimit {
					break
				}
				time.Sleep(time.Millisecond) // polling the bound under test
			}
			now := time.Now()
			if n, locked := srv.NumberOfObjects(), lock.Locked(); n != 0 || locked {
				fmt.Fprintf(out, "HELD %v %d %t\n", now.Sub(received), n, locked)
			} else {
				fmt.Fprintf(out, "RELEASED %v %v\n", now.Sub(received), now.Sub(down))
			}
		case "acquire":
			acquired, err := partitionAcquire(srv.Address(), key)
			fmt.Fprintf(out, "ABANDONED %t (acquired %t: %v)\n", acquired && errors.Is(err, proxy.ErrAbandoned), acquired, err)
		default:
			fmt.Fprintf(out, "ERROR: unknown command %q\n", sc.Text())
		}
	}
	srv.Stop()
	if err := <-served; err != nil {
		return fmt.Errorf("ServeForever: %w", err)
	}
	if !timer.Stop() {
		return fmt.Errorf("stopped after %v: stdin never closed", hostsServeLifetime)
	}
	return nil
}

// partitionAcquire connects to the server at address, on this machine,
// and acquires the_lock (releasing it after), returning what Acquire did.
func partitionAcquire(address string, key []byte) (bool, error) {
	m := basemanager.New(address, basemanager.WithAuthKey(key))
	defer m.Shutdown()
	if err := m.Register("the_lock", nil); err != nil {
		return false, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := m.ConnectContext(ctx); err != nil {
		return false, err
	}
	p, err := m.Get("the_lock")
	if err != nil {
		return false, err
	}
	defer p.Close()
	acquired, err := proxy.LockOf(p).Acquire(ctx)
	if acquired {
		if rerr := proxy.LockOf(p).Release(); rerr != nil {
			return acquired, errors.Join(err, rerr)
		}
	}
	return acquired, err
}

// partitionClient is the client on machine B: it connects with the
// heartbeat from the environment, acquires the_lock, makes a dict, starts
// a Get on an empty Queue, and after 3d with the Get still pending says
// READY; then it answers the commands on stdin (see the top of this file)
// until stdin closes. It returns the exit status.
func partitionClient(out io.Writer, in io.Reader) int {
	if err := partitionClientErr(out, in); err != nil {
		fmt.Fprintln(out, "ERROR:", err)
		return 1
	}
	return 0
}

func partitionClientErr(out io.Writer, in io.Reader) error {
	key, err := partitionKey()
	if err != nil {
		return err
	}
	d, err := time.ParseDuration(os.Getenv(hostsBeatEnv))
	if err != nil {
		return fmt.Errorf("%s: %w", hostsBeatEnv, err)
	}
	m := basemanager.NewSyncManager(os.Getenv(hostsAddressEnv), basemanager.WithAuthKey(key), basemanager.WithHeartbeat(d),
		basemanager.WithHandshakeTimeout(2*time.Second))
	if err := m.Register("the_lock", nil); err != nil {
		return err
	}
	if err := m.Connect(); err != nil {
		return err
	}
	defer m.Shutdown()
	l, err := m.Get("the_lock")
	if err != nil {
		return err
	}
	defer runtime.KeepAlive(l) // held, never closed: a proxy collected would release the lock's object
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if ok, err := proxy.LockOf(l).Acquire(ctx); !ok || err != nil {
		return fmt.Errorf("acquiring the_lock: %t, %v", ok, err)
	}
	dict, err := proxy.NewDict[string, int](m)
	if err != nil {
		return err
	}
	if err := dict.Set("held", 1); err != nil {
		return err
	}
	q, err := proxy.NewQueue[int](m, 0)
	if err != nil {
		return err
	}
	type result struct {
		err error
		at  time.Time
	}
	got := make(chan result, 1)
	go func() {
		_, err := q.Get(context.Background()) // blocks: the queue stays empty
		got <- result{err, time.Now()}
	}()
	select {
	case r := <-got:
		return fmt.Errorf("the Get on a live server ended with heartbeats answered: %v", r.err)
	case <-time.After(3 * d): // three heartbeats answered: the Get is left alone
	}
	fmt.Fprintln(out, "READY")

	sc := bufio.NewScanner(in)
	for sc.Scan() {
		received := time.Now()
		command, arg, _ := strings.Cut(sc.Text(), " ")
		switch command {
		case "partitioned":
			down, err := partitionStamp(arg)
			if err != nil {
				return err
			}
			var r result
			select {
			case r = <-got:
			case <-time.After(partitionWatchLimit):
				return fmt.Errorf("the Get still pending %v after the partition", partitionWatchLimit)
			}
			fmt.Fprintf(out, "LOST %v %v %t (%v)\n", r.at.Sub(received), r.at.Sub(down), errors.Is(r.err, proxy.ErrConnectionLost), r.err)
		case "healed":
			start := time.Now()
			if err := m.Connect(); err != nil {
				fmt.Fprintf(out, "RECONNECTED error: %v\n", err)
			} else if d2, err := proxy.NewDict[string, int](m); err != nil {
				fmt.Fprintf(out, "RECONNECTED error: a new dict: %v\n", err)
			} else if _, err := d2.Len(); err != nil {
				fmt.Fprintf(out, "RECONNECTED error: Len of a new dict: %v\n", err)
			} else {
				fmt.Fprintf(out, "RECONNECTED ok %v\n", time.Since(start))
			}
			start = time.Now()
			_, err := dict.Len()
			fmt.Fprintf(out, "OLD %t %v (%v)\n", errors.Is(err, proxy.ErrConnectionLost), time.Since(start), err)
		default:
			return fmt.Errorf("unknown command %q", sc.Text())
		}
	}
	return nil
}

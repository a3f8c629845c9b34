// hosts_test.go proves issue 11, item 4, for the lesson and for TLS (and
// holds the harness partition_test.go partitions the machines with): a
// manager used across two "machines". Each test makes two network
// namespaces of its own, machine A (192.0.2.1) and machine B (192.0.2.2),
// joined only by a veth pair whose ends are created inside them (nothing is
// linked to this machine's network; the addresses are from the
// documentation range 192.0.2.0/24, RFC 5737), and deletes them when it
// ends. The processes on the machines are this test binary, run again
// through "ip netns exec" with GOMANAGER_HOSTS_ROLE set (see
// TestHostsHelperProcess).
//
// The tests need root and ip (iproute2). Without them they skip, saying
// why, except in CI (CI=true), where they fail: CI runs as root and must
// run them.

package basemanager_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gomanager/basemanager"
)

// The children learn their role and what they need from these variables;
// every child gets all of them, empty when unused.
const (
	hostsRoleEnv    = "GOMANAGER_HOSTS_ROLE"      // hostsServerRole, hostsClientRole, hostsNoKeyRole or a partition role
	hostsAddressEnv = "GOMANAGER_HOSTS_ADDRESS"   // the server's host:port (port 0 for a server)
	hostsAuthkeyEnv = "GOMANAGER_HOSTS_AUTHKEY"   // the authkey, hex
	hostsCertEnv    = "GOMANAGER_HOSTS_CERT"      // server: its certificate, a PEM file; empty: no TLS
	hostsKeyEnv     = "GOMANAGER_HOSTS_KEY"       // server: the certificate's private key, a PEM file
	hostsCAEnv      = "GOMANAGER_HOSTS_CA"        // client: the CA to trust, a PEM file; hostsNoRoots: none; empty: no TLS
	hostsBeatEnv    = "GOMANAGER_HOSTS_HEARTBEAT" // partition client: its heartbeat interval, a time.Duration
)

// The children's roles.
const (
	hostsServerRole = "server"       // serve get_my_string; print "ADDR host:port"; serve until stdin closes
	hostsClientRole = "client"       // run the lesson's calls against the server
	hostsNoKeyRole  = "serve-no-key" // try to serve without an authkey: must be refused

	// The partition test's children, driven line by line (partition_test.go).
	hostsPartitionServerRole = "partition-server" // hold the_lock and SyncManager's types; watch them be released
	hostsPartitionClientRole = "partition-client" // hold the lock, a dict and a pending Get across a partition
)

// hostsNoRoots, as hostsCAEnv, makes a TLS client that trusts no authority.
const hostsNoRoots = "none"

// The two machines' addresses.
const (
	hostA = "192.0.2.1"
	hostB = "192.0.2.2"
)

const (
	hostsTestLimit     = 15 * time.Second // a whole test, children included
	hostsIPLimit       = 5 * time.Second  // one ip command
	hostsWaitDelay     = 2 * time.Second  // a child's output after it exits or is killed
	hostsStopLimit     = 5 * time.Second  // a server to exit once its stdin closes
	hostsServeLifetime = 60 * time.Second // a server no one stops stops itself
)

// hostsNetwork is two network namespaces joined by a veth pair.
type hostsNetwork struct {
	a, b         string // the namespaces: machine A (hostA), machine B (hostB)
	vethA, vethB string // the veth pair's ends: vethA in a, vethB in b
}

var (
	hostsSeq     atomic.Int64 // numbers this process's networks
	hostsSetupMu sync.Mutex   // one network set up at a time: ip netns add mounts /run/netns the first time
)

// hostsRequire skips the test when this process cannot create network
// namespaces (not root, or no ip command), saying why; in CI it fails
// instead.
func hostsRequire(t *testing.T) {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "not running as root, which creating network namespaces needs (try: sudo go test ./basemanager)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		missing = append(missing, "the ip command is missing (install iproute2)")
	}
	if len(missing) == 0 {
		return
	}
	msg := "the two-host tests create network namespaces: " + strings.Join(missing, "; ")
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s; CI=true, so this fails instead of skipping: CI must run these tests as root with ip", msg)
	}
	t.Skipf("skipping: %s", msg)
}

// newHostsNetwork creates machine A and machine B: two namespaces named for
// this process and this call, a veth pair created with its ends already
// inside them, 192.0.2.1/24 on A's end and 192.0.2.2/24 on B's, every link
// up (lo included). Cleanup deletes both namespaces, and so the veth pair;
// so does a setup that fails halfway.
func newHostsNetwork(t *testing.T) *hostsNetwork {
	t.Helper()
	hostsRequire(t)
	n, pid := hostsSeq.Add(1), os.Getpid()
	hn := &hostsNetwork{
		a: fmt.Sprintf("gmtA-%d-%d", pid, n), b: fmt.Sprintf("gmtB-%d-%d", pid, n),
		vethA: fmt.Sprintf("gta%d_%d", pid, n), vethB: fmt.Sprintf("gtb%d_%d", pid, n),
	}
	vethA, vethB := hn.vethA, hn.vethB
	if len(vethA) > 15 || len(vethB) > 15 {
		t.Fatalf("veth names %q and %q are longer than 15 characters", vethA, vethB)
	}

	var created []string // the namespaces to delete
	t.Cleanup(func() {
		// Cleanups run last registered first: the processes in the
		// namespaces have been stopped by now.
		for i := len(created) - 1; i >= 0; i-- {
			if out, err := hostsIP("netns", "delete", created[i]); err != nil {
				t.Errorf("deleting network namespace %s: %v\n%s", created[i], err, out)
			}
		}
	})
	hostsSetupMu.Lock()
	defer hostsSetupMu.Unlock()
	for _, ns := range []string{hn.a, hn.b} {
		if out, err := hostsIP("netns", "add", ns); err != nil {
			t.Fatalf("ip netns add %s: %v\n%s", ns, err, out)
		}
		created = append(created, ns)
	}
	steps := [][]string{
		{"link", "add", vethA, "netns", hn.a, "type", "veth", "peer", "name", vethB, "netns", hn.b},
		{"-n", hn.a, "addr", "add", hostA + "/24", "dev", vethA},
		{"-n", hn.b, "addr", "add", hostB + "/24", "dev", vethB},
		{"-n", hn.a, "link", "set", "lo", "up"},
		{"-n", hn.b, "link", "set", "lo", "up"},
		{"-n", hn.a, "link", "set", vethA, "up"},
		{"-n", hn.b, "link", "set", vethB, "up"},
	}
	for _, args := range steps {
		if out, err := hostsIP(args...); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	t.Logf("machine A: namespace %s, %s on %s; machine B: namespace %s, %s on %s", hn.a, hostA, vethA, hn.b, hostB, vethB)
	return hn
}

// hostsIP runs ip with args, for at most hostsIPLimit.
func hostsIP(args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), hostsIPLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", args...)
	cmd.WaitDelay = hostsWaitDelay
	return cmd.CombinedOutput()
}

// hostsEnv is what a child needs: its role and the values of the other
// variables, which default to empty.
type hostsEnv struct {
	role, address, authkey, cert, key, ca string
	heartbeat                             string // a time.Duration, for hostsBeatEnv
}

// command returns the command running this test binary as the child e
// describes, in namespace ns; ctx kills it.
func (e hostsEnv) command(t *testing.T, ctx context.Context, ns string) *exec.Cmd {
	t.Helper()
	exe, err := filepath.Abs(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	// ip netns exec execs the command (it does not fork): the child's
	// process is the one ctx and Process.Kill kill.
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", ns, exe, "-test.run=^TestHostsHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		hostsRoleEnv+"="+e.role,
		hostsAddressEnv+"="+e.address,
		hostsAuthkeyEnv+"="+e.authkey,
		hostsCertEnv+"="+e.cert,
		hostsKeyEnv+"="+e.key,
		hostsCAEnv+"="+e.ca,
		hostsBeatEnv+"="+e.heartbeat,
		// Under -race, a child exiting with status 0 would first sleep 1 s.
		"GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	cmd.WaitDelay = hostsWaitDelay
	return cmd
}

// hostsResult is how a child that ran to its end did.
type hostsResult struct {
	stdout, stderr string
	code           int   // exit status; -1 if it did not exit normally
	err            error // Run's error
}

// has reports whether the child printed line.
func (r hostsResult) has(line string) bool {
	for l := range strings.Lines(r.stdout) {
		if strings.TrimRight(l, "\n") == line {
			return true
		}
	}
	return false
}

func (r hostsResult) String() string {
	return fmt.Sprintf("exit status %d (%v)\nstdout:\n%sstderr:\n%s", r.code, r.err, r.stdout, r.stderr)
}

// runHostsChild runs the child e describes in ns to its end, bounded by ctx.
func runHostsChild(t *testing.T, ctx context.Context, ns string, e hostsEnv) hostsResult {
	t.Helper()
	cmd := e.command(t, ctx, ns)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := hostsResult{stdout: stdout.String(), stderr: stderr.String(), code: -1, err: err}
	if cmd.ProcessState != nil {
		r.code = cmd.ProcessState.ExitCode()
	}
	t.Logf("%s in %s: exit status %d after %v", e.role, ns, r.code, time.Since(start).Round(time.Millisecond))
	return r
}

// startHostsServer starts the server child e describes in ns and returns
// the address it reports, within waitLimit; the child serves until the
// test ends.
func startHostsServer(t *testing.T, ctx context.Context, ns string, e hostsEnv) string {
	t.Helper()
	started := time.Now()
	address := startHostsChild(t, ctx, ns, e).expect(t, "ADDR", waitLimit)
	t.Logf("server in %s: listening at %s after %v", ns, address, time.Since(started).Round(time.Millisecond))
	return address
}

// hostsChild is a child the test talks with, a line at a time: the test
// writes a command to its stdin and reads its answer, one line, from its
// stdout. Closing its stdin asks it to finish.
type hostsChild struct {
	name   string        // its role and namespace, for messages
	stdin  *os.File      // the test's end of the child's stdin
	lines  chan string   // the child's stdout, a line at a time; closed when it ends
	exited chan struct{} // closed once Wait has returned
	err    error         // Wait's result, set before exited is closed
	stderr bytes.Buffer  // read only after exited is closed
	said   []string      // the lines expect has read, for the log
}

// startHostsChild starts the child e describes in ns and finishes it in
// cleanup (see finish); ctx kills it.
func startHostsChild(t *testing.T, ctx context.Context, ns string, e hostsEnv) *hostsChild {
	t.Helper()
	cmd := e.command(t, ctx, ns)
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		t.Fatal(err)
	}
	c := &hostsChild{name: e.role + " in " + ns, stdin: inW, lines: make(chan string, 64), exited: make(chan struct{})}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, &c.stderr
	err = cmd.Start()
	inR.Close() // the child's ends
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		t.Fatalf("starting the %s: %v", c.name, err)
	}
	go func() {
		c.err = cmd.Wait()
		close(c.exited)
	}()
	go func() {
		defer outR.Close()
		defer close(c.lines)
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() { c.finish(t, cmd) })
	return c
}

// send writes a command line to the child.
func (c *hostsChild) send(t *testing.T, format string, args ...any) {
	t.Helper()
	if _, err := fmt.Fprintf(c.stdin, format+"\n", args...); err != nil {
		t.Fatalf("telling the %s %q: %v", c.name, fmt.Sprintf(format, args...), err)
	}
}

// expect reads the child's next line, waiting at most limit, and returns
// what follows word in it; the line must be word, or word and a space.
func (c *hostsChild) expect(t *testing.T, word string, limit time.Duration) string {
	t.Helper()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case line, ok := <-c.lines:
		if !ok {
			t.Fatalf("the %s ended its output instead of saying %s", c.name, word)
		}
		c.said = append(c.said, line)
		if line == word {
			return ""
		}
		rest, ok := strings.CutPrefix(line, word+" ")
		if !ok {
			t.Fatalf("the %s said %q, want %s", c.name, line, word)
		}
		return rest
	case <-timer.C:
		t.Fatalf("the %s did not say %s within %v", c.name, word, limit)
		return ""
	}
}

// finish closes the child's stdin and waits for it to exit, killing it if
// it takes longer than hostsStopLimit; it fails the test if the child did
// not exit normally, and logs what it printed if the test failed.
func (c *hostsChild) finish(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	c.stdin.Close()
	select {
	case <-c.exited:
	case <-time.After(hostsStopLimit):
		t.Errorf("the %s did not exit within %v of its stdin closing; killing it", c.name, hostsStopLimit)
		cmd.Process.Kill()
		select {
		case <-c.exited:
		case <-time.After(waitLimit):
			t.Errorf("the %s did not exit within %v of being killed", c.name, waitLimit)
			return
		}
	}
	said := c.said
	drained := time.After(waitLimit) // the child's stdout ends when it exits
drain:
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				break drain
			}
			said = append(said, line)
		case <-drained:
			t.Errorf("the %s's stdout did not end within %v of its exit", c.name, waitLimit)
			break drain
		}
	}
	if c.err != nil {
		t.Errorf("the %s: %v", c.name, c.err)
	}
	if c.err != nil || t.Failed() {
		t.Logf("the %s printed:\n%s\nstderr:\n%s", c.name, strings.Join(said, "\n"), c.stderr.String())
	}
}

// hostsContext bounds a test's children: it kills what still runs after
// hostsTestLimit. It is cancelled in cleanup, after the servers registered
// later have been stopped (cancelling kills a child).
func hostsContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), hostsTestLimit)
	t.Cleanup(cancel)
	return ctx
}

// hostsKey returns a fresh authkey, hex.
func hostsKey(t *testing.T) string {
	t.Helper()
	key := make([]byte, 16)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(key)
}

// checkLesson checks that a client printed the lesson's lines, with the
// server's address on machine A in the repr.
func checkLesson(t *testing.T, r hostsResult) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("the client on machine B failed: %v", r)
	}
	t.Logf("the client on machine B printed:\n%s", r.stdout)
	for _, want := range []string{"str: hello World", "print: hello World", "CallMethod(Capitalize): Hello world"} {
		if !r.has(want) {
			t.Errorf("the client's output lacks the line %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "hello World") || !strings.Contains(r.stdout, "Hello world") {
		t.Errorf("the client's output lacks hello World or Hello world:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "repr: ") || !strings.Contains(r.stdout, " at "+hostA+":") {
		t.Errorf("the client's repr does not show the server's address at %s:\n%s", hostA+":", r.stdout)
	}
}

// TestLessonAcrossHosts runs the lesson across two machines: ProcessA
// serves on machine A at 192.0.2.1 with an authkey, ProcessB uses the
// string from machine B; then machine A refuses to serve 192.0.2.1 without
// an authkey.
func TestLessonAcrossHosts(t *testing.T) {
	t.Parallel()
	hn := newHostsNetwork(t)
	ctx := hostsContext(t)
	key := hostsKey(t)

	addr := startHostsServer(t, ctx, hn.a, hostsEnv{role: hostsServerRole, address: hostA + ":0", authkey: key})
	if host, _, err := net.SplitHostPort(addr); err != nil || host != hostA {
		t.Fatalf("the server listens at %q, want %s:PORT", addr, hostA)
	}
	checkLesson(t, runHostsChild(t, ctx, hn.b, hostsEnv{role: hostsClientRole, address: addr, authkey: key}))

	t.Run("wrong authkey", func(t *testing.T) {
		r := runHostsChild(t, ctx, hn.b, hostsEnv{role: hostsClientRole, address: addr, authkey: hostsKey(t)})
		if r.code != 1 || !r.has("AUTHENTICATION-ERROR: true") {
			t.Errorf("a client with the wrong authkey: %v; want exit status 1 and ErrAuthentication", r)
		}
	})

	t.Run("no authkey, non-loopback address", func(t *testing.T) {
		r := runHostsChild(t, ctx, hn.a, hostsEnv{role: hostsNoKeyRole, address: hostA + ":0"})
		t.Logf("machine A without an authkey printed:\n%s", r.stdout)
		if r.code != 0 || !r.has("INSECURE-ADDRESS: true") {
			t.Errorf("serving %s without an authkey: %v; want a refusal wrapping ErrInsecureAddress", hostA, r)
		}
	})
}

// TestTLSAcrossHosts runs the lesson over TLS across two machines: the
// server on machine A presents a certificate for 192.0.2.1; a client on
// machine B trusting its authority verifies it for the address it dials
// (the manager fills ServerName in) and connects; a client trusting no
// authority fails with a certificate verification error.
func TestTLSAcrossHosts(t *testing.T) {
	t.Parallel()
	hn := newHostsNetwork(t)
	ctx := hostsContext(t)
	key := hostsKey(t)

	dir := t.TempDir()
	caFile, certFile, keyFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem")
	ca := newCA(t, "gomanager two-host test CA") // tls_test.go
	server := ca.issue(t, "gomanager test server on machine A", x509.ExtKeyUsageServerAuth, net.ParseIP(hostA))
	keyDER, err := x509.MarshalPKCS8PrivateKey(server.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	writeHostsPEM(t, certFile, "CERTIFICATE", server.Certificate[0])
	writeHostsPEM(t, keyFile, "PRIVATE KEY", keyDER)
	writeHostsPEM(t, caFile, "CERTIFICATE", ca.cert.Raw)

	addr := startHostsServer(t, ctx, hn.a, hostsEnv{role: hostsServerRole, address: hostA + ":0", authkey: key, cert: certFile, key: keyFile})

	t.Run("client trusting the CA", func(t *testing.T) {
		r := runHostsChild(t, ctx, hn.b, hostsEnv{role: hostsClientRole, address: addr, authkey: key, ca: caFile})
		checkLesson(t, r)
		if !r.has("TLS: true") {
			t.Errorf("the client did not use TLS:\n%s", r.stdout)
		}
	})

	t.Run("client trusting no CA", func(t *testing.T) {
		r := runHostsChild(t, ctx, hn.b, hostsEnv{role: hostsClientRole, address: addr, authkey: key, ca: hostsNoRoots})
		t.Logf("the client trusting no CA printed:\n%s", r.stdout)
		if r.code != 1 || !r.has("CERTIFICATE-VERIFICATION-ERROR: true") || !r.has("UNKNOWN-AUTHORITY: true") {
			t.Errorf("a client trusting no CA: %v; want exit status 1 and a certificate verification error for an unknown authority", r)
		}
	})

	t.Run("client without TLS", func(t *testing.T) {
		// The plain client waits for the authkey's challenge, the server
		// for a TLS hello: the server's handshake deadline ends it.
		r := runHostsChild(t, ctx, hn.b, hostsEnv{role: hostsClientRole, address: addr, authkey: key})
		if r.code != 1 {
			t.Errorf("a client without TLS: %v; want exit status 1", r)
		}
	})
}

// writeHostsPEM writes der to file as one PEM block, for a child process.
func writeHostsPEM(t *testing.T, file, blockType string, der []byte) {
	t.Helper()
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// hostsString is the lesson's my_string: a type with String and
// Capitalize.
type hostsString struct{ S string }

func (s *hostsString) String() string { return s.S }

func (s *hostsString) Capitalize() string {
	if s.S == "" {
		return ""
	}
	return strings.ToUpper(s.S[:1]) + strings.ToLower(s.S[1:])
}

// TestHostsHelperProcess is not a test: it is the body of the processes
// the two-host tests start on their machines. Run directly, it does
// nothing.
func TestHostsHelperProcess(t *testing.T) {
	role := os.Getenv(hostsRoleEnv)
	var code int
	switch role {
	case "":
		return
	case hostsServerRole:
		code = hostsServe(os.Stdout, os.Stdin)
	case hostsClientRole:
		code = hostsClient(os.Stdout)
	case hostsNoKeyRole:
		code = hostsServeWithoutKey(os.Stdout)
	case hostsPartitionServerRole:
		code = partitionServe(os.Stdout, os.Stdin)
	case hostsPartitionClientRole:
		code = partitionClient(os.Stdout, os.Stdin)
	default:
		fmt.Fprintf(os.Stderr, "unknown %s=%q\n", hostsRoleEnv, role)
		code = 2
	}
	os.Exit(code)
}

// hostsServe is ProcessA: it serves get_my_string at the address from the
// environment with its authkey (and TLS, if given a certificate), prints
// "ADDR host:port" once listening, and serves until stdin closes, or for
// hostsServeLifetime at most. It returns the exit status.
func hostsServe(out io.Writer, stdin io.Reader) int {
	key, err := hex.DecodeString(os.Getenv(hostsAuthkeyEnv))
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", hostsAuthkeyEnv, err)
		return 1
	}
	opts := []basemanager.Option{basemanager.WithAuthKey(key)}
	if certFile := os.Getenv(hostsCertEnv); certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, os.Getenv(hostsKeyEnv))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		opts = append(opts, basemanager.WithTLS(&tls.Config{Certificates: []tls.Certificate{cert}}))
	}
	myString := &hostsString{S: "hello World"}
	m := basemanager.New(os.Getenv(hostsAddressEnv), opts...)
	if err := m.Register("get_my_string", func() *hostsString { return myString }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv, err := m.GetServer()
	if err != nil {
		fmt.Fprintln(os.Stderr, "GetServer:", err)
		return 1
	}
	fmt.Fprintf(out, "ADDR %s\n", srv.Address())

	var timedOut atomic.Bool
	go func() {
		io.Copy(io.Discard, stdin) // until the parent closes it, or exits
		srv.Stop()
	}()
	timer := time.AfterFunc(hostsServeLifetime, func() {
		timedOut.Store(true)
		srv.Stop()
	})
	defer timer.Stop()
	if err := srv.ServeForever(); err != nil {
		fmt.Fprintln(os.Stderr, "ServeForever:", err)
		return 1
	}
	if timedOut.Load() {
		fmt.Fprintf(os.Stderr, "stopped after %v: stdin never closed\n", hostsServeLifetime)
		return 1
	}
	fmt.Fprintln(out, "STOPPED")
	return 0
}

// hostsClient is ProcessB: it connects to the address from the environment
// (over TLS if given a CA, or hostsNoRoots) and prints the lesson's
// results. On failure it prints the error and what kind it is, and returns
// 1.
func hostsClient(out io.Writer) int {
	err := hostsLesson(out)
	if err == nil {
		return 0
	}
	var verr *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	fmt.Fprintf(out, "ERROR: %v\n", err)
	fmt.Fprintf(out, "CERTIFICATE-VERIFICATION-ERROR: %t\n", errors.As(err, &verr))
	fmt.Fprintf(out, "UNKNOWN-AUTHORITY: %t\n", errors.As(err, &unknown))
	fmt.Fprintf(out, "AUTHENTICATION-ERROR: %t\n", errors.Is(err, basemanager.ErrAuthentication))
	return 1
}

func hostsLesson(out io.Writer) error {
	key, err := hex.DecodeString(os.Getenv(hostsAuthkeyEnv))
	if err != nil {
		return fmt.Errorf("%s: %w", hostsAuthkeyEnv, err)
	}
	opts := []basemanager.Option{basemanager.WithAuthKey(key)}
	switch ca := os.Getenv(hostsCAEnv); ca {
	case "":
	case hostsNoRoots:
		opts = append(opts, basemanager.WithTLS(&tls.Config{RootCAs: x509.NewCertPool()}))
	default:
		pemBytes, err := os.ReadFile(ca)
		if err != nil {
			return err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemBytes) {
			return fmt.Errorf("%s: no certificate", ca)
		}
		// No ServerName: the manager verifies the certificate for the
		// host of the address it dials.
		opts = append(opts, basemanager.WithTLS(&tls.Config{RootCAs: pool}))
	}
	fmt.Fprintf(out, "TLS: %t\n", os.Getenv(hostsCAEnv) != "")

	m := basemanager.New(os.Getenv(hostsAddressEnv), append(opts, basemanager.WithHandshakeTimeout(2*time.Second))...)
	defer m.Shutdown()
	if err := m.Register("get_my_string", nil); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.ConnectContext(ctx); err != nil {
		return err
	}
	p, err := m.Get("get_my_string")
	if err != nil {
		return err
	}
	defer p.Close()
	fmt.Fprintf(out, "repr: %s\n", p.Repr())
	fmt.Fprintf(out, "str: %s\n", p.String())
	fmt.Fprintf(out, "print: %v\n", p)
	v, err := p.CallMethod("Capitalize")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "CallMethod(Capitalize): %v\n", v)
	return nil
}

// hostsServeWithoutKey tries to serve the address from the environment
// without an authkey. It returns 0 if GetServer refused with an error
// wrapping ErrInsecureAddress, and 1 otherwise.
func hostsServeWithoutKey(out io.Writer) int {
	m := basemanager.New(os.Getenv(hostsAddressEnv))
	if err := m.Register("get_my_string", func() *hostsString { return &hostsString{S: "hello World"} }); err != nil {
		fmt.Fprintln(out, "Register:", err)
		return 1
	}
	srv, err := m.GetServer()
	if err == nil {
		fmt.Fprintf(out, "SERVED: GetServer bound %s without an authkey\n", srv.Address())
		srv.Stop()
		return 1
	}
	fmt.Fprintf(out, "REFUSED: %v\n", err)
	insecure := errors.Is(err, basemanager.ErrInsecureAddress)
	fmt.Fprintf(out, "INSECURE-ADDRESS: %t\n", insecure)
	if !insecure {
		return 1
	}
	return 0
}

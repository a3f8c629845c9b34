// main.go is the lesson's complete program: ProcessA serves a string with a
// BaseManager, ProcessB connects and uses it through a proxy. run_demo.sh
// starts each role as its own OS process.

// Command demo runs one process of the lesson "Manager":
//
//	demo -role ProcessA -address 127.0.0.1:0 -ready FILE   # serve for 3 s
//	demo -role ProcessB -address 127.0.0.1:PORT            # use the proxy
//	demo -role Sync                                        # SyncManager: workers share a dict, a lock, a queue
//	demo -role ProcessBPython -address 127.0.0.1:PORT      # ProcessB for a Python ProcessA (testdata/python/lesson.py)
//	demo -role SharedMemory                                # SharedMemoryManager: Go and CPython count into one ShareableList
//
// Every role reads the authkey from the GOMANAGER_AUTHKEY environment
// variable; unset or empty, there is none, and ProcessA then serves only a
// loopback address (./run_demo.sh hosts shows the refusal). Without -role,
// or with an unknown one, demo prints its usage and exits with status 2;
// ./run_demo.sh runs the lesson.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"gomanager/basemanager"
	"gomanager/demo/shared"
)

// roles are the processes this program can be, one line each for the usage
// text, in the order the lesson meets them.
var roles = []struct{ name, help string }{
	{"ProcessA", "serve the string \"hello World\" under get_my_string for 3 s (-address, -ready)"},
	{"ProcessB", "connect to ProcessA at -address and use the string through a proxy"},
	{"ProcessBPython", "ProcessB for the lesson's Python ProcessA (testdata/python/lesson.py) at -address"},
	{"Sync", "SyncManager: serve a dict, a lock and a queue to worker processes it starts"},
	{"SyncWorker", "one worker of Sync, started by it with -address (not run by hand)"},
	{"SharedMemory", "SharedMemoryManager: Go workers and a CPython process (-python, -script) count into one ShareableList"},
	{"SharedMemoryWorker", "one Go worker of SharedMemory, started by it with -address (not run by hand)"},
}

// usage prints how to run the demo: the command line, every role with one
// line each, and the flags. run_demo.sh is the usual way in.
func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: demo -role ROLE [-address HOST:PORT] [-ready FILE]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Runs one process of the lesson \"Manager\". ./run_demo.sh runs the lesson,")
	fmt.Fprintln(w, "starting ProcessA and ProcessB as two OS processes (./run_demo.sh sync,")
	fmt.Fprintln(w, "python and hosts run the other scenarios). The authkey is read from the")
	fmt.Fprintln(w, "GOMANAGER_AUTHKEY environment variable; unset or empty, there is none, and")
	fmt.Fprintln(w, "then ProcessA serves only a loopback address.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "roles:")
	for _, r := range roles {
		fmt.Fprintf(w, "  %-15s %s\n", r.name, r.help)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "flags:")
	flag.CommandLine.SetOutput(w)
	flag.PrintDefaults()
}

func main() {
	role := flag.String("role", "", "the process to run: ProcessA, ProcessB, ProcessBPython, Sync, SharedMemory or a worker (see above)")
	address := flag.String("address", "127.0.0.1:0", "the manager's host:port")
	ready := flag.String("ready", "", "ProcessA: write the bound address to this file (a FIFO) once listening")
	python := flag.String("python", "python3", "SharedMemory: the CPython interpreter to run")
	script := flag.String("script", "testdata/python/shm_counter.py", "SharedMemory: the CPython process's script")
	flag.Usage = func() { usage(os.Stderr) } // also for -h and a bad flag
	flag.Parse()
	authkey := os.Getenv("GOMANAGER_AUTHKEY")

	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "demo: unexpected argument %q (the role is given with -role)\n\n", flag.Arg(0))
		usage(os.Stderr)
		os.Exit(2)
	}

	var err error
	switch *role {
	case "ProcessA":
		err = ProcessA(os.Stdout, *address, authkey, *ready)
	case "ProcessB":
		err = ProcessB(os.Stdout, *address, authkey)
	case "ProcessBPython":
		err = ProcessBPython(os.Stdout, *address, authkey)
	case "Sync":
		err = SyncParent(os.Stdout, authkey)
	case "SyncWorker":
		err = SyncWorker(os.Stdout, *address, authkey)
	case "SharedMemory":
		err = SharedMemoryParent(os.Stdout, authkey, *python, *script)
	case "SharedMemoryWorker":
		err = SharedMemoryWorker(os.Stdout, *address, authkey)
	case "":
		usage(os.Stderr)
		os.Exit(2)
	default:
		fmt.Fprintf(os.Stderr, "demo: unknown role %q\n\n", *role)
		usage(os.Stderr)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, *role+":", err)
		os.Exit(1)
	}
}

// ProcessA shares "hello World" under the typeid get_my_string and serves
// until its shutdown goroutine stops the server 3 seconds later.
func ProcessA(out io.Writer, address, authkey, ready string) error {
	myString := &shared.SharedString{S: "hello World"}
	manager := basemanager.New(address, authKeyOptions(authkey)...)
	if err := manager.Register("get_my_string", func() *shared.SharedString { return myString }); err != nil {
		return err
	}
	server, err := manager.GetServer()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "ProcessA: serving get_my_string at %s\n", server.Address())
	if ready != "" {
		// Tell run_demo.sh where we listen: the port was chosen by the OS.
		if err := os.WriteFile(ready, []byte(server.Address()+"\n"), 0o600); err != nil {
			return err
		}
	}

	go shutdown(server) // the lesson's Thread(target=shutdown, args=(server,))

	if err := server.ServeForever(); err != nil {
		return err
	}
	// A change ProcessB made through a method happened here, on our object.
	fmt.Fprintf(out, "ProcessA: stopped; my_string is now %q\n", myString.S)
	return nil
}

// authKeyOptions returns the option setting authkey, or none for an empty
// one: no authkey at all, so that basemanager refuses to serve a
// non-loopback address (ErrInsecureAddress). WithAuthKey("") would set an
// empty key, which counts as a key.
func authKeyOptions(authkey string) []basemanager.Option {
	if authkey == "" {
		return nil
	}
	return []basemanager.Option{basemanager.WithAuthKey(authkey)}
}

// shutdown stops the server after 3 seconds: server.stop_event.set().
func shutdown(server *basemanager.Server) {
	time.Sleep(3 * time.Second)
	server.Stop()
}

// ProcessB connects to ProcessA's manager and uses the shared string through
// a proxy, printing what the lesson prints, then shows that values come back
// as copies.
func ProcessB(out io.Writer, address, authkey string) error {
	manager := basemanager.New(address, authKeyOptions(authkey)...)
	if err := manager.Register("get_my_string", nil); err != nil {
		return err
	}
	// Python's connect() fails if the server is not up yet; retry for a while.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := manager.ConnectContext(ctx); err != nil {
		return err
	}
	defer manager.Shutdown()
	proxyMyString, err := manager.Get("get_my_string")
	if err != nil {
		return err
	}
	defer proxyMyString.Close()

	typed := shared.SharedStringProxy{Proxy: proxyMyString}
	err = printLesson(out, proxyMyString, func() (any, error) {
		return typed.Capitalize() // proxy_my_string.capitalize()
	})
	if err != nil {
		return err
	}
	return copies(out, manager, typed)
}

// lessonProxy is what the lesson's ProcessB uses of its proxy: a Go
// client's *proxy.Proxy and a python.Client's *python.Proxy both have it.
type lessonProxy interface {
	Repr() string
	String() string
	CallMethod(method string, args ...any) (any, error)
}

// printLesson prints what the lesson's ProcessB prints: the proxy's repr
// and str, the proxy itself, the string capitalized by capitalize (the
// lesson's proxy_my_string.capitalize()), then capitalized again through
// CallMethod with the method's Go name (proxy_my_string._callmethod).
func printLesson(out io.Writer, proxyMyString lessonProxy, capitalize func() (any, error)) error {
	fmt.Fprintf(out, "In ProcessB repr(proxy_my_string) = %s\n", proxyMyString.Repr())
	fmt.Fprintf(out, "In ProcessB str(proxy_my_string) = %s\n", proxyMyString)

	fmt.Fprintln(out, proxyMyString)
	capitalized, err := capitalize()
	if err != nil {
		return err
	}
	fmt.Fprintln(out, capitalized)
	v, err := proxyMyString.CallMethod("Capitalize") // proxy_my_string._callmethod("capitalize")
	if err != nil {
		return err
	}
	fmt.Fprintln(out, v)
	return nil
}

// copies shows the lesson's closing point: ProcessB only ever receives
// copies. Changing a copy changes nothing in ProcessA; a change made through
// a method happens on ProcessA's object, and every proxy sees it.
func copies(out io.Writer, manager *basemanager.Manager, p shared.SharedStringProxy) error {
	c, err := p.GetValue() // proxy._getvalue()
	if err != nil {
		return err
	}
	c.S = "changed in ProcessB's copy"
	fmt.Fprintf(out, "copy changed locally:   copy = %q, str(proxy_my_string) = %q\n", c.S, p.String())

	if err := p.Set("hello Manager"); err != nil {
		return err
	}
	other, err := manager.Get("get_my_string")
	if err != nil {
		return err
	}
	defer other.Close()
	fmt.Fprintf(out, "changed through Set:    str(proxy_my_string) = %q, str(new proxy) = %q\n", p.String(), other.String())
	return nil
}

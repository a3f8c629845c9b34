// main.go is the lesson's complete program: ProcessA serves a string with a
// BaseManager, ProcessB connects and uses it through a proxy. run_demo.sh
// starts each role as its own OS process.

// Command demo runs one process of the lesson "Manager":
//
//	demo -role ProcessA -address 127.0.0.1:0 -ready FILE   # serve for 3 s
//	demo -role ProcessB -address 127.0.0.1:PORT            # use the proxy
//	demo -role Sync                                        # SyncManager: workers share a dict, a lock, a queue
//	demo -role ProcessBPython -address 127.0.0.1:PORT      # ProcessB for a Python ProcessA (testdata/python/lesson.py)
//
// Both read the authkey from the GOMANAGER_AUTHKEY environment variable.
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

func main() {
	role := flag.String("role", "", "ProcessA (serve), ProcessB (connect), ProcessBPython (connect to Python), Sync (SyncManager parent) or SyncWorker")
	address := flag.String("address", "127.0.0.1:0", "the manager's host:port")
	ready := flag.String("ready", "", "ProcessA: write the bound address to this file (a FIFO) once listening")
	flag.Parse()
	authkey := os.Getenv("GOMANAGER_AUTHKEY")

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
	default:
		err = fmt.Errorf("unknown role %q: want ProcessA, ProcessB, ProcessBPython, Sync or SyncWorker", *role)
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
	manager := basemanager.New(address, basemanager.WithAuthKey(authkey))
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

// shutdown stops the server after 3 seconds: server.stop_event.set().
func shutdown(server *basemanager.Server) {
	time.Sleep(3 * time.Second)
	server.Stop()
}

// ProcessB connects to ProcessA's manager and uses the shared string through
// a proxy, printing what the lesson prints, then shows that values come back
// as copies.
func ProcessB(out io.Writer, address, authkey string) error {
	manager := basemanager.New(address, basemanager.WithAuthKey(authkey))
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

	fmt.Fprintf(out, "In ProcessB repr(proxy_my_string) = %s\n", proxyMyString.Repr())
	fmt.Fprintf(out, "In ProcessB str(proxy_my_string) = %s\n", proxyMyString)

	fmt.Fprintln(out, proxyMyString)
	typed := shared.SharedStringProxy{Proxy: proxyMyString}
	capitalized, err := typed.Capitalize() // proxy_my_string.capitalize()
	if err != nil {
		return err
	}
	fmt.Fprintln(out, capitalized)
	v, err := proxyMyString.CallMethod("Capitalize") // proxy_my_string._callmethod("capitalize")
	if err != nil {
		return err
	}
	fmt.Fprintln(out, v)

	return copies(out, manager, typed)
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

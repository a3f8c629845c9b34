// python.go is the Go ProcessB for a Python ProcessA: the lesson's ProcessB
// through python.Client (package gomanager/basemanager/python), which speaks CPython's own manager
// protocol. (A Python ProcessB needs nothing: the Go ProcessA serves Python
// clients on its one address.)

package main

import (
	"context"
	"errors"
	"io"
	"syscall"
	"time"

	"gomanager/basemanager"
	"gomanager/basemanager/python"
)

// ProcessBPython connects to the lesson's Python ProcessA and prints what
// the lesson's ProcessB prints. Python's str(proxy) is the referent's repr,
// so the string shows in quotes, as in the lesson.
func ProcessBPython(out io.Writer, address, authkey string) error {
	manager := python.NewClient(address, basemanager.WithAuthKey(authkey))
	defer manager.Close()
	// manager.connect(), retried while the server is not up yet.
	if err := retryConnect(manager, 10*time.Second); err != nil {
		return err
	}
	proxyMyString, err := manager.Create("get_my_string") // manager.get_my_string()
	if err != nil {
		return err
	}
	defer proxyMyString.Close()

	// The same lines as the Go ProcessB (printLesson in main.go); the
	// Python proxy calls capitalize by its Python name.
	return printLesson(out, proxyMyString, func() (any, error) {
		return proxyMyString.CallMethod("capitalize") // proxy_my_string.capitalize()
	})
}

// retryConnect calls Connect until it succeeds, fails for another reason
// than a refused connection, or the time is up.
func retryConnect(manager *python.Client, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	for {
		err := manager.Connect()
		if err == nil || !errors.Is(err, syscall.ECONNREFUSED) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

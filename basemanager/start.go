// start.go mirrors BaseManager.start and shutdown in Python's managers.py:
// StartProcess runs the server in a new process of this program, as
// Python's start() does (package process); Start runs it on a goroutine of
// this process instead.

package basemanager

import (
	"context"
	"errors"
	"fmt"

	"gomanager/basemanager/process"
)

// StartProcess runs a server for this manager in a new OS process and
// connects to it: Python's manager.start(). The new process is this
// program run again, which re-runs main up to this call and serves there
// (package process explains how; register every typeid before this call).
// The shared objects live in that process: a crash of this one does not
// take them down, and the server process exits when this one does, however
// it ends. Shutdown stops it: asks, then terminates it after the shutdown
// timeout (1 s; process.WithShutdownTimeout). process.WithInitializer runs
// a func in the server process before it serves.
func (m *Manager) StartProcess(opts ...process.Option) error {
	if err := m.claimServer("StartProcess"); err != nil {
		return err
	}
	child, address, err := process.Start(m.serverInChild, opts...)
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.address, m.child = address, child
	m.mu.Unlock()
	if err := m.Connect(); err != nil {
		m.Shutdown()
		return err
	}
	return nil
}

// serverInChild is the server StartProcess serves in the new process.
func (m *Manager) serverInChild() (process.Server, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	srv, err := m.getServerLocked()
	if err != nil {
		return nil, err
	}
	return srv, nil
}

// Start runs a server for this manager in a goroutine of this process and
// connects to it: the shared objects live and die with this process (see
// StartProcess for Python's start()). Stop it with Shutdown.
func (m *Manager) Start() error {
	if err := m.claimServer("Start"); err != nil {
		return err
	}
	m.mu.Lock()
	srv, err := m.getServerLocked()
	m.mu.Unlock()
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeForever() }()
	m.mu.Lock()
	m.server, m.served = srv, served
	m.mu.Unlock()
	if err := m.Connect(); err != nil {
		m.Shutdown()
		return err
	}
	return nil
}

// claimServer marks the manager as starting its server (op names the call
// in errors), unless it has one or was shut down.
func (m *Manager) claimServer(op string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.shutDown:
		return fmt.Errorf("basemanager: %s: %w (make a new one with New)", op, ErrShutDown)
	case m.started || m.serving:
		return fmt.Errorf("basemanager: %s: %w: this manager already has its server", op, ErrAlreadyStarted)
	}
	m.started = true
	return nil
}

// Shutdown closes the manager's connections and, if Start or StartProcess
// started a server, stops it and waits for it: Python's manager.shutdown(). Proxies from this
// manager stop working. Shutdown is idempotent; use it with defer as Python
// uses "with manager:".
func (m *Manager) Shutdown() error {
	return m.shutdown(nil)
}

// ShutdownContext is Shutdown, but a server that Start started first
// drains: it stops accepting, and the calls in flight, this process's and
// other clients', finish until ctx is done (Server.Shutdown). It returns
// ctx.Err() if it had to cut calls short.
func (m *Manager) ShutdownContext(ctx context.Context) error {
	return m.shutdown(ctx)
}

// shutdown stops the manager; a nil ctx stops its server at once.
func (m *Manager) shutdown(ctx context.Context) error {
	m.mu.Lock()
	if m.shutDown {
		m.mu.Unlock()
		return nil
	}
	m.shutDown = true
	clients, stops, srv, served, child := m.clients, m.stops, m.server, m.served, m.child
	m.client, m.clients, m.stops, m.server, m.child = nil, nil, nil, nil, nil
	m.mu.Unlock()

	var drained error
	if srv != nil && ctx != nil {
		drained = srv.Shutdown(ctx) // before the connections close: this process's calls may be in flight
	}
	for _, c := range clients {
		c.Close()
	}
	for _, stop := range stops {
		stop()
	}
	if child != nil {
		return child.Stop()
	}
	if srv == nil {
		return nil
	}
	srv.Stop()
	return errors.Join(drained, <-served)
}

// start.go mirrors BaseManager.start and shutdown in Python's managers.py,
// with one difference: the server runs on a goroutine of this process, not
// in a new process. (To serve from another process, run a program that
// calls GetServer and ServeForever, as the lesson's ProcessA does.)

package basemanager

import (
	"context"
	"errors"
	"fmt"
)

// Start runs a server for this manager in a goroutine of this process and
// connects to it. (Python's start() spawns a server process instead; in Go,
// run a separate program that calls GetServer and ServeForever for that.)
// Stop it with Shutdown.
func (m *Manager) Start() error {
	m.mu.Lock()
	switch {
	case m.shutDown:
		m.mu.Unlock()
		return fmt.Errorf("basemanager: Start: %w (make a new one with New)", ErrShutDown)
	case m.started || m.serving:
		m.mu.Unlock()
		return fmt.Errorf("basemanager: Start: %w: this manager already has its server", ErrAlreadyStarted)
	}
	m.started = true
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

// Shutdown closes the manager's connections and, if Start started a server,
// stops it and waits for it: Python's manager.shutdown(). Proxies from this
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
	clients, stops, srv, served := m.clients, m.stops, m.server, m.served
	m.client, m.clients, m.stops, m.server = nil, nil, nil, nil
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
	if srv == nil {
		return nil
	}
	srv.Stop()
	return errors.Join(drained, <-served)
}

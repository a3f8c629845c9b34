// manager.go mirrors SharedMemoryManager and SharedMemoryServer in Python's
// managers.py: a manager whose server tracks the shared memory blocks its
// clients create, and unlinks every one it still tracks when it stops, so
// that blocks do not outlive the program that serves them.

package sharedmemory

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"

	"gomanager/basemanager"
	"gomanager/basemanager/process"
	"gomanager/basemanager/python"
	"gomanager/proxy"
)

// Manager is Python's SharedMemoryManager: a BaseManager (Register, Get,
// GetServer, Start, StartProcess, Connect and the typed handles of package
// proxy all work on it) whose server also tracks blocks. SharedMemory and
// ShareableList create a block in the calling process, as Python's do, and
// have the server track it; the server unlinks every block it still tracks
// when it stops (Shutdown, or ServeForever returning), including the blocks
// of clients that died. A server killed with SIGKILL leaves its blocks
// behind: ListSegments names them while it runs, and their names start
// with "psm_" under /dev/shm.
//
// CPython's SharedMemoryManager clients use a Go Manager's server as
// CPython's own (their track_segment, release_segment and list_segments
// requests); a Go program uses a CPython SharedMemoryManager's server with
// package python's Client (TrackSegment, ReleaseSegment, ListSegments).
type Manager struct {
	*basemanager.Manager
	tracker *Tracker // this side's; the server's when this process serves
}

// NewManager returns a SharedMemoryManager for the server at address, with
// basemanager's options: Python's SharedMemoryManager(address, authkey).
// Use it on both sides: the serving side tracks blocks, the connecting side
// asks it to.
func NewManager(address string, opts ...basemanager.Option) *Manager {
	m := &Manager{Manager: basemanager.New(address, opts...), tracker: &Tracker{}}
	err := m.Register(python.SegmentsTypeid, func() *Tracker { return m.tracker },
		basemanager.Exposed("Track", "Release", "List"))
	if err != nil {
		panic(err) // a fixed registration on a new manager: a failure is a bug
	}
	return m
}

// SharedMemory creates a block of size bytes in this process and has the
// server track it: Python's smm.SharedMemory(size). If the server cannot
// track it, the block is unlinked and the error returned.
func (m *Manager) SharedMemory(size int) (*SharedMemory, error) {
	shm, err := Create(size)
	if err != nil {
		return nil, err
	}
	if err := m.track(shm.Name()); err != nil {
		shm.Unlink()
		shm.Close()
		return nil, err
	}
	return shm, nil
}

// ShareableList creates a ShareableList holding items in a new block of
// this process and has the server track the block: Python's
// smm.ShareableList(sequence).
func (m *Manager) ShareableList(items []any) (*ShareableList, error) {
	sl, err := NewShareableList(items)
	if err != nil {
		return nil, err
	}
	if err := m.track(sl.SharedMemory().Name()); err != nil {
		sl.Unlink()
		sl.Close()
		return nil, err
	}
	return sl, nil
}

// ReleaseSegment has the server unlink the block named name and stop
// tracking it: Python's release_segment request. A name the server does
// not track fails with an error wrapping proxy.ErrKeyNotFound.
func (m *Manager) ReleaseSegment(name string) error {
	_, err := m.callTracker("Release", name)
	return err
}

// ListSegments returns the names of the blocks the server tracks, oldest
// first: Python's list_segments request.
func (m *Manager) ListSegments() ([]string, error) {
	v, err := m.callTracker("List")
	if err != nil {
		return nil, err
	}
	return proxy.As[[]string](v, "ListSegments")
}

func (m *Manager) track(name string) error {
	_, err := m.callTracker("Track", name)
	return err
}

// callTracker calls a method of the server's tracker through a proxy of
// its own.
func (m *Manager) callTracker(method string, args ...any) (any, error) {
	p, err := m.Get(python.SegmentsTypeid)
	if err != nil {
		return nil, fmt.Errorf("sharedmemory: %s: %w (is the server a SharedMemoryManager's?)", method, err)
	}
	defer p.Close()
	return p.CallMethod(method, args...)
}

// Start runs the server on a goroutine of this process, as Manager.Start
// does; Shutdown stops it and unlinks the blocks it tracks.
func (m *Manager) Start() error { return m.Manager.Start() }

// StartProcess runs the server in a new process, as Manager.StartProcess
// does; that process unlinks the blocks it tracks when it stops.
func (m *Manager) StartProcess(opts ...process.Option) error {
	unlink := func() {
		if err := m.tracker.unlinkAll(); err != nil {
			fmt.Fprintf(os.Stderr, "sharedmemory: server process %d: %v\n", os.Getpid(), err)
		}
	}
	return m.Manager.StartProcess(append(opts, process.WithCleanup(unlink))...)
}

// Shutdown stops the manager as Manager.Shutdown does; if this process
// served (Start), it then unlinks every block its server still tracks:
// Python's SharedMemoryServer.shutdown.
func (m *Manager) Shutdown() error {
	return errors.Join(m.Manager.Shutdown(), m.tracker.unlinkAll())
}

// ShutdownContext is Shutdown with Manager.ShutdownContext's draining.
func (m *Manager) ShutdownContext(ctx context.Context) error {
	return errors.Join(m.Manager.ShutdownContext(ctx), m.tracker.unlinkAll())
}

// GetServer returns the server, as Manager.GetServer does; its
// ServeForever unlinks the blocks it tracks once it stops serving.
func (m *Manager) GetServer() (*Server, error) {
	srv, err := m.Manager.GetServer()
	if err != nil {
		return nil, err
	}
	return &Server{Server: srv, tracker: m.tracker}, nil
}

// Server is a SharedMemoryManager's server: Python's SharedMemoryServer.
type Server struct {
	*basemanager.Server
	tracker *Tracker
}

// ServeForever serves as basemanager's Server does, then unlinks every
// block the server still tracks.
func (s *Server) ServeForever() error {
	return errors.Join(s.Server.ServeForever(), s.tracker.unlinkAll())
}

// Tracker is the server's list of blocks: Python's _SharedMemoryTracker.
// Clients reach it through the manager (SharedMemory, ReleaseSegment,
// ListSegments) or, from CPython, through SharedMemoryServer's requests.
type Tracker struct {
	mu    sync.Mutex // guards names
	names []string
}

// Track adds the block named name: Python's track_segment.
func (t *Tracker) Track(name string) error {
	if _, err := cleanName("track_segment", name); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !slices.Contains(t.names, name) {
		t.names = append(t.names, name)
	}
	return nil
}

// Release unlinks the block named name and stops tracking it: Python's
// release_segment. A name not tracked fails with an error wrapping
// proxy.ErrKeyNotFound.
func (t *Tracker) Release(name string) error {
	t.mu.Lock()
	i := slices.Index(t.names, name)
	if i < 0 {
		t.mu.Unlock()
		return fmt.Errorf("sharedmemory: release_segment %q: the server does not track this block "+
			"(ListSegments names those it does): %w", name, proxy.ErrKeyNotFound)
	}
	t.names = slices.Delete(t.names, i, i+1)
	t.mu.Unlock()
	return unlinkName(name)
}

// List returns the names of the tracked blocks, oldest first: Python's
// list_segments.
func (t *Tracker) List() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.names)
}

// unlinkAll unlinks every tracked block and forgets them. A block someone
// else unlinked already is not an error.
func (t *Tracker) unlinkAll() error {
	t.mu.Lock()
	names := t.names
	t.names = nil
	t.mu.Unlock()
	var errs []error
	for _, name := range names {
		if err := unlinkName(name); err != nil && !errors.Is(err, ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// unlinkName removes the block named name, as SharedMemory.Unlink does,
// without mapping it.
func unlinkName(name string) error {
	clean, err := cleanName("unlink", name)
	if err != nil {
		return err
	}
	return unlink(clean)
}

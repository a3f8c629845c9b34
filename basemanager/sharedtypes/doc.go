// Package sharedtypes holds the objects a SyncManager shares: the Go
// counterparts of the queue.Queue, threading.Lock, dict, list, ... that
// Python's managers.py registers. basemanager.NewSyncManager registers them
// under Python's typeids; package proxy has their typed client handles.
//
// Every type here is registered with basemanager.Concurrent: the server
// does not serialize calls on one object, so each type guards its state
// with its own mutex. Blocking methods (a Queue's Get, a Lock's Acquire)
// never wait while holding that mutex: they wait on a channel that is
// closed on each change of state, on their context (cancelled when the
// caller gives up or its connection ends) and on a timer.
//
// Timeouts arrive as Python passes them: a block flag and a timeout in
// seconds, where a negative timeout means None (wait for ever).
package sharedtypes

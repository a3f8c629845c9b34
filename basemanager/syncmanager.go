// syncmanager.go mirrors SyncManager in Python's managers.py: a manager with
// the shared types registered (Queue, Lock, dict, list, ...), under
// Python's typeids. The types and their table live in package sharedtypes;
// their typed client handles in package proxy.

package basemanager

import "gomanager/basemanager/sharedtypes"

// NewSyncManager returns a manager with Python's SyncManager typeids
// registered, under Python's names: Queue, JoinableQueue, Event, Lock, RLock,
// Semaphore, BoundedSemaphore, Condition, Barrier, dict, list, set, Value,
// Array, Namespace (and Iterator, made by iteration). Every shared
// type does its own locking, so blocking calls (a Queue's Get, a Lock's
// Acquire) never hold up other callers.
//
// Use it on both sides: the serving side runs the types, the connecting side
// only needs the names. Typed handles are made with package proxy, for
// example proxy.NewQueue[int](m, 0) or proxy.NewDict[string, int](m).
func NewSyncManager(address string, opts ...Option) *Manager {
	m := New(address, opts...)
	for _, r := range sharedtypes.Registrations {
		opts := []RegisterOption{Exposed(r.Exposed...), Concurrent()}
		if r.MethodToTypeid != nil {
			opts = append(opts, MethodToTypeid(r.MethodToTypeid))
		}
		if err := m.Register(r.Typeid, r.Callable, opts...); err != nil {
			panic(err) // the table is fixed: a failure here is a bug
		}
	}
	return m
}

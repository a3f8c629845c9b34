// sync_primitives.go lists SyncManager's synchronization typeids (Python's
// Queue, JoinableQueue, Event, Lock, RLock, Semaphore, BoundedSemaphore,
// Condition, Barrier registrations).

package basemanager

var primitiveTypes = []syncType{}

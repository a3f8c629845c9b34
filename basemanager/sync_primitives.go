// sync_primitives.go lists SyncManager's synchronization typeids (Python's
// Queue, JoinableQueue, Event, Lock, RLock, Semaphore, BoundedSemaphore,
// Condition, Barrier registrations).

package basemanager

import "gomanager/basemanager/sharedtypes"

// The exposed methods of each type, as Python lists them for its proxies.
// They leave out String and GoString (a proxy's String and the __repr__
// request reach them anyway) and Abandon, which only the server may call.
var (
	queueMethods     = Exposed("Put", "Get", "Qsize", "Empty", "Full", "TaskDone", "Join")
	lockMethods      = Exposed("Acquire", "Release", "Locked")
	semaphoreMethods = Exposed("Acquire", "Release")
)

var primitiveTypes = []syncType{
	{typeid: "Queue", callable: sharedtypes.NewQueue, opts: []RegisterOption{queueMethods}},
	{typeid: "JoinableQueue", callable: sharedtypes.NewQueue, opts: []RegisterOption{queueMethods}},
	{typeid: "Event", callable: sharedtypes.NewEvent, opts: []RegisterOption{Exposed("Set", "Clear", "IsSet", "Wait")}},
	{typeid: "Lock", callable: sharedtypes.NewLock, opts: []RegisterOption{lockMethods}},
	{typeid: "RLock", callable: sharedtypes.NewRLock, opts: []RegisterOption{lockMethods}},
	{typeid: "Semaphore", callable: sharedtypes.NewSemaphore, opts: []RegisterOption{semaphoreMethods}},
	{typeid: "BoundedSemaphore", callable: sharedtypes.NewBoundedSemaphore, opts: []RegisterOption{semaphoreMethods}},
	{typeid: "Condition", callable: sharedtypes.NewCondition,
		opts: []RegisterOption{Exposed("Acquire", "Release", "Wait", "Notify", "NotifyAll")}},
	{typeid: "Barrier", callable: sharedtypes.NewBarrier,
		opts: []RegisterOption{Exposed("Wait", "Abort", "Reset", "Parties", "NWaiting", "Broken")}},
}

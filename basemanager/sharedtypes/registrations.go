// registrations.go lists the typeids SyncManager registers in Python's
// managers.py, with the callables and the methods each exposes; package
// basemanager's NewSyncManager registers them.

package sharedtypes

// Registration is one SyncManager typeid.
type Registration struct {
	Typeid         string
	Callable       any               // nil: made only by other objects' methods (MethodToTypeid)
	Exposed        []string          // the methods proxies may call
	MethodToTypeid map[string]string // methods whose results are shared, not copied
}

// The exposed methods of each type, as Python lists them for its proxies.
// They leave out String and GoString (a proxy's String and the __repr__
// request reach them anyway), and what only the server may call: Abandon,
// EachProxy, Holder.
var (
	queueMethods     = []string{"Put", "Get", "Qsize", "Empty", "Full", "TaskDone", "Join", "Shutdown"}
	lockMethods      = []string{"Acquire", "Release", "Locked"}
	semaphoreMethods = []string{"Acquire", "Release"}
	iterates         = map[string]string{"Iter": "Iterator"} // as Python's DictProxy maps __iter__ to 'Iterator'
	setMethods       = []string{"Add", "Discard", "Remove", "Pop", "Clear", "Contains", "Len", "Items", "Iter",
		"Update", "IntersectionUpdate", "DifferenceUpdate", "SymmetricDifferenceUpdate",
		"Union", "Intersection", "Difference", "SymmetricDifference", "IsSubset", "IsSuperset", "IsDisjoint"}
)

// Registrations are SyncManager's typeids, under Python's names. Every
// type does its own locking: they are registered Concurrent.
var Registrations = []Registration{
	{Typeid: "Queue", Callable: NewQueue, Exposed: queueMethods},
	{Typeid: "JoinableQueue", Callable: NewQueue, Exposed: queueMethods},
	{Typeid: "Event", Callable: NewEvent, Exposed: []string{"Set", "Clear", "IsSet", "Wait"}},
	{Typeid: "Lock", Callable: NewLock, Exposed: lockMethods},
	{Typeid: "RLock", Callable: NewRLock, Exposed: lockMethods},
	{Typeid: "Semaphore", Callable: NewSemaphore, Exposed: semaphoreMethods},
	{Typeid: "BoundedSemaphore", Callable: NewBoundedSemaphore, Exposed: semaphoreMethods},
	{Typeid: "Condition", Callable: NewCondition, Exposed: []string{"Acquire", "Release", "Wait", "Notify", "NotifyAll"}},
	{Typeid: "Barrier", Callable: NewBarrier, Exposed: []string{"Wait", "Abort", "Reset", "Parties", "NWaiting", "Broken"}},
	{Typeid: "dict", Callable: NewDict, MethodToTypeid: iterates, Exposed: []string{
		"Get", "GetDefault", "Set", "Delete", "Contains", "Len", "Keys", "Values", "Items", "Clear", "Copy",
		"Pop", "PopDefault", "PopItem", "SetDefault", "Update", "Iter", "Add", "CompareAndSwap"}},
	{Typeid: "list", Callable: NewList, MethodToTypeid: iterates, Exposed: []string{
		"Append", "Extend", "Get", "Set", "Delete", "Insert", "Pop", "Remove", "Index", "Count", "Contains",
		"Len", "Reverse", "Sort", "Slice", "Copy", "Clear", "Iter", "Concat", "MulInPlace"}},
	// Python 3.14's set; its SetProxy maps no method to 'Iterator', but
	// Python's set iterator cannot be pickled: iter() gets a proxy here.
	{Typeid: "set", Callable: NewSet, MethodToTypeid: iterates, Exposed: setMethods},
	{Typeid: "Value", Callable: NewValue, Exposed: []string{"Get", "Set", "Add", "CompareAndSwap"}},
	{Typeid: "Array", Callable: NewArray, Exposed: []string{"Len", "Get", "Set", "Items", "Slice", "Typecode"}},
	{Typeid: "Namespace", Callable: NewNamespace, Exposed: []string{"Get", "Set", "Delete", "Has", "Names"}},
	// Made only by Iter (above), never by Get: no callable.
	{Typeid: "Iterator", Exposed: []string{"Next"}},
}

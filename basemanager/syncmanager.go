// syncmanager.go mirrors SyncManager in Python's managers.py: a manager with
// the shared types registered (Queue, Lock, dict, list, ...), under
// Python's typeids. The types themselves live in package sharedtypes;
// their typed client handles in package proxy.

package basemanager

import "gomanager/basemanager/sharedtypes"

// syncType is one typeid SyncManager registers.
type syncType struct {
	typeid   string
	callable any // nil: made only by other objects' methods (MethodToTypeid)
	opts     []RegisterOption
}

// NewSyncManager returns a manager with Python's SyncManager typeids
// registered, under Python's names: Queue, JoinableQueue, Event, Lock,
// RLock, Semaphore, BoundedSemaphore, Condition, Barrier, dict, list, Value,
// Namespace (and Iterator, made by dict and list iteration). Every shared
// type does its own locking, so blocking calls (a Queue's Get, a Lock's
// Acquire) never hold up other callers.
//
// Use it on both sides: the serving side runs the types, the connecting side
// only needs the names. Typed handles are made with package proxy, for
// example proxy.NewQueue[int](m, 0) or proxy.NewDict[string, int](m).
func NewSyncManager(address string, opts ...Option) *Manager {
	m := New(address, opts...)
	for _, types := range [][]syncType{primitiveTypes, containerTypes} {
		for _, t := range types {
			if err := m.Register(t.typeid, t.callable, append(t.opts, Concurrent())...); err != nil {
				panic(err) // the table is fixed: a failure here is a bug
			}
		}
	}
	return m
}

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

// iterates makes a type's Iter method return a proxy to an Iterator, as
// Python's DictProxy maps __iter__ to 'Iterator'.
var iterates = MethodToTypeid(map[string]string{"Iter": "Iterator"})

// The exposed methods leave out String and GoString (str(proxy) and the
// server's __repr__ reach them anyway).
var containerTypes = []syncType{
	{typeid: "dict", callable: sharedtypes.NewDict, opts: []RegisterOption{iterates, Exposed(
		"Get", "GetDefault", "Set", "Delete", "Contains", "Len", "Keys", "Values", "Items", "Clear", "Copy",
		"Pop", "PopDefault", "PopItem", "SetDefault", "Update", "Iter", "Add", "CompareAndSwap")}},
	{typeid: "list", callable: sharedtypes.NewList, opts: []RegisterOption{iterates, Exposed(
		"Append", "Extend", "Get", "Set", "Delete", "Insert", "Pop", "Remove", "Index", "Count", "Contains",
		"Len", "Reverse", "Sort", "Slice", "Copy", "Clear", "Iter", "Concat", "MulInPlace")}},
	{typeid: "Value", callable: sharedtypes.NewValue, opts: []RegisterOption{Exposed("Get", "Set", "Add", "CompareAndSwap")}},
	{typeid: "Namespace", callable: sharedtypes.NewNamespace, opts: []RegisterOption{Exposed("Get", "Set", "Delete", "Has", "Names")}},
	// Made only by Iter (above), never by Get: no callable.
	{typeid: "Iterator", opts: []RegisterOption{Exposed("Next")}},
}

// sync_containers.go lists SyncManager's container typeids (Python's dict,
// list, Value, Namespace and Iterator registrations).

package basemanager

import "gomanager/basemanager/sharedtypes"

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

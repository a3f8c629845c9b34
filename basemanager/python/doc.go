// Package python is gomanager's side of CPython's own manager protocol,
// in both directions, with no Python code run and no cgo:
//
//   - A manager's server (package basemanager) serves CPython's clients, a
//     BaseManager that connects or a SyncManager, on the same address as
//     Go clients, with no import or option: after the handshake, a first
//     message that is a pickle goes to the FrontDoor. Python clients call
//     methods by Python's names (capitalize, is_set, __getitem__), with
//     Python's arguments, and get Python's exceptions. A proxy they store
//     in a shared dict or list stays a live shared object, readable back
//     by Python and Go clients alike (nested.go), and a list orders and
//     compares its items by Python's rules for them (pyorder.go).
//   - [Client] is a Go client of a CPython manager server, as a Python
//     BaseManager is after connect().
//
// A Go client of a CPython server, step by step:
//
//	c := python.NewClient("127.0.0.1:50000", basemanager.WithAuthKey(key))
//	err := c.Connect()                           // manager.connect()
//	d, err := c.Create("dict")                   // manager.dict()
//	_, err = d.CallMethod("__setitem__", "a", 1) // d['a'] = 1
//	err = d.Close()                              // decref
//
// Pickles are read and written by package [gomanager/basemanager/pickle],
// which builds values itself and knows a fixed allow-list of globals.
// README.md beside this file has the tables: which calls each shared type
// answers, the pickle subset, the limits, the fuzz runs.
//
// # For package basemanager
//
// [Server], [Session] and [Object] are what the front door needs of the
// manager's server; basemanager implements them in one file (python.go)
// and calls [Peek] and [FrontDoor.Serve]. Application code never needs
// them.
package python

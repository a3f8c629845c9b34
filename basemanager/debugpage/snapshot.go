// Package debugpage shows what a manager's server holds, as net/rpc's
// /debug/rpc shows its services, but more: the server, its objects and who
// holds them, its connections and the calls blocked in them, and the
// holders of its locks. A learner watching reference counts move as proxies
// come and go learns the lesson faster.
//
// basemanager.DebugHandler(srv) serves it; nothing listens unless the
// program asks. The page shows shared data: serve it on loopback only.
package debugpage

import "time"

// Snapshot is the server at one moment: what the page shows, as HTML or,
// with ?format=json, as JSON.
type Snapshot struct {
	Address     string        `json:"address"`
	Epoch       uint64        `json:"epoch"`
	Uptime      time.Duration `json:"uptime_ns"`
	CallsServed int64         `json:"calls_served"` // calls that returned a result
	CallsFailed int64         `json:"calls_failed"` // calls that returned an error
	Objects     []Object      `json:"objects"`
	Connections []Connection  `json:"connections"`
	Locks       []Lock        `json:"locks"`
}

// Object is one shared object.
type Object struct {
	ID       uint64   `json:"id"`
	Typeid   string   `json:"typeid"`
	Refs     int      `json:"refs"`      // every reference: connections', Python clients', containers'
	HeldBy   []uint64 `json:"held_by"`   // the connections holding references, by number
	InsideOf []uint64 `json:"inside_of"` // the objects (containers) that keep a proxy to it
	Str      string   `json:"str"`       // the first 75 characters of its String()
}

// Connection is one open connection.
type Connection struct {
	Number   uint64 `json:"number"` // as Object.HeldBy and Lock.Holder name it
	Peer     string `json:"peer"`
	Python   bool   `json:"python"` // a CPython client; else a Go one
	Auth     string `json:"auth"`   // how it authenticated: "authkey" or "none (loopback)"
	TLS      bool   `json:"tls"`
	InFlight int    `json:"in_flight"` // calls running
	Blocked  []Call `json:"blocked"`   // calls of blocking methods (taking a context) running, longest first
}

// Call is a call in flight.
type Call struct {
	Method string        `json:"method"` // typeid.Method
	For    time.Duration `json:"for_ns"`
}

// Lock is a lock, RLock or Condition held by a connection.
type Lock struct {
	ObjectID uint64 `json:"object_id"`
	Typeid   string `json:"typeid"`
	Holder   uint64 `json:"holder"` // the holding connection's number
}

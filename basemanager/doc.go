// Package basemanager is Python's multiprocessing.managers.BaseManager in
// Go: a server that owns shared objects, and proxies through which other
// processes, on this machine or another, call their methods.
//
// # The pattern in five steps
//
// The serving process registers a typeid with a callable that returns the
// object to share, gets a server and serves forever:
//
//	s := &SharedString{S: "hello World"}
//	m := basemanager.New("127.0.0.1:50000", basemanager.WithAuthKey(key))
//	m.Register("get_my_string", func() *SharedString { return s })
//	srv, err := m.GetServer()   // the listener is bound here
//	err = srv.ServeForever()    // until srv.Stop()
//
// Another process declares the same typeid without a callable, connects,
// asks for a proxy and calls methods through it:
//
//	m := basemanager.New("127.0.0.1:50000", basemanager.WithAuthKey(key))
//	m.Register("get_my_string", nil)
//	err := m.Connect()
//	p, err := m.Get("get_my_string")          // *proxy.Proxy
//	fmt.Println(p)                            // str(p): "hello World", computed on the server
//	v, err := p.CallMethod("Capitalize")      // p._callmethod("capitalize")
//	s, err := proxy.Call[string](p, "Capitalize")
//
// # What happens in one call
//
//  1. The proxy packs the arguments and sends a request (object id, method
//     name, arguments) through net/rpc to the server's one service,
//     "Manager", and its Call method.
//  2. The service finds the shared object by id and the method by name in a
//     table built by reflection when the typeid was registered.
//  3. It converts the arguments to the method's parameter types, takes the
//     object's lock (calls on one object are serialized) and calls it.
//  4. The result is encoded, still under the lock, and sent back. The caller
//     gets a copy: changing it changes nothing on the server. Only calls
//     through the proxy change the shared object.
//
// # Methods a proxy can call
//
// A proxy can call the exported methods of the object's type (of the
// pointer type, so pointer-receiver methods work even when the callable
// returns a plain value). [Exposed] narrows that list, like Python's
// exposed=. A method may:
//   - take any arguments gob can carry; numbers convert between Go's
//     numeric types when the value fits;
//   - take a context.Context first: it is cancelled when the caller's
//     connection ends or the server stops;
//   - return nothing, one value, several values (the proxy gets []any), and
//     optionally a final error, which reaches the caller as a
//     *proxy.RemoteError. A panic does too, with the server's stack.
//
// Values of custom types travel with encoding/gob: register them with
// gob.Register on the calling side too (Register does it for the serving
// side).
//
// # Lifetime
//
// Every proxy holds one reference to its object, and [proxy.Proxy.Close]
// releases it; the server frees an object when its last reference is gone.
// References belong to the connection that took them: when a client
// disconnects or dies, the server releases what it held.
//
// # Authentication
//
// With [WithAuthKey], every connection starts with Python 3.12's mutual
// HMAC-SHA256 challenge and response, in Python's framing, under a deadline
// ([WithHandshakeTimeout]). A wrong key fails with [ErrAuthentication]. A
// server without an authkey only listens on loopback addresses. Python
// 3.11's legacy HMAC-MD5 dialect is spoken too, for CPython peers.
//
// # Python clients and servers
//
// The server also serves CPython's own manager clients (a BaseManager that
// connects, a SyncManager), on the same address: after the handshake, a
// first message that is a pickle selects Python's protocol. They call
// methods by Python's names (capitalize, is_set) and get Python's
// exceptions; their pickles are read by package
// [gomanager/basemanager/pickle], which runs no code. [NewPythonClient]
// goes the other way: a Go client of a CPython manager server.
//
// # Differences from Python
//
//   - [Manager.Start] runs the server on a goroutine of this process, not in
//     a new process; to serve from another process, run a program that calls
//     GetServer and ServeForever.
//   - Methods are called by their Go names ("Capitalize", not "capitalize").
//   - Values are encoded with gob, which cannot carry code: a peer with the
//     authkey can call exposed methods, nothing more.
//   - One connection per manager carries the concurrent calls of all its
//     proxies and goroutines.
package basemanager

// Package basemanager is Python's multiprocessing.managers.BaseManager in
// Go: a server that owns shared objects, and proxies through which other
// processes, on this machine or another, call their methods.
//
// # The lesson in five steps
//
// ProcessA registers a typeid with a callable that returns the object to
// share, gets a server and serves forever:
//
//	s := &SharedString{S: "hello World"}
//	m := basemanager.New("127.0.0.1:50000", basemanager.WithAuthKey(key))
//	m.Register("get_my_string", func() *SharedString { return s }) // 1. register
//	srv, err := m.GetServer()                                       // 2. get_server: the listener is bound
//	err = srv.ServeForever()                                        // 3. serve_forever, until srv.Stop()
//
// ProcessB declares the same typeid without a callable, connects, asks for
// a proxy and calls methods through it:
//
//	m := basemanager.New("127.0.0.1:50000", basemanager.WithAuthKey(key))
//	m.Register("get_my_string", nil)
//	err := m.Connect()                              // 4. connect
//	p, err := m.Get("get_my_string")                // 5. get: a *proxy.Proxy
//	v, err := p.CallMethod("Capitalize")            // p._callmethod('capitalize')
//	fmt.Println(p, p.Repr())                        // str(p), computed on the server; repr(p)
//	c, err := p.GetValue()                          // a copy: changing it changes nothing shared
//
// # Reading order
//
// The lesson's path runs through six files, about 1,300 lines; read them in
// this order:
//
//  1. registry.go: register. A typeid, its callable and the methods a proxy
//     may call (exposed=), in method tables built by reflection once per type.
//  2. manager.go: BaseManager. New, Register, GetServer, Connect and Get:
//     the create request that returns a proxy.
//  3. server.go: Server. The listener, ServeForever and Stop (stop_event),
//     and serveConn: authenticate, then serve the one net/rpc service.
//  4. service.go: the service, "Manager". Call is the dispatcher; Create,
//     Incref and Decref are Python's create, incref and decref.
//  5. objects.go: id_to_obj and the refcounts. create runs the callable;
//     call finds the method by name, calls it by reflection under the
//     object's lock and encodes a copy of the result.
//  6. ../proxy/proxy.go: BaseProxy. CallMethod (_callmethod), Call, String
//     (str), Repr (repr), GetValue (a copy) and Close.
//
// Everything else is beside the path, one job a file or a package:
// options.go, errors.go, start.go (StartProcess: package process; Start,
// Shutdown), rebuild.go, debug.go (DebugHandler: package debugpage),
// signature.go, hooks.go and holds.go (what shared types may implement),
// identity.go, epoch.go, cancel.go, syncmanager.go; python.go, the door to
// [gomanager/basemanager/python], which serves CPython's own clients on the
// same address and is a Go client of CPython servers; and
// internal/connection: Python's multiprocessing.connection (listener,
// handshake, framing), heartbeats, and the speed machinery under net/rpc.
//
// # Methods a proxy can call
//
// A proxy can call the exported methods of the object's type (of the
// pointer type, so pointer-receiver methods work even when the callable
// returns a plain value); [Exposed] narrows the list. A method may take a
// context.Context first (cancelled when the caller's connection ends), any
// arguments gob can carry (numbers convert when the value fits), and return
// nothing, one value, several (the proxy gets []any) and a final error,
// which reaches the caller as a *proxy.RemoteError, as a panic does.
//
// # Your own types
//
// Values of your own types travel with encoding/gob, so both programs must
// use the same Go type: put it in a package both import (as demo/shared),
// or register it with gob.RegisterName under the same name on both sides.
// Register does gob.Register for the types in a callable's and its
// methods' signatures on the serving side.
//
// # Lifetime and authentication
//
// Every proxy holds one reference, which [proxy.Proxy.Close] releases; the
// server frees an object with its last reference, and releases what a
// connection held when the connection ends. With [WithAuthKey], every
// connection starts with Python's HMAC challenge and response; a wrong key
// fails with [ErrAuthentication]. Without an authkey a server only listens
// on loopback, or on a Unix socket: an address with a slash, or "unix:" and a
// path ("/tmp/m.sock", "unix:m.sock"), as Python's address='/tmp/m.sock'.
//
// # Differences from Python
//
//   - [Manager.Start] runs the server on a goroutine of this process, not in
//     a new process.
//   - Methods are called by their Go names ("Capitalize", not "capitalize").
//   - Values are encoded with gob, which cannot carry code: a peer with the
//     authkey can call exposed methods, nothing more.
//   - One connection per manager carries the calls of all its proxies.
package basemanager

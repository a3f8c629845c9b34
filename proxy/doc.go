// Package proxy is the client side of a manager: Python's BaseProxy,
// AutoProxy, Token and RemoteError.
//
// A [Proxy] stands for one shared object (the referent) that lives in a
// manager's server. Get one from basemanager's Manager.Get, then:
//
//	v, err := p.CallMethod("Capitalize")          // proxy._callmethod('capitalize')
//	s, err := proxy.Call[string](p, "Capitalize") // the same, typed
//	fmt.Println(p)                                // str(proxy): the referent's String()
//	fmt.Println(p.Repr())                         // repr(proxy): the proxy itself
//	c, err := p.GetValue()                        // proxy._getvalue(): a copy
//	err = p.Close()                               // release the reference
//
// # Typed proxies
//
// Python generates a proxy class per type (MakeProxyType, or a hand-written
// proxytype). In Go, write a struct that embeds *Proxy and gives each method
// a typed signature with [Call]:
//
//	type SharedStringProxy struct{ *proxy.Proxy }
//
//	func (p SharedStringProxy) Capitalize() (string, error) {
//		return proxy.Call[string](p.Proxy, "Capitalize")
//	}
//
// # Copies
//
// Every value that crosses the wire is a copy. Results and GetValue are
// decoded from bytes the server sent: changing them changes nothing on the
// server. Change the shared object by calling its methods.
//
// # Batches
//
// Every call is a round trip. A [Batch] sends many calls, on the proxies
// of one manager connection, in one write, and collects all the replies:
// a thousand calls then cost about one round trip. Each call keeps its own
// result or error, in its [Future]; the calls run on the server as
// concurrent calls do, in no set order, and are not atomic:
//
//	b := proxy.NewBatch()
//	x := proxy.Later[int](b, d.Proxy, "Get", "x") // queued
//	n := proxy.Later[int](b, l.Proxy, "Len")
//	err := b.Do(ctx)                              // one write, every reply
//	v, err := x.Get()                             // d["x"], or its own error
//
// [Dict.GetMany] and [List.GetMany] read many keys or items so.
//
// # Errors
//
// Errors keep their meaning across the wire. Test them with errors.Is and
// errors.As:
//   - [*RemoteError]: the referent's method returned an error or panicked
//     (with the server's stack). It unwraps to the sentinel the server-side
//     error wrapped, when that sentinel is registered with package wire.
//   - [ErrNoSuchMethod], [ErrBadArgument], [ErrUnknownTypeid],
//     [ErrNoSuchObject]: the call itself was wrong.
//   - [ErrConnectionLost]: the manager is gone; [ErrClosed]: the proxy was
//     closed.
//
// A Proxy is safe for concurrent use by multiple goroutines.
//
// # For manager implementations
//
// [Link] is how package basemanager makes proxies on its connection and
// reads the errors in its replies. Application code never needs it.
package proxy

// Package wire is the protocol between package proxy (the client side) and
// package basemanager (the server side): the messages a proxy and the
// manager's server exchange, the Go form of the request and reply tuples in
// Python's managers.py (BaseProxy._callmethod, Server.serve_client,
// Server.create, incref, decref). Application code does not need it; it is
// public so that both halves, and curious readers, share one definition.
//
// Every message travels inside net/rpc, in the manager's framed codec. The
// messages of every call and of create and release have a compact binary
// encoding of their own (binary.go), so a call costs no gob reflection;
// the others travel as gob. Values chosen by the user (method arguments and
// results) travel as [Values]: builtin scalars as they are, anything else
// as a self-contained gob stream, so that a value one side cannot encode or
// decode fails that one call and never the connection.
package wire

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"reflect"
	"slices"
)

// ServiceName is the name of the one net/rpc service the server exposes.
// Its Call method is the dispatcher; the others are Python's Server.public
// control requests.
const ServiceName = "Manager"

// Special method names understood by the dispatcher, as in Python's
// serve_client fallback table.
const (
	MethodStr      = "__str__"   // str(proxy): the referent's String(), computed on the server
	MethodRepr     = "__repr__"  // the referent's Go syntax (%#v), computed on the server
	MethodGetValue = "#GETVALUE" // proxy._getvalue(): a copy of the referent itself
)

// Request is one method call: Python's (ident, methodname, args, kwds).
type Request struct {
	ID     uint64 // the shared object
	Epoch  uint64 // the server instance the proxy's token came from (0: unchecked)
	Ref    uint64 // the reference (proxy) making the call
	Call   uint64 // a caller-chosen id that Cancel can name; 0 if never cancelled
	Method string
	Args   Values
}

// Reply answers a Request: Python's ('#RETURN', value) or ('#ERROR', exc).
type Reply struct {
	Result Values  // one value: the method's result (several results arrive as []any)
	Grants []Grant // references taken for the caller, one per proxy inside Result
	Err    *Error  // non-nil when the call failed
}

// Grant is a reference the server took on the caller's behalf for a proxy
// found in a result (a proxy stored in a shared dict, or one a method
// returns, Python's #PROXY reply). The caller's side attaches each grant to
// the matching decoded proxy, so the object cannot be freed in between.
type Grant struct {
	ID      uint64
	Ref     uint64
	Exposed []string
}

// ProxyRef is how a proxy travels inside a value: plain data, like Python's
// pickled Token. The receiving side turns it back into a working proxy.
type ProxyRef struct {
	Typeid  string
	Address string
	ID      uint64
	Epoch   uint64
}

// CancelRequest asks the server to cancel the context of the call with the
// given Request.Call id, made on the same connection.
type CancelRequest struct {
	Call uint64
}

// CreateRequest asks the server to call the callable registered under
// Typeid with Args, and to hand back a reference to the result.
type CreateRequest struct {
	Typeid string
	Args   Values
}

// RefReply describes a new reference to a shared object, owned by the
// connection that asked for it until it is released with Decref.
type RefReply struct {
	ID      uint64
	Epoch   uint64 // the server instance, for the token
	Ref     uint64
	Exposed []string // the methods a proxy may call, sorted
	Err     *Error
}

// RefRequest names one reference (Decref) or one object (Incref).
type RefRequest struct {
	ID    uint64
	Epoch uint64
	Ref   uint64
}

// Empty is the argument or reply of requests that carry nothing.
type Empty struct{}

// Values carries a list of user values. When every value is a builtin
// scalar (bool, string, a number, []byte) the list travels as is in
// Scalars; otherwise the whole list is one gob stream in Gob, encoded
// and decoded on its own, so both programs need the concrete types
// registered with gob under the same name (gob.Register in a package both
// import, or gob.RegisterName).
//
// On the wire Values has a compact encoding of its own (values.go): the
// scalars are what nearly every call carries, and gob would describe each
// one as an interface value, naming its type in every message.
type Values struct {
	Scalars []any
	Gob     []byte
}

// Encode packs vals for the wire. It fails, without touching any
// connection, when a value cannot be gob-encoded. A []byte is copied, so
// the result shares no memory with the caller's values (a server encodes
// a result while it holds the object's lock, and sends it after).
func Encode(vals []any) (Values, error) {
	if allScalars(vals) {
		cloned := false
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				if !cloned { // the caller's list stays as it was
					vals, cloned = slices.Clone(vals), true
				}
				vals[i] = bytes.Clone(b)
			}
		}
		return Values{Scalars: vals}, nil
	}
	var buf bytes.Buffer
	all := vals // its own variable: taking vals's address would move it to the heap on every call
	if err := gob.NewEncoder(&buf).Encode(&all); err != nil {
		return Values{}, encodeError(err) // gobhint.go
	}
	return Values{Gob: buf.Bytes()}, nil
}

// Decode unpacks values packed by Encode.
func (v Values) Decode() ([]any, error) {
	if v.Gob == nil {
		return v.Scalars, nil
	}
	var vals []any
	if err := gob.NewDecoder(bytes.NewReader(v.Gob)).Decode(&vals); err != nil {
		return nil, decodeError(err) // gobhint.go
	}
	return vals, nil
}

// allScalars reports whether every value has an unnamed builtin scalar type,
// which travels inside an interface without any registration.
func allScalars(vals []any) bool {
	for _, v := range vals {
		switch v.(type) {
		case nil, bool, string, []byte,
			int, int8, int16, int32, int64,
			uint, uint8, uint16, uint32, uint64, uintptr,
			float32, float64, complex64, complex128:
		default:
			return false
		}
	}
	return true
}

// Error is an error as it crosses the wire: net/rpc alone would flatten it
// to a string. Code names the sentinel it wraps (see RegisterCode), so the
// caller's side can rebuild an error that works with errors.Is.
type Error struct {
	Code    string // "" for an error with no registered sentinel
	Message string // the full error text on the server
	Typeid  string // the shared object's typeid, when known
	Method  string // the method called, when known
	Stack   string // the server's stack, for a panic
	Panic   bool   // the referent's method panicked
	Remote  bool   // the referent's own code failed (Python's RemoteError), not the call itself
}

// codes maps wire codes to sentinel errors. It is filled at init time by the
// packages that define sentinels, and read-only afterwards.
var (
	codes    = map[string]error{}
	codeOf   = map[error]string{}
	sentinel []error // in registration order, for a deterministic errors.Is scan
)

// RegisterCode declares that errors wrapping err cross the wire as code.
// Call it from an init function; it panics if code or err is registered twice.
func RegisterCode(code string, err error) {
	if _, dup := codes[code]; dup {
		panic("wire: RegisterCode: code " + code + " registered twice")
	}
	if _, dup := codeOf[err]; dup {
		panic("wire: RegisterCode: error " + err.Error() + " registered twice")
	}
	codes[code] = err
	codeOf[err] = code
	sentinel = append(sentinel, err)
}

// Sentinel returns the error registered under code, or nil.
func Sentinel(code string) error { return codes[code] }

// CodeOf returns the code of the first registered sentinel that err wraps,
// or "".
func CodeOf(err error) string {
	for _, s := range sentinel {
		if errors.Is(err, s) {
			return codeOf[s]
		}
	}
	return ""
}

// IsScalarType reports whether values of t travel without gob registration.
func IsScalarType(t reflect.Type) bool {
	if t.PkgPath() != "" {
		return false
	}
	switch t.Kind() {
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return true
	case reflect.Slice:
		return t.Elem().Kind() == reflect.Uint8 && t.Elem().PkgPath() == ""
	}
	return false
}

// Caller identifies who makes a call: the connection and the reference
// (proxy) it comes through. Shared objects that track owners, such as an
// RLock, read it from the context passed to their methods.
type Caller struct {
	Conn uint64 // the connection; all its holds are abandoned when it ends
	Ref  uint64 // the reference (one proxy, Python's "client thread")
}

// callerContext carries a Caller. It is context.WithValue's job, done in
// one allocation instead of two (the context and the boxed Caller), since
// the server makes one for every call to a method that takes a context.
type callerContext struct {
	context.Context
	caller Caller
}

type callerKey struct{}

// Value returns the callerContext itself for callerKey, so that CallerFrom
// reads the Caller without boxing it.
func (c *callerContext) Value(key any) any {
	if key == (callerKey{}) {
		return c
	}
	return c.Context.Value(key)
}

func (c *callerContext) String() string {
	return fmt.Sprintf("%v.WithCaller(%+v)", c.Context, c.caller)
}

// WithCaller returns a context carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return &callerContext{Context: ctx, caller: c}
}

// CallerFrom returns the caller the server stored in ctx, or the zero Caller.
func CallerFrom(ctx context.Context) Caller {
	if c, ok := ctx.Value(callerKey{}).(*callerContext); ok {
		return c.caller
	}
	return Caller{}
}

func init() {
	// Composite types common enough to travel without asking the user.
	gob.Register(map[string]any{})
	gob.Register(map[any]any{})
	gob.Register([]any{})
	gob.Register(map[string]int{})
	gob.Register(map[string]string{})
}

// Each calls fn for every value of type T found in v, looking through
// interfaces, pointers, slices, arrays, map values and exported struct
// fields. Both sides use it to find the proxies inside a value.
func Each[T any](v any, fn func(T)) {
	each(reflect.ValueOf(v), reflect.TypeFor[T](), func(x reflect.Value) { fn(x.Interface().(T)) }, 0)
}

func each(v reflect.Value, t reflect.Type, fn func(reflect.Value), depth int) {
	if !v.IsValid() || depth > 64 {
		return
	}
	if v.Type() == t {
		fn(v)
		return
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if !v.IsNil() {
			each(v.Elem(), t, fn, depth+1)
		}
	case reflect.Slice, reflect.Array:
		if IsScalarType(v.Type().Elem()) {
			return
		}
		for i := 0; i < v.Len(); i++ {
			each(v.Index(i), t, fn, depth+1)
		}
	case reflect.Map:
		if IsScalarType(v.Type().Elem()) {
			return
		}
		for it := v.MapRange(); it.Next(); {
			each(it.Value(), t, fn, depth+1)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				each(v.Field(i), t, fn, depth+1)
			}
		}
	}
}

// ConvertNumber converts v to type want when both are numbers and the
// value survives the round trip unchanged: gob keeps the sender's type, so
// an int sent for an int64 parameter (or an int64 result read as an int)
// arrives as an int.
func ConvertNumber(v reflect.Value, want reflect.Type) (reflect.Value, bool) {
	if !isNumber(v.Kind()) || !isNumber(want.Kind()) {
		return reflect.Value{}, false
	}
	out := v.Convert(want)
	if !out.Convert(v.Type()).Equal(v) {
		return reflect.Value{}, false
	}
	return out, true
}

func isNumber(k reflect.Kind) bool { return reflect.Int <= k && k <= reflect.Float64 }

// sharedstring.go is the lesson's shared object, my_string = "hello World",
// paired with its typed proxy: Python's custom proxytype, written in Go.

// Package shared holds the type the demo's two processes share, so that both
// programs know it: the serving side to call its methods, the connecting side
// to decode the copies it receives.
package shared

import (
	"encoding/gob"
	"strings"
	"unicode"
	"unicode/utf8"

	"gomanager/basemanager/pickle"
	"gomanager/proxy"
)

// SharedString is the string ProcessA shares. Python's str is immutable, so
// the lesson only reads it; the Set method shows what sharing means when the
// object can change.
type SharedString struct {
	S string
}

// String is what str(proxy) shows.
func (s *SharedString) String() string { return s.S }

// Capitalize returns the string with its first character in title case
// (upper case, for most letters) and the rest in lower case, as Python's
// str.capitalize does since 3.8. It changes nothing.
func (s *SharedString) Capitalize() string {
	first, size := utf8.DecodeRuneInString(s.S)
	if first == utf8.RuneError {
		return s.S
	}
	return string(unicode.ToTitle(first)) + strings.ToLower(s.S[size:])
}

// PyRepr is what Python's repr(my_string) shows: Python clients of the
// manager print it for str(proxy_my_string), as they would with a Python
// server (python.Reprer).
func (s *SharedString) PyRepr() string { return pickle.Repr(s.S) }

// Set replaces the shared string.
func (s *SharedString) Set(v string) { s.S = v }

// The connecting process decodes GetValue copies as *SharedString.
func init() { gob.Register(&SharedString{}) }

// SharedStringProxy is a typed proxy for a SharedString: each method is one
// call through the embedded *proxy.Proxy, with Go types instead of any.
type SharedStringProxy struct {
	*proxy.Proxy
}

// Capitalize calls SharedString.Capitalize on the server.
func (p SharedStringProxy) Capitalize() (string, error) {
	return proxy.Call[string](p.Proxy, "Capitalize")
}

// Set calls SharedString.Set on the server.
func (p SharedStringProxy) Set(v string) error {
	_, err := p.CallMethod("Set", v)
	return err
}

// GetValue returns a copy of the shared SharedString.
func (p SharedStringProxy) GetValue() (*SharedString, error) {
	v, err := p.Proxy.GetValue()
	if err != nil {
		return nil, err
	}
	return proxy.As[*SharedString](v, "get_my_string.GetValue")
}

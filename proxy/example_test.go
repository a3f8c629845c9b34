package proxy_test

import (
	"errors"
	"fmt"
	"log"
	"strings"

	"gomanager/basemanager"
	"gomanager/proxy"
)

// Text is the shared object of these examples.
type Text struct{ S string }

func (t *Text) Upper() string { return strings.ToUpper(t.S) }
func (t *Text) Set(s string)  { t.S = s }
func (t *Text) Words() []string {
	return strings.Fields(t.S)
}
func (t *Text) Check() error {
	if t.S == "" {
		return errors.New("empty text")
	}
	return nil
}
func (t *Text) String() string { return t.S }
func (t *Text) Explode()       { panic("boom") }

// TextProxy is a typed proxy for Text: Python's custom proxytype. Each
// method is one typed call.
type TextProxy struct{ *proxy.Proxy }

func (p TextProxy) Upper() (string, error) { return proxy.Call[string](p.Proxy, "Upper") }
func (p TextProxy) Set(s string) error {
	_, err := p.CallMethod("Set", s)
	return err
}

// started returns a running in-process manager with "Text" registered.
func started() *basemanager.Manager {
	m := basemanager.New("")
	m.Register("Text", func(s string) *Text { return &Text{S: s} })
	if err := m.Start(); err != nil {
		log.Fatal(err)
	}
	return m
}

func ExampleProxy_CallMethod() {
	m := started()
	defer m.Shutdown()

	p, _ := m.Get("Text", "hello World")
	v, err := p.CallMethod("Upper") // Python: p._callmethod('upper')
	fmt.Println(v, err)
	fmt.Println(p) // str(p), computed on the server
	// Output:
	// HELLO WORLD <nil>
	// hello World
}

func ExampleCall() {
	m := started()
	defer m.Shutdown()

	p, _ := m.Get("Text", "to be or not")
	words, err := proxy.Call[[]string](p, "Words")
	fmt.Println(len(words), words[3], err)
	// Output:
	// 4 not <nil>
}

// Results and GetValue are copies; only calls through the proxy change the
// shared object.
func ExampleProxy_GetValue() {
	m := started()
	defer m.Shutdown()

	p, _ := m.Get("Text", "original")
	v, _ := p.GetValue()
	c := v.(*Text)
	c.S = "changed locally"
	fmt.Println("copy:  ", c.S)
	fmt.Println("shared:", p)

	p.CallMethod("Set", "changed through a method")
	fmt.Println("shared:", p)
	// Output:
	// copy:   changed locally
	// shared: original
	// shared: changed through a method
}

func ExampleRemoteError() {
	m := started()
	defer m.Shutdown()

	p, _ := m.Get("Text", "")
	_, err := p.CallMethod("Check")
	var re *proxy.RemoteError
	if errors.As(err, &re) {
		fmt.Println(re.Method, "failed:", re.Message)
	}
	// Output:
	// Check failed: empty text
}

// A panic in the referent's method is a *RemoteError too: its Error is one
// line, and the server's stack is in Stack, printed by %+v.
func ExampleRemoteError_panic() {
	m := started()
	defer m.Shutdown()

	p, _ := m.Get("Text", "")
	_, err := p.CallMethod("Explode")
	fmt.Println(err)
	var re *proxy.RemoteError
	if errors.As(err, &re) {
		fmt.Println(re.Panic, strings.Contains(fmt.Sprintf("%+v", err), re.Stack))
	}
	// Output:
	// proxy: Text.Explode panicked in the manager: boom
	// true true
}

// A typed proxy wraps the *Proxy a manager returns.
func ExampleProxy_typed() {
	m := started()
	defer m.Shutdown()

	p, _ := m.Get("Text", "typed")
	t := TextProxy{p}
	t.Set("typed proxy")
	s, err := t.Upper()
	fmt.Println(s, err)
	fmt.Println(t.Token().Typeid)
	// Output:
	// TYPED PROXY <nil>
	// Text
}

package basemanager_test

import (
	"fmt"
	"log"
	"strings"

	"gomanager/basemanager"
	"gomanager/proxy"
)

// LessonString is the lesson's my_string, as a Go type with methods.
type LessonString struct{ S string }

func (s *LessonString) String() string { return s.S }
func (s *LessonString) Capitalize() string {
	return strings.ToUpper(s.S[:1]) + strings.ToLower(s.S[1:])
}

// The lesson's five steps, ProcessA's and ProcessB's, in one program (the
// demo runs them as two processes): register, get_server, serve_forever;
// then register, connect, get, and calls through the proxy.
func ExampleManager_GetServer() {
	// ProcessA
	myString := &LessonString{S: "hello World"}
	a := basemanager.New("127.0.0.1:0", basemanager.WithAuthKey("secret"))
	a.Register("get_my_string", func() *LessonString { return myString }) // 1. register
	server, err := a.GetServer()                                          // 2. get_server
	if err != nil {
		log.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- server.ServeForever() }() // 3. serve_forever

	// ProcessB
	b := basemanager.New(server.Address(), basemanager.WithAuthKey("secret"))
	b.Register("get_my_string", nil)    // the typeid only
	if err := b.Connect(); err != nil { // 4. connect
		log.Fatal(err)
	}
	p, err := b.Get("get_my_string") // 5. get: proxy_my_string
	if err != nil {
		log.Fatal(err)
	}
	repr := strings.Replace(p.Repr(), server.Address(), "127.0.0.1:PORT", 1)
	fmt.Println("In ProcessB repr(proxy_my_string) =", repr)
	fmt.Println("In ProcessB str(proxy_my_string) =", p)
	fmt.Println(p)
	s, _ := proxy.Call[string](p, "Capitalize") // proxy_my_string.capitalize()
	fmt.Println(s)
	v, _ := p.CallMethod("Capitalize") // proxy_my_string._callmethod("capitalize")
	fmt.Println(v)

	b.Shutdown()
	server.Stop() // the lesson's shutdown thread
	fmt.Println("ServeForever returned:", <-served)
	// Output:
	// In ProcessB repr(proxy_my_string) = <Proxy[get_my_string] object, typeid 'get_my_string' id 1 at 127.0.0.1:PORT>
	// In ProcessB str(proxy_my_string) = hello World
	// hello World
	// Hello world
	// Hello world
	// ServeForever returned: <nil>
}

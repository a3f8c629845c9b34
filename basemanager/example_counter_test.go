package basemanager_test

import (
	"fmt"
	"log"

	"gomanager/basemanager"
	"gomanager/proxy"
)

// Counter is the shared object: an ordinary Go type. Its exported methods
// are what proxies can call. It needs no mutex: the server serializes calls
// to one object.
type Counter struct {
	n int
}

// Add adds delta and returns the new count.
func (c *Counter) Add(delta int) int {
	c.n += delta
	return c.n
}

// Value returns the count.
func (c *Counter) Value() int { return c.n }

func (c *Counter) String() string { return fmt.Sprintf("Counter(%d)", c.n) }

// A serving manager and a connecting one, as two Python processes would
// use them; here both live in one program.
func Example_counter() {
	// The serving side: register a callable, bind, serve.
	shared := &Counter{}
	server := basemanager.New("", basemanager.WithAuthKey("secret")) // "": 127.0.0.1, a free port
	server.Register("get_counter", func() *Counter { return shared })
	srv, err := server.GetServer()
	if err != nil {
		log.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.ServeForever() }()

	// The connecting side: declare the typeid, connect, get proxies.
	client := basemanager.New(srv.Address(), basemanager.WithAuthKey("secret"))
	client.Register("get_counter", nil)
	if err := client.Connect(); err != nil {
		log.Fatal(err)
	}
	a, _ := client.Get("get_counter")
	b, _ := client.Get("get_counter") // the callable returns the same *Counter

	a.CallMethod("Add", 2)
	n, _ := proxy.Call[int](b, "Add", 3)
	fmt.Println("through b:", n)
	fmt.Println("str(a):", a)
	fmt.Println("in the server's process:", shared.Value())

	a.Close()
	b.Close()
	client.Shutdown()
	srv.Stop()
	fmt.Println("ServeForever returned:", <-done)
	// Output:
	// through b: 5
	// str(a): Counter(5)
	// in the server's process: 5
	// ServeForever returned: <nil>
}

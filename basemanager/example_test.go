package basemanager_test

import (
	"errors"
	"fmt"
	"log"
	"strings"

	"gomanager/basemanager"
	"gomanager/proxy"
)

// Notes is a shared object used by the examples below.
type Notes struct{ Lines []string }

func (n *Notes) Add(line string) int { n.Lines = append(n.Lines, line); return len(n.Lines) }
func (n *Notes) Clear()              { n.Lines = nil }
func (n *Notes) String() string      { return strings.Join(n.Lines, "; ") }

// Start runs the server on a goroutine of this process and connects to it
// (StartProcess is Python's manager.start(), with a new process).
// A constructor callable gives each Get a new object.
func ExampleManager_Start() {
	m := basemanager.New("")
	m.Register("Notes", func(first string) *Notes { return &Notes{Lines: []string{first}} })
	if err := m.Start(); err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown() // Python's "with manager:"

	a, _ := m.Get("Notes", "a's first line") // arguments reach the callable
	b, _ := m.Get("Notes", "b's first line")
	a.CallMethod("Add", "only in a")
	fmt.Println(a)
	fmt.Println(b)
	n, _ := m.NumberOfObjects()
	fmt.Println("objects:", n)
	// Output:
	// a's first line; only in a
	// b's first line
	// objects: 2
}

// Exposed narrows what proxies may call, like Python's exposed=.
func ExampleExposed() {
	m := basemanager.New("")
	m.Register("Notes", func() *Notes { return &Notes{} }, basemanager.Exposed("Add", "String"))
	if err := m.Start(); err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown()

	p, _ := m.Get("Notes")
	fmt.Println(p.Exposed())
	_, err := p.CallMethod("Clear")
	fmt.Println(errors.Is(err, proxy.ErrNoSuchMethod))
	// Output:
	// [Add String]
	// true
}

// A client with the wrong authkey is refused; the server keeps serving.
func ExampleWithAuthKey() {
	srvm := basemanager.New("", basemanager.WithAuthKey("right"), basemanager.WithLogger(nil))
	srvm.Register("Notes", func() *Notes { return &Notes{} })
	srv, err := srvm.GetServer()
	if err != nil {
		log.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.ServeForever() }()
	defer func() { srv.Stop(); <-done }()

	wrong := basemanager.New(srv.Address(), basemanager.WithAuthKey("wrong"))
	err = wrong.Connect()
	fmt.Println(errors.Is(err, basemanager.ErrAuthentication))

	right := basemanager.New(srv.Address(), basemanager.WithAuthKey("right"))
	fmt.Println(right.Connect())
	right.Shutdown()
	// Output:
	// true
	// <nil>
}

package basemanager_test

import (
	"encoding/json"
	"fmt"
	"log"

	"gomanager/basemanager"
	"gomanager/proxy"
)

// A proxy is passed to another process as its Token: plain data that
// carries no credentials. The receiver rebuilds a working proxy with its own
// manager, connected to the same server with the authkey: Python's
// RebuildProxy, which runs when a pickled proxy is unpickled.
func ExampleManager_Rebuild() {
	// Process A: serves a Notes object and makes a proxy to it.
	a := basemanager.New("", basemanager.WithAuthKey("secret"))
	a.Register("Notes", func() *Notes { return &Notes{} })
	if err := a.Start(); err != nil {
		log.Fatal(err)
	}
	defer a.Shutdown()
	p, _ := a.Get("Notes")
	p.CallMethod("Add", "written by A")
	msg, _ := json.Marshal(p.Token()) // send it any way: a pipe, a file, a queue

	// Process B: its own manager, connected to A's server, as another
	// process would be (Python: manager.connect()).
	b := basemanager.New(a.Address(), basemanager.WithAuthKey("secret"))
	b.Register("Notes", nil)
	if err := b.Connect(); err != nil {
		log.Fatal(err)
	}
	defer b.Shutdown()
	var tok proxy.Token
	json.Unmarshal(msg, &tok)
	q, err := b.Rebuild(tok) // takes a reference of its own
	if err != nil {
		log.Fatal(err)
	}
	q.CallMethod("Add", "written by B")

	// One object, two proxies: each sees the other's change.
	fmt.Println("A sees:", p)
	fmt.Println("B sees:", q)
	n, _ := a.NumberOfObjects()
	fmt.Println("objects:", n)
	// Output:
	// A sees: written by A; written by B
	// B sees: written by A; written by B
	// objects: 1
}

// Shelf is a shared object whose Notebook method hands out objects it keeps.
type Shelf struct{ books map[string]*Notes }

// Notebook returns the notebook called name, making it if needed.
func (s *Shelf) Notebook(name string) *Notes {
	if s.books[name] == nil {
		s.books[name] = &Notes{}
	}
	return s.books[name]
}

// MethodToTypeid shares a method's result instead of copying it: the caller
// gets a *proxy.Proxy to the very object the method returned, registered as
// a new object of the typeid given. NewSyncManager does this for a dict's
// Iter ("Iter" → "Iterator"), as Python's method_to_typeid does for
// __iter__.
func ExampleMethodToTypeid() {
	shelf := &Shelf{books: map[string]*Notes{}}
	m := basemanager.New("")
	// Python: register('Shelf', ..., method_to_typeid={'Notebook': 'Notes'})
	m.Register("Shelf", func() *Shelf { return shelf },
		basemanager.MethodToTypeid(map[string]string{"Notebook": "Notes"}))
	m.Register("Notes", nil) // made only by Notebook: no callable
	if err := m.Start(); err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown()

	s, _ := m.Get("Shelf")
	v, _ := s.CallMethod("Notebook", "todo")
	todo := v.(*proxy.Proxy) // a proxy, not a copy of *Notes
	fmt.Println(todo.Token().Typeid)
	todo.CallMethod("Add", "buy milk") // changes the Notes inside the shelf

	fmt.Println("in the server's process:", shelf.books["todo"])
	// Output:
	// Notes
	// in the server's process: buy milk
}

package basemanager_test

import (
	"encoding/gob"
	"fmt"
	"log"

	"gomanager/basemanager"
	"gomanager/proxy"
)

// Point is a type of the user's own. Its values travel between the two
// programs with encoding/gob, inside an interface, so gob must know the type
// under the same name on both sides. Either:
//   - define it in a package both programs import (say example.com/shapes)
//     and call gob.Register(Point{}) in that package's init: both programs
//     then use the same Go type, registered under its import path; or
//   - register it with gob.RegisterName under one agreed name on both sides,
//     as init does below. gob matches fields by name, so each program may
//     even declare its own copy of the struct.
//
// Without either, the call fails with "gob: type not registered for
// interface" and a hint to register the type.
type Point struct{ X, Y int }

func init() {
	// Both programs run this, in an init function so that it comes before
	// the manager's Register (which registers the types it sees under their
	// default names, and leaves a type already registered alone).
	gob.RegisterName("example.com/shapes.Point", Point{})
}

// Turtle is the shared object: its method takes and returns a Point.
type Turtle struct{ At Point }

// Move moves the turtle by d and returns where it is now.
func (t *Turtle) Move(d Point) Point {
	t.At = Point{t.At.X + d.X, t.At.Y + d.Y}
	return t.At
}

// A value of the user's own struct type goes to the server as an argument
// and comes back as a result.
func Example_ownTypes() {
	// The serving program.
	server := basemanager.New("", basemanager.WithAuthKey("secret"))
	server.Register("Turtle", func() *Turtle { return &Turtle{} })
	if err := server.Start(); err != nil {
		log.Fatal(err)
	}
	defer server.Shutdown()

	// The other program: declares the typeid, connects, calls.
	client := basemanager.New(server.Address(), basemanager.WithAuthKey("secret"))
	client.Register("Turtle", nil)
	if err := client.Connect(); err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown()
	t, _ := client.Get("Turtle")
	proxy.Call[Point](t, "Move", Point{X: 1, Y: 2})
	at, err := proxy.Call[Point](t, "Move", Point{X: 10, Y: 0})
	fmt.Printf("%+v %v\n", at, err)
	// Output:
	// {X:11 Y:2} <nil>
}

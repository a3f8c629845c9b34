package python_test

import (
	"errors"
	"fmt"
	"log"

	"gomanager/basemanager"
	"gomanager/basemanager/python"
	"gomanager/proxy"
)

// A Go client uses a CPython SyncManager server, started in Python with
//
//	m = SyncManager(address=('127.0.0.1', 50000), authkey=b'secret')
//	m.get_server().serve_forever()
//
// This example has no Output: it needs that server to run.
func ExampleNewClient() {
	c := python.NewClient("127.0.0.1:50000", basemanager.WithAuthKey("secret"))
	defer c.Close()
	if err := c.Connect(); err != nil { // manager.connect()
		log.Fatal(err)
	}

	d, err := c.Create("dict") // d = manager.dict()
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	if _, err := d.CallMethod("__setitem__", "lesson", "managers"); err != nil { // d['lesson'] = 'managers'
		log.Fatal(err)
	}
	fmt.Println(d) // str(d): {'lesson': 'managers'}

	q, err := c.Create("Queue") // q = manager.Queue()
	if err != nil {
		log.Fatal(err)
	}
	defer q.Close()
	_, err = q.CallMethod("get_nowait") // raises queue.Empty
	fmt.Println(errors.Is(err, proxy.ErrEmpty))
}

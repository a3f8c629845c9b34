// example_manager_test.go shows the SharedMemoryManager as a learner
// meets it: blocks made through the manager are the server's to unlink,
// and are gone once it shuts down.

//go:build linux

package sharedmemory_test

import (
	"errors"
	"fmt"
	"log"

	"gomanager/basemanager/sharedmemory"
)

// A SharedMemoryManager tracks the blocks made through it and unlinks
// them when it shuts down. ListSegments is the server's list_segments
// request, which Python's manager has no method for. Python:
//
//	with SharedMemoryManager() as smm:           # smm.start() ... smm.shutdown()
//	    sl = smm.ShareableList([0, 'counter'])
//	    sl[0] += 5
//	    sl[0], sl[1]
//	ShareableList(name=sl.shm.name)              # FileNotFoundError: the block is gone
func ExampleNewManager() {
	smm := sharedmemory.NewManager("")  // 127.0.0.1, a free port
	if err := smm.Start(); err != nil { // the server, on a goroutine of this process
		log.Fatal(err)
	}
	defer smm.Shutdown()

	sl, err := smm.ShareableList([]any{0, "counter"}) // made here, tracked by the server
	if err != nil {
		log.Fatal(err)
	}
	defer sl.Close()
	n, _ := sl.Add(0, 5)
	name, _ := sl.Get(1)
	fmt.Println(n, name)

	names, err := smm.ListSegments()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("tracked:", len(names))

	if err := smm.Shutdown(); err != nil { // stops the server, which unlinks its blocks
		log.Fatal(err)
	}
	_, err = sharedmemory.Attach(sl.SharedMemory().Name())
	fmt.Println("attach after Shutdown:", errors.Is(err, sharedmemory.ErrNotExist))
	// Output:
	// 5 counter
	// tracked: 1
	// attach after Shutdown: true
}

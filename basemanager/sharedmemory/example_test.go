// example_test.go shows the two types as a learner meets them: a block
// created, written, attached by name, read and unlinked; a list created,
// changed and read through a second attachment.

//go:build linux

package sharedmemory_test

import (
	"errors"
	"fmt"
	"log"

	"gomanager/basemanager/sharedmemory"
)

// A block of shared memory, made by one process and attached by name by
// another (here the same process plays both). Python:
//
//	shm = SharedMemory(create=True, size=16)
//	shm.buf[:5] = b'hello'
//	other = SharedMemory(shm.name)   # in another process
//	bytes(other.buf[:5]), other.size
//	shm.unlink()
func ExampleSharedMemory() {
	shm, err := sharedmemory.Create(16)
	if err != nil {
		log.Fatal(err)
	}
	defer shm.Close()
	copy(shm.Buf(), "hello")

	other, err := sharedmemory.Attach(shm.Name()) // what another process would do
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(other.Buf()[:5]), other.Size())
	other.Close()

	if err := shm.Unlink(); err != nil { // the name goes; this mapping stays valid
		log.Fatal(err)
	}
	_, err = sharedmemory.Attach(shm.Name())
	fmt.Println("attach after unlink:", errors.Is(err, sharedmemory.ErrNotExist))
	// Output:
	// hello 16
	// attach after unlink: true
}

// A list in shared memory, in CPython's layout: a CPython process could
// attach to it with ShareableList(name=...). Python:
//
//	sl = ShareableList([0, 2.5, True, None, 'howdy', b'raw'])
//	sl[3] = 'hi'
//	sl[0] += 42          # Go's Add does it atomically
//	other = ShareableList(name=sl.shm.name)
//	other[0], other[3], other.format
func ExampleShareableList() {
	sl, err := sharedmemory.NewShareableList([]any{0, 2.5, true, nil, "howdy", []byte("raw")})
	if err != nil {
		log.Fatal(err)
	}
	defer sl.Unlink()
	defer sl.Close()

	sl.Set(3, "hi") // None becomes a str, in the 8 bytes the None had
	sl.Add(0, 40)
	n, _ := sl.Add(0, 2)
	fmt.Println("after Add:", n)

	other, err := sharedmemory.AttachShareableList(sl.SharedMemory().Name())
	if err != nil {
		log.Fatal(err)
	}
	defer other.Close()
	first, _ := other.Get(0)
	fourth, _ := other.Get(3)
	fmt.Println(first, fourth, other.Len(), other.Format())

	err = other.Set(4, "far too long for its slot") // 'howdy' got 8 bytes
	fmt.Println("too long:", errors.Is(err, sharedmemory.ErrTooLong))
	// Output:
	// after Add: 42
	// 42 hi 6 qdxxxxxxx?8s8s8s
	// too long: true
}

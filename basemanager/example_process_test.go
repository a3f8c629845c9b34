package basemanager_test

import (
	"fmt"
	"log"
	"os"

	"gomanager/basemanager"
	"gomanager/basemanager/process"
	"gomanager/proxy"
)

// Pids tells where its methods run.
type Pids struct{}

func (Pids) Pid() int { return os.Getpid() }

// StartProcess is Python's manager.start(): the server runs in a new OS
// process, this program run again, which re-runs main up to this call and
// serves there. The shared objects live in that process, which exits when
// this one does. (The server process of a test binary runs only the test
// or example that called StartProcess.)
func ExampleManager_StartProcess() {
	m := basemanager.NewSyncManager("127.0.0.1:0")
	m.Register("Pids", func() Pids { return Pids{} })
	err := m.StartProcess(
		process.WithInitializer(func() error { return nil }), // runs in the server process first
	)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown() // asks the server process to stop; kills it after 1 s

	d, err := proxy.NewDict[string, int](m) // manager.dict(), in the server process
	if err != nil {
		log.Fatal(err)
	}
	d.Set("answer", 42)
	answer, _ := d.Get("answer")
	p, err := m.Get("Pids")
	if err != nil {
		log.Fatal(err)
	}
	pid, _ := proxy.Call[int](p, "Pid")
	fmt.Println("answer:", answer)
	fmt.Println("served by another process:", pid != os.Getpid())
	// Output:
	// answer: 42
	// served by another process: true
}

// shm.go is the demo's shared memory scenario, Python's SharedMemoryManager
// in action: a Go SharedMemoryManager tracks one ShareableList; Go worker
// processes and a CPython process count into it, the Go workers with
// atomic Adds, everyone under the manager's Lock for a read-modify-write;
// the parent prints the exact total, and the server unlinks the block when
// it stops.

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"gomanager/basemanager"
	"gomanager/basemanager/sharedmemory"
	"gomanager/basemanager/sharedtypes"
	"gomanager/proxy"
)

const (
	shmWorkers = 2     // Go worker processes
	shmAdds    = 10000 // each worker's atomic Adds on item 0
	shmLocked  = 1000  // each process's locked increments of item 1, Go's and CPython's
)

// newSharedMemoryManager is the manager every process of the scenario
// uses: a SharedMemoryManager with a Lock registered (lock is the serving
// side's one Lock; nil on the others).
func newSharedMemoryManager(address, authkey string, lock *sharedtypes.Lock) (*sharedmemory.Manager, error) {
	m := sharedmemory.NewManager(address, authKeyOptions(authkey)...)
	var callable any
	if lock != nil {
		callable = func() *sharedtypes.Lock { return lock } // every Lock() is the same lock
	}
	err := m.Register("Lock", callable, basemanager.Exposed("Acquire", "Release", "Locked"), basemanager.Concurrent())
	return m, err
}

// SharedMemoryParent serves a SharedMemoryManager in this process, creates
// a ShareableList [0, 0] it tracks, and runs the Go workers and one CPython
// process (python runs script) that count into it; then it checks the
// total, shuts the manager down and checks the block is gone.
func SharedMemoryParent(out io.Writer, authkey, python, script string) error {
	smm, err := newSharedMemoryManager("127.0.0.1:0", authkey, sharedtypes.NewLock())
	if err != nil {
		return err
	}
	if err := smm.Start(); err != nil { // Python's smm.start(), on a goroutine of this process
		return err
	}
	defer smm.Shutdown() // unlinks the blocks the server still tracks
	sl, err := smm.ShareableList([]any{0, 0})
	if err != nil {
		return err
	}
	defer sl.Close()
	name := sl.SharedMemory().Name()
	fmt.Fprintf(out, "shm: a SharedMemoryManager at %s tracks %s\n", smm.Address(), sl)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var procs []*exec.Cmd
	for i := 1; i <= shmWorkers; i++ {
		cmd := exec.CommandContext(ctx, os.Args[0], "-role", "SharedMemoryWorker", "-address", smm.Address())
		cmd.Env = append(os.Environ(), fmt.Sprintf("GOMANAGER_WORKER=worker-%d", i), "GOMANAGER_SHM="+name)
		procs = append(procs, cmd)
	}
	host, port, _ := strings.Cut(smm.Address(), ":")
	procs = append(procs, exec.CommandContext(ctx, python, script, host, port, name, strconv.Itoa(shmLocked)))
	for _, cmd := range procs {
		cmd.Stdout, cmd.Stderr = out, os.Stderr
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("starting %s: %w", cmd.Path, err)
		}
	}
	var failed error
	for _, cmd := range procs {
		failed = errors.Join(failed, cmd.Wait())
	}
	if failed != nil {
		return failed
	}

	adds, err1 := sl.GetInt(0)
	locked, err2 := sl.GetInt(1)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	wantAdds, wantLocked := int64(shmWorkers*shmAdds), int64((shmWorkers+1)*shmLocked)
	fmt.Fprintf(out, "shm: item 0 = %d (expected %d), item 1 = %d (expected %d): total = %d\n",
		adds, wantAdds, locked, wantLocked, adds+locked)
	if adds != wantAdds || locked != wantLocked {
		return fmt.Errorf("lost or duplicated updates: item 0 = %d, item 1 = %d", adds, locked)
	}
	if err := smm.Shutdown(); err != nil {
		return err
	}
	if _, err := sharedmemory.Attach(name); !errors.Is(err, sharedmemory.ErrNotExist) {
		return fmt.Errorf("after Shutdown, attaching %s: %v; want it unlinked by the server", name, err)
	}
	fmt.Fprintf(out, "shm: after Shutdown the server has unlinked %s\n", name)
	return nil
}

// SharedMemoryWorker attaches the parent's ShareableList by name and
// counts into it: atomic Adds on item 0, which need no lock, and locked
// read-modify-writes of item 1, which CPython does too.
func SharedMemoryWorker(out io.Writer, address, authkey string) error {
	worker, name := os.Getenv("GOMANAGER_WORKER"), os.Getenv("GOMANAGER_SHM")
	smm, err := newSharedMemoryManager(address, authkey, nil)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := smm.ConnectContext(ctx); err != nil {
		return err
	}
	defer smm.Manager.Shutdown() // only the connection: this process serves nothing
	l, err := smm.Get("Lock")
	if err != nil {
		return err
	}
	lock := proxy.LockOf(l)
	defer lock.Close()
	sl, err := sharedmemory.AttachShareableList(name)
	if err != nil {
		return err
	}
	defer sl.Close() // unmaps; the server unlinks

	for range shmAdds {
		if _, err := sl.Add(0, 1); err != nil {
			return err
		}
	}
	for range shmLocked {
		err := lock.WithLock(ctx, func() error {
			n, err := sl.GetInt(1)
			if err != nil {
				return err
			}
			return sl.SetInt(1, n+1) // a read-modify-write: safe only under the lock
		})
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "shm: %s: %d atomic Adds on item 0, %d locked increments of item 1\n", worker, shmAdds, shmLocked)
	return nil
}

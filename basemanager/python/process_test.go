package python_test

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"gomanager/basemanager"
	"gomanager/basemanager/internal/testkit"
	"gomanager/basemanager/process"
)

// Pids tells which process serves it.
type Pids struct{}

func (Pids) Pid() int { return os.Getpid() }

// CPython's own client uses a Go SyncManager whose server StartProcess
// runs in a new process (issue 12, row 1): the objects live in that
// process, not in this one nor in Python's, and the server process stops
// when this one shuts it down.
func TestPythonClientOfServerProcess(t *testing.T) {
	const key = "server process key"
	m := basemanager.NewSyncManager("127.0.0.1:0", basemanager.WithAuthKey(key), basemanager.WithLogger(nil))
	if err := m.Register("Pids", func() Pids { return Pids{} }); err != nil {
		t.Fatal(err)
	}
	if err := m.StartProcess(process.WithArgs("-test.run=^TestPythonClientOfServerProcess$")); err != nil {
		t.Fatalf("StartProcess: %v", err)
	}
	defer m.Shutdown()
	host, port, _ := strings.Cut(m.Address(), ":")
	script := `
import os, sys
from multiprocessing.managers import SyncManager
SyncManager.register('Pids')
m = SyncManager(address=(sys.argv[1], int(sys.argv[2])), authkey=os.environ['GOMANAGER_AUTHKEY'].encode())
m.connect()
d = m.dict()
d['python'] = os.getpid()
assert d['python'] == os.getpid()
server = m.Pids().pid()
assert server != os.getpid(), server
print(server)
`
	testkit.ForEachPython(t, func(t *testing.T, py testkit.Python) {
		ctx, cancel := context.WithTimeout(context.Background(), pythonLimit)
		defer cancel()
		cmd := exec.CommandContext(ctx, py.Path, "-c", script, host, port)
		cmd.Env = append(os.Environ(), "GOMANAGER_AUTHKEY="+key)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%v client: %v\n%s", py, err, out)
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
		if err != nil || pid == os.Getpid() {
			t.Errorf("the objects are served by process %q; want the server process, not this one (%d)", out, os.Getpid())
		}
	})
	if err := m.Shutdown(); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

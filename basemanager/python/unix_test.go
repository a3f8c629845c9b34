// unix_test.go proves issue 12's Unix socket addresses across languages,
// with every CPython found: CPython's own SyncManager and BaseManager
// clients, given address='/path/m.sock', use the Go server on that socket,
// and the tokens its front door sends carry the path as a str; the Go
// client (python.NewClient) uses a CPython SyncManager server listening on
// a socket path.

package python_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"gomanager/basemanager"
	"gomanager/basemanager/internal/testkit"
	"gomanager/basemanager/pickle"
	"gomanager/basemanager/python"
	"gomanager/basemanager/sharedtypes"
)

// CPython's SyncManager(address=path) and a register()-only BaseManager
// use the Go SyncManager server on a Unix socket (testdata/python/
// unix_client.py checks each step, and the token of a #PROXY reply), and
// share a dict with a Go client; every reference is released.
func TestPythonClientOverUnixSocket(t *testing.T) {
	testkit.ForEachPython(t, testPythonClientOverUnixSocket)
}

func testPythonClientOverUnixSocket(t *testing.T, py testkit.Python) {
	const key = "unix socket key"
	path := filepath.Join(testkit.SocketDir(t), "m.sock")
	shared, _ := sharedtypes.NewDict()
	m := basemanager.NewSyncManager(path, basemanager.WithAuthKey(key), basemanager.WithLogger(nil))
	if err := m.Register("shared_dict", func() *sharedtypes.Dict { return shared }, basemanager.Concurrent()); err != nil {
		t.Fatal(err)
	}
	srv := testkit.Serve(t, m)
	if fi, err := os.Stat(path); err != nil || fi.Mode().Type() != fs.ModeSocket || fi.Mode()&0o777 != 0o600 {
		t.Fatalf("the socket file: %v, %v; want a socket with mode 0600", fi, err)
	}

	goSide := basemanager.New(path, basemanager.WithAuthKey(key))
	goSide.Register("shared_dict", nil)
	if err := goSide.Connect(); err != nil {
		t.Fatal(err)
	}
	defer goSide.Shutdown()
	d, err := goSide.Get("shared_dict")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.CallMethod("Set", "from_go", 2); err != nil {
		t.Fatal(err)
	}

	runScript(t, py, key, "unix_client.py", path)

	if v, err := d.CallMethod("Get", "from_python"); err != nil || pickle.Repr(v) != "1" {
		t.Errorf("the Go client reads what Python stored: %s, %v; want 1", pickle.Repr(v), err)
	}
	d.Close()
	if n := srv.NumberOfObjects(); n != 0 {
		t.Errorf("after the Python client exited the server holds %d objects, want 0:\n%s", n, srv.DebugInfo())
	}
}

// The Go client uses a CPython SyncManager server on a Unix socket, named
// by its path or by "unix:" and the path.
func TestGoClientOfPythonOverUnixSocket(t *testing.T) {
	testkit.ForEachPython(t, testGoClientOfPythonOverUnixSocket)
}

func testGoClientOfPythonOverUnixSocket(t *testing.T, py testkit.Python) {
	const key = "python unix key"
	path := filepath.Join(testkit.SocketDir(t), "py.sock")
	if got := startPythonServer(t, py, key, path); got != path {
		t.Fatalf("sync_server.py listens on %q, want %q", got, path)
	}
	c := python.NewClient(path, basemanager.WithAuthKey(key))
	defer c.Close()
	if err := c.Connect(); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	exercisePythonDictAndQueue(t, c)
	if n, err := c.NumberOfObjects(); err != nil || n != 0 {
		info, _ := c.DebugInfo()
		t.Errorf("NumberOfObjects = %d, %v after every proxy closed; want 0:\n%s", n, err, info)
	}

	prefixed := python.NewClient("unix:"+path, basemanager.WithAuthKey(key))
	defer prefixed.Close()
	l, err := prefixed.Create("list", []any{1, "two"})
	if err != nil {
		t.Fatalf("create list through %q: %v", prefixed.Address(), err)
	}
	if v, err := l.CallMethod("__len__"); err != nil || v != 2 {
		t.Errorf("len(l) = %v, %v; want 2", v, err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("closing the list: %v", err)
	}
}

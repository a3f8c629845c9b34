// sync_types_test.go proves SyncManager's Array, set, Value repr and
// _getvalue, and Queue.shutdown for CPython's own clients (issue 12): every
// CPython found runs testdata/python/sync_types_client.py against the Go
// SyncManager, sharing a set and an Array with a Go client.

package python_test

import (
	"testing"

	"gomanager/basemanager"
	"gomanager/basemanager/internal/testkit"
	"gomanager/basemanager/sharedtypes"
	"gomanager/proxy"
)

// Every CPython's client (3.8 to 3.13, as found) uses the Go SyncManager's
// Array with Python's ArrayProxy and gets what Python's array.array takes,
// converts and refuses, for every typecode; uses set with 3.14's SetProxy
// (built with MakeProxyType before 3.14) and gets Python's set semantics;
// reads Value('i', 7) back as Python's repr and as a managers.Value from
// _getvalue(); and, from 3.13, shuts queues down and gets queue.ShutDown.
// A Go client shares a set and an Array with it, and every reference is
// released at the end.
func TestPythonSyncTypesClient(t *testing.T) {
	testkit.ForEachPython(t, testPythonSyncTypesClient)
}

func testPythonSyncTypesClient(t *testing.T, py testkit.Python) {
	const key = "python sync types key"
	sharedSet, err := sharedtypes.NewSet()
	if err != nil {
		t.Fatal(err)
	}
	sharedArray, err := sharedtypes.NewArray("h", 1, -2)
	if err != nil {
		t.Fatal(err)
	}
	srv := serveSync(t, key,
		reg("shared_set", func() *sharedtypes.Set { return sharedSet }, basemanager.Concurrent()),
		reg("shared_array", func() *sharedtypes.Array { return sharedArray }, basemanager.Concurrent()))

	goSide := basemanager.NewSyncManager(srv.Address(), basemanager.WithAuthKey(key))
	goSide.Register("shared_set", nil)
	if err := goSide.Connect(); err != nil {
		t.Fatal(err)
	}
	defer goSide.Shutdown()
	p, err := goSide.Get("shared_set")
	if err != nil {
		t.Fatal(err)
	}
	set := proxy.SetOf[int32](p)
	if err := set.Add(7); err != nil {
		t.Fatal(err)
	}

	runScript(t, py, key, "sync_types_client.py", srv.Address())

	// Python's int 8 is the Go client's int32(8): numbers are one element
	// by value, whatever their types.
	if ok, err := set.Contains(8); err != nil || !ok {
		t.Errorf("the Go client sees the 8 Python added: Contains(8) = %v, %v", ok, err)
	}
	if got := sharedArray.String(); got != "array('h', [300, -2])" {
		t.Errorf("after Python's a[0] = 300 the Array is %s, want array('h', [300, -2])", got)
	}
	set.Close()
	if n := srv.NumberOfObjects(); n != 0 {
		t.Errorf("after the Python client exited the server holds %d objects, want 0:\n%s", n, srv.DebugInfo())
	}
}

// bench_test.go times a ShareableList's int items, on a list made by
// another process and attached here: GetInt, SetInt, Add, and Get and Set
// through their interfaces. bench_manager_test.go times the same work on a
// SyncManager's dict, for the ratio; testdata/bench/shm_bench.py times
// CPython's ShareableList:
//
//	go test ./basemanager/sharedmemory -run '^$' -bench . -benchmem
//	python3 testdata/bench/shm_bench.py

package sharedmemory

import "testing"

func BenchmarkShareableList(b *testing.B) {
	needShm(b)
	name := testName(b)
	track(b, name)
	if out, err := runHelper(b, "create-ints", name, "2").CombinedOutput(); err != nil {
		b.Fatalf("helper creating the list: %v\n%s", err, out)
	}
	l, err := AttachShareableList(name)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	check := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Run("op=GetInt", func(b *testing.B) {
		for b.Loop() {
			_, err := l.GetInt(0)
			check(err)
		}
	})
	b.Run("op=SetInt", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			check(l.SetInt(0, int64(i)))
		}
	})
	b.Run("op=Add", func(b *testing.B) {
		for b.Loop() {
			_, err := l.Add(0, 1)
			check(err)
		}
	})
	b.Run("op=Get", func(b *testing.B) {
		check(l.SetInt(1, 12345)) // past Go's preallocated small ints: Get allocates its interface
		for b.Loop() {
			_, err := l.Get(1)
			check(err)
		}
	})
	b.Run("op=Set", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			check(l.Set(0, i))
		}
	})
}

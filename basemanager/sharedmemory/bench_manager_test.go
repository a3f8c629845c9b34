// bench_manager_test.go times a SyncManager's dict doing what
// BenchmarkShareableList does to a list (get, set and add an int), through
// a proxy to a server on a goroutine of this process: the price of a
// round trip to a manager, against the memory access of shared memory.

package sharedmemory_test

import (
	"testing"

	"gomanager/basemanager"
	"gomanager/proxy"
)

func BenchmarkManagerDict(b *testing.B) {
	m := basemanager.NewSyncManager("127.0.0.1:0", basemanager.WithLogger(nil))
	if err := m.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Shutdown() })
	d, err := proxy.NewDict[string, int64](m)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	check := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	check(d.Set("k", 0))
	b.Run("op=Get", func(b *testing.B) {
		for b.Loop() {
			_, err := d.Get("k")
			check(err)
		}
	})
	b.Run("op=Set", func(b *testing.B) {
		for i := int64(0); b.Loop(); i++ {
			check(d.Set("k", i))
		}
	})
	b.Run("op=Add", func(b *testing.B) {
		for b.Loop() {
			_, err := d.Add("k", 1)
			check(err)
		}
	})
}

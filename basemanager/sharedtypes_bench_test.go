// sharedtypes_bench_test.go measures issue 5's figures for the shared
// types: a Dict's Set and Get and a Queue's Put and Get, each against plain
// net/rpc doing the same to a map or a slice under a lock, and Value.Add
// and Dict.Add from four processes against a net/rpc counter. The server
// is the child process of bench_test.go (see internal/benchkit), the
// benchmark the client.
//
// They run only with -bench:
//
//	go test -run '^$' -bench . -benchmem ./basemanager

package basemanager_test

import (
	"context"
	"testing"

	"gomanager/basemanager/internal/benchkit"
	"gomanager/proxy"
)

// BenchmarkDict is the latency of a shared dict's Set and Get, gomanager's
// and plain net/rpc's calls made in turn (see benchkit.Interleaved).
func BenchmarkDict(b *testing.B) {
	s := benchkit.StartServer(b)
	m := s.Connect(b)
	c := s.Dial(b)
	d, err := proxy.NewDict[string, int](m)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	b.Run("op=Set", func(b *testing.B) {
		i := 0
		benchkit.Interleaved(b, s,
			func() error { i++; return d.Set("k", i) },
			func() error { return c.Call(benchkit.DictService+".Set", benchkit.KV{Key: "k", Value: i}, &struct{}{}) })
	})
	b.Run("op=Get", func(b *testing.B) {
		benchkit.Interleaved(b, s,
			func() error { _, err := d.Get("k"); return err },
			func() error { var v int; return c.Call(benchkit.DictService+".Get", "k", &v) })
	})
}

// BenchmarkQueue is the latency of a shared queue's Put followed by Get
// (one op is both calls), gomanager's and plain net/rpc's in turn.
func BenchmarkQueue(b *testing.B) {
	s := benchkit.StartServer(b)
	m := s.Connect(b)
	c := s.Dial(b)
	q, err := proxy.NewQueue[int](m, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { q.Close() })
	ctx := context.Background()
	b.Run("op=PutGet", func(b *testing.B) {
		benchkit.Interleaved(b, s,
			func() error {
				if err := q.Put(ctx, 1); err != nil {
					return err
				}
				_, err := q.Get(ctx)
				return err
			},
			func() error {
				if err := c.Call(benchkit.QueueService+".Put", 1, &struct{}{}); err != nil {
					return err
				}
				var v int
				return c.Call(benchkit.QueueService+".Get", struct{}{}, &v)
			})
	})
}

// adders is how many processes BenchmarkValueAdd runs.
const adders = 4

// BenchmarkValueAdd is four client processes adding to one shared Value
// with Value.Add (atomic on the server), then four adding to one key of a
// shared Dict with Dict.Add, against four adding to a plain net/rpc
// counter; each process makes b.N/4 calls, one after the other. It
// reports the total "adds/s".
func BenchmarkValueAdd(b *testing.B) {
	s := benchkit.StartServer(b)
	m := s.Connect(b)
	b.Run("processes=4/system=gomanager", func(b *testing.B) {
		v, err := proxy.NewValue(m, 0)
		if err != nil {
			b.Fatal(err)
		}
		defer v.Close()
		per := (b.N + adders - 1) / adders
		a := benchkit.StartAdders(b, s, "gomanager", v.Token(), adders, per)
		benchkit.RunAdders(b, s, a)
		if got, err := v.Get(); err != nil || got != adders*per {
			b.Fatalf("the Value holds %d (%v), want %d", got, err, adders*per)
		}
	})
	b.Run("processes=4/system=gomanager-dict", func(b *testing.B) {
		d, err := proxy.NewDict[string, int](m)
		if err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		per := (b.N + adders - 1) / adders
		a := benchkit.StartAdders(b, s, "gomanager-dict", d.Token(), adders, per)
		benchkit.RunAdders(b, s, a)
		if got, err := d.Get(benchkit.DictAddKey); err != nil || got != adders*per {
			b.Fatalf("the Dict holds %d (%v), want %d", got, err, adders*per)
		}
	})
	b.Run("processes=4/system=netrpc", func(b *testing.B) {
		per := (b.N + adders - 1) / adders
		a := benchkit.StartAdders(b, s, "netrpc", proxy.Token{}, adders, per)
		benchkit.RunAdders(b, s, a)
	})
}

// BenchmarkAddInTurn is BenchmarkValueAdd's three systems, each four
// processes adding, run in turn in short rounds (see
// benchkit.RunAddersInTurn), so that all three see the same load of a
// shared machine; it reports each one's adds/s and the ratios to net/rpc
// ("value-ratio", "dict-ratio"). b.N calls are made by each system.
func BenchmarkAddInTurn(b *testing.B) {
	const rounds = 10
	s := benchkit.StartServer(b)
	m := s.Connect(b)
	v, err := proxy.NewValue(m, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	d, err := proxy.NewDict[string, int](m)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	per := max((b.N+adders*rounds-1)/(adders*rounds), 1)
	sets := []*benchkit.Adders{
		benchkit.StartAdders(b, s, "gomanager", v.Token(), adders, per),
		benchkit.StartAdders(b, s, "gomanager-dict", d.Token(), adders, per),
		benchkit.StartAdders(b, s, "netrpc", proxy.Token{}, adders, per),
	}
	benchkit.RunAddersInTurn(b, []string{"value", "dict", "netrpc"}, sets, rounds)
	want := adders * per * rounds
	if got, err := v.Get(); err != nil || got != want {
		b.Fatalf("the Value holds %d (%v), want %d", got, err, want)
	}
	if got, err := d.Get(benchkit.DictAddKey); err != nil || got != want {
		b.Fatalf("the Dict holds %d (%v), want %d", got, err, want)
	}
}

// BenchmarkAddAllocs counts the allocations of one Value.Add and one
// Dict.Add, client and server together (both run in this process here),
// against a call of the net/rpc counter. Its latencies are not comparable
// with BenchmarkValueAdd's.
func BenchmarkAddAllocs(b *testing.B) {
	s := benchkit.StartInProcess(b)
	m := s.Connect(b)
	b.Run("op=ValueAdd/system=gomanager", func(b *testing.B) {
		v, err := proxy.NewValue(m, 0)
		if err != nil {
			b.Fatal(err)
		}
		defer v.Close()
		benchkit.Calls(b, s, func() error { _, err := v.Add(1); return err })
	})
	b.Run("op=DictAdd/system=gomanager", func(b *testing.B) {
		d, err := proxy.NewDict[string, int](m)
		if err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		benchkit.Calls(b, s, func() error { _, err := d.Add(benchkit.DictAddKey, 1); return err })
	})
	b.Run("op=Add/system=netrpc", func(b *testing.B) {
		c := s.Dial(b)
		benchkit.Calls(b, s, func() error {
			var n int
			return c.Call(benchkit.CounterService+".Add", 1, &n)
		})
	})
}

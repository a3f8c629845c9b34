// batch_bench_test.go measures issue 14's batches: 1,000 calls sent in one
// proxy.Batch against the same 1,000 calls made one after the other, on
// the same connection, in turn (one op is one of each), so that both see
// the same moment of a noisy machine. The server is the child process of
// bench_test.go (see internal/benchkit), the benchmark the client.
//
// They run only with -bench:
//
//	go test -run '^$' -bench Batch -benchmem ./basemanager

package basemanager_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"gomanager/basemanager/internal/benchkit"
	"gomanager/proxy"
)

// batchCalls is how many calls one batch holds.
const batchCalls = 1000

// BenchmarkBatch times a batch of 1,000 calls (Do, with every Future
// read) and the same 1,000 calls made one by one, in turn, and reports
// each one's median per 1,000 calls ("batch-p50-ns", "sequential-p50-ns")
// and the ratio of the medians ("speedup": sequential ÷ batch). Two
// workloads:
//
//   - op=DictGet: 1,000 Dict.Gets of one dict (through Dict.GetMany for
//     the batch, through Dict.Get one by one for the baseline);
//   - op=mixed10: 1,000 calls spread over 10 objects, 4 dicts, 3 lists
//     and 3 Values, half reads (Get) and half writes (Set, Add).
//
// ns/op is a batch and the calls one by one together, of no interest.
func BenchmarkBatch(b *testing.B) {
	s := benchkit.StartServer(b)
	m := s.Connect(b)
	keys := make([]string, batchCalls)
	init := map[string]int{}
	for i := range keys {
		keys[i] = fmt.Sprintf("k%d", i)
		init[keys[i]] = i
	}
	d, err := proxy.NewDict(m, init)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })

	b.Run("calls=1000/op=DictGet", func(b *testing.B) {
		batchInTurn(b,
			func() error {
				got, err := d.GetMany(keys)
				if err == nil && len(got) != len(keys) {
					err = fmt.Errorf("GetMany found %d keys of %d", len(got), len(keys))
				}
				return err
			},
			func() error {
				for _, k := range keys {
					if _, err := d.Get(k); err != nil {
						return err
					}
				}
				return nil
			})
	})

	b.Run("calls=1000/op=mixed10", func(b *testing.B) {
		calls := mixedCalls(b, m)
		batchInTurn(b,
			func() error {
				batch := proxy.NewBatch()
				fs := make([]*proxy.Future[any], len(calls))
				for i, c := range calls {
					fs[i] = proxy.Later[any](batch, c.p, c.method, c.args...)
				}
				if err := batch.Do(context.Background()); err != nil {
					return err
				}
				for _, f := range fs {
					if err := f.Err(); err != nil {
						return err
					}
				}
				return nil
			},
			func() error {
				for _, c := range calls {
					if _, err := c.p.CallMethod(c.method, c.args...); err != nil {
						return err
					}
				}
				return nil
			})
	})
}

// mixedCall is one call of the mixed workload.
type mixedCall struct {
	p      *proxy.Proxy
	method string
	args   []any
}

// mixedCalls makes 10 objects on m, 4 dicts, 3 lists and 3 Values, and
// returns 1,000 calls on them, taking the objects in turn: on each, a
// read, then a write, and so on.
func mixedCalls(b *testing.B, m proxy.Getter) []mixedCall {
	b.Helper()
	var objects []func(i int) mixedCall
	for range 4 {
		d, err := proxy.NewDict(m, map[string]int{"a": 1, "b": 2})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { d.Close() })
		objects = append(objects, func(i int) mixedCall {
			if i%2 == 0 {
				return mixedCall{d.Proxy, "Get", []any{"a"}}
			}
			return mixedCall{d.Proxy, "Set", []any{"b", i}}
		})
	}
	for range 3 {
		l, err := proxy.NewList(m, 1, 2, 3)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { l.Close() })
		objects = append(objects, func(i int) mixedCall {
			if i%2 == 0 {
				return mixedCall{l.Proxy, "Get", []any{0}}
			}
			return mixedCall{l.Proxy, "Set", []any{1, i}}
		})
	}
	for range 3 {
		v, err := proxy.NewValue(m, 0)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { v.Close() })
		objects = append(objects, func(i int) mixedCall {
			if i%2 == 0 {
				return mixedCall{v.Proxy, "Get", nil}
			}
			return mixedCall{v.Proxy, "Add", []any{1}}
		})
	}
	calls := make([]mixedCall, batchCalls)
	for i := range calls {
		calls[i] = objects[i%len(objects)](i / len(objects))
	}
	return calls
}

// batchInTurn times b.N runs of batch and of sequential, alternating which
// goes first, after a warm-up, and reports both medians and their ratio.
func batchInTurn(b *testing.B, batch, sequential func() error) {
	b.Helper()
	b.ReportAllocs()
	for range 3 { // warm up: gob describes each type once per connection
		if err := errors.Join(batch(), sequential()); err != nil {
			b.Fatal(err)
		}
	}
	bt, st := make([]time.Duration, 0, b.N), make([]time.Duration, 0, b.N)
	timed := func(f func() error, into *[]time.Duration) error {
		start := time.Now()
		err := f()
		*into = append(*into, time.Since(start))
		return err
	}
	b.ResetTimer()
	for i := range b.N {
		var err error
		if i%2 == 0 {
			err = errors.Join(timed(batch, &bt), timed(sequential, &st))
		} else {
			err = errors.Join(timed(sequential, &st), timed(batch, &bt))
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	slices.Sort(bt)
	slices.Sort(st)
	bm, sm := bt[len(bt)/2], st[len(st)/2]
	b.ReportMetric(float64(bm.Nanoseconds()), "batch-p50-ns")
	b.ReportMetric(float64(sm.Nanoseconds()), "sequential-p50-ns")
	b.ReportMetric(float64(sm)/float64(bm), "speedup")
}

// soak_test.go proves issue 4's soak item: 64 client goroutines over 8
// connections perform random operations on shared objects for a set time,
// checked against a model the test keeps: no lost or duplicated update,
// and no error but the one the operations define. -soak sets the time:
//
//	go test -run TestSoak -soak 10m ./basemanager
//
// The model is exact under concurrency because every goroutine owns its
// keys (each result is checked as it arrives) and the only shared updates
// are additions, whose sum does not depend on their order.

package basemanager_test

import (
	"errors"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"gomanager/basemanager"
	"gomanager/proxy"
)

var soakTime = flag.Duration("soak", 0, "how long TestSoak runs (default 1.5s, or 300ms with -short)")

// sharedKey is the one key every goroutine adds to.
const sharedKey = "shared"

// soakStore is a map of counters with no lock of its own: the server's
// serialization of calls on one object is all that protects it.
type soakStore struct {
	Vals  map[string]int64
	Total int64 // the sum of every Add's delta, whatever its key
}

func newSoakStore() *soakStore { return &soakStore{Vals: map[string]int64{}} }

func (s *soakStore) Add(key string, delta int64) int64 {
	s.Vals[key] += delta
	s.Total += delta
	return s.Vals[key]
}

func (s *soakStore) Set(key string, v int64) { s.Vals[key] = v }

// Get and Delete fail with ErrKeyNotFound, the one error they define.
func (s *soakStore) Get(key string) (int64, error) {
	v, ok := s.Vals[key]
	if !ok {
		return 0, fmt.Errorf("soak: Get %q: %w", key, proxy.ErrKeyNotFound)
	}
	return v, nil
}

func (s *soakStore) Delete(key string) error {
	if _, ok := s.Vals[key]; !ok {
		return fmt.Errorf("soak: Delete %q: %w", key, proxy.ErrKeyNotFound)
	}
	delete(s.Vals, key)
	return nil
}

func (s *soakStore) Sum() int64 { return s.Total }

// lockedStore is a soakStore that locks for itself, registered Concurrent.
type lockedStore struct {
	mu sync.Mutex // guards s
	s  *soakStore
}

func (l *lockedStore) Add(key string, delta int64) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.Add(key, delta)
}

func (l *lockedStore) Set(key string, v int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.s.Set(key, v)
}

func (l *lockedStore) Get(key string) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.Get(key)
}

func (l *lockedStore) Delete(key string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.Delete(key)
}

func (l *lockedStore) Sum() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s.Total
}

func (l *lockedStore) Snapshot() map[string]int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.s.Vals)
}

// soakModel is what one goroutine knows the stores must hold.
type soakModel struct {
	own    []map[string]int64 // per store, the goroutine's own keys
	shared []int64            // per store, what it added to sharedKey
	total  []int64            // per store, what its Adds added in all
	ops    int
}

func TestSoak(t *testing.T) {
	const clients, goroutinesPerClient, keysPerGoroutine = 8, 8, 4
	duration := *soakTime
	switch {
	case duration > 0:
	case testing.Short():
		duration = 300 * time.Millisecond
	default:
		duration = 1500 * time.Millisecond
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("soak for %v with seed %d", duration, seed)

	// Four shared objects: two serialized by the server, two concurrent.
	plain := []*soakStore{newSoakStore(), newSoakStore()}
	locked := []*lockedStore{{s: newSoakStore()}, {s: newSoakStore()}}
	p := newPair(t, []typeid{
		reg("store", func(i int) *soakStore { return plain[i] }),
		reg("cstore", func(i int) *lockedStore { return locked[i] }, basemanager.Concurrent()),
	})
	// getStore returns a proxy to store i (0 and 1 plain, 2 and 3 locked).
	getStore := func(m *basemanager.Manager, i int) (*proxy.Proxy, error) {
		if i < len(plain) {
			return m.Get("store", i)
		}
		return m.Get("cstore", i-len(plain))
	}
	const stores = 4

	managers := []*basemanager.Manager{p.client}
	for range clients - 1 {
		managers = append(managers, p.connect(t))
	}
	models := make([]*soakModel, clients*goroutinesPerClient)
	errs := make([]error, len(models))
	start := time.Now()
	end := start.Add(duration)
	var wg sync.WaitGroup
	for g := range models {
		m := managers[g%clients]
		model := &soakModel{own: make([]map[string]int64, stores), shared: make([]int64, stores), total: make([]int64, stores)}
		for i := range model.own {
			model.own[i] = map[string]int64{}
		}
		models[g] = model
		wg.Go(func() {
			errs[g] = soak(m, getStore, g, keysPerGoroutine, model, rand.New(rand.NewPCG(seed, uint64(g))), end)
		})
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(duration + waitLimit): // each stops at end, after at most one more call
		t.Fatalf("the soak goroutines still running %v after the soak's end", waitLimit)
	}
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}

	// The model, merged, against the stores.
	ops := 0
	for _, model := range models {
		ops += model.ops
	}
	for i := range stores {
		want := map[string]int64{}
		var shared, total int64
		for _, model := range models {
			maps.Copy(want, model.own[i])
			shared += model.shared[i]
			total += model.total[i]
		}
		if shared != 0 {
			want[sharedKey] = shared
		}
		px, err := getStore(p.client, i)
		if err != nil {
			t.Fatal(err)
		}
		if got := call[int64](t, px, "Sum"); got != total {
			t.Errorf("store %d: Sum() = %d, want %d: updates were lost or applied twice", i, got, total)
		}
		var got map[string]int64
		if i < len(plain) {
			v, err := px.GetValue()
			if err != nil {
				t.Fatal(err)
			}
			got = v.(*soakStore).Vals
		} else {
			got = call[map[string]int64](t, px, "Snapshot")
		}
		if got == nil {
			got = map[string]int64{}
		}
		if !maps.Equal(got, want) {
			t.Errorf("store %d holds %d keys, the model %d; they differ:\n got  %v\n want %v", i, len(got), len(want), got, want)
		}
	}
	t.Logf("%d operations in %v by %d goroutines over %d connections: %.0f operations/s",
		ops, elapsed.Round(time.Millisecond), len(models), clients, float64(ops)/elapsed.Seconds())
}

// soak is one goroutine's work: random operations on the stores until
// end, each result checked against model, which it updates.
func soak(m *basemanager.Manager, getStore func(*basemanager.Manager, int) (*proxy.Proxy, error),
	g, keys int, model *soakModel, rng *rand.Rand, end time.Time) error {
	stores := make([]*proxy.Proxy, len(model.own))
	for i := range stores {
		px, err := getStore(m, i)
		if err != nil {
			return fmt.Errorf("goroutine %d: Get store %d: %w", g, i, err)
		}
		stores[i] = px
	}
	defer func() {
		for _, px := range stores {
			px.Close()
		}
	}()

	for time.Now().Before(end) {
		i := rng.IntN(len(stores))
		px, own := stores[i], model.own[i]
		key := fmt.Sprintf("g%02d-k%d", g, rng.IntN(keys))
		want, exists := own[key]
		fail := func(op string, got any, err error) error {
			return fmt.Errorf("goroutine %d, operation %d: store %d: %s %q: got %v, %v; the model says %d (exists: %t)",
				g, model.ops, i, op, key, got, err, want, exists)
		}
		model.ops++
		switch op := rng.IntN(10); {
		case op < 3: // Add to an own key
			delta := rng.Int64N(100) - 50
			got, err := proxy.Call[int64](px, "Add", key, delta)
			if err != nil || got != want+delta {
				return fail(fmt.Sprintf("Add(%d)", delta), got, err)
			}
			own[key] = got
			model.total[i] += delta
		case op < 5: // Add to the key every goroutine adds to
			delta := rng.Int64N(10) + 1
			if _, err := proxy.Call[int64](px, "Add", sharedKey, delta); err != nil {
				return fail("Add shared", nil, err)
			}
			model.shared[i] += delta
			model.total[i] += delta
		case op < 6: // Set an own key
			v := rng.Int64N(1000)
			if _, err := px.CallMethod("Set", key, v); err != nil {
				return fail(fmt.Sprintf("Set(%d)", v), nil, err)
			}
			own[key] = v
		case op < 8: // Get an own key, which may be missing
			got, err := proxy.Call[int64](px, "Get", key)
			if exists && (err != nil || got != want) || !exists && !errors.Is(err, proxy.ErrKeyNotFound) {
				return fail("Get", got, err)
			}
		case op < 9: // Delete an own key, which may be missing
			err := func() error { _, err := px.CallMethod("Delete", key); return err }()
			if exists && err != nil || !exists && !errors.Is(err, proxy.ErrKeyNotFound) {
				return fail("Delete", nil, err)
			}
			delete(own, key)
		default: // a new proxy for the store, through the same connection
			next, err := getStore(m, i)
			if err != nil {
				return fail("Get a new proxy", nil, err)
			}
			if err := px.Close(); err != nil {
				return fail("Close the old proxy", nil, err)
			}
			stores[i] = next
		}
	}
	return nil
}

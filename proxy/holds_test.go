// holds_test.go checks how long a proxy stored in a shared container keeps
// its object alive: while it is stored there, and no longer, as in
// Python's managers (the server's own proxy goes when the container lets
// go of it).

package proxy_test

import (
	"context"
	"errors"
	"testing"

	"gomanager/proxy"
)

// stored makes a new shared Value for a test to store in containers, and
// returns a func that closes the test's own handle, to call once it is
// stored: then only the containers keep it alive.
func stored(t *testing.T, m proxy.Getter) (*proxy.Proxy, func()) {
	t.Helper()
	v := contOK(proxy.NewValue(m, 7))(t)
	return v.Proxy, func() {
		t.Helper()
		if err := v.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// wantObjects fails t unless the server holds want objects.
func wantObjects(t *testing.T, m interface{ NumberOfObjects() (int, error) }, want int, when string) {
	t.Helper()
	if got := contOK(m.NumberOfObjects())(t); got != want {
		t.Errorf("%s: the server holds %d objects, want %d", when, got, want)
	}
}

// Overwriting, deleting, popping or clearing a stored proxy releases its
// object: no container holds it any more.
func TestStoredProxyReleasedWhenRemoved(t *testing.T) {
	m := contManager(t)
	d := contKeep(proxy.NewDict[string, any](m))(t)
	l := contKeep(proxy.NewList[any](m))(t)
	ns := contKeep(proxy.NewNamespace(m))(t)
	base := contObjects(t, m) // the three containers

	for _, tt := range []struct {
		name          string
		store, remove func(p *proxy.Proxy) error
	}{
		{"dict overwrite", func(p *proxy.Proxy) error { return d.Set("k", p) }, func(*proxy.Proxy) error { return d.Set("k", 1) }},
		{"dict delete", func(p *proxy.Proxy) error { return d.Set("k", p) }, func(*proxy.Proxy) error { return d.Delete("k") }},
		{"dict clear", func(p *proxy.Proxy) error { return d.Set("k", p) }, func(*proxy.Proxy) error { return d.Clear() }},
		{"dict, inside a list value", func(p *proxy.Proxy) error { return d.Set("k", []any{1, p}) }, func(*proxy.Proxy) error { return d.Set("k", nil) }},
		{"dict, as a key", func(p *proxy.Proxy) error { return d.Set(p.Token().String(), p) }, func(p *proxy.Proxy) error { return d.Delete(p.Token().String()) }},
		{"list set", func(p *proxy.Proxy) error { return l.Append(p) }, func(*proxy.Proxy) error { return l.Set(0, "x") }},
		{"list clear", func(p *proxy.Proxy) error { return l.Append(p) }, func(*proxy.Proxy) error { return l.Clear() }},
		{"namespace delete", func(p *proxy.Proxy) error { return ns.Set("a", p) }, func(*proxy.Proxy) error { return ns.Delete("a") }},
	} {
		p, done := stored(t, m)
		if err := tt.store(p); err != nil {
			t.Fatalf("%s: storing: %v", tt.name, err)
		}
		done()
		wantObjects(t, m, base+1, tt.name+", while stored")
		if err := tt.remove(p); err != nil {
			t.Fatalf("%s: removing: %v", tt.name, err)
		}
		wantObjects(t, m, base, tt.name+", once removed")
	}
}

// A proxy stored in two containers lives until both have let it go.
func TestStoredProxyInTwoContainers(t *testing.T) {
	m := contManager(t)
	d := contKeep(proxy.NewDict[string, any](m))(t)
	l := contKeep(proxy.NewList[any](m))(t)
	base := contObjects(t, m)
	p, done := stored(t, m)
	if err := d.Set("k", p); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(p); err != nil {
		t.Fatal(err)
	}
	done()
	if err := d.Delete("k"); err != nil {
		t.Fatal(err)
	}
	wantObjects(t, m, base+1, "removed from the dict, still in the list")
	v := proxy.ValueOf[int](contKeep(proxy.Call[*proxy.Proxy](l.Proxy, "Get", 0))(t))
	contEqual(t, "l[0].get()", contOK(v.Get())(t), 7)
	if err := l.Clear(); err != nil {
		t.Fatal(err)
	}
	wantObjects(t, m, base+1, "removed from both, a handle read back still open")
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	wantObjects(t, m, base, "removed from both, the handle closed")
}

// A proxy taken out of a queue is the getter's from then on: the queue no
// longer keeps it, and closing the handle releases it.
func TestStoredProxyGotFromQueue(t *testing.T) {
	m := contManager(t)
	q := contKeep(proxy.NewQueue[*proxy.Proxy](m, 0))(t)
	base := contObjects(t, m)
	ctx := context.Background()
	p, done := stored(t, m)
	if err := q.Put(ctx, p); err != nil {
		t.Fatal(err)
	}
	done()
	wantObjects(t, m, base+1, "in the queue")
	got, err := q.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	contEqual(t, "the value got from the queue", contOK(proxy.ValueOf[int](got).Get())(t), 7)
	if err := got.Close(); err != nil {
		t.Fatal(err)
	}
	wantObjects(t, m, base, "got and closed")
}

// A proxy passed to a method that does not store it (Contains, Index) is
// not kept.
func TestProxyArgumentNotStored(t *testing.T) {
	m := contManager(t)
	l := contKeep(proxy.NewList[any](m, 1, 2))(t)
	base := contObjects(t, m)
	p, done := stored(t, m)
	if in := contOK(l.Contains(p))(t); in {
		t.Errorf("l.Contains(p) = true for a proxy never stored")
	}
	_, err := l.Index(p)
	contFails(t, "l.Index(p)", err, proxy.ErrKeyNotFound, "")
	done()
	wantObjects(t, m, base, "after Contains and Index, the handle closed")
}

// The server's hooks are not methods a client may call: one client could
// otherwise release the locks of another.
func TestServerHooksNotCallable(t *testing.T) {
	m := contManager(t)
	lock := contKeep(proxy.NewLock(m))(t)
	d := contKeep(proxy.NewDict[string, int](m))(t)
	for _, c := range []struct {
		p      *proxy.Proxy
		method string
		args   []any
	}{
		{lock.Proxy, "Abandon", []any{uint64(1)}},
		{d.Proxy, "EachProxy", nil},
	} {
		if _, err := c.p.CallMethod(c.method, c.args...); !errors.Is(err, proxy.ErrNoSuchMethod) {
			t.Errorf("CallMethod(%q) = %v, want ErrNoSuchMethod", c.method, err)
		}
	}
}

// Callers storing, reading back and removing proxies in one dict at once
// never see a stored object freed, and leave nothing behind.
func TestStoredProxiesConcurrently(t *testing.T) {
	m := contManager(t)
	d := contKeep(proxy.NewDict[string, any](m))(t)
	base := contObjects(t, m)
	const callers, rounds = 8, 50
	errs := make(chan error, callers)
	for c := range callers {
		go func() {
			errs <- func() error {
				key := string(rune('a' + c))
				for i := range rounds {
					v, err := proxy.NewValue(m, i)
					if err != nil {
						return err
					}
					if err := d.Set(key, v.Proxy); err != nil {
						return err
					}
					if err := v.Close(); err != nil {
						return err
					}
					back, err := proxy.Call[*proxy.Proxy](d.Proxy, "Get", key)
					if err != nil {
						return err
					}
					got, err := proxy.ValueOf[int](back).Get()
					back.Close()
					if err != nil {
						return err
					}
					if got != i {
						return errors.New("read back another caller's value")
					}
					if err := d.Delete(key); err != nil {
						return err
					}
				}
				return nil
			}()
		}()
	}
	for range callers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	wantObjects(t, m, base, "after every caller removed its proxies")
}

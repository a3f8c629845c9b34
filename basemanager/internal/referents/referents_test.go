package referents

import (
	"reflect"
	"testing"
)

// entry is an index entry: the referent it stands for.
type entry struct{ v reflect.Value }

func typeOf(e *entry) reflect.Type { return e.v.Type() }

type outer struct{ inner struct{ n int } }

// One entry per referent: found again by its key, kept apart from another
// type's referent at the same address, and forgotten when removed.
func TestIndex(t *testing.T) {
	ix := New(typeOf)
	o := &outer{}
	whole, first := reflect.ValueOf(o), reflect.ValueOf(&o.inner) // one address, two types
	a, b := &entry{whole}, &entry{first}

	if _, ok := ix.Lookup(KeyOf(whole)); ok {
		t.Fatal("an empty index found an entry")
	}
	ix.Add(KeyOf(whole), a)
	ix.Add(KeyOf(first), b)
	for _, c := range []struct {
		v    reflect.Value
		want *entry
	}{{whole, a}, {first, b}} {
		if got, ok := ix.Lookup(KeyOf(c.v)); !ok || got != c.want {
			t.Errorf("Lookup(%s) = %v, %v; want its own entry", c.v.Type(), got, ok)
		}
	}
	ix.Remove(KeyOf(whole), a)
	if _, ok := ix.Lookup(KeyOf(whole)); ok {
		t.Error("a removed entry is still found")
	}
	if got, ok := ix.Lookup(KeyOf(first)); !ok || got != b {
		t.Error("removing one referent's entry lost the other's at the same address")
	}
	ix.Remove(KeyOf(first), b)
	if len(ix.byPtr)+len(ix.byKey) != 0 {
		t.Errorf("the index keeps %d entries after every one was removed", len(ix.byPtr)+len(ix.byKey))
	}
}

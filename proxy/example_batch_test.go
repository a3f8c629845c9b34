package proxy_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"gomanager/basemanager"
	"gomanager/proxy"
)

// Many calls, on several objects of one manager, in one round trip: each
// call keeps its own result or error. Python has no counterpart; there
// each line is a round trip:
//
//	stock['apples']; stock['pears']; len(orders); total.value
func ExampleBatch() {
	m := basemanager.NewSyncManager("")
	if err := m.Start(); err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown()

	stock, err := proxy.NewDict(m, map[string]int{"apples": 3, "plums": 0})
	if err != nil {
		log.Fatal(err)
	}
	orders, _ := proxy.NewList(m, "apples", "plums")
	total, _ := proxy.NewValue(m, 12)

	b := proxy.NewBatch()
	apples := proxy.Later[int](b, stock.Proxy, "Get", "apples") // queued, not sent
	pears := proxy.Later[int](b, stock.Proxy, "Get", "pears")
	n := proxy.Later[int](b, orders.Proxy, "Len")
	sum := proxy.Later[int](b, total.Proxy, "Get")
	if err := b.Do(context.Background()); err != nil { // sends all four, waits for the four replies
		log.Fatal(err)
	}

	a, err := apples.Get()
	fmt.Println("apples:", a, err)
	_, err = pears.Get() // this call's own error: Python's KeyError
	fmt.Println("pears: KeyError:", errors.Is(err, proxy.ErrKeyNotFound))
	orderCount, _ := n.Get()
	t, _ := sum.Get()
	fmt.Println("orders:", orderCount, "total:", t)
	// Output:
	// apples: 3 <nil>
	// pears: KeyError: true
	// orders: 2 total: 12
}

// GetMany reads many keys in one round trip; a missing key is left out.
// Python, one round trip per key:
//
//	{k: d[k] for k in ['a', 'b', 'z'] if k in d}
func ExampleDict_GetMany() {
	m := basemanager.NewSyncManager("")
	if err := m.Start(); err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown()

	d, err := proxy.NewDict(m, map[string]int{"a": 1, "b": 2, "c": 3})
	if err != nil {
		log.Fatal(err)
	}
	got, err := d.GetMany([]string{"a", "b", "z"})
	if err != nil {
		log.Fatal(err)
	}
	_, found := got["z"]
	fmt.Println(got["a"], got["b"], "z found:", found)
	// Output:
	// 1 2 z found: false
}

// GetMany reads many items in one round trip. Python, one round trip per
// index:
//
//	[l[i] for i in [0, -1]]
func ExampleList_GetMany() {
	m := basemanager.NewSyncManager("")
	if err := m.Start(); err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown()

	l, err := proxy.NewList(m, "first", "middle", "last")
	if err != nil {
		log.Fatal(err)
	}
	ends, err := l.GetMany([]int{0, -1})
	fmt.Println(ends, err)
	_, err = l.GetMany([]int{0, 5}) // Python's IndexError
	fmt.Println("IndexError:", errors.Is(err, proxy.ErrKeyNotFound))
	// Output:
	// [first last] <nil>
	// IndexError: true
}

// services.go holds what the server child serves: the object gomanager
// shares for the benchmarks, and the hand-written net/rpc services of the
// baseline, each doing the same work with no manager in between.

package benchkit

import (
	"errors"
	"io"
	"net"
	"net/rpc"
	"sync"

	"gomanager/basemanager"
)

// Payload is the string every call sends and gets back.
const Payload = "hello World"

// StringTypeid is the typeid under which the server child shares a
// *String: each Get makes a new one.
const StringTypeid = "str"

// String is the object the call benchmarks share: a string with a method
// taking and returning a string, the lesson's shared string.
type String struct{ S string }

// Echo returns s: the call benchmarks' method.
func (s *String) Echo(v string) string { return v }

// Get returns the string.
func (s *String) Get() string { return s.S }

// NewManager returns the SyncManager the server child serves, with the
// String typeid added; the connecting side uses the same.
func NewManager(address string, opts ...basemanager.Option) *basemanager.Manager {
	m := basemanager.NewSyncManager(address, opts...)
	if err := m.Register(StringTypeid, func() *String { return &String{S: Payload} }); err != nil {
		panic(err) // the registration is fixed: a failure is a bug
	}
	return m
}

// Baseline service names, as net/rpc addresses them ("Str.Echo").
const (
	StrService     = "Str"
	ObjectsService = "Objects"
	DictService    = "Dict"
	QueueService   = "Queue"
	CounterService = "Counter"
)

// Str is the baseline of a proxy call: the same method, called by name.
type Str struct{}

// Echo replies with its argument.
func (Str) Echo(s string, reply *string) error {
	*reply = s
	return nil
}

// Objects is the baseline of create and release: a table of objects by id,
// which is the least a server sharing objects must keep.
type Objects struct {
	mu      sync.Mutex // guards objects and last
	objects map[uint64]*String
	last    uint64
}

// Create stores a new object and replies with its id.
func (o *Objects) Create(s string, id *uint64) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.last++
	o.objects[o.last] = &String{S: s}
	*id = o.last
	return nil
}

// Release forgets an object.
func (o *Objects) Release(id uint64, _ *struct{}) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.objects, id)
	return nil
}

// KV is a key and a value, the argument of Dict.Set.
type KV struct {
	Key   string
	Value int
}

// Dict is the baseline of a shared dict: a map under a lock.
type Dict struct {
	mu sync.Mutex // guards m
	m  map[string]int
}

// Set stores a value.
func (d *Dict) Set(kv KV, _ *struct{}) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.m[kv.Key] = kv.Value
	return nil
}

// Get replies with the value of key.
func (d *Dict) Get(key string, v *int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	x, ok := d.m[key]
	if !ok {
		return errors.New("no such key")
	}
	*v = x
	return nil
}

// Queue is the baseline of a shared queue: a slice under a lock. Get on an
// empty queue fails instead of waiting; the benchmarks never do it.
type Queue struct {
	mu    sync.Mutex // guards items
	items []int
}

// Put appends an item.
func (q *Queue) Put(v int, _ *struct{}) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.items = append(q.items, v)
	return nil
}

// Get removes and replies with the first item.
func (q *Queue) Get(_ struct{}, v *int) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return errors.New("empty")
	}
	*v, q.items = q.items[0], q.items[1:]
	return nil
}

// Counter is the baseline of Value.Add: an integer under a lock.
type Counter struct {
	mu sync.Mutex // guards n
	n  int
}

// Add adds delta and replies with the new value.
func (c *Counter) Add(delta int, n *int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n += delta
	*n = c.n
	return nil
}

// newBaseline returns a net/rpc server with the baseline services
// registered, once, as a plain net/rpc program would.
func newBaseline() *rpc.Server {
	srv := rpc.NewServer()
	for name, rcvr := range map[string]any{
		StrService:     Str{},
		ObjectsService: &Objects{objects: map[uint64]*String{}},
		DictService:    &Dict{m: map[string]int{}},
		QueueService:   &Queue{},
		CounterService: &Counter{},
	} {
		if err := srv.RegisterName(name, rcvr); err != nil {
			panic(err) // the services are fixed: a failure is a bug
		}
	}
	return srv
}

// serveBaseline serves srv on ln with net/rpc's own gob codec, as
// rpc.Accept does, until ln is closed.
func serveBaseline(ln net.Listener, srv *rpc.Server) {
	serveConns(ln, func(c net.Conn) { srv.ServeConn(c) })
}

// serveEcho sends back whatever each connection on ln sends, until ln is
// closed: the floor under any request and reply over loopback.
func serveEcho(ln net.Listener) {
	serveConns(ln, func(c net.Conn) { io.Copy(c, c) })
}

// serveConns runs serve on a goroutine for each connection accepted on ln,
// until ln is closed; then it closes the connections still open and waits
// for their goroutines.
func serveConns(ln net.Listener, serve func(net.Conn)) {
	var wg sync.WaitGroup
	var mu sync.Mutex // guards conns
	conns := map[net.Conn]struct{}{}
	defer func() {
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	}()
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		mu.Lock()
		conns[conn] = struct{}{}
		mu.Unlock()
		wg.Go(func() {
			serve(conn)
			mu.Lock()
			delete(conns, conn)
			mu.Unlock()
			conn.Close()
		})
	}
}

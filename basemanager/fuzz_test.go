// fuzz_test.go fuzzes the server's net/rpc service with arbitrary
// authenticated requests.

package basemanager

import (
	"bytes"
	"encoding/gob"
	"errors"
	"net"
	"net/rpc"
	"testing"
	"time"

	"gomanager/basemanager/internal/connection"
	"gomanager/proxy/wire"
)

// fuzzTarget is a shared object for FuzzRequest with methods of many shapes.
type fuzzTarget struct{ m map[string]int }

func (f *fuzzTarget) Set(k string, v int)       { f.m[k] = v }
func (f *fuzzTarget) Get(k string) (int, error) { return f.m[k], nil }
func (f *fuzzTarget) Sum(xs ...float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}
func (f *fuzzTarget) Boom(msg string)        { panic(msg) }
func (f *fuzzTarget) Ptr(p *fuzzTarget) bool { return p != nil }

// FuzzRequest sends an arbitrary authenticated request (typeid, method,
// argument bytes) through the real net/rpc service and checks that the
// server answers or drops it without crashing, and keeps working.
func FuzzRequest(f *testing.F) {
	var buf bytes.Buffer
	gob.NewEncoder(&buf).Encode(&[]any{"k", 3})
	f.Add("target", "Set", buf.Bytes(), false)
	f.Add("target", "Sum", []byte{}, true)
	f.Add("nope", "Boom", []byte{1, 2, 3}, false)
	f.Add("target", "#GETVALUE", []byte{}, true)
	f.Add("target", "__str__", []byte{0xff}, false)
	f.Add("target", "Ptr", buf.Bytes(), false)

	m := New("", WithLogger(nil))
	if err := m.Register("target", func() *fuzzTarget { return &fuzzTarget{m: map[string]int{}} }); err != nil {
		f.Fatal(err)
	}
	srv, err := m.GetServer()
	if err != nil {
		f.Fatal(err)
	}
	srv.listener.Close() // only in-memory connections below
	f.Cleanup(srv.Stop)

	f.Fuzz(func(t *testing.T, typeid, method string, args []byte, scalars bool) {
		client, server := net.Pipe()
		done := make(chan struct{})
		go srv.serveConn(server, func() { close(done) })
		defer func() {
			client.Close()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the connection did not end after the client closed")
			}
		}()
		if err := connection.ClientHandshake(client, nil); err != nil {
			t.Fatal(err)
		}
		c := rpc.NewClientWithCodec(connection.NewClientCodec(client))
		vals := wire.Values{Gob: args}
		if scalars {
			vals = wire.Values{Scalars: []any{string(args), len(args)}}
		}
		var ref wire.RefReply
		if err := c.Call(wire.ServiceName+".Create", &wire.CreateRequest{Typeid: typeid, Args: vals}, &ref); err != nil {
			t.Fatalf("create: transport failed: %v", err)
		}
		if ref.Err == nil {
			var reply wire.Reply
			req := &wire.Request{ID: ref.ID, Ref: ref.Ref, Method: method, Args: vals}
			if err := c.Call(wire.ServiceName+".Call", req, &reply); err != nil && !errors.Is(err, rpc.ErrShutdown) {
				t.Fatalf("call: transport failed: %v", err)
			}
		}
		// The connection still works after whatever happened.
		if err := c.Call(wire.ServiceName+".Dummy", &wire.Empty{}, new(uint64)); err != nil {
			t.Fatalf("connection broken after the request: %v", err)
		}
	})
}

package basemanager

import (
	"bytes"
	"encoding/gob"
	"errors"
	"io"
	"net"
	"net/rpc"
	"testing"
	"time"

	"gomanager/proxy/wire"
)

// FuzzHandshake feeds arbitrary bytes to the server's half of the
// authentication handshake, as an unauthenticated peer would send them. The
// handshake must fail cleanly (never succeed without the key, never panic)
// and never read more than two bounded frames.
func FuzzHandshake(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 40})
	f.Add([]byte{0x7f, 0xff, 0xff, 0xff})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3})
	f.Add(append([]byte{0, 0, 0, 40}, append([]byte(digestPrefix), make([]byte, 32)...)...))
	f.Add(append([]byte{0, 0, 0, 9}, []byte(welcomeMessage)...))
	f.Fuzz(func(t *testing.T, input []byte) {
		in := &countingReader{r: bytes.NewReader(input)}
		rw := struct {
			io.Reader
			io.Writer
		}{in, io.Discard}
		err := serverHandshake(rw, []byte("key"))
		if err == nil {
			t.Fatalf("handshake accepted %q without knowing the challenge", input)
		}
		if limit := 2 * (4 + maxAuthMessage); in.n > limit {
			t.Fatalf("handshake read %d bytes from an unauthenticated peer; limit %d", in.n, limit)
		}
	})
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

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
		go func() { defer close(done); srv.serveConn(server) }()
		defer func() {
			client.Close()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("serveConn did not return after the client closed")
			}
		}()
		if err := clientHandshake(client, nil); err != nil {
			t.Fatal(err)
		}
		c := rpc.NewClientWithCodec(NewClientCodec(client))
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

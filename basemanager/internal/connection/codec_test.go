// codec_test.go checks the codec on its own: group-committed writes under
// many callers, gob and binary bodies on one stream, malformed frames, and
// the writer goroutine's end. BenchmarkCodec compares its encoding cost
// with net/rpc's own gob codec, without any network.

package connection

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"net"
	"net/rpc"
	"sync/atomic"
	"testing"
	"time"

	"gomanager/proxy/wire"
)

// countingConn counts the writes made to a connection.
type countingConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// echoService answers with its argument, in a binary message (wire.Reply)
// or in gob (a string, a struct).
type echoService struct{}

func (echoService) Reply(req *wire.Request, reply *wire.Reply) error {
	reply.Result = req.Args
	return nil
}

// CodecPoint is exported: net/rpc only serves methods of exported types.
type CodecPoint struct{ X, Y int }

func (echoService) Point(p CodecPoint, reply *CodecPoint) error {
	*reply = p
	return nil
}

func (echoService) Fail(s string, reply *string) error { return errors.New("failed: " + s) }

// codecPair serves echoService with serverCodec over a pipe and returns an
// rpc client using clientCodec, with the client side's connection.
func codecPair(t *testing.T) (*rpc.Client, *countingConn) {
	t.Helper()
	cc, sc := net.Pipe()
	srv := rpc.NewServer()
	if err := srv.RegisterName("Echo", echoService{}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		serveRequests(srv, newCodec(sc, DefaultMaxMessageSize), nil, nil)
	}()
	conn := &countingConn{Conn: cc}
	client := rpc.NewClientWithCodec(newClientCodec(conn, DefaultMaxMessageSize))
	t.Cleanup(func() {
		client.Close()
		receiveWithin(t, done, "serveRequests to return")
	})
	return client, conn
}

func receiveWithin(t *testing.T, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(10 * time.Second):
		t.Fatalf("gave up waiting for %s", what)
	}
}

// writerStopped checks that c's writing has stopped and its writer
// goroutine is not running (it starts only when a frame is left to it).
func writerStopped(t *testing.T, c *codec) {
	t.Helper()
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.werr == nil || c.writer {
		t.Errorf("writing not stopped (%v), or the writer still running (%v)", c.werr, c.writer)
	}
}

// Many callers on one connection each get their own reply, with binary and
// gob bodies mixed on the stream; writes are shared (logged, not asserted:
// how many frames share one depends on scheduling).
func TestCodecManyCallers(t *testing.T) {
	client, conn := codecPair(t)
	const callers, calls = 64, 100
	errs := make(chan error, callers)
	for g := range callers {
		go func() {
			errs <- func() error {
				for i := range calls {
					want := fmt.Sprintf("%d/%d", g, i)
					if i%10 == 0 { // a gob body now and then
						var p CodecPoint
						if err := client.Call("Echo.Point", CodecPoint{g, i}, &p); err != nil || p != (CodecPoint{g, i}) {
							return fmt.Errorf("Point(%d, %d) = %v, %v", g, i, p, err)
						}
						continue
					}
					args, _ := wire.Encode([]any{want})
					var reply wire.Reply
					if err := client.Call("Echo.Reply", &wire.Request{Method: "m", Args: args}, &reply); err != nil {
						return err
					}
					if got, _ := reply.Result.Decode(); len(got) != 1 || got[0] != want {
						return fmt.Errorf("call %s got %v", want, got)
					}
				}
				return nil
			}()
		}()
	}
	for range callers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	t.Logf("%d requests in %d writes", callers*calls, conn.writes.Load())
}

// A lone caller's request goes out in the caller's own write: the writer
// goroutine is not involved, and adds no latency.
func TestCodecLoneCallerWritesItself(t *testing.T) {
	client, conn := codecPair(t)
	for i := range 10 {
		var reply wire.Reply
		if err := client.Call("Echo.Reply", &wire.Request{}, &reply); err != nil {
			t.Fatal(err)
		}
		if got := conn.writes.Load(); got != int64(i+1) {
			t.Fatalf("after %d calls, %d writes", i+1, got)
		}
	}
}

// An error reply (the header's error, a discarded body) leaves the stream
// in step.
func TestCodecErrorReplies(t *testing.T) {
	client, _ := codecPair(t)
	for range 3 {
		var s string
		if err := client.Call("Echo.Fail", "x", &s); err == nil || err.Error() != "failed: x" {
			t.Errorf("Fail: %v", err)
		}
		var reply wire.Reply
		if err := client.Call("Echo.Nope", &wire.Request{}, &reply); err == nil {
			t.Errorf("a method that does not exist: no error")
		}
		var p CodecPoint
		if err := client.Call("Echo.Point", CodecPoint{1, 2}, &p); err != nil || p != (CodecPoint{1, 2}) {
			t.Errorf("Point after errors: %v, %v", p, err)
		}
	}
}

// Close stops the writer; later writes fail as writes to a
// closed connection do.
func TestCodecClose(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	c := newCodec(a, DefaultMaxMessageSize)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	writerStopped(t, c)
	if err := c.write(1, "M", "", &wire.RefRequest{}, true); !errors.Is(err, net.ErrClosed) {
		t.Errorf("write after Close: %v, want net.ErrClosed", err)
	}
	c.Close() // idempotent
}

// A frame that is not one of ours closes the connection, and stops the
// writer.
func TestCodecMalformedFrames(t *testing.T) {
	for _, tt := range []struct {
		name  string
		frame []byte
	}{
		{"empty frame", []byte{0, 0, 0, 0}},
		{"unknown kind", []byte{0, 0, 0, 2, 'x', 0}},
		{"pickle", []byte{0, 0, 0, 2, 0x80, 4}},
		{"header cut short", []byte{0, 0, 0, 3, frameBinary, 1, 9}},
		{"gob length beyond the frame", []byte{0, 0, 0, 6, frameGob, 1, 0, 0, 0xfe, 0xff}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, b := net.Pipe()
			defer b.Close()
			c := serverCodec{newCodec(a, DefaultMaxMessageSize), nil}
			go b.Write(tt.frame)
			var r rpc.Request
			if err := c.ReadRequestHeader(&r); err == nil {
				t.Fatalf("read %+v", r)
			}
			writerStopped(t, c.codec)
			if _, err := b.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
				t.Errorf("the peer reads %v, want the connection closed", err)
			}
		})
	}
}

// memConn is a connection to itself, in memory: what is written is read.
type memConn struct{ bytes.Buffer }

func (*memConn) Close() error { return nil }

// BenchmarkCodec is the cost of encoding and decoding one call and its
// reply on both sides, without any network: this codec with the wire
// messages, against net/rpc's gob codec with a plain string.
func BenchmarkCodec(b *testing.B) {
	b.Run("system=gomanager", func(b *testing.B) {
		conn := &memConn{}
		client := newClientCodec(conn, DefaultMaxMessageSize)
		server := serverCodec{newCodec(conn, DefaultMaxMessageSize), nil}
		defer client.Close()
		defer server.Close()
		b.ReportAllocs()
		for b.Loop() {
			args, _ := wire.Encode([]any{"hello World"})
			client.WriteRequest(&rpc.Request{ServiceMethod: "Manager.Call", Seq: 5}, &wire.Request{ID: 1, Epoch: 1 << 60, Method: "Echo", Args: args})
			var h rpc.Request
			var req wire.Request
			server.ReadRequestHeader(&h)
			server.ReadRequestBody(&req)
			vals, _ := req.Args.Decode()
			result, _ := wire.Encode([]any{vals[0]})
			server.WriteResponse(&rpc.Response{ServiceMethod: h.ServiceMethod, Seq: h.Seq}, &wire.Reply{Result: result})
			var rh rpc.Response
			var reply wire.Reply
			client.ReadResponseHeader(&rh)
			client.ReadResponseBody(&reply)
			if got, _ := reply.Result.Decode(); got[0] != "hello World" {
				b.Fatal(got)
			}
		}
	})
	b.Run("system=netrpc", func(b *testing.B) {
		// net/rpc's gobClientCodec and gobServerCodec, which are not
		// exported: a gob stream each way over a buffered writer.
		conn := &memConn{}
		type side struct {
			w   *bufio.Writer
			enc *gob.Encoder
			dec *gob.Decoder
		}
		newSide := func() side {
			w := bufio.NewWriter(conn)
			return side{w, gob.NewEncoder(w), gob.NewDecoder(bufio.NewReader(conn))}
		}
		client, server := newSide(), newSide()
		b.ReportAllocs()
		for b.Loop() {
			arg := "hello World"
			client.enc.Encode(&rpc.Request{ServiceMethod: "Str.Echo", Seq: 5})
			client.enc.Encode(&arg)
			client.w.Flush()
			var h rpc.Request
			var s string
			server.dec.Decode(&h)
			server.dec.Decode(&s)
			server.enc.Encode(&rpc.Response{ServiceMethod: h.ServiceMethod, Seq: h.Seq})
			server.enc.Encode(&s)
			server.w.Flush()
			var rh rpc.Response
			var reply string
			client.dec.Decode(&rh)
			client.dec.Decode(&reply)
			if reply != "hello World" {
				b.Fatal(reply)
			}
		}
	})
}

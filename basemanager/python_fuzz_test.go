// python_fuzz_test.go fuzzes the Python front door's framing and request
// handling, as an authenticated Python client could drive them.

package basemanager

import (
	"bytes"
	"encoding/binary"
	"net"
	"testing"
	"time"

	"gomanager/basemanager/pickle"
)

// FuzzPickleFrames feeds an arbitrary byte stream to the Python front
// door, as a Python client sends it after the handshake: frames (a 4-byte
// length, or -1 and an 8-byte length), each holding a pickle. Whatever the
// stream holds, the door must answer or drop it without panicking, return
// once the stream ends (cancelling any call it blocked) or the server
// stops, and never grow the objects beyond what the requests created. The seed corpus is in
// testdata/fuzz/FuzzPickleFrames; the server's objects have the idents
// 1-1 (a dict), 2-1 (a Queue), 3-1 (a Lock) and 4-1 (an Event).
func FuzzPickleFrames(f *testing.F) {
	frames := func(msgs ...any) []byte {
		var b []byte
		for _, m := range msgs {
			data, err := pickle.Marshal(m)
			if err != nil {
				f.Fatal(err)
			}
			b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
			b = append(b, data...)
		}
		return b
	}
	req := func(ident any, name string, args ...any) pickle.Tuple {
		return pickle.Tuple{ident, name, pickle.Tuple(args), pickle.Dict{}}
	}
	f.Add(frames(req(nil, "create", "dict")))
	f.Add(frames(req(nil, "accept_connection", "x"), req("1-1", "__setitem__", "k", 1), req("1-1", "__iter__"),
		req("5-1", "__next__"), req("1-1", "#GETVALUE")))
	f.Add(frames(req(nil, "accept_connection", "x"), req("2-1", "get"), req("3-1", "acquire"), req("3-1", "acquire")))
	f.Add(append([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 4}, "\x80\x04N."...))
	f.Fuzz(func(t *testing.T, stream []byte) {
		s := fuzzServer(t)
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.python.Serve(&streamConn{r: bytes.NewReader(stream)})
		}()
		// A stream that pipelines requests behind a blocking call (a get on
		// the empty Queue) is never read to its end: the call blocks until
		// the client hangs up, which a stream cannot do, or the server
		// stops. Python's clients send one request at a time.
		select {
		case <-done:
		case <-time.After(5 * time.Millisecond):
			s.Stop()
		}
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("the front door did not return after the stream ended and the server stopped")
		}
		if n := s.NumberOfObjects(); n > 4+len(stream)/8 {
			t.Fatalf("%d objects after a %d-byte stream", n, len(stream))
		}
	})
}

// fuzzServer is a SyncManager server with no listener, a fixed epoch (so
// idents in the corpus stay valid) and four objects made as Python makes
// them.
func fuzzServer(t *testing.T) *Server {
	m := NewSyncManager("127.0.0.1:0", WithLogger(nil))
	s, err := m.GetServer()
	if err != nil {
		t.Fatal(err)
	}
	s.listener.Close()
	t.Cleanup(s.Stop)
	s.epoch = 1
	// Each made as a Python client makes it: a create request on a
	// connection of its own.
	for _, typeid := range []string{"dict", "Queue", "Lock", "Event"} {
		msg, err := pickle.Marshal(pickle.Tuple{nil, "create", pickle.Tuple{typeid}, pickle.Dict{}})
		if err != nil {
			t.Fatal(err)
		}
		var frame []byte
		frame = binary.BigEndian.AppendUint32(frame, uint32(len(msg)))
		s.python.Serve(&streamConn{r: bytes.NewReader(append(frame, msg...))})
	}
	if n := s.NumberOfObjects(); n != 4 {
		t.Fatalf("the fuzz server holds %d objects, want 4", n)
	}
	return s
}

// streamConn is a connection that reads a fixed stream and discards writes.
type streamConn struct {
	r *bytes.Reader
}

func (c *streamConn) Read(p []byte) (int, error)       { return c.r.Read(p) }
func (c *streamConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c *streamConn) Close() error                     { return nil }
func (c *streamConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *streamConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *streamConn) SetDeadline(time.Time) error      { return nil }
func (c *streamConn) SetReadDeadline(time.Time) error  { return nil }
func (c *streamConn) SetWriteDeadline(time.Time) error { return nil }

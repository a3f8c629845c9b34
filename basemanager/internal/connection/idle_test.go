// idle_test.go tests what keeps an idle connection small (issue 14): the
// empty message, which needs no gob stream, and the read buffer, small
// while the traffic is.

package connection

import (
	"bytes"
	"io"
	"net"
	"net/rpc"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"gomanager/proxy/wire"
)

func (echoService) Empty(e *wire.Empty, reply *wire.Empty) error { return nil }

// An empty struct travels as an empty frame: neither side makes a gob
// decoder for it; a gob message after it still works.
func TestCodecEmptyMessage(t *testing.T) {
	client, _ := codecPair(t)
	for range 2 {
		if err := client.Call("Echo.Empty", &wire.Empty{}, &wire.Empty{}); err != nil {
			t.Fatal(err)
		}
	}
	var p CodecPoint
	if err := client.Call("Echo.Point", CodecPoint{3, 4}, &p); err != nil || p != (CodecPoint{3, 4}) {
		t.Errorf("Point after empty messages: %v, %v", p, err)
	}
	// Where a non-struct is expected, an empty message is refused, as gob
	// refuses it.
	var s string
	if err := client.Call("Echo.Fail", &wire.Empty{}, &s); err == nil {
		t.Error("an empty message decoded into a string")
	}
}

// The read buffer hands over every byte in order, whatever sizes the reads
// return, keeps a big buffer only while reads fill the small one, and
// reads a large message straight into the caller's buffer.
func TestReadBuf(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdefghij"), 2000) // 40,000 bytes
	for _, tt := range []struct {
		name string
		r    io.Reader
	}{
		{"whole", bytes.NewReader(data)},
		{"one byte a read", iotest.OneByteReader(bytes.NewReader(data))},
		{"half", iotest.HalfReader(bytes.NewReader(data))},
		{"data with EOF", iotest.DataErrReader(bytes.NewReader(data))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := readBuf{rd: tt.r}
			var got []byte
			for _, n := range []int{4, 1, 100, 300, 5000, 3, 10000, 12000} {
				p := make([]byte, n)
				if err := b.ReadFull(p); err != nil {
					t.Fatalf("reading %d bytes: %v", n, err)
				}
				got = append(got, p...)
			}
			rest := make([]byte, len(data)-len(got))
			if err := b.ReadFull(rest); err != nil {
				t.Fatal(err)
			}
			got = append(got, rest...)
			if !bytes.Equal(got, data) {
				t.Fatal("the bytes read differ from those sent")
			}
			if err := b.ReadFull(make([]byte, 1)); err != io.EOF {
				t.Errorf("at the end: %v, want io.EOF", err)
			}
		})
	}
	t.Run("cut short", func(t *testing.T) {
		b := readBuf{rd: strings.NewReader("abc")}
		if err := b.ReadFull(make([]byte, 4)); err != io.ErrUnexpectedEOF {
			t.Errorf("got %v, want io.ErrUnexpectedEOF", err)
		}
	})
	t.Run("small while idle", func(t *testing.T) {
		b := readBuf{rd: bytes.NewReader(data[:smallRead*4])}
		// A read that fills the small buffer: the next goes into a big one.
		if err := b.ReadFull(make([]byte, smallRead*2)); err != nil || b.big == nil {
			t.Fatalf("%v; big buffer %v", err, b.big != nil)
		}
		b.rd = strings.NewReader("tiny")
		if err := b.ReadFull(make([]byte, b.Buffered()+4)); err != nil || b.last != 4 {
			t.Fatalf("%v; last read %d bytes", err, b.last)
		}
		// A read that did not: the next goes into the small one again.
		b.rd = strings.NewReader("x")
		if err := b.ReadFull(make([]byte, 1)); err != nil || b.big != nil {
			t.Errorf("%v; big buffer kept once reads are small: %v", err, b.big != nil)
		}
	})
}

// An idle server connection keeps no writer goroutine and no gob encoder:
// after a lone caller's calls of empty messages (as a manager's Connect
// makes), and after a burst of overlapping calls, once they are answered.
func TestIdleServerCodecKeepsNoWriter(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sconn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	srv := rpc.NewServer()
	if err := srv.RegisterName("Echo", echoService{}); err != nil {
		t.Fatal(err)
	}
	sc := newCodec(sconn, DefaultMaxMessageSize)
	done := make(chan struct{})
	go func() {
		defer close(done)
		serveRequests(srv, sc, nil, nil)
	}()
	client := rpc.NewClientWithCodec(newClientCodec(cc, DefaultMaxMessageSize))
	defer func() {
		client.Close()
		receiveWithin(t, done, "serveRequests to return")
	}()
	idle := func(when string) {
		t.Helper()
		// The writer returns once it finds nothing pending; wait for
		// that, within a bound.
		deadline := time.Now().Add(10 * time.Second)
		for {
			sc.wmu.Lock()
			running := sc.writer
			sc.wmu.Unlock()
			if !running || time.Now().After(deadline) {
				break
			}
			runtime.Gosched()
		}
		sc.wmu.Lock()
		defer sc.wmu.Unlock()
		if sc.writer || sc.enc != nil || len(sc.pending) > 0 {
			t.Errorf("%s: writer running %v, gob encoder %v, %d bytes pending; want none", when, sc.writer, sc.enc != nil, len(sc.pending))
		}
	}
	for range 3 {
		if err := client.Call("Echo.Empty", &wire.Empty{}, &wire.Empty{}); err != nil {
			t.Fatal(err)
		}
	}
	idle("after lone calls")
	calls := make([]*rpc.Call, 64)
	for i := range calls {
		calls[i] = client.Go("Echo.Empty", &wire.Empty{}, &wire.Empty{}, nil)
	}
	for _, c := range calls {
		select {
		case <-c.Done:
			if c.Error != nil {
				t.Fatal(c.Error)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a call was not answered within 10s")
		}
	}
	idle("after a burst")
}

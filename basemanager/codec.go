// codec.go mirrors the message framing of Python's multiprocessing/connection.py
// (send_bytes/recv_bytes: a 4-byte big-endian length, then the payload) for
// the net/rpc messages that follow the handshake. Framing lets both sides
// refuse an oversized message before reading it.

package basemanager

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"net/rpc"
	"sync"
)

// DefaultMaxMessageSize is the largest rpc message a side accepts unless
// WithMaxMessageSize says otherwise.
const DefaultMaxMessageSize = 64 << 20

// ErrMessageTooLarge: a peer sent, or a caller tried to send, a message
// larger than the limit set with WithMaxMessageSize. The connection is closed.
var ErrMessageTooLarge = errors.New("message too large")

// codec carries net/rpc messages as frames: each frame holds one message,
// its header then its body, gob-encoded on a stream that lasts as long as
// the connection (so gob sends each type's description only once).
type codec struct {
	rwc io.ReadWriteCloser
	max int

	wmu  sync.Mutex   // guards wbuf and enc, and orders frames on the wire
	wbuf bytes.Buffer // the frame being written
	enc  *gob.Encoder // writes into wbuf

	r   *bufio.Reader
	in  frameReader // the frame being read; read by dec
	dec *gob.Decoder
}

func newCodec(rwc io.ReadWriteCloser, max int) *codec {
	c := &codec{rwc: rwc, max: max, r: bufio.NewReader(rwc)}
	c.enc = gob.NewEncoder(&c.wbuf)
	c.dec = gob.NewDecoder(&c.in)
	return c
}

// write sends header and body as one frame, in one write.
func (c *codec) write(header, body any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.wbuf.Reset()
	c.wbuf.Write([]byte{0, 0, 0, 0}) // the length, filled in below
	if err := c.enc.Encode(header); err != nil {
		return c.fail(err)
	}
	if err := c.enc.Encode(body); err != nil {
		return c.fail(err)
	}
	frame := c.wbuf.Bytes()
	n := len(frame) - 4
	if n > c.max {
		// The encoder believes the types in this frame were sent: the stream
		// cannot continue without it.
		return c.fail(fmt.Errorf("basemanager: sending a %d-byte message: %w (limit %d bytes, see WithMaxMessageSize)", n, ErrMessageTooLarge, c.max))
	}
	binary.BigEndian.PutUint32(frame, uint32(n))
	_, err := c.rwc.Write(frame)
	return err
}

// fail closes the connection after an error that leaves the stream unusable.
func (c *codec) fail(err error) error {
	c.rwc.Close()
	return err
}

// next reads the next frame and checks it before gob sees it.
func (c *codec) next() error {
	var hdr [4]byte
	if _, err := io.ReadFull(c.r, hdr[:]); err != nil {
		return err
	}
	n := int(int32(binary.BigEndian.Uint32(hdr[:])))
	if n < 0 || n > c.max {
		return fmt.Errorf("basemanager: peer sent a %d-byte message: %w (limit %d bytes, see WithMaxMessageSize)", n, ErrMessageTooLarge, c.max)
	}
	buf := c.in.buf[:0]
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(c.r, buf); err != nil {
		return io.ErrUnexpectedEOF
	}
	if err := checkGobCounts(buf); err != nil {
		return err
	}
	c.in.buf, c.in.off = buf, 0
	return nil
}

// checkGobCounts walks the gob messages in a frame and checks that each
// one's length fits in what is left of the frame, so the decoder never
// allocates for a length a peer merely claims.
func checkGobCounts(frame []byte) error {
	for len(frame) > 0 {
		n, size, ok := gobUint(frame)
		if !ok || n > uint64(len(frame)-size) {
			return fmt.Errorf("basemanager: malformed message from peer: a gob message claims more bytes than its frame holds")
		}
		frame = frame[size+int(n):]
	}
	return nil
}

// gobUint decodes gob's unsigned integer: one byte below 0x80, or a negated
// byte count followed by that many big-endian bytes.
func gobUint(b []byte) (v uint64, size int, ok bool) {
	if b[0] < 0x80 {
		return uint64(b[0]), 1, true
	}
	n := -int(int8(b[0]))
	if n > 8 || len(b) < 1+n {
		return 0, 0, false
	}
	for _, x := range b[1 : 1+n] {
		v = v<<8 | uint64(x)
	}
	return v, 1 + n, true
}

// readHeader reads the next frame and decodes a message header from it.
// Any failure closes the connection: net/rpc reads nothing more after a
// bad header, and without the close the peer would wait for replies, and
// calls in flight for the end of the connection, forever.
func (c *codec) readHeader(h any) error {
	if err := c.next(); err != nil {
		return c.fail(err)
	}
	if err := c.dec.Decode(h); err != nil {
		return c.fail(err)
	}
	return nil
}

func (c *codec) Close() error { return c.rwc.Close() }

// frameReader hands one frame to the gob decoder. It implements
// io.ByteReader so that gob reads it directly, without buffering ahead.
type frameReader struct {
	buf []byte
	off int
}

func (f *frameReader) Read(p []byte) (int, error) {
	if f.off >= len(f.buf) {
		return 0, io.ErrUnexpectedEOF
	}
	n := copy(p, f.buf[f.off:])
	f.off += n
	return n, nil
}

func (f *frameReader) ReadByte() (byte, error) {
	if f.off >= len(f.buf) {
		return 0, io.ErrUnexpectedEOF
	}
	f.off++
	return f.buf[f.off-1], nil
}

// serverCodec is the server's rpc.ServerCodec.
type serverCodec struct{ *codec }

func (c serverCodec) ReadRequestHeader(r *rpc.Request) error { return c.readHeader(r) }

func (c serverCodec) ReadRequestBody(body any) error { return c.dec.Decode(body) }

func (c serverCodec) WriteResponse(r *rpc.Response, body any) error { return c.write(r, body) }

// clientCodec is the client's rpc.ClientCodec.
type clientCodec struct{ *codec }

func (c clientCodec) WriteRequest(r *rpc.Request, body any) error { return c.write(r, body) }

func (c clientCodec) ReadResponseHeader(r *rpc.Response) error { return c.readHeader(r) }

func (c clientCodec) ReadResponseBody(body any) error { return c.dec.Decode(body) }

// NewClientCodec returns the rpc.ClientCodec a manager uses on an
// authenticated connection, for speaking to a server with net/rpc directly:
//
//	client := rpc.NewClientWithCodec(basemanager.NewClientCodec(conn))
//
// The message limit is DefaultMaxMessageSize.
func NewClientCodec(rwc io.ReadWriteCloser) rpc.ClientCodec {
	return clientCodec{newCodec(rwc, DefaultMaxMessageSize)}
}

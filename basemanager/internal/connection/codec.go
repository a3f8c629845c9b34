// codec.go carries net/rpc's messages in the framing of Python's
// multiprocessing/connection.py (frame.go) after the handshake, with a
// compact binary body for the messages of every call and group-committed
// writes. Framing lets both sides refuse an oversized message before
// reading it. The sockets under it are read and written with raw system
// calls (package rawio: a client's by NewClient, a server's by package
// python's Peek), which halves the system calls of a lone call.

package connection

import (
	"encoding"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"net"
	"net/rpc"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
)

// A frame holds one net/rpc message:
//
//	length  4 bytes, big-endian: the bytes that follow
//	kind    1 byte: how the body is encoded, frameGob, frameBinary or
//	        frameEmpty
//	header  the rpc header: sequence number (uvarint), service method
//	        and error (each a uvarint length and the bytes)
//	body    gob messages, on a gob stream that lasts as long as the
//	        connection (so gob describes each type once); or the body's
//	        own binary encoding, for the messages every call exchanges
//	        (wire.Request, wire.Reply, ...), which skips gob's reflection;
//	        or nothing, for a struct with no fields (wire.Empty): then a
//	        connection whose only gob messages are empty (a manager's
//	        Connect, an idle connection) never needs a gob stream, whose
//	        decoder would hold 5 KB of compiled types (issue 14)
//
// The kind byte is never 0x80, which starts a Python client's pickle
// (see package python's Peek).
const (
	frameGob    = 'g'
	frameBinary = 'b'
	frameEmpty  = 'e'
)

// binaryMessage is a body with an encoding of its own (see wire/binary.go).
type binaryMessage interface {
	encoding.BinaryAppender
	encoding.BinaryUnmarshaler
}

// batchedMessage is a request body that is one of a batch of requests sent
// back to back (package proxy's Batch). MoreFollows reports whether more
// of its batch follow at once: if so, its frame waits in pending for them;
// the batch's last request sends them all, in one write.
type batchedMessage interface {
	MoreFollows() bool
}

// codec carries net/rpc messages as frames.
//
// Writes are group-committed when calls overlap. net/rpc calls
// WriteRequest and WriteResponse with its own mutex held, so a codec that
// always wrote to the connection there would make every other caller wait
// out its syscall, one syscall per message, as net/rpc's own codec does.
// So a write first encodes its frame into pending, then:
//
//   - if it is the only call in flight on the connection (a lone caller),
//     it writes the frame itself, at once: no added latency, no goroutine
//     to wake;
//   - otherwise more frames are coming, so it leaves the frame to the
//     codec's writer goroutine and returns, releasing net/rpc's mutex.
//     The writer sends everything pending in one syscall, and while it
//     does, the next frames pile up for the next one. It is started when
//     a frame is left to it, and returns when it finds nothing pending:
//     an idle connection has none (issue 14);
//   - a batch's requests (package proxy's Batch, see batchedMessage) wait
//     in pending until the batch's last one, which writes them all
//     itself: a batch of calls goes out in one write.
type codec struct {
	rwc io.ReadWriteCloser
	max int

	// inflight counts calls between their request and their response:
	// on a client, requests written and not yet answered; on a server,
	// requests read and not yet answered.
	inflight atomic.Int64
	// backlog is set, on a server, when more requests had arrived when the
	// last one was read: then they will soon have responses to share
	// syscalls with.
	backlog atomic.Bool

	wmu      sync.Mutex   // guards the fields below, and orders frames in pending
	enc      *gob.Encoder // made for the first gob message sent; appends to pending
	pending  []byte       // frames encoded and not yet written
	spare    []byte       // the other buffer, swapped with pending by whoever writes
	flushing bool         // a write to rwc is under way, by a caller or the writer
	writer   bool         // the writer goroutine is running
	werr     error        // why writing stopped; every later write fails with it
	drained  sync.Cond    // signalled when a write takes pending
	writers  sync.WaitGroup

	// Only net/rpc's reading goroutine uses these.
	r          readBuf
	in         frameReader  // the frame being read, past its header; read by dec
	kind       byte         // the body encoding of the frame being read
	dec        *gob.Decoder // made for the first gob message read
	lastMethod string       // the last service method read, reused while it repeats
}

// maxPending is how many bytes of frames may wait before a write waits for
// them to go out, so that a peer that reads slowly holds up writers, as a
// blocking write would, instead of growing memory.
const maxPending = 256 << 10

func newCodec(rwc io.ReadWriteCloser, max int) *codec {
	c := &codec{rwc: rwc, max: max}
	c.r.rd, c.r.busy = rwc, &c.inflight
	c.drained.L = &c.wmu
	return c
}

// pendingWriter is the gob encoder's output: it appends to c.pending. The
// caller holds c.wmu.
type pendingWriter struct{ c *codec }

func (w pendingWriter) Write(p []byte) (int, error) {
	w.c.pending = append(w.c.pending, p...)
	return len(p), nil
}

// write encodes a message as one frame and sends it: itself if alone is
// true and nothing else is pending or being written, else through the
// writer goroutine. A batched request (batchedMessage) leaves its frame
// pending while more of its batch follow, and the last one sends them all
// itself unless a write is under way. An error in encoding, or a frame
// over the limit, closes the connection: the gob encoder believes the
// types in the frame were sent, so the stream cannot continue without it
// (and a lost response would leave its caller waiting).
func (c *codec) write(seq uint64, method, errmsg string, body any, alone bool) error {
	c.wmu.Lock()
	for len(c.pending) >= maxPending && c.werr == nil {
		c.drained.Wait()
	}
	if c.werr != nil {
		defer c.wmu.Unlock()
		return c.werr
	}
	start := len(c.pending)
	c.pending = append(c.pending, 0, 0, 0, 0, frameGob) // the length is filled in below
	c.pending = binary.AppendUvarint(c.pending, seq)
	c.pending = appendString(appendString(c.pending, method), errmsg)
	var err error
	if m, ok := body.(binaryMessage); ok {
		c.pending[start+4] = frameBinary
		var p []byte
		if p, err = m.AppendBinary(c.pending); err == nil {
			c.pending = p
		}
	} else if isEmptyStruct(body) {
		c.pending[start+4] = frameEmpty
	} else {
		if c.enc == nil {
			c.enc = gob.NewEncoder(pendingWriter{c})
		}
		err = c.enc.Encode(body)
	}
	if n := len(c.pending) - start - 4; err == nil && n > c.max {
		err = fmt.Errorf("basemanager: sending a %d-byte message: %w (limit %d bytes, see WithMaxMessageSize)", n, ErrMessageTooLarge, c.max)
	}
	if err != nil {
		defer c.wmu.Unlock()
		return c.failLocked(err)
	}
	binary.BigEndian.PutUint32(c.pending[start:], uint32(len(c.pending)-start-4))

	send := alone && start == 0 // a lone caller's frame, and nothing before it
	if m, ok := body.(batchedMessage); ok {
		if m.MoreFollows() && len(c.pending) < maxPending {
			c.wmu.Unlock()
			return nil // the rest of its batch follows at once, and sends it
		}
		send = true // the batch's last frame (or pending is full): everything goes now
	}
	if !send || c.flushing {
		if !c.flushing {
			c.startWriterLocked()
		} // else whoever is writing starts it when done (wrote)
		c.wmu.Unlock()
		return nil
	}
	// Alone, or a batch complete: write now, in this goroutine. Other
	// writes wait for net/rpc's mutex meanwhile, and the writer for
	// flushing.
	frame := c.take()
	c.wmu.Unlock()
	_, err = c.rwc.Write(frame)
	c.wrote(frame, err)
	return err
}

// isEmptyStruct reports whether v is a struct with no fields, or a pointer
// to one: a message with nothing to say.
func isEmptyStruct(v any) bool {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t != nil && t.Kind() == reflect.Struct && t.NumField() == 0
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// take makes the caller the one writing, and returns what is pending.
// The caller holds c.wmu and must call wrote after writing.
func (c *codec) take() []byte {
	c.flushing = true
	frames := c.pending
	c.pending, c.spare = c.spare[:0], nil
	c.drained.Broadcast()
	return frames
}

// wrote ends a write begun with take. A failed write loses frames, so it
// closes the connection: the calls waiting for them fail rather than wait.
func (c *codec) wrote(frames []byte, err error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.flushing = false
	if cap(frames) <= maxPending { // else a burst is over: do not keep its buffer
		c.spare = frames[:0]
	}
	if err != nil {
		c.stopLocked(err)
		c.rwc.Close()
		return
	}
	if len(c.pending) > 0 {
		c.startWriterLocked() // frames queued while this write was under way
	}
}

// startWriterLocked starts the writer goroutine unless it is running or
// writing has stopped. The caller holds c.wmu.
func (c *codec) startWriterLocked() {
	if c.writer || c.werr != nil {
		return
	}
	c.writer = true
	c.writers.Add(1) // never after Close's Wait: Close stops writing first
	go c.writeLoop()
}

// writeLoop is the codec's writer goroutine: it sends whatever frames are
// pending, in one write, and returns when none are (or a caller is
// writing them, and will start it again for what it leaves), or when the
// codec fails or closes.
func (c *codec) writeLoop() {
	defer c.writers.Done()
	c.wmu.Lock()
	defer c.wmu.Unlock()
	for c.werr == nil && !c.flushing && len(c.pending) > 0 {
		// Let the goroutines that are ready to run go first: they are
		// callers (or, on a server, calls) about to queue their frames,
		// which then share this write instead of each waking the writer.
		c.wmu.Unlock()
		runtime.Gosched()
		c.wmu.Lock()
		if c.werr != nil || c.flushing || len(c.pending) == 0 {
			break
		}
		frames := c.take()
		c.wmu.Unlock()
		_, err := c.rwc.Write(frames)
		c.wrote(frames, err)
		c.wmu.Lock()
	}
	c.writer = false
}

// stopLocked stops writing: later writes fail with err, and the writer
// returns once its write is done. The first reason stays. The caller
// holds c.wmu.
func (c *codec) stopLocked(err error) {
	if c.werr == nil {
		c.werr = err
		c.drained.Broadcast()
	}
}

// fail closes the connection after an error that leaves the stream
// unusable, and stops the writer; later writes fail as writes to a closed
// connection do.
func (c *codec) fail(err error) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.failLocked(err)
}

// failLocked is fail with c.wmu held.
func (c *codec) failLocked(err error) error {
	c.pending = c.pending[:0] // nothing more is sent
	c.stopLocked(net.ErrClosed)
	c.rwc.Close()
	return err
}

// Close closes the connection and waits for the writer goroutine, if it
// runs, to return. Frames still pending are dropped: net/rpc closes a client's
// codec when its user closes it, and a server's when the connection is
// already gone. Close is idempotent.
func (c *codec) Close() error {
	c.wmu.Lock()
	c.stopLocked(net.ErrClosed)
	c.wmu.Unlock()
	err := c.rwc.Close()
	c.writers.Wait()
	return err
}

// errMalformed describes a frame that does not parse.
var errMalformed = errors.New("basemanager: malformed message from peer")

// readHeader reads the next frame and returns its rpc header. Any failure
// closes the connection: net/rpc reads nothing more after a bad header,
// and without the close the peer would wait for replies, and calls in
// flight for the end of the connection, forever.
func (c *codec) readHeader() (seq uint64, method, errmsg string, err error) {
	if err := c.next(); err != nil {
		return 0, "", "", c.fail(err)
	}
	b := c.in.buf
	seq, n := binary.Uvarint(b)
	ok := n > 0
	var m, e []byte
	if ok {
		b = b[n:]
		m, b, ok = cutString(b)
	}
	if ok {
		e, b, ok = cutString(b)
	}
	switch {
	case ok && c.kind == frameGob:
		ok = checkGobCounts(b)
	case ok && c.kind == frameEmpty:
		ok = len(b) == 0
	}
	if !ok {
		return 0, "", "", c.fail(errMalformed)
	}
	c.in.off = len(c.in.buf) - len(b)
	if string(m) != c.lastMethod { // no allocation while the method repeats
		c.lastMethod = string(m)
	}
	if len(e) > 0 {
		errmsg = string(e)
	}
	return seq, c.lastMethod, errmsg, nil
}

// next reads the next frame, its length and kind checked, into c.in.
func (c *codec) next() error {
	var hdr [5]byte
	if err := c.r.ReadFull(hdr[:4]); err != nil {
		return err
	}
	n := int(int32(binary.BigEndian.Uint32(hdr[:4])))
	if n < 0 || n > c.max {
		return fmt.Errorf("basemanager: peer sent a %d-byte message: %w (limit %d bytes, see WithMaxMessageSize)", n, ErrMessageTooLarge, c.max)
	}
	if n == 0 {
		return errMalformed
	}
	if err := c.r.ReadFull(hdr[4:]); err != nil {
		return io.ErrUnexpectedEOF
	}
	if c.kind = hdr[4]; c.kind != frameGob && c.kind != frameBinary && c.kind != frameEmpty {
		return errMalformed
	}
	n--
	buf := c.in.buf[:0]
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if err := c.r.ReadFull(buf); err != nil {
		return io.ErrUnexpectedEOF
	}
	c.in.buf, c.in.off = buf, 0
	return nil
}

// cutString reads a uvarint length and that many bytes from b.
func cutString(b []byte) (s, rest []byte, ok bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return nil, nil, false
	}
	return b[k : k+int(n)], b[k+int(n):], true
}

// checkGobCounts walks the gob messages in a frame's body and checks that
// each one's length fits in what is left of the frame, so the decoder never
// allocates for a length a peer merely claims.
func checkGobCounts(body []byte) bool {
	for len(body) > 0 {
		n, size, ok := gobUint(body)
		if !ok || n > uint64(len(body)-size) {
			return false
		}
		body = body[size+int(n):]
	}
	return true
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

// readBody decodes the body of the frame readHeader read into body, or
// skips it if body is nil (net/rpc discards the body of a request it
// refuses, or of a response nobody waits for).
func (c *codec) readBody(body any) error {
	if c.kind == frameGob {
		// Decode even to discard: the body may describe types that the
		// rest of the gob stream refers to.
		if c.dec == nil {
			c.dec = gob.NewDecoder(&c.in)
		}
		return c.dec.Decode(body)
	}
	if body == nil {
		return nil
	}
	if c.kind == frameEmpty {
		// As gob would: an empty struct decodes into any struct, setting
		// nothing.
		if t := reflect.TypeOf(body); t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
			return fmt.Errorf("basemanager: the peer sent an empty message where a %T was expected: %w", body, errMalformed)
		}
		return nil
	}
	m, ok := body.(binaryMessage)
	if !ok {
		return fmt.Errorf("basemanager: the peer sent a binary message where a %T was expected: %w", body, errMalformed)
	}
	return m.UnmarshalBinary(c.in.buf[c.in.off:])
}

// frameReader hands the body of one frame to the gob decoder. It
// implements io.ByteReader so that gob reads it directly, without
// buffering ahead.
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

// serverCodec is the server's rpc.ServerCodec. Its reading side belongs to
// the goroutine of loop whose turn it is (see requests.go); without a loop,
// to the one goroutine that reads, as with rpc.ServeCodec.
type serverCodec struct {
	*codec
	loop *requestLoop
}

func (c serverCodec) ReadRequestHeader(r *rpc.Request) error {
	var err error
	if r.Seq, r.ServiceMethod, _, err = c.readHeader(); err != nil {
		if c.loop != nil {
			c.loop.endTurns()
		}
		return err
	}
	c.inflight.Add(1)
	return nil
}

// ReadRequestBody reads the body, then passes the turn to read on: the
// request is about to run.
func (c serverCodec) ReadRequestBody(body any) error {
	err := c.readBody(body)
	c.backlog.Store(c.r.Buffered() > 0)
	if c.loop != nil {
		c.loop.passTurn()
	}
	return err
}

// WriteResponse sends the response itself when no other request is being
// served or waiting to be read: then no other response will follow soon to
// share the syscall.
func (c serverCodec) WriteResponse(r *rpc.Response, body any) error {
	alone := c.inflight.Add(-1) == 0 && !c.backlog.Load()
	if c.loop != nil {
		c.loop.answering()
	}
	return c.write(r.Seq, r.ServiceMethod, r.Error, body, alone)
}

// NewClientCodec returns the rpc.ClientCodec a manager uses on an
// authenticated connection, for tests that speak to a server with net/rpc
// directly:
//
//	client := rpc.NewClientWithCodec(connection.NewClientCodec(conn))
//
// The message limit is DefaultMaxMessageSize.
func NewClientCodec(rwc io.ReadWriteCloser) rpc.ClientCodec {
	return newClientCodec(rwc, DefaultMaxMessageSize)
}

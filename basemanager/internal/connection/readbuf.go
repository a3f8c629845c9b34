// readbuf.go is the codec's read buffer. An idle connection's reading
// goroutine waits in a read into it, so it is small while the traffic is
// (a lone caller's requests, and any idle connection), and a pooled
// larger buffer only while the connection is busy (calls in flight, or
// the peer sending more than the small one holds at once): ten
// thousand idle connections then hold ten thousand small buffers, not ten
// thousand bufio.Readers' 4 KiB (issue 14).

package connection

import (
	"io"
	"sync"
	"sync/atomic"
)

const (
	// smallRead is the size of the buffer a read goes into while the
	// peer's messages are small: it holds a typical request, so a lone
	// caller's request takes one read.
	smallRead = 256
	// bigRead is the size of the pooled buffer a read goes into while the
	// last read filled the small one (requests arriving in bursts).
	bigRead = 4096
)

// bigReads holds the larger read buffers that no connection is using.
var bigReads = sync.Pool{New: func() any { return new([bigRead]byte) }}

// readBuf is a buffered reader that owns a large buffer only while the
// peer keeps it busy. Only the codec's reading side uses it.
type readBuf struct {
	rd    io.Reader
	busy  *atomic.Int64 // the codec's calls in flight: while there are some, more traffic is coming
	buf   []byte        // buf[r:w] was read and is not yet consumed; small[:], big[:] or nil
	r, w  int
	last  int   // the size of the last read
	err   error // the error of the last read, returned once its data is consumed
	big   *[bigRead]byte
	small [smallRead]byte
}

// Buffered returns how many bytes were read and not yet consumed.
func (b *readBuf) Buffered() int { return b.w - b.r }

// ReadFull fills p, as io.ReadFull does: io.EOF only if nothing was read.
func (b *readBuf) ReadFull(p []byte) error {
	for got := 0; got < len(p); {
		if b.r == b.w {
			if err := b.fill(len(p) - got); err != nil {
				if got > 0 && err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return err
			}
			if b.r == b.w { // a large message: read straight into p
				_, err := io.ReadFull(b.rd, p[got:])
				if err == io.EOF && got > 0 {
					err = io.ErrUnexpectedEOF
				}
				return err
			}
		}
		n := copy(p[got:], b.buf[b.r:b.w])
		b.r += n
		got += n
	}
	return nil
}

// fill reads more when everything read has been consumed, into the small
// buffer unless calls are in flight or the last read filled it (then into
// a big one, given back once neither holds: issue 14 measured the 8
// connections' throughput 10% lower when the big buffer was given back
// between a burst's reads). For need bytes or
// more (a large message), it reads nothing and leaves the buffer empty:
// the caller reads straight into its own.
func (b *readBuf) fill(need int) error {
	if b.err != nil {
		return b.err
	}
	b.r, b.w = 0, 0
	if need >= bigRead {
		return nil
	}
	if b.last >= smallRead || b.busy != nil && b.busy.Load() > 0 {
		if b.big == nil {
			b.big = bigReads.Get().(*[bigRead]byte)
		}
		b.buf = b.big[:]
	} else {
		if b.big != nil {
			bigReads.Put(b.big)
			b.big = nil
		}
		b.buf = b.small[:]
	}
	for b.w == 0 && b.err == nil {
		b.w, b.err = b.rd.Read(b.buf)
	}
	b.last = b.w
	if b.w > 0 {
		return nil
	}
	return b.err
}

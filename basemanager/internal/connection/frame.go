// frame.go mirrors Connection.send_bytes and recv_bytes in Python's
// multiprocessing/connection.py: every message, the handshake's, the rpc
// codec's and a Python client's pickles, travels as a 4-byte big-endian
// length and then the payload (-1 and an 8-byte length for one over 2 GiB).

package connection

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Errors of a connection; package basemanager re-exports them.
var (
	// ErrAuthentication: the handshake failed, usually because the two sides
	// use different authkeys (Python's AuthenticationError).
	ErrAuthentication = errors.New("authentication failed")

	// ErrTooManyConnections: the server refused the connection because it
	// has as many as it allows.
	ErrTooManyConnections = errors.New("too many connections")

	// ErrMessageTooLarge: a peer sent, or a caller tried to send, a message
	// larger than the limit. The connection is closed.
	ErrMessageTooLarge = errors.New("message too large")
)

// DefaultMaxMessageSize is the largest message a side accepts unless told
// otherwise.
const DefaultMaxMessageSize = 64 << 20

// ReadFrame reads one message of at most max bytes. A longer claimed
// length is refused before anything is allocated for it. A connection that
// ends before the message does returns io.ErrUnexpectedEOF; one that ends
// between messages, io.EOF.
func ReadFrame(r io.Reader, max int) ([]byte, error) {
	return readFrame(r, max, true)
}

// readFrame reads one message; only if long is true may it use the 8-byte
// length form (Python reads a peer that has not authenticated yet with a
// 4-byte length only).
func readFrame(r io.Reader, max int, long bool) ([]byte, error) {
	var hdr [8]byte
	if _, err := io.ReadFull(r, hdr[:4]); err != nil {
		return nil, err
	}
	n := int64(int32(binary.BigEndian.Uint32(hdr[:4])))
	if n == -1 && long {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return nil, unexpectedEOF(err)
		}
		if n = int64(binary.BigEndian.Uint64(hdr[:])); n < 0 {
			n = math.MaxInt64 // a length no limit allows
		}
	}
	if n < 0 || n > int64(max) {
		return nil, &lengthError{n, max}
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, unexpectedEOF(err)
	}
	return buf, nil
}

// lengthError is a frame whose claimed length is over the limit.
type lengthError struct {
	n   int64
	max int
}

func (e *lengthError) Error() string {
	return fmt.Sprintf("peer sent a %d-byte message (limit %d bytes, see WithMaxMessageSize): %v", e.n, e.max, ErrMessageTooLarge)
}

func (e *lengthError) Unwrap() error { return ErrMessageTooLarge }

// unexpectedEOF is Python's "got end of file during message".
func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// WriteFrame sends one message in one write, in the 8-byte length form
// only when it needs it, as Python's Connection._send_bytes.
func WriteFrame(w io.Writer, payload []byte) error {
	_, err := w.Write(AppendFrame(nil, payload))
	return err
}

// AppendFrame appends the frame of one message to dst, as WriteFrame
// sends it, and returns the extended buffer: a caller that sends many
// replies reuses one buffer for them.
func AppendFrame(dst, payload []byte) []byte {
	if len(payload) > math.MaxInt32 {
		dst = binary.BigEndian.AppendUint32(dst, math.MaxUint32) // -1
		dst = binary.BigEndian.AppendUint64(dst, uint64(len(payload)))
	} else {
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(payload)))
	}
	return append(dst, payload...)
}

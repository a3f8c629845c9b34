// fuzz_test.go fuzzes the handshake as an unauthenticated peer drives it.

package connection

import (
	"bytes"
	"io"
	"testing"
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
		err := ServerHandshake(rw, []byte("key"))
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

// clientcodec.go is the client's side of the codec.

package connection

import (
	"io"
	"net/rpc"
)

// clientCodec is the client's rpc.ClientCodec.
type clientCodec struct{ *codec }

func newClientCodec(rwc io.ReadWriteCloser, max int) clientCodec {
	return clientCodec{newCodec(rwc, max)}
}

// WriteRequest sends the request itself when no other call is waiting
// for its response: then it is a lone caller's, and waits for nothing.
func (c clientCodec) WriteRequest(r *rpc.Request, body any) error {
	return c.write(r.Seq, r.ServiceMethod, "", body, c.inflight.Add(1) == 1)
}

func (c clientCodec) ReadResponseHeader(r *rpc.Response) error {
	var err error
	if r.Seq, r.ServiceMethod, r.Error, err = c.readHeader(); err != nil {
		return err
	}
	c.inflight.Add(-1)
	return nil
}

func (c clientCodec) ReadResponseBody(body any) error { return c.readBody(body) }

// codec_batch_test.go checks the codec's batches (batchedMessage): the
// requests of a batch go out in one write, and a batch larger than the
// pending limit still goes out, in several.

package connection

import (
	"net/rpc"
	"strings"
	"testing"

	"gomanager/proxy/wire"
)

// batched is a request of a batch, as package proxy's Batch sends it.
type batched struct {
	*wire.Request
	more bool
}

func (b *batched) MoreFollows() bool { return b.more }

// sendBatch sends n requests carrying arg as one batch and checks every
// reply.
func sendBatch(t *testing.T, client *rpc.Client, n int, arg string) {
	t.Helper()
	args, err := wire.Encode([]any{arg})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan *rpc.Call, n)
	replies := make([]wire.Reply, n)
	for i := range n {
		client.Go("Echo.Reply", &batched{&wire.Request{Method: "m", Args: args}, i < n-1}, &replies[i], done)
	}
	for range n {
		select {
		case c := <-done:
			if c.Error != nil {
				t.Fatal(c.Error)
			}
		case <-t.Context().Done():
			t.Fatal("the test ended before the replies came")
		}
	}
	for i := range replies {
		if got, _ := replies[i].Result.Decode(); len(got) != 1 || got[0] != arg {
			t.Fatalf("reply %d: %.20v", i, got)
		}
	}
}

// A batch's requests go out in one write, the last request's.
func TestCodecBatchOneWrite(t *testing.T) {
	client, conn := codecPair(t)
	for _, n := range []int{1, 2, 100, 1000} {
		before := conn.writes.Load()
		sendBatch(t, client, n, "x")
		if got := conn.writes.Load() - before; got != 1 {
			t.Errorf("a batch of %d requests took %d writes, want 1", n, got)
		}
	}
}

// A batch whose frames outgrow the pending limit is sent as it grows, so
// that the writes never wait for a limit nobody would drain.
func TestCodecBatchBeyondPendingLimit(t *testing.T) {
	client, conn := codecPair(t)
	before := conn.writes.Load()
	big := strings.Repeat("x", 8<<10)
	n := 3 * maxPending / len(big)
	sendBatch(t, client, n, big)
	if got := conn.writes.Load() - before; got < 3 {
		t.Errorf("a batch of %d KiB took %d writes, want at least 3", n*len(big)>>10, got)
	}
}

// handshake.go mirrors deliver_challenge and answer_challenge in Python's
// multiprocessing/connection.py (3.12+): mutual HMAC-SHA256 challenge and
// response, framed as multiprocessing.connection frames its messages. Like
// Python 3.12, it also speaks the legacy dialect of Python 3.11 and older
// (raw HMAC-MD5, see legacyDigest), so CPython peers of either age connect.

package connection

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"time"
)

// The handshake's messages, byte for byte as Python 3.12 sends them.
const (
	challengePrefix = "#CHALLENGE#"
	welcomeMessage  = "#WELCOME#"
	failureMessage  = "#FAILURE#"
	busyMessage     = "#BUSY#" // ours: sent instead of a challenge when the server is full
	digestPrefix    = "{sha256}"
	challengeSize   = 40  // random bytes in a challenge (Python's MESSAGE_LENGTH)
	maxAuthMessage  = 256 // longest message read while the peer is unauthenticated
)

// ServerHandshake authenticates a client: the server challenges first, then
// answers the client's challenge, as Python's Server does on every connection.
func ServerHandshake(rw io.ReadWriter, key []byte) error {
	if err := deliverChallenge(rw, key); err != nil {
		return err
	}
	return answerChallenge(rw, key, false)
}

// ClientHandshake is the client's half: answer, then challenge. A client
// with no key whose answer the server refuses is told the server wants one.
func ClientHandshake(rw io.ReadWriter, key []byte) error {
	if err := answerChallenge(rw, key, len(key) == 0); err != nil {
		return err
	}
	return deliverChallenge(rw, key)
}

// noKeyHint explains a refused answer on a client that gave no authkey: the
// server has one, or it would have accepted the empty key's digest.
const noKeyHint = "the server requires an authkey and this side gave none: pass basemanager.WithAuthKey(key) with the server's key"

// deliverChallenge sends a random challenge and checks the peer's digest.
func deliverChallenge(rw io.ReadWriter, key []byte) error {
	msg := make([]byte, len(digestPrefix)+challengeSize)
	copy(msg, digestPrefix)
	if _, err := rand.Read(msg[len(digestPrefix):]); err != nil {
		return fmt.Errorf("making a challenge: %w", err)
	}
	if err := WriteFrame(rw, append([]byte(challengePrefix), msg...)); err != nil {
		return err
	}
	response, err := readAuthFrame(rw)
	if err != nil {
		return err
	}
	want := digest(key, msg)
	if len(response) == md5.Size {
		// Python 3.11 and older answer any challenge with raw HMAC-MD5 over
		// all of it, {sha256} included; Python 3.12 accepts that too.
		want = legacyDigest(key, msg)
	}
	// Both the prefix and the digest are compared in constant time.
	if !hmac.Equal(response, want) {
		WriteFrame(rw, []byte(failureMessage)) // best effort: the peer learns why
		return fmt.Errorf("digest received was wrong (the peer uses another authkey): %w", ErrAuthentication)
	}
	return WriteFrame(rw, []byte(welcomeMessage))
}

// answerChallenge answers the peer's challenge and waits to be welcomed.
// With noKey, a refusal of the answer is explained by noKeyHint.
func answerChallenge(rw io.ReadWriter, key []byte, noKey bool) error {
	msg, err := readAuthFrame(rw)
	if err != nil {
		return err
	}
	if string(msg) == busyMessage {
		return fmt.Errorf("the server has as many connections as it allows (try again later): %w", ErrTooManyConnections)
	}
	challenge, ok := bytes.CutPrefix(msg, []byte(challengePrefix))
	if !ok {
		return fmt.Errorf("malformed challenge (is the peer a gomanager or Python manager?): %w", ErrAuthentication)
	}
	answer, err := answerFor(key, challenge)
	if err != nil {
		return err
	}
	if err := WriteFrame(rw, answer); err != nil {
		return err
	}
	reply, err := readAuthFrame(rw)
	if noKey && err != nil {
		// A peer that hangs up on the answer (some do, instead of
		// #FAILURE#) refused it too.
		for _, eof := range []error{io.EOF, io.ErrUnexpectedEOF} {
			if errors.Is(err, eof) {
				return fmt.Errorf("the server closed the connection on this side's answer: %s: %w: %w", noKeyHint, ErrAuthentication, eof)
			}
		}
	}
	if err != nil {
		return err
	}
	if string(reply) != welcomeMessage {
		if noKey {
			return fmt.Errorf("digest sent was rejected: %s: %w", noKeyHint, ErrAuthentication)
		}
		return fmt.Errorf("digest sent was rejected (the peer uses another authkey: pass the same WithAuthKey on both sides): %w", ErrAuthentication)
	}
	return nil
}

// digest is Python's _create_response for sha256: the digest name, then
// HMAC-SHA256 over the whole challenge including its digest name, so a
// man in the middle cannot downgrade the algorithm.
func digest(key, challenge []byte) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write(challenge)
	return mac.Sum([]byte(digestPrefix))
}

// legacyChallengeSize is the length of a Python 3.11 (and older) challenge
// after its #CHALLENGE# prefix: 20 random bytes, with no digest name.
const legacyChallengeSize = 20

// legacyDigest is Python 3.11's answer: raw HMAC-MD5, no digest name.
func legacyDigest(key, challenge []byte) []byte {
	mac := hmac.New(md5.New, key)
	mac.Write(challenge)
	return mac.Sum(nil)
}

// digests are the names a Python 3.12+ challenge may carry in braces
// (Python's _ALLOWED_DIGESTS), with their hashes.
var digests = map[string]func() hash.Hash{
	"md5":      md5.New,
	"sha256":   sha256.New,
	"sha384":   sha512.New384,
	"sha3_256": func() hash.Hash { return sha3.New256() },
	"sha3_384": func() hash.Hash { return sha3.New384() },
}

// answerFor computes the answer to a challenge as Python 3.12's
// answer_challenge does: a legacy 20-byte challenge gets raw HMAC-MD5; a
// "{name}" challenge gets "{name}" and HMAC-name over the whole challenge.
func answerFor(key, challenge []byte) ([]byte, error) {
	if len(challenge) == legacyChallengeSize {
		return legacyDigest(key, challenge), nil
	}
	name, _, ok := bytes.Cut(challenge, []byte("}"))
	if !ok || len(challenge) < legacyChallengeSize || !bytes.HasPrefix(name, []byte("{")) {
		return nil, fmt.Errorf("malformed challenge (is the peer a gomanager or Python manager?): %w", ErrAuthentication)
	}
	h := digests[string(name[1:])]
	if h == nil {
		return nil, fmt.Errorf("challenge asks for digest %.20q, which is not one of Python's (md5, sha256, sha384, sha3_256, sha3_384): %w",
			name[1:], ErrAuthentication)
	}
	mac := hmac.New(h, key)
	mac.Write(challenge)
	prefix := append([]byte{}, challenge[:len(name)+1]...) // "{name}"
	return mac.Sum(prefix), nil
}

// RefuseBusy tells a connection the server is full, then closes it. The
// write is small and bounded by a deadline, so the accept loop never waits
// long on it. The deadline covers reads too: over TLS the write first runs
// the TLS handshake, which waits for the peer's hello.
func RefuseBusy(conn net.Conn) {
	conn.SetDeadline(time.Now().Add(100 * time.Millisecond))
	WriteFrame(conn, []byte(busyMessage))
	conn.Close()
}

// readAuthFrame reads one handshake message: at most maxAuthMessage bytes,
// with a 4-byte length, as Python reads a peer it does not trust yet.
func readAuthFrame(r io.Reader) ([]byte, error) {
	msg, err := readFrame(r, maxAuthMessage, false)
	var le *lengthError
	switch {
	case errors.As(err, &le):
		return nil, fmt.Errorf("bad message length %d during authentication (limit %d bytes): %w", le.n, le.max, ErrAuthentication)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return nil, fmt.Errorf("peer closed the connection during authentication (a peer with another authkey, or not a manager?): %w: %w", ErrAuthentication, err)
	case err != nil:
		return nil, fmt.Errorf("authentication: %w", err)
	}
	return msg, nil
}

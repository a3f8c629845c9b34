package wire

import (
	"bytes"
	"encoding/gob"
	"errors"
	"strings"
	"testing"
)

// hintSent is registered here under sentName. A stream naming unknownName
// instead (a name of the same length, so the stream stays well formed) is
// what this program receives from a peer that registered its type under a
// name this program does not know.
type hintSent struct{ X, Y int }

const (
	sentName    = "wiretest.HintSent"
	unknownName = "wiretest.HintMiss"
)

// hintUnregistered is registered under no name at all.
type hintUnregistered struct{ X int }

// hintNoFields is registered, but gob cannot encode it for another reason.
type hintNoFields struct{ x int }

func init() {
	gob.RegisterName(sentName, hintSent{})
	gob.Register(hintNoFields{})
}

// gobCause returns what err wraps, failing the test unless it is gob's own
// error starting with prefix.
func gobCause(t *testing.T, err error, prefix string) {
	t.Helper()
	cause := errors.Unwrap(err)
	if cause == nil || !strings.HasPrefix(cause.Error(), prefix) {
		t.Errorf("%v: wraps %v, want gob's error %q...", err, cause, prefix)
	}
}

func TestDecodeHintNamesThePeersType(t *testing.T) {
	v, err := Encode([]any{hintSent{1, 2}, "s"})
	if err != nil {
		t.Fatal(err)
	}
	// This program decodes what it sent itself: the name is known.
	if got, err := v.Decode(); err != nil || len(got) != 2 || got[0] != (hintSent{1, 2}) {
		t.Fatalf("Decode under a known name: %#v, %v", got, err)
	}

	if n := bytes.Count(v.Gob, []byte(sentName)); n != 1 {
		t.Fatalf("the stream names %q %d times, want once: % x", sentName, n, v.Gob)
	}
	v.Gob = bytes.Replace(v.Gob, []byte(sentName), []byte(unknownName), 1)
	// As it arrives: inside a message's own encoding.
	b, err := (&Request{ID: 1, Method: "Put", Args: v}).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var req Request
	if err := req.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	_, err = req.Args.Decode()
	if err == nil {
		t.Fatalf("Decode of a value named %q succeeded", unknownName)
	}
	t.Log(err)
	gobCause(t, err, `gob: name not registered for interface: "`+unknownName+`"`)
	msg := err.Error()
	for _, want := range []string{
		`the peer sent a value of type "` + unknownName + `" that this program has not registered`,
		"both programs must agree on the type",
		"one package both import",
		"gob.RegisterName with the same name on both sides",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "this program must register") {
		t.Errorf("%q gives the sender's hint to the receiver", msg)
	}
}

func TestEncodeHintSaysThisProgramMustRegister(t *testing.T) {
	for _, vals := range [][]any{
		{hintUnregistered{1}},
		{"s", &hintUnregistered{1}},                // gob names the type without the pointer
		{map[string]any{"k": hintUnregistered{1}}}, // deep inside a registered type
	} {
		_, err := Encode(vals)
		if err == nil {
			t.Fatalf("Encode(%#v) succeeded", vals)
		}
		t.Log(err)
		gobCause(t, err, "gob: type not registered for interface: wire.hintUnregistered")
		msg := err.Error()
		for _, want := range []string{
			"this program must register wire.hintUnregistered",
			"gob.Register",
			"gob.RegisterName",
		} {
			if !strings.Contains(msg, want) {
				t.Errorf("%q lacks %q", msg, want)
			}
		}
		if strings.Contains(msg, "peer sent") {
			t.Errorf("%q gives the receiver's hint to the sender", msg)
		}
	}
}

// A failure that has nothing to do with registration gets no advice to
// register anything.
func TestGobErrorsWithoutRegistrationHint(t *testing.T) {
	_, err := Encode([]any{hintNoFields{1}})
	if err == nil || strings.Contains(err.Error(), "regist") {
		t.Errorf("Encode of a type without exported fields: %v; want gob's error without a hint", err)
	}
	_, err = Values{Gob: []byte{3, 4, 5}}.Decode()
	if err == nil || strings.Contains(err.Error(), "regist") {
		t.Errorf("Decode of a corrupt stream: %v; want gob's error without a hint", err)
	}
}

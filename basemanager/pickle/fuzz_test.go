// fuzz_test.go fuzzes the decoder: no input may make it panic, run away
// with memory or accept a global outside the allow-list, and whatever it
// accepts must survive Marshal and a second Unmarshal unchanged.

package pickle_test

import (
	"errors"
	"testing"

	"gomanager/basemanager/pickle"
)

// FuzzPickleDecode feeds arbitrary bytes to Unmarshal. The seed corpus in
// testdata/fuzz/FuzzPickleDecode holds the messages a manager conversation
// carries (as CPython 3.11 pickles them) and the refused cases.
func FuzzPickleDecode(f *testing.F) {
	f.Add([]byte("\x80\x04\x95\x19\x00\x00\x00\x00\x00\x00\x00(N\x8c\x06create\x94\x8c\x04dict\x94\x85\x94}\x94t\x94."))
	f.Add([]byte("\x80\x02cposix\nsystem\nX\x02\x00\x00\x00id\x85R."))
	f.Add([]byte("\x80\x04]\x94(h\x00h\x00e."))
	// (DictProxy, [DictProxy, AutoProxy]): RebuildProxy, the memo, kwds.
	f.Add([]byte("\x80\x04\x95\xcd\x00\x00\x00\x00\x00\x00\x00\x8c\x18multiprocessing.managers\x94\x8c\x0cRebuildProxy\x94\x93\x94(h\x00" +
		"\x8c\tDictProxy\x94\x93\x94h\x00\x8c\x05Token\x94\x93\x94)\x81\x94\x8c\x04dict\x94\x8c\t127.0.0.1\x94M\x88\x13\x86\x94\x8c\x047-1f" +
		"\x94\x87\x94b\x8c\x06pickle\x94}\x94t\x94R\x94]\x94(h\x10h\x02(h\x00\x8c\tAutoProxy\x94\x93\x94h\x06)\x81\x94\x8c\x05Queue\x94h\n" +
		"\x8c\x049-1f\x94\x87\x94bh\r}\x94\x8c\x07exposed\x94\x8c\x03get\x94\x85\x94st\x94R\x94e\x86\x94."))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := pickle.Unmarshal(data)
		if err != nil {
			if !errors.Is(err, pickle.ErrRefused) && !errors.Is(err, pickle.ErrMalformed) {
				t.Fatalf("error wraps neither ErrRefused nor ErrMalformed: %v", err)
			}
			return
		}
		again, err := pickle.Marshal(v)
		if err != nil {
			t.Fatalf("Marshal of a decoded %s: %v", pickle.Repr(v), err)
		}
		w, err := pickle.Unmarshal(again)
		if err != nil {
			t.Fatalf("Unmarshal of Marshal(%s): %v", pickle.Repr(v), err)
		}
		if pickle.Repr(w) != pickle.Repr(v) {
			t.Fatalf("round trip changed the value: %s, then %s", pickle.Repr(v), pickle.Repr(w))
		}
	})
}

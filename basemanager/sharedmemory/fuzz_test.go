// fuzz_test.go fuzzes the ShareableList decoder with arbitrary bytes, and
// checks the corrupt blocks it must refuse. Its seed corpus, in
// testdata/fuzz/FuzzShareableList, holds real blocks made by CPython 3.8 and
// 3.13 and by Go in both layouts, and broken variants of them; rewrite it
// with
//
//	go test ./basemanager/sharedmemory -run TestFuzzSeeds -update-seeds

package sharedmemory

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"gomanager/basemanager/internal/testkit"
)

// alignedCopy copies b into memory aligned to 8 bytes, as a block's mapping
// is, so that the atomics work on it.
func alignedCopy(b []byte) []byte {
	words := make([]uint64, (len(b)+7)/8+1)
	out := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), len(b))
	copy(out, b)
	return out
}

// encodeForTest is the block NewShareableListLayout would write for items.
func encodeForTest(t testing.TB, k Layout, items []any) []byte {
	t.Helper()
	sizes, vals, err := planItems(items)
	if err != nil {
		t.Fatal(err)
	}
	b := alignedCopy(make([]byte, blockSize(k, sizes)))
	if err := encode(b, k, sizes, vals); err != nil {
		t.Fatal(err)
	}
	return b
}

func FuzzShareableList(f *testing.F) {
	f.Add(encodeForTest(f, Layout39, sample))
	f.Add(encodeForTest(f, Layout38, sample))
	f.Fuzz(func(t *testing.T, block []byte) {
		b := alignedCopy(block)
		l, err := decodeList(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decode error does not wrap ErrCorrupt: %v", err)
			}
			return
		}
		if l.lay.end > len(b) {
			t.Fatalf("layout ends at %d, past the block's %d bytes", l.lay.end, len(b))
		}
		_, _ = l.Format(), l.String()
		var before []any
		for i := range l.Len() {
			v, err := l.Get(i)
			if err != nil {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("Get(%d): %v, want only ErrCorrupt", i, err)
				}
				before = nil
				break
			}
			before = append(before, v)
		}
		if before != nil {
			// What decodes re-encodes to a list of the same items.
			again, err := decodeList(encodeForTest(t, l.Layout(), before))
			if err != nil {
				t.Fatalf("re-encoding %v: %v", before, err)
			}
			sameItems(t, "re-encoded", items(t, again), before)
		}
		l.Count(int64(1))
		l.Index("x")

		// Every write leaves a list that decodes, holding what was written.
		for i := range l.Len() {
			if _, err := l.GetInt(i); err != nil && !errors.Is(err, ErrNotInt) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("GetInt(%d): %v", i, err)
			}
			var want any
			switch i % 4 {
			case 0:
				want = int64(i)
				if err := l.SetInt(i, int64(i)); err != nil {
					t.Fatal(err)
				}
				if v, err := l.Add(i, 1); v != int64(i+1) || err != nil {
					t.Fatalf("Add(%d, 1) = %d, %v", i, v, err)
				}
				want = int64(i + 1)
			case 1:
				want = strings.Repeat("s", l.lay.slots[i].size)
			case 2:
				want = []byte("b")
			case 3:
				want = nil
			}
			if i%4 != 0 {
				if err := l.Set(i, want); err != nil {
					t.Fatalf("Set(%d, %.20q): %v", i, want, err)
				}
			}
			if l.lay.slots[i].strFmt == 0 { // a slot over 9999992 bytes: no "<size>s" format fits 8 characters
				want = int64(i)
				l.SetInt(i, int64(i))
			}
			if err := l.Set(i, strings.Repeat("s", l.lay.slots[i].size+1)); !errors.Is(err, ErrTooLong) {
				t.Fatalf("Set(%d) of a str longer than the slot: %v, want ErrTooLong", i, err)
			}
			if got, err := l.Get(i); err != nil {
				t.Fatalf("Get(%d) after Set: %v", i, err)
			} else {
				sameItems(t, "after Set", []any{got}, []any{want})
			}
		}
		if _, err := decodeList(b); err != nil {
			t.Fatalf("the list no longer decodes after Sets: %v", err)
		}
	})
}

// TestDecodeCorrupt breaks a valid block in each way the decoder checks.
func TestDecodeCorrupt(t *testing.T) {
	for _, k := range []Layout{Layout39, Layout38} {
		good := encodeForTest(t, k, []any{int64(1), "abc", nil})
		if _, err := decodeList(good); err != nil {
			t.Fatal(err)
		}
		lay, _ := decodeLayout(good)
		for _, tc := range []struct {
			name string
			edit func(b []byte) []byte
			why  string
		}{
			{"negative count", func(b []byte) []byte { ne.PutUint64(b, 1<<63); return b }, "item count"},
			{"huge count", func(b []byte) []byte { ne.PutUint64(b, 1<<40); return b }, "item count"},
			{"count one more", func(b []byte) []byte { ne.PutUint64(b, 4); return b }, ""},
			{"first slot too small", func(b []byte) []byte { ne.PutUint64(b[16-8*int(k):], 4); return b }, "multiple of 8"},
			{"slot past the end", func(b []byte) []byte { ne.PutUint64(b[24-8*int(k):], 1<<50); return b }, ""},
			{"unknown format", func(b []byte) []byte { copy(b[lay.formats:], "i\x00"); return b }, `format "i"`},
			{"str format of the wrong size", func(b []byte) []byte { copy(b[lay.formats+8:], "16s"); return b }, `format "16s"`},
			{"int with str's code", func(b []byte) []byte { b[lay.codes] = codeStr; return b }, "code 1"},
			{"unknown code", func(b []byte) []byte { b[lay.codes+1] = 0x80; return b }, "code -128"},
			{"truncated", func(b []byte) []byte { return b[:len(b)-1] }, ""},
			{"just the count", func(b []byte) []byte { return b[:8] }, "item count"},
			{"short", func(b []byte) []byte { return b[:7] }, "fewer than the 8"},
		} {
			t.Run(k.String()+"/"+tc.name, func(t *testing.T) {
				b := tc.edit(alignedCopy(good))
				_, err := decodeList(b)
				if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.why) {
					t.Errorf("decoding: %v, want ErrCorrupt saying %q", err, tc.why)
				}
			})
		}
		// Every proper prefix of a block is refused.
		for n := range len(good) {
			if _, err := decodeList(good[:n]); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("%v: the first %d of %d bytes decode: %v", k, n, len(good), err)
			}
		}
	}
	// A str that is not UTF-8 decodes as a list, and Get says why.
	b := encodeForTest(t, Layout39, []any{"ok"})
	l, _ := decodeLayout(b)
	b[l.slots[0].off] = 0xff
	list, err := decodeList(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := list.Get(0); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "UnicodeDecodeError") {
		t.Errorf("Get of a str that is not UTF-8: %v, want ErrCorrupt", err)
	}
}

// TestUnalignedAtomics: a list in memory that is not 8-byte aligned (no
// block is) still reads and writes, but refuses the atomics.
func TestUnalignedAtomics(t *testing.T) {
	good := encodeForTest(t, Layout39, []any{int64(5)})
	b := alignedCopy(make([]byte, len(good)+1))[1:]
	copy(b, good)
	l, err := decodeList(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.SetInt(0, 6); err != nil {
		t.Fatal(err)
	}
	if v, err := l.GetInt(0); v != 6 || err != nil {
		t.Fatalf("GetInt(0) = %d, %v; want 6", v, err)
	}
	if _, err := l.Add(0, 1); !errors.Is(err, ErrUnaligned) {
		t.Errorf("Add on an unaligned item: %v, want ErrUnaligned", err)
	}
	if _, err := l.CompareAndSwap(0, 6, 7); !errors.Is(err, ErrUnaligned) {
		t.Errorf("CompareAndSwap on an unaligned item: %v, want ErrUnaligned", err)
	}
}

// seedItems are the items of the CPython-made seeds.
var seedItems = []any{int64(7), int64(-3), 2.5, true, nil, "héllo", []byte{1, 2}, "", strings.Repeat("x", 20)}

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the fuzz seed corpus, with CPython 3.8 and the newest CPython")

const seedDir = "testdata/fuzz/FuzzShareableList"

// TestFuzzSeeds checks that the blocks CPython made for the seed corpus
// decode to the items it was given (so the corpus doubles as a record of
// CPython's layouts), and with -update-seeds writes the corpus anew.
func TestFuzzSeeds(t *testing.T) {
	if *updateSeeds {
		writeSeeds(t)
	}
	for file, want := range map[string]Layout{"cpython38": Layout38, "cpython313": Layout39, "go38": Layout38, "go39": Layout39} {
		b := readSeed(t, file)
		l, err := decodeList(alignedCopy(b))
		if err != nil {
			t.Fatalf("seed %s: %v", file, err)
		}
		if l.Layout() != want {
			t.Errorf("seed %s: layout %v, want %v", file, l.Layout(), want)
		}
		sameItems(t, "seed "+file, items(t, l), seedItems)
		if file[:2] == "go" && string(encodeForTest(t, want, seedItems)) != string(b) {
			t.Errorf("seed %s differs from what Go writes now", file)
		}
	}
	// CPython's blocks and Go's are the same bytes.
	if string(readSeed(t, "cpython38")) != string(readSeed(t, "go38")) || string(readSeed(t, "cpython313")) != string(readSeed(t, "go39")) {
		t.Error("CPython's seed blocks differ from Go's")
	}
}

func readSeed(t *testing.T, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(seedDir, file))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(string(data), "\n", 3)
	if len(lines) < 2 || lines[0] != "go test fuzz v1" {
		t.Fatalf("seed %s: not a fuzz corpus file", file)
	}
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(lines[1]), "[]byte("), ")"))
	if err != nil {
		t.Fatalf("seed %s: %v", file, err)
	}
	return []byte(s)
}

// writeSeeds makes the corpus: CPython's blocks, Go's, and broken ones.
func writeSeeds(t *testing.T) {
	pys := testkit.Pythons(t)
	seeds := map[string][]byte{
		"go39": encodeForTest(t, Layout39, seedItems),
		"go38": encodeForTest(t, Layout38, seedItems),
	}
	for _, py := range []testkit.Python{pys[0], pys[len(pys)-1]} {
		if py.Minor != 8 && py.Minor != 13 {
			t.Fatalf("the seeds are made with CPython 3.8 and 3.13; found %v", py)
		}
		name := testName(t)
		track(t, name)
		var made pyList
		runPeer(t, py, &made, "list-create", name, toPyJSON(t, seedItems))
		s, err := Attach(name)
		if err != nil {
			t.Fatal(err)
		}
		seeds[fmt.Sprintf("cpython3%d", py.Minor)] = append([]byte(nil), s.Buf()...)
		s.Close()
	}
	for _, src := range []string{"cpython38", "cpython313"} {
		b := seeds[src]
		lay, err := decodeLayout(alignedCopy(b))
		if err != nil {
			t.Fatal(err)
		}
		edit := func(suffix string, f func(b []byte) []byte) {
			seeds[src+"_"+suffix] = f(append([]byte(nil), b...))
		}
		edit("truncated_half", func(b []byte) []byte { return b[:len(b)/2] })
		edit("truncated_last_byte", func(b []byte) []byte { return b[:len(b)-1] })
		edit("count_huge", func(b []byte) []byte { ne.PutUint64(b, 1<<62); return b })
		edit("count_negative", func(b []byte) []byte { ne.PutUint64(b, 1<<63|5); return b })
		edit("table_past_end", func(b []byte) []byte { ne.PutUint64(b[16:], 1<<40); return b })
		edit("table_unaligned", func(b []byte) []byte { ne.PutUint64(b[16:], 12); return b })
		edit("format_unknown", func(b []byte) []byte { copy(b[lay.formats:], "Q\x00\x00"); return b })
		edit("format_str_size", func(b []byte) []byte { copy(b[lay.formats+8*5:], "80s"); return b })
		edit("code_unknown", func(b []byte) []byte { b[lay.codes+2] = 9; return b })
		edit("str_not_utf8", func(b []byte) []byte { b[lay.slots[5].off] = 0xc3; b[lay.slots[5].off+1] = 'x'; return b })
	}
	seeds["empty38"] = encodeForTest(t, Layout38, nil)
	seeds["empty39"] = encodeForTest(t, Layout39, nil)
	if err := os.MkdirAll(seedDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for file, b := range seeds {
		data := "go test fuzz v1\n[]byte(" + strconv.Quote(string(b)) + ")\n"
		if err := os.WriteFile(filepath.Join(seedDir, file), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

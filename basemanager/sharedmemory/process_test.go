// process_test.go runs Go processes against one list: Add and
// CompareAndSwap are atomic across processes, and a list made by one
// process is attached by another after its maker has exited.

package sharedmemory

import (
	"bytes"
	"strconv"
	"testing"
)

func TestAddAcrossProcesses(t *testing.T) {
	noLeaks(t)
	const processes, rounds = 4, 20000
	name := testName(t)
	track(t, name)
	// Another process makes the list and exits: the block outlives it.
	if out, err := runHelper(t, "create-ints", name, "2").CombinedOutput(); err != nil {
		t.Fatalf("helper creating the list: %v\n%s", err, out)
	}
	l, err := AttachShareableList(name)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	type result struct {
		out []byte
		err error
	}
	done := make(chan result, processes)
	for range processes {
		cmd := runHelper(t, "add", name, strconv.Itoa(rounds))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { err := cmd.Wait(); done <- result{out.Bytes(), err} }()
	}
	// This process adds too, while the others do.
	for range rounds {
		if _, err := l.Add(0, 1); err != nil {
			t.Fatal(err)
		}
	}
	for range processes {
		r := <-done // each helper's context ends it after WaitLimit
		if r.err != nil {
			t.Fatalf("helper: %v\n%s", r.err, r.out)
		}
	}
	want := int64((processes + 1) * rounds)
	if got, _ := l.GetInt(0); got != want {
		t.Errorf("item 0 after Add from %d processes: %d, want %d", processes+1, got, want)
	}
	if got, _ := l.GetInt(1); got != int64(processes*rounds) {
		t.Errorf("item 1 after CompareAndSwap loops in %d processes: %d, want %d", processes, got, processes*rounds)
	}
}

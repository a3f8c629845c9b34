// unsupported_test.go checks that, where there is no POSIX shared memory,
// every constructor says so with errors.ErrUnsupported.

//go:build !linux

package sharedmemory

import (
	"errors"
	"testing"
)

func TestUnsupported(t *testing.T) {
	calls := map[string]func() error{
		"Create":              func() error { _, err := Create(8); return err },
		"CreateNamed":         func() error { _, err := CreateNamed("x", 8); return err },
		"Attach":              func() error { _, err := Attach("x"); return err },
		"New":                 func() error { _, err := New("a/b", false, -1); return err },
		"NewShareableList":    func() error { _, err := NewShareableList([]any{1}); return err },
		"AttachShareableList": func() error { _, err := AttachShareableList("x"); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("%s: %v, want errors.ErrUnsupported", name, err)
		}
	}
}

// sharedstring_test.go checks the shared type against Python's str methods
// it stands for.

package shared

import "testing"

// The wants are what Python 3.12 prints for repr(s.capitalize()).
func TestCapitalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "the lesson's string", in: "hello World", want: "Hello world"},
		{name: "empty", in: "", want: ""},
		{name: "already capitalized", in: "Hello world", want: "Hello world"},
		{name: "all upper", in: "HELLO WORLD", want: "Hello world"},
		{name: "leading digit", in: "1st PLACE", want: "1st place"},
		{name: "leading space", in: " hello", want: " hello"},
		{name: "non-ASCII", in: "élan VITAL", want: "Élan vital"},
		{name: "title case digraph", in: "ǆungla", want: "ǅungla"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &SharedString{S: tt.in}
			if got := s.Capitalize(); got != tt.want {
				t.Errorf("Capitalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if s.S != tt.in {
				t.Errorf("Capitalize changed the string to %q", s.S)
			}
		})
	}
}

func TestStringAndSet(t *testing.T) {
	s := &SharedString{S: "hello World"}
	if got := s.String(); got != "hello World" {
		t.Errorf("String() = %q", got)
	}
	s.Set("hello Manager")
	if got := s.String(); got != "hello Manager" {
		t.Errorf("after Set, String() = %q", got)
	}
}

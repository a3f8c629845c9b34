package basemanager

import (
	"testing"

	"gomanager/basemanager/internal/connection"
)

// The documented defaults are the ones a new manager gets.
func TestDefaultsMatchTheConnections(t *testing.T) {
	cfg := New("").cfg
	if cfg.MaxConnections != DefaultMaxConnections || cfg.MaxMessageSize != DefaultMaxMessageSize {
		t.Errorf("a new manager allows %d connections and %d-byte messages; the documented defaults are %d and %d",
			cfg.MaxConnections, cfg.MaxMessageSize, DefaultMaxConnections, DefaultMaxMessageSize)
	}
	if connection.DefaultMaxMessageSize != DefaultMaxMessageSize {
		t.Errorf("connection.DefaultMaxMessageSize = %d, want %d", connection.DefaultMaxMessageSize, DefaultMaxMessageSize)
	}
}

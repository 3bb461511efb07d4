package config

import (
	"runtime/debug"
	"testing"
)

// TestApplyGCPercent: without GOGC keydesk collects at DefaultGCPercent; with GOGC set, the
// runtime's value stays.
func TestApplyGCPercent(t *testing.T) {
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)

	t.Setenv("GOGC", "")
	ApplyGCPercent()
	if got := debug.SetGCPercent(100); got != DefaultGCPercent {
		t.Errorf("GOGC unset: GC percent %d, want %d", got, DefaultGCPercent)
	}
	t.Setenv("GOGC", "200")
	ApplyGCPercent()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC set: GC percent changed to %d, want it left at 100", got)
	}
}

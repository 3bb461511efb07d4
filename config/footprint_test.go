package config

import (
	"strings"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/binpages"
)

// TestFootprintDefaults: the memory and retention knobs have the documented defaults, and the
// environment overrides them.
func TestFootprintDefaults(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.WorkflowCache != 256 || c.TemporalCache != 1000 || c.WorkflowPollers != 8 || c.ActivityPollers != 8 ||
		c.MaxWorkflowTasks != 64 || c.MaxActivities != 64 {
		t.Fatalf("worker defaults: %+v", c)
	}
	if c.Retention != 7*24*time.Hour || c.VacuumEvery != 10*time.Minute || c.DeliveryRetention != 30*24*time.Hour || c.PayloadFormatName() != "compact" {
		t.Fatalf("retention defaults: retention %v vacuum %v deliveries %v payloads %s", c.Retention, c.VacuumEvery, c.DeliveryRetention, c.PayloadFormatName())
	}
	if c.AttachmentRetention != 0 {
		t.Fatalf("attachments are kept for ever by default, got a retention of %v", c.AttachmentRetention)
	}
	t.Setenv("KEYDESK_ATTACHMENT_RETENTION", "-1h")
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "KEYDESK_ATTACHMENT_RETENTION") {
		t.Fatalf("a negative attachment retention: %v", err)
	}
	t.Setenv("KEYDESK_ATTACHMENT_RETENTION", "2880h")
	t.Setenv("KEYDESK_WORKFLOW_CACHE", "250")
	t.Setenv("KEYDESK_RETENTION", "72h")
	t.Setenv("KEYDESK_PAYLOAD_COMPRESSION", "off")
	if c, err = Load(); err != nil {
		t.Fatal(err)
	}
	if c.WorkflowCache != 250 || c.Retention != 72*time.Hour || c.PayloadFormatName() != "sealed" || c.AttachmentRetention != 120*24*time.Hour {
		t.Fatalf("overrides: cache %d retention %v payloads %s attachments %v", c.WorkflowCache, c.Retention, c.PayloadFormatName(), c.AttachmentRetention)
	}
	t.Setenv("KEYDESK_PAYLOAD_FORMAT", "zip")
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "KEYDESK_PAYLOAD_FORMAT") {
		t.Fatalf("an unknown payload format: %v", err)
	}
}

// TestPayloadFormatName: the format wins; without it the older compression switch chooses
// between compact and sealed.
func TestPayloadFormatName(t *testing.T) {
	for _, tc := range []struct{ format, compression, want string }{
		{"", "", "compact"}, {"", "on", "compact"}, {"", "true", "compact"},
		{"", "off", "sealed"}, {"", "OFF", "sealed"}, {"", "false", "sealed"}, {"", "0", "sealed"}, {"", "no", "sealed"},
		{"deflate", "on", "deflate"}, {"Deflate", "off", "deflate"}, {"compact", "off", "compact"}, {" sealed ", "", "sealed"},
	} {
		c := Config{PayloadFormat: tc.format, PayloadCompression: tc.compression}
		if got := c.PayloadFormatName(); got != tc.want {
			t.Errorf("format %q compression %q: %s, want %s", tc.format, tc.compression, got, tc.want)
		}
	}
}

func TestMemoryLimitBytes(t *testing.T) {
	for v, want := range map[string]int64{"": 0, "off": 0, "0": 0, "160MiB": 160 << 20, "1GiB": 1 << 30, " 512 KiB": 512 << 10, "1048576B": 1 << 20} {
		c := Config{MemoryLimit: v}
		if got, err := c.MemoryLimitBytes(); err != nil || got != want {
			t.Errorf("%q: %d, %v; want %d", v, got, err, want)
		}
	}
	for _, v := range []string{"160", "160MB", "-1MiB", "1.5GiB", "lots", "0x10MiB"} {
		c := Config{MemoryLimit: v}
		if got, err := c.MemoryLimitBytes(); err == nil {
			t.Errorf("%q accepted as %d", v, got)
		}
	}
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.MemoryLimitBytes(); err != nil || got != 256<<20 {
		t.Errorf("default limit %d, %v", got, err)
	}
}

// TestBinaryPages: evict by default, the other modes by name, and a clear error otherwise.
func TestBinaryPages(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.BinaryPagesMode(); got != binpages.Evict {
		t.Fatalf("default mode %q, want evict", got)
	}
	t.Setenv("KEYDESK_BINARY_PAGES", "drop")
	if c, err = Load(); err != nil || c.BinaryPagesMode() != binpages.Drop {
		t.Fatalf("drop: %q, %v", c.BinaryPagesMode(), err)
	}
	t.Setenv("KEYDESK_BINARY_PAGES", "purge")
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "KEYDESK_BINARY_PAGES") {
		t.Fatalf("an unknown mode: %v", err)
	}
}

package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestKBReindexCommand: on a migrated database the command reindexes every merchant's
// articles and says so; an unknown merchant id is an error, not a run that indexes nothing.
func TestKBReindexCommand(t *testing.T) {
	t.Setenv("KEYDESK_DB", "sqlite:"+filepath.Join(t.TempDir(), "kb.db"))
	t.Setenv("KEYDESK_LOG_LEVEL", "warn")
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"migrate", "up"}, &out); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"kb", "reindex"}, &out); err != nil || !strings.Contains(out.String(), "kb articles indexed: 0, stale index rows dropped: 0 (all merchants") {
		t.Fatalf("kb reindex: %v\n%s", err, out.String())
	}
	err := run(ctx, []string{"kb", "reindex", "--merchant", "999"}, &out)
	if err == nil || !strings.Contains(err.Error(), "no merchant with id 999") {
		t.Fatalf("unknown merchant: %v", err)
	}
	if err := run(ctx, []string{"kb", "rebuild"}, &out); err == nil || !strings.Contains(err.Error(), "usage: keydesk kb reindex") {
		t.Fatalf("unknown subcommand: %v", err)
	}
}

package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// TestPurgeWebhookDeliveriesKeepsPendingAndRecent: only finished deliveries (delivered or
// failed for good) older than the cutoff go, in batches; pending ones and recent ones stay.
func TestPurgeWebhookDeliveriesKeepsPendingAndRecent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m := macroMerchant(t, s, "purge-a")
		ep := models.WebhookEndpoint{MerchantID: m, URL: "https://a.example/hook", Active: true}
		if err := s.CreateWebhookEndpoint(ctx, &ep, func(uint64) []byte { return []byte{1} }); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		old, recent := now.Add(-40*24*time.Hour), now.Add(-time.Hour)
		want := map[string]bool{} // event id → kept
		add := func(id string, at time.Time, status string, kept bool) {
			d, err := s.EnsureWebhookDelivery(ctx, models.WebhookDelivery{MerchantID: m, EndpointID: ep.ID, EventID: id, EventType: store.EventMessageOutbound, CreatedAt: at})
			if err != nil {
				t.Fatal(err)
			}
			if status != store.DeliveryPending {
				if err := s.RecordWebhookAttempt(ctx, d.ID, status, "", now); err != nil {
					t.Fatal(err)
				}
			}
			want[id] = kept
		}
		for i := range 7 {
			add(fmt.Sprintf("old-delivered-%d", i), old, store.DeliveryDelivered, false)
		}
		add("old-failed", old, store.DeliveryFailed, false)
		add("old-pending", old, store.DeliveryPending, true)
		add("recent-delivered", recent, store.DeliveryDelivered, true)
		n, err := s.PurgeWebhookDeliveries(ctx, now.Add(-30*24*time.Hour), 3)
		if err != nil || n != 8 {
			t.Fatalf("purged %d, %v; want 8", n, err)
		}
		left, err := s.WebhookDeliveries(ctx, m, ep.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, d := range left {
			got[d.EventID] = true
		}
		for id, kept := range want {
			if got[id] != kept {
				t.Errorf("%s: kept = %v, want %v", id, got[id], kept)
			}
		}
		if n, err := s.PurgeWebhookDeliveries(ctx, now.Add(-30*24*time.Hour), 3); err != nil || n != 0 {
			t.Fatalf("second purge: %d, %v", n, err)
		}
	})
}

// TestSQLiteGivesSpaceBack: a new keydesk SQLite file is in incremental auto-vacuum mode, and
// after rows are deleted Vacuum frees their pages and the file shrinks.
func TestSQLiteGivesSpaceBack(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "kd.db")
	s, err := store.Open(ctx, store.Options{URL: "sqlite:" + file})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if converted, err := s.EnsureIncrementalVacuum(ctx); err != nil || converted {
		t.Fatalf("a new file needed converting (%v) or failed: %v", converted, err)
	}
	db, err := s.SQL()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE filler (id INTEGER PRIMARY KEY, data BLOB)"); err != nil {
		t.Fatal(err)
	}
	for range 300 {
		if _, err := db.Exec("INSERT INTO filler (data) VALUES (randomblob(8000))"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	full := store.FileBytes(file)
	if got, err := s.DiskBytes(ctx); err != nil || got != full {
		t.Fatalf("DiskBytes = %d, %v; files add up to %d", got, err, full)
	}
	if _, err := db.Exec("DELETE FROM filler"); err != nil {
		t.Fatal(err)
	}
	before, after, err := s.Vacuum(ctx, 1<<20)
	if err != nil || before < 500 || after != 0 {
		t.Fatalf("vacuum: free pages %d → %d, %v", before, after, err)
	}
	if _, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	if got := store.FileBytes(file); got > full-2_000_000 {
		t.Fatalf("file %d bytes after deleting ~2.4 MB of %d and vacuuming", got, full)
	}
}

// TestEnsureIncrementalVacuumConvertsOldFile: a file made before auto_vacuum was set is
// converted once, keeping its rows.
func TestEnsureIncrementalVacuumConvertsOldFile(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "old.db")
	// An older keydesk made its file without auto_vacuum: made here with the driver alone.
	raw, err := sql.Open("sqlite", "file:"+file+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"CREATE TABLE t (v TEXT)", "INSERT INTO t VALUES ('kept')"} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	_ = raw.Close()
	s, err := store.Open(ctx, store.Options{URL: "sqlite:" + file})
	if err != nil {
		t.Fatal(err)
	}
	db, _ := s.SQL()
	mode := func() int {
		var m int
		if err := db.QueryRow("PRAGMA auto_vacuum").Scan(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	if mode() != 0 {
		t.Fatalf("old file starts with auto_vacuum %d", mode())
	}
	if converted, err := s.EnsureIncrementalVacuum(ctx); err != nil || !converted {
		t.Fatalf("convert: %v, %v", converted, err)
	}
	if converted, err := s.EnsureIncrementalVacuum(ctx); err != nil || converted {
		t.Fatalf("second call converted again: %v, %v", converted, err)
	}
	if mode() != 2 {
		t.Fatalf("auto_vacuum = %d after conversion", mode())
	}
	var v string
	if err := db.QueryRow("SELECT v FROM t").Scan(&v); err != nil || v != "kept" {
		t.Fatalf("row after conversion: %q %v", v, err)
	}
	_ = s.Close()
}

// TestTableBytes: every table of the schema is listed with its indexes; on SQLite the
// tables add up to the pages in use (nothing but pointer-map pages is left out) and an FTS5
// table's shadow tables are counted with it.
func TestTableBytes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		got, err := s.TableBytes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"tickets", "messages", "ticket_events", "audit_log"} {
			if got[table] <= 0 {
				t.Errorf("%s: %d bytes, want its pages", table, got[table])
			}
		}
		if s.Dialect() != "sqlite" {
			return
		}
		if _, index := got["ux_ticket_events_key"]; index {
			t.Error("an index is listed apart from its table")
		}
		if _, shadow := got["search_entries_data"]; shadow || got["search_entries"] <= 0 {
			t.Errorf("search_entries %d bytes, shadow table listed apart: %v", got["search_entries"], shadow)
		}
		db, err := s.SQL()
		if err != nil {
			t.Fatal(err)
		}
		var pages, free, size, sum int64
		for q, dst := range map[string]*int64{"PRAGMA page_count": &pages, "PRAGMA freelist_count": &free, "PRAGMA page_size": &size} {
			if err := db.QueryRowContext(ctx, q).Scan(dst); err != nil {
				t.Fatal(err)
			}
		}
		for _, n := range got {
			sum += n
		}
		// The only pages in use outside a table or index are incremental vacuum's pointer
		// maps: one for every page_size/5 pages.
		inUse := (pages - free) * size
		if ptrmaps := inUse - sum; ptrmaps < 0 || ptrmaps > (pages/(size/5)+1)*size {
			t.Errorf("tables add up to %d bytes, the file has %d in use", sum, inUse)
		}
	})
}

package inventory_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/inventory"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

func TestBatchReasonProblem(t *testing.T) {
	cases := []struct {
		reason, want string
	}{
		{"", "required"},
		{"   \n", "required"},
		{"supplier confirmed", ""},
		{strings.Repeat("x", 500), ""},
		{strings.Repeat("字", 500), ""}, // characters, not bytes
		{strings.Repeat("x", 501), "at most 500 characters"},
	}
	for _, c := range cases {
		if got := inventory.BatchReasonProblem(c.reason); got != c.want {
			t.Errorf("BatchReasonProblem(%.20q…) = %q, want %q", c.reason, got, c.want)
		}
	}
}

func TestBatchActions(t *testing.T) {
	cases := []struct {
		status      string
		quar, relse bool
	}{
		{models.BatchActive, true, false},
		{"", true, false},
		{models.BatchQuarantined, false, true},
		{"retired", false, false},
	}
	for _, c := range cases {
		q, r := inventory.BatchActions(c.status)
		if q != c.quar || r != c.relse {
			t.Errorf("BatchActions(%q) = %v, %v; want %v, %v", c.status, q, r, c.quar, c.relse)
		}
	}
}

// TestBatchesAndRelease: the list counts each batch's keys by status, names the product and
// the quarantine reason, filters by status and pages; release restores exactly the quarantined
// keys (not delivered or reported ones), clears the reason, is audited, is a no-op when repeated
// and refuses another merchant's batch.
func TestBatchesAndRelease(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, inventory.Limits{})
		first, err := f.imp("lines", "BAT1-0001\nBAT1-0002\n")
		f.must(err)
		rep, err := f.imp("lines", "BAT2-0001\nBAT2-0002\nBAT2-0003\nBAT2-0004\n")
		f.must(err)
		ks := f.keys()
		// One key of the second batch delivered, one reported invalid.
		f.must(s.DB(f.ctx).Model(&models.CardKey{}).Where("id = ?", ks[2].ID).Update("status", models.KeyDelivered).Error)
		f.must(s.DB(f.ctx).Model(&models.CardKey{}).Where("id = ?", ks[3].ID).Update("status", models.KeyReportedInvalid).Error)
		res, err := f.svc.Quarantine(f.ctx, f.m.ID, rep.BatchID, "3 buyers reported keys invalid", inventory.QuarantineActor{Email: "system"})
		if err != nil || res.KeysWithdrawn != 2 {
			t.Fatalf("quarantine: %+v %v", res, err)
		}

		list, err := f.svc.Batches(f.ctx, f.m.ID, store.BatchFilter{})
		f.must(err)
		if len(list) != 2 || list[0].ID != rep.BatchID || list[1].ID != first.BatchID {
			t.Fatalf("batches %+v, want newest first", list)
		}
		b := list[0]
		want := store.KeyCounts{Delivered: 1, Invalid: 1, Quarantined: 2}
		if b.Counts != want || b.Status != models.BatchQuarantined || b.QuarantineReason != "3 buyers reported keys invalid" ||
			b.QuarantinedAt == nil || b.SKU != "GC-10" || b.ProductName != "Gift card" || b.KeyCount != 4 {
			t.Fatalf("quarantined batch %+v", b)
		}
		if list[1].Counts != (store.KeyCounts{Available: 2}) {
			t.Fatalf("first batch counts %+v", list[1].Counts)
		}
		if q, _ := f.svc.Batches(f.ctx, f.m.ID, store.BatchFilter{Status: models.BatchQuarantined}); len(q) != 1 || q[0].ID != rep.BatchID {
			t.Fatalf("quarantined filter: %+v", q)
		}
		if p, _ := f.svc.Batches(f.ctx, f.m.ID, store.BatchFilter{Limit: 1, BeforeID: rep.BatchID}); len(p) != 1 || p[0].ID != first.BatchID {
			t.Fatalf("second page: %+v", p)
		}
		other := models.Merchant{Slug: "other", Name: "Other", Timezone: "UTC"}
		f.must(s.DB(f.ctx).Create(&other).Error)
		if o, _ := f.svc.Batches(f.ctx, other.ID, store.BatchFilter{}); len(o) != 0 {
			t.Fatalf("another merchant sees %d batches", len(o))
		}

		if _, err := f.svc.Release(f.ctx, other.ID, rep.BatchID, "not mine", inventory.QuarantineActor{}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("release by another merchant: %v", err)
		}
		if _, err := f.svc.Release(f.ctx, f.m.ID, rep.BatchID, " ", inventory.QuarantineActor{}); err == nil {
			t.Fatal("release without a reason")
		}
		rel, err := f.svc.Release(f.ctx, f.m.ID, rep.BatchID, "supplier confirmed", inventory.QuarantineActor{UserID: 7, Email: "admin@shop", IP: "192.0.2.1"})
		if err != nil || rel.KeysRestored != 2 || !rel.Changed {
			t.Fatalf("release = %+v, %v", rel, err)
		}
		if n := f.count(&models.CardKey{}, "batch_id = ? AND status = ?", rep.BatchID, models.KeyAvailable); n != 2 {
			t.Fatalf("%d available after release, want 2", n)
		}
		if n := f.count(&models.CardKey{}, "batch_id = ? AND status IN ?", rep.BatchID, []string{models.KeyDelivered, models.KeyReportedInvalid}); n != 2 {
			t.Fatalf("release touched delivered or reported keys")
		}
		bb, _ := s.KeyBatchByID(f.ctx, f.m.ID, rep.BatchID)
		if bb.Status != models.BatchActive || bb.QuarantinedAt != nil || bb.QuarantineReason != "" {
			t.Fatalf("released batch %+v", bb)
		}
		var a models.AuditEntry
		f.must(s.DB(f.ctx).Where("action = ? AND target_id = ?", "batch.release", fmt.Sprint(rep.BatchID)).Take(&a).Error)
		if a.ActorID == nil || *a.ActorID != 7 || a.ActorEmail != "admin@shop" || !strings.Contains(string(a.Data), "supplier confirmed") ||
			!strings.Contains(string(a.Data), "3 buyers reported") {
			t.Fatalf("audit %+v data %s", a, a.Data)
		}
		again, err := f.svc.Release(f.ctx, f.m.ID, rep.BatchID, "again", inventory.QuarantineActor{})
		if err != nil || again.Changed || again.KeysRestored != 0 {
			t.Fatalf("second release = %+v, %v", again, err)
		}
		if n := f.count(&models.AuditEntry{}, "action = ?", "batch.release"); n != 1 {
			t.Fatalf("%d release audits, want 1", n)
		}
	})
}

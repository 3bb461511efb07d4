package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// TestManualChecksOnBothDialects: the per-address cap ignores case, the shop has a cap of its
// own, a repeated submission is
// stored once, open checks list oldest first, a check is handled once (two agents cannot both
// accept it), a decision that fails leaves it open, another shop's check is not found, and the
// purge deletes handled checks only.
func TestManualChecksOnBothDialects(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := macroMerchant(t, s, "mc-a"), macroMerchant(t, s, "mc-b")
		t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		var ids []uint64
		for i, email := range []string{"Typo@x.test", "typo@x.test", "TYPO@X.TEST"} {
			mc := models.ManualCheck{MerchantID: a, OrderNo: "A-1", Email: email, Description: fmt.Sprint("text ", i), CreatedAt: t0.Add(time.Duration(-i) * time.Minute)}
			if err := s.AddManualCheck(ctx, &mc); err != nil || mc.Status != models.ManualCheckOpen {
				t.Fatalf("add %d: %v %q", i, err, mc.Status)
			}
			ids = append(ids, mc.ID)
		}
		again := models.ManualCheck{MerchantID: a, OrderNo: "A-1", Email: "typo@X.test", Description: "text 1", CreatedAt: t0}
		if err := s.AddManualCheck(ctx, &again); err != nil || again.ID != ids[1] {
			t.Fatalf("the same submission again: id %d (want %d), %v", again.ID, ids[1], err)
		}
		if err := s.AddManualCheck(ctx, &models.ManualCheck{MerchantID: a, Email: "typo@x.TEST", CreatedAt: t0}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("fourth open check of one address: %v, want ErrConflict", err)
		}
		if err := s.AddManualCheck(ctx, &models.ManualCheck{MerchantID: b, Email: "typo@x.test", CreatedAt: t0}); err != nil {
			t.Fatalf("the cap is per shop: %v", err)
		}
		defer func(n int) { store.MaxOpenManualChecksPerShop = n }(store.MaxOpenManualChecksPerShop)
		store.MaxOpenManualChecksPerShop = 2 // shop b has one open check
		if err := s.AddManualCheck(ctx, &models.ManualCheck{MerchantID: b, Email: "second@x.test", CreatedAt: t0}); err != nil {
			t.Fatalf("the shop's second check: %v", err)
		}
		if err := s.AddManualCheck(ctx, &models.ManualCheck{MerchantID: b, Email: "third@x.test", CreatedAt: t0}); !errors.Is(err, store.ErrManualChecksFull) {
			t.Fatalf("past the shop's cap: %v, want ErrManualChecksFull", err)
		}
		open, err := s.ManualChecks(ctx, a, models.ManualCheckOpen, 10)
		if err != nil || len(open) != 3 || open[0].ID != ids[2] || open[2].ID != ids[0] {
			t.Fatalf("open, oldest first: %+v %v", open, err)
		}
		ov, err := s.SLAOverview(ctx, a, t0)
		if err != nil || ov.ManualChecksOpen != 3 || ov.OldestManualCheckAt == nil || !ov.OldestManualCheckAt.Equal(t0.Add(-2*time.Minute)) {
			t.Fatalf("the supervisor's overview: %d open, oldest %v, %v", ov.ManualChecksOpen, ov.OldestManualCheckAt, err)
		}

		boom := errors.New("boom")
		_, err = s.HandleManualCheck(ctx, a, ids[0], 7, t0, func(ctx context.Context, mc *models.ManualCheck) error {
			mc.Status = models.ManualCheckRejected
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("failed decision: %v", err)
		}
		if _, err := s.HandleManualCheck(ctx, b, ids[0], 7, t0, reject); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another shop handles it: %v", err)
		}
		got, err := s.HandleManualCheck(ctx, a, ids[0], 7, t0, reject)
		if err != nil || got.Status != models.ManualCheckRejected || got.HandledBy == nil || *got.HandledBy != 7 {
			t.Fatalf("reject after the failed attempt: %+v %v", got, err)
		}
		if _, err := s.HandleManualCheck(ctx, a, ids[0], 8, t0, reject); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("handled twice: %v", err)
		}
		if n, err := s.CountOpenManualChecks(ctx, a); err != nil || n != 2 {
			t.Fatalf("open after one rejection: %d %v", n, err)
		}
		done, err := s.ManualChecks(ctx, a, models.ManualCheckRejected, 10)
		if err != nil || len(done) != 1 || done[0].Reason != "no such order" || done[0].HandledAt == nil {
			t.Fatalf("rejected list: %+v %v", done, err)
		}
		if n, err := s.PurgeManualChecks(ctx, t0, 10); err != nil || n != 0 {
			t.Fatalf("purge before the decision's time: %d %v", n, err)
		}
		if n, err := s.PurgeManualChecks(ctx, t0.Add(time.Second), 10); err != nil || n != 1 {
			t.Fatalf("purge after it: %d %v, want the handled check only", n, err)
		}
		if all, err := s.ManualChecks(ctx, a, "", 10); err != nil || len(all) != 2 || all[0].Status != models.ManualCheckOpen {
			t.Fatalf("left after the purge: %+v %v", all, err)
		}
	})
}

func reject(_ context.Context, mc *models.ManualCheck) error {
	mc.Status, mc.Reason = models.ManualCheckRejected, "no such order"
	return nil
}

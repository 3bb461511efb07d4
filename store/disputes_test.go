package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

func TestDisputeLifecycle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newPayFixture(t, s, "d1")
		due := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
		d := &models.Dispute{MerchantID: f.merchant, TicketID: f.ticket, OrderID: f.order, GatewayCaseID: "CASE-1",
			Reason: "fraudulent", Amount: 2000, Currency: "EUR", EvidenceDueBy: due, Status: models.DisputeOpen}
		if created, err := s.CreateDispute(ctx, d); err != nil || !created {
			t.Fatalf("create: %v %v", created, err)
		}
		dup := &models.Dispute{MerchantID: f.merchant, TicketID: f.ticket, OrderID: f.order, GatewayCaseID: "CASE-1", EvidenceDueBy: due}
		if created, err := s.CreateDispute(ctx, dup); err != nil || created || dup.ID != d.ID {
			t.Fatalf("replay: %v %v %d", created, err, dup.ID)
		}
		at := due.Add(-48 * time.Hour)
		if _, err := s.SubmitDispute(ctx, f.merchant, d.ID, at); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("submit before sign-off: %v", err)
		}
		if _, err := s.SignOffDispute(ctx, f.merchant, d.ID, 9, at); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("sign-off without a report: %v", err)
		}
		if err := s.SaveDisputeReport(ctx, f.merchant, d.ID, models.JSON(`{"v":1}`), at); err != nil {
			t.Fatal(err)
		}
		if changed, err := s.SignOffDispute(ctx, f.merchant, d.ID, 9, at); err != nil || !changed {
			t.Fatalf("sign off: %v %v", changed, err)
		}
		if changed, err := s.SignOffDispute(ctx, f.merchant, d.ID, 9, at); err != nil || changed {
			t.Fatalf("second sign off must be a no-op: %v %v", changed, err)
		}
		if err := s.SaveDisputeReport(ctx, f.merchant, d.ID, models.JSON(`{"v":2}`), at); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("a signed report must be frozen: %v", err)
		}
		if changed, err := s.SubmitDispute(ctx, f.merchant, d.ID, at); err != nil || !changed {
			t.Fatalf("submit: %v %v", changed, err)
		}
		if changed, err := s.SetDisputeOutcome(ctx, f.merchant, d.ID, models.DisputeLost, at); err != nil || !changed {
			t.Fatalf("outcome: %v %v", changed, err)
		}
		if _, err := s.SetDisputeOutcome(ctx, f.merchant, d.ID, models.DisputeWon, at); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("conflicting outcome: %v", err)
		}
		got, err := s.DisputeByTicket(ctx, f.merchant, f.ticket)
		if err != nil || got.Status != models.DisputeLost || got.SignedOffBy == nil || *got.SignedOffBy != 9 || string(got.Report) != `{"v":1}` {
			t.Fatalf("stored = %+v %v", got, err)
		}
		if _, err := s.DisputeByID(ctx, f.merchant+1000, d.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another merchant must not see the dispute: %v", err)
		}
	})
}

func TestPriorUndisputedOrders(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newPayFixture(t, s, "d2")
		o, _ := s.OrderByID(ctx, f.merchant, f.order)
		mk := func(no, email, ip, dev string, ago time.Duration) uint64 {
			x := models.Order{MerchantID: f.merchant, OrderNo: no, ProductID: f.product, Quantity: 1, Amount: 1000, Currency: "EUR",
				BuyerEmail: email, BuyerIP: ip, DeviceID: dev, PaidAt: o.PaidAt.Add(-ago), Status: models.OrderDelivered}
			payCreate(t, s, &x)
			return x.ID
		}
		sameIP := mk("P-IP", "bob@example.com", "203.0.113.7", "dev-x", 48*time.Hour)
		sameDev := mk("P-DEV", "bob@example.com", "198.51.100.1", "dev-1", 24*time.Hour)
		mk("P-NONE", "bob@example.com", "198.51.100.2", "dev-y", 12*time.Hour)
		mk("P-OTHER", "eve@example.com", "203.0.113.7", "dev-1", 12*time.Hour)
		mk("P-LATER", "bob@example.com", "203.0.113.7", "dev-1", -time.Hour)
		disputed := mk("P-DISP", "bob@example.com", "203.0.113.7", "dev-1", 72*time.Hour)
		payCreate(t, s, &models.Dispute{MerchantID: f.merchant, TicketID: f.ticket, OrderID: disputed, GatewayCaseID: "C-old", EvidenceDueBy: o.PaidAt})
		got, err := s.PriorUndisputedOrders(ctx, o, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != sameDev || got[1].ID != sameIP {
			t.Fatalf("related = %+v, want P-DEV then P-IP", got)
		}
		if !got[0].SameDevice || got[0].SameIP || !got[1].SameIP || got[1].SameDevice {
			t.Fatalf("match flags wrong: %+v", got)
		}
	})
}

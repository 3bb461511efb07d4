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

func TestListDisputes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f, other := newPayFixture(t, s, "l1"), newPayFixture(t, s, "l2")
		base := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
		// Created in this order; due in the order c3, c1 = c5 (same time: by id), c2, c4.
		mk := func(m, ticket, order uint64, caseID, status string, dueDays int) uint64 {
			if ticket == 0 {
				tk := models.Ticket{MerchantID: m, Ref: "KD-" + caseID, OrderID: &order, Category: "dispute", Status: models.StatusOpen,
					Priority: models.PriorityNormal, Queue: models.QueueDisputes}
				payCreate(t, s, &tk)
				ticket = tk.ID
			}
			d := models.Dispute{MerchantID: m, TicketID: ticket, OrderID: order, GatewayCaseID: caseID, Reason: "fraudulent", Amount: 500,
				Currency: "EUR", EvidenceDueBy: base.AddDate(0, 0, dueDays), Status: status, Report: models.JSON(`{"big":true}`)}
			payCreate(t, s, &d)
			return d.ID
		}
		c1 := mk(f.merchant, f.ticket, f.order, "C1", models.DisputeReady, 2)
		c2 := mk(f.merchant, 0, f.order, "C2", models.DisputeLost, 3)
		c3 := mk(f.merchant, 0, f.order, "C3", models.DisputeOpen, 1)
		c4 := mk(f.merchant, 0, f.order, "C4", models.DisputeSignedOff, 4)
		c5 := mk(f.merchant, 0, f.order, "C5", models.DisputeSubmitted, 2)
		mk(other.merchant, other.ticket, other.order, "X1", models.DisputeReady, 0)

		ids := func(rows []store.DisputeRow) []uint64 {
			out := []uint64{}
			for _, r := range rows {
				out = append(out, r.ID)
			}
			return out
		}
		all := func(filter store.DisputeFilter) []uint64 {
			var got []uint64
			for page := 0; page < 10; page++ {
				rows, next, err := s.ListDisputes(ctx, filter)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, ids(rows)...)
				if next == nil {
					return got
				}
				filter.After = next
			}
			t.Fatal("pagination does not end")
			return nil
		}
		for name, tc := range map[string]struct {
			filter store.DisputeFilter
			want   []uint64
		}{
			"newest first, pages of 3":  {store.DisputeFilter{MerchantID: f.merchant, Limit: 3}, []uint64{c5, c4, c3, c2, c1}},
			"due first, pages of 1":     {store.DisputeFilter{MerchantID: f.merchant, ByDue: true, Limit: 1}, []uint64{c3, c1, c5, c2, c4}},
			"due first, pages of 2":     {store.DisputeFilter{MerchantID: f.merchant, ByDue: true, Limit: 2}, []uint64{c3, c1, c5, c2, c4}},
			"status filter":             {store.DisputeFilter{MerchantID: f.merchant, Statuses: []string{models.DisputeReady, models.DisputeSignedOff}}, []uint64{c4, c1}},
			"ticket filter":             {store.DisputeFilter{MerchantID: f.merchant, TicketID: f.ticket}, []uint64{c1}},
			"another merchant's ticket": {store.DisputeFilter{MerchantID: f.merchant, TicketID: other.ticket}, []uint64(nil)},
		} {
			t.Run(name, func(t *testing.T) {
				if got := all(tc.filter); fmt.Sprint(got) != fmt.Sprint(tc.want) {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			})
		}
		rows, _, err := s.ListDisputes(ctx, store.DisputeFilter{MerchantID: f.merchant, TicketID: f.ticket})
		if err != nil || len(rows) != 1 {
			t.Fatalf("rows %v %v", rows, err)
		}
		r := rows[0]
		if r.OrderNo != "ORD-l1" || r.TicketRef != "KD-l1" || r.GatewayCaseID != "C1" || r.Amount != 500 || r.Report != nil || !r.EvidenceDueBy.Equal(base.AddDate(0, 0, 2)) {
			t.Fatalf("row = %+v", r)
		}
	})
}

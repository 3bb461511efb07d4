package activities_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/fraud"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// claimBurst runs the workflow's automatic path (assess, then reissue on allow) for every
// ticket at once and returns the assessments and reissue results.
func claimBurst(t *testing.T, f *riFixture, tickets []models.Ticket) ([]activities.KeyClaimAssessment, []activities.ReissueResult) {
	t.Helper()
	as := make([]activities.KeyClaimAssessment, len(tickets))
	rs := make([]activities.ReissueResult, len(tickets))
	errs := make([]error, len(tickets))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range tickets {
		wg.Go(func() {
			<-start
			ctx := context.Background()
			as[i], errs[i] = f.act.AssessKeyClaim(ctx, activities.KeyClaimInput{TicketID: tickets[i].ID})
			if errs[i] != nil || !as[i].Assessment.AutoReissue() {
				return
			}
			rs[i], errs[i] = f.act.ReissueKey(ctx, activities.ReissueInput{TicketID: tickets[i].ID})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("ticket %d: %v", tickets[i].ID, err)
		}
	}
	return as, rs
}

// burstTickets makes `orders` delivered orders with `perOrder` key_invalid claims each, all
// by the order's buyer and all created at the same instant (a burst: none of them sees
// the others as earlier claims).
func burstTickets(f *riFixture, orders, perOrder int) ([]models.Ticket, map[uint64]uint64) {
	var tickets []models.Ticket
	orderOf := map[uint64]uint64{}
	for i := range orders {
		b := riBuyer{email: fmt.Sprintf("buyer%d@example.com", i), ip: fmt.Sprintf("198.51.%d.7", i), device: fmt.Sprintf("dev-%d", i)}
		o, _ := f.order(b, f.initial, f.now.Add(-time.Hour))
		for range perOrder {
			tk := f.ticket(&o, b, "key_invalid", f.now)
			tickets = append(tickets, tk)
			orderOf[tk.ID] = o.ID
		}
	}
	return tickets, orderOf
}

// TestAutoReissueOncePerOrderBurst: 100 claims on 20 orders at once. Each order gets one
// automatic replacement; every further claim is sent to a person (review), and the
// database agrees: at most one reissue delivery per order.
func TestAutoReissueOncePerOrderBurst(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, false)
		f.addStock(200)
		tickets, orderOf := burstTickets(f, 20, 5)
		as, rs := claimBurst(t, f, tickets)
		allowed, review, delivered := 0, 0, 0
		perOrder := map[uint64]int{}
		for i := range tickets {
			switch as[i].Assessment.Decision {
			case fraud.Allow:
				allowed++
			case fraud.Review:
				review++
			}
			if rs[i].Status == activities.ReissueDelivered {
				delivered++
				perOrder[orderOf[tickets[i].ID]]++
			}
		}
		for o, n := range perOrder {
			if n > 1 {
				t.Errorf("order %d got %d automatic replacements", o, n)
			}
		}
		if delivered != 20 || allowed != 20 || review != 80 {
			t.Errorf("allowed %d, review %d, delivered %d; want 20, 80, 20", allowed, review, delivered)
		}
		if n := f.count(&models.Delivery{}, "kind = ?", models.DeliveryReissue); n != 20 {
			t.Errorf("reissue deliveries in the database = %d, want 20", n)
		}
		if n := f.count(&models.AutoReissue{}, "status = ?", models.AutoReissueDelivered); n != 20 {
			t.Errorf("delivered automatic slots = %d, want 20", n)
		}
	})
}

// TestAutoReissueGuardInAllocation: the allocation transaction enforces the limit on its
// own. 100 ReissueKey calls at once on 20 orders, with no assessment in front (as if the
// scoring had allowed them all): one replacement per order, the other 80 blocked for a
// person, and the database holds exactly 20 reissue deliveries.
func TestAutoReissueGuardInAllocation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, false)
		f.addStock(200)
		tickets, orderOf := burstTickets(f, 20, 5)
		rs := make([]activities.ReissueResult, len(tickets))
		errs := make([]error, len(tickets))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range tickets {
			wg.Go(func() {
				<-start
				rs[i], errs[i] = f.act.ReissueKey(context.Background(), activities.ReissueInput{TicketID: tickets[i].ID})
			})
		}
		close(start)
		wg.Wait()
		perOrder := map[uint64]int{}
		delivered, blocked := 0, 0
		for i, r := range rs {
			if errs[i] != nil {
				t.Fatalf("ticket %d: %v", tickets[i].ID, errs[i])
			}
			switch r.Status {
			case activities.ReissueDelivered:
				delivered++
				perOrder[orderOf[tickets[i].ID]]++
			case activities.ReissueBlocked:
				blocked++
				if r.Reason != activities.OrderReplacedBlockReason {
					t.Errorf("blocked for %q", r.Reason)
				}
			}
		}
		for o, n := range perOrder {
			if n > 1 {
				t.Errorf("order %d got %d automatic replacements", o, n)
			}
		}
		if delivered != 20 || blocked != 80 {
			t.Errorf("delivered %d, blocked %d; want 20 and 80", delivered, blocked)
		}
		if n := f.count(&models.Delivery{}, "kind = ?", models.DeliveryReissue); n != 20 {
			t.Errorf("reissue deliveries in the database = %d, want 20", n)
		}
	})
}

// TestAutoReissueLimitPerMerchant: a merchant allowing two automatic replacements per
// order gets two, not three.
func TestAutoReissueLimitPerMerchant(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, false)
		f.must(s.DB(f.ctx).Model(&f.m).Update("settings", models.JSON(`{"auto_reissues_per_order":2}`)).Error)
		f.addStock(20)
		tickets, _ := burstTickets(f, 1, 3)
		_, rs := claimBurst(t, f, tickets)
		delivered := 0
		for _, r := range rs {
			if r.Status == activities.ReissueDelivered {
				delivered++
			}
		}
		if delivered != 2 {
			t.Errorf("delivered %d replacements with a limit of 2", delivered)
		}
	})
}

// TestPriorReissuesCountPending: a replacement allowed but not yet delivered counts as a
// prior reissue of the buyer, and as a replacement of the order.
func TestPriorReissuesCountPending(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, false)
		f.addStock(5)
		b := riBuyer{email: "x@example.com", ip: "203.0.113.9", device: "dev-x"}
		o1, _ := f.order(b, f.initial, f.now.Add(-2*time.Hour))
		o2, _ := f.order(b, f.initial, f.now.Add(-2*time.Hour))
		t1 := f.ticket(&o1, b, "key_invalid", f.now.Add(-time.Minute))
		a1, err := f.act.AssessKeyClaim(f.ctx, activities.KeyClaimInput{TicketID: t1.ID})
		if err != nil || a1.Assessment.Decision != fraud.Allow {
			t.Fatalf("first claim: %v %+v", err, a1.Assessment)
		}
		// Not delivered yet. A second claim on the other order, and one on the same order:
		t2 := f.ticket(&o2, b, "key_invalid", f.now)
		c2, err := s.LoadClaim(f.ctx, t2.ID, false)
		f.must(err)
		sig, err := f.act.GatherSignals(f.ctx, c2)
		f.must(err)
		if sig.ReissuesByEmail90d != 1 {
			t.Errorf("prior reissues by email = %d, want 1 (the pending one)", sig.ReissuesByEmail90d)
		}
		t3 := f.ticket(&o1, b, "key_invalid", f.now)
		c3, err := s.LoadClaim(f.ctx, t3.ID, false)
		f.must(err)
		sig, err = f.act.GatherSignals(f.ctx, c3)
		f.must(err)
		if sig.OrderReplacements != 1 {
			t.Errorf("order replacements = %d, want 1 (pending)", sig.OrderReplacements)
		}
		a3, err := f.act.AssessKeyClaim(f.ctx, activities.KeyClaimInput{TicketID: t3.ID})
		f.must(err)
		if a3.Assessment.AutoReissue() {
			t.Errorf("second claim on an order with a pending replacement allowed: %+v", a3.Assessment)
		}
	})
}

// TestBatchReportsCountTheClaimedKey: three orders whose original keys came from batch A
// get replacements from the stock batch; one of those buyers claims again, about the
// replacement. The stock batch has one reporter (the claimant), not three: no
// supplier-problem credit and no quarantine.
func TestBatchReportsCountTheClaimedKey(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, false)
		f.addStock(50)
		var buyers []riBuyer
		var orders []models.Order
		for i := range 3 {
			b := riBuyer{email: fmt.Sprintf("r%d@example.com", i), ip: fmt.Sprintf("198.51.%d.7", 10+i), device: fmt.Sprintf("dev-r%d", i)}
			o, _ := f.order(b, f.initial, f.now.Add(-48*time.Hour))
			tk := f.ticket(&o, b, "key_invalid", f.now.Add(-24*time.Hour))
			f.now = f.now.Add(time.Second)
			a, err := f.act.AssessKeyClaim(f.ctx, activities.KeyClaimInput{TicketID: tk.ID})
			f.must(err)
			if !a.Assessment.AutoReissue() {
				t.Fatalf("setup claim %d not allowed: %+v", i, a.Assessment)
			}
			r, err := f.act.ReissueKey(f.ctx, activities.ReissueInput{TicketID: tk.ID})
			f.must(err)
			if r.Status != activities.ReissueDelivered {
				t.Fatalf("setup reissue %d: %+v", i, r)
			}
			buyers, orders = append(buyers, b), append(orders, o)
		}
		tk := f.ticket(&orders[0], buyers[0], "key_invalid", f.now)
		c, err := s.LoadClaim(f.ctx, tk.ID, false)
		f.must(err)
		if c.ReportedKey == nil || c.ReportedKey.BatchID != f.batch.ID {
			t.Fatalf("the second claim should be about the stock replacement")
		}
		a, err := f.act.AssessKeyClaim(f.ctx, activities.KeyClaimInput{TicketID: tk.ID})
		f.must(err)
		for _, h := range a.Assessment.Hits {
			if h.Rule == fraud.RuleBatchInvalid {
				t.Errorf("supplier credit from replacements handed to other orders: %+v", h)
			}
		}
		if b, _ := s.KeyBatchByID(f.ctx, f.m.ID, f.batch.ID); b.Status != models.BatchActive {
			t.Errorf("stock batch %s after one buyer's second claim, want active", b.Status)
		}
		if n := f.count(&models.CardKey{}, "batch_id = ? AND status = ?", f.batch.ID, models.KeyQuarantined); n != 0 {
			t.Errorf("%d stock keys withdrawn", n)
		}
	})
}

// TestBatchReportsLinkedCountOnce: a ring of three sibling mailboxes on one device reports
// keys of a batch; an unrelated buyer's claim sees one other reporter, not three, and a
// fourth mailbox of the ring sees only the unrelated buyer.
func TestBatchReportsLinkedCountOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, false)
		f.must(s.DB(f.ctx).Model(&f.m).Update("settings", models.JSON(`{"quarantine_after_invalid_reports":0}`)).Error)
		f.addStock(10)
		for i := range 3 {
			b := riBuyer{email: fmt.Sprintf("ring.%d@example.net", i), ip: fmt.Sprintf("203.0.%d.5", 100+i*3), device: "dev-ring"}
			o, _ := f.order(b, f.initial, f.now.Add(-48*time.Hour))
			tk := f.ticket(&o, b, "key_invalid", f.now.Add(-time.Duration(10-i)*time.Hour))
			_, err := f.act.AssessKeyClaim(f.ctx, activities.KeyClaimInput{TicketID: tk.ID})
			f.must(err)
		}
		gather := func(b riBuyer) fraud.Signals {
			o, _ := f.order(b, f.initial, f.now.Add(-2*time.Hour))
			tk := f.ticket(&o, b, "key_invalid", f.now)
			c, err := s.LoadClaim(f.ctx, tk.ID, false)
			f.must(err)
			sig, err := f.act.GatherSignals(f.ctx, c)
			f.must(err)
			return sig
		}
		if sig := gather(riBuyer{email: "honest@example.org", ip: "192.0.2.44", device: "dev-honest"}); sig.BatchInvalidReports != 1 {
			t.Errorf("unrelated buyer sees %d batch reporters, want 1 (the ring counts once)", sig.BatchInvalidReports)
		}
		// The unrelated buyer's claim above is a report too; the ring is linked to the claimant.
		sig := gather(riBuyer{email: "ring.9@example.net", ip: "198.18.0.1", device: "dev-ring"})
		if sig.BatchInvalidReports != 1 {
			t.Errorf("ring member sees %d batch reporters, want 1 (the unrelated buyer; the ring is itself)", sig.BatchInvalidReports)
		}
		// The ring's claims come from the claimant's device: counted as claims by device
		// (repeat_claims), the cluster names the mailboxes.
		if sig.ClusterMailboxes < 3 || sig.ClaimsByDevice30d < 3 || sig.DeviceMailboxes < 4 {
			t.Errorf("ring member cluster: mailboxes %d, claims by device %d, device mailboxes %d; want >= 3, 3, 4",
				sig.ClusterMailboxes, sig.ClaimsByDevice30d, sig.DeviceMailboxes)
		}
	})
}

// TestPersonApprovedReissueNotLimited: the per-order limit binds automatic replacements
// only. A claim a risk agent approved (stored decision review) still gets its key on an
// order that already used its automatic one.
func TestPersonApprovedReissueNotLimited(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, false)
		f.addStock(5)
		tickets, _ := burstTickets(f, 1, 2)
		as, rs := claimBurst(t, f, tickets)
		var second int
		for i := range tickets {
			if rs[i].Status != activities.ReissueDelivered {
				second = i
			}
		}
		if as[second].Assessment.Decision != fraud.Review {
			t.Fatalf("second claim on the order: %+v, want review", as[second].Assessment)
		}
		r, err := f.act.ReissueKey(f.ctx, activities.ReissueInput{TicketID: tickets[second].ID})
		f.must(err)
		if r.Status != activities.ReissueDelivered {
			t.Fatalf("approved reissue: %+v, want delivered", r)
		}
	})
}

// TestProxyAddressLinksNobody: behind a proxy keydesk does not trust (or in a test), every
// buyer arrives from 127.0.0.1 without a device id. Those claims are not one buyer's: ten
// unrelated buyers claiming one after the other are all allowed (found by the reissue
// benchmark, whose clients all come from loopback).
func TestProxyAddressLinksNobody(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, false)
		f.addStock(20)
		for i := range 10 {
			b := riBuyer{email: fmt.Sprintf("far%d@example.com", i), ip: "127.0.0.1"}
			o, _ := f.order(riBuyer{email: b.email, ip: fmt.Sprintf("198.18.0.%d", i+1)}, f.initial, f.now.Add(-time.Hour))
			tk := f.ticket(&o, b, "key_invalid", f.now)
			f.now = f.now.Add(time.Minute)
			a, err := f.act.AssessKeyClaim(f.ctx, activities.KeyClaimInput{TicketID: tk.ID})
			f.must(err)
			if !a.Assessment.AutoReissue() {
				t.Fatalf("claim %d from loopback: %+v", i, a.Assessment)
			}
			r, err := f.act.ReissueKey(f.ctx, activities.ReissueInput{TicketID: tk.ID})
			f.must(err)
			if r.Status != activities.ReissueDelivered {
				t.Fatalf("claim %d: %+v", i, r)
			}
		}
	})
}

// TestBusySharedNetwork: an office or carrier address from which thirty other buyers
// ordered this month and four claimed is a shared network, not a ring: a claim from it is
// not charged with their claims. Five mailboxes on one address that all claimed are.
func TestBusySharedNetwork(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, false)
		f.addStock(20)
		claimFrom := func(b riBuyer, at time.Time) models.Ticket {
			o, _ := f.order(b, f.initial, at.Add(-time.Hour))
			return f.ticket(&o, b, "key_invalid", at)
		}
		gather := func(tk models.Ticket) fraud.Signals {
			c, err := s.LoadClaim(f.ctx, tk.ID, false)
			f.must(err)
			sig, err := f.act.GatherSignals(f.ctx, c)
			f.must(err)
			return sig
		}
		office := "203.0.113.77"
		for i := range 30 {
			b := riBuyer{email: fmt.Sprintf("staff%d@corp.example", i), ip: office, device: fmt.Sprintf("dev-o%d", i)}
			if i%8 == 0 {
				claimFrom(b, f.now.Add(-time.Duration(i+1)*24*time.Hour))
			} else {
				f.order(b, f.initial, f.now.Add(-time.Duration(i+1)*12*time.Hour))
			}
		}
		sig := gather(claimFrom(riBuyer{email: "me@corp.example", ip: office, device: "dev-me"}, f.now))
		if !sig.SharedNetwork || sig.ClusterClaims90d != 0 {
			t.Errorf("office address: shared %v, cluster claims %d; want true, 0", sig.SharedNetwork, sig.ClusterClaims90d)
		}
		if a := fraud.Assess(sig, fraud.DefaultThresholds()); a.Decision != fraud.Allow {
			t.Errorf("claim from a busy office address: %+v", a)
		}

		ring := "198.51.100.66"
		for i := range 5 {
			claimFrom(riBuyer{email: fmt.Sprintf("ring%d@example.net", i), ip: ring, device: fmt.Sprintf("dev-r%d", i)}, f.now.Add(-time.Duration(i+1)*time.Hour))
		}
		sig = gather(claimFrom(riBuyer{email: "ring9@example.net", ip: ring, device: "dev-r9"}, f.now))
		if sig.SharedNetwork || sig.ClusterClaims90d != 5 {
			t.Errorf("ring address: shared %v, cluster claims %d; want false, 5", sig.SharedNetwork, sig.ClusterClaims90d)
		}
	})
}

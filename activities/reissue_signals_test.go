package activities_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/fraud"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

const day = 24 * time.Hour

// TestGatherSignals seeds rows around one claim and checks each gathered signal. The claim
// is a key_invalid ticket by buyer "me" on order o, created at f.now.
func TestGatherSignals(t *testing.T) {
	me := riBuyer{email: "me@example.com", ip: "203.0.113.5", device: "dev-me"}
	// Each other buyer on its own /24: buyers in one network within days count as linked.
	other := func(i int) riBuyer {
		return riBuyer{email: fmt.Sprintf("other%d@example.com", i), ip: fmt.Sprintf("192.0.%d.2", i), device: fmt.Sprintf("dev-%d", i)}
	}
	cases := []struct {
		name  string
		claim string
		seed  func(f *riFixture, o models.Order, k models.CardKey)
		check func(t *testing.T, s fraud.Signals)
	}{
		{"clean buyer", "key_invalid", nil, func(t *testing.T, s fraud.Signals) {
			want := fraud.Signals{Kind: fraud.ClaimInvalid, ClaimIP: me.ip, OrderIP: me.ip, OrderAmount: 1000, ProductNormAmount: 1000, OrderQuantity: 1, OrdersByEmail24h: 1}
			want.ClaimAt = s.ClaimAt
			// 2026-12.1 signals of a clean first-time buyer: own device, one order, nothing linked.
			want.DeviceID, want.OrderDeviceID, want.EmailDomain = me.device, me.device, "example.com"
			want.BuyerOrders, want.BuyerFirstOrderAt, want.DeliveredAt = 1, s.BuyerFirstOrderAt, s.DeliveredAt
			want.DeviceMailboxes, want.OrderDeviceMailboxes = 1, 1
			if s.BuyerFirstOrderAt.IsZero() || s.DeliveredAt.IsZero() {
				t.Errorf("first order %v, delivered %v; want both set", s.BuyerFirstOrderAt, s.DeliveredAt)
			}
			if !reflect.DeepEqual(s, want) {
				t.Errorf("signals %+v, want %+v", s, want)
			}
		}},
		{"claims by email in 30 and 90 days", "key_invalid", func(f *riFixture, _ models.Order, _ models.CardKey) {
			o2, _ := f.order(me, f.initial, f.now.Add(-120*day)) // the buyer's other order
			f.ticket(&o2, me, "key_missing", f.now.Add(-10*day))
			f.ticket(&o2, me, "refund", f.now.Add(-20*day))
			f.ticket(&o2, me, "dispute", f.now.Add(-60*day))
			f.ticket(&o2, me, "key_invalid", f.now.Add(-100*day)) // too old
			f.ticket(&o2, me, "account", f.now.Add(-1*day))       // not a claim
		}, func(t *testing.T, s fraud.Signals) {
			if s.ClaimsByEmail30d != 2 || s.ClaimsByEmail90d != 3 {
				t.Errorf("by email 30d/90d = %d/%d, want 2/3", s.ClaimsByEmail30d, s.ClaimsByEmail90d)
			}
			if s.ClaimsByIP30d != 2 || s.ClaimsByDevice90d != 3 {
				t.Errorf("by IP 30d = %d, by device 90d = %d; want 2 and 3 (same buyer)", s.ClaimsByIP30d, s.ClaimsByDevice90d)
			}
		}},
		{"claims by IP and device under other emails", "key_invalid", func(f *riFixture, o models.Order, _ models.CardKey) {
			b := other(1)
			b.ip = me.ip
			f.ticket(nil, b, "key_invalid", f.now.Add(-5*day))
			c := other(2)
			c.device = me.device
			f.ticket(nil, c, "key_missing", f.now.Add(-40*day))
		}, func(t *testing.T, s fraud.Signals) {
			if s.ClaimsByEmail90d != 0 || s.ClaimsByIP30d != 1 || s.ClaimsByIP90d != 1 || s.ClaimsByDevice30d != 0 || s.ClaimsByDevice90d != 1 {
				t.Errorf("signals %+v", s)
			}
		}},
		{"earlier reissues and refunds", "key_invalid", func(f *riFixture, _ models.Order, _ models.CardKey) {
			o, _ := f.order(me, f.initial, f.now.Add(-30*day)) // the buyer's other order
			old := f.ticket(&o, me, "key_invalid", f.now.Add(-20*day))
			f.replaced(o, old, f.now.Add(-20*day))
			for i, st := range []string{models.RefundSucceeded, models.RefundRejected} {
				f.must(f.s.DB(f.ctx).Create(&models.Refund{MerchantID: f.m.ID, TicketID: old.ID, OrderID: o.ID, OutRefundNo: fmt.Sprintf("R-%d", i),
					Amount: 100, Currency: "USD", Status: st, CreatedAt: f.now.Add(-10 * day)}).Error)
			}
		}, func(t *testing.T, s fraud.Signals) {
			if s.ReissuesByEmail90d != 1 || s.RefundsByEmail90d != 1 {
				t.Errorf("reissues %d refunds %d, want 1 and 1 (a rejected refund does not count)", s.ReissuesByEmail90d, s.RefundsByEmail90d)
			}
		}},
		{"the claim's own order is counted by the order's rules, not as the buyer's history", "key_invalid", func(f *riFixture, o models.Order, _ models.CardKey) {
			old := f.ticket(&o, me, "key_invalid", f.now.Add(-3*day))
			f.replaced(o, old, f.now.Add(-3*day))
		}, func(t *testing.T, s fraud.Signals) {
			if s.ClaimsByEmail30d != 0 || s.ClaimsByIP30d != 0 || s.ClaimsByDevice90d != 0 || s.ReissuesByEmail90d != 0 {
				t.Errorf("buyer history %+v counts the same order's claim", s)
			}
			if s.OrderClaims != 1 || s.OrderReplacements != 1 {
				t.Errorf("order claims %d, replacements %d; want 1 and 1", s.OrderClaims, s.OrderReplacements)
			}
			if a := fraud.Assess(s, fraud.DefaultThresholds()); a.Decision != fraud.Review {
				t.Errorf("a second claim on a replaced order: %s (%+v), want review: a person decides", a.Decision, a.Hits)
			}
		}},
		{"the buyer's own mailbox under another spelling counts as the buyer's history", "key_missing", func(f *riFixture, _ models.Order, _ models.CardKey) {
			variant := me
			variant.email = "Me+old@example.com" // normalises to me@example.com
			o2, _ := f.order(variant, f.initial, f.now.Add(-6*day))
			old := f.ticket(&o2, variant, "key_missing", f.now.Add(-5*day))
			f.replaced(o2, old, f.now.Add(-5*day))
			f.ticket(nil, variant, "key_missing", f.now.Add(-100*day)) // too old
			shouted := me
			shouted.email = "ME@EXAMPLE.COM" // the literal look-up finds it (case-insensitive on both databases): counted once
			f.ticket(nil, shouted, "key_invalid", f.now.Add(-40*day))
		}, func(t *testing.T, s fraud.Signals) {
			if s.ClaimsByEmail30d != 1 || s.ClaimsByEmail90d != 2 || s.ReissuesByEmail90d != 1 {
				t.Errorf("by email 30d/90d %d/%d, reissues %d; want 1/2 and 1 on every database", s.ClaimsByEmail30d, s.ClaimsByEmail90d, s.ReissuesByEmail90d)
			}
			if s.ClusterMailboxes != 0 {
				t.Errorf("the buyer's own spelling counted as another mailbox: %d", s.ClusterMailboxes)
			}
		}},
		{"a claim on an order already refunded", "key_missing", func(f *riFixture, o models.Order, _ models.CardKey) {
			rt := f.ticket(&o, me, "refund", f.now.Add(-2*day))
			for i, st := range []string{models.RefundSucceeded, models.RefundRejected} {
				f.must(f.s.DB(f.ctx).Create(&models.Refund{MerchantID: f.m.ID, TicketID: rt.ID, OrderID: o.ID, OutRefundNo: fmt.Sprintf("RF-%d", i),
					Amount: o.Amount, Currency: "USD", Status: st, CreatedAt: f.now.Add(-day)}).Error)
			}
		}, func(t *testing.T, s fraud.Signals) {
			if s.OrderRefunded != s.OrderAmount || s.OrderAmount == 0 {
				t.Errorf("order refunded %d of %d, want all of it (a rejected refund does not count)", s.OrderRefunded, s.OrderAmount)
			}
			if a := fraud.Assess(s, fraud.DefaultThresholds()); a.Decision != fraud.Deny {
				t.Errorf("a key claim on a refunded order: %s (%+v), want deny", a.Decision, a.Hits)
			}
		}},
		{"revealed key: first reveal from the key and events", "key_missing", func(f *riFixture, o models.Order, k models.CardKey) {
			at := f.now.Add(-2 * day)
			f.must(f.s.SetFirstRevealed(f.ctx, k.ID, at))
			f.must(f.s.DB(f.ctx).Create(&models.KeyEvent{MerchantID: f.m.ID, OrderID: o.ID, CardKeyID: &k.ID, Kind: models.KeyEventRevealed,
				Source: "shop", OccurredAt: f.now.Add(-3 * day)}).Error)
		}, func(t *testing.T, s fraud.Signals) {
			if !s.KeyRevealed || s.Kind != fraud.ClaimMissing || s.ClaimAt.Sub(s.FirstRevealAt) != 3*day {
				t.Errorf("revealed %v kind %s reveal→claim %s; want true, key_missing, 72h", s.KeyRevealed, s.Kind, s.ClaimAt.Sub(s.FirstRevealAt))
			}
			a := fraud.Assess(s, fraud.DefaultThresholds())
			if a.Decision == fraud.Allow {
				t.Errorf("missing-after-reveal claim allowed: %+v", a)
			}
		}},
		{"other buyers' invalid reports in the same batch", "key_invalid", func(f *riFixture, _ models.Order, _ models.CardKey) {
			for i := 1; i <= 2; i++ {
				b := other(i)
				o2, _ := f.order(b, f.initial, f.now.Add(-day))
				f.ticket(&o2, b, "key_invalid", f.now.Add(-time.Hour))
				f.ticket(&o2, b, "key_invalid", f.now.Add(-time.Hour)) // same buyer twice counts once
			}
			b := other(3)
			o3, _ := f.order(b, f.batch, f.now.Add(-day)) // another batch
			f.ticket(&o3, b, "key_invalid", f.now.Add(-time.Hour))
			o4, _ := f.order(me, f.initial, f.now.Add(-2*day)) // myself, other order
			f.ticket(&o4, me, "key_invalid", f.now.Add(-time.Hour))
		}, func(t *testing.T, s fraud.Signals) {
			if s.BatchInvalidReports != 2 {
				t.Errorf("batch reports %d, want 2", s.BatchInvalidReports)
			}
		}},
		{"chargebacks by device", "key_invalid", func(f *riFixture, _ models.Order, _ models.CardKey) {
			b := other(4)
			b.device = me.device
			o2, _ := f.order(b, f.initial, f.now.Add(-200*day))
			tk := f.ticket(&o2, b, "dispute", f.now.Add(-190*day))
			f.must(f.s.DB(f.ctx).Create(&models.Dispute{MerchantID: f.m.ID, TicketID: tk.ID, OrderID: o2.ID, GatewayCaseID: "CB-1",
				Amount: 1000, Currency: "USD", EvidenceDueBy: f.now, Status: models.DisputeLost}).Error)
		}, func(t *testing.T, s fraud.Signals) {
			if s.Chargebacks != 1 {
				t.Errorf("chargebacks %d, want 1", s.Chargebacks)
			}
		}},
		{"order velocity, value, quantity and the buyer's other orders", "key_invalid", func(f *riFixture, o models.Order, _ models.CardKey) {
			for i := 1; i <= 4; i++ {
				f.order(me, f.initial, o.PaidAt.Add(-time.Duration(i)*time.Hour))
			}
			f.order(me, f.initial, o.PaidAt.Add(-30*time.Hour)) // outside 24 h
			f.must(f.s.DB(f.ctx).Model(&o).Updates(map[string]any{"amount": 50000, "quantity": 2}).Error)
		}, func(t *testing.T, s fraud.Signals) {
			if s.OrdersByEmail24h != 5 || s.OrderAmount != 50000 || s.ProductNormAmount != 2000 || s.OrderQuantity != 2 {
				t.Errorf("velocity %d amount %d norm %d quantity %d; want 5, 50000, 2000, 2", s.OrdersByEmail24h, s.OrderAmount, s.ProductNormAmount, s.OrderQuantity)
			}
			if s.BuyerMaxOtherAmount != 1000 { // the buyer's other orders, not the claimed 50000
				t.Errorf("buyer's largest other order %d, want 1000", s.BuyerMaxOtherAmount)
			}
		}},
		{"order velocity counts the orders after the claimed one, up to the claim", "key_invalid", func(f *riFixture, o models.Order, _ models.CardKey) {
			f.order(me, f.initial, o.PaidAt.Add(20*time.Minute)) // the same burst, claimed on the first
			f.order(me, f.initial, o.PaidAt.Add(40*time.Minute))
			f.order(me, f.initial, f.now.Add(time.Hour)) // after the claim: not known when it was filed
		}, func(t *testing.T, s fraud.Signals) {
			if s.OrdersByEmail24h != 3 {
				t.Errorf("velocity %d, want 3 (the order and the two after it before the claim)", s.OrdersByEmail24h)
			}
		}},
		{"another merchant's rows never count", "key_invalid", func(f *riFixture, _ models.Order, _ models.CardKey) {
			m2 := models.Merchant{Slug: "other-shop", Name: "Other"}
			f.must(f.s.DB(f.ctx).Create(&m2).Error)
			f.must(f.s.DB(f.ctx).Create(&models.Ticket{MerchantID: m2.ID, Ref: "X-1", Category: "key_invalid", CustomerEmail: me.email,
				CustomerIP: me.ip, DeviceID: me.device, CreatedAt: f.now.Add(-day)}).Error)
		}, func(t *testing.T, s fraud.Signals) {
			if s.ClaimsByEmail90d+s.ClaimsByIP90d+s.ClaimsByDevice90d != 0 {
				t.Errorf("claims of another merchant counted: %+v", s)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, s *store.Store) {
				f := newRIFixture(t, s, false)
				o, k := f.order(me, f.initial, f.now.Add(-time.Hour))
				if c.seed != nil {
					c.seed(f, o, k)
				}
				tk := f.ticket(&o, me, c.claim, f.now)
				claim, err := s.LoadClaim(f.ctx, tk.ID, false)
				if err != nil {
					t.Fatal(err)
				}
				sig, err := f.act.GatherSignals(f.ctx, claim)
				if err != nil {
					t.Fatal(err)
				}
				c.check(t, sig)
			})
		})
	}
}

// TestAssessKeyClaimStoredAndIdempotent: the assessment is stored with its hits, signals
// and ruleset version, and a second call returns the stored one even when the facts moved.
func TestAssessKeyClaimStoredAndIdempotent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, false)
		me := riBuyer{email: "me@example.com", ip: "203.0.113.5"}
		o, _ := f.order(me, f.initial, f.now.Add(-time.Hour))
		tk := f.ticket(&o, me, "key_invalid", f.now)
		got, err := f.act.AssessKeyClaim(f.ctx, activities.KeyClaimInput{TicketID: tk.ID})
		if err != nil {
			t.Fatal(err)
		}
		if got.OrderID != o.ID || got.SharedKey || got.Assessment.Decision != fraud.Allow || got.Assessment.RulesetVersion != fraud.RulesetVersion {
			t.Fatalf("assessment %+v", got)
		}
		var row models.FraudAssessment
		if err := s.DB(f.ctx).Where("assessment_key = ?", activities.ClaimAssessmentKey(tk.ID)).Take(&row).Error; err != nil {
			t.Fatal(err)
		}
		if row.Decision != "allow" || row.RulesetVersion != fraud.RulesetVersion || len(row.Signals) == 0 || row.TicketID != tk.ID {
			t.Fatalf("stored row %+v", row)
		}
		// Facts change (three chargebacks appear); the stored decision stands.
		for i := range 3 {
			f.must(s.DB(f.ctx).Create(&models.Dispute{MerchantID: f.m.ID, TicketID: tk.ID, OrderID: o.ID, GatewayCaseID: fmt.Sprint("CB-", i),
				EvidenceDueBy: f.now, Status: models.DisputeOpen}).Error)
		}
		again, err := f.act.AssessKeyClaim(f.ctx, activities.KeyClaimInput{TicketID: tk.ID})
		if err != nil || again.Assessment.Decision != got.Assessment.Decision || again.Assessment.Score != got.Assessment.Score {
			t.Fatalf("second call %+v, %v; want the stored %+v", again, err, got)
		}
		var n int64
		f.must(s.DB(f.ctx).Model(&models.FraudAssessment{}).Count(&n).Error)
		if n != 1 {
			t.Fatalf("%d assessments stored, want 1", n)
		}
	})
}

// TestAssessKeyClaimThresholdsAndShared: the merchant's thresholds are used; a shared key
// is reported blocked.
func TestAssessKeyClaimThresholdsAndShared(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, true)
		f.must(s.DB(f.ctx).Model(&f.m).Update("settings", models.JSON(`{"fraud":{"review":5,"deny":90}}`)).Error)
		me := riBuyer{email: "me@example.com", ip: "203.0.113.5"}
		o, _ := f.order(me, f.initial, f.now.Add(-time.Hour))
		claimer := me
		claimer.ip = "198.51.100.1" // different network: +5
		tk := f.ticket(&o, claimer, "key_invalid", f.now)
		got, err := f.act.AssessKeyClaim(f.ctx, activities.KeyClaimInput{TicketID: tk.ID})
		if err != nil {
			t.Fatal(err)
		}
		a := got.Assessment
		if a.Thresholds != (fraud.Thresholds{Review: 5, Deny: 90}) || a.Decision != fraud.Review || !a.Blocked || !got.SharedKey {
			t.Fatalf("assessment %+v", got)
		}
	})
}

// TestAutoQuarantine: the third distinct buyer reporting keys of one batch invalid
// quarantines it (available keys withdrawn, notification, audit), once.
func TestAutoQuarantine(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, false)
		// The initial batch still has stock of its own.
		spare := f.key(f.initial, models.KeyAvailable)
		f.must(s.DB(f.ctx).Create(&spare).Error)
		assess := func(i int) {
			b := riBuyer{email: fmt.Sprintf("b%d@example.com", i)}
			o, _ := f.order(b, f.initial, f.now.Add(-time.Hour))
			tk := f.ticket(&o, b, "key_invalid", f.now)
			if _, err := f.act.AssessKeyClaim(f.ctx, activities.KeyClaimInput{TicketID: tk.ID}); err != nil {
				t.Fatal(err)
			}
		}
		assess(1)
		assess(2)
		if b, _ := s.KeyBatchByID(f.ctx, f.m.ID, f.initial.ID); b.Status != models.BatchActive {
			t.Fatalf("batch quarantined after 2 buyers")
		}
		assess(3)
		b, _ := s.KeyBatchByID(f.ctx, f.m.ID, f.initial.ID)
		if b.Status != models.BatchQuarantined {
			t.Fatalf("batch %q after 3 buyers, want quarantined", b.Status)
		}
		if k, _ := s.CardKeyByID(f.ctx, f.m.ID, spare.ID); k.Status != models.KeyQuarantined {
			t.Fatalf("spare key %q, want quarantined", k.Status)
		}
		if n := f.count(&models.Notification{}, "kind = ?", activities.NotifyBatchQuarantined); n != 1 {
			t.Fatalf("%d quarantine notifications, want 1", n)
		}
		assess(4)
		if n := f.count(&models.Notification{}, "kind = ?", activities.NotifyBatchQuarantined); n != 1 {
			t.Fatalf("%d quarantine notifications after a 4th report, want 1", n)
		}
		if n := f.count(&models.AuditEntry{}, "action = ?", "batch.quarantine.auto"); n != 1 {
			t.Fatalf("%d audit entries, want 1", n)
		}
	})
}

// TestAutoQuarantineDisabled: the merchant setting 0 turns automatic quarantine off.
func TestAutoQuarantineDisabled(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, false)
		f.must(s.DB(f.ctx).Model(&f.m).Update("settings", models.JSON(`{"quarantine_after_invalid_reports":0}`)).Error)
		for i := range 4 {
			b := riBuyer{email: fmt.Sprintf("b%d@example.com", i)}
			o, _ := f.order(b, f.initial, f.now.Add(-time.Hour))
			tk := f.ticket(&o, b, "key_invalid", f.now)
			if _, err := f.act.AssessKeyClaim(f.ctx, activities.KeyClaimInput{TicketID: tk.ID}); err != nil {
				t.Fatal(err)
			}
		}
		if b, _ := s.KeyBatchByID(f.ctx, f.m.ID, f.initial.ID); b.Status != models.BatchActive {
			t.Fatalf("batch quarantined although the merchant disabled it")
		}
	})
}

// TestReleasedBatchCountsReportsSinceRelease (issue 16): a batch an admin released after an
// automatic quarantine is not quarantined again by the next single report (the reports that
// led to the first quarantine were dealt with by the release); three new distinct buyers
// after the release quarantine it again.
func TestReleasedBatchCountsReportsSinceRelease(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, false)
		spare := f.key(f.initial, models.KeyAvailable)
		f.must(s.DB(f.ctx).Create(&spare).Error)
		assess := func(i int, at time.Time) {
			b := riBuyer{email: fmt.Sprintf("b%d@example.com", i)}
			o, _ := f.order(b, f.initial, at.Add(-time.Hour))
			tk := f.ticket(&o, b, "key_invalid", at)
			if _, err := f.act.AssessKeyClaim(f.ctx, activities.KeyClaimInput{TicketID: tk.ID}); err != nil {
				t.Fatal(err)
			}
		}
		status := func() string {
			b, err := s.KeyBatchByID(f.ctx, f.m.ID, f.initial.ID)
			if err != nil {
				t.Fatal(err)
			}
			return b.Status
		}
		for i := 1; i <= 3; i++ {
			assess(i, f.now)
		}
		if st := status(); st != models.BatchQuarantined {
			t.Fatalf("batch %q after 3 buyers, want quarantined", st)
		}
		released := f.now.Add(time.Minute)
		if _, changed, err := s.ReleaseBatch(f.ctx, f.m.ID, f.initial.ID, "supplier confirmed", released, nil); err != nil || !changed {
			t.Fatalf("release: changed %v, %v", changed, err)
		}
		later := released.Add(time.Hour)
		assess(4, later)
		assess(5, later)
		if st := status(); st != models.BatchActive {
			t.Fatalf("batch %q after 2 reports since its release, want active", st)
		}
		assess(6, later)
		if st := status(); st != models.BatchQuarantined {
			t.Fatalf("batch %q after 3 reports since its release, want quarantined again", st)
		}
	})
}

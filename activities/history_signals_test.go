package activities_test

import (
	"testing"
	"time"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/fraud"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// TestImportedHistoryCountsByItsOwnDates: a shop's history from before keydesk changes the
// decision: an imported chargeback denies; imported claims count in the windows of their
// own dates; a long imported order history earns the clean-history credit.
func TestImportedHistoryCountsByItsOwnDates(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, false)
		f.addStock(5)
		day := 24 * time.Hour
		ev := func(id, kind, email, device string, at time.Time, cat, outcome string) models.HistoryEvent {
			return models.HistoryEvent{MerchantID: f.m.ID, ExternalID: id, Kind: kind, EmailNorm: fraud.NormalizeEmail(email), DeviceID: device,
				Category: cat, Outcome: outcome, OccurredAt: at, CreatedAt: f.now}
		}
		assess := func(b riBuyer) fraud.Signals {
			o, _ := f.order(b, f.initial, f.now.Add(-time.Hour))
			tk := f.ticket(&o, b, "key_invalid", f.now)
			c, err := s.LoadClaim(f.ctx, tk.ID, false)
			f.must(err)
			sig, err := f.act.GatherSignals(f.ctx, c)
			f.must(err)
			return sig
		}

		cheat := riBuyer{email: "cheat@example.com", ip: "198.51.100.3", device: "dev-c"}
		loyal := riBuyer{email: "Loyal.Buyer@gmail.com", ip: "203.0.113.8", device: "dev-l"}
		events := []models.HistoryEvent{
			ev("cb", models.HistoryChargeback, "", "dev-c", f.now.Add(-300*day), "", "lost"),
			ev("c-old", models.HistoryClaim, "cheat@example.com", "", f.now.Add(-120*day), "key_invalid", "reissued"),
			ev("c-new", models.HistoryClaim, "cheat@example.com", "", f.now.Add(-20*day), "key_missing", "denied"),
		}
		for i := range 12 {
			events = append(events, ev("l-"+string(rune('a'+i)), models.HistoryOrder, "loyalbuyer@gmail.com", "", f.now.Add(-time.Duration(400-30*i)*day), "", ""))
		}
		if _, _, err := s.InsertHistory(f.ctx, events); err != nil {
			t.Fatal(err)
		}

		sig := assess(cheat)
		if sig.Chargebacks != 1 || sig.ClaimsByEmail30d != 1 || sig.ClaimsByEmail90d != 1 || sig.BuyerClaimsEver != 2 || sig.BuyerDeniedClaims != 1 {
			t.Errorf("cheat: chargebacks %d, claims 30d/90d %d/%d, ever %d, denied %d; want 1, 1/1, 2, 1",
				sig.Chargebacks, sig.ClaimsByEmail30d, sig.ClaimsByEmail90d, sig.BuyerClaimsEver, sig.BuyerDeniedClaims)
		}
		if a := fraud.Assess(sig, fraud.DefaultThresholds()); a.Decision != fraud.Deny {
			t.Errorf("cheat with an imported chargeback: %+v, want deny", a)
		}

		sig = assess(loyal)
		if sig.BuyerOrders != 13 || sig.BuyerFirstOrderAt.After(f.now.Add(-399*day)) {
			t.Errorf("loyal: orders %d since %v; want 13 since 400 days ago", sig.BuyerOrders, sig.BuyerFirstOrderAt)
		}
		a := fraud.Assess(sig, fraud.DefaultThresholds())
		credited := false
		for _, h := range a.Hits {
			credited = credited || h.Rule == fraud.RuleTenureCredit
		}
		if !credited || a.Decision != fraud.Allow {
			t.Errorf("loyal buyer with imported history: %+v, want allow with the tenure credit", a)
		}
		_ = activities.DefaultAutoReissuesPerOrder
	})
}

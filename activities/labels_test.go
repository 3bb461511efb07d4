package activities_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/fraud"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// TestRiskLabelsMeasureRules: risk agents' decisions on assessed claims become labels, the
// latest decision of a ticket wins, and the rules are measured against them.
func TestRiskLabelsMeasureRules(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, false)
		decide := func(b riBuyer, kinds ...string) {
			o, _ := f.order(b, f.initial, f.now.Add(-10*24*time.Hour))
			f.must(s.DB(f.ctx).Create(&models.KeyEvent{MerchantID: f.m.ID, OrderID: o.ID, Kind: models.KeyEventRevealed, OccurredAt: f.now.Add(-9 * 24 * time.Hour), CreatedAt: f.now}).Error)
			tk := f.ticket(&o, b, "key_missing", f.now)
			if _, err := f.act.AssessKeyClaim(f.ctx, activities.KeyClaimInput{TicketID: tk.ID}); err != nil {
				t.Fatal(err)
			}
			for i, k := range kinds {
				f.must(s.DB(f.ctx).Create(&models.TicketEvent{MerchantID: f.m.ID, TicketID: tk.ID, EventKey: k + string(rune('0'+i)), Kind: k,
					ActorKind: "user", CreatedAt: f.now.Add(time.Duration(i+1) * time.Minute)}).Error)
			}
		}
		decide(riBuyer{email: "a@example.com", ip: "203.0.113.1"}, "risk_denied")
		decide(riBuyer{email: "b@example.com", ip: "203.0.113.2"}, "risk_denied", "risk_approved") // overridden
		decide(riBuyer{email: "c@example.com", ip: "203.0.113.3"}, "risk_denied")
		decide(riBuyer{email: "d@example.com", ip: "203.0.113.4"}) // not decided
		labels, err := s.RiskLabels(f.ctx, f.m.ID, f.now.Add(-time.Hour))
		f.must(err)
		if len(labels) != 3 {
			t.Fatalf("%d labels, want 3", len(labels))
		}
		var ls []fraud.Label
		for _, l := range labels {
			var hits []fraud.Hit
			f.must(json.Unmarshal(l.Hits, &hits))
			ls = append(ls, fraud.Label{Denied: l.Denied, Hits: hits})
		}
		found := false
		for _, st := range fraud.RulePrecision(ls) {
			if st.Rule != fraud.RuleMissingAfterReveal {
				continue
			}
			found = true
			if st.Fired != 3 || st.Denied != 2 || st.Approved != 1 {
				t.Errorf("%s: %+v, want fired 3, denied 2, approved 1", st.Rule, st)
			}
		}
		if !found {
			t.Errorf("%s never fired on the labelled claims", fraud.RuleMissingAfterReveal)
		}
	})
}

package activities_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// TestEvidenceReportAgreesWithTheOrdersEvents checks the report against the order's real
// events when the rows disagree with them, as they do when the shop reports its delivery
// later (the delivery and key rows written when the dispute came in, the shop's delivered
// event dated at the sale): every delivered / revealed time in the summary, the keys table
// and the deliveries table is the event's; money is in major units with the currency; the
// gateway's chargeback notice (stored under the buyer's name before the fix) and system
// messages are not in the conversation.
func TestEvidenceReportAgreesWithTheOrdersEvents(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f, d := disputeFixture(t, s)
		late := f.now // the dispute's day
		db := s.DB(f.ctx)
		if err := db.Model(&models.Delivery{}).Where("order_id = ?", f.o.ID).Update("created_at", late).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Model(&models.CardKey{}).Where("order_id = ?", f.o.ID).Update("delivered_at", late).Error; err != nil {
			t.Fatal(err)
		}
		k1 := f.keys[1].ID
		f.create(&models.KeyEvent{MerchantID: f.m.ID, OrderID: f.o.ID, CardKeyID: &k1, Kind: models.KeyEventDelivered, Source: "shop", OccurredAt: f.o.PaidAt.Add(time.Minute)})
		var dt models.Ticket
		if err := db.First(&dt, d.TicketID).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Model(&dt).Update("channel", "integration").Error; err != nil {
			t.Fatal(err)
		}
		f.create(&models.Message{MerchantID: f.m.ID, TicketID: dt.ID, AuthorKind: models.AuthorCustomer, AuthorName: "bob@example.com",
			Body: "The payment gateway opened chargeback CB-77 on order ORD-1001 for 2000 EUR (reason: fraudulent).", RequestID: "submission", CreatedAt: late})
		f.create(&models.Message{MerchantID: f.m.ID, TicketID: dt.ID, AuthorKind: models.AuthorSystem, Body: "Chargeback CB-77: evidence report ready",
			RequestID: "sys1", CreatedAt: late.Add(time.Second)})

		rep, err := f.act.BuildEvidenceReport(f.ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(rep)
		// The truth, read from the order's events.
		evs, err := s.EvidenceKeyEvents(f.ctx, f.o.ID)
		if err != nil {
			t.Fatal(err)
		}
		firstDelivered, firstRevealed := map[uint64]time.Time{}, map[uint64]time.Time{}
		for _, e := range evs {
			m := map[string]map[uint64]time.Time{models.KeyEventDelivered: firstDelivered, models.KeyEventRevealed: firstRevealed}[e.Kind]
			if m == nil || e.CardKeyID == nil {
				continue
			}
			if at, ok := m[*e.CardKeyID]; !ok || e.OccurredAt.Before(at) {
				m[*e.CardKeyID] = e.OccurredAt.UTC()
			}
		}
		summary := strings.Join(rep.Summary, "\n")
		stampOf := func(at time.Time) string { return at.UTC().Format("2006-01-02 15:04:05 UTC") }
		for _, k := range rep.Keys {
			want, ok := firstDelivered[k.CardKeyID]
			if !ok {
				t.Fatalf("fixture: key %d has no delivered event", k.CardKeyID)
			}
			if k.DeliveredAt == nil || !k.DeliveredAt.Equal(want) {
				t.Errorf("key %d delivered_at = %v, want the event's %v", k.CardKeyID, k.DeliveredAt, want)
			}
			if r, ok := firstRevealed[k.CardKeyID]; ok && (k.FirstRevealedAt == nil || !k.FirstRevealedAt.Equal(r)) {
				t.Errorf("key %d first_revealed_at = %v, want %v", k.CardKeyID, k.FirstRevealedAt, r)
			}
			if !strings.Contains(summary, "delivered (initial) at "+stampOf(want)) {
				t.Errorf("summary lacks key %d's delivery at %s:\n%s", k.CardKeyID, stampOf(want), summary)
			}
			if k.DeliveredAt != nil && k.FirstRevealedAt != nil && k.FirstRevealedAt.Before(*k.DeliveredAt) {
				t.Errorf("key %d revealed before it was delivered", k.CardKeyID)
			}
		}
		for _, dl := range rep.Deliveries {
			if !dl.At.Equal(firstDelivered[dl.CardKeyID]) {
				t.Errorf("delivery of key %d at %v, want %v", dl.CardKeyID, dl.At, firstDelivered[dl.CardKeyID])
			}
		}
		if strings.Contains(summary, "delivered (initial) at "+stampOf(late)) {
			t.Errorf("summary dates a delivery on the dispute's day:\n%s", summary)
		}
		if !strings.Contains(summary, "(€20.00)") || !strings.Contains(summary, "for €20.00") || strings.Contains(summary, "2000 EUR") || strings.Contains(summary, "20.00 EUR") {
			t.Errorf("summary money not in major units with the symbol:\n%s", summary)
		}
		for _, m := range rep.Conversation {
			if m.AuthorKind != models.AuthorCustomer && m.AuthorKind != models.AuthorAgent {
				t.Errorf("conversation has a %s message: %+v", m.AuthorKind, m)
			}
			if strings.Contains(m.Body, "chargeback") || strings.Contains(m.Body, "Chargeback") {
				t.Errorf("conversation shows the gateway's notice as the buyer's: %+v", m)
			}
		}
		if len(rep.Conversation) != 2 {
			t.Errorf("conversation = %d messages, want the buyer's and the agent's 2: %s", len(rep.Conversation), raw)
		}
		_ = activities.EvidenceReportVersion
	})
}

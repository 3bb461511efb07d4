package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// Intent labels: the latest correction per ticket, newest first, with the buyer's first
// message, nothing of another merchant; order numbers and key grams looked up per merchant.
func TestIntentLabelsOrdersAndKeyGrams(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := seedTicketFixture(t, s, "ma", "UTC")
		b := seedTicketFixture(t, s, "mb", "UTC")
		t1, t2, tb := newTicket(a, "KD-L0000001", nil), newTicket(a, "KD-L0000002", nil), newTicket(b, "KD-L0000003", nil)
		t1.Subject = "登录不了"
		for _, tk := range []*models.Ticket{&t1, &t2, &tb} {
			createTicket(t, s, tk)
		}
		now := time.Now().UTC().Truncate(time.Second)
		uid := uint64(7)
		ev := func(tk models.Ticket, key, cat string, at time.Time) models.TicketEvent {
			return models.TicketEvent{MerchantID: tk.MerchantID, TicketID: tk.ID, EventKey: key, Kind: store.IntentLabelKind, ActorKind: "agent", ActorID: &uid,
				Data: models.MustJSON(store.IntentLabelData{Category: cat, Inferred: "key_invalid", ByName: "Ada"}), CreatedAt: at}
		}
		if err := s.AppendTicketEvents(ctx, []models.TicketEvent{ev(t1, "intent:1", "refund", now.Add(-time.Hour)), ev(t1, "intent:2", "account", now),
			ev(t2, "intent:3", "other", now.Add(-2*time.Hour)), ev(tb, "intent:4", "refund", now),
			{MerchantID: a.merchant, TicketID: t2.ID, EventKey: "x", Kind: "opened", CreatedAt: now}}); err != nil {
			t.Fatal(err)
		}
		ls, err := s.IntentLabels(ctx, a.merchant, time.Time{}, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(ls) != 2 || ls[0].TicketID != t1.ID || ls[0].Data.Category != "account" || ls[0].Body != "help" || ls[0].Subject != "登录不了" ||
			ls[0].ActorID == nil || *ls[0].ActorID != 7 || ls[1].TicketID != t2.ID || ls[1].Data.Category != "other" {
			t.Fatalf("labels %+v", ls)
		}
		if ls, _ := s.IntentLabels(ctx, a.merchant, now.Add(-90*time.Minute), 100); len(ls) != 1 {
			t.Errorf("since: %+v", ls)
		}
		os, err := s.OrdersByNumbers(ctx, a.merchant, []string{"O-ma", "O-mb", "nope"})
		if err != nil || len(os) != 1 || os[0].ID != a.order {
			t.Errorf("orders %+v %v", os, err)
		}
		if err := s.IndexKeyGrams(ctx, a.merchant, 11, []string{"h1", "h2"}); err != nil {
			t.Fatal(err)
		}
		if err := s.IndexKeyGrams(ctx, b.merchant, 12, []string{"h1"}); err != nil {
			t.Fatal(err)
		}
		m, err := s.KeyGramMatches(ctx, a.merchant, []string{"h1", "h3"}, []uint64{11, 12})
		if err != nil || len(m) != 1 || len(m["h1"]) != 1 || m["h1"][0] != 11 {
			t.Errorf("gram matches %v %v", m, err)
		}
	})
}

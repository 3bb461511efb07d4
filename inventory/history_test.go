package inventory_test

import (
	"errors"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/inventory"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

func TestImportHistoryValidates(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t), inventory.Limits{})
	past := f.now.Add(-100 * 24 * time.Hour)
	cases := []struct {
		name  string
		push  inventory.HistoryPush
		field string
	}{
		{"empty", inventory.HistoryPush{}, "events"},
		{"no id", inventory.HistoryPush{Events: []inventory.HistoryItem{{Kind: "order", Email: "a@b.c", OccurredAt: past}}}, "events[0].id"},
		{"bad kind", inventory.HistoryPush{Events: []inventory.HistoryItem{{ID: "1", Kind: "gift", Email: "a@b.c", OccurredAt: past}}}, "events[0].kind"},
		{"nobody", inventory.HistoryPush{Events: []inventory.HistoryItem{{ID: "1", Kind: "order", OccurredAt: past}}}, "events[0].email"},
		{"bad ip", inventory.HistoryPush{Events: []inventory.HistoryItem{{ID: "1", Kind: "order", IP: "1.2.3", OccurredAt: past}}}, "events[0].ip"},
		{"future", inventory.HistoryPush{Events: []inventory.HistoryItem{{ID: "1", Kind: "order", Email: "a@b.c", OccurredAt: f.now.Add(time.Hour)}}}, "events[0].occurred_at"},
		{"no date", inventory.HistoryPush{Events: []inventory.HistoryItem{{ID: "1", Kind: "order", Email: "a@b.c"}}}, "events[0].occurred_at"},
		{"claim category", inventory.HistoryPush{Events: []inventory.HistoryItem{{ID: "1", Kind: "claim", Email: "a@b.c", OccurredAt: past}}}, "events[0].category"},
		{"claim outcome", inventory.HistoryPush{Events: []inventory.HistoryItem{{ID: "1", Kind: "claim", Category: "key_invalid", Outcome: "won", Email: "a@b.c", OccurredAt: past}}}, "events[0].outcome"},
		{"duplicate id", inventory.HistoryPush{Events: []inventory.HistoryItem{
			{ID: "1", Kind: "order", Email: "a@b.c", OccurredAt: past}, {ID: "1", Kind: "order", Email: "a@b.c", OccurredAt: past}}}, "events[1].id"},
	}
	for _, tc := range cases {
		_, err := f.svc.ImportHistory(f.ctx, f.m.ID, tc.push)
		var ve *inventory.ValidationError
		if !errors.As(err, &ve) || ve.Fields[tc.field] == "" {
			t.Errorf("%s: %v, want a field error on %s", tc.name, err, tc.field)
		}
	}
	if n := f.count(&models.HistoryEvent{}, "1 = 1"); n != 0 {
		t.Errorf("%d events stored by invalid imports", n)
	}
}

func TestImportHistoryIdempotent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, inventory.Limits{})
		at := f.now.Add(-200 * 24 * time.Hour)
		push := inventory.HistoryPush{Events: []inventory.HistoryItem{
			{ID: "o-1", Kind: "order", OrderNo: "OLD-1", Email: "A.Buyer+shop@Gmail.com", IP: "203.0.113.4", Amount: 1000, Currency: "usd", OccurredAt: at},
			{ID: "c-1", Kind: "claim", OrderNo: "OLD-1", Email: "abuyer@gmail.com", Category: "key_invalid", Outcome: "reissued", OccurredAt: at.Add(time.Hour)},
			{ID: "cb-1", Kind: "chargeback", OrderNo: "OLD-1", DeviceID: "dev-9", Outcome: "lost", OccurredAt: at.Add(48 * time.Hour)},
		}}
		res, err := f.svc.ImportHistory(f.ctx, f.m.ID, push)
		if err != nil || res.Created != 3 || res.Existing != 0 {
			t.Fatalf("first import: %+v %v", res, err)
		}
		res, err = f.svc.ImportHistory(f.ctx, f.m.ID, push)
		if err != nil || res.Created != 0 || res.Existing != 3 {
			t.Fatalf("re-sent import: %+v %v", res, err)
		}
		var e models.HistoryEvent
		f.must(s.DB(f.ctx).Where("external_id = ?", "o-1").Take(&e).Error)
		if e.EmailNorm != "abuyer@gmail.com" || e.Currency != "USD" || !e.OccurredAt.Equal(at) {
			t.Errorf("stored %+v", e)
		}
		h, err := s.HistoryFor(f.ctx, f.m.ID, "abuyer@gmail.com", "dev-9", "", f.now)
		f.must(err)
		if h.Orders != 1 || h.ClaimsEver != 1 || h.ClaimsEmail90d != 0 || h.Chargebacks != 1 || !h.FirstOrderAt.Equal(at) {
			t.Errorf("history counts %+v (the claim is 200 days old: outside 90 days)", h)
		}
	})
}

package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// ticketFixture seeds a merchant, a product and an order, and returns them.
type ticketFixture struct {
	merchant, order uint64
}

func seedTicketFixture(t *testing.T, s *store.Store, slug, tz string) ticketFixture {
	t.Helper()
	ctx := context.Background()
	m := models.Merchant{Slug: slug, Name: slug, Timezone: tz}
	if err := s.DB(ctx).Create(&m).Error; err != nil {
		t.Fatalf("merchant: %v", err)
	}
	p := models.Product{MerchantID: m.ID, SKU: "sku-" + slug, Name: "Game", Price: 1000, Currency: "USD"}
	if err := s.DB(ctx).Create(&p).Error; err != nil {
		t.Fatalf("product: %v", err)
	}
	o := models.Order{MerchantID: m.ID, OrderNo: "O-" + slug, ProductID: p.ID, Quantity: 1, Amount: 1000, Currency: "USD",
		BuyerEmail: "buyer@example.com", PaidAt: time.Now().UTC(), Status: models.OrderDelivered}
	if err := s.DB(ctx).Create(&o).Error; err != nil {
		t.Fatalf("order: %v", err)
	}
	return ticketFixture{merchant: m.ID, order: o.ID}
}

func newTicket(f ticketFixture, ref string, idem *string) models.Ticket {
	oid := f.order
	now := time.Now().UTC().Truncate(time.Second)
	return models.Ticket{MerchantID: f.merchant, Ref: ref, OrderID: &oid, Category: "other", Status: models.StatusNew,
		Priority: models.PriorityNormal, Queue: models.QueueGeneral, CustomerEmail: "buyer@example.com",
		IdempotencyKey: idem, CreatedAt: now, UpdatedAt: now}
}

func createTicket(t *testing.T, s *store.Store, tk *models.Ticket) {
	t.Helper()
	if err := s.CreateTicket(context.Background(), tk, &models.Message{AuthorKind: models.AuthorCustomer, Body: "help", RequestID: "submission"}); err != nil {
		t.Fatalf("create ticket: %v", err)
	}
}

func TestCreateTicketIsAtomicAndIdempotencyKeyUnique(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := seedTicketFixture(t, s, "m1", "UTC")
		key := "idem-1"
		a := newTicket(f, "KD-AAAA0001", &key)
		createTicket(t, s, &a)
		b := newTicket(f, "KD-AAAA0002", &key)
		err := s.CreateTicket(ctx, &b, &models.Message{AuthorKind: models.AuthorCustomer, Body: "again", RequestID: "submission"})
		if !errors.Is(err, store.ErrDuplicate) {
			t.Fatalf("second create with same key: %v", err)
		}
		got, err := s.TicketByIdempotencyKey(ctx, f.merchant, key)
		if err != nil || got.ID != a.ID {
			t.Fatalf("by key: %v %d", err, got.ID)
		}
		msgs, err := s.TicketMessages(ctx, f.merchant, a.ID, true)
		if err != nil || len(msgs) != 1 {
			t.Fatalf("messages %d %v", len(msgs), err)
		}
		if _, err := s.TicketByRef(ctx, "KD-AAAA0002"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("half-written ticket: %v", err)
		}
		if _, err := s.TicketByID(ctx, f.merchant+1000, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("ticket visible to another merchant: %v", err)
		}
	})
}

func TestApplyTicketStateNeverGoesBack(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := seedTicketFixture(t, s, "m2", "UTC")
		tk := newTicket(f, "KD-BBBB0001", nil)
		createTicket(t, s, &tk)
		due := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
		v2 := store.TicketState{Status: models.StatusOpen, Priority: models.PriorityHigh, Queue: models.QueueSupervisor,
			EscalationLevel: 2, SLADueAt: &due, SLAState: "breached", StateVersion: 2}
		if ok, err := s.ApplyTicketState(ctx, f.merchant, tk.ID, v2); err != nil || !ok {
			t.Fatalf("apply v2: %v %v", ok, err)
		}
		v1 := store.TicketState{Status: models.StatusOpen, Priority: models.PriorityNormal, Queue: models.QueueGeneral, StateVersion: 1}
		if ok, err := s.ApplyTicketState(ctx, f.merchant, tk.ID, v1); err != nil || ok {
			t.Fatalf("apply stale v1: %v %v", ok, err)
		}
		if ok, _ := s.ApplyTicketState(ctx, f.merchant, tk.ID, v2); ok {
			t.Fatal("re-applying the same version changed the row")
		}
		got, _ := s.TicketByID(ctx, f.merchant, tk.ID)
		if got.StateVersion != 2 || got.Priority != models.PriorityHigh || got.EscalationLevel != 2 || got.SLADueAt == nil || !got.SLADueAt.Equal(due) {
			t.Fatalf("row after stale write: %+v", got)
		}
		v3 := store.TicketState{Status: models.StatusResolved, Priority: models.PriorityHigh, Queue: models.QueueSupervisor, StateVersion: 3}
		if ok, err := s.ApplyTicketState(ctx, f.merchant, tk.ID, v3); err != nil || !ok {
			t.Fatalf("apply v3: %v %v", ok, err)
		}
		got, _ = s.TicketByID(ctx, f.merchant, tk.ID)
		if got.SLADueAt != nil || got.Status != models.StatusResolved {
			t.Fatalf("nil did not clear the due time: %+v", got)
		}
		if _, err := s.ApplyTicketState(ctx, f.merchant+1000, tk.ID, store.TicketState{StateVersion: 9}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other merchant: %v", err)
		}
	})
}

func TestTicketWritesAreIdempotent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := seedTicketFixture(t, s, "m3", "UTC")
		tk := newTicket(f, "KD-CCCC0001", nil)
		createTicket(t, s, &tk)
		tid := tk.ID
		for i := 0; i < 2; i++ {
			if err := s.AppendTicketEvents(ctx, []models.TicketEvent{
				{MerchantID: f.merchant, TicketID: tk.ID, EventKey: "wf/1", Kind: "opened", Data: models.MustJSON(map[string]any{"a": 1})},
				{MerchantID: f.merchant, TicketID: tk.ID, EventKey: "wf/2", Kind: "replied"},
			}); err != nil {
				t.Fatalf("events: %v", err)
			}
			if err := s.AddMessages(ctx, []models.Message{{MerchantID: f.merchant, TicketID: tk.ID, AuthorKind: models.AuthorAgent, Body: "hi", RequestID: "r1"}}); err != nil {
				t.Fatalf("messages: %v", err)
			}
			if err := s.AddNotifications(ctx, []models.Notification{{MerchantID: f.merchant, TicketID: &tid, Kind: models.NotifySLABreach, Level: 1, RecipientRole: "supervisor", DedupeKey: "sla/1/fr/L1/supervisor"}}); err != nil {
				t.Fatalf("notifications: %v", err)
			}
			if err := s.SaveCSAT(ctx, models.CSAT{MerchantID: f.merchant, TicketID: tk.ID, Score: 5 - i}); err != nil {
				t.Fatalf("csat: %v", err)
			}
			if err := s.SaveTicketSnapshot(ctx, f.merchant, tk.ID, int64(5-i), models.JSON(`{"v":`+string(rune('5'-i))+`}`)); err != nil {
				t.Fatalf("snapshot: %v", err)
			}
		}
		evs, _ := s.TicketEvents(ctx, f.merchant, tk.ID)
		msgs, _ := s.TicketMessages(ctx, f.merchant, tk.ID, true)
		ns, _ := s.TicketNotifications(ctx, f.merchant, tk.ID)
		if len(evs) != 2 || len(msgs) != 2 || len(ns) != 1 {
			t.Fatalf("events %d messages %d notifications %d", len(evs), len(msgs), len(ns))
		}
		snap, err := s.TicketSnapshot(ctx, f.merchant, tk.ID)
		if err != nil || snap.StateVersion != 5 || string(snap.State) != `{"v":5}` {
			t.Fatalf("snapshot went back: %+v %v", snap, err)
		}
		if err := s.SaveTicketSnapshot(ctx, f.merchant, tk.ID, 6, models.JSON(`{"v":6}`)); err != nil {
			t.Fatal(err)
		}
		if snap, _ := s.TicketSnapshot(ctx, f.merchant, tk.ID); snap.StateVersion != 6 {
			t.Fatalf("newer snapshot not saved: %d", snap.StateVersion)
		}
	})
}

// TestTicketSnapshotIsStoredDeflated: the snapshot column holds the deflated document (a
// 0x01 byte first, far smaller than the JSON) and reads back as the JSON; a row written as
// plain JSON before compression still reads back.
func TestTicketSnapshotIsStoredDeflated(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := seedTicketFixture(t, s, "m3p", "UTC")
		tk := newTicket(f, "KD-CCCC0002", nil)
		createTicket(t, s, &tk)
		doc := models.MustJSON(map[string]any{"status": "open", "events": strings.Repeat(`{"kind":"sla_warned","at":"2026-12-04T03:00:00Z"},`, 30)})
		if err := s.SaveTicketSnapshot(ctx, f.merchant, tk.ID, 1, doc); err != nil {
			t.Fatal(err)
		}
		var raw []byte
		if err := s.DB(ctx).Raw("SELECT state FROM ticket_snapshots WHERE ticket_id = ?", tk.ID).Row().Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if len(raw) == 0 || raw[0] != 0x01 || len(raw) > len(doc)/3 {
			t.Errorf("stored %d bytes starting %q for a %d-byte document, want deflated", len(raw), raw[:min(4, len(raw))], len(doc))
		}
		snap, err := s.TicketSnapshot(ctx, f.merchant, tk.ID)
		if err != nil || string(snap.State) != string(doc) {
			t.Fatalf("read back %q, %v", snap.State, err)
		}
		if err := s.DB(ctx).Exec("UPDATE ticket_snapshots SET state = ? WHERE ticket_id = ?", []byte(`{"legacy":true}`), tk.ID).Error; err != nil {
			t.Fatal(err)
		}
		if snap, err := s.TicketSnapshot(ctx, f.merchant, tk.ID); err != nil || string(snap.State) != `{"legacy":true}` {
			t.Errorf("plain JSON row read back as %q, %v", snap.State, err)
		}
	})
}

func TestSLAPoliciesAndCalendarUpsert(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := seedTicketFixture(t, s, "m4", "Asia/Shanghai")
		ps := []models.SLAPolicy{{Priority: models.PriorityHigh, FirstResponseSecs: 60, NextResponseSecs: 120, ResolutionSecs: 600, WarnFraction: 0.5}}
		if err := s.SaveSLAPolicies(ctx, f.merchant, ps); err != nil {
			t.Fatal(err)
		}
		ps[0].FirstResponseSecs = 90
		if err := s.SaveSLAPolicies(ctx, f.merchant, ps); err != nil {
			t.Fatal(err)
		}
		got, err := s.SLAPolicies(ctx, f.merchant)
		if err != nil || len(got) != 1 || got[0].FirstResponseSecs != 90 || got[0].MerchantID != f.merchant {
			t.Fatalf("policies %+v %v", got, err)
		}
		if _, err := s.BusinessCalendar(ctx, f.merchant); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("calendar before save: %v", err)
		}
		cal := models.BusinessCalendar{MerchantID: f.merchant, Timezone: "Asia/Shanghai", Week: models.JSON(`["","09:00-18:00","09:00-18:00","09:00-18:00","09:00-18:00","09:00-18:00",""]`)}
		if err := s.SaveBusinessCalendar(ctx, cal); err != nil {
			t.Fatal(err)
		}
		cal.Holidays = models.JSON(`["2026-10-01"]`)
		if err := s.SaveBusinessCalendar(ctx, cal); err != nil {
			t.Fatal(err)
		}
		c, err := s.BusinessCalendar(ctx, f.merchant)
		if err != nil || string(c.Holidays) != `["2026-10-01"]` {
			t.Fatalf("calendar %+v %v", c, err)
		}
		cal.Timezone = "America/New_York"
		if err := s.SaveBusinessCalendar(ctx, cal); err != nil {
			t.Fatal(err)
		}
		if tz, _, err := s.MerchantSettings(ctx, f.merchant); err != nil || tz != "America/New_York" {
			t.Fatalf("merchant time zone after the calendar moved: %q %v", tz, err)
		}
	})
}

func TestSLAOverviewAndEscalations(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := seedTicketFixture(t, s, "m5", "Asia/Shanghai")
		other := seedTicketFixture(t, s, "m6", "UTC")
		sh, _ := time.LoadLocation("Asia/Shanghai")
		// 10:00 in Shanghai on 2026-11-03: local midnight is 2026-11-02 16:00 UTC.
		now := time.Date(2026, 11, 3, 10, 0, 0, 0, sh)
		mk := func(f ticketFixture, ref string, st store.TicketState) models.Ticket {
			tk := newTicket(f, ref, nil)
			createTicket(t, s, &tk)
			st.StateVersion = 1
			if st.Priority == "" {
				st.Priority = models.PriorityNormal
			}
			if _, err := s.ApplyTicketState(ctx, f.merchant, tk.ID, st); err != nil {
				t.Fatal(err)
			}
			return tk
		}
		at := func(d time.Duration) *time.Time { x := now.Add(d).UTC(); return &x }
		mk(f, "KD-OV000001", store.TicketState{Status: models.StatusOpen, Queue: "general", SLAState: "ok"})
		mk(f, "KD-OV000002", store.TicketState{Status: models.StatusOpen, Queue: "general", SLAState: "warning"})
		b := mk(f, "KD-OV000003", store.TicketState{Status: models.StatusOpen, Queue: "supervisor", SLAState: "breached",
			EscalationLevel: 2, EscalatedAt: at(-time.Hour), ResolutionBreachedAt: at(-time.Hour), FirstResponseBreachedAt: at(-3 * time.Hour)})
		mk(f, "KD-OV000004", store.TicketState{Status: models.StatusPendingCustomer, Queue: "general", SLAState: "paused", EscalationLevel: 1, EscalatedAt: at(-2 * time.Hour)})
		mk(f, "KD-OV000005", store.TicketState{Status: models.StatusResolved, SLAState: "met", ResolvedAt: at(-time.Hour)})
		mk(f, "KD-OV000006", store.TicketState{Status: models.StatusResolved, SLAState: "breached", ResolvedAt: at(-2 * time.Hour), FirstResponseBreachedAt: at(-5 * time.Hour)})
		mk(f, "KD-OV000007", store.TicketState{Status: models.StatusClosed, SLAState: "met", ResolvedAt: at(-3 * 24 * time.Hour)})
		mk(other, "KD-OV000008", store.TicketState{Status: models.StatusOpen, SLAState: "breached", EscalationLevel: 3})
		evs := []models.TicketEvent{
			{MerchantID: f.merchant, TicketID: b.ID, EventKey: "wf/1", Kind: "sla_breach", CreatedAt: now.Add(-time.Hour).UTC()},
			{MerchantID: f.merchant, TicketID: b.ID, EventKey: "wf/2", Kind: "sla_breach", CreatedAt: now.Add(-9 * time.Hour).UTC()},  // 01:00 local: today
			{MerchantID: f.merchant, TicketID: b.ID, EventKey: "wf/3", Kind: "sla_breach", CreatedAt: now.Add(-11 * time.Hour).UTC()}, // yesterday local
		}
		if err := s.AppendTicketEvents(ctx, evs); err != nil {
			t.Fatal(err)
		}
		ov, err := s.SLAOverview(ctx, f.merchant, now)
		if err != nil {
			t.Fatal(err)
		}
		if ov.OpenTotal != 4 || ov.OpenByState["breached"] != 1 || ov.OpenByState["paused"] != 1 || ov.OpenByState["ok"] != 1 {
			t.Errorf("open by state %+v", ov.OpenByState)
		}
		if ov.BreachesToday != 2 || ov.Timezone != "Asia/Shanghai" {
			t.Errorf("breaches today %d tz %s", ov.BreachesToday, ov.Timezone)
		}
		if ov.ResolvedToday != 2 || ov.ComplianceToday == nil || *ov.ComplianceToday != 50 {
			t.Errorf("today: %d %v", ov.ResolvedToday, ov.ComplianceToday)
		}
		if ov.Resolved7d != 3 || ov.Compliance7d == nil || int(*ov.Compliance7d) != 66 {
			t.Errorf("7d: %d %v", ov.Resolved7d, ov.Compliance7d)
		}
		es, err := s.Escalations(ctx, f.merchant, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 2 || es[0].Ref != "KD-OV000003" || es[0].EscalationLevel != 2 || es[0].BreachedMetric != "resolution" || es[1].EscalationLevel != 1 || es[1].BreachedMetric != "" {
			t.Errorf("escalations %+v", es)
		}
		// Issue 16: a breached ticket sorts above a higher, non-breached escalation.
		mk(f, "KD-OV000009", store.TicketState{Status: models.StatusOpen, Queue: "supervisor", SLAState: "warning",
			EscalationLevel: 3, EscalatedAt: at(-30 * time.Minute)})
		es, err = s.Escalations(ctx, f.merchant, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 3 || es[0].Ref != "KD-OV000003" || es[1].Ref != "KD-OV000009" || es[2].EscalationLevel != 1 {
			t.Errorf("escalations with a level-3 unbreached ticket: %+v", es)
		}
	})
}

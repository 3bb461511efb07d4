package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/sla"
	"github.com/keydesk/keydesk/store"
)

// tkSeed creates a merchant (with settings) and one ticket, written straight to the database.
func tkSeed(t *testing.T, s *store.Store, settings string) (merchantID, ticketID uint64) {
	t.Helper()
	ctx := context.Background()
	m := models.Merchant{Slug: "tk", Name: "tk", Timezone: "Asia/Shanghai", Settings: models.JSON(settings)}
	if err := s.DB(ctx).Create(&m).Error; err != nil {
		t.Fatal(err)
	}
	tk := models.Ticket{MerchantID: m.ID, Ref: "KD-TK000001", Category: "other", Status: models.StatusNew,
		Priority: models.PriorityNormal, Queue: models.QueueGeneral}
	if err := s.CreateTicket(ctx, &tk, nil); err != nil {
		t.Fatal(err)
	}
	return m.ID, tk.ID
}

func TestRecordTicketChangeIsIdempotentAndVersioned(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mid, tid := tkSeed(t, s, "")
		a := &activities.Activities{Store: s}
		now := time.Now().UTC().Truncate(time.Second)
		v2 := activities.TicketChange{MerchantID: mid, TicketID: tid,
			Row:           store.TicketState{Status: models.StatusOpen, Priority: models.PriorityHigh, Queue: models.QueueSupervisor, EscalationLevel: 1, StateVersion: 2},
			Snapshot:      models.JSON(`{"version":2}`),
			Events:        []activities.EventRecord{{Key: "wf/2", Kind: "sla_breach", ActorKind: "system", Data: map[string]any{"metric": "first_response"}, At: now}},
			Messages:      []activities.MessageRecord{{RequestID: "r2", AuthorKind: "agent", AuthorID: 3, Body: "hello", At: now}},
			Notifications: []activities.NotificationRecord{{Kind: models.NotifySLABreach, Level: 1, RecipientRole: "supervisor", DedupeKey: "sla/x/L1", At: now}},
			CSAT:          &activities.CSATRecord{Score: 4, At: now},
		}
		for i := 0; i < 3; i++ { // Temporal retries: the same change written again
			if err := a.RecordTicketChange(ctx, v2); err != nil {
				t.Fatal(err)
			}
		}
		v1 := activities.TicketChange{MerchantID: mid, TicketID: tid, Snapshot: models.JSON(`{"version":1}`),
			Row:    store.TicketState{Status: models.StatusNew, Priority: models.PriorityNormal, StateVersion: 1},
			Events: []activities.EventRecord{{Key: "wf/1", Kind: "opened", ActorKind: "system", At: now}}}
		if err := a.RecordTicketChange(ctx, v1); err != nil { // a late, older write
			t.Fatal(err)
		}
		tk, _ := s.TicketByID(ctx, mid, tid)
		evs, _ := s.TicketEvents(ctx, mid, tid)
		msgs, _ := s.TicketMessages(ctx, mid, tid, true)
		ns, _ := s.TicketNotifications(ctx, mid, tid)
		snap, _ := s.TicketSnapshot(ctx, mid, tid)
		if tk.StateVersion != 2 || tk.Priority != models.PriorityHigh || tk.EscalationLevel != 1 {
			t.Errorf("row: v%d %s L%d", tk.StateVersion, tk.Priority, tk.EscalationLevel)
		}
		if len(evs) != 2 || len(msgs) != 1 || len(ns) != 1 || snap.StateVersion != 2 {
			t.Errorf("events %d messages %d notifications %d snapshot v%d", len(evs), len(msgs), len(ns), snap.StateVersion)
		}
		if msgs[0].AuthorID == nil || *msgs[0].AuthorID != 3 {
			t.Errorf("message author %+v", msgs[0].AuthorID)
		}
	})
}

func TestLoadTicketPolicyDefaultsAndStored(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mid, _ := tkSeed(t, s, `{"auto_close_days": 3}`)
		a := &activities.Activities{Store: s}
		p, err := a.LoadTicketPolicy(ctx, activities.PolicyInput{MerchantID: mid})
		if err != nil {
			t.Fatal(err)
		}
		if p.TargetsFor(models.PriorityUrgent).FirstResponse != 15*time.Minute || p.AutoCloseDays != 3 ||
			p.Calendar.Location.String() != "Asia/Shanghai" || !p.Calendar.IsOpen(time.Date(2026, 11, 8, 3, 0, 0, 0, time.UTC)) ||
			len(p.Chain) != 3 || p.Step(2).Queue != models.QueueSupervisor {
			t.Fatalf("defaults: %+v", p)
		}
		if err := s.SaveSLAPolicies(ctx, mid, []models.SLAPolicy{{Priority: models.PriorityNormal, FirstResponseSecs: 600, NextResponseSecs: 1200, ResolutionSecs: 3600, WarnFraction: 0.5}}); err != nil {
			t.Fatal(err)
		}
		cal := models.BusinessCalendar{MerchantID: mid, Timezone: "Asia/Shanghai",
			Week:            models.JSON(`["","09:00-18:00","09:00-18:00","09:00-18:00","09:00-18:00","09:00-18:00",""]`),
			Holidays:        models.JSON(`["2026-11-09"]`),
			EscalationChain: models.JSON(`[{"level":1,"queue":"supervisor","notify":["supervisor"]}]`)}
		if err := s.SaveBusinessCalendar(ctx, cal); err != nil {
			t.Fatal(err)
		}
		p, err = a.LoadTicketPolicy(ctx, activities.PolicyInput{MerchantID: mid})
		if err != nil {
			t.Fatal(err)
		}
		want := sla.Targets{FirstResponse: 10 * time.Minute, NextResponse: 20 * time.Minute, Resolution: time.Hour, WarnFraction: 0.5}
		if p.TargetsFor(models.PriorityNormal) != want || p.TargetsFor(models.PriorityHigh).FirstResponse != time.Hour {
			t.Errorf("targets %+v", p.Targets)
		}
		sh, _ := time.LoadLocation("Asia/Shanghai")
		if p.Calendar.IsOpen(time.Date(2026, 11, 9, 10, 0, 0, 0, sh)) || !p.Calendar.IsOpen(time.Date(2026, 11, 10, 10, 0, 0, 0, sh)) {
			t.Error("holiday or weekday wrong")
		}
		if len(p.Chain) != 1 || p.Step(1).Queue != models.QueueSupervisor {
			t.Errorf("chain %+v", p.Chain)
		}
	})
}

package workflows

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/sla"
)

// quietPolicy has SLA targets far beyond the dispute tests, so only the dispute's own
// deadline escalates.
func quietPolicy() activities.TicketPolicy {
	p := testPolicy()
	for prio := range p.Targets {
		p.Targets[prio] = sla.Targets{FirstResponse: 900 * time.Hour, NextResponse: 900 * time.Hour, Resolution: 900 * time.Hour, WarnFraction: 0.75}
	}
	return p
}

// disputeMocks mocks OpenDisputeCase (evidence due `due` after the start) and
// RecordDisputeAction (statuses advanced like the store does); it returns the actions seen.
func (h *harness) disputeMocks(due time.Duration) *[]activities.DisputeActionInput {
	var mu sync.Mutex
	var seen []activities.DisputeActionInput
	a := &activities.Activities{}
	h.env.OnActivity(a.OpenDisputeCase, mock.Anything, mock.Anything).Return(activities.DisputeCase{
		DisputeID: 31, CaseID: "CB-31", OrderID: 3, Status: models.DisputeReady, Amount: 2000, Currency: "EUR",
		EvidenceDueBy: h.start.Add(due), Summary: []string{"Key revealed."}}, nil)
	next := map[string]string{activities.DisputeActionSignOff: models.DisputeSignedOff, activities.DisputeActionSubmit: models.DisputeSubmitted}
	h.env.OnActivity(a.RecordDisputeAction, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.DisputeActionInput) (activities.DisputeActionResult, error) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, in)
			st := next[in.Action]
			if in.Action == activities.DisputeActionOutcome {
				st = in.Outcome
			}
			return activities.DisputeActionResult{Status: st, Changed: true}, nil
		})
	return &seen
}

func TestDisputeRemindersAndEscalationOnTheEvidenceDeadline(t *testing.T) {
	h := newHarness(t, quietPolicy(), monday0900)
	h.disputeMocks(100 * time.Hour)
	h.at(time.Minute, func() {
		st := h.query()
		if st.Dispute == nil || st.Dispute.CaseID != "CB-31" || st.Queue != models.QueueDisputes || st.EscalationLevel != 0 {
			t.Errorf("after open: %+v queue %s level %d", st.Dispute, st.Queue, st.EscalationLevel)
		}
	})
	h.at(99*time.Hour, func() {
		if st := h.query(); st.EscalationLevel != 0 || len(st.Dispute.Reminded) != 3 {
			t.Errorf("before the deadline: level %d reminded %v", st.EscalationLevel, st.Dispute.Reminded)
		}
	})
	h.at(100*time.Hour+time.Minute, func() {
		st := h.query()
		if st.EscalationLevel != 2 || st.Queue != models.QueueSupervisor || !st.Dispute.Missed {
			t.Errorf("after the deadline: level %d queue %s dispute %+v", st.EscalationLevel, st.Queue, st.Dispute)
		}
	})
	h.closeAt(101 * time.Hour)
	h.run(h.input("dispute", models.PriorityNormal))

	reminders := h.eventsOf("dispute_reminder")
	want := []time.Duration{28 * time.Hour, 76 * time.Hour, 96 * time.Hour} // 72h, 24h, 4h before
	if len(reminders) != len(want) {
		t.Fatalf("reminders = %d, want %d", len(reminders), len(want))
	}
	for i, r := range reminders {
		if got := r.At.Sub(monday0900); got != want[i] {
			t.Errorf("reminder %d at +%s, want +%s", i, got, want[i])
		}
	}
	missed := h.eventsOf("dispute_deadline_missed")
	if len(missed) != 1 || missed[0].At.Sub(monday0900) != 100*time.Hour {
		t.Fatalf("missed = %+v", missed)
	}
	esc := h.eventsOf("escalated")
	if len(esc) != 1 || esc[0].Data["level_to"] != 2 || !strings.Contains(esc[0].Data["reason"].(string), "dispute") {
		t.Fatalf("escalations = %+v", esc)
	}
	var reminderNotes, supervisorEsc int
	for _, n := range h.notifications() {
		switch {
		case n.Kind == models.NotifyDispute:
			reminderNotes++
		case n.RecipientRole == "supervisor" && n.Level == 2:
			supervisorEsc++
		}
	}
	if reminderNotes != 6 || supervisorEsc != 1 {
		t.Fatalf("notifications: %d reminders (want 3 × supervisor+assignee), %d supervisor escalations", reminderNotes, supervisorEsc)
	}
}

func TestDisputeSignOffThenSubmitStopsTheDeadline(t *testing.T) {
	h := newHarness(t, quietPolicy(), monday0900)
	seen := h.disputeMocks(50 * time.Hour)
	h.at(time.Hour, func() {
		h.chain(
			step{name: UpdateDisputeAction, in: DisputeActionInput{ActionInput: agent(""), Action: activities.DisputeActionSubmit}, then: rejectedWith(t, "signed off")},
			step{name: UpdateDisputeAction, in: DisputeActionInput{ActionInput: agent(""), Action: activities.DisputeActionSignOff}, then: rejectedWith(t, "supervisor or admin")},
			step{name: UpdateDisputeAction, in: DisputeActionInput{ActionInput: supervisor(""), Action: activities.DisputeActionSignOff, IP: "192.0.2.1"}, then: accepted(t, func(st State) {
				if st.Dispute.Status != models.DisputeSignedOff {
					t.Errorf("after sign-off: %+v", st.Dispute)
				}
			})},
		)
	})
	h.at(40*time.Hour, func() {
		h.must(UpdateDisputeAction, DisputeActionInput{ActionInput: agent(""), Action: activities.DisputeActionSubmit}, func(st State) {
			if st.Dispute.Status != models.DisputeSubmitted || st.Status != models.StatusResolved {
				t.Errorf("after submit: %s %+v", st.Status, st.Dispute)
			}
		})
	})
	h.at(60*time.Hour, func() {
		h.chain(
			step{name: UpdateDisputeAction, in: DisputeActionInput{ActionInput: supervisor(""), Action: activities.DisputeActionOutcome, Outcome: "maybe"}, then: rejectedWith(t, "won or lost")},
			step{name: UpdateDisputeAction, in: DisputeActionInput{ActionInput: supervisor(""), Action: activities.DisputeActionOutcome, Outcome: models.DisputeLost}},
		)
	})
	h.closeAt(70 * time.Hour)
	h.run(h.input("dispute", models.PriorityNormal))
	// Reminder 72h before was before the case opened (skipped); 24h before (+26h) was sent;
	// 4h before (+46h) and the deadline (+50h) came after the submission at +40h.
	if r := h.eventsOf("dispute_reminder"); len(r) != 1 || r[0].At.Sub(monday0900) != 26*time.Hour {
		t.Fatalf("reminders = %+v", r)
	}
	if len(h.eventsOf("dispute_deadline_missed")) != 0 || len(h.eventsOf("escalated")) != 0 {
		t.Fatal("a submitted dispute must not escalate")
	}
	var actions []string
	for _, a := range *seen {
		actions = append(actions, a.Action+":"+a.Outcome)
	}
	if strings.Join(actions, ",") != "sign_off:,submit:,outcome:lost" || (*seen)[0].ActorID != 6 || (*seen)[0].IP != "192.0.2.1" {
		t.Fatalf("recorded actions = %v", *seen)
	}
	if len(h.eventsOf("dispute_lost")) != 1 || len(h.eventsOf("dispute_signed_off")) != 1 {
		t.Fatal("dispute steps must be ticket events")
	}
}

func TestNextDisputeAlarm(t *testing.T) {
	due := monday0900.Add(100 * time.Hour)
	d := &DisputeState{DueBy: due, OpenedAt: monday0900.Add(50 * time.Hour), Status: models.DisputeReady}
	at, before, missed, ok := nextDisputeAlarm(d)
	if !ok || missed || before != 24*time.Hour || !at.Equal(due.Add(-24*time.Hour)) {
		t.Fatalf("first alarm = %v %v %v %v (72h before fell before the opening)", at, before, missed, ok)
	}
	d.Reminded = []time.Duration{24 * time.Hour, 4 * time.Hour}
	if at, _, missed, ok = nextDisputeAlarm(d); !ok || !missed || !at.Equal(due) {
		t.Fatalf("after reminders: %v %v %v", at, missed, ok)
	}
	d.Status = models.DisputeSubmitted
	if _, _, _, ok = nextDisputeAlarm(d); ok {
		t.Fatal("a submitted dispute has no alarm")
	}
	if _, _, _, ok = nextDisputeAlarm(nil); ok {
		t.Fatal("no dispute, no alarm")
	}
}

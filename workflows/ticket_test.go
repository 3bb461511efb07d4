package workflows

import (
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/sla"
)

func TestFirstResponseWarnsThenBreachEscalates(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	h.at(40*time.Minute, func() {
		if n := len(h.eventsOf("sla_warning")); n != 0 {
			t.Errorf("warning before 45m: %d", n)
		}
	})
	h.at(50*time.Minute, func() {
		w := h.eventsOf("sla_warning")
		if len(w) != 1 || !w[0].At.Equal(monday0900.Add(45*time.Minute)) {
			t.Fatalf("want one warning at 45m, got %+v", w)
		}
		st := h.query()
		if st.EscalationLevel != 0 || clockView(st, sla.FirstResponse).Status != sla.StatusWarning {
			t.Errorf("after warning: level %d status %q", st.EscalationLevel, clockView(st, sla.FirstResponse).Status)
		}
	})
	h.at(61*time.Minute, func() {
		b := h.eventsOf("sla_breach")
		if len(b) != 1 || !b[0].At.Equal(monday0900.Add(time.Hour)) {
			t.Fatalf("want one breach at 60m, got %+v", b)
		}
		st := h.query()
		if st.EscalationLevel != 1 || st.Priority != models.PriorityHigh || st.Queue != models.QueueGeneral {
			t.Errorf("after breach: level %d priority %s queue %s", st.EscalationLevel, st.Priority, st.Queue)
		}
		row := h.lastChange().Row
		if row.SLAState != sla.StatusBreached || row.FirstResponseBreachedAt == nil || row.EscalatedAt == nil || row.EscalationLevel != 1 {
			t.Errorf("read model after breach: %+v", row)
		}
		roles := map[string]bool{}
		for _, n := range h.notifications() {
			if n.Kind == models.NotifySLABreach {
				roles[n.RecipientRole] = true
			}
		}
		if !roles["team_lead"] || !roles["supervisor"] {
			t.Errorf("breach notifications: %v", roles)
		}
	})
	h.closeAt(70 * time.Minute)
	h.run(h.input("other", models.PriorityNormal))
}

func TestEscalationChainThroughLevels(t *testing.T) {
	p := testPolicy()
	p.Targets[models.PriorityNormal] = sla.Targets{FirstResponse: time.Hour, NextResponse: 2 * time.Hour, Resolution: 4 * time.Hour, WarnFraction: 2}
	p.Targets[models.PriorityHigh] = sla.Targets{FirstResponse: 30 * time.Minute, NextResponse: 30 * time.Minute, Resolution: 3 * time.Hour, WarnFraction: 2}
	p.Targets[models.PriorityUrgent] = sla.Targets{FirstResponse: 15 * time.Minute, NextResponse: 15 * time.Minute, Resolution: 2 * time.Hour, WarnFraction: 2}
	h := newHarness(t, p, monday0900)
	// 60m: first response breach -> L1, high. 70m agent reply, 80m buyer message: next
	// response (high, 30m) breaches at 110m -> L2, urgent: resolution retargets to 2h and
	// breaches at 120m -> L3. Nothing goes above 3.
	h.at(70*time.Minute, func() { h.must(UpdateReply, ReplyInput{ActionInput: agent(""), Body: "looking"}, nil) })
	h.at(80*time.Minute, func() { h.must(UpdateCustomerReply, ReplyInput{ActionInput: buyer(""), Body: "still broken"}, nil) })
	h.at(125*time.Minute, func() {
		st := h.query()
		if st.EscalationLevel != 3 || st.Priority != models.PriorityUrgent || st.Queue != models.QueueSupervisor {
			t.Fatalf("level %d priority %s queue %s", st.EscalationLevel, st.Priority, st.Queue)
		}
		var levels []int
		var at []time.Duration
		for _, e := range h.eventsOf("escalated") {
			levels = append(levels, toInt(e.Data["level_to"]))
			at = append(at, e.At.Sub(monday0900))
		}
		want := []time.Duration{60 * time.Minute, 110 * time.Minute, 120 * time.Minute}
		if len(levels) != 3 || levels[0] != 1 || levels[2] != 3 || at[0] != want[0] || at[1] != want[1] || at[2] != want[2] {
			t.Fatalf("escalations: levels %v at %v", levels, at)
		}
		admin := false
		for _, n := range h.notifications() {
			admin = admin || (n.RecipientRole == "admin" && n.Level == 3)
		}
		if !admin {
			t.Error("level 3 did not notify admin")
		}
	})
	h.closeAt(130 * time.Minute)
	h.run(h.input("other", models.PriorityNormal))
}

func toInt(v any) int {
	switch x := v.(type) {
	case int:
		return x
	case float64:
		return int(x)
	}
	return -1
}

func TestPauseAndResumeKeepsTimeUsed(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	h.at(20*time.Minute, func() {
		h.must(UpdateSetStatus, StatusInput{ActionInput: agent(""), Status: models.StatusPendingCustomer}, nil)
	})
	h.at(90*time.Minute, func() {
		st := h.query()
		v := clockView(st, sla.FirstResponse)
		if !v.Paused || v.Used != 20*time.Minute || v.Status != sla.StatusPaused {
			t.Fatalf("while pending: %+v", v)
		}
		if len(h.eventsOf("sla_breach")) != 0 {
			t.Fatal("breached while paused")
		}
	})
	h.at(140*time.Minute, func() {
		h.must(UpdateCustomerReply, ReplyInput{ActionInput: buyer(""), Body: "here is the screenshot"}, func(st State) {
			if st.Status != models.StatusOpen {
				t.Errorf("buyer reply left status %s", st.Status)
			}
			if d := clockView(st, sla.FirstResponse).Deadline; !d.Equal(monday0900.Add(180 * time.Minute)) {
				t.Errorf("resumed deadline %v, want 180m", d.Sub(monday0900))
			}
		})
	})
	h.at(181*time.Minute, func() {
		b := h.eventsOf("sla_breach")
		if len(b) == 0 || !b[0].At.Equal(monday0900.Add(180*time.Minute)) {
			t.Fatalf("breach after resume: %+v", b)
		}
	})
	h.closeAt(190 * time.Minute)
	h.run(h.input("other", models.PriorityNormal))
}

func TestBusinessHoursAcrossWeekendAndHoliday(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	cal, err := sla.Weekly(sh, "09:00-12:00,13:00-18:00", time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)
	if err != nil {
		t.Fatal(err)
	}
	cal.Holidays = []string{"2026-11-09"} // the Monday after
	p := testPolicy()
	p.Calendar = cal
	p.Targets[models.PriorityNormal] = sla.Targets{FirstResponse: 4 * time.Hour, NextResponse: 8 * time.Hour, Resolution: 40 * time.Hour, WarnFraction: 0.75}
	p.Targets[models.PriorityHigh] = sla.Targets{FirstResponse: 2 * time.Hour, NextResponse: 4 * time.Hour, Resolution: 40 * time.Hour, WarnFraction: 0.75}
	// Friday 2026-11-06 17:00 Shanghai: 1h on Friday, weekend and Monday closed, then
	// Tuesday 09:00-12:00 (3h): the deadline is Tuesday 12:00; the warning (3h) Tuesday 11:00.
	start := time.Date(2026, 11, 6, 17, 0, 0, 0, sh)
	h := newHarness(t, p, start)
	wantWarn := time.Date(2026, 11, 10, 11, 0, 0, 0, sh)
	wantBreach := time.Date(2026, 11, 10, 12, 0, 0, 0, sh)
	h.at(time.Hour, func() {
		if d := clockView(h.query(), sla.FirstResponse).Deadline; !d.Equal(wantBreach) {
			t.Errorf("deadline %v, want %v", d.In(sh), wantBreach)
		}
	})
	h.at(wantBreach.Sub(start)+time.Minute, func() {
		w, b := h.eventsOf("sla_warning"), h.eventsOf("sla_breach")
		if len(w) != 1 || !w[0].At.Equal(wantWarn) {
			t.Errorf("warning %+v, want at %v", w, wantWarn)
		}
		if len(b) != 1 || !b[0].At.Equal(wantBreach) {
			t.Errorf("breach %+v, want at %v", b, wantBreach)
		}
	})
	h.closeAt(wantBreach.Sub(start) + 2*time.Minute)
	h.run(h.input("other", models.PriorityNormal))
}

func TestPriorityChangeRecomputesFromTimeUsed(t *testing.T) {
	p := testPolicy()
	p.Targets[models.PriorityNormal] = sla.Targets{FirstResponse: 4 * time.Hour, NextResponse: 8 * time.Hour, Resolution: 24 * time.Hour, WarnFraction: 2}
	p.Targets[models.PriorityHigh] = sla.Targets{FirstResponse: 2 * time.Hour, NextResponse: 2 * time.Hour, Resolution: 8 * time.Hour, WarnFraction: 2}
	p.Targets[models.PriorityUrgent] = sla.Targets{FirstResponse: time.Hour, NextResponse: time.Hour, Resolution: 8 * time.Hour, WarnFraction: 2}
	h := newHarness(t, p, monday0900)
	h.at(time.Hour, func() {
		h.must(UpdateSetPriority, PriorityInput{ActionInput: agent(""), Priority: models.PriorityHigh}, func(st State) {
			v := clockView(st, sla.FirstResponse)
			if v.Target != 2*time.Hour || !v.Deadline.Equal(monday0900.Add(2*time.Hour)) || v.Used != time.Hour {
				t.Errorf("after priority change: %+v", v)
			}
			if len(h.eventsOf("priority_changed")) != 1 {
				t.Error("no priority_changed event")
			}
		})
	})
	h.at(121*time.Minute, func() {
		b := h.eventsOf("sla_breach")
		if len(b) != 1 || !b[0].At.Equal(monday0900.Add(2*time.Hour)) {
			t.Fatalf("breach %+v", b)
		}
	})
	h.closeAt(130 * time.Minute)
	h.run(h.input("other", models.PriorityNormal))
}

func TestAgentReplyMeetsFirstResponse(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	h.at(30*time.Minute, func() {
		h.must(UpdateReply, ReplyInput{ActionInput: agent(""), Body: "We are on it"}, func(st State) {
			v := clockView(st, sla.FirstResponse)
			if v.Status != sla.StatusMet || !v.MetAt.Equal(monday0900.Add(30*time.Minute)) {
				t.Errorf("first response: %+v", v)
			}
			row := h.lastChange().Row
			if row.FirstResponseAt == nil || row.FirstResponseDueAt != nil {
				t.Errorf("row after reply: first_response_at %v due %v", row.FirstResponseAt, row.FirstResponseDueAt)
			}
			if m := h.messages(); len(m) != 1 || m[0].Internal || m[0].AuthorKind != ActorAgent {
				t.Errorf("messages %+v", m)
			}
		})
	})
	h.at(3*time.Hour, func() {
		for _, e := range h.eventsOf("sla_breach") {
			if e.Data["metric"] == string(sla.FirstResponse) {
				t.Errorf("first response breached although met: %+v", e)
			}
		}
	})
	h.closeAt(3*time.Hour + time.Minute)
	h.run(h.input("other", models.PriorityNormal))
}

func TestNextResponseStartsAfterBuyerMessage(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	h.at(10*time.Minute, func() { h.must(UpdateReply, ReplyInput{ActionInput: agent(""), Body: "hello"}, nil) })
	h.at(20*time.Minute, func() {
		if clockView(h.query(), sla.NextResponse).Status != "" {
			t.Error("next response started before a buyer message")
		}
		h.must(UpdateCustomerReply, ReplyInput{ActionInput: buyer(""), Body: "still not working"}, func(st State) {
			v := clockView(st, sla.NextResponse)
			if v.Status != sla.StatusOK || !v.Deadline.Equal(monday0900.Add(140*time.Minute)) {
				t.Errorf("next response after buyer message: %+v", v)
			}
		})
	})
	h.at(141*time.Minute, func() {
		b := h.eventsOf("sla_breach")
		if len(b) != 1 || b[0].Data["metric"] != string(sla.NextResponse) || !b[0].At.Equal(monday0900.Add(140*time.Minute)) {
			t.Fatalf("next response breach %+v", b)
		}
		h.must(UpdateReply, ReplyInput{ActionInput: agent(""), Body: "fixed"}, func(st State) {
			if v := clockView(st, sla.NextResponse); v.MetAt.IsZero() || v.Status != sla.StatusBreached {
				t.Errorf("late reply: %+v", v)
			}
		})
	})
	h.closeAt(150 * time.Minute)
	h.run(h.input("other", models.PriorityNormal))
}

func TestResolvedTicketClosesItselfAfterDays(t *testing.T) {
	p := testPolicy()
	p.AutoCloseDays = 3
	h := newHarness(t, p, monday0900)
	h.at(time.Hour, func() {
		h.must(UpdateResolve, ReplyInput{ActionInput: agent(""), Body: "done"}, nil)
	})
	st := h.run(h.input("other", models.PriorityNormal))
	if st.Status != models.StatusClosed || !st.ClosedAt.Equal(monday0900.Add(time.Hour+72*time.Hour)) {
		t.Fatalf("status %s closed at %v", st.Status, st.ClosedAt.Sub(monday0900))
	}
	if len(h.eventsOf("auto_closed")) != 1 || h.lastChange().Row.ClosedAt == nil {
		t.Error("auto-close not recorded")
	}
}

func TestBuyerReplyReopensResolvedTicket(t *testing.T) {
	p := testPolicy()
	p.AutoCloseDays = 3
	h := newHarness(t, p, monday0900)
	h.at(30*time.Minute, func() { h.must(UpdateReply, ReplyInput{ActionInput: agent(""), Body: "try this"}, nil) })
	h.at(time.Hour, func() { h.must(UpdateResolve, ReplyInput{ActionInput: agent("")}, nil) })
	h.at(49*time.Hour, func() {
		h.must(UpdateCustomerReply, ReplyInput{ActionInput: buyer(""), Body: "it did not work"}, func(st State) {
			if st.Status != models.StatusOpen || !st.ResolvedAt.IsZero() {
				t.Errorf("after buyer reply: %s", st.Status)
			}
			res := clockView(st, sla.Resolution)
			if res.Status != sla.StatusOK || res.Used != time.Hour {
				t.Errorf("resolution clock after reopen: %+v", res)
			}
			if clockView(st, sla.NextResponse).Status != sla.StatusOK {
				t.Error("buyer message did not start next response")
			}
		})
	})
	h.at(80*time.Hour, func() {
		if h.query().Status != models.StatusOpen || len(h.eventsOf("auto_closed")) != 0 {
			t.Error("reopened ticket auto-closed")
		}
		h.must(UpdateResolve, ReplyInput{ActionInput: agent(""), Body: "second fix"}, nil)
	})
	st := h.run(h.input("other", models.PriorityNormal))
	if st.Status != models.StatusClosed || len(h.eventsOf("reopened")) != 1 {
		t.Fatalf("final %s, reopened events %d", st.Status, len(h.eventsOf("reopened")))
	}
}

func TestReopenClosedTicketStartsNewRun(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	closed := State{
		TicketID: 42, MerchantID: 7, Ref: "KD-TEST0001", Category: "other", Status: models.StatusClosed,
		Priority: models.PriorityNormal, Queue: models.QueueGeneral, Seq: 9, Version: 9,
		CreatedAt: monday0900.Add(-10 * 24 * time.Hour), ResolvedAt: monday0900.Add(-8 * 24 * time.Hour), ClosedAt: monday0900.Add(-24 * time.Hour),
		Clocks: newClocks(testPolicy().TargetsFor(models.PriorityNormal), monday0900.Add(-10*24*time.Hour)),
	}
	closed.Clocks.FirstResponse = closed.Clocks.FirstResponse.Stop(monday0900.Add(-10*24*time.Hour+time.Minute), true)
	closed.Clocks.Resolution = closed.Clocks.Resolution.Stop(monday0900.Add(-10*24*time.Hour+2*time.Hour), true)
	in := h.input("other", models.PriorityNormal)
	in.Resume = &closed
	h.at(time.Second, func() {
		h.chain(step{name: UpdateReply, in: ReplyInput{ActionInput: agent(""), Body: "x"}, then: func(_ State, err error) {
			if err == nil || !strings.Contains(err.Error(), "ticket is closed") {
				t.Errorf("reply on closed ticket: %v", err)
			}
		}}, step{name: UpdateReopen, in: agent(""), then: func(st State, err error) {
			if err != nil || st.Status != models.StatusOpen || st.Seq <= 9 || st.Version <= 9 {
				t.Errorf("reopened: %+v %v", st, err)
			}
			if v := clockView(st, sla.Resolution); v.Used != 2*time.Hour || v.Status != sla.StatusOK {
				t.Errorf("resolution after reopen: %+v", v)
			}
		}})
	})
	h.closeAt(time.Minute)
	st := h.run(in)
	if st.Status != models.StatusClosed {
		t.Fatalf("final %s", st.Status)
	}
}

func TestClosedRunEndsWithoutReopen(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	closed := State{TicketID: 42, MerchantID: 7, Status: models.StatusClosed, Priority: models.PriorityNormal, Version: 3}
	in := h.input("other", models.PriorityNormal)
	in.Resume = &closed
	st := h.run(in)
	if st.Status != models.StatusClosed || h.env.Now().Sub(monday0900) != reopenGrace {
		t.Fatalf("status %s ended after %v", st.Status, h.env.Now().Sub(monday0900))
	}
}

func TestContinueAsNewCarriesState(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	in := h.input("other", models.PriorityNormal)
	in.HistoryLimit = 60
	h.at(10*time.Minute, func() {
		var steps []step
		for i := 0; i < 12; i++ {
			steps = append(steps, step{name: UpdateNote, in: ReplyInput{ActionInput: agent(""), Body: "note"}})
		}
		// The test environment does not count history events: report a long history before
		// the last update, whose commit wakes the main loop.
		steps[len(steps)-1].then = func(State, error) { h.env.SetCurrentHistoryLength(100) }
		steps = append(steps, step{name: UpdateSetStatus, in: StatusInput{ActionInput: agent("pend"), Status: models.StatusPendingCustomer}})
		h.chain(steps...)
	})
	h.env.ExecuteWorkflow(TicketWorkflowName, in)
	err := h.env.GetWorkflowError()
	var can *workflow.ContinueAsNewError
	if !errors.As(err, &can) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
	var next TicketInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	r := next.Resume
	if r == nil || r.Seq < 13 || r.Version < 13 || len(r.RequestIDs) < 13 || r.Status != models.StatusPendingCustomer {
		t.Fatalf("resume state lost: %+v", r)
	}
	if fr := r.Clocks.FirstResponse; fr.Running || fr.Used != 10*time.Minute {
		t.Errorf("clock across continue-as-new: %+v", fr)
	}
	if next.TicketID != in.TicketID || next.HistoryLimit != in.HistoryLimit {
		t.Errorf("input not carried: %+v", next)
	}
}

func TestRepeatedRequestIDActsOnce(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	h.at(5*time.Minute, func() {
		var a State
		h.chain(step{name: UpdateReply, in: ReplyInput{ActionInput: agent("same"), Body: "hi"}, then: func(st State, _ error) { a = st }},
			step{name: UpdateReply, in: ReplyInput{ActionInput: agent("same"), Body: "hi"}, then: func(b State, err error) {
				if err != nil || a.Version == 0 || a.Version != b.Version || len(h.messages()) != 1 || len(h.eventsOf("replied")) != 1 {
					t.Errorf("repeated request acted twice: v%d v%d, %d messages, %v", a.Version, b.Version, len(h.messages()), err)
				}
			}})
	})
	h.closeAt(10 * time.Minute)
	h.run(h.input("other", models.PriorityNormal))
}

func TestValidatorsRejectIllegalTransitions(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	cases := []struct {
		name   string
		update string
		in     any
		want   string
	}{
		{"rate open", UpdateRate, RateInput{ActionInput: buyer(""), Score: 5}, "only a resolved ticket can be rated"},
		{"deescalate at 0", UpdateEscalate, EscalateInput{ActionInput: agent(""), Delta: -1, Reason: "x"}, "ticket is not escalated"},
		{"escalate no reason", UpdateEscalate, EscalateInput{ActionInput: agent(""), Delta: 1}, "a reason is required"},
		{"empty reply", UpdateReply, ReplyInput{ActionInput: agent(""), Body: "  "}, "message body is empty"},
		{"bad priority", UpdateSetPriority, PriorityInput{ActionInput: agent(""), Priority: "asap"}, "priority must be one of"},
		{"same priority", UpdateSetPriority, PriorityInput{ActionInput: agent(""), Priority: models.PriorityNormal}, "already normal priority"},
		{"close open", UpdateSetStatus, StatusInput{ActionInput: agent(""), Status: models.StatusClosed}, "only a resolved ticket can be closed"},
		{"reopen open", UpdateReopen, agent(""), "only a resolved or closed ticket can be reopened"},
		{"no risk review", UpdateRiskDecision, DecisionInput{ActionInput: agent(""), Approve: true}, "no risk review is pending"},
		{"no refund", UpdateRefundDecision, DecisionInput{ActionInput: agent(""), Approve: true}, "no refund is pending"},
		{"agent as buyer", UpdateCustomerReply, ReplyInput{ActionInput: agent(""), Body: "x"}, "customer_reply is for the buyer"},
	}
	h.at(time.Minute, func() {
		var steps []step
		for _, c := range cases {
			steps = append(steps, step{name: c.update, in: c.in, then: func(_ State, err error) {
				if err == nil || !strings.Contains(err.Error(), c.want) || !IsRejected(err) {
					t.Errorf("%s: got %v, want rejection %q", c.name, err, c.want)
				}
			}})
		}
		steps = append(steps, step{name: UpdateResolve, in: ReplyInput{ActionInput: agent("")}, then: func(st State, err error) {
			if err != nil || st.Version != 2 {
				t.Errorf("rejected updates changed the state: version %d (%v)", st.Version, err)
			}
		}})
		for _, score := range []int{0, 6} {
			steps = append(steps, step{name: UpdateRate, in: RateInput{ActionInput: buyer(""), Score: score}, then: func(_ State, err error) {
				if err == nil || !strings.Contains(err.Error(), "score must be 1..5") {
					t.Errorf("rate %d: %v", score, err)
				}
			}})
		}
		steps = append(steps, step{name: UpdateRate, in: RateInput{ActionInput: buyer(""), Score: 4}, then: func(st State, err error) {
			if err != nil || st.CSAT != 4 {
				t.Errorf("csat %d %v", st.CSAT, err)
			}
		}}, step{name: UpdateRate, in: RateInput{ActionInput: buyer(""), Score: 5}, then: func(_ State, err error) {
			if err == nil || !strings.Contains(err.Error(), "already rated") {
				t.Errorf("second rating: %v", err)
			}
		}})
		h.chain(steps...)
	})
	h.closeAt(2 * time.Minute)
	h.run(h.input("other", models.PriorityNormal))
}

func TestManualEscalateAndDeescalate(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	sup := ActionInput{RequestID: "e1", Actor: Actor{Kind: ActorAgent, UserID: 9, Role: "supervisor"}}
	h.at(time.Minute, func() {
		esc := func(id string, delta int) step {
			return step{name: UpdateEscalate, in: EscalateInput{ActionInput: ActionInput{RequestID: id, Actor: sup.Actor}, Delta: delta, Reason: "vip buyer"}}
		}
		up2 := esc("e2", 1)
		up2.then = func(st State, err error) {
			if err != nil || st.EscalationLevel != 2 || st.Queue != models.QueueSupervisor || st.Priority != models.PriorityNormal {
				t.Errorf("after escalate: %+v %v", st, err)
			}
		}
		down2 := esc("e4", -1)
		down2.then = func(st State, err error) {
			if err != nil || st.EscalationLevel != 0 || st.Queue != models.QueueGeneral {
				t.Errorf("after de-escalate: level %d queue %s %v", st.EscalationLevel, st.Queue, err)
			}
		}
		h.chain(esc("e1", 1), up2, esc("e3", -1), down2)
	})
	h.at(90*time.Second, func() {
		n := 0
		for _, x := range h.notifications() {
			if x.Kind == models.NotifyEscalation {
				n++
			}
		}
		if n != 3 { // level 1: team_lead + supervisor, level 2: supervisor
			t.Errorf("escalation notifications %d", n)
		}
	})
	h.closeAt(2 * time.Minute)
	h.run(h.input("other", models.PriorityNormal))
}

func TestPolicyChangedRecomputesDeadlines(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	h.at(20*time.Minute, func() {
		h.mu.Lock()
		h.policy.Targets[models.PriorityNormal] = sla.Targets{FirstResponse: 30 * time.Minute, NextResponse: time.Hour, Resolution: 8 * time.Hour, WarnFraction: 2}
		h.mu.Unlock()
		h.must(UpdatePolicyChanged, agent(""), func(st State) {
			if v := clockView(st, sla.FirstResponse); v.Target != 30*time.Minute || !v.Deadline.Equal(monday0900.Add(30*time.Minute)) {
				t.Errorf("after policy change: %+v", v)
			}
		})
	})
	h.at(31*time.Minute, func() {
		b := h.eventsOf("sla_breach")
		if len(b) != 1 || !b[0].At.Equal(monday0900.Add(30*time.Minute)) || len(h.eventsOf("sla_policy_changed")) != 1 {
			t.Errorf("breach after policy change: %+v", b)
		}
	})
	h.closeAt(40 * time.Minute)
	h.run(h.input("other", models.PriorityNormal))
}

// A buyer's closing "thanks" on a resolved ticket is recorded and changes nothing else: the
// ticket stays resolved with its rating, no response clock starts, and it still closes
// itself on time. A further reply with a question reopens as before.
func TestClosingThanksKeepsTicketResolved(t *testing.T) {
	p := testPolicy()
	p.AutoCloseDays = 3
	h := newHarness(t, p, monday0900)
	h.at(time.Hour, func() { h.must(UpdateResolve, ReplyInput{ActionInput: agent(""), Body: "new key sent"}, nil) })
	h.at(2*time.Hour, func() { h.must(UpdateRate, RateInput{ActionInput: buyer(""), Score: 5}, nil) })
	h.at(3*time.Hour, func() {
		h.must(UpdateCustomerReply, ReplyInput{ActionInput: buyer(""), Body: "可以用了，谢谢", ClosingThanks: true}, func(st State) {
			if st.Status != models.StatusResolved || st.CSAT != 5 {
				t.Errorf("after thanks: status %s, rating %d", st.Status, st.CSAT)
			}
			if clockView(st, sla.NextResponse).Status == sla.StatusOK {
				t.Error("a closing thanks started the next-response clock")
			}
		})
	})
	st := h.run(h.input("other", models.PriorityNormal))
	if st.Status != models.StatusClosed || !st.ClosedAt.Equal(monday0900.Add(time.Hour+72*time.Hour)) {
		t.Fatalf("final %s closed at %v", st.Status, st.ClosedAt.Sub(monday0900))
	}
	if len(h.eventsOf("reopened")) != 0 || len(h.eventsOf("thanks_received")) != 1 {
		t.Fatalf("reopened %d, thanks_received %d", len(h.eventsOf("reopened")), len(h.eventsOf("thanks_received")))
	}
}

// ClosingThanks only matters on a solved ticket: on an open one the reply is an ordinary
// buyer message.
func TestClosingThanksOnOpenTicketIsAReply(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	h.at(10*time.Minute, func() {
		h.must(UpdateCustomerReply, ReplyInput{ActionInput: buyer(""), Body: "thanks", ClosingThanks: true}, func(st State) {
			if st.Status != models.StatusOpen {
				t.Errorf("status %s", st.Status)
			}
		})
	})
	h.closeAt(time.Hour)
	h.run(h.input("other", models.PriorityNormal))
	if len(h.eventsOf("thanks_received")) != 0 {
		t.Error("thanks_received on an open ticket")
	}
}

package workflows

// Tests of issue 11's findings: each failed on the 2026-11 code and passes now.

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/fraud"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/sla"
)

// errDatabaseDown is what a write answers while the database is unreachable (retryable).
var errDatabaseDown = errors.New("dial tcp 127.0.0.1:3306: connect: connection refused")

// shortTasks makes local-activity retries longer than a second wait on workflow timers, so
// the test clock skips the outage instead of sleeping through it.
func (h *harness) shortTasks() {
	h.env.SetStartWorkflowOptions(client.StartWorkflowOptions{WorkflowTaskTimeout: time.Second})
}

// A database outage of 30 minutes (workflow time) while the SLA warning is being written:
// the 2026-11 code failed the whole workflow after its 10-minute commit window. Now the
// write is retried until the database answers, the ticket keeps running and its clocks
// record the warning and the breach at their own instants.
func TestDatabaseOutageDuringCommitKeepsTicketRunning(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900) // normal: first response 1 h, warn at 45 min
	h.shortTasks()
	down := monday0900.Add(40 * time.Minute)
	up := down.Add(30 * time.Minute)
	h.failRecord = func(activities.TicketChange) error {
		if now := h.env.Now(); !now.Before(down) && now.Before(up) {
			return errDatabaseDown
		}
		return nil
	}
	h.at(2*time.Hour, func() {
		st := h.query()
		if st.Status != models.StatusOpen || st.EscalationLevel != 1 {
			t.Errorf("after the outage: status %s level %d", st.Status, st.EscalationLevel)
		}
		fr := clockView(st, sla.FirstResponse)
		if !fr.BreachedAt.Equal(monday0900.Add(time.Hour)) || fr.Status != "breached" {
			t.Errorf("first response clock %+v: want breached at 10:00", fr)
		}
	})
	h.closeAt(3 * time.Hour)
	st := h.run(h.input("other", models.PriorityNormal))
	if st.Status != models.StatusClosed {
		t.Fatalf("final status %s", st.Status)
	}
	if h.failedRecords == 0 {
		t.Fatal("the outage never hit a write: the test proves nothing")
	}
	warn, breach := firstResponse(h.eventsOf("sla_warning")), firstResponse(h.eventsOf("sla_breach"))
	if len(warn) != 1 || len(breach) != 1 {
		t.Fatalf("first-response warnings %d breaches %d", len(warn), len(breach))
	}
	if !warn[0].At.Equal(monday0900.Add(45*time.Minute)) && !warn[0].At.Equal(up) {
		t.Errorf("warning written at %v", warn[0].At)
	}
	if got := breach[0].Data["breached_at"]; got != monday0900.Add(time.Hour) {
		t.Errorf("breach recorded at %v, want the deadline 10:00", got)
	}
	t.Logf("%d writes failed during the outage, then the ticket went on", h.failedRecords)
}

// A reply whose commit fails must not be remembered: the 2026-11 code answered the retry
// with the same request id as a success while the database held no message and the state
// said the first response was met.
func TestFailedCommitIsNotRemembered(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	failed := false
	h.failRecord = func(c activities.TicketChange) error {
		for _, m := range c.Messages {
			if m.RequestID == "reply-1" && !failed {
				failed = true
				return temporal.NewNonRetryableApplicationError("disk full", "DiskFull", nil)
			}
		}
		return nil
	}
	in := ReplyInput{ActionInput: agent("reply-1"), Body: "Try this."}
	h.at(10*time.Minute, func() {
		h.chain(step{name: UpdateReply, in: in, then: func(_ State, err error) {
			if err == nil {
				t.Error("the first reply's commit failed but the update succeeded")
			}
			if st := h.query(); !st.Clocks.FirstResponse.MetAt.IsZero() || len(st.RequestIDs) != 0 {
				t.Errorf("state kept the failed change: met %v ids %v", st.Clocks.FirstResponse.MetAt, st.RequestIDs)
			}
		}}, step{name: UpdateReply, in: in, then: func(st State, err error) {
			if err != nil || st.Clocks.FirstResponse.MetAt.IsZero() {
				t.Errorf("retry: %v met %v", err, st.Clocks.FirstResponse.MetAt)
			}
		}})
	})
	h.closeAt(time.Hour)
	h.run(h.input("other", models.PriorityNormal))
	n := 0
	for _, m := range h.messages() {
		if m.RequestID == "reply-1" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("reply written %d times, want once", n)
	}
}

// A buyer reply queued behind a close reopens the ticket: the 2026-11 run completed anyway
// with status "open" (no timers, no auto-close). Now the run goes on.
func TestCloseRacingBuyerReplyKeepsRunning(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	h.at(time.Minute, func() { h.must(UpdateResolve, ReplyInput{ActionInput: agent("")}, nil) })
	h.at(2*time.Minute, func() {
		h.send(UpdateSetStatus, StatusInput{ActionInput: agent("close"), Status: models.StatusClosed}, nil)
		h.send(UpdateCustomerReply, ReplyInput{ActionInput: buyer("late"), Body: "It still does not work"}, func(st State, err error) {
			if err != nil || st.Status != models.StatusOpen {
				t.Errorf("buyer reply: %v %s", err, st.Status)
			}
		})
	})
	h.at(5*time.Hour, func() { // still running: the breach of the reopened ticket fired
		if st := h.query(); st.Status != models.StatusOpen || st.EscalationLevel == 0 {
			t.Errorf("reopened ticket: status %s level %d", st.Status, st.EscalationLevel)
		}
	})
	h.closeAt(6 * time.Hour)
	st := h.run(h.input("other", models.PriorityNormal))
	if st.Status != models.StatusClosed || len(h.eventsOf("reopened")) != 1 {
		t.Fatalf("final %s, reopened %d", st.Status, len(h.eventsOf("reopened")))
	}
}

// continueAsNewInput decodes the input of the run a ContinueAsNewError starts.
func continueAsNewInput(t *testing.T, err error) TicketInput {
	t.Helper()
	var can *workflow.ContinueAsNewError
	if !errors.As(err, &can) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
	var in TicketInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &in); err != nil {
		t.Fatal(err)
	}
	return in
}

// A refund in flight across continue-as-new: the 2026-11 run waited for the refund child
// (hours of gateway retries) with its SLA timers off, and a resumed run never learned the
// outcome. Now the run continues at once, the next run keeps the SLA on time, and the
// child's report reaches whichever run is current.
func TestRefundInFlightAcrossContinueAsNew(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	a := &activities.Activities{}
	h.env.OnActivity(a.PrepareRefund, mock.Anything, mock.Anything).Return(refundPlan(), nil)
	slowGateway := func(ctx workflow.Context, in RefundInput) (RefundOutcome, error) {
		return RefundOutcome{}, workflow.Sleep(ctx, 6*time.Hour) // the gateway takes hours
	}
	h.env.RegisterWorkflowWithOptions(slowGateway, workflow.RegisterOptions{Name: RefundWorkflowName})
	h.at(time.Minute, func() {
		h.must(UpdateRefundDecision, DecisionInput{ActionInput: agent("approve"), Approve: true, Amount: 1000}, nil)
	})
	h.at(2*time.Minute, func() { h.env.SignalWorkflow(SignalContinueAsNew, nil) })
	continued := false
	h.at(3*time.Minute, func() { continued = h.env.IsWorkflowCompleted() })
	h.env.ExecuteWorkflow(TicketWorkflowName, h.input("refund", models.PriorityNormal))
	if !continued {
		t.Fatal("the run was still waiting for the refund child a minute after continue-as-new was asked")
	}
	next := continueAsNewInput(t, h.env.GetWorkflowError())
	if rf := next.Resume.Refund; rf == nil || rf.Status != RefundProcessing || !rf.Reports {
		t.Fatalf("resumed refund %+v", next.Resume.Refund)
	}

	// The next run: its SLA breach fires on time and the child's report arrives.
	h2 := newHarness(t, testPolicy(), monday0900.Add(2*time.Minute))
	rf := next.Resume.Refund
	report := RefundReport{Input: RefundInput{OutRefundNo: rf.OutRefundNo, Amount: rf.Net, Fee: rf.Fee, Currency: rf.Currency},
		Outcome: RefundOutcome{Status: RefundSucceeded, GatewayRefundID: "GW-1"}}
	h2.at(6*time.Hour, func() { h2.env.SignalWorkflow(SignalRefundReport, report) })
	h2.closeAt(7 * time.Hour)
	st := h2.run(next)
	breach := h2.eventsOf("sla_breach")
	if len(breach) == 0 || breach[0].Data["breached_at"] != monday0900.Add(time.Hour) {
		t.Fatalf("breach in the resumed run: %+v", breach)
	}
	if st.Refund.Status != RefundSucceeded || len(h2.eventsOf("refund_succeeded")) != 1 {
		t.Fatalf("refund after the report: %+v", st.Refund)
	}
}

// PrepareRefund failing for 30 minutes (database down at creation): the 2026-11 code gave
// up after 10 attempts (about 4 minutes) and stored the refund as "ineligible" for good.
func TestRefundCheckWaitsOutAnOutage(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	a := &activities.Activities{}
	up := monday0900.Add(30 * time.Minute)
	attempts := 0
	h.env.OnActivity(a.PrepareRefund, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.RefundPrepInput) (activities.RefundPlan, error) {
			attempts++
			if h.env.Now().Before(up) {
				return activities.RefundPlan{}, errDatabaseDown
			}
			return refundPlan(), nil
		})
	h.at(time.Hour, func() {
		if st := h.query(); st.Refund == nil || st.Refund.Status != RefundPendingApproval {
			t.Errorf("after the outage: %+v", st.Refund)
		}
	})
	h.closeAt(2 * time.Hour)
	h.run(h.input("refund", models.PriorityNormal))
	if attempts < 11 {
		t.Fatalf("only %d attempts: the outage did not outlast the old attempt limit", attempts)
	}
	if len(h.eventsOf("refund_check_failed")) != 0 {
		t.Fatal("an outage was recorded as a failed refund check")
	}
}

// ReissueKey retrying for 20 minutes no longer holds the ticket's lock: a note sent meanwhile
// is answered at once (the 2026-11 code made it wait for the reissue).
func TestReissueRunsOutsideTheLock(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	a := &activities.Activities{}
	h.env.OnActivity(a.AssessKeyClaim, mock.Anything, mock.Anything).Return(
		activities.KeyClaimAssessment{Assessment: fraud.Assessment{Decision: fraud.Allow, RulesetVersion: "t"}, OrderID: 3}, nil)
	inventoryBack := monday0900.Add(20 * time.Minute)
	h.env.OnActivity(a.ReissueKey, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.ReissueInput) (activities.ReissueResult, error) {
			if h.env.Now().Before(inventoryBack) {
				return activities.ReissueResult{}, errDatabaseDown
			}
			return activities.ReissueResult{Status: ReissueDelivered, CardKeyID: 1, DeliveryID: 2}, nil
		})
	var noteAnswered time.Time
	h.at(5*time.Minute, func() {
		h.must(UpdateNote, ReplyInput{ActionInput: agent("note"), Body: "buyer called"}, func(st State) {
			noteAnswered = h.env.Now()
			if st.Reissue == nil || st.Reissue.Status != ReissuePending {
				t.Errorf("note answered with reissue %+v", st.Reissue)
			}
		})
	})
	h.closeAt(time.Hour)
	h.run(h.input("key_invalid", models.PriorityNormal))
	if noteAnswered.IsZero() || noteAnswered.After(monday0900.Add(6*time.Minute)) {
		t.Fatalf("note answered at %v, want right after 09:05", noteAnswered)
	}
	if len(h.eventsOf("reissue_delivered")) != 1 {
		t.Fatal("the reissue never completed")
	}
	if pub := h.publicMessages(); len(pub) == 0 || !strings.Contains(pub[0].Body, "replacement key") {
		t.Fatalf("buyer messages %+v", pub)
	}
}

// firstResponse keeps the events about the first-response clock.
func firstResponse(evs []activities.EventRecord) []activities.EventRecord {
	var out []activities.EventRecord
	for _, e := range evs {
		if e.Data["metric"] == string(sla.FirstResponse) {
			out = append(out, e)
		}
	}
	return out
}

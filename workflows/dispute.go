package workflows

// The dispute (chargeback) path of the ticket workflow. OpenDisputeCase builds the evidence
// report at once and marks the order disputed; the ticket then keeps the gateway's hard
// deadline with workflow timers: reminders DisputeReminders before evidence_due_by (to the
// supervisors and the assignee) and, when the deadline passes without a submission, an
// escalation to the supervisor level. Staff act on the dispute through the dispute_action
// update: sign_off (supervisor or admin, on the stored report), submit (after sign-off),
// outcome won | lost (a lost dispute revokes the order's unrevealed keys). Each step is
// written with its audit line by RecordDisputeAction and recorded as a ticket event.

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/models"
)

// UpdateDisputeAction is the update staff use to sign off, submit or decide a dispute.
const UpdateDisputeAction = "dispute_action"

// DisputeActionInput is a dispute_action update. IP and UserAgent go to the audit line.
type DisputeActionInput struct {
	ActionInput
	Action     string `json:"action"` // sign_off | submit | outcome
	Outcome    string `json:"outcome,omitempty"`
	ActorEmail string `json:"actor_email,omitempty"`
	IP         string `json:"ip,omitempty"`
	UserAgent  string `json:"user_agent,omitempty"`
}

// DisputeReminders are how long before the evidence deadline reminders go out.
var DisputeReminders = []time.Duration{72 * time.Hour, 24 * time.Hour, 4 * time.Hour}

// DisputeState is the dispute path's part of a ticket's State.
type DisputeState struct {
	DisputeID uint64    `json:"dispute_id"`
	CaseID    string    `json:"case_id"`
	OrderID   uint64    `json:"order_id"`
	Status    string    `json:"status"`
	Amount    int64     `json:"amount"`
	Currency  string    `json:"currency"`
	DueBy     time.Time `json:"due_by"`
	OpenedAt  time.Time `json:"opened_at"`
	// Reminded lists the reminders sent (as durations before DueBy); Missed is set once
	// the deadline passed without a submission.
	Reminded []time.Duration `json:"reminded,omitempty"`
	Missed   bool            `json:"missed,omitempty"`
	Outcome  string          `json:"outcome,omitempty"`
}

// disputeRoles may sign off and record an outcome; any staff member may submit.
var disputeRoles = []string{"supervisor", "admin"}

// disputePath opens the case (once) and starts the deadline watch. The watch is not
// counted as busy: it only waits on timers and acts from the state, so a continue-as-new
// may drop it and the next run's path starts it again.
func (r *run) disputePath(ctx workflow.Context) {
	if r.s.Dispute == nil && !r.openDispute(ctx) {
		return
	}
	workflow.Go(ctx, r.watchDisputeDeadline)
}

// openDispute runs OpenDisputeCase and records the case; false when it failed.
func (r *run) openDispute(ctx workflow.Context) bool {
	var c activities.DisputeCase
	err := workflow.ExecuteActivity(activityCtx(ctx), acts.OpenDisputeCase,
		activities.DisputeCaseInput{MerchantID: r.s.MerchantID, TicketID: r.s.TicketID}).Get(ctx, &c)
	if lerr := r.mu.Lock(ctx); lerr != nil {
		return false
	}
	defer r.mu.Unlock()
	now := workflow.Now(ctx)
	ch := &change{}
	prev := cloneState(r.s)
	sys := Actor{Kind: ActorSystem}
	if err != nil {
		r.event(ch, now, "dispute_open_failed", sys, map[string]any{"error": errText(err)})
		r.message(ch, now, "", sys, "Building the dispute's evidence report failed; build it by hand before the gateway's deadline.", true)
		r.coded(ch, models.MsgDisputeReportFailed, nil)
		r.commitOrRollback(ctx, ch, prev)
		return false
	}
	r.s.Dispute = &DisputeState{DisputeID: c.DisputeID, CaseID: c.CaseID, OrderID: c.OrderID, Status: c.Status,
		Amount: c.Amount, Currency: c.Currency, DueBy: c.EvidenceDueBy, OpenedAt: now}
	r.event(ch, now, "dispute_opened", sys, map[string]any{"dispute_id": c.DisputeID, "case_id": c.CaseID,
		"amount": c.Amount, "currency": c.Currency, "evidence_due_by": c.EvidenceDueBy, "status": c.Status})
	r.message(ch, now, "", sys, fmt.Sprintf("Chargeback %s (%s): evidence report ready, due by %s. A supervisor must sign it off before it is submitted.",
		c.CaseID, money(c.Amount, c.Currency), c.EvidenceDueBy.UTC().Format(time.RFC3339)), true)
	r.coded(ch, models.MsgDisputeReady, map[string]string{"case_id": c.CaseID, "amount": strconv.FormatInt(c.Amount, 10), "currency": c.Currency,
		"due_by": c.EvidenceDueBy.UTC().Format(time.RFC3339)})
	return r.commitOrRollback(ctx, ch, prev)
}

// nextDisputeAlarm returns the next reminder or the deadline itself still due for d
// (reminders that would have fallen before the case was opened are skipped). ok is false
// once the dispute is submitted or decided, or everything was sent.
func nextDisputeAlarm(d *DisputeState) (at time.Time, before time.Duration, missed bool, ok bool) {
	if d == nil || d.Missed || d.Status == models.DisputeSubmitted || d.Status == models.DisputeWon || d.Status == models.DisputeLost {
		return time.Time{}, 0, false, false
	}
	for _, b := range DisputeReminders {
		t := d.DueBy.Add(-b)
		if t.After(d.OpenedAt) && !containsDuration(d.Reminded, b) {
			return t, b, false, true
		}
	}
	return d.DueBy, 0, true, true
}

func containsDuration(list []time.Duration, v time.Duration) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// watchDisputeDeadline sleeps until each alarm (woken early when the dispute changes) and
// fires it under the lock.
func (r *run) watchDisputeDeadline(ctx workflow.Context) {
	for {
		at, _, _, ok := nextDisputeAlarm(r.s.Dispute)
		if !ok || r.s.Status == models.StatusClosed {
			return
		}
		status := r.s.Dispute.Status
		if d := at.Sub(workflow.Now(ctx)); d > 0 {
			_, err := workflow.AwaitWithTimeout(ctx, d, func() bool {
				return r.s.Dispute.Status != status || r.s.Status == models.StatusClosed
			})
			if err != nil {
				return
			}
		}
		if err := r.fireDisputeAlarm(ctx); errors.Is(err, errNotRecorded) {
			// Rolled back: try again later rather than spin on the same alarm.
			if workflow.Sleep(ctx, time.Minute) != nil {
				return
			}
		} else if err != nil {
			return
		}
	}
}

// fireDisputeAlarm sends the reminder or the missed-deadline escalation due now, if any.
func (r *run) fireDisputeAlarm(ctx workflow.Context) error {
	if err := r.mu.Lock(ctx); err != nil {
		return err
	}
	defer r.mu.Unlock()
	now := workflow.Now(ctx)
	prev := cloneState(r.s)
	d := r.s.Dispute
	at, before, missed, ok := nextDisputeAlarm(d)
	if !ok || at.After(now) {
		return nil
	}
	ch := &change{}
	sys := Actor{Kind: ActorSystem}
	if missed {
		d.Missed = true
		r.event(ch, now, "dispute_deadline_missed", sys, map[string]any{"case_id": d.CaseID, "due_by": d.DueBy, "status": d.Status})
		r.message(ch, now, "", sys, fmt.Sprintf("The evidence deadline of chargeback %s passed without a submission.", d.CaseID), true)
		r.coded(ch, models.MsgDisputeDeadline, map[string]string{"case_id": d.CaseID})
		r.escalate(ch, now, max(1, 2-r.s.EscalationLevel), "dispute evidence deadline missed", sys, "dispute_deadline")
		if !r.commitOrRollback(ctx, ch, prev) {
			return errNotRecorded
		}
		return nil
	}
	d.Reminded = append(d.Reminded, before)
	left := d.DueBy.Sub(now).Round(time.Minute)
	r.event(ch, now, "dispute_reminder", sys, map[string]any{"case_id": d.CaseID, "due_by": d.DueBy, "before": before.String(), "status": d.Status})
	title := fmt.Sprintf("%s: chargeback %s evidence due in %s (%s)", r.s.Ref, d.CaseID, left, d.Status)
	for _, role := range []string{"supervisor", "assignee"} {
		n := notification(r.s, models.NotifyDispute, role, r.s.EscalationLevel, title, fmt.Sprintf("dispute/%d/%s/%s", r.s.TicketID, before, role), now)
		ch.notifications = append(ch.notifications, n)
	}
	if !r.commitOrRollback(ctx, ch, prev) {
		return errNotRecorded
	}
	return nil
}

// errNotRecorded: a change was rolled back because its commit failed for good.
var errNotRecorded = errors.New("change not recorded")

// validateDisputeAction checks a dispute_action: the ticket has a dispute, the step is the
// next legal one and the actor's role may take it.
func validateDisputeAction(s State, in DisputeActionInput) error {
	if err := validateOpen(s, in); err != nil {
		return err
	}
	d := s.Dispute
	if d == nil {
		return rejected("this ticket has no dispute")
	}
	if in.Actor.Kind == ActorCustomer || in.Actor.UserID == 0 {
		return rejected("only staff can act on a dispute")
	}
	switch in.Action {
	case activities.DisputeActionSignOff:
		return validateSignOff(d, in)
	case activities.DisputeActionSubmit:
		if d.Status != models.DisputeSignedOff {
			return rejected("the evidence report must be signed off by a supervisor before it is submitted (dispute is %s)", d.Status)
		}
		return nil
	case activities.DisputeActionOutcome:
		return validateOutcome(d, in)
	}
	return rejected("action must be sign_off, submit or outcome")
}

func validateSignOff(d *DisputeState, in DisputeActionInput) error {
	switch {
	case !contains(disputeRoles, in.Actor.Role):
		return rejected("only a supervisor or admin can sign off a dispute's evidence")
	case d.Status != models.DisputeReady:
		return rejected("the dispute is %s: only a ready evidence report can be signed off", d.Status)
	}
	return nil
}

func validateOutcome(d *DisputeState, in DisputeActionInput) error {
	switch {
	case !contains(disputeRoles, in.Actor.Role):
		return rejected("only a supervisor or admin can record a dispute's outcome")
	case in.Outcome != models.DisputeWon && in.Outcome != models.DisputeLost:
		return rejected("outcome must be won or lost")
	case d.Outcome != "":
		return rejected("the dispute is already %s", d.Outcome)
	}
	return nil
}

// applyDisputeAction writes the step (and its audit line) through RecordDisputeAction,
// then records it: a submission or an outcome resolves the ticket.
func (r *run) applyDisputeAction(ctx workflow.Context, ch *change, now time.Time, in DisputeActionInput) error {
	d := r.s.Dispute
	rec := activities.DisputeActionInput{MerchantID: r.s.MerchantID, DisputeID: d.DisputeID, Action: in.Action, Outcome: in.Outcome,
		ActorID: in.Actor.UserID, ActorEmail: in.ActorEmail, IP: in.IP, UserAgent: in.UserAgent, At: now}
	var res activities.DisputeActionResult
	if err := workflow.ExecuteLocalActivity(localCtx(ctx), acts.RecordDisputeAction, rec).Get(ctx, &res); err != nil {
		return rejected("dispute %s: %s", in.Action, errText(err))
	}
	d.Status = res.Status
	if in.Action == activities.DisputeActionOutcome {
		d.Outcome = in.Outcome
	}
	r.event(ch, now, "dispute_"+disputeEventName(in), in.Actor, map[string]any{
		"case_id": d.CaseID, "status": d.Status, "revoked_keys": res.RevokedKeys, "order_status": res.OrderStatus,
	})
	if in.Action != activities.DisputeActionSignOff && r.s.Status != models.StatusResolved {
		r.resolve(ch, now, in.Actor, "dispute_"+in.Action)
	}
	return nil
}

func disputeEventName(in DisputeActionInput) string {
	switch in.Action {
	case activities.DisputeActionSignOff:
		return "signed_off"
	case activities.DisputeActionSubmit:
		return "submitted"
	}
	return in.Outcome
}

package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/sla"
	"github.com/keydesk/keydesk/triage"
)

// MaxBodyLen bounds a message body (characters).
const MaxBodyLen = 20000

// base returns the common part of an update input (promoted to every input type).
func (a ActionInput) base() ActionInput { return a }

type actionInput interface{ base() ActionInput }

// RequestIDOf returns the RequestID of any update input (value or pointer), or "".
func RequestIDOf(input any) string {
	if a, ok := input.(actionInput); ok {
		return a.base().RequestID
	}
	return ""
}

// registerHandlers installs the state query and every update with its validator.
func (r *run) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (State, error) { return r.view(ctx, r.committed), nil }); err != nil {
		return fmt.Errorf("register query: %w", err)
	}
	regs := []error{
		handle(r, ctx, UpdateAssign, validateAssign, r.applyAssign),
		handle(r, ctx, UpdateClaim, validateClaim, r.applyClaim),
		handle(r, ctx, UpdateReply, validateReply, r.applyReply),
		handle(r, ctx, UpdateNote, validateNote, r.applyNote),
		handle(r, ctx, UpdateCustomerReply, validateCustomerReply, r.applyCustomerReply),
		handle(r, ctx, UpdateSetStatus, validateSetStatus, r.applySetStatus),
		handle(r, ctx, UpdateSetPriority, validateSetPriority, r.applySetPriority),
		handle(r, ctx, UpdateEscalate, validateEscalate, r.applyEscalate),
		handle(r, ctx, UpdateResolve, validateResolve, r.applyResolve),
		handle(r, ctx, UpdateReopen, validateReopen, r.applyReopen),
		handle(r, ctx, UpdateRate, validateRate, r.applyRate),
		handle(r, ctx, UpdateRiskDecision, validateRiskDecision, r.applyRiskDecision),
		handle(r, ctx, UpdateRefundDecision, validateRefundDecision, r.applyRefundDecision),
		handle(r, ctx, UpdateDisputeAction, validateDisputeAction, r.applyDisputeAction),
		handle(r, ctx, UpdatePolicyChanged, validateOpen[ActionInput], r.applyPolicyChanged),
	}
	for _, err := range regs {
		if err != nil {
			return fmt.Errorf("register update: %w", err)
		}
	}
	return nil
}

// handle registers one update. The validator rejects illegal transitions before anything
// is written to history (a repeated RequestID is accepted and answered with the current
// version). The handler waits for start-up, serialises with the other handlers and the SLA
// timer, re-validates under the lock, applies, and commits before answering. Commit, then
// apply: when the commit fails the state (request id included) goes back to what it was,
// so a retry with the same request id acts again instead of answering a change the
// database never got. The answer is an UpdateAck: the committed version, never the state.
func handle[T actionInput](r *run, ctx workflow.Context, name string,
	validate func(State, T) error, apply func(workflow.Context, *change, time.Time, T) error) error {
	handler := func(ctx workflow.Context, in T) (UpdateAck, error) {
		if err := workflow.Await(ctx, func() bool { return r.ready }); err != nil {
			return r.ack(), err
		}
		if err := r.mu.Lock(ctx); err != nil {
			return r.ack(), err
		}
		ch, err := r.applyUpdate(ctx, in.base().RequestID, func(ch *change) error {
			if err := validate(r.s, in); err != nil {
				return err
			}
			return apply(ctx, ch, workflow.Now(ctx), in)
		})
		r.mu.Unlock()
		if err == nil && ch != nil && ch.after != nil {
			ch.after(ctx)
		}
		return r.ack(), err
	}
	validator := func(ctx workflow.Context, in T) error {
		if r.seen(in.base().RequestID) {
			return nil
		}
		return validate(r.committed, in)
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, name, handler, workflow.UpdateHandlerOptions{Validator: validator})
}

// ack answers an update with the committed version (the snapshot the caller reads holds it).
// Until issue 17 an update answered with the whole State, a copy of ≈1.7 kB per update in
// the history; only update results changed, not commands, so no version marker is needed.
func (r *run) ack() UpdateAck {
	return UpdateAck{TicketID: r.committed.TicketID, Version: r.committed.Version, Status: r.committed.Status}
}

// applyUpdate runs one update under the lock: a seen request id answers as it is; else
// validate-and-apply, remember the id, commit, and on any failure put the state back.
func (r *run) applyUpdate(ctx workflow.Context, id string, apply func(*change) error) (*change, error) {
	if r.seen(id) {
		return nil, nil
	}
	ch := &change{}
	prev := cloneState(r.s)
	if err := apply(ch); err != nil {
		r.s = prev
		return nil, err
	}
	r.remember(id)
	if err := r.commit(ctx, ch); err != nil {
		r.s = prev
		return nil, err
	}
	return ch, nil
}

// ---- validators: pure functions of the state and the input ----

func validateOpen[T actionInput](s State, _ T) error {
	if s.Status == models.StatusClosed {
		return rejected("ticket is closed")
	}
	return nil
}

func validateBody(body string) error {
	switch {
	case strings.TrimSpace(body) == "":
		return rejected("message body is empty")
	case len([]rune(body)) > MaxBodyLen:
		return rejected("message is too long (max %d characters)", MaxBodyLen)
	}
	return nil
}

func validateAssign(s State, in AssignInput) error {
	if err := validateOpen(s, in); err != nil {
		return err
	}
	if in.AssigneeID == s.AssigneeID {
		if in.AssigneeID == 0 {
			return rejected("ticket is not assigned")
		}
		return rejected("ticket is already assigned to that agent")
	}
	return nil
}

func validateClaim(s State, in ActionInput) error {
	if err := validateOpen(s, in); err != nil {
		return err
	}
	switch {
	case in.Actor.UserID == 0 || in.Actor.Kind == ActorCustomer:
		return rejected("only an agent can claim a ticket")
	case s.AssigneeID == in.Actor.UserID:
		return rejected("ticket is already yours")
	case s.AssigneeID != 0:
		return rejected("ticket is assigned to someone else; ask a supervisor to reassign it")
	case s.Status == models.StatusResolved:
		return rejected("ticket is resolved; reopen it first")
	}
	return nil
}

// replyStatuses are the statuses an agent reply may move the ticket to.
var replyStatuses = []string{"", models.StatusOpen, models.StatusPendingCustomer, models.StatusPendingInternal, models.StatusResolved}

func validateReply(s State, in ReplyInput) error {
	if err := validateOpen(s, in); err != nil {
		return err
	}
	if in.Actor.Kind == ActorCustomer {
		return rejected("buyers answer with customer_reply")
	}
	if s.Status == models.StatusResolved {
		return rejected("ticket is resolved; reopen it first")
	}
	if !contains(replyStatuses, in.SetStatus) {
		return rejected("a reply cannot set status %q", in.SetStatus)
	}
	if in.SetStatus == models.StatusResolved && s.Risk != nil && s.Risk.Pending {
		return rejected("a risk review is pending; decide it before resolving")
	}
	return validateBody(in.Body)
}

func validateNote(s State, in ReplyInput) error {
	if err := validateOpen(s, in); err != nil {
		return err
	}
	if in.Actor.Kind == ActorCustomer {
		return rejected("buyers cannot write internal notes")
	}
	return validateBody(in.Body)
}

func validateCustomerReply(s State, in ReplyInput) error {
	if in.Actor.Kind != ActorCustomer {
		return rejected("customer_reply is for the buyer; agents use reply")
	}
	return validateBody(in.Body)
}

// statusTargets are the statuses set_status accepts.
var statusTargets = []string{models.StatusOpen, models.StatusPendingCustomer, models.StatusPendingInternal, models.StatusResolved, models.StatusClosed}

func validateSetStatus(s State, in StatusInput) error {
	if err := validateOpen(s, in); err != nil {
		return err
	}
	switch {
	case !contains(statusTargets, in.Status):
		return rejected("status must be one of %s", strings.Join(statusTargets, ", "))
	case in.Status == s.Status:
		return rejected("ticket is already %s", s.Status)
	case in.Status == models.StatusClosed && s.Status != models.StatusResolved:
		return rejected("only a resolved ticket can be closed")
	case s.Status == models.StatusResolved && in.Status != models.StatusClosed:
		return rejected("ticket is resolved; reopen it first")
	case in.Status == models.StatusResolved && s.Risk != nil && s.Risk.Pending:
		return rejected("a risk review is pending; decide it before resolving")
	}
	return nil
}

func validateSetPriority(s State, in PriorityInput) error {
	if err := validateOpen(s, in); err != nil {
		return err
	}
	switch {
	case !validPriority(in.Priority):
		return rejected("priority must be one of low, normal, high, urgent")
	case in.Priority == s.Priority:
		return rejected("ticket is already %s priority", s.Priority)
	}
	return nil
}

func validateEscalate(s State, in EscalateInput) error {
	if err := validateOpen(s, in); err != nil {
		return err
	}
	switch {
	case in.Delta != 1 && in.Delta != -1:
		return rejected("delta must be +1 or -1")
	case strings.TrimSpace(in.Reason) == "":
		return rejected("a reason is required")
	case in.Delta > 0 && s.EscalationLevel >= MaxEscalationLevel:
		return rejected("ticket is already at the highest escalation level (%d)", MaxEscalationLevel)
	case in.Delta < 0 && s.EscalationLevel == 0:
		return rejected("ticket is not escalated")
	}
	return nil
}

func validateResolve(s State, in ReplyInput) error {
	if err := validateOpen(s, in); err != nil {
		return err
	}
	switch {
	case s.Status == models.StatusResolved:
		return rejected("ticket is already resolved")
	case s.Risk != nil && s.Risk.Pending:
		return rejected("a risk review is pending; decide it before resolving")
	case in.Body != "":
		return validateBody(in.Body)
	}
	return nil
}

func validateReopen(s State, _ ActionInput) error {
	if s.Status != models.StatusResolved && s.Status != models.StatusClosed {
		return rejected("only a resolved or closed ticket can be reopened")
	}
	return nil
}

func validateRate(s State, in RateInput) error {
	switch {
	case s.Status != models.StatusResolved:
		return rejected("only a resolved ticket can be rated")
	case in.Score < 1 || in.Score > 5:
		return rejected("score must be 1..5")
	case s.CSAT != 0:
		return rejected("ticket is already rated")
	case len([]rune(in.Comment)) > 1000:
		return rejected("comment is too long (max 1000 characters)")
	}
	return nil
}

// riskRoles may decide risk reviews and override a denial.
var riskRoles = []string{"risk_agent", "supervisor", "admin"}

func validateRiskDecision(s State, in DecisionInput) error {
	if err := validateOpen(s, in); err != nil {
		return err
	}
	overridable := s.Risk != nil && s.Risk.Decision == "deny" && (s.Reissue == nil || s.Reissue.Status == "denied")
	switch {
	case s.Status == models.StatusResolved:
		return rejected("ticket is resolved; reopen it first")
	case s.Risk == nil || (!s.Risk.Pending && !overridable):
		return rejected("no risk review is pending")
	case !contains(riskRoles, in.Actor.Role):
		return rejected("only a risk agent, supervisor or admin can decide a risk review")
	case !in.Approve && strings.TrimSpace(in.Reason) == "":
		return rejected("a reason is required to deny")
	case !in.Approve && !s.Risk.Pending:
		return rejected("claim is already denied; resolve the ticket to confirm")
	}
	return nil
}

// ---- apply: mutate the state under the lock and collect what to write ----

func (r *run) touchOpen(ch *change, now time.Time) {
	if r.s.Status == models.StatusNew {
		r.moveTo(ch, now, models.StatusOpen, Actor{Kind: ActorSystem})
	}
}

// moveTo changes the status, pausing the clocks while the ticket waits on the buyer and
// resuming them when it stops waiting.
func (r *run) moveTo(ch *change, now time.Time, to string, actor Actor) {
	from := r.s.Status
	if from == to {
		return
	}
	switch {
	case to == models.StatusPendingCustomer:
		r.s.Clocks = pauseClocks(r.s.Clocks, r.policy.Calendar, now)
	case from == models.StatusPendingCustomer:
		r.s.Clocks = resumeClocks(r.s.Clocks, now)
	}
	r.s.Status = to
	r.event(ch, now, "status_changed", actor, map[string]any{"from": from, "to": to})
}

func (r *run) applyAssign(_ workflow.Context, ch *change, now time.Time, in AssignInput) error {
	from := r.s.AssigneeID
	r.s.AssigneeID = in.AssigneeID
	r.event(ch, now, "assigned", in.Actor, map[string]any{"from": from, "to": in.AssigneeID, "name": in.AssigneeName})
	r.touchOpen(ch, now)
	return nil
}

func (r *run) applyClaim(_ workflow.Context, ch *change, now time.Time, in ActionInput) error {
	r.s.AssigneeID = in.Actor.UserID
	r.event(ch, now, "claimed", in.Actor, map[string]any{"assignee": in.Actor.UserID})
	r.touchOpen(ch, now)
	return nil
}

// answered stops the response clocks an agent's public message meets.
func (r *run) answered(now time.Time) {
	for _, p := range []*sla.Clock{&r.s.Clocks.FirstResponse, &r.s.Clocks.NextResponse} {
		if live(*p) {
			*p = p.Stop(now, true)
		}
	}
}

func (r *run) applyReply(ctx workflow.Context, ch *change, now time.Time, in ReplyInput) error {
	r.message(ch, now, in.RequestID, in.Actor, in.Body, false)
	r.answered(now)
	r.event(ch, now, "replied", in.Actor, nil)
	r.touchOpen(ch, now)
	switch in.SetStatus {
	case "", r.s.Status:
	case models.StatusResolved:
		r.resolve(ch, now, in.Actor, "reply")
	default:
		r.moveTo(ch, now, in.SetStatus, in.Actor)
	}
	return nil
}

func (r *run) applyNote(_ workflow.Context, ch *change, now time.Time, in ReplyInput) error {
	r.message(ch, now, in.RequestID, in.Actor, in.Body, true)
	r.event(ch, now, "note_added", in.Actor, nil)
	return nil
}

func (r *run) applyCustomerReply(ctx workflow.Context, ch *change, now time.Time, in ReplyInput) error {
	actor := in.Actor
	actor.Kind = ActorCustomer
	// Buyers paste the key they were sold: the stored text is masked (triage.Mask is pure).
	r.message(ch, now, in.RequestID, actor, triage.Mask(in.Body), false)
	r.event(ch, now, "customer_replied", actor, nil)
	switch r.s.Status {
	case models.StatusResolved, models.StatusClosed:
		if in.ClosingThanks && workflow.GetVersion(ctx, versionThanksKeepsResolved, workflow.DefaultVersion, 1) >= 1 {
			// "Thanks, it works": the conversation is over; the rating and status stay.
			r.event(ch, now, "thanks_received", actor, map[string]any{"status": r.s.Status})
			return nil
		}
		r.reopen(ch, now, actor, "buyer replied")
	case models.StatusPendingCustomer, models.StatusNew:
		r.moveTo(ch, now, models.StatusOpen, actor)
	}
	// The first response clock covers the buyer's messages until an agent has answered.
	if !live(r.s.Clocks.FirstResponse) && !live(r.s.Clocks.NextResponse) {
		t := r.policy.TargetsFor(r.s.Priority).NextResponse
		r.s.Clocks.NextResponse = sla.Start(sla.NextResponse, t, now)
	}
	return nil
}

func (r *run) applySetStatus(_ workflow.Context, ch *change, now time.Time, in StatusInput) error {
	switch in.Status {
	case models.StatusResolved:
		r.resolve(ch, now, in.Actor, "status")
	case models.StatusClosed:
		r.s.ClosedAt = now
		r.moveTo(ch, now, models.StatusClosed, in.Actor)
	default:
		r.moveTo(ch, now, in.Status, in.Actor)
	}
	return nil
}

func (r *run) applySetPriority(_ workflow.Context, ch *change, now time.Time, in PriorityInput) error {
	from := r.s.Priority
	r.s.Priority = in.Priority
	r.s.Clocks = retargetClocks(r.s.Clocks, r.policy.TargetsFor(in.Priority))
	r.event(ch, now, "priority_changed", in.Actor, map[string]any{"from": from, "to": in.Priority})
	return nil
}

func (r *run) applyEscalate(_ workflow.Context, ch *change, now time.Time, in EscalateInput) error {
	r.escalate(ch, now, in.Delta, in.Reason, in.Actor, "")
	return nil
}

// resolve stops the clocks (a closing message meets the response clocks; none cancels
// them) and marks the ticket resolved; it closes itself after the policy's delay.
func (r *run) resolve(ch *change, now time.Time, actor Actor, via string) {
	for _, p := range []*sla.Clock{&r.s.Clocks.FirstResponse, &r.s.Clocks.NextResponse} {
		if live(*p) {
			*p = p.Stop(now, false)
		}
	}
	if live(r.s.Clocks.Resolution) {
		r.s.Clocks.Resolution = r.s.Clocks.Resolution.Stop(now, true)
	}
	r.s.ResolvedAt = now
	from := r.s.Status
	r.s.Status = models.StatusResolved
	r.event(ch, now, "resolved", actor, map[string]any{"from": from, "via": via, "auto_close_days": r.policy.AutoCloseDays})
}

func (r *run) applyResolve(_ workflow.Context, ch *change, now time.Time, in ReplyInput) error {
	if in.Body != "" {
		r.message(ch, now, in.RequestID, in.Actor, in.Body, false)
		r.answered(now)
	}
	r.resolve(ch, now, in.Actor, "resolve")
	return nil
}

// reopen makes a resolved or closed ticket open again; the resolution clock counts on
// from the time it had used.
func (r *run) reopen(ch *change, now time.Time, actor Actor, reason string) {
	from := r.s.Status
	t := r.policy.TargetsFor(r.s.Priority)
	r.s.Clocks.Resolution = reopenClock(r.s.Clocks.Resolution, t.Resolution, r.policy.Calendar, now, false)
	r.s.Status, r.s.ResolvedAt, r.s.ClosedAt = models.StatusOpen, time.Time{}, time.Time{}
	r.s.CSAT = 0
	r.event(ch, now, "reopened", actor, map[string]any{"from": from, "reason": reason})
}

func (r *run) applyReopen(_ workflow.Context, ch *change, now time.Time, in ActionInput) error {
	r.reopen(ch, now, in.Actor, "reopen")
	return nil
}

func (r *run) applyRate(_ workflow.Context, ch *change, now time.Time, in RateInput) error {
	r.s.CSAT = in.Score
	ch.csat = &csatRecord{Score: in.Score, Comment: in.Comment, At: now}
	r.event(ch, now, "rated", in.Actor, map[string]any{"score": in.Score})
	return nil
}

func (r *run) applyPolicyChanged(ctx workflow.Context, ch *change, now time.Time, in ActionInput) error {
	if err := r.loadPolicy(ctx); err != nil {
		return err
	}
	r.s.Clocks = retargetClocks(r.s.Clocks, r.policy.TargetsFor(r.s.Priority))
	r.event(ch, now, "sla_policy_changed", in.Actor, map[string]any{"priority": r.s.Priority})
	return nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

package workflows

// The refund path of the ticket workflow and the RefundWorkflow child that moves the money.
//
// In the ticket workflow (category refund): PrepareRefund checks the refundable window, the
// amount left and the fraud signals, and the ticket waits for an approval (agent up to the
// merchant's limit, supervisor or admin above it, or whenever the window is over or the
// fraud check is not "allow"), sent as the refund_decision update. An approval starts
// RefundWorkflow (ID "refund/<out_refund_no>", out_refund_no = ticket ref + "-R" + n): it
// writes the refunds row, calls the gateway with out_refund_no as idempotency key, waits for
// the final status (notification signal or polling on a workflow timer), and on success
// applies the refund to the order (revoking unrevealed keys), retried until done. The child
// runs with ParentClosePolicy ABANDON, so whatever happens to the ticket's run, a refund that
// moved money always finishes revoking keys, and keys are never revoked without a succeeded
// refund. Its outcome comes back to the ticket: success tells the buyer and resolves; a
// permanent failure (or no final status in time) sends the ticket to a human in the refunds
// queue with an internal note, and it may be approved again (next sequence number).

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/fraud"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/payments"
)

// RefundWorkflowName is the registered name of the refund child workflow.
const RefundWorkflowName = "RefundWorkflow"

// SignalRefundStatus tells a RefundWorkflow that its refund's status may have changed (a
// gateway notification was stored): it checks at once instead of waiting for its next poll.
const SignalRefundStatus = "refund_status"

// RefundWorkflowID is the workflow ID of the refund with that out_refund_no.
func RefundWorkflowID(outRefundNo string) string { return "refund/" + outRefundNo }

// Refund path statuses (RefundState.Status).
const (
	RefundChecking        = "checking"
	RefundIneligible      = "ineligible"
	RefundPendingApproval = "pending_approval"
	RefundProcessing      = "processing"
	RefundSucceeded       = "succeeded"
	RefundFailed          = "failed"
	RefundStuck           = "stuck" // no final status in time: money state unknown, a human checks
	RefundRejected        = "rejected"
)

// RefundState is the refund path's part of a ticket's State.
type RefundState struct {
	Status       string    `json:"status"`
	Seq          int       `json:"seq"` // refunds attempted so far; the next out_refund_no uses Seq+1
	OutRefundNo  string    `json:"out_refund_no,omitempty"`
	OrderID      uint64    `json:"order_id,omitempty"`
	OrderNo      string    `json:"order_no,omitempty"`
	Currency     string    `json:"currency,omitempty"`
	Refundable   int64     `json:"refundable"`
	AgentLimit   int64     `json:"agent_limit"`
	WithinWindow bool      `json:"within_window"`
	WindowEnds   time.Time `json:"window_ends,omitzero"`
	// SupervisorOnly lists why only a supervisor or admin may approve whatever the amount.
	SupervisorOnly []string `json:"supervisor_only,omitempty"`
	RiskScore      int      `json:"risk_score"`
	RiskDecision   string   `json:"risk_decision,omitempty"`
	RiskReasons    []string `json:"risk_reasons,omitempty"`
	FeePolicy      string   `json:"fee_policy,omitempty"`
	FeeBps         int      `json:"fee_bps,omitempty"`
	Gateway        string   `json:"gateway,omitempty"`
	// Amount is the approved part of the order (gross); Net goes back to the buyer, Fee is withheld.
	Amount      int64    `json:"amount,omitempty"`
	Net         int64    `json:"net,omitempty"`
	Fee         int64    `json:"fee,omitempty"`
	ApprovedBy  uint64   `json:"approved_by,omitempty"`
	Reason      string   `json:"reason,omitempty"`
	RevokedKeys []uint64 `json:"revoked_keys,omitempty"`
	// Reports is true when the running refund child reports its outcome by signal
	// (SignalRefundReport); children started before that watch the refunds row instead.
	Reports bool `json:"reports,omitempty"`
}

// SignalRefundReport carries a RefundReport from a refund child to its ticket's workflow.
const SignalRefundReport = "refund_report"

// RefundReport is a refund child's outcome, sent to the ticket (whatever run is current).
type RefundReport struct {
	Input   RefundInput   `json:"input"`
	Outcome RefundOutcome `json:"outcome"`
}

// refundApprovers may approve a refund up to the agent limit; refundSupervisors any refund.
var (
	refundApprovers   = []string{"agent", "supervisor", "admin"}
	refundSupervisors = []string{"supervisor", "admin"}
)

// refundPath prepares the refund and leaves the ticket waiting for an approval. A resumed
// run (continue-as-new, reopen) that already prepared it does nothing: the state carries it.
func (r *run) refundPath(ctx workflow.Context) {
	if r.s.Refund != nil {
		return
	}
	// PrepareRefund only reads and is retried until the database answers: an outage is
	// waited out, and only a non-retryable error (the order cannot be refunded by this
	// path) comes back as an error.
	var plan activities.RefundPlan
	err := workflow.ExecuteActivity(activityCtx(ctx), acts.PrepareRefund, activities.RefundPrepInput{TicketID: r.s.TicketID}).Get(ctx, &plan)
	if lerr := r.mu.Lock(ctx); lerr != nil {
		return
	}
	defer r.mu.Unlock()
	now := workflow.Now(ctx)
	ch := &change{}
	prev := cloneState(r.s)
	if err != nil {
		r.s.Refund = &RefundState{Status: RefundIneligible, Reason: "automatic refund check failed: " + errText(err)}
		r.event(ch, now, "refund_check_failed", Actor{Kind: ActorSystem}, map[string]any{"error": errText(err)})
		r.message(ch, now, "", Actor{Kind: ActorSystem}, "Automatic refund check failed; handle this refund by hand.", true)
		r.coded(ch, models.MsgRefundCheckFailed, nil)
		r.commitOrRollback(ctx, ch, prev)
		return
	}
	r.s.Refund = refundStateFromPlan(plan)
	r.recordRefundPlan(ch, now, plan)
	r.commitOrRollback(ctx, ch, prev)
}

// refundStateFromPlan turns the activity's plan into the state awaiting approval.
func refundStateFromPlan(p activities.RefundPlan) *RefundState {
	st := &RefundState{Status: RefundPendingApproval, OrderID: p.OrderID, OrderNo: p.OrderNo, Currency: p.Currency,
		Refundable: p.Refundable, AgentLimit: p.AgentLimit, WithinWindow: p.WithinWindow, WindowEnds: p.WindowEnds,
		RiskScore: p.Risk.Score, RiskDecision: string(p.Risk.Decision), FeePolicy: p.FeePolicy, FeeBps: p.FeeBps, Gateway: p.Gateway}
	for _, h := range p.Risk.Hits {
		st.RiskReasons = append(st.RiskReasons, h.Reason)
	}
	if !p.Eligible {
		st.Status, st.Reason = RefundIneligible, p.Reason
		return st
	}
	if !p.WithinWindow {
		st.SupervisorOnly = append(st.SupervisorOnly, "requested after the refundable window ended "+p.WindowEnds.UTC().Format("2006-01-02"))
	}
	if p.Risk.Decision != fraud.Allow {
		st.SupervisorOnly = append(st.SupervisorOnly, fmt.Sprintf("fraud check: %s (score %d)", p.Risk.Decision, p.Risk.Score))
	}
	return st
}

// recordRefundPlan writes the event and the internal note of a prepared refund.
func (r *run) recordRefundPlan(ch *change, now time.Time, p activities.RefundPlan) {
	st := r.s.Refund
	r.event(ch, now, "refund_requested", Actor{Kind: ActorSystem}, map[string]any{
		"status": st.Status, "order_id": p.OrderID, "refundable": p.Refundable, "currency": p.Currency,
		"agent_limit": p.AgentLimit, "within_window": p.WithinWindow, "window_ends": p.WindowEnds,
		"risk_score": p.Risk.Score, "risk_decision": string(p.Risk.Decision), "ruleset_version": p.Risk.RulesetVersion,
		"supervisor_only": st.SupervisorOnly, "reason": st.Reason,
	})
	if st.Status == RefundIneligible {
		r.message(ch, now, "", Actor{Kind: ActorSystem}, "No automatic refund: "+st.Reason+".", true)
		r.coded(ch, models.MsgRefundNone, map[string]string{"reason": st.Reason})
		return
	}
	who := fmt.Sprintf("an agent may approve up to %s", money(p.AgentLimit, p.Currency))
	if len(st.SupervisorOnly) > 0 {
		who = "a supervisor must approve: " + strings.Join(st.SupervisorOnly, "; ")
	}
	r.message(ch, now, "", Actor{Kind: ActorSystem}, fmt.Sprintf("Refund of up to %s for order %s awaits approval (%s). Risk score %d: %s.",
		money(p.Refundable, p.Currency), p.OrderNo, who, p.Risk.Score, joinReasons(st.RiskReasons)), true)
	r.coded(ch, models.MsgRefundPending, map[string]string{"refundable": strconv.FormatInt(p.Refundable, 10), "agent_limit": strconv.FormatInt(p.AgentLimit, 10),
		"currency": p.Currency, "order_no": p.OrderNo, "supervisor_only": strings.Join(st.SupervisorOnly, "; "), "score": strconv.Itoa(p.Risk.Score),
		"reasons": joinReasons(st.RiskReasons)})
}

// validateRefundDecision checks a refund_decision: a refund awaits approval (or failed and
// may be retried), the actor's role may decide it, and an approval's amount is within what
// is refundable and within the actor's limit (above the merchant's agent limit, outside the
// window or with a non-allow fraud decision only a supervisor or admin may approve).
func validateRefundDecision(s State, in DecisionInput) error {
	if err := validateOpen(s, in); err != nil {
		return err
	}
	rf := s.Refund
	switch {
	case rf == nil || (rf.Status != RefundPendingApproval && rf.Status != RefundFailed && rf.Status != RefundStuck):
		return rejected("no refund is pending")
	case !contains(refundApprovers, in.Actor.Role):
		return rejected("only an agent, supervisor or admin can decide a refund")
	case !in.Approve:
		if strings.TrimSpace(in.Reason) == "" {
			return rejected("a reason is required to reject a refund")
		}
		return nil
	}
	amount := approvedAmount(rf, in)
	switch {
	case amount <= 0 || amount > rf.Refundable:
		return rejected("amount must be between 1 and %d (%s refundable)", rf.Refundable, money(rf.Refundable, rf.Currency))
	case contains(refundSupervisors, in.Actor.Role):
		return nil
	case len(rf.SupervisorOnly) > 0:
		return rejected("only a supervisor or admin can approve this refund: %s", strings.Join(rf.SupervisorOnly, "; "))
	case amount > rf.AgentLimit:
		return rejected("a refund of %s is above the agent limit of %s: a supervisor or admin must approve it",
			money(amount, rf.Currency), money(rf.AgentLimit, rf.Currency))
	}
	return nil
}

// approvedAmount is the decision's amount, or everything refundable when it names none.
func approvedAmount(rf *RefundState, in DecisionInput) int64 {
	if in.Amount > 0 {
		return in.Amount
	}
	return rf.Refundable
}

// applyRefundDecision rejects (buyer told, ticket resolved) or approves: the amount and
// the next out_refund_no are fixed in the state and the refund child is started beside
// the main loop.
func (r *run) applyRefundDecision(ctx workflow.Context, ch *change, now time.Time, in DecisionInput) error {
	rf := r.s.Refund
	if !in.Approve {
		rf.Status, rf.Reason = RefundRejected, in.Reason
		r.event(ch, now, "refund_rejected", in.Actor, map[string]any{"reason": in.Reason})
		r.message(ch, now, in.RequestID, in.Actor, in.Reason, false)
		r.answered(now)
		r.resolve(ch, now, in.Actor, "refund_rejected")
		return nil
	}
	rf.Seq++
	rf.OutRefundNo = activities.OutRefundNo(r.s.Ref, rf.Seq)
	rf.Amount = approvedAmount(rf, in)
	rf.Net, rf.Fee = payments.SplitFee(rf.Amount, rf.FeePolicy, rf.FeeBps)
	rf.Status, rf.ApprovedBy, rf.Reason = RefundProcessing, in.Actor.UserID, in.Reason
	r.event(ch, now, "refund_approved", in.Actor, map[string]any{
		"out_refund_no": rf.OutRefundNo, "amount": rf.Amount, "net": rf.Net, "fee": rf.Fee, "currency": rf.Currency,
		"role": in.Actor.Role, "agent_limit": rf.AgentLimit, "reason": in.Reason,
	})
	if r.s.Status == models.StatusNew || r.s.Status == models.StatusPendingCustomer {
		r.moveTo(ch, now, models.StatusOpen, in.Actor)
	}
	input := r.refundInput(now)
	if workflow.GetVersion(ctx, versionRefundReport, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		r.goPath(ctx, func(ctx workflow.Context) { r.executeRefund(ctx, input) })
		return nil
	}
	// The child reports its outcome by signal to whatever run of this ticket is current,
	// so the ticket waits only for the child to start, never for the money.
	rf.Reports = true
	input.ReportTo = workflow.GetInfo(ctx).WorkflowExecution.ID
	r.goPath(ctx, func(ctx workflow.Context) { r.startRefund(ctx, input) })
	return nil
}

// startRefund starts the refund child and returns once it runs; its outcome arrives as a
// RefundReport. A child that cannot start is recorded as stuck for a human.
func (r *run) startRefund(ctx workflow.Context, in RefundInput) {
	f := workflow.ExecuteChildWorkflow(refundChildCtx(ctx, in), RefundWorkflowName, in)
	if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		r.onRefundReport(ctx, RefundReport{Input: in, Outcome: RefundOutcome{Status: RefundStuck,
			Reason: "refund workflow did not start: " + errText(err)}})
	}
}

// refundChildCtx: the child keeps running whatever happens to the ticket's run.
func refundChildCtx(ctx workflow.Context, in RefundInput) workflow.Context {
	return workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            RefundWorkflowID(in.OutRefundNo),
		ParentClosePolicy:     enums.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	})
}

// listenRefundReports handles the refund children's reports for the life of the run; each
// is applied under the lock like any other change.
func (r *run) listenRefundReports(ctx workflow.Context) {
	r.reports = workflow.GetSignalChannel(ctx, SignalRefundReport)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var rep RefundReport
			if !r.reports.Receive(ctx, &rep) {
				return
			}
			r.busy++
			r.onRefundReport(ctx, rep)
			r.busy--
		}
	})
}

// onRefundReport records a refund's outcome once (a repeated or stale report changes
// nothing: recordRefundOutcome checks the out_refund_no and the status).
func (r *run) onRefundReport(ctx workflow.Context, rep RefundReport) {
	if err := r.mu.Lock(ctx); err != nil {
		return
	}
	defer r.mu.Unlock()
	if rf := r.s.Refund; rf == nil || rf.OutRefundNo != rep.Input.OutRefundNo || rf.Status != RefundProcessing {
		return
	}
	prev := cloneState(r.s)
	ch := &change{}
	r.recordRefundOutcome(ch, workflow.Now(ctx), rep.Input, rep.Outcome)
	r.commitOrRollback(ctx, ch, prev)
}

// refundRowPoll is how often a resumed run checks the refunds row of a child that does not
// report (one started before SignalRefundReport existed).
const refundRowPoll = 10 * time.Minute

// watchUnreportedRefund follows a processing refund whose child does not report: it reads
// the refunds row until it is final and records the outcome. Started by a resumed run.
func (r *run) watchUnreportedRefund(ctx workflow.Context) {
	if workflow.GetVersion(ctx, versionRefundReport, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return
	}
	rf := r.s.Refund
	in := RefundInput{MerchantID: r.s.MerchantID, TicketID: r.s.TicketID, OrderID: rf.OrderID, OutRefundNo: rf.OutRefundNo,
		Amount: rf.Net, Fee: rf.Fee, Currency: rf.Currency}
	for r.s.Refund != nil && r.s.Refund.OutRefundNo == in.OutRefundNo && r.s.Refund.Status == RefundProcessing {
		var rec activities.RefundRecord
		err := workflow.ExecuteLocalActivity(localCtx(ctx), acts.RefundStatus, activities.RefundRef{OutRefundNo: in.OutRefundNo}).Get(ctx, &rec)
		if err == nil && (rec.Status == models.RefundSucceeded || rec.Status == models.RefundFailed) {
			out := RefundOutcome{Status: rec.Status, Reason: rec.FailureReason, GatewayRefundID: rec.GatewayRefundID}
			r.onRefundReport(ctx, RefundReport{Input: in, Outcome: out})
			return
		}
		if workflow.Sleep(ctx, refundRowPoll) != nil {
			return
		}
	}
}

// refundInput is the child's input for the approved refund.
func (r *run) refundInput(now time.Time) RefundInput {
	rf := r.s.Refund
	return RefundInput{MerchantID: r.s.MerchantID, TicketID: r.s.TicketID, OrderID: rf.OrderID, OutRefundNo: rf.OutRefundNo,
		Amount: rf.Net, Fee: rf.Fee, Currency: rf.Currency, Reason: rf.Reason, Gateway: rf.Gateway, ApprovedBy: rf.ApprovedBy, ApprovedAt: now}
}

// executeRefund runs the refund child and records its outcome on the ticket.
func (r *run) executeRefund(ctx workflow.Context, in RefundInput) {
	var out RefundOutcome
	err := workflow.ExecuteChildWorkflow(refundChildCtx(ctx, in), RefundWorkflowName, in).Get(ctx, &out)
	if err != nil {
		out = RefundOutcome{Status: RefundStuck, Reason: "refund workflow ended abnormally: " + errText(err)}
	}
	if lerr := r.mu.Lock(ctx); lerr != nil {
		return
	}
	defer r.mu.Unlock()
	prev := cloneState(r.s)
	ch := &change{}
	r.recordRefundOutcome(ch, workflow.Now(ctx), in, out)
	r.commitOrRollback(ctx, ch, prev)
}

// recordRefundOutcome applies the child's outcome: success tells the buyer and resolves;
// failure or an unknown final status goes to a human with the reason.
func (r *run) recordRefundOutcome(ch *change, now time.Time, in RefundInput, out RefundOutcome) {
	rf := r.s.Refund
	if rf == nil || rf.OutRefundNo != in.OutRefundNo {
		return
	}
	rf.Status, rf.Reason, rf.RevokedKeys = out.Status, out.Reason, out.RevokedKeys
	sys := Actor{Kind: ActorSystem}
	r.event(ch, now, "refund_"+out.Status, sys, map[string]any{
		"out_refund_no": in.OutRefundNo, "net": in.Amount, "fee": in.Fee, "currency": in.Currency, "reason": out.Reason,
		"gateway_refund_id": out.GatewayRefundID, "revoked_keys": out.RevokedKeys, "order_status": out.OrderStatus,
	})
	if out.Status == RefundSucceeded {
		r.message(ch, now, "", sys, fmt.Sprintf("Your refund of %s for order %s has been issued (reference %s). Keys of this order that were never revealed are no longer valid.",
			money(in.Amount, in.Currency), rf.OrderNo, in.OutRefundNo), false)
		r.coded(ch, models.MsgRefundIssued, map[string]string{"amount": strconv.FormatInt(in.Amount, 10), "currency": in.Currency,
			"order_no": rf.OrderNo, "reference": in.OutRefundNo})
		r.answered(now)
		if r.s.Status != models.StatusResolved && r.s.Status != models.StatusClosed {
			r.resolve(ch, now, sys, "refund")
		}
		return
	}
	what := "failed at the gateway"
	if out.Status == RefundStuck {
		what = "has no final status from the gateway; check it there before approving again (the keys were not touched)"
	}
	r.message(ch, now, "", sys, fmt.Sprintf("Refund %s of %s %s: %s. Handle it by hand or approve again.",
		in.OutRefundNo, money(in.Amount, in.Currency), what, out.Reason), true)
	r.coded(ch, models.MsgRefundFailed, map[string]string{"out_refund_no": in.OutRefundNo, "amount": strconv.FormatInt(in.Amount, 10),
		"currency": in.Currency, "status": out.Status, "reason": out.Reason})
	r.s.Queue = queueFor(r.s)
	if r.s.Status == models.StatusResolved {
		r.reopen(ch, now, sys, "refund "+out.Status)
	}
}

// money formats minor units with two decimals.
func money(minor int64, cur string) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s%d.%02d %s", sign, minor/100, minor%100, cur)
}

// RefundInput starts a RefundWorkflow.
type RefundInput struct {
	MerchantID  uint64    `json:"merchant_id"`
	TicketID    uint64    `json:"ticket_id"`
	OrderID     uint64    `json:"order_id"`
	OutRefundNo string    `json:"out_refund_no"`
	Amount      int64     `json:"amount"` // to the buyer (net)
	Fee         int64     `json:"fee"`
	Currency    string    `json:"currency"`
	Reason      string    `json:"reason,omitempty"`
	Gateway     string    `json:"gateway"`
	ApprovedBy  uint64    `json:"approved_by,omitempty"`
	ApprovedAt  time.Time `json:"approved_at"`
	// PollEvery is the first polling interval while the refund is pending (default 1 min,
	// doubling up to MaxPollInterval); MaxWait gives up waiting for a final status (default 72h).
	PollEvery time.Duration `json:"poll_every,omitempty"`
	MaxWait   time.Duration `json:"max_wait,omitempty"`
	// ReportTo is the ticket's workflow id: the child signals its outcome there
	// (SignalRefundReport). Empty for children started before reports existed.
	ReportTo string `json:"report_to,omitempty"`
}

// RefundOutcome is how a RefundWorkflow ended.
type RefundOutcome struct {
	Status          string   `json:"status"` // succeeded, failed, stuck
	Reason          string   `json:"reason,omitempty"`
	GatewayRefundID string   `json:"gateway_refund_id,omitempty"`
	RevokedKeys     []uint64 `json:"revoked_keys,omitempty"`
	OrderStatus     string   `json:"order_status,omitempty"`
	RefundedAmount  int64    `json:"refunded_amount,omitempty"`
}

// Refund timing defaults.
const (
	DefaultRefundPollEvery = time.Minute
	MaxPollInterval        = time.Hour
	DefaultRefundMaxWait   = 72 * time.Hour
	// gatewayRetryWindow bounds the retries of a gateway call that keeps failing transiently.
	gatewayRetryWindow = 6 * time.Hour
)

// RefundWorkflow moves the money of one approved refund, exactly once: refunds row first,
// then the gateway (idempotent on out_refund_no), then the final status, then the order and
// its keys. See the file comment.
func RefundWorkflow(ctx workflow.Context, in RefundInput) (RefundOutcome, error) {
	out := moveMoney(ctx, in)
	if in.ReportTo != "" {
		// The ticket learns the outcome whichever run is current; a closed ticket cannot be
		// told (the refunds row keeps the outcome).
		rep := RefundReport{Input: in, Outcome: out}
		if err := workflow.SignalExternalWorkflow(ctx, in.ReportTo, "", SignalRefundReport, rep).Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Warn("refund outcome not delivered to the ticket", "ticket_workflow", in.ReportTo, "err", err)
		}
	}
	return out, nil
}

// moveMoney is the refund itself: record, submit, wait for the final status, complete.
func moveMoney(ctx workflow.Context, in RefundInput) RefundOutcome {
	var rec activities.RefundRecord
	if err := workflow.ExecuteActivity(dbCtx(ctx), acts.BeginRefund, beginInput(in)).Get(ctx, &rec); err != nil {
		return RefundOutcome{Status: RefundFailed, Reason: "could not record the refund: " + errText(err)}
	}
	rec, out, done := submitRefund(ctx, rec)
	if done {
		return out
	}
	rec, out, done = awaitFinal(ctx, in, rec)
	if done {
		return out
	}
	return completeRefund(ctx, rec)
}

func beginInput(in RefundInput) activities.BeginRefundInput {
	return activities.BeginRefundInput{MerchantID: in.MerchantID, TicketID: in.TicketID, OrderID: in.OrderID, OutRefundNo: in.OutRefundNo,
		Amount: in.Amount, Fee: in.Fee, Currency: in.Currency, Reason: in.Reason, Gateway: in.Gateway, ApprovedBy: in.ApprovedBy, ApprovedAt: in.ApprovedAt}
}

// dbCtx: quick idempotent database activities, retried until the database answers (only a
// non-retryable error, an invalid refund, ends them).
func dbCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
			MaximumAttempts: noAttemptLimit},
	})
}

// gatewayCtx: gateway calls, retried with backoff while the errors are retryable.
func gatewayCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute, ScheduleToCloseTimeout: gatewayRetryWindow,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute,
			NonRetryableErrorTypes: []string{activities.ErrTypeRefundFailed, activities.ErrTypeRefundInvalid}},
	})
}

// submitRefund sends the refund to the gateway unless the row is already final. done means
// the workflow ends with out (failure, or a gateway unreachable for the whole window).
func submitRefund(ctx workflow.Context, rec activities.RefundRecord) (activities.RefundRecord, RefundOutcome, bool) {
	if rec.Status == models.RefundApproved {
		err := workflow.ExecuteActivity(gatewayCtx(ctx), acts.SubmitRefund, activities.RefundRef{OutRefundNo: rec.OutRefundNo}).Get(ctx, &rec)
		if err != nil {
			return rec, failedOutcome(err), true
		}
	}
	if rec.Status == models.RefundFailed {
		return rec, RefundOutcome{Status: RefundFailed, Reason: rec.FailureReason}, true
	}
	return rec, RefundOutcome{}, false
}

// failedOutcome maps an activity error: a permanent refusal is failed; anything else
// (retries exhausted) is stuck, since the money may or may not have moved.
func failedOutcome(err error) RefundOutcome {
	var app *temporal.ApplicationError
	if errors.As(err, &app) && (app.Type() == activities.ErrTypeRefundFailed || app.Type() == activities.ErrTypeRefundInvalid) {
		return RefundOutcome{Status: RefundFailed, Reason: app.Message()}
	}
	return RefundOutcome{Status: RefundStuck, Reason: errText(err)}
}

// awaitFinal waits while the refund is pending: a SignalRefundStatus checks at once, else
// it polls on a workflow timer with a doubling interval, until MaxWait.
func awaitFinal(ctx workflow.Context, in RefundInput, rec activities.RefundRecord) (activities.RefundRecord, RefundOutcome, bool) {
	every, maxWait := in.PollEvery, in.MaxWait
	if every <= 0 {
		every = DefaultRefundPollEvery
	}
	if maxWait <= 0 {
		maxWait = DefaultRefundMaxWait
	}
	sig := workflow.GetSignalChannel(ctx, SignalRefundStatus)
	giveUp := workflow.Now(ctx).Add(maxWait)
	for rec.Status == models.RefundSubmitted {
		wait := min(every, giveUp.Sub(workflow.Now(ctx)))
		if wait <= 0 {
			return rec, RefundOutcome{Status: RefundStuck, Reason: fmt.Sprintf("no final status from the gateway after %s", maxWait)}, true
		}
		tctx, cancel := workflow.WithCancel(ctx)
		timer := workflow.NewTimerWithOptions(tctx, wait, workflow.TimerOptions{Summary: "poll refund " + rec.OutRefundNo})
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(timer, func(workflow.Future) { every = min(every*2, MaxPollInterval) })
		sel.AddReceive(sig, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil) })
		sel.Select(ctx)
		cancel()
		err := workflow.ExecuteActivity(gatewayCtx(ctx), acts.PollRefund, activities.RefundRef{OutRefundNo: rec.OutRefundNo}).Get(ctx, &rec)
		if err != nil {
			return rec, failedOutcome(err), true
		}
	}
	if rec.Status != models.RefundSucceeded {
		return rec, RefundOutcome{Status: RefundFailed, Reason: rec.FailureReason}, true
	}
	return rec, RefundOutcome{}, false
}

// completeRefund applies the succeeded refund to the order, retried until it is done: once
// the money has moved, the buyer must not keep unrevealed keys as well.
func completeRefund(ctx workflow.Context, rec activities.RefundRecord) RefundOutcome {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute, MaximumAttempts: noAttemptLimit,
			NonRetryableErrorTypes: []string{activities.ErrTypeRefundInvalid}},
	})
	var c activities.RefundCompletion
	out := RefundOutcome{Status: RefundSucceeded, GatewayRefundID: rec.GatewayRefundID}
	if err := workflow.ExecuteActivity(actx, acts.CompleteRefund, activities.RefundRef{OutRefundNo: rec.OutRefundNo}).Get(ctx, &c); err != nil {
		out.Reason = "refund succeeded but the order could not be updated: " + errText(err)
		return out
	}
	out.RevokedKeys, out.OrderStatus, out.RefundedAmount = c.RevokedKeys, c.OrderStatus, c.RefundedAmount
	return out
}

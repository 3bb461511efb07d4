package workflows

import (
	"fmt"
	"strconv"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/fraud"
	"github.com/keydesk/keydesk/models"
)

// csatRecord is the activity's rating row.
type csatRecord = activities.CSATRecord

// Reissue statuses beyond the inventory's (delivered, out_of_stock, blocked).
const (
	ReissueDelivered  = "delivered"
	ReissueOutOfStock = "out_of_stock"
	ReissueBlocked    = "blocked"
	ReissueDenied     = "denied"
	ReissueFailed     = "failed"
	// ReissuePending: the decision to reissue is committed and the inventory is being asked.
	ReissuePending = "pending"
)

// Buyer-facing texts of the automatic key path. They never contain a key.
const (
	msgReplacementReady = "Your replacement key is ready: open your ticket's status page to see it."
	// msgReplacementSentTo is said instead when the replacement went to the order's contact
	// (step-up delivery, ReissueResult.SentTo).
	msgReplacementSentTo = "Your replacement key was sent to %s, the e-mail address of the order. This request came from a device and network we have not seen you use, so only the order's mailbox can open the key."
	msgClaimDenied       = "We could not approve an automatic replacement for this order. An agent will review your request and get back to you."
)

// keyClaim is the automatic path of key_invalid / key_missing tickets: fraud check, then
// reissue (allow), risk review (review) or denial awaiting an agent (deny). It runs beside
// the main loop so updates and SLA timers keep working while the activities run.
func (r *run) keyClaim(ctx workflow.Context) {
	var res activities.KeyClaimAssessment
	err := workflow.ExecuteActivity(activityCtx(ctx), acts.AssessKeyClaim, activities.KeyClaimInput{TicketID: r.s.TicketID}).Get(ctx, &res)
	if lerr := r.mu.Lock(ctx); lerr != nil {
		return
	}
	locked := true
	defer func() {
		if locked {
			r.mu.Unlock()
		}
	}()
	now := workflow.Now(ctx)
	ch := &change{}
	prev := cloneState(r.s)
	if err != nil || r.s.Status == models.StatusClosed {
		r.event(ch, now, "risk_check_failed", Actor{Kind: ActorSystem}, map[string]any{"error": errText(err)})
		r.message(ch, now, "", Actor{Kind: ActorSystem}, "Automatic fraud check failed; handle this claim by hand.", true)
		r.coded(ch, models.MsgClaimCheckFailed, nil)
		r.commitOrRollback(ctx, ch, prev)
		return
	}
	r.recordAssessment(ch, now, res)
	a := res.Assessment
	switch {
	case r.s.Status == models.StatusResolved:
		// An agent resolved the ticket while the check ran: record the decision only.
	case a.Blocked || res.SharedKey:
		r.blockReissue(ch, now, a.BlockReason)
	case a.Decision == fraud.Allow:
		if workflow.GetVersion(ctx, versionReissueOutsideLock, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
			r.reissue(ctx, ch, Actor{Kind: ActorSystem})
			break
		}
		// Commit the decision, then ask the inventory with the lock released: updates and
		// SLA wake-ups go on while ReissueKey retries.
		r.s.Reissue = &Reissue{Status: ReissuePending}
		if !r.commitOrRollback(ctx, ch, prev) {
			return
		}
		locked = false
		r.mu.Unlock()
		r.reissueUnlocked(ctx, Actor{Kind: ActorSystem})
		return
	case a.Decision == fraud.Review:
		r.s.Risk.Pending = true
		r.s.Queue = queueFor(r.s)
		r.message(ch, now, "", Actor{Kind: ActorSystem}, fmt.Sprintf("Risk review needed (score %d): %s", a.Score, joinReasons(r.s.Risk.Reasons)), true)
		r.coded(ch, models.MsgRiskReview, map[string]string{"score": strconv.Itoa(a.Score), "reasons": joinReasons(r.s.Risk.Reasons)})
	default:
		r.s.Reissue = &Reissue{Status: ReissueDenied, Reason: joinReasons(r.s.Risk.Reasons)}
		r.message(ch, now, "", Actor{Kind: ActorSystem}, msgClaimDenied, false)
		r.coded(ch, models.MsgClaimDenied, nil)
		r.message(ch, now, "", Actor{Kind: ActorSystem}, fmt.Sprintf("Claim denied automatically (score %d): %s. Resolve to confirm, or a risk agent may approve.", a.Score, joinReasons(r.s.Risk.Reasons)), true)
		r.coded(ch, models.MsgClaimDeniedAuto, map[string]string{"score": strconv.Itoa(a.Score), "reasons": joinReasons(r.s.Risk.Reasons)})
	}
	r.commitOrRollback(ctx, ch, prev)
}

// reissueUnlocked asks the inventory for the replacement with no lock held, then records the
// outcome under the lock.
func (r *run) reissueUnlocked(ctx workflow.Context, actor Actor) {
	res, err := r.runReissue(ctx)
	if lerr := r.mu.Lock(ctx); lerr != nil {
		return
	}
	defer r.mu.Unlock()
	prev := cloneState(r.s)
	ch := &change{}
	r.recordReissue(ch, workflow.Now(ctx), actor, res, err)
	r.commitOrRollback(ctx, ch, prev)
}

// recordAssessment stores the fraud decision with its reasons as state and event.
func (r *run) recordAssessment(ch *change, now time.Time, res activities.KeyClaimAssessment) {
	a := res.Assessment
	reasons := make([]string, 0, len(a.Hits))
	hits := make([]map[string]any, 0, len(a.Hits))
	for _, h := range a.Hits {
		reasons = append(reasons, h.Reason)
		hits = append(hits, map[string]any{"rule": h.Rule, "points": h.Points, "reason": h.Reason})
	}
	r.s.Risk = &Risk{Score: a.Score, Decision: string(a.Decision), Reasons: reasons}
	r.event(ch, now, "risk_assessed", Actor{Kind: ActorSystem}, map[string]any{
		"score": a.Score, "decision": string(a.Decision), "hits": hits, "ruleset_version": a.RulesetVersion,
		"blocked": a.Blocked || res.SharedKey, "block_reason": a.BlockReason, "order_id": res.OrderID,
	})
}

// blockReissue sends a claim that must never be reissued (shared key) to an agent.
func (r *run) blockReissue(ch *change, now time.Time, reason string) {
	if reason == "" {
		reason = "shared key: it can never be reissued"
	}
	r.s.Reissue = &Reissue{Status: ReissueBlocked, Reason: reason}
	r.s.Queue = queueFor(r.s)
	r.event(ch, now, "reissue_blocked", Actor{Kind: ActorSystem}, map[string]any{"reason": reason})
	r.message(ch, now, "", Actor{Kind: ActorSystem}, "Automatic replacement blocked: "+reason, true)
	r.coded(ch, models.MsgReplacementBlocked, map[string]string{"reason": reason})
}

// reissue delivers a replacement key (exactly once per ticket, by the inventory activity)
// and acts on the outcome: delivered resolves, out of stock raises the priority and waits
// for an agent, blocked goes to an agent with the reason.
func (r *run) reissue(ctx workflow.Context, ch *change, actor Actor) {
	res, err := r.runReissue(ctx)
	r.recordReissue(ch, workflow.Now(ctx), actor, res, err)
}

// runReissue runs the inventory's ReissueKey (idempotent per ticket).
func (r *run) runReissue(ctx workflow.Context) (activities.ReissueResult, error) {
	var res activities.ReissueResult
	err := workflow.ExecuteActivity(activityCtx(ctx), acts.ReissueKey, activities.ReissueInput{TicketID: r.s.TicketID}).Get(ctx, &res)
	return res, err
}

// recordReissue applies ReissueKey's outcome: delivered resolves (unless the ticket was
// resolved meanwhile), out of stock raises the priority, blocked goes to an agent.
func (r *run) recordReissue(ch *change, now time.Time, actor Actor, res activities.ReissueResult, err error) {
	if err != nil {
		r.s.Reissue = &Reissue{Status: ReissueFailed, Reason: errText(err)}
		r.event(ch, now, "reissue_failed", actor, map[string]any{"error": errText(err)})
		r.message(ch, now, "", Actor{Kind: ActorSystem}, "Automatic replacement failed; handle this claim by hand.", true)
		r.coded(ch, models.MsgReplacementFailed, nil)
		return
	}
	r.s.Reissue = &Reissue{Status: res.Status, CardKeyID: res.CardKeyID, DeliveryID: res.DeliveryID, Reason: res.Reason}
	details := map[string]any{"card_key_id": res.CardKeyID, "delivery_id": res.DeliveryID, "reason": res.Reason}
	if res.SentTo != "" {
		details["sent_to"] = res.SentTo
	}
	r.event(ch, now, "reissue_"+res.Status, actor, details)
	switch res.Status {
	case ReissueDelivered:
		// Data only (no new command): a result with SentTo exists only from this build on,
		// so replaying an older history takes the first branch, as it did.
		if res.SentTo == "" {
			r.message(ch, now, "", Actor{Kind: ActorSystem}, msgReplacementReady, false)
			r.coded(ch, models.MsgReplacementReady, nil)
		} else {
			r.message(ch, now, "", Actor{Kind: ActorSystem}, fmt.Sprintf(msgReplacementSentTo, res.SentTo), false)
			r.coded(ch, models.MsgReplacementSentToContact, map[string]string{"to": res.SentTo})
		}
		r.answered(now)
		if r.s.Status != models.StatusResolved && r.s.Status != models.StatusClosed {
			r.resolve(ch, now, Actor{Kind: ActorSystem}, "reissue")
		}
	case ReissueOutOfStock:
		r.s.Queue = models.QueueGeneral
		if r.s.Priority != models.PriorityUrgent && r.s.Priority != models.PriorityHigh {
			from := r.s.Priority
			r.s.Priority = models.PriorityHigh
			r.s.Clocks = retargetClocks(r.s.Clocks, r.policy.TargetsFor(r.s.Priority))
			r.event(ch, now, "priority_changed", Actor{Kind: ActorSystem}, map[string]any{"from": from, "to": r.s.Priority, "reason": "out of stock"})
		}
		r.message(ch, now, "", Actor{Kind: ActorSystem}, "No replacement key in stock: restock or handle by hand.", true)
		r.coded(ch, models.MsgOutOfStock, nil)
	default:
		r.blockReissue(ch, now, res.Reason)
	}
}

// applyRiskDecision approves (reissue path) or denies (reason to the buyer, resolve) a
// pending risk review or overrides an automatic denial.
func (r *run) applyRiskDecision(ctx workflow.Context, ch *change, now time.Time, in DecisionInput) error {
	r.s.Risk.Pending = false
	kind := "risk_denied"
	if in.Approve {
		kind = "risk_approved"
	}
	r.event(ch, now, kind, in.Actor, map[string]any{"reason": in.Reason, "score": r.s.Risk.Score, "assessed": r.s.Risk.Decision})
	r.s.Queue = queueFor(r.s)
	if in.Approve {
		if workflow.GetVersion(ctx, versionReissueOutsideLock, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
			r.reissue(ctx, ch, in.Actor)
			return nil
		}
		// The approval is committed first; the update then waits for the key with the lock
		// released (handle runs ch.after once it has unlocked).
		r.s.Reissue = &Reissue{Status: ReissuePending}
		actor := in.Actor
		ch.after = func(ctx workflow.Context) { r.reissueUnlocked(ctx, actor) }
		return nil
	}
	r.s.Reissue = &Reissue{Status: ReissueDenied, Reason: in.Reason}
	r.message(ch, now, in.RequestID, in.Actor, in.Reason, false)
	r.answered(now)
	r.resolve(ch, now, in.Actor, "risk_denied")
	return nil
}

// queueFor is the queue of the current escalation level, or the category's own queue.
func queueFor(s State) string {
	if s.EscalationLevel > 0 && s.Queue != "" && s.Queue != models.QueueRisk {
		return s.Queue
	}
	return baseQueue(s)
}

func joinReasons(rs []string) string {
	if len(rs) == 0 {
		return "no rule fired"
	}
	out := rs[0]
	for _, x := range rs[1:] {
		out += "; " + x
	}
	return out
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

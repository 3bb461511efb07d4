package workflows_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/fraud"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/workflows"
)

// corpusScenarios are the recorded paths. Each ends in a saved history; the "open_" ones are
// saved while the ticket waits (and then finished, so nothing is left running).
func corpusScenarios() []scenario {
	return []scenario{
		{"ticket_life_pause_resume", func(r *recorder) {
			id := r.ticket("account", slowMerchant, 0)
			r.act(id, workflows.UpdateClaim, agent("claim"))
			r.act(id, workflows.UpdateReply, workflows.ReplyInput{ActionInput: agent("reply1"), Body: "Which e-mail did you use?", SetStatus: models.StatusPendingCustomer})
			r.save("open_pending_customer", workflows.TicketWorkflowID(id))
			r.act(id, workflows.UpdateCustomerReply, workflows.ReplyInput{ActionInput: buyer("buyer1"), Body: "a@b.c"})
			r.act(id, workflows.UpdateNote, workflows.ReplyInput{ActionInput: agent("note1"), Body: "checked the account"})
			r.act(id, workflows.UpdateSetPriority, workflows.PriorityInput{ActionInput: agent("prio"), Priority: models.PriorityHigh})
			r.act(id, workflows.UpdateEscalate, workflows.EscalateInput{ActionInput: agent("esc-up"), Delta: 1, Reason: "VIP"})
			r.act(id, workflows.UpdateEscalate, workflows.EscalateInput{ActionInput: supervisor("esc-down"), Delta: -1, Reason: "handled"})
			r.act(id, workflows.UpdateAssign, workflows.AssignInput{ActionInput: supervisor("assign"), AssigneeID: 13, AssigneeName: "Bo"})
			r.act(id, workflows.UpdateSetStatus, workflows.StatusInput{ActionInput: agent("pending-internal"), Status: models.StatusPendingInternal})
			r.act(id, workflows.UpdateReply, workflows.ReplyInput{ActionInput: agent("reply2"), Body: "Fixed.", SetStatus: models.StatusResolved})
			r.act(id, workflows.UpdateRate, workflows.RateInput{ActionInput: buyer("rate"), Score: 5, Comment: "thanks"})
			r.act(id, workflows.UpdateSetStatus, workflows.StatusInput{ActionInput: agent("close"), Status: models.StatusClosed})
			r.waitClosed(workflows.TicketWorkflowID(id))
			r.save("ticket_life_pause_resume", workflows.TicketWorkflowID(id))
		}},
		{"sla_warn_breach_escalation_chain", func(r *recorder) {
			id := r.ticket("other", fastMerchant, 0)
			r.save("open_sla_timers", workflows.TicketWorkflowID(id))
			r.waitFor(id, "second escalation", func(s workflows.State) bool { return s.EscalationLevel >= 2 })
			r.act(id, workflows.UpdateReply, workflows.ReplyInput{ActionInput: agent("late-reply"), Body: "Sorry for the wait."})
			r.act(id, workflows.UpdateCustomerReply, workflows.ReplyInput{ActionInput: buyer("again"), Body: "Still broken"})
			r.waitFor(id, "next-response breach", func(s workflows.State) bool { return !s.NextResponseBreachedAt.IsZero() })
			r.closeTicket(id)
			r.save("sla_warn_breach_escalation_chain", workflows.TicketWorkflowID(id))
		}},
		{"policy_changed", func(r *recorder) {
			id := r.ticket("account", slowMerchant, 0)
			r.act(id, workflows.UpdatePolicyChanged, supervisor("policy"))
			r.closeTicket(id)
			r.save("policy_changed", workflows.TicketWorkflowID(id))
		}},
		{"reopen_resolved_and_closed", func(r *recorder) {
			id := r.ticket("account", slowMerchant, 0)
			r.act(id, workflows.UpdateResolve, workflows.ReplyInput{ActionInput: agent("res1")})
			r.act(id, workflows.UpdateReopen, agent("reopen1"))
			r.act(id, workflows.UpdateResolve, workflows.ReplyInput{ActionInput: agent("res2"), Body: "Done now."})
			r.act(id, workflows.UpdateCustomerReply, workflows.ReplyInput{ActionInput: buyer("b-reopen"), Body: "No it is not"})
			r.closeTicket(id)
			r.save("reopen_resolved", workflows.TicketWorkflowID(id))
		}},
		{"closing_thanks_keeps_resolved", func(r *recorder) {
			id := r.ticket("account", slowMerchant, 0)
			r.act(id, workflows.UpdateResolve, workflows.ReplyInput{ActionInput: agent("res-thanks"), Body: "Password reset link sent."})
			r.act(id, workflows.UpdateRate, workflows.RateInput{ActionInput: buyer("rate-thanks"), Score: 5})
			r.act(id, workflows.UpdateCustomerReply, workflows.ReplyInput{ActionInput: buyer("b-thanks"), Body: "works now, thanks", ClosingThanks: true})
			r.save("closing_thanks_resolved", workflows.TicketWorkflowID(id))
			r.act(id, workflows.UpdateCustomerReply, workflows.ReplyInput{ActionInput: buyer("b-question"), Body: "One more question?"})
			r.closeTicket(id)
			r.save("closing_thanks_keeps_resolved", workflows.TicketWorkflowID(id))
		}},
		{"continue_as_new", func(r *recorder) {
			id := r.ticket("account", slowMerchant, 40)
			for i := range 8 {
				r.act(id, workflows.UpdateNote, workflows.ReplyInput{ActionInput: agent(fmt.Sprintf("n%d", i)), Body: "note"})
			}
			r.waitFor(id, "a new run", func(s workflows.State) bool { return s.Seq >= 9 })
			r.act(id, workflows.UpdateReply, workflows.ReplyInput{ActionInput: agent("after-can"), Body: "hello"})
			r.closeTicket(id)
			r.save("continue_as_new", workflows.TicketWorkflowID(id))
		}},
		{"continue_as_new_by_size", func(r *recorder) {
			// Issue 17: the run continues as new once its history holds 16 KB (2026-12-continue-by-size).
			id := r.ticketBytes("account", slowMerchant, 16_000)
			wid := workflows.TicketWorkflowID(id)
			for i := 0; i < 60 && len(r.runs(wid)) < 2; i++ {
				r.act(id, workflows.UpdateNote, workflows.ReplyInput{ActionInput: agent(fmt.Sprintf("sz%d", i)), Body: strings.Repeat("a long internal note ", 20)})
			}
			if len(r.runs(wid)) < 2 {
				r.t.Fatal("the run never continued as new by size")
			}
			r.act(id, workflows.UpdateReply, workflows.ReplyInput{ActionInput: agent("after-size"), Body: "hello"})
			r.closeTicket(id)
			r.save("continue_as_new_by_size", wid)
		}},
		{"reissue_allow", func(r *recorder) {
			id := r.nextID + 1
			r.sc.claim[id] = activities.KeyClaimAssessment{Assessment: assessment(fraud.Allow, 5, "first claim"), OrderID: 9}
			r.sc.reissue[id] = []activities.ReissueResult{{Status: activities.ReissueDelivered, CardKeyID: 70, DeliveryID: 71}}
			r.ticket("key_invalid", slowMerchant, 0)
			r.waitFor(id, "reissue", func(s workflows.State) bool { return s.Status == models.StatusResolved })
			r.closeTicket(id)
			r.save("reissue_allow", workflows.TicketWorkflowID(id))
		}},
		{"reissue_review_step_up", func(r *recorder) {
			// Issue 12: the claimant is not the buyer; approved, the key goes to the order's
			// contact (ReissueResult.SentTo) and the buyer is told where.
			id := r.nextID + 1
			r.sc.claim[id] = activities.KeyClaimAssessment{Assessment: assessment(fraud.Review, 30, "claimant not buyer"), OrderID: 9}
			r.sc.reissue[id] = []activities.ReissueResult{{Status: activities.ReissueDelivered, CardKeyID: 76, DeliveryID: 77, SentTo: "b***@example.com"}}
			r.ticket("key_invalid", slowMerchant, 0)
			r.waitFor(id, "review", func(s workflows.State) bool { return s.Risk != nil && s.Risk.Pending })
			r.act(id, workflows.UpdateRiskDecision, workflows.DecisionInput{ActionInput: riskAgent("approve-step-up"), Approve: true, Reason: "send to the order's mailbox"})
			r.closeTicket(id)
			r.save("reissue_review_step_up", workflows.TicketWorkflowID(id))
		}},
		{"reissue_review_approve", func(r *recorder) {
			id := r.nextID + 1
			r.sc.claim[id] = activities.KeyClaimAssessment{Assessment: assessment(fraud.Review, 45, "new device", "high value"), OrderID: 9}
			r.sc.reissue[id] = []activities.ReissueResult{{Status: activities.ReissueDelivered, CardKeyID: 72, DeliveryID: 73}}
			r.ticket("key_missing", slowMerchant, 0)
			r.waitFor(id, "review", func(s workflows.State) bool { return s.Risk != nil && s.Risk.Pending })
			r.save("open_risk_review", workflows.TicketWorkflowID(id))
			r.act(id, workflows.UpdateRiskDecision, workflows.DecisionInput{ActionInput: riskAgent("approve"), Approve: true, Reason: "known buyer"})
			r.closeTicket(id)
			r.save("reissue_review_approve", workflows.TicketWorkflowID(id))
		}},
		{"reissue_review_deny", func(r *recorder) {
			id := r.nextID + 1
			r.sc.claim[id] = activities.KeyClaimAssessment{Assessment: assessment(fraud.Review, 50, "ring"), OrderID: 9}
			r.ticket("key_invalid", slowMerchant, 0)
			r.waitFor(id, "review", func(s workflows.State) bool { return s.Risk != nil && s.Risk.Pending })
			r.act(id, workflows.UpdateRiskDecision, workflows.DecisionInput{ActionInput: riskAgent("deny"), Approve: false, Reason: "key was redeemed by you"})
			r.closeTicket(id)
			r.save("reissue_review_deny", workflows.TicketWorkflowID(id))
		}},
		{"reissue_deny_override", func(r *recorder) {
			id := r.nextID + 1
			r.sc.claim[id] = activities.KeyClaimAssessment{Assessment: assessment(fraud.Deny, 90, "serial claimer"), OrderID: 9}
			r.sc.reissue[id] = []activities.ReissueResult{{Status: activities.ReissueDelivered, CardKeyID: 74, DeliveryID: 75}}
			r.ticket("key_invalid", slowMerchant, 0)
			r.waitFor(id, "denial", func(s workflows.State) bool { return s.Reissue != nil })
			r.act(id, workflows.UpdateRiskDecision, workflows.DecisionInput{ActionInput: riskAgent("override"), Approve: true, Reason: "checked by phone"})
			r.closeTicket(id)
			r.save("reissue_deny_override", workflows.TicketWorkflowID(id))
		}},
		{"reissue_out_of_stock", func(r *recorder) {
			id := r.nextID + 1
			r.sc.claim[id] = activities.KeyClaimAssessment{Assessment: assessment(fraud.Allow, 0), OrderID: 9}
			r.sc.reissue[id] = []activities.ReissueResult{{Status: activities.ReissueOutOfStock, Reason: "no key in stock"}}
			r.ticket("key_invalid", slowMerchant, 0)
			r.waitFor(id, "out of stock", func(s workflows.State) bool { return s.Reissue != nil })
			r.save("open_out_of_stock", workflows.TicketWorkflowID(id))
			r.act(id, workflows.UpdateReply, workflows.ReplyInput{ActionInput: agent("restocked"), Body: "Here is a new key by hand.", SetStatus: models.StatusResolved})
			r.closeTicket(id)
			r.save("reissue_out_of_stock", workflows.TicketWorkflowID(id))
		}},
		{"reissue_blocked_shared_key", func(r *recorder) {
			id := r.nextID + 1
			r.sc.claim[id] = activities.KeyClaimAssessment{Assessment: assessment(fraud.Allow, 0), OrderID: 9, SharedKey: true}
			r.ticket("key_invalid", slowMerchant, 0)
			r.waitFor(id, "block", func(s workflows.State) bool { return s.Reissue != nil })
			r.closeTicket(id)
			r.save("reissue_blocked", workflows.TicketWorkflowID(id))
		}},
		{"risk_check_failed", func(r *recorder) {
			id := r.nextID + 1
			r.sc.claimErr[id] = true
			r.ticket("key_missing", slowMerchant, 0)
			r.waitFor(id, "check failed", func(s workflows.State) bool { return s.Seq >= 2 }) // opened, risk_check_failed
			r.closeTicket(id)
			r.save("risk_check_failed", workflows.TicketWorkflowID(id))
		}},
		{"refund_approve_signal_poll", func(r *recorder) {
			id := r.nextID + 1
			r.sc.refund[id] = refundPlan(true)
			no := activities.OutRefundNo(fmt.Sprintf("KD-CORPUS%03d", id%1000), 1)
			r.sc.submit[no] = []string{"submitted"}
			r.sc.poll[no] = []string{"succeeded"}
			r.ticket("refund", slowMerchant, 0)
			r.waitFor(id, "refund plan", func(s workflows.State) bool { return s.Refund != nil })
			r.save("open_refund_pending_approval", workflows.TicketWorkflowID(id))
			r.act(id, workflows.UpdateRefundDecision, workflows.DecisionInput{ActionInput: agent("approve"), Approve: true, Reason: "key never worked"})
			waitChildWaiting(r, workflows.RefundWorkflowID(no))
			r.save("open_refund_processing", workflows.TicketWorkflowID(id))
			r.save("open_refund_child_waiting", workflows.RefundWorkflowID(no))
			must(r.t, r.c.SignalWorkflow(bg(), workflows.RefundWorkflowID(no), "", workflows.SignalRefundStatus, nil))
			r.waitFor(id, "refund outcome", func(s workflows.State) bool { return s.Status == models.StatusResolved })
			r.closeTicket(id)
			r.save("refund_approve", workflows.TicketWorkflowID(id))
			r.save("refund_child_signal_poll", workflows.RefundWorkflowID(no))
		}},
		{"refund_gateway_retry", func(r *recorder) {
			id := r.nextID + 1
			r.sc.refund[id] = refundPlan(true)
			no := activities.OutRefundNo(fmt.Sprintf("KD-CORPUS%03d", id%1000), 1)
			r.sc.submit[no] = []string{"fail", "fail", "succeeded"}
			r.ticket("refund", slowMerchant, 0)
			r.waitFor(id, "refund plan", func(s workflows.State) bool { return s.Refund != nil })
			r.act(id, workflows.UpdateRefundDecision, workflows.DecisionInput{ActionInput: supervisor("approve"), Approve: true, Amount: 600})
			r.waitFor(id, "refund outcome", func(s workflows.State) bool { return s.Status == models.StatusResolved })
			r.closeTicket(id)
			r.save("refund_gateway_retry", workflows.TicketWorkflowID(id))
			r.save("refund_child_gateway_retry", workflows.RefundWorkflowID(no))
		}},
		{"refund_failed_then_approved_again", func(r *recorder) {
			id := r.nextID + 1
			r.sc.refund[id] = refundPlan(true)
			ref := fmt.Sprintf("KD-CORPUS%03d", id%1000)
			r.sc.submit[activities.OutRefundNo(ref, 1)] = []string{"failed"}
			r.sc.submit[activities.OutRefundNo(ref, 2)] = []string{"succeeded"}
			r.ticket("refund", slowMerchant, 0)
			r.waitFor(id, "refund plan", func(s workflows.State) bool { return s.Refund != nil })
			r.act(id, workflows.UpdateRefundDecision, workflows.DecisionInput{ActionInput: agent("approve1"), Approve: true})
			r.waitFor(id, "refund failed", func(s workflows.State) bool { return s.Refund.Status == workflows.RefundFailed })
			r.act(id, workflows.UpdateRefundDecision, workflows.DecisionInput{ActionInput: supervisor("approve2"), Approve: true})
			r.waitFor(id, "refund outcome", func(s workflows.State) bool { return s.Status == models.StatusResolved })
			r.closeTicket(id)
			r.save("refund_failed_reapproved", workflows.TicketWorkflowID(id))
			r.save("refund_child_failed", workflows.RefundWorkflowID(activities.OutRefundNo(ref, 1)))
		}},
		{"refund_reject", func(r *recorder) {
			id := r.nextID + 1
			r.sc.refund[id] = refundPlan(true)
			r.ticket("refund", slowMerchant, 0)
			r.waitFor(id, "refund plan", func(s workflows.State) bool { return s.Refund != nil })
			r.act(id, workflows.UpdateRefundDecision, workflows.DecisionInput{ActionInput: agent("reject"), Approve: false, Reason: "key was revealed and used"})
			r.closeTicket(id)
			r.save("refund_reject", workflows.TicketWorkflowID(id))
		}},
		{"refund_ineligible", func(r *recorder) {
			id := r.nextID + 1
			r.sc.refund[id] = refundPlan(false)
			r.ticket("refund", slowMerchant, 0)
			r.waitFor(id, "refund plan", func(s workflows.State) bool { return s.Refund != nil })
			r.closeTicket(id)
			r.save("refund_ineligible", workflows.TicketWorkflowID(id))
		}},
		{"dispute_reminder_signoff_submit_outcome", func(r *recorder) {
			id := r.nextID + 1
			// Due 4 h and 4 s from now: the 4-hour reminder fires while the recorder waits.
			r.sc.dispute[id] = disputeCase(id, time.Now().Add(4*time.Hour+4*time.Second))
			r.ticket("dispute", slowMerchant, 0)
			r.waitFor(id, "reminder", func(s workflows.State) bool { return s.Dispute != nil && len(s.Dispute.Reminded) == 1 })
			r.save("open_dispute_waiting", workflows.TicketWorkflowID(id))
			r.act(id, workflows.UpdateDisputeAction, workflows.DisputeActionInput{ActionInput: supervisor("signoff"), Action: activities.DisputeActionSignOff})
			r.act(id, workflows.UpdateDisputeAction, workflows.DisputeActionInput{ActionInput: agent("submit"), Action: activities.DisputeActionSubmit})
			r.act(id, workflows.UpdateDisputeAction, workflows.DisputeActionInput{ActionInput: supervisor("won"), Action: activities.DisputeActionOutcome, Outcome: models.DisputeWon})
			r.closeTicket(id)
			r.save("dispute_reminder_outcome", workflows.TicketWorkflowID(id))
		}},
		{"dispute_deadline_missed", func(r *recorder) {
			id := r.nextID + 1
			r.sc.dispute[id] = disputeCase(id, time.Now().Add(3*time.Second))
			r.ticket("dispute", slowMerchant, 0)
			r.waitFor(id, "missed deadline", func(s workflows.State) bool { return s.Dispute != nil && s.Dispute.Missed })
			r.closeTicket(id)
			r.save("dispute_deadline_missed", workflows.TicketWorkflowID(id))
		}},
		{"refund_across_continue_as_new", func(r *recorder) {
			id := r.nextID + 1
			r.sc.setRefund(id, refundPlan(true))
			no := activities.OutRefundNo(fmt.Sprintf("KD-CORPUS%03d", id%1000), 1)
			r.sc.mu.Lock()
			r.sc.submit[no], r.sc.poll[no] = []string{"submitted"}, []string{"succeeded"}
			r.sc.mu.Unlock()
			r.ticket("refund", slowMerchant, 0)
			r.waitFor(id, "refund plan", func(s workflows.State) bool { return s.Refund != nil })
			r.act(id, workflows.UpdateRefundDecision, workflows.DecisionInput{ActionInput: agent("approve"), Approve: true})
			waitChildWaiting(r, workflows.RefundWorkflowID(no))
			must(r.t, r.c.SignalWorkflow(bg(), workflows.TicketWorkflowID(id), "", workflows.SignalContinueAsNew, nil))
			r.waitRuns(workflows.TicketWorkflowID(id), 2)
			must(r.t, r.c.SignalWorkflow(bg(), workflows.RefundWorkflowID(no), "", workflows.SignalRefundStatus, nil))
			r.waitFor(id, "refund outcome in the new run", func(s workflows.State) bool { return s.Status == models.StatusResolved })
			r.closeTicket(id)
			r.save("refund_across_continue_as_new", workflows.TicketWorkflowID(id))
			r.save("refund_child_reports", workflows.RefundWorkflowID(no))
		}},
		{"close_racing_buyer_reply", func(r *recorder) {
			id := r.ticket("account", slowMerchant, 0)
			r.act(id, workflows.UpdateResolve, workflows.ReplyInput{ActionInput: agent("res")})
			done := make(chan struct{})
			go func() {
				defer close(done)
				h, err := r.c.UpdateWorkflow(bg(), client.UpdateWorkflowOptions{WorkflowID: workflows.TicketWorkflowID(id),
					UpdateName: workflows.UpdateSetStatus, Args: []any{workflows.StatusInput{ActionInput: agent("close"), Status: models.StatusClosed}},
					WaitForStage: client.WorkflowUpdateStageCompleted})
				if err == nil {
					_ = h.Get(bg(), nil)
				}
			}()
			_, _ = r.c.UpdateWorkflow(bg(), client.UpdateWorkflowOptions{WorkflowID: workflows.TicketWorkflowID(id),
				UpdateName: workflows.UpdateCustomerReply, Args: []any{workflows.ReplyInput{ActionInput: buyer("late"), Body: "still broken"}},
				WaitForStage: client.WorkflowUpdateStageCompleted})
			<-done
			if st := r.state(id); st.Status == models.StatusOpen { // the reply came last: the run went on
				r.closeTicket(id)
			} else {
				r.waitClosed(workflows.TicketWorkflowID(id))
			}
			r.save("close_racing_buyer_reply", workflows.TicketWorkflowID(id))
		}},
		{"policy_fanout", func(r *recorder) {
			wid := workflows.PolicyFanoutWorkflowID(9, fmt.Sprintf("corpus-%d", r.nextID))
			_, err := r.c.ExecuteWorkflow(bg(), startOpts(wid), workflows.PolicyFanoutWorkflowName,
				workflows.PolicyFanoutInput{MerchantID: 9, RequestID: "corpus", Actor: supervisor("").Actor})
			must(r.t, err)
			r.waitClosed(wid)
			r.save("policy_fanout", wid)
		}},
		{"reconciler_passes", func(r *recorder) {
			wid := workflows.ReconcilerWorkflowID(fmt.Sprintf("corpus%d", r.nextID))
			_, err := r.c.ExecuteWorkflow(bg(), startOpts(wid), workflows.ReconcilerWorkflowName, workflows.ReconcileInput{Every: 300 * time.Millisecond})
			must(r.t, err)
			time.Sleep(4 * time.Second) // a failed pass retried, then passes every 300 ms
			r.save("open_reconciler", wid)
			must(r.t, r.c.TerminateWorkflow(bg(), wid, "", "corpus recorded"))
		}},
		{"install_marker", func(r *recorder) {
			wid := fmt.Sprintf("%s-corpus-%d", workflows.InstallWorkflowID, r.nextID)
			_, err := r.c.ExecuteWorkflow(bg(), startOpts(wid), workflows.InstallWorkflowName, "c0ffee00")
			must(r.t, err)
			time.Sleep(500 * time.Millisecond)
			r.save("open_install_marker", wid)
			must(r.t, r.c.TerminateWorkflow(bg(), wid, "", "corpus recorded"))
		}},
		{"outbound_retry", func(r *recorder) {
			wid := workflows.OutboundWorkflowID(r.nextID + 7)
			_, err := r.c.ExecuteWorkflow(bg(), startOpts(wid), workflows.OutboundWorkflowName, r.nextID+7)
			must(r.t, err)
			r.waitClosed(wid)
			r.save("outbound_retry", wid)
		}},
	}
}

func riskAgent(id string) workflows.ActionInput {
	return workflows.ActionInput{RequestID: id, Actor: workflows.Actor{Kind: workflows.ActorAgent, UserID: 14, Name: "Rik", Role: "risk_agent"}}
}

func refundPlan(eligible bool) activities.RefundPlan {
	p := activities.RefundPlan{Eligible: eligible, OrderID: 9, OrderNo: "ORD-9", Currency: "CNY", OrderAmount: 1000, Refundable: 1000,
		WithinWindow: true, WindowEnds: time.Now().Add(72 * time.Hour).UTC(), AgentLimit: 5000, FeePolicy: "none", Gateway: "fake",
		Risk: assessment(fraud.Allow, 0)}
	if !eligible {
		p.Reason, p.Refundable = "the order was refunded already", 0
	}
	return p
}

func disputeCase(id uint64, due time.Time) activities.DisputeCase {
	return activities.DisputeCase{DisputeID: id, CaseID: fmt.Sprintf("CB-%d", id), OrderID: 9, Status: models.DisputeReady,
		Amount: 1000, Currency: "CNY", EvidenceDueBy: due.UTC()}
}

// waitChildWaiting waits until the refund child has submitted and waits for the gateway.
func waitChildWaiting(r *recorder, wid string) {
	r.t.Helper()
	for range 600 {
		if _, err := r.c.DescribeWorkflowExecution(bg(), wid, ""); err == nil {
			h := r.history(wid, "")
			for _, ev := range h.Events {
				if ev.GetTimerStartedEventAttributes() != nil {
					return
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.t.Fatalf("%s never waited for the gateway", wid)
}

func bg() context.Context { return context.Background() }

func startOpts(wid string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{ID: wid, TaskQueue: corpusQueue, WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE}
}

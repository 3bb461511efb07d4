package api

import (
	"encoding/json"

	"github.com/keydesk/keydesk/models"
)

// Buyer stages (publicTicketResp.Stage): what is happening to a ticket, in the buyer's terms.
const (
	StageWaitingAgent    = "waiting_agent"    // open, nobody has taken it yet
	StageAgentWorking    = "agent_working"    // an agent has taken it
	StageRiskReview      = "risk_review"      // held for a fraud review before any replacement
	StageWaitingYou      = "waiting_you"      // the shop waits for the buyer's reply
	StageChecking        = "checking"         // the shop checks internally
	StageReplacementSent = "replacement_sent" // a replacement key was issued
	StageDenied          = "denied"           // the claim was not approved (reason in StageReason)
	StageResolved        = "resolved"
	StageClosed          = "closed"
)

// buyerStage says what is happening to a ticket: from its status, queue and assignee, the
// replacement and the risk decisions in its events. A denial (automatic, or a risk agent's
// deny not later overturned) or a replacement is what a finished ticket shows; reason is what the denier wrote for the
// buyer (empty for the automatic denial, whose message the buyer reads).
func buyerStage(t models.Ticket, evs []models.TicketEvent, replacement bool) (stage, reason string) {
	denied, denyReason := t.RiskDecision == "deny", ""
	for _, e := range evs {
		switch e.Kind {
		case "risk_denied":
			denied, denyReason = true, eventReason(e)
		case "risk_approved", "reissue_delivered":
			denied, denyReason = false, ""
		}
	}
	done := t.Status == models.StatusResolved || t.Status == models.StatusClosed
	switch {
	case done && replacement:
		return StageReplacementSent, ""
	case done && denied:
		return StageDenied, denyReason
	case t.Status == models.StatusClosed:
		return StageClosed, ""
	case t.Status == models.StatusResolved:
		return StageResolved, ""
	case t.Status == models.StatusPendingCustomer:
		return StageWaitingYou, ""
	case t.Queue == models.QueueRisk:
		return StageRiskReview, ""
	case t.Status == models.StatusPendingInternal:
		return StageChecking, ""
	case t.AssigneeID == nil:
		return StageWaitingAgent, ""
	}
	return StageAgentWorking, ""
}

// eventReason is an event's data.reason, empty when it has none.
func eventReason(e models.TicketEvent) string {
	var d struct {
		Reason string `json:"reason"`
	}
	_ = json.Unmarshal(e.Data, &d) // no readable reason: the buyer reads the messages
	return d.Reason
}

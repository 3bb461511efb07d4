package api

import (
	"testing"

	"github.com/keydesk/keydesk/models"
)

func TestBuyerStage(t *testing.T) {
	one := uint64(1)
	ev := func(kind, data string) models.TicketEvent {
		return models.TicketEvent{Kind: kind, Data: models.JSON(data)}
	}
	cases := []struct {
		name        string
		t           models.Ticket
		evs         []models.TicketEvent
		replacement bool
		stage, why  string
	}{
		{"new, nobody on it", models.Ticket{Status: models.StatusNew, Queue: models.QueueGeneral}, nil, false, StageWaitingAgent, ""},
		{"open, unassigned", models.Ticket{Status: models.StatusOpen, Queue: models.QueueGeneral}, nil, false, StageWaitingAgent, ""},
		{"open, assigned", models.Ticket{Status: models.StatusOpen, Queue: models.QueueGeneral, AssigneeID: &one}, nil, false, StageAgentWorking, ""},
		{"risk review, even when assigned", models.Ticket{Status: models.StatusOpen, Queue: models.QueueRisk, AssigneeID: &one, RiskDecision: "review"}, nil, false, StageRiskReview, ""},
		{"waiting for the buyer", models.Ticket{Status: models.StatusPendingCustomer, Queue: models.QueueGeneral, AssigneeID: &one}, nil, false, StageWaitingYou, ""},
		{"checked internally", models.Ticket{Status: models.StatusPendingInternal, Queue: models.QueueGeneral, AssigneeID: &one}, nil, false, StageChecking, ""},
		{"automatic denial, resolved", models.Ticket{Status: models.StatusResolved, RiskDecision: "deny"}, nil, false, StageDenied, ""},
		{"risk agent denial with the buyer's reason", models.Ticket{Status: models.StatusResolved, RiskDecision: "review"},
			[]models.TicketEvent{ev("risk_denied", `{"reason":"key was redeemed before the claim"}`)}, false, StageDenied, "key was redeemed before the claim"},
		{"automatic denial overturned", models.Ticket{Status: models.StatusResolved, RiskDecision: "deny"},
			[]models.TicketEvent{ev("risk_approved", `{"reason":"ok"}`), ev("reissue_delivered", `{}`)}, true, StageReplacementSent, ""},
		{"replacement sent", models.Ticket{Status: models.StatusResolved, RiskDecision: "allow"}, []models.TicketEvent{ev("reissue_delivered", `{}`)}, true, StageReplacementSent, ""},
		{"replacement sent, buyer wrote again", models.Ticket{Status: models.StatusOpen, Queue: models.QueueGeneral}, nil, true, StageWaitingAgent, ""},
		{"denied, buyer wrote again", models.Ticket{Status: models.StatusOpen, Queue: models.QueueGeneral, RiskDecision: "deny"}, nil, false, StageWaitingAgent, ""},
		{"plain resolved", models.Ticket{Status: models.StatusResolved}, nil, false, StageResolved, ""},
		{"closed", models.Ticket{Status: models.StatusClosed}, nil, false, StageClosed, ""},
		{"closed after a denial", models.Ticket{Status: models.StatusClosed, RiskDecision: "deny"}, nil, false, StageDenied, ""},
		{"unreadable event data", models.Ticket{Status: models.StatusResolved}, []models.TicketEvent{ev("risk_denied", `nope`)}, false, StageDenied, ""},
	}
	for _, c := range cases {
		stage, why := buyerStage(c.t, c.evs, c.replacement)
		if stage != c.stage || why != c.why {
			t.Errorf("%s: got (%s, %q), want (%s, %q)", c.name, stage, why, c.stage, c.why)
		}
	}
}

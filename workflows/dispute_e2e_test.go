package workflows_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/payments"
	"github.com/keydesk/keydesk/store"
	"github.com/keydesk/keydesk/tickets"
	"github.com/keydesk/keydesk/workflows"
)

// A chargeback the way POST /integrations/disputes opens it (ticket first, then the dispute
// row), its evidence built by the workflow, sign-off, submission and a lost outcome.
func TestE2EDisputeLifecycle(t *testing.T) {
	ctx := context.Background()
	ps := newPayStack(t, payments.SimConfig{})
	o, keys := refundShop(t)
	c, err := ps.svc.Create(ctx, tickets.CreateInput{MerchantID: o.MerchantID, OrderNo: o.OrderNo, Email: o.BuyerEmail, Category: "dispute",
		Subject: "Chargeback CB-E2E", Description: "The gateway opened chargeback CB-E2E.", Channel: "integration", IdempotencyKey: "dispute:CB-E2E", Gateway: true})
	must(t, err)
	id := c.Ticket.ID
	d := models.Dispute{MerchantID: o.MerchantID, TicketID: id, OrderID: o.ID, GatewayCaseID: "CB-E2E", Reason: "fraudulent", Amount: 1000,
		Currency: "EUR", EvidenceDueBy: time.Now().UTC().Add(10 * 24 * time.Hour), Status: models.DisputeOpen}
	if _, err := env.store.CreateDispute(ctx, &d); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the evidence report", 20*time.Second, func() bool {
		st, err := ps.svc.State(ctx, o.MerchantID, id)
		return err == nil && st.Dispute != nil && st.Dispute.Status == models.DisputeReady
	})
	stored, _ := env.store.DisputeByID(ctx, o.MerchantID, d.ID)
	var rep activities.EvidenceReport
	if err := stored.Report.Decode(&rep); err != nil || rep.Order.OrderNo != o.OrderNo || len(rep.Keys) != 2 {
		t.Fatalf("report = %+v %v", rep, err)
	}
	if got, _ := env.store.OrderByID(ctx, o.MerchantID, o.ID); got.Status != models.OrderDisputed {
		t.Fatalf("order status = %s", got.Status)
	}
	step := func(reqID, role, action, outcome string) (workflows.State, error) {
		return ps.svc.Act(ctx, o.MerchantID, id, workflows.UpdateDisputeAction, workflows.DisputeActionInput{
			ActionInput: actor(reqID, role, 21), Action: action, Outcome: outcome, ActorEmail: role + "@shop.test", IP: "192.0.2.7"})
	}
	if _, err := step("d1", "agent", activities.DisputeActionSignOff, ""); !errors.Is(err, tickets.ErrRejected) {
		t.Fatalf("agent sign-off: %v", err)
	}
	if _, err := step("d2", "supervisor", activities.DisputeActionSubmit, ""); !errors.Is(err, tickets.ErrRejected) {
		t.Fatalf("submit before sign-off: %v", err)
	}
	for i, s := range []struct{ id, role, action, outcome string }{
		{"d3", "supervisor", activities.DisputeActionSignOff, ""},
		{"d4", "agent", activities.DisputeActionSubmit, ""},
		{"d5", "supervisor", activities.DisputeActionOutcome, models.DisputeLost},
	} {
		if _, err := step(s.id, s.role, s.action, s.outcome); err != nil {
			t.Fatalf("step %d %s: %v", i, s.action, err)
		}
	}
	final, _ := env.store.DisputeByID(ctx, o.MerchantID, d.ID)
	if final.Status != models.DisputeLost || final.SignedOffBy == nil || final.SubmittedAt == nil {
		t.Fatalf("dispute = %+v", final)
	}
	var ks []models.CardKey
	must(t, env.store.DB(ctx).Where("id IN ?", keys).Order("id").Find(&ks).Error)
	if ks[0].Status != models.KeyDelivered || ks[1].Status != models.KeyRevoked {
		t.Fatalf("keys after a lost dispute = %s/%s", ks[0].Status, ks[1].Status)
	}
	mid := o.MerchantID
	audits, _, err := env.store.ListAudit(ctx, store.AuditFilter{MerchantID: &mid, TargetType: "dispute"})
	if err != nil || len(audits) != 3 || audits[2].IP != "192.0.2.7" {
		t.Fatalf("audit = %+v %v", audits, err)
	}
	tk, _ := env.store.TicketByID(ctx, o.MerchantID, id)
	if tk.Status != models.StatusResolved {
		t.Fatalf("ticket = %s", tk.Status)
	}
	replay(t, workflows.TicketWorkflowID(id))
}

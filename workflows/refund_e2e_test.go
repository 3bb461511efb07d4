package workflows_test

// End to end on the embedded Temporal server: a refund ticket through the tickets service,
// approvals as updates, the RefundWorkflow child against the simulator, a worker "crash"
// in the middle of the refund, the notification path, and a replay of both histories.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/internal/temporalx"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/payments"
	"github.com/keydesk/keydesk/store"
	"github.com/keydesk/keydesk/tickets"
	"github.com/keydesk/keydesk/workflows"
)

// payQueue is the task queue of the payments e2e worker (its activities have gateways).
const payQueue = "keydesk-e2e-pay"

type payStack struct {
	sim    *payments.Simulator
	svc    *tickets.Service
	mu     sync.Mutex
	worker worker.Worker
}

func newPayStack(t *testing.T, cfg payments.SimConfig) *payStack {
	t.Helper()
	ps := &payStack{}
	// What POST /api/v1/payments/simulator/notify does: store the status, then signal.
	cfg.Notify = func(ctx context.Context, n payments.Notification) {
		if _, _, err := env.store.UpdateRefundStatus(ctx, n.OutRefundNo, store.RefundUpdate{Status: models.RefundSucceeded,
			GatewayRefundID: n.GatewayRefundID, At: time.Now().UTC()}); err != nil {
			t.Errorf("store notification: %v", err)
		}
		if err := env.client.SignalWorkflow(ctx, workflows.RefundWorkflowID(n.OutRefundNo), "", workflows.SignalRefundStatus, nil); err != nil {
			t.Errorf("signal: %v", err)
		}
	}
	ps.sim = payments.NewSimulator(cfg)
	ps.svc = tickets.New(tickets.Opts{Store: env.store, Temporal: env.client, TaskQueue: payQueue, Box: env.box, PublicURL: "http://desk.test",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	must(t, ps.start())
	t.Cleanup(ps.stop)
	return ps
}

// start runs a fresh worker (new activities value, same simulator and database).
func (ps *payStack) start() error {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	w := worker.New(env.client, payQueue, worker.Options{})
	workflows.Register(w, &activities.Activities{Store: env.store, Box: env.box, PublicURL: "http://desk.test",
		Payments: activities.NewPaymentsRegistry(env.store, env.box, ps.sim)})
	if err := w.Start(); err != nil {
		return err
	}
	ps.worker = w
	return nil
}

func (ps *payStack) stop() {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.worker != nil {
		ps.worker.Stop()
		ps.worker = nil
	}
}

// refundShop seeds a merchant (agent limit 5.00), an order of two keys paid yesterday
// through the simulator, the first key revealed.
func refundShop(t *testing.T) (models.Order, []uint64) {
	t.Helper()
	ctx := context.Background()
	shopSeq++
	slug := fmt.Sprintf("payshop%d", shopSeq)
	m := models.Merchant{Slug: slug, Name: slug, Timezone: "UTC", Settings: models.JSON(`{"agent_refund_limit":500}`)}
	must(t, env.store.DB(ctx).Create(&m).Error)
	p := models.Product{MerchantID: m.ID, SKU: "gc", Name: "Gift card", Price: 500, Currency: "EUR", RefundableDays: 30}
	must(t, env.store.DB(ctx).Create(&p).Error)
	b := models.KeyBatch{MerchantID: m.ID, ProductID: p.ID, Status: models.BatchActive}
	must(t, env.store.DB(ctx).Create(&b).Error)
	paid := time.Now().UTC().Add(-24 * time.Hour)
	o := models.Order{MerchantID: m.ID, OrderNo: slug + "-1", ProductID: p.ID, Quantity: 2, Amount: 1000, Currency: "EUR",
		BuyerEmail: "payer@example.com", PaidAt: paid, PaymentRef: "pay-" + slug, PaymentGateway: payments.SimulatorName, Status: models.OrderDelivered}
	must(t, env.store.DB(ctx).Create(&o).Error)
	var keys []uint64
	for i := range 2 {
		k := models.CardKey{MerchantID: m.ID, ProductID: p.ID, BatchID: b.ID, SecretCipher: []byte("sealed"),
			SecretHash: fmt.Sprintf("%s-%d", slug, i), Status: models.KeyDelivered, OrderID: &o.ID, DeliveredAt: &paid}
		if i == 0 {
			k.FirstRevealedAt = &paid
		}
		must(t, env.store.DB(ctx).Create(&k).Error)
		keys = append(keys, k.ID)
	}
	return o, keys
}

func waitFor(t *testing.T, what string, within time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func actor(id, role string, user uint64) workflows.ActionInput {
	return workflows.ActionInput{RequestID: id, Actor: workflows.Actor{Kind: workflows.ActorAgent, UserID: user, Name: role, Role: role}}
}

func TestE2ERefundApprovalCrashMidRefundExactlyOnce(t *testing.T) {
	ctx := context.Background()
	// The first gateway answer is lost after the money moved, then the refund completes
	// asynchronously (by notification).
	ps := newPayStack(t, payments.SimConfig{LoseFirst: 1, AsyncRate: 1})
	o, keys := refundShop(t)
	c, err := ps.svc.Create(ctx, tickets.CreateInput{MerchantID: o.MerchantID, OrderNo: o.OrderNo, Email: o.BuyerEmail,
		Category: "refund", Subject: "Refund please", Description: "I want my money back for this order."})
	must(t, err)
	id := c.Ticket.ID
	state := func() workflows.State {
		st, err := ps.svc.State(ctx, o.MerchantID, id)
		must(t, err)
		return st
	}
	waitFor(t, "the refund to await approval", 15*time.Second, func() bool {
		st := state()
		return st.Refund != nil && st.Refund.Status == workflows.RefundPendingApproval
	})

	_, err = ps.svc.Act(ctx, o.MerchantID, id, workflows.UpdateRefundDecision, workflows.DecisionInput{ActionInput: actor("a1", "agent", 11), Approve: true})
	if !errors.Is(err, tickets.ErrRejected) || !strings.Contains(err.Error(), "above the agent limit") {
		t.Fatalf("agent approving 10.00 over a 5.00 limit: %v", err)
	}
	st, err := ps.svc.Act(ctx, o.MerchantID, id, workflows.UpdateRefundDecision, workflows.DecisionInput{ActionInput: actor("s1", "supervisor", 12), Approve: true})
	if err != nil || st.Refund.Status != workflows.RefundProcessing {
		t.Fatalf("supervisor approval: %v %+v", err, st.Refund)
	}
	_, err = ps.svc.Act(ctx, o.MerchantID, id, workflows.UpdateRefundDecision, workflows.DecisionInput{ActionInput: actor("s2", "supervisor", 12), Approve: true})
	if !errors.Is(err, tickets.ErrRejected) {
		t.Fatalf("duplicate approval: %v", err)
	}
	no := st.Refund.OutRefundNo
	waitFor(t, "the refund to be submitted", 20*time.Second, func() bool {
		r, err := env.store.RefundByOutNo(ctx, no)
		return err == nil && r.Status == models.RefundSubmitted
	})

	ps.stop() // the worker dies mid-refund: the refund waits on the gateway
	time.Sleep(500 * time.Millisecond)
	must(t, ps.start()) // a new worker replays both workflows from their histories
	if _, err := ps.sim.Complete(ctx, no); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the ticket to resolve", 20*time.Second, func() bool {
		tk, err := env.store.TicketByID(ctx, o.MerchantID, id)
		return err == nil && tk.Status == models.StatusResolved
	})

	if l := ps.sim.Ledger(); len(l) != 1 || ps.sim.RefundedTotal(o.PaymentRef) != 1000 || ps.sim.Attempts(no) != 2 {
		t.Fatalf("ledger = %+v attempts %d: want one refund of 1000 after one replay", l, ps.sim.Attempts(no))
	}
	rs, err := env.store.RefundsByTicket(ctx, o.MerchantID, id)
	if err != nil || len(rs) != 1 || rs[0].Status != models.RefundSucceeded {
		t.Fatalf("refund rows = %+v %v", rs, err)
	}
	got, _ := env.store.OrderByID(ctx, o.MerchantID, o.ID)
	if got.Status != models.OrderRefunded || got.RefundedAmount != 1000 {
		t.Fatalf("order = %s %d", got.Status, got.RefundedAmount)
	}
	var ks []models.CardKey
	must(t, env.store.DB(ctx).Where("id IN ?", keys).Order("id").Find(&ks).Error)
	if ks[0].Status != models.KeyDelivered || ks[1].Status != models.KeyRevoked {
		t.Fatalf("keys = %s/%s", ks[0].Status, ks[1].Status)
	}
	msgs, _ := env.store.TicketMessages(ctx, o.MerchantID, id, false)
	if len(msgs) == 0 || !strings.Contains(msgs[len(msgs)-1].Body, "10.00 EUR") {
		t.Fatalf("buyer not told: %+v", msgs)
	}
	replay(t, workflows.RefundWorkflowID(no))
	replay(t, workflows.TicketWorkflowID(id))
}

// replay replays a workflow's recorded history with the current code: a change that breaks
// determinism fails here.
func replay(t *testing.T, workflowID string) {
	t.Helper()
	ctx := context.Background()
	it := env.client.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		must(t, err)
		h.Events = append(h.Events, ev)
	}
	r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DataConverter: temporalx.DataConverter(env.box)})
	must(t, err)
	r.RegisterWorkflowWithOptions(workflows.TicketWorkflow, workflow.RegisterOptions{Name: workflows.TicketWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.RefundWorkflow, workflow.RegisterOptions{Name: workflows.RefundWorkflowName})
	if err := r.ReplayWorkflowHistory(log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), h); err != nil {
		t.Fatalf("replay %s (%d events): %v", workflowID, len(h.Events), err)
	}
}

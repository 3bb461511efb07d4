package workflows

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/fraud"
	"github.com/keydesk/keydesk/internal/secretbox"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/payments"
	"github.com/keydesk/keydesk/store"
)

// ---- RefundWorkflow with the real activities over SQLite and the simulator ----

// rfFixture is one order of two delivered keys (the first revealed) and its refund ticket.
type rfFixture struct {
	t    *testing.T
	ctx  context.Context
	s    *store.Store
	sim  *payments.Simulator
	act  *activities.Activities
	o    models.Order
	keys []uint64
	tk   models.Ticket
}

func newRF(t *testing.T, cfg payments.SimConfig) *rfFixture {
	t.Helper()
	f := &rfFixture{t: t, ctx: context.Background(), s: testdb.SQLite(t)}
	box, err := secretbox.New(make([]byte, secretbox.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	f.sim = payments.NewSimulator(cfg)
	f.act = &activities.Activities{Store: f.s, Box: box, Payments: activities.NewPaymentsRegistry(f.s, box, f.sim)}
	m := models.Merchant{Slug: "rf", Name: "RF", Timezone: "UTC", Settings: models.JSON(`{}`)}
	f.create(&m)
	p := models.Product{MerchantID: m.ID, SKU: "G", Name: "Game", Price: 1000, Currency: "EUR", RefundableDays: 14}
	f.create(&p)
	b := models.KeyBatch{MerchantID: m.ID, ProductID: p.ID, Status: models.BatchActive}
	f.create(&b)
	paid := monday0900.Add(-48 * time.Hour)
	f.o = models.Order{MerchantID: m.ID, OrderNo: "ORD-9", ProductID: p.ID, Quantity: 2, Amount: 2000, Currency: "EUR",
		BuyerEmail: "bob@example.com", PaidAt: paid, PaymentRef: "pay-9", PaymentGateway: payments.SimulatorName, Status: models.OrderDelivered}
	f.create(&f.o)
	for i, h := range []string{"h1", "h2"} {
		k := models.CardKey{MerchantID: m.ID, ProductID: p.ID, BatchID: b.ID, SecretCipher: []byte("sealed"), SecretHash: h, Status: models.KeyDelivered, OrderID: &f.o.ID, DeliveredAt: &paid}
		if i == 0 {
			k.FirstRevealedAt = &paid
		}
		f.create(&k)
		f.keys = append(f.keys, k.ID)
	}
	f.tk = models.Ticket{MerchantID: m.ID, Ref: "KD-RF01", OrderID: &f.o.ID, Category: "refund", Status: models.StatusOpen}
	f.create(&f.tk)
	return f
}

func (f *rfFixture) create(v any) {
	f.t.Helper()
	if err := f.s.DB(f.ctx).Create(v).Error; err != nil {
		f.t.Fatal(err)
	}
}

func (f *rfFixture) input() RefundInput {
	return RefundInput{MerchantID: f.o.MerchantID, TicketID: f.tk.ID, OrderID: f.o.ID, OutRefundNo: "KD-RF01-R1", Amount: 2000,
		Currency: "EUR", Gateway: payments.SimulatorName, ApprovedBy: 4, ApprovedAt: monday0900, PollEvery: time.Minute}
}

func (f *rfFixture) env() *testsuite.TestWorkflowEnvironment {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(monday0900)
	env.SetTestTimeout(30 * time.Second)
	env.RegisterWorkflowWithOptions(RefundWorkflow, workflow.RegisterOptions{Name: RefundWorkflowName})
	env.RegisterActivity(f.act)
	return env
}

func (f *rfFixture) run(env *testsuite.TestWorkflowEnvironment, in RefundInput) RefundOutcome {
	f.t.Helper()
	env.ExecuteWorkflow(RefundWorkflowName, in)
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		f.t.Fatalf("refund workflow: completed=%v err=%v", env.IsWorkflowCompleted(), env.GetWorkflowError())
	}
	var out RefundOutcome
	if err := env.GetWorkflowResult(&out); err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *rfFixture) keyStatus(i int) string {
	var k models.CardKey
	if err := f.s.DB(f.ctx).Take(&k, f.keys[i]).Error; err != nil {
		f.t.Fatal(err)
	}
	return k.Status
}

// assertRefundedOnce checks exactly one refund of amount moved and the order and keys agree.
func (f *rfFixture) assertRefundedOnce(amount int64) {
	f.t.Helper()
	if l := f.sim.Ledger(); len(l) != 1 || f.sim.RefundedTotal("pay-9") != amount {
		f.t.Fatalf("ledger = %+v, want one refund of %d", l, amount)
	}
	o, err := f.s.OrderByID(f.ctx, f.o.MerchantID, f.o.ID)
	if err != nil || o.Status != models.OrderRefunded || o.RefundedAmount != amount {
		f.t.Fatalf("order = %s %d %v", o.Status, o.RefundedAmount, err)
	}
	if f.keyStatus(0) != models.KeyDelivered || f.keyStatus(1) != models.KeyRevoked {
		f.t.Fatalf("keys = %s/%s, want the revealed one kept and the other revoked", f.keyStatus(0), f.keyStatus(1))
	}
}

func TestRefundWorkflowRetryableFailuresRetriedThenSucceedOnce(t *testing.T) {
	f := newRF(t, payments.SimConfig{FailFirst: 3})
	out := f.run(f.env(), f.input())
	if out.Status != RefundSucceeded || out.GatewayRefundID == "" || len(out.RevokedKeys) != 1 {
		t.Fatalf("outcome = %+v", out)
	}
	if n := f.sim.Attempts("KD-RF01-R1"); n != 4 {
		t.Fatalf("gateway attempts = %d, want 4 (3 transient failures, then success)", n)
	}
	f.assertRefundedOnce(2000)
}

func TestRefundWorkflowPermanentFailureLeavesKeys(t *testing.T) {
	f := newRF(t, payments.SimConfig{PermanentFailureRate: 1})
	out := f.run(f.env(), f.input())
	if out.Status != RefundFailed || !strings.Contains(out.Reason, "declined") {
		t.Fatalf("outcome = %+v", out)
	}
	if len(f.sim.Ledger()) != 0 || f.keyStatus(1) != models.KeyDelivered {
		t.Fatal("a failed refund must move no money and revoke no key")
	}
	r, _ := f.s.RefundByOutNo(f.ctx, "KD-RF01-R1")
	if r.Status != models.RefundFailed || r.FailureReason == "" {
		t.Fatalf("row = %s %q", r.Status, r.FailureReason)
	}
}

func TestRefundWorkflowAsyncCompletionByPolling(t *testing.T) {
	f := newRF(t, payments.SimConfig{AsyncRate: 1, CompleteAfterQueries: 3})
	env := f.env()
	out := f.run(env, f.input())
	if out.Status != RefundSucceeded {
		t.Fatalf("outcome = %+v", out)
	}
	if l := f.sim.Ledger(); len(l) != 1 || l[0].Queries != 3 {
		t.Fatalf("ledger = %+v, want 3 polls", l)
	}
	// Polls back off: 1 + 2 + 4 minutes of workflow time.
	if got := env.Now().Sub(monday0900); got < 7*time.Minute || got > 8*time.Minute {
		t.Fatalf("completed after %s of workflow time, want ~7m of polling", got)
	}
	f.assertRefundedOnce(2000)
}

func TestRefundWorkflowAsyncCompletionByCallback(t *testing.T) {
	f := newRF(t, payments.SimConfig{AsyncRate: 1})
	env := f.env()
	in := f.input()
	in.PollEvery = time.Hour
	// What POST /api/v1/payments/simulator/notify does: store the status, then signal.
	env.RegisterDelayedCallback(func() {
		res, err := f.sim.Complete(f.ctx, in.OutRefundNo)
		if err != nil {
			t.Error(err)
			return
		}
		if _, _, err := f.s.UpdateRefundStatus(f.ctx, in.OutRefundNo, store.RefundUpdate{Status: models.RefundSucceeded, GatewayRefundID: res.GatewayRefundID, At: monday0900}); err != nil {
			t.Error(err)
		}
		env.SignalWorkflow(SignalRefundStatus, nil)
	}, 30*time.Second)
	out := f.run(env, in)
	if out.Status != RefundSucceeded {
		t.Fatalf("outcome = %+v", out)
	}
	if l := f.sim.Ledger(); len(l) != 1 || l[0].Queries != 0 {
		t.Fatalf("ledger = %+v, want no poll (the callback settled it)", l)
	}
	if got := env.Now().Sub(monday0900); got >= time.Hour {
		t.Fatalf("completed after %s: the callback should not wait for the poll", got)
	}
	f.assertRefundedOnce(2000)
}

// A crash right after the gateway moved the money (its answer lost) and before the row
// knew: the first run dies, a new run of the workflow starts from scratch; it finds the
// refunds row and the gateway replays the first refund.
func TestRefundWorkflowCrashRestartedMidRefundRefundsOnce(t *testing.T) {
	f := newRF(t, payments.SimConfig{LoseFirst: 1})
	first := f.env()
	// The first run's worker "dies" right after the gateway call: the attempt's result is
	// never recorded and the run ends (non-retryable), as if its history were gone.
	first.OnActivity(f.act.SubmitRefund, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.RefundRef) (activities.RefundRecord, error) {
			_, _ = f.act.SubmitRefund(ctx, in)
			return activities.RefundRecord{}, temporal.NewNonRetryableApplicationError("worker killed", "Crash", nil)
		})
	if out := f.run(first, f.input()); out.Status != RefundStuck {
		t.Fatalf("first run: %+v, want stuck", out)
	}
	if len(f.sim.Ledger()) != 1 {
		t.Fatal("the first run should have moved the money before it died")
	}
	if r, _ := f.s.RefundByOutNo(f.ctx, "KD-RF01-R1"); r.Status != models.RefundApproved {
		t.Fatalf("row after the crash = %s, want approved (the answer was lost)", r.Status)
	}
	out := f.run(f.env(), f.input())
	if out.Status != RefundSucceeded {
		t.Fatalf("second run: %+v", out)
	}
	if n := f.sim.Attempts("KD-RF01-R1"); n != 2 {
		t.Fatalf("gateway calls = %d, want 2 (the second a replay)", n)
	}
	var rows int64
	f.s.DB(f.ctx).Model(&models.Refund{}).Where("ticket_id = ?", f.tk.ID).Count(&rows)
	if rows != 1 {
		t.Fatalf("refund rows = %d", rows)
	}
	f.assertRefundedOnce(2000)
}

// Once the money moved, applying the refund to the order is retried until it is done.
func TestRefundWorkflowRevokeRetriedUntilDone(t *testing.T) {
	f := newRF(t, payments.SimConfig{})
	env := f.env()
	var calls atomic.Int32
	env.OnActivity(f.act.CompleteRefund, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.RefundRef) (activities.RefundCompletion, error) {
			if calls.Add(1) <= 5 {
				return activities.RefundCompletion{}, errors.New("database unavailable")
			}
			return f.act.CompleteRefund(ctx, in)
		})
	out := f.run(env, f.input())
	if out.Status != RefundSucceeded || calls.Load() != 6 || out.OrderStatus != models.OrderRefunded {
		t.Fatalf("outcome = %+v after %d calls", out, calls.Load())
	}
	f.assertRefundedOnce(2000)
}

// ---- the refund path inside the ticket workflow (activities and child mocked) ----

func refundPlan() activities.RefundPlan {
	return activities.RefundPlan{Eligible: true, OrderID: 3, OrderNo: "ORD-3", Currency: "EUR", OrderAmount: 2000, Refundable: 2000,
		WithinWindow: true, WindowEnds: monday0900.Add(10 * 24 * time.Hour), AgentLimit: 1500, FeePolicy: payments.FeeDeduct, FeeBps: 300,
		Gateway: payments.SimulatorName, Risk: fraud.Assessment{Score: 5, Decision: fraud.Allow, RulesetVersion: "t"}}
}

// refundMocks mocks PrepareRefund with plan and the child with outcome; it counts children.
func (h *harness) refundMocks(plan activities.RefundPlan, outcome func(RefundInput) RefundOutcome) (*atomic.Int32, *[]RefundInput) {
	var calls atomic.Int32
	var inputs []RefundInput
	a := &activities.Activities{}
	h.env.OnActivity(a.PrepareRefund, mock.Anything, mock.Anything).Return(plan, nil)
	h.env.RegisterWorkflowWithOptions(RefundWorkflow, workflow.RegisterOptions{Name: RefundWorkflowName})
	h.env.OnWorkflow(RefundWorkflowName, mock.Anything, mock.Anything).Return(
		func(ctx workflow.Context, in RefundInput) (RefundOutcome, error) {
			calls.Add(1)
			h.mu.Lock()
			inputs = append(inputs, in)
			h.mu.Unlock()
			out := outcome(in)
			if in.ReportTo != "" { // as RefundWorkflow does: report to the ticket
				rep := RefundReport{Input: in, Outcome: out}
				if err := workflow.SignalExternalWorkflow(ctx, in.ReportTo, "", SignalRefundReport, rep).Get(ctx, nil); err != nil {
					return out, err
				}
			}
			return out, nil
		})
	return &calls, &inputs
}

func supervisor(id string) ActionInput {
	in := agent(id)
	in.Actor.Role, in.Actor.UserID, in.Actor.Name = "supervisor", 6, "Sue"
	return in
}

func succeeded(RefundInput) RefundOutcome {
	return RefundOutcome{Status: RefundSucceeded, GatewayRefundID: "SIM-1", RevokedKeys: []uint64{8}, OrderStatus: models.OrderRefunded}
}

// rejectedWith is a chain step check: the update must be rejected with msg in the error.
func rejectedWith(t *testing.T, msg string) func(State, error) {
	return func(_ State, err error) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("want a rejection containing %q, got %v", msg, err)
		}
	}
}

// accepted is a chain step check: the update must succeed and pass check.
func accepted(t *testing.T, check func(State)) func(State, error) {
	return func(st State, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("update rejected: %v", err)
			return
		}
		if check != nil {
			check(st)
		}
	}
}

func TestRefundApprovalAboveLimitByAgentRefused(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	calls, inputs := h.refundMocks(refundPlan(), succeeded)
	risk := agent("")
	risk.Actor.Role = "risk_agent"
	h.at(time.Minute, func() {
		st := h.query()
		if st.Refund == nil || st.Refund.Status != RefundPendingApproval || st.Queue != models.QueueRefunds {
			t.Errorf("after prepare: %+v queue %s", st.Refund, st.Queue)
		}
		h.chain(
			step{name: UpdateRefundDecision, in: DecisionInput{ActionInput: agent(""), Approve: true}, then: rejectedWith(t, "above the agent limit")},
			step{name: UpdateRefundDecision, in: DecisionInput{ActionInput: risk, Approve: true, Amount: 100}, then: rejectedWith(t, "only an agent, supervisor or admin")},
			step{name: UpdateRefundDecision, in: DecisionInput{ActionInput: agent(""), Approve: true, Amount: 2001}, then: rejectedWith(t, "amount must be between")},
			step{name: UpdateRefundDecision, in: DecisionInput{ActionInput: agent(""), Approve: true, Amount: 1500}, then: accepted(t, func(st State) {
				if st.Refund.Status != RefundProcessing || st.Refund.OutRefundNo != "KD-TEST0001-R1" || st.Refund.Net != 1455 || st.Refund.Fee != 45 {
					t.Errorf("approved: %+v", st.Refund)
				}
			})},
		)
	})
	h.closeAt(time.Hour)
	h.run(h.input("refund", models.PriorityNormal))
	if calls.Load() != 1 || (*inputs)[0].Amount != 1455 || (*inputs)[0].Fee != 45 || (*inputs)[0].OutRefundNo != "KD-TEST0001-R1" {
		t.Fatalf("children = %d %+v", calls.Load(), *inputs)
	}
	if len(h.eventsOf("refund_succeeded")) != 1 || len(h.eventsOf("resolved")) == 0 {
		t.Fatal("a succeeded refund must be recorded and resolve the ticket")
	}
	pub := h.publicMessages()
	if len(pub) == 0 || !strings.Contains(pub[len(pub)-1].Body, "14.55 EUR") {
		t.Fatalf("buyer not told the refund: %+v", pub)
	}
}

func TestRefundSupervisorApprovesAboveLimit(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	calls, inputs := h.refundMocks(refundPlan(), succeeded)
	h.at(time.Minute, func() {
		h.must(UpdateRefundDecision, DecisionInput{ActionInput: supervisor(""), Approve: true}, func(st State) {
			if st.Refund.Amount != 2000 {
				t.Errorf("approved amount = %d", st.Refund.Amount)
			}
		})
	})
	h.closeAt(time.Hour)
	h.run(h.input("refund", models.PriorityNormal))
	if calls.Load() != 1 || (*inputs)[0].ApprovedBy != 6 {
		t.Fatalf("children = %d %+v", calls.Load(), *inputs)
	}
}

func TestRefundOutsideWindowNeedsSupervisor(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	plan := refundPlan()
	plan.WithinWindow = false
	calls, _ := h.refundMocks(plan, succeeded)
	h.at(time.Minute, func() {
		h.chain(
			step{name: UpdateRefundDecision, in: DecisionInput{ActionInput: agent(""), Approve: true, Amount: 100}, then: rejectedWith(t, "refundable window")},
			step{name: UpdateRefundDecision, in: DecisionInput{ActionInput: supervisor(""), Approve: true, Amount: 100}},
		)
	})
	h.closeAt(time.Hour)
	h.run(h.input("refund", models.PriorityNormal))
	if calls.Load() != 1 {
		t.Fatalf("children = %d", calls.Load())
	}
}

func TestRefundDuplicateApprovalsOneRefund(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	calls, _ := h.refundMocks(refundPlan(), func(RefundInput) RefundOutcome {
		return RefundOutcome{Status: RefundSucceeded}
	})
	in := DecisionInput{ActionInput: supervisor("approve-1"), Approve: true}
	h.at(time.Minute, func() {
		// The same request twice (a retried HTTP call), then a second approval at once.
		h.send(UpdateRefundDecision, in, accepted(t, nil))
		h.send(UpdateRefundDecision, in, accepted(t, nil))
		h.send(UpdateRefundDecision, DecisionInput{ActionInput: supervisor("approve-2"), Approve: true}, rejectedWith(t, "no refund is pending"))
	})
	h.at(2*time.Minute, func() {
		h.send(UpdateRefundDecision, DecisionInput{ActionInput: supervisor("approve-3"), Approve: true}, rejectedWith(t, ""))
	})
	h.closeAt(time.Hour)
	h.run(h.input("refund", models.PriorityNormal))
	if calls.Load() != 1 || len(h.eventsOf("refund_approved")) != 1 {
		t.Fatalf("refund children = %d, approvals recorded = %d; want 1 and 1", calls.Load(), len(h.eventsOf("refund_approved")))
	}
}

func TestRefundPermanentFailureGoesToHumanWithReason(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	calls, inputs := h.refundMocks(refundPlan(), func(in RefundInput) RefundOutcome {
		if strings.HasSuffix(in.OutRefundNo, "-R1") {
			return RefundOutcome{Status: RefundFailed, Reason: "declined: card account closed"}
		}
		return RefundOutcome{Status: RefundSucceeded}
	})
	h.at(time.Minute, func() {
		h.must(UpdateRefundDecision, DecisionInput{ActionInput: supervisor(""), Approve: true}, nil)
	})
	h.at(2*time.Minute, func() {
		st := h.query()
		if st.Refund.Status != RefundFailed || st.Queue != models.QueueRefunds || st.Status == models.StatusResolved {
			t.Errorf("after failure: refund %+v queue %s status %s", st.Refund, st.Queue, st.Status)
		}
		note := ""
		for _, m := range h.messages() {
			if m.Internal && strings.Contains(m.Body, "declined: card account closed") {
				note = m.Body
			}
		}
		if note == "" {
			t.Error("no internal note with the gateway's reason")
		}
		for _, m := range h.publicMessages() {
			if strings.Contains(m.Body, "has been issued") {
				t.Error("the buyer was told of a refund that failed")
			}
		}
		// A human may approve again: the next refund gets the next sequence number.
		h.must(UpdateRefundDecision, DecisionInput{ActionInput: supervisor(""), Approve: true}, func(st State) {
			if st.Refund.OutRefundNo != "KD-TEST0001-R2" {
				t.Errorf("retry out_refund_no = %s", st.Refund.OutRefundNo)
			}
		})
	})
	h.closeAt(time.Hour)
	h.run(h.input("refund", models.PriorityNormal))
	if calls.Load() != 2 || (*inputs)[1].OutRefundNo != "KD-TEST0001-R2" || len(h.eventsOf("refund_failed")) != 1 {
		t.Fatalf("children = %d inputs = %+v", calls.Load(), *inputs)
	}
}

func TestRefundRejectTellsBuyerAndResolves(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	calls, _ := h.refundMocks(refundPlan(), succeeded)
	h.at(time.Minute, func() {
		h.chain(
			step{name: UpdateRefundDecision, in: DecisionInput{ActionInput: agent(""), Approve: false}, then: rejectedWith(t, "reason is required")},
			step{name: UpdateRefundDecision, in: DecisionInput{ActionInput: agent(""), Approve: false, Reason: "The key was redeemed."}, then: accepted(t, func(st State) {
				if st.Status != models.StatusResolved || st.Refund.Status != RefundRejected {
					t.Errorf("after reject: %s %+v", st.Status, st.Refund)
				}
			})},
		)
	})
	h.closeAt(time.Hour)
	h.run(h.input("refund", models.PriorityNormal))
	if calls.Load() != 0 {
		t.Fatal("a rejected refund started a refund")
	}
	pub := h.publicMessages()
	if len(pub) == 0 || pub[len(pub)-1].Body != "The key was redeemed." {
		t.Fatalf("buyer not told the reason: %+v", pub)
	}
}

package activities_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/internal/secretbox"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/payments"
	"github.com/keydesk/keydesk/store"
)

// pfSecrets are the two keys of the fixture's order; the first was revealed.
var pfSecrets = []string{"AB12-CD34-EF56-GH78", "QQ99-RR88-SS77-TT66"}

// pf is a merchant with one order of two delivered keys (the first revealed, with its key
// events), a refund ticket and a dispute-ready conversation, plus a simulator.
type pf struct {
	t      testing.TB
	ctx    context.Context
	s      *store.Store
	box    *secretbox.Box
	sim    *payments.Simulator
	act    *activities.Activities
	now    time.Time
	m      models.Merchant
	p      models.Product
	o      models.Order
	keys   []models.CardKey
	ticket models.Ticket
}

func (f *pf) create(v any) {
	f.t.Helper()
	if err := f.s.DB(f.ctx).Create(v).Error; err != nil {
		f.t.Fatalf("create %T: %v", v, err)
	}
}

func newPF(t testing.TB, s *store.Store, settings string, sim payments.SimConfig) *pf {
	t.Helper()
	f := &pf{t: t, ctx: context.Background(), s: s, box: riBox(t), now: time.Date(2026, 10, 5, 10, 0, 0, 0, time.UTC)}
	f.sim = payments.NewSimulator(sim)
	f.act = &activities.Activities{Store: s, Box: f.box, Now: func() time.Time { return f.now },
		Payments: activities.NewPaymentsRegistry(s, f.box, f.sim)}
	f.m = models.Merchant{Slug: "pf", Name: "PF Games", Timezone: "UTC", Settings: models.JSON(settings)}
	f.create(&f.m)
	f.p = models.Product{MerchantID: f.m.ID, SKU: "GAME-50", Name: "Game card 50", Price: 1000, Currency: "EUR", RefundableDays: 14}
	f.create(&f.p)
	b := models.KeyBatch{MerchantID: f.m.ID, ProductID: f.p.ID, Label: "b", Status: models.BatchActive}
	f.create(&b)
	paid := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	f.o = models.Order{MerchantID: f.m.ID, OrderNo: "ORD-1001", ProductID: f.p.ID, Quantity: 2, Amount: 2000, Currency: "EUR",
		BuyerEmail: "bob@example.com", BuyerIP: "203.0.113.7", DeviceID: "dev-1", PaidAt: paid, PaymentRef: "pay-1001",
		PaymentGateway: payments.SimulatorName, Status: models.OrderDelivered}
	f.create(&f.o)
	for i, sec := range pfSecrets {
		k := models.CardKey{MerchantID: f.m.ID, ProductID: f.p.ID, BatchID: b.ID, SecretCipher: f.box.Seal([]byte(sec), store.CardKeyAAD(f.p.ID)),
			SecretHash: f.box.Hash(store.CardKeyHashScope(f.p.ID), sec), Status: models.KeyDelivered, OrderID: &f.o.ID, DeliveredAt: &paid}
		if i == 0 {
			rev := paid.Add(2 * time.Minute)
			k.FirstRevealedAt = &rev
		}
		f.create(&k)
		f.keys = append(f.keys, k)
		f.create(&models.Delivery{MerchantID: f.m.ID, OrderID: f.o.ID, CardKeyID: k.ID, Kind: models.DeliveryInitial, CreatedAt: paid})
	}
	f.ticket = models.Ticket{MerchantID: f.m.ID, Ref: "KD-PF0001", OrderID: &f.o.ID, Category: "refund", Status: models.StatusOpen,
		Priority: models.PriorityNormal, Queue: models.QueueRefunds, CustomerEmail: "bob@example.com", CustomerIP: "203.0.113.7",
		DeviceID: "dev-1", CreatedAt: paid.Add(72 * time.Hour)}
	f.create(&f.ticket)
	return f
}

func (f *pf) begin(no string, amount int64) activities.RefundRecord {
	f.t.Helper()
	rec, err := f.act.BeginRefund(f.ctx, activities.BeginRefundInput{MerchantID: f.m.ID, TicketID: f.ticket.ID, OrderID: f.o.ID,
		OutRefundNo: no, Amount: amount, Currency: "EUR", Gateway: payments.SimulatorName, ApprovedBy: 3, ApprovedAt: f.now})
	if err != nil {
		f.t.Fatal(err)
	}
	return rec
}

func (f *pf) keyStatus(i int) string {
	f.t.Helper()
	var k models.CardKey
	if err := f.s.DB(f.ctx).Take(&k, f.keys[i].ID).Error; err != nil {
		f.t.Fatal(err)
	}
	return k.Status
}

func nonRetryable(err error) bool {
	var app *temporal.ApplicationError
	return errors.As(err, &app) && app.NonRetryable()
}

func TestPrepareRefundPlan(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newPF(t, s, `{"agent_refund_limit":1500,"refund_fee_policy":"deduct_fee","refund_fee_bps":250}`, payments.SimConfig{})
		plan, err := f.act.PrepareRefund(f.ctx, activities.RefundPrepInput{TicketID: f.ticket.ID})
		if err != nil {
			t.Fatal(err)
		}
		if !plan.Eligible || plan.OrderID != f.o.ID || plan.OrderNo != "ORD-1001" || plan.Currency != "EUR" ||
			plan.OrderAmount != 2000 || plan.Refundable != 2000 || !plan.WithinWindow || plan.AgentLimit != 1500 ||
			plan.FeePolicy != payments.FeeDeduct || plan.FeeBps != 250 || plan.Gateway != payments.SimulatorName {
			t.Fatalf("plan = %+v", plan)
		}
		if !plan.WindowEnds.Equal(f.o.PaidAt.AddDate(0, 0, 14)) {
			t.Fatalf("window ends %v", plan.WindowEnds)
		}
		if plan.Risk.RulesetVersion == "" || !plan.Risk.Decision.Valid() {
			t.Fatalf("risk not assessed: %+v", plan.Risk)
		}
		// Stored once: a second call returns the same assessment, and one row exists.
		again, err := f.act.PrepareRefund(f.ctx, activities.RefundPrepInput{TicketID: f.ticket.ID})
		if err != nil || again.Risk.Score != plan.Risk.Score {
			t.Fatalf("second prepare: %+v %v", again.Risk, err)
		}
		var n int64
		s.DB(f.ctx).Model(&models.FraudAssessment{}).Where("assessment_key = ?", activities.RefundAssessmentKey(f.ticket.ID)).Count(&n)
		if n != 1 {
			t.Fatalf("assessment rows = %d", n)
		}
		// A refund in flight lowers what is left; past the window is reported, not refused.
		f.begin("KD-PF0001-R1", 1200)
		s.DB(f.ctx).Model(&models.Ticket{}).Where("id = ?", f.ticket.ID).Update("created_at", f.o.PaidAt.AddDate(0, 0, 20))
		plan, err = f.act.PrepareRefund(f.ctx, activities.RefundPrepInput{TicketID: f.ticket.ID})
		if err != nil || plan.Refundable != 800 || plan.WithinWindow || !plan.Eligible {
			t.Fatalf("after a refund / past window: %+v %v", plan, err)
		}
	})
}

func TestSubmitRefundRetryableFailuresThenOneRefund(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newPF(t, s, `{}`, payments.SimConfig{FailFirst: 2})
		rec := f.begin("KD-PF0001-R1", 2000)
		if rec.Status != models.RefundApproved {
			t.Fatalf("row before the gateway call: %s", rec.Status)
		}
		for i := 0; i < 2; i++ {
			_, err := f.act.SubmitRefund(f.ctx, activities.RefundRef{OutRefundNo: rec.OutRefundNo})
			if err == nil || nonRetryable(err) {
				t.Fatalf("attempt %d: err = %v, want a retryable error", i+1, err)
			}
		}
		got, err := f.act.SubmitRefund(f.ctx, activities.RefundRef{OutRefundNo: rec.OutRefundNo})
		if err != nil || got.Status != models.RefundSucceeded || got.GatewayRefundID == "" {
			t.Fatalf("third attempt: %+v %v", got, err)
		}
		if l := f.sim.Ledger(); len(l) != 1 || l[0].Amount != 2000 {
			t.Fatalf("ledger = %+v", l)
		}
	})
}

func TestSubmitRefundRetriedAfterTheGatewayCallRefundsOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newPF(t, s, `{}`, payments.SimConfig{LoseFirst: 1})
		rec := f.begin("KD-PF0001-R1", 2000)
		if _, err := f.act.SubmitRefund(f.ctx, activities.RefundRef{OutRefundNo: rec.OutRefundNo}); err == nil || nonRetryable(err) {
			t.Fatalf("lost answer: err = %v, want retryable", err)
		}
		// The money moved but the row does not know yet: the retry (or a replayed workflow
		// beginning again) finds the row and the gateway replays.
		again := f.begin("KD-PF0001-R1", 2000)
		if again.ID != rec.ID {
			t.Fatal("BeginRefund wrote a second row")
		}
		got, err := f.act.SubmitRefund(f.ctx, activities.RefundRef{OutRefundNo: rec.OutRefundNo})
		if err != nil || got.Status != models.RefundSucceeded {
			t.Fatalf("retry: %+v %v", got, err)
		}
		if _, err := f.act.SubmitRefund(f.ctx, activities.RefundRef{OutRefundNo: rec.OutRefundNo}); err != nil {
			t.Fatal(err)
		}
		l := f.sim.Ledger()
		if len(l) != 1 || f.sim.RefundedTotal("pay-1001") != 2000 {
			t.Fatalf("ledger = %+v, want exactly one refund of 2000", l)
		}
		if f.sim.Attempts(rec.OutRefundNo) != 2 {
			t.Fatalf("gateway calls = %d, want 2 (a final row is not sent again)", f.sim.Attempts(rec.OutRefundNo))
		}
	})
}

func TestSubmitRefundPermanentFailure(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newPF(t, s, `{}`, payments.SimConfig{PermanentFailureRate: 1})
		rec := f.begin("KD-PF0001-R1", 2000)
		got, err := f.act.SubmitRefund(f.ctx, activities.RefundRef{OutRefundNo: rec.OutRefundNo})
		if err != nil || got.Status != models.RefundFailed || got.FailureReason == "" {
			t.Fatalf("declined: %+v %v", got, err)
		}
		// A permanent gateway *error* (not a declined result) fails the row, non-retryable.
		f.act.Payments.Register("broken", payments.Static(brokenGateway{}))
		s.DB(f.ctx).Create(&models.Refund{MerchantID: f.m.ID, TicketID: f.ticket.ID, OrderID: f.o.ID, OutRefundNo: "KD-PF0001-R2",
			Amount: 100, Currency: "EUR", Status: models.RefundApproved, Gateway: "broken"})
		_, err = f.act.SubmitRefund(f.ctx, activities.RefundRef{OutRefundNo: "KD-PF0001-R2"})
		var app *temporal.ApplicationError
		if !errors.As(err, &app) || !app.NonRetryable() || app.Type() != activities.ErrTypeRefundFailed {
			t.Fatalf("permanent error: %v", err)
		}
		r, _ := s.RefundByOutNo(f.ctx, "KD-PF0001-R2")
		if r.Status != models.RefundFailed || r.FailureReason == "" {
			t.Fatalf("row = %s %q", r.Status, r.FailureReason)
		}
		if _, err := f.act.CompleteRefund(f.ctx, activities.RefundRef{OutRefundNo: rec.OutRefundNo}); !nonRetryable(err) {
			t.Fatalf("completing a failed refund must be refused: %v", err)
		}
		if f.keyStatus(1) != models.KeyDelivered {
			t.Fatal("a failed refund revoked a key")
		}
	})
}

type brokenGateway struct{}

func (brokenGateway) Name() string { return "broken" }
func (brokenGateway) Refund(context.Context, payments.RefundRequest) (payments.RefundResult, error) {
	return payments.RefundResult{}, payments.Permanent("http_422", "payment too old to refund", nil)
}
func (brokenGateway) QueryRefund(context.Context, string) (payments.RefundResult, error) {
	return payments.RefundResult{}, payments.ErrUnknownRefund
}
func (brokenGateway) ParseNotification(*http.Request) (payments.Notification, error) {
	return payments.Notification{}, payments.ErrNotSupported
}

func TestPollRefundAsyncThenComplete(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newPF(t, s, `{}`, payments.SimConfig{AsyncRate: 1, CompleteAfterQueries: 2})
		rec := f.begin("KD-PF0001-R1", 2000)
		got, err := f.act.SubmitRefund(f.ctx, activities.RefundRef{OutRefundNo: rec.OutRefundNo})
		if err != nil || got.Status != models.RefundSubmitted {
			t.Fatalf("submit: %+v %v", got, err)
		}
		if _, err := f.act.CompleteRefund(f.ctx, activities.RefundRef{OutRefundNo: rec.OutRefundNo}); !nonRetryable(err) {
			t.Fatalf("a pending refund must not complete: %v", err)
		}
		if got, _ = f.act.PollRefund(f.ctx, activities.RefundRef{OutRefundNo: rec.OutRefundNo}); got.Status != models.RefundSubmitted {
			t.Fatalf("first poll: %s", got.Status)
		}
		if got, err = f.act.PollRefund(f.ctx, activities.RefundRef{OutRefundNo: rec.OutRefundNo}); err != nil || got.Status != models.RefundSucceeded {
			t.Fatalf("second poll: %+v %v", got, err)
		}
		for i := 0; i < 2; i++ {
			c, err := f.act.CompleteRefund(f.ctx, activities.RefundRef{OutRefundNo: rec.OutRefundNo})
			if err != nil || c.OrderStatus != models.OrderRefunded || c.RefundedAmount != 2000 {
				t.Fatalf("complete #%d: %+v %v", i, c, err)
			}
			if i == 0 && (len(c.RevokedKeys) != 1 || c.RevokedKeys[0] != f.keys[1].ID) {
				t.Fatalf("revoked = %v, want only the unrevealed key %d", c.RevokedKeys, f.keys[1].ID)
			}
			if i == 1 && len(c.RevokedKeys) != 0 {
				t.Fatalf("second completion revoked again: %v", c.RevokedKeys)
			}
		}
		if f.keyStatus(0) != models.KeyDelivered || f.keyStatus(1) != models.KeyRevoked {
			t.Fatalf("keys = %s, %s", f.keyStatus(0), f.keyStatus(1))
		}
	})
}

func TestPollRefundResubmitsWhenTheGatewayNeverSawIt(t *testing.T) {
	f := newPF(t, testdb.SQLite(t), `{}`, payments.SimConfig{})
	rec := f.begin("KD-PF0001-R1", 500)
	got, err := f.act.PollRefund(f.ctx, activities.RefundRef{OutRefundNo: rec.OutRefundNo})
	if err != nil || got.Status != models.RefundSucceeded || len(f.sim.Ledger()) != 1 {
		t.Fatalf("poll of an unsent refund: %+v %v ledger=%d", got, err, len(f.sim.Ledger()))
	}
}

func TestSubmitRefundThroughTheWebhookGateway(t *testing.T) {
	s := testdb.SQLite(t)
	secret := []byte("shop-integration-secret")
	shopSim := payments.NewSimulator(payments.SimConfig{})
	srv := httptest.NewServer(shopSim.Handler(secret))
	defer srv.Close()
	f := newPF(t, s, `{"refund_webhook_url":"`+srv.URL+`"}`, payments.SimConfig{})
	if err := s.SetIntegrationSecret(f.ctx, f.m.ID, f.box.Seal(secret, store.IntegrationSecretAAD(f.m.ID))); err != nil {
		t.Fatal(err)
	}
	s.DB(f.ctx).Create(&models.Refund{MerchantID: f.m.ID, TicketID: f.ticket.ID, OrderID: f.o.ID, OutRefundNo: "KD-PF0001-R1",
		Amount: 700, Currency: "EUR", Status: models.RefundApproved, Gateway: payments.WebhookName})
	got, err := f.act.SubmitRefund(f.ctx, activities.RefundRef{OutRefundNo: "KD-PF0001-R1"})
	if err != nil || got.Status != models.RefundSucceeded {
		t.Fatalf("webhook refund: %+v %v", got, err)
	}
	if l := shopSim.Ledger(); len(l) != 1 || l[0].PaymentRef != "pay-1001" || l[0].Amount != 700 {
		t.Fatalf("shop ledger = %+v", l)
	}
	// A merchant without a webhook URL gets a permanent, explained failure.
	other := newPF(t, testdb.SQLite(t), `{}`, payments.SimConfig{})
	other.s.DB(other.ctx).Create(&models.Refund{MerchantID: other.m.ID, TicketID: other.ticket.ID, OrderID: other.o.ID, OutRefundNo: "KD-X-R1",
		Amount: 100, Currency: "EUR", Status: models.RefundApproved, Gateway: payments.WebhookName})
	if _, err := other.act.SubmitRefund(other.ctx, activities.RefundRef{OutRefundNo: "KD-X-R1"}); !nonRetryable(err) {
		t.Fatalf("unconfigured webhook gateway: %v", err)
	}
}

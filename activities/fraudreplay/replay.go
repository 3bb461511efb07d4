// Package fraudreplay replays the labelled claim scenarios of fraud/corpus through the real
// key-claim activities (AssessKeyClaim, then ReissueKey on allow, as the ticket workflow
// does) over a real keydesk database. Each scenario gets its own merchant, so nothing one
// scenario writes is seen by another; the scenario's history is written the way the
// product records it (orders and key events as the shop pushes them, earlier claims
// assessed by the same activity at their own time and reissued or denied as the history
// says, chargebacks as disputes), then the claim is assessed at its time.
//
// It is used by the corpus test (activities/fraudreplay) and by `keydesk bench fraud`.
package fraudreplay

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/fraud"
	"github.com/keydesk/keydesk/fraud/corpus"
	"github.com/keydesk/keydesk/internal/secretbox"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// ClaimTime is when every scenario's claim happens; its history is placed before it.
var ClaimTime = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// stockKeys is how many replacement keys each scenario's merchant has in stock.
const stockKeys = 12

// Runner replays scenarios over one store.
type Runner struct {
	Store *store.Store
	Box   *secretbox.Box
	// Base is when every claim happens (zero: ClaimTime); the history is placed before it.
	// A replay through the running product uses the present, since its tickets get the
	// time of their submission.
	Base time.Time
	// Submit files the claim once its history is written and says what the product decided
	// (nil: the key-claim activities are called directly, as the workflow calls them).
	Submit Submitter
}

// Submitter files a scenario's claim on merchant m (its history already in the store) at
// Base and returns the product's decision. claim is the scenario's claim event.
type Submitter func(ctx context.Context, sc *corpus.Scenario, m models.Merchant, claim corpus.Event) (corpus.Outcome, error)

// RunAll replays every scenario and returns the outcomes in the same order.
func (r *Runner) RunAll(ctx context.Context, scs []corpus.Scenario) ([]corpus.Outcome, error) {
	out := make([]corpus.Outcome, 0, len(scs))
	for i := range scs {
		o, err := r.Run(ctx, &scs[i])
		if err != nil {
			return out, fmt.Errorf("scenario %s: %w", scs[i].ID, err)
		}
		out = append(out, o)
	}
	return out, nil
}

type replay struct {
	r       *Runner
	base    time.Time
	sc      *corpus.Scenario
	act     *activities.Activities
	now     time.Time
	m       models.Merchant
	p       models.Product
	batches map[string]models.KeyBatch
	orders  map[string]models.Order
	keys    map[string]models.CardKey
	seq     int
}

// Run replays one scenario and returns what the product decided about its claim.
func (r *Runner) Run(ctx context.Context, sc *corpus.Scenario) (corpus.Outcome, error) {
	x := &replay{r: r, sc: sc, base: r.Base, batches: map[string]models.KeyBatch{}, orders: map[string]models.Order{}, keys: map[string]models.CardKey{}}
	if x.base.IsZero() {
		x.base = ClaimTime
	}
	x.act = &activities.Activities{Store: r.Store, Box: r.Box, Now: func() time.Time { return x.now }}
	if err := x.setup(ctx); err != nil {
		return corpus.Outcome{}, err
	}
	for _, e := range sc.Events {
		if err := x.apply(ctx, e); err != nil {
			return corpus.Outcome{}, fmt.Errorf("%s event at %.1fh: %w", e.Kind, e.AtH, err)
		}
	}
	if r.Submit != nil {
		return r.Submit(ctx, sc, x.m, sc.Claim)
	}
	t, err := x.ticket(ctx, sc.Claim)
	if err != nil {
		return corpus.Outcome{}, err
	}
	x.now = x.base
	start := time.Now()
	res, err := x.act.AssessKeyClaim(ctx, activities.KeyClaimInput{TicketID: t.ID})
	if err != nil {
		return corpus.Outcome{}, fmt.Errorf("assess claim: %w", err)
	}
	a := res.Assessment
	o := corpus.Outcome{Scenario: sc, Decision: string(a.Decision), Score: a.Score}
	for _, h := range a.Hits {
		o.Rules = append(o.Rules, fmt.Sprintf("%s%+d", h.Rule, h.Points))
	}
	switch {
	case a.Blocked || res.SharedKey:
		// The workflow sends a blocked claim to a person whatever the score.
		if o.Decision == corpus.Allow {
			o.Decision = corpus.Review
		}
	case a.Decision == fraud.Allow:
		rr, err := x.act.ReissueKey(ctx, activities.ReissueInput{TicketID: t.ID})
		if err != nil {
			return o, fmt.Errorf("reissue: %w", err)
		}
		o.GotKey = rr.Status == activities.ReissueDelivered
	}
	o.Latency = time.Since(start)
	return o, nil
}

func (x *replay) at(h float64) time.Time {
	return x.base.Add(time.Duration(h * float64(time.Hour))).Truncate(time.Microsecond)
}

func (x *replay) setup(ctx context.Context) error {
	db := x.r.Store.DB(ctx)
	settings := models.JSON("{}")
	if len(x.sc.Settings) > 0 {
		settings = models.JSON(x.sc.Settings)
	}
	x.m = models.Merchant{Slug: "c-" + x.sc.ID, Name: "Corpus " + x.sc.ID, Timezone: "UTC", Settings: settings}
	if err := db.Create(&x.m).Error; err != nil {
		return fmt.Errorf("merchant: %w", err)
	}
	x.p = models.Product{MerchantID: x.m.ID, SKU: "P", Name: "Product", Price: x.sc.Product.Price, Currency: "CNY", SharedKey: x.sc.Product.Shared}
	if err := db.Create(&x.p).Error; err != nil {
		return fmt.Errorf("product: %w", err)
	}
	stock, err := x.batch(ctx, "S")
	if err != nil {
		return err
	}
	keys := make([]models.CardKey, stockKeys)
	for i := range keys {
		keys[i] = x.newKey(stock, models.KeyAvailable)
	}
	if err := db.CreateInBatches(&keys, 50).Error; err != nil {
		return fmt.Errorf("stock: %w", err)
	}
	amount := x.sc.BackgroundAmount
	if amount <= 0 {
		amount = x.sc.Product.Price
	}
	for i := range x.sc.Background {
		paid := x.base.Add(-time.Duration(i+1) * 90 * 24 * time.Hour / time.Duration(x.sc.Background+1))
		label := fmt.Sprintf("bg%d", i)
		e := corpus.Event{Kind: corpus.EventOrder, Order: label, Email: fmt.Sprintf("bg%d@buyers.example", i),
			IP: fmt.Sprintf("10.%d.%d.7", i/200, i%200), Device: fmt.Sprintf("bg-device-%d", i), Amount: amount, Batch: "BG"}
		if err := x.order(ctx, e, paid); err != nil {
			return err
		}
	}
	return nil
}

func (x *replay) batch(ctx context.Context, label string) (models.KeyBatch, error) {
	if label == "" {
		label = "A"
	}
	if b, ok := x.batches[label]; ok {
		return b, nil
	}
	b := models.KeyBatch{MerchantID: x.m.ID, ProductID: x.p.ID, Label: label, Source: "corpus", Status: models.BatchActive, CreatedAt: x.base.Add(-400 * 24 * time.Hour)}
	if err := x.r.Store.DB(ctx).Create(&b).Error; err != nil {
		return b, fmt.Errorf("batch %s: %w", label, err)
	}
	x.batches[label] = b
	return b, nil
}

func (x *replay) newKey(b models.KeyBatch, status string) models.CardKey {
	x.seq++
	secret := fmt.Sprintf("CORPUS-%s-%05d", x.sc.ID, x.seq)
	return models.CardKey{MerchantID: x.m.ID, ProductID: x.p.ID, BatchID: b.ID, Status: status,
		SecretCipher: x.r.Box.Seal([]byte(secret), store.CardKeyAAD(x.p.ID)),
		SecretHash:   x.r.Box.Hash(store.CardKeyHashScope(x.p.ID), secret)}
}

func (x *replay) apply(ctx context.Context, e corpus.Event) error {
	t := x.at(e.AtH)
	switch e.Kind {
	case corpus.EventOrder:
		return x.order(ctx, e, t)
	case corpus.EventReveal:
		k, ok := x.keys[e.Order]
		if !ok {
			return fmt.Errorf("reveal of unknown order %q", e.Order)
		}
		kid := k.ID
		ev := models.KeyEvent{MerchantID: x.m.ID, OrderID: *k.OrderID, CardKeyID: &kid, Kind: models.KeyEventRevealed,
			IP: e.IP, UserAgent: "Mozilla/5.0", Source: "shop", OccurredAt: t, CreatedAt: t}
		if _, err := x.r.Store.AddKeyEvent(ctx, &ev); err != nil {
			return err
		}
		return x.r.Store.SetFirstRevealed(ctx, k.ID, t)
	case corpus.EventClaim:
		return x.pastClaim(ctx, e, t)
	case corpus.EventChargeback:
		o, ok := x.orders[e.Order]
		if !ok {
			return fmt.Errorf("chargeback on unknown order %q", e.Order)
		}
		tk := models.Ticket{MerchantID: x.m.ID, Ref: x.ref(), OrderID: &o.ID, Category: "dispute", Channel: "gateway", Status: models.StatusResolved,
			CustomerEmail: o.BuyerEmail, CreatedAt: t, UpdatedAt: t}
		if err := x.r.Store.DB(ctx).Create(&tk).Error; err != nil {
			return err
		}
		d := models.Dispute{MerchantID: x.m.ID, TicketID: tk.ID, OrderID: o.ID, GatewayCaseID: "CB-" + x.sc.ID + "-" + e.Order,
			Reason: "fraudulent", Amount: o.Amount, Currency: o.Currency, EvidenceDueBy: t.Add(10 * 24 * time.Hour), Status: "lost", CreatedAt: t, UpdatedAt: t}
		return x.r.Store.DB(ctx).Create(&d).Error
	case corpus.EventRefund:
		o, ok := x.orders[e.Order]
		if !ok {
			return fmt.Errorf("refund of unknown order %q", e.Order)
		}
		tk := models.Ticket{MerchantID: x.m.ID, Ref: x.ref(), OrderID: &o.ID, Category: "refund", Channel: "web", Status: models.StatusResolved,
			CustomerEmail: o.BuyerEmail, CreatedAt: t, UpdatedAt: t}
		if err := x.r.Store.DB(ctx).Create(&tk).Error; err != nil {
			return err
		}
		rf := models.Refund{MerchantID: x.m.ID, TicketID: tk.ID, OrderID: o.ID, OutRefundNo: tk.Ref + "-1", Amount: o.Amount,
			Currency: o.Currency, Status: models.RefundSucceeded, CreatedAt: t, UpdatedAt: t}
		return x.r.Store.DB(ctx).Create(&rf).Error
	}
	return fmt.Errorf("unknown event kind %q", e.Kind)
}

func (x *replay) order(ctx context.Context, e corpus.Event, paid time.Time) error {
	qty := max(1, e.Qty)
	amount := e.Amount
	if amount <= 0 {
		amount = x.p.Price * int64(qty)
	}
	o := models.Order{MerchantID: x.m.ID, OrderNo: e.Order, ProductID: x.p.ID, Quantity: qty, Amount: amount, Currency: "CNY",
		BuyerEmail: e.Email, BuyerIP: e.IP, DeviceID: e.Device, PaidAt: paid, Status: models.OrderDelivered, CreatedAt: paid, UpdatedAt: paid}
	if err := x.r.Store.DB(ctx).Create(&o).Error; err != nil {
		return fmt.Errorf("order %s: %w", e.Order, err)
	}
	b, err := x.batch(ctx, e.Batch)
	if err != nil {
		return err
	}
	k := x.newKey(b, models.KeyDelivered)
	k.OrderID, k.DeliveredAt = &o.ID, &paid
	if err := x.r.Store.DB(ctx).Create(&k).Error; err != nil {
		return fmt.Errorf("key of order %s: %w", e.Order, err)
	}
	if err := x.r.Store.DB(ctx).Create(&models.Delivery{MerchantID: x.m.ID, OrderID: o.ID, CardKeyID: k.ID, Kind: models.DeliveryInitial, CreatedAt: paid}).Error; err != nil {
		return err
	}
	kid := k.ID
	ev := models.KeyEvent{MerchantID: x.m.ID, OrderID: o.ID, CardKeyID: &kid, Kind: models.KeyEventDelivered, Source: "shop", OccurredAt: paid, CreatedAt: paid}
	if _, err := x.r.Store.AddKeyEvent(ctx, &ev); err != nil {
		return err
	}
	x.orders[e.Order], x.keys[e.Order] = o, k
	return nil
}

func (x *replay) ref() string {
	x.seq++
	return strings.ToUpper(fmt.Sprintf("C%s%d", strings.ReplaceAll(x.sc.ID, "-", ""), x.seq))
}

// ticket writes a claim ticket and its first buyer message, as ticket intake does.
func (x *replay) ticket(ctx context.Context, e corpus.Event) (models.Ticket, error) {
	o, ok := x.orders[e.Order]
	if !ok {
		return models.Ticket{}, fmt.Errorf("claim on unknown order %q", e.Order)
	}
	t := x.at(e.AtH)
	tk := models.Ticket{MerchantID: x.m.ID, Ref: x.ref(), OrderID: &o.ID, Category: e.Category, Channel: "web", Status: models.StatusOpen,
		Priority: models.PriorityNormal, CustomerEmail: e.Email, CustomerIP: e.IP, DeviceID: e.Device, CreatedAt: t, UpdatedAt: t}
	if err := x.r.Store.DB(ctx).Create(&tk).Error; err != nil {
		return tk, fmt.Errorf("ticket: %w", err)
	}
	m := models.Message{MerchantID: x.m.ID, TicketID: tk.ID, AuthorKind: models.AuthorCustomer, Body: e.Text, RequestID: "submission", CreatedAt: t}
	if err := x.r.Store.DB(ctx).Create(&m).Error; err != nil {
		return tk, fmt.Errorf("message: %w", err)
	}
	// The key this claim is about is the order's current key (a later replacement
	// becomes the current one).
	return tk, nil
}

// pastClaim replays an earlier claim: assessed by the activity at its own time, then
// reissued, denied or left open as the history says.
func (x *replay) pastClaim(ctx context.Context, e corpus.Event, t time.Time) error {
	tk, err := x.ticket(ctx, e)
	if err != nil {
		return err
	}
	x.now = t
	if _, err := x.act.AssessKeyClaim(ctx, activities.KeyClaimInput{TicketID: tk.ID}); err != nil {
		return fmt.Errorf("assess: %w", err)
	}
	switch e.Outcome {
	case corpus.OutcomeReissued:
		x.now = t.Add(30 * time.Minute)
		rr, err := x.act.ReissueKey(ctx, activities.ReissueInput{TicketID: tk.ID})
		if err != nil {
			return fmt.Errorf("reissue: %w", err)
		}
		if rr.Status == activities.ReissueDelivered {
			// The replacement is now the order's key; later reveals are of it.
			k, err := x.r.Store.CardKeyByID(ctx, x.m.ID, rr.CardKeyID)
			if err != nil {
				return err
			}
			x.keys[e.Order] = k
		}
		return x.status(ctx, tk, models.StatusResolved, "")
	case corpus.OutcomeDenied:
		at := t.Add(2 * time.Hour)
		ev := models.TicketEvent{MerchantID: x.m.ID, TicketID: tk.ID, EventKey: "risk_denied", Kind: "risk_denied", ActorKind: "user",
			Data: models.JSON(mustJSON(map[string]any{"reason": "denied by a risk agent"})), CreatedAt: at}
		if err := x.r.Store.DB(ctx).Create(&ev).Error; err != nil {
			return err
		}
		return x.status(ctx, tk, models.StatusResolved, "")
	}
	return nil
}

func (x *replay) status(ctx context.Context, tk models.Ticket, status, _ string) error {
	return x.r.Store.DB(ctx).Model(&models.Ticket{}).Where("id = ?", tk.ID).Update("status", status).Error
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

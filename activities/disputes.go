package activities

// The dispute (chargeback) activities: OpenDisputeCase builds the evidence report at once
// and marks the order disputed; RecordDisputeAction writes a supervisor's sign-off, the
// submission and the outcome (a lost dispute revokes the order's unrevealed keys), each
// with its audit line. The report names keys by id and masked form only: a secret is
// opened in memory to mask it (and to mask it out of the conversation), never stored.

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
	"github.com/keydesk/keydesk/triage"
)

// ErrTypeDisputeConflict is the non-retryable error type of a dispute step taken out of order.
const ErrTypeDisputeConflict = "DisputeConflict"

// EvidenceReportVersion is the version of the EvidenceReport layout.
const EvidenceReportVersion = 1

// maxPriorOrders bounds the related orders a report lists.
const maxPriorOrders = 50

// EvidenceReport is what a merchant sends the gateway to contest a chargeback.
type EvidenceReport struct {
	Version      int                  `json:"version"`
	GeneratedAt  time.Time            `json:"generated_at"`
	Merchant     EvidenceMerchant     `json:"merchant"`
	Dispute      EvidenceDispute      `json:"dispute"`
	Order        EvidenceOrder        `json:"order"`
	Keys         []EvidenceKey        `json:"keys"`
	Deliveries   []EvidenceDelivery   `json:"deliveries"`
	KeyEvents    []EvidenceKeyEvent   `json:"key_events"`
	PriorOrders  []EvidencePriorOrder `json:"prior_orders"`
	Conversation []EvidenceMessage    `json:"conversation"`
	Reissues     []EvidenceDelivery   `json:"reissues"`
	Refunds      []EvidenceRefund     `json:"refunds"`
	Terms        EvidenceTerms        `json:"terms"`
	// Summary states the strongest facts in plain sentences, first the delivery and reveals.
	Summary []string `json:"summary"`
}

// EvidenceMerchant names the shop.
type EvidenceMerchant struct {
	Name string `json:"name"`
	Slug string `json:"slug"`
}

// EvidenceDispute is the gateway's case.
type EvidenceDispute struct {
	CaseID        string    `json:"case_id"`
	Reason        string    `json:"reason"`
	Amount        int64     `json:"amount"`
	Currency      string    `json:"currency"`
	EvidenceDueBy time.Time `json:"evidence_due_by"`
	OpenedAt      time.Time `json:"opened_at"`
}

// EvidenceOrder is the order and its payment.
type EvidenceOrder struct {
	OrderNo        string    `json:"order_no"`
	ProductSKU     string    `json:"product_sku"`
	ProductName    string    `json:"product_name"`
	Quantity       int       `json:"quantity"`
	Amount         int64     `json:"amount"`
	Currency       string    `json:"currency"`
	Status         string    `json:"status"`
	PaidAt         time.Time `json:"paid_at"`
	PaymentRef     string    `json:"payment_ref"`
	PaymentGateway string    `json:"payment_gateway"`
	BuyerEmail     string    `json:"buyer_email"`
	BuyerContact   string    `json:"buyer_contact,omitempty"`
	BuyerIP        string    `json:"buyer_ip"`
	DeviceID       string    `json:"device_id"`
}

// EvidenceKey is one key of the order, by id and masked form only.
type EvidenceKey struct {
	CardKeyID       uint64     `json:"card_key_id"`
	Masked          string     `json:"masked"`
	Status          string     `json:"status"`
	DeliveredAt     *time.Time `json:"delivered_at,omitempty"`
	FirstRevealedAt *time.Time `json:"first_revealed_at,omitempty"`
}

// EvidenceDelivery is one delivery of a key to the order.
type EvidenceDelivery struct {
	CardKeyID uint64    `json:"card_key_id"`
	Kind      string    `json:"kind"`
	At        time.Time `json:"at"`
	TicketID  uint64    `json:"ticket_id,omitempty"`
}

// EvidenceKeyEvent is one delivered / emailed / revealed event with where it came from.
type EvidenceKeyEvent struct {
	Kind      string    `json:"kind"`
	CardKeyID uint64    `json:"card_key_id,omitempty"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
	Source    string    `json:"source"`
	At        time.Time `json:"at"`
}

// EvidencePriorOrder is an earlier undisputed order of the same buyer sharing IP or device.
type EvidencePriorOrder struct {
	OrderNo    string    `json:"order_no"`
	PaidAt     time.Time `json:"paid_at"`
	Amount     int64     `json:"amount"`
	Currency   string    `json:"currency"`
	Status     string    `json:"status"`
	SameIP     bool      `json:"same_ip"`
	SameDevice bool      `json:"same_device"`
}

// EvidenceMessage is one public message of a ticket about the order (masked).
type EvidenceMessage struct {
	TicketRef  string    `json:"ticket_ref"`
	At         time.Time `json:"at"`
	AuthorKind string    `json:"author_kind"`
	AuthorName string    `json:"author_name,omitempty"`
	Body       string    `json:"body"`
}

// EvidenceRefund is one refund of the order.
type EvidenceRefund struct {
	OutRefundNo string     `json:"out_refund_no"`
	Amount      int64      `json:"amount"`
	Fee         int64      `json:"fee"`
	Currency    string     `json:"currency"`
	Status      string     `json:"status"`
	At          time.Time  `json:"at"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
}

// EvidenceTerms are the terms the buyer accepted by paying.
type EvidenceTerms struct {
	Text       string    `json:"text,omitempty"`
	URL        string    `json:"url,omitempty"`
	AcceptedAt time.Time `json:"accepted_at"`
}

// disputeSettings is the part of a merchant's settings the report reads.
type disputeSettings struct {
	TermsText string `json:"terms_text"`
	TermsURL  string `json:"terms_url"`
}

// DisputeCaseInput names the dispute ticket.
type DisputeCaseInput struct {
	MerchantID uint64 `json:"merchant_id"`
	TicketID   uint64 `json:"ticket_id"`
}

// DisputeCase is what the workflow keeps about a dispute.
type DisputeCase struct {
	DisputeID     uint64    `json:"dispute_id"`
	CaseID        string    `json:"case_id"`
	OrderID       uint64    `json:"order_id"`
	Status        string    `json:"status"`
	Amount        int64     `json:"amount"`
	Currency      string    `json:"currency"`
	EvidenceDueBy time.Time `json:"evidence_due_by"`
	Summary       []string  `json:"summary,omitempty"`
}

// OpenDisputeCase builds the dispute's evidence report at once, stores it on the dispute
// row (status evidence_ready) and marks the order disputed. Idempotent: the report is
// rebuilt from the same rows (only generated_at moves) and frozen once signed off; the
// order status write is a plain overwrite, skipped once the dispute is decided.
func (a *Activities) OpenDisputeCase(ctx context.Context, in DisputeCaseInput) (DisputeCase, error) {
	d, err := a.Store.DisputeByTicket(ctx, in.MerchantID, in.TicketID)
	if err != nil {
		return DisputeCase{}, fmt.Errorf("open dispute of ticket %d: %w", in.TicketID, err)
	}
	out := DisputeCase{DisputeID: d.ID, CaseID: d.GatewayCaseID, OrderID: d.OrderID, Status: d.Status, Amount: d.Amount,
		Currency: d.Currency, EvidenceDueBy: d.EvidenceDueBy.UTC()}
	if d.Status != models.DisputeOpen && d.Status != models.DisputeReady {
		return out, nil
	}
	rep, err := a.BuildEvidenceReport(ctx, d)
	if err != nil {
		return out, err
	}
	now := a.now()
	err = a.Store.InTx(ctx, func(ctx context.Context) error {
		if err := a.Store.SaveDisputeReport(ctx, d.MerchantID, d.ID, models.MustJSON(rep), now); err != nil {
			return err
		}
		return a.Store.SetDisputedOrderStatus(ctx, d.MerchantID, d.OrderID, models.OrderDisputed, nil, now)
	})
	if errors.Is(err, store.ErrConflict) { // signed off meanwhile: the stored report stands
		d, err = a.Store.DisputeByID(ctx, d.MerchantID, d.ID)
	}
	if err != nil {
		return out, fmt.Errorf("open dispute %s: %w", d.GatewayCaseID, err)
	}
	out.Status, out.Summary = models.DisputeReady, rep.Summary
	return out, nil
}

// BuildEvidenceReport gathers a dispute's evidence from the database. It reads only.
func (a *Activities) BuildEvidenceReport(ctx context.Context, d models.Dispute) (EvidenceReport, error) {
	wrap := func(err error) (EvidenceReport, error) {
		return EvidenceReport{}, fmt.Errorf("evidence report of %s: %w", d.GatewayCaseID, err)
	}
	m, err := a.Store.DisputeMerchant(ctx, d.MerchantID)
	if err != nil {
		return wrap(err)
	}
	o, err := a.Store.OrderByID(ctx, d.MerchantID, d.OrderID)
	if err != nil {
		return wrap(err)
	}
	p, err := a.Store.ProductByID(ctx, d.MerchantID, o.ProductID)
	if err != nil {
		return wrap(err)
	}
	rep := EvidenceReport{Version: EvidenceReportVersion, GeneratedAt: a.now(),
		Merchant: EvidenceMerchant{Name: m.Name, Slug: m.Slug},
		Dispute: EvidenceDispute{CaseID: d.GatewayCaseID, Reason: d.Reason, Amount: d.Amount, Currency: d.Currency,
			EvidenceDueBy: d.EvidenceDueBy.UTC(), OpenedAt: d.CreatedAt.UTC()},
		Order: orderEvidence(o, p)}
	var ds disputeSettings
	_ = m.Settings.Decode(&ds) // unreadable settings only lose the terms text
	rep.Terms = EvidenceTerms{Text: ds.TermsText, URL: ds.TermsURL, AcceptedAt: o.PaidAt.UTC()}
	secrets, err := a.keyEvidence(ctx, &rep, o)
	if err != nil {
		return wrap(err)
	}
	if err := a.historyEvidence(ctx, &rep, o, secrets); err != nil {
		return wrap(err)
	}
	rep.Summary = summarize(rep)
	return rep, nil
}

func orderEvidence(o models.Order, p models.Product) EvidenceOrder {
	return EvidenceOrder{OrderNo: o.OrderNo, ProductSKU: p.SKU, ProductName: p.Name, Quantity: o.Quantity, Amount: o.Amount,
		Currency: o.Currency, Status: o.Status, PaidAt: o.PaidAt.UTC(), PaymentRef: o.PaymentRef, PaymentGateway: o.PaymentGateway,
		BuyerEmail: o.BuyerEmail, BuyerContact: o.BuyerContact, BuyerIP: o.BuyerIP, DeviceID: o.DeviceID}
}

// keyEvidence fills keys, deliveries, reissues and key events; it returns the opened
// secrets (memory only) so the conversation can be masked with them.
func (a *Activities) keyEvidence(ctx context.Context, rep *EvidenceReport, o models.Order) ([]string, error) {
	keys, err := a.Store.EvidenceKeys(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	evs, err := a.Store.EvidenceKeyEvents(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	// One delivery timeline: a key's delivered and first revealed times are its earliest
	// delivered / revealed events (the shop's own record, reported with when it happened),
	// and the key row's or delivery row's time only when no event says otherwise.
	delivered, revealed := firstEvents(evs, models.KeyEventDelivered), firstEvents(evs, models.KeyEventRevealed)
	var secrets []string
	rep.Keys = make([]EvidenceKey, 0, len(keys))
	for _, k := range keys {
		masked := "********"
		if a.Box != nil {
			if pt, err := a.Box.Open(k.SecretCipher, store.CardKeyAAD(k.ProductID)); err == nil {
				masked = triage.MaskKey(string(pt))
				secrets = append(secrets, string(pt))
			}
		}
		rep.Keys = append(rep.Keys, EvidenceKey{CardKeyID: k.ID, Masked: masked, Status: k.Status,
			DeliveredAt: earliest(delivered[k.ID], k.DeliveredAt), FirstRevealedAt: earliest(revealed[k.ID], k.FirstRevealedAt)})
	}
	dels, err := a.Store.EvidenceDeliveries(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	rep.Deliveries, rep.Reissues = []EvidenceDelivery{}, []EvidenceDelivery{}
	for _, d := range dels {
		ed := EvidenceDelivery{CardKeyID: d.CardKeyID, Kind: d.Kind, At: d.CreatedAt.UTC()}
		if at := delivered[d.CardKeyID]; at != nil && at.Before(ed.At) {
			ed.At = at.UTC()
		}
		if d.TicketID != nil {
			ed.TicketID = *d.TicketID
		}
		rep.Deliveries = append(rep.Deliveries, ed)
		if d.Kind == models.DeliveryReissue {
			rep.Reissues = append(rep.Reissues, ed)
		}
	}
	sort.SliceStable(rep.Deliveries, func(i, j int) bool { return rep.Deliveries[i].At.Before(rep.Deliveries[j].At) })
	rep.KeyEvents = make([]EvidenceKeyEvent, 0, len(evs))
	for _, e := range evs {
		ev := EvidenceKeyEvent{Kind: e.Kind, IP: e.IP, UserAgent: e.UserAgent, Source: e.Source, At: e.OccurredAt.UTC()}
		if e.CardKeyID != nil {
			ev.CardKeyID = *e.CardKeyID
		}
		rep.KeyEvents = append(rep.KeyEvents, ev)
	}
	return secrets, nil
}

// firstEvents maps each card key to the time of its earliest event of that kind.
func firstEvents(evs []models.KeyEvent, kind string) map[uint64]*time.Time {
	out := map[uint64]*time.Time{}
	for _, e := range evs {
		if e.Kind != kind || e.CardKeyID == nil {
			continue
		}
		if at := out[*e.CardKeyID]; at == nil || e.OccurredAt.Before(*at) {
			t := e.OccurredAt.UTC()
			out[*e.CardKeyID] = &t
		}
	}
	return out
}

// earliest is the earlier of two optional times, in UTC; nil when both are.
func earliest(a, b *time.Time) *time.Time {
	switch {
	case a == nil:
		return utcPtr(b)
	case b == nil || a.Before(*b):
		return utcPtr(a)
	}
	return utcPtr(b)
}

// historyEvidence fills prior orders, the conversation and refunds.
func (a *Activities) historyEvidence(ctx context.Context, rep *EvidenceReport, o models.Order, secrets []string) error {
	prior, err := a.Store.PriorUndisputedOrders(ctx, o, maxPriorOrders)
	if err != nil {
		return err
	}
	rep.PriorOrders = make([]EvidencePriorOrder, 0, len(prior))
	for _, p := range prior {
		rep.PriorOrders = append(rep.PriorOrders, EvidencePriorOrder{OrderNo: p.OrderNo, PaidAt: p.PaidAt.UTC(), Amount: p.Amount,
			Currency: p.Currency, Status: p.Status, SameIP: p.SameIP, SameDevice: p.SameDevice})
	}
	if rep.Conversation, err = a.conversation(ctx, o, secrets); err != nil {
		return err
	}
	refunds, err := a.Store.RefundsByOrder(ctx, o.MerchantID, o.ID)
	if err != nil {
		return err
	}
	rep.Refunds = make([]EvidenceRefund, 0, len(refunds))
	for _, r := range refunds {
		rep.Refunds = append(rep.Refunds, EvidenceRefund{OutRefundNo: r.OutRefundNo, Amount: r.Amount, Fee: r.Fee, Currency: r.Currency,
			Status: r.Status, At: r.CreatedAt.UTC(), CompletedAt: utcPtr(r.CompletedAt)})
	}
	return nil
}

// conversation returns the public messages the buyer and the shop's staff wrote on every
// ticket about the order, in time order, with secrets and key-like strings masked. System
// and gateway messages are not part of it: the chargeback notice a gateway opened a ticket
// with (stored as its first message; before migration 00200 under the buyer's name) is
// the gateway's, not the buyer's.
func (a *Activities) conversation(ctx context.Context, o models.Order, secrets []string) ([]EvidenceMessage, error) {
	tickets, err := a.Store.TicketsByOrder(ctx, o.MerchantID, o.ID)
	if err != nil {
		return nil, err
	}
	out := []EvidenceMessage{}
	for _, t := range tickets {
		msgs, err := a.Store.TicketMessages(ctx, o.MerchantID, t.ID, false)
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if !conversational(t, m) {
				continue
			}
			out = append(out, EvidenceMessage{TicketRef: t.Ref, At: m.CreatedAt.UTC(), AuthorKind: m.AuthorKind,
				AuthorName: m.AuthorName, Body: triage.MaskSecrets(m.Body, secrets...)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}

// conversational: a message the buyer or the staff wrote (not a system, bot or gateway
// message, nor the chargeback notice a gateway opened a dispute ticket with).
func conversational(t models.Ticket, m models.Message) bool {
	if m.AuthorKind != models.AuthorCustomer && m.AuthorKind != models.AuthorAgent {
		return false
	}
	return !(m.RequestID == "submission" && t.Category == "dispute" && t.Channel == "integration")
}

// summarize states the report's strongest facts.
func summarize(rep EvidenceReport) []string {
	o := rep.Order
	out := []string{fmt.Sprintf("Order %s for %d × %s (%s) was paid %s at %s via %s (payment %s) from IP %s, device %s.",
		o.OrderNo, o.Quantity, o.ProductName, money(o.Amount, o.Currency), o.BuyerEmail, stamp(o.PaidAt), o.PaymentGateway, o.PaymentRef, o.BuyerIP, o.DeviceID)}
	if d := rep.Dispute; d.CaseID != "" {
		out = append(out, fmt.Sprintf("Chargeback %s (%s) for %s was opened at %s.", d.CaseID, d.Reason, money(d.Amount, d.Currency), stamp(d.OpenedAt)))
	}
	for _, d := range rep.Deliveries {
		out = append(out, fmt.Sprintf("Key #%d delivered (%s) at %s.", d.CardKeyID, d.Kind, stamp(d.At)))
	}
	for _, e := range rep.KeyEvents {
		if e.Kind == models.KeyEventRevealed {
			out = append(out, fmt.Sprintf("Key #%d revealed at %s from IP %s (%s).", e.CardKeyID, stamp(e.At), e.IP, e.UserAgent))
		}
	}
	if n := len(rep.PriorOrders); n > 0 {
		out = append(out, fmt.Sprintf("%d earlier undisputed order(s) by the same buyer share this IP or device.", n))
	}
	if rep.Terms.Text != "" || rep.Terms.URL != "" {
		out = append(out, fmt.Sprintf("The buyer accepted the terms when paying at %s.", stamp(rep.Terms.AcceptedAt)))
	}
	return out
}

// money writes minor units in major units with the currency (1000 CNY is ¥10.00).
func money(minor int64, cur string) string { return models.FormatMoney(minor, cur) }

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Dispute actions (DisputeActionInput.Action).
const (
	DisputeActionSignOff = "sign_off"
	DisputeActionSubmit  = "submit"
	DisputeActionOutcome = "outcome"
)

// DisputeActionInput is one step a staff member takes on a dispute.
type DisputeActionInput struct {
	MerchantID uint64    `json:"merchant_id"`
	DisputeID  uint64    `json:"dispute_id"`
	Action     string    `json:"action"`
	Outcome    string    `json:"outcome,omitempty"` // won | lost
	ActorID    uint64    `json:"actor_id,omitempty"`
	ActorEmail string    `json:"actor_email,omitempty"`
	IP         string    `json:"ip,omitempty"`
	UserAgent  string    `json:"user_agent,omitempty"`
	At         time.Time `json:"at"`
}

// DisputeActionResult is the dispute after the step.
type DisputeActionResult struct {
	Status      string   `json:"status"`
	Changed     bool     `json:"changed"`
	RevokedKeys []uint64 `json:"revoked_keys,omitempty"`
	OrderStatus string   `json:"order_status,omitempty"`
}

// RecordDisputeAction writes a sign-off, submission or outcome with its audit line in one
// transaction. A lost dispute revokes the order's unrevealed keys and marks the order
// refunded (the money went back through the chargeback); a won one returns the order to
// delivered. A step out of order is a non-retryable DisputeConflict. Idempotent: each step
// is a conditional update, a repeat changes nothing and writes no second audit line.
func (a *Activities) RecordDisputeAction(ctx context.Context, in DisputeActionInput) (DisputeActionResult, error) {
	var res DisputeActionResult
	err := a.Store.RetryTx(ctx, 8, func(ctx context.Context) error {
		var err error
		res, err = a.disputeStep(ctx, in)
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		return res, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeDisputeConflict, err)
	}
	if err != nil {
		return res, fmt.Errorf("dispute %d %s: %w", in.DisputeID, in.Action, err)
	}
	return res, nil
}

// disputeStep is the body of RecordDisputeAction's transaction.
func (a *Activities) disputeStep(ctx context.Context, in DisputeActionInput) (DisputeActionResult, error) {
	st := a.Store
	var changed bool
	var err error
	switch in.Action {
	case DisputeActionSignOff:
		changed, err = st.SignOffDispute(ctx, in.MerchantID, in.DisputeID, in.ActorID, in.At)
	case DisputeActionSubmit:
		changed, err = st.SubmitDispute(ctx, in.MerchantID, in.DisputeID, in.At)
	case DisputeActionOutcome:
		changed, err = st.SetDisputeOutcome(ctx, in.MerchantID, in.DisputeID, in.Outcome, in.At)
	default:
		return DisputeActionResult{}, fmt.Errorf("unknown dispute action %q: %w", in.Action, store.ErrConflict)
	}
	if err != nil {
		return DisputeActionResult{}, err
	}
	d, err := st.DisputeByID(ctx, in.MerchantID, in.DisputeID)
	if err != nil {
		return DisputeActionResult{}, err
	}
	res := DisputeActionResult{Status: d.Status, Changed: changed}
	if !changed {
		return res, nil
	}
	if in.Action == DisputeActionOutcome {
		if err := a.applyOutcome(ctx, d, in.At, &res); err != nil {
			return res, err
		}
	}
	return res, st.AddAudit(ctx, disputeAudit(in, d))
}

// applyOutcome updates the order (and keys) for a decided dispute.
func (a *Activities) applyOutcome(ctx context.Context, d models.Dispute, at time.Time, res *DisputeActionResult) error {
	o, err := a.Store.OrderByID(ctx, d.MerchantID, d.OrderID)
	if err != nil {
		return err
	}
	if d.Outcome == models.DisputeWon {
		res.OrderStatus = models.OrderDelivered
		if o.RefundedAmount > 0 {
			res.OrderStatus = models.OrderPartiallyRefunded
		}
		return a.Store.SetDisputedOrderStatus(ctx, d.MerchantID, o.ID, res.OrderStatus, nil, at)
	}
	if res.RevokedKeys, err = a.Store.RevokeUnrevealedKeys(ctx, o.ID, 0, at); err != nil {
		return err
	}
	res.OrderStatus = models.OrderRefunded
	refunded := o.Amount
	return a.Store.SetDisputedOrderStatus(ctx, d.MerchantID, o.ID, models.OrderRefunded, &refunded, at)
}

func disputeAudit(in DisputeActionInput, d models.Dispute) *models.AuditEntry {
	mid := in.MerchantID
	data := map[string]any{"case_id": d.GatewayCaseID, "status": d.Status, "ticket_id": d.TicketID}
	if in.Outcome != "" {
		data["outcome"] = in.Outcome
	}
	return &models.AuditEntry{MerchantID: &mid, ActorID: optID(in.ActorID), ActorEmail: in.ActorEmail, Action: "dispute." + in.Action,
		TargetType: "dispute", TargetID: fmt.Sprint(d.ID), IP: in.IP, UserAgent: truncateText(in.UserAgent, 300),
		Data: models.MustJSON(data), CreatedAt: in.At}
}

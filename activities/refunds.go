package activities

// The refund activities. PrepareRefund gathers what the approval needs (refundable window,
// refundable amount, fraud check, the merchant's limit and fee policy); BeginRefund writes the
// refunds row BEFORE any gateway call; SubmitRefund and PollRefund talk to the gateway with
// the row's out_refund_no as idempotency key; CompleteRefund applies a succeeded refund to
// the order (refunded amount, status, unrevealed keys revoked). None of them handles a secret.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/keydesk/keydesk/fraud"
	"github.com/keydesk/keydesk/internal/netguard"
	"github.com/keydesk/keydesk/internal/secretbox"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/payments"
	"github.com/keydesk/keydesk/store"
)

// Application error types the refund activities return (non-retryable).
const (
	// ErrTypeRefundFailed: the gateway refused the refund for good; the row is failed.
	ErrTypeRefundFailed = "RefundFailed"
	// ErrTypeRefundInvalid: the refund cannot be attempted (no such row, no gateway).
	ErrTypeRefundInvalid = "RefundInvalid"
)

// RefundSettings is the part of a merchant's settings document the refund path reads.
type RefundSettings struct {
	// AgentRefundLimit is the largest refund (minor units) an agent may approve; above it a
	// supervisor or admin must. Missing: DefaultAgentRefundLimit.
	AgentRefundLimit *int64 `json:"agent_refund_limit"`
	// RefundFeePolicy is merchant_absorbs (default) or deduct_fee.
	RefundFeePolicy string `json:"refund_fee_policy"`
	// RefundFeeBps is the fee withheld under deduct_fee, in basis points of the refund.
	RefundFeeBps int `json:"refund_fee_bps"`
	// RefundGateway is used for orders that name no gateway (default manual).
	RefundGateway string `json:"refund_gateway"`
	// RefundWebhookURL is the shop's refund endpoint for the webhook gateway.
	RefundWebhookURL string            `json:"refund_webhook_url"`
	Fraud            *fraud.Thresholds `json:"fraud"`
}

// DefaultAgentRefundLimit applies when a merchant set no agent_refund_limit (50.00).
const DefaultAgentRefundLimit = 5000

// refundSettings reads the merchant's refund settings (defaults when unreadable, logged).
func (a *Activities) refundSettings(ctx context.Context, merchantID uint64) RefundSettings {
	var rs RefundSettings
	_, raw, err := a.Store.MerchantSettings(ctx, merchantID)
	if err == nil {
		err = raw.Decode(&rs)
	}
	if err != nil {
		a.log().Warn("merchant refund settings unreadable; using defaults", "merchant_id", merchantID, "err", err)
		rs = RefundSettings{}
	}
	if rs.AgentRefundLimit == nil {
		d := int64(DefaultAgentRefundLimit)
		rs.AgentRefundLimit = &d
	}
	if rs.RefundFeePolicy == "" {
		rs.RefundFeePolicy = payments.FeeMerchantAbsorbs
	}
	if rs.RefundGateway == "" {
		rs.RefundGateway = payments.ManualName
	}
	return rs
}

// RefundPrepInput names the refund ticket.
type RefundPrepInput struct{ TicketID uint64 }

// RefundPlan is everything the workflow needs to ask for (and validate) an approval.
type RefundPlan struct {
	Eligible bool   `json:"eligible"`
	Reason   string `json:"reason,omitempty"` // why not eligible
	OrderID  uint64 `json:"order_id"`
	OrderNo  string `json:"order_no"`
	Currency string `json:"currency"`
	// OrderAmount is the order's value; Refundable what is left after earlier refunds
	// (amount + fee of every refund not failed or rejected).
	OrderAmount int64 `json:"order_amount"`
	Refundable  int64 `json:"refundable"`
	// WithinWindow: the claim came within products.refundable_days of paid_at.
	WithinWindow bool      `json:"within_window"`
	WindowEnds   time.Time `json:"window_ends"`
	AgentLimit   int64     `json:"agent_limit"`
	FeePolicy    string    `json:"fee_policy"`
	FeeBps       int       `json:"fee_bps"`
	Gateway      string    `json:"gateway"`
	// Risk is the fraud assessment of the refund claim (Kind refund).
	Risk fraud.Assessment `json:"risk"`
}

// RefundAssessmentKey is the fraud_assessments key of a ticket's refund claim.
func RefundAssessmentKey(ticketID uint64) string { return fmt.Sprintf("ticket:%d:refund", ticketID) }

// PrepareRefund gathers the refund's approval context. Idempotent: it only reads, except
// for the fraud assessment, which is stored once under RefundAssessmentKey and returned as
// stored on every later call, so the decision never changes under the workflow.
func (a *Activities) PrepareRefund(ctx context.Context, in RefundPrepInput) (RefundPlan, error) {
	c, err := a.Store.LoadClaim(ctx, in.TicketID, false)
	if err != nil {
		return RefundPlan{}, fmt.Errorf("prepare refund of ticket %d: %w", in.TicketID, err)
	}
	if c.Order == nil {
		return RefundPlan{Reason: "the ticket names no order"}, nil
	}
	rs := a.refundSettings(ctx, c.Ticket.MerchantID)
	o := *c.Order
	plan := RefundPlan{OrderID: o.ID, OrderNo: o.OrderNo, Currency: o.Currency, OrderAmount: o.Amount,
		AgentLimit: *rs.AgentRefundLimit, FeePolicy: rs.RefundFeePolicy, FeeBps: rs.RefundFeeBps, Gateway: gatewayOf(o, rs)}
	plan.WindowEnds = o.PaidAt.UTC().AddDate(0, 0, c.Product.RefundableDays)
	plan.WithinWindow = !c.Ticket.CreatedAt.After(plan.WindowEnds)
	if plan.Refundable, err = a.refundable(ctx, o); err != nil {
		return plan, fmt.Errorf("prepare refund of ticket %d: %w", in.TicketID, err)
	}
	if plan.Risk, err = a.assessRefund(ctx, c, rs); err != nil {
		return plan, fmt.Errorf("prepare refund of ticket %d: %w", in.TicketID, err)
	}
	switch {
	case plan.Refundable <= 0:
		plan.Reason = "the order is already fully refunded"
	case o.Status == models.OrderDisputed:
		plan.Reason = "the order is under a chargeback dispute: the money goes back through the dispute, not a refund"
	default:
		plan.Eligible = true
	}
	return plan, nil
}

func gatewayOf(o models.Order, rs RefundSettings) string {
	if o.PaymentGateway != "" {
		return o.PaymentGateway
	}
	return rs.RefundGateway
}

// refundable is the order amount minus every refund not failed or rejected (amount + fee).
func (a *Activities) refundable(ctx context.Context, o models.Order) (int64, error) {
	rs, err := a.Store.RefundsByOrder(ctx, o.MerchantID, o.ID)
	if err != nil {
		return 0, err
	}
	left := o.Amount
	for _, r := range rs {
		if r.Status != models.RefundFailed && r.Status != models.RefundRejected {
			left -= r.Amount + r.Fee
		}
	}
	return max(left, 0), nil
}

// assessRefund scores the refund claim once and stores it (see PrepareRefund).
func (a *Activities) assessRefund(ctx context.Context, c store.Claim, rs RefundSettings) (fraud.Assessment, error) {
	key := RefundAssessmentKey(c.Ticket.ID)
	if fa, err := a.Store.FraudAssessmentByKey(ctx, key); err == nil {
		return assessmentFromRow(fa)
	} else if !errors.Is(err, store.ErrNotFound) {
		return fraud.Assessment{}, err
	}
	sig, err := a.GatherSignals(ctx, c)
	if err != nil {
		return fraud.Assessment{}, err
	}
	sig.Kind = fraud.ClaimRefund
	th := fraud.DefaultThresholds()
	if rs.Fraud != nil {
		th = *rs.Fraud
	}
	as := fraud.Assess(sig, th)
	row := assessmentRow(c, as, sig, a.now())
	row.AssessmentKey = key
	if _, err := a.Store.SaveFraudAssessment(ctx, &row); err != nil {
		return fraud.Assessment{}, err
	}
	return assessmentFromRow(row)
}

// BeginRefundInput is an approved refund, before any gateway call.
type BeginRefundInput struct {
	MerchantID  uint64    `json:"merchant_id"`
	TicketID    uint64    `json:"ticket_id"`
	OrderID     uint64    `json:"order_id"`
	OutRefundNo string    `json:"out_refund_no"`
	Amount      int64     `json:"amount"` // to the buyer (net)
	Fee         int64     `json:"fee"`    // withheld
	Currency    string    `json:"currency"`
	Reason      string    `json:"reason,omitempty"`
	Gateway     string    `json:"gateway"`
	ApprovedBy  uint64    `json:"approved_by,omitempty"`
	ApprovedAt  time.Time `json:"approved_at"`
}

// RefundRecord is a refunds row as the workflow sees it.
type RefundRecord struct {
	ID              uint64 `json:"id"`
	OutRefundNo     string `json:"out_refund_no"`
	Status          string `json:"status"`
	Amount          int64  `json:"amount"`
	Fee             int64  `json:"fee"`
	Currency        string `json:"currency"`
	Gateway         string `json:"gateway"`
	GatewayRefundID string `json:"gateway_refund_id,omitempty"`
	FailureReason   string `json:"failure_reason,omitempty"`
}

func recordOf(r models.Refund) RefundRecord {
	return RefundRecord{ID: r.ID, OutRefundNo: r.OutRefundNo, Status: r.Status, Amount: r.Amount, Fee: r.Fee,
		Currency: r.Currency, Gateway: r.Gateway, GatewayRefundID: r.GatewayRefundID, FailureReason: r.FailureReason}
}

// BeginRefund writes the refunds row (status approved) before the gateway is called.
// Idempotent: out_refund_no is unique, so a retry or a replayed workflow gets the row it
// wrote the first time, with its status as it stands now.
func (a *Activities) BeginRefund(ctx context.Context, in BeginRefundInput) (RefundRecord, error) {
	if in.OutRefundNo == "" || in.Amount <= 0 {
		return RefundRecord{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("begin refund %q: needs an out_refund_no and a positive amount", in.OutRefundNo), ErrTypeRefundInvalid, nil)
	}
	r := models.Refund{MerchantID: in.MerchantID, TicketID: in.TicketID, OrderID: in.OrderID, OutRefundNo: in.OutRefundNo,
		Amount: in.Amount, Fee: in.Fee, Currency: in.Currency, Reason: truncateText(in.Reason, 500), Status: models.RefundApproved,
		Gateway: in.Gateway, ApprovedBy: optID(in.ApprovedBy), ApprovedAt: &in.ApprovedAt}
	if _, err := a.Store.CreateRefund(ctx, &r); err != nil {
		return RefundRecord{}, fmt.Errorf("begin refund %s: %w", in.OutRefundNo, err)
	}
	return recordOf(r), nil
}

// RefundRef names one refund by its idempotency key.
type RefundRef struct {
	OutRefundNo string `json:"out_refund_no"`
}

// SubmitRefund asks the gateway for the refund the row describes. A row already final is
// returned as is. The gateway's answer moves the row forward (submitted while pending,
// succeeded, or failed with the reason). Retryable gateway errors are returned as they
// are (Temporal retries); a permanent one marks the row failed and ends in a
// non-retryable RefundFailed error. Idempotent: the gateway receives the row's
// out_refund_no and answers a repeat with the first result (no second refund), and the
// row's status only moves forward.
func (a *Activities) SubmitRefund(ctx context.Context, in RefundRef) (RefundRecord, error) {
	r, gw, o, err := a.refundContext(ctx, in.OutRefundNo)
	if err != nil || store.RefundFinal(r.Status) {
		return recordOf(r), err
	}
	res, err := gw.Refund(ctx, payments.RefundRequest{OutRefundNo: r.OutRefundNo, PaymentRef: o.PaymentRef,
		Amount: r.Amount, Currency: r.Currency, Reason: r.Reason})
	if err != nil {
		return a.gatewayError(ctx, r, err)
	}
	return a.applyResult(ctx, r, res)
}

// PollRefund asks the gateway for the refund's status (the fallback when no notification
// arrives). A row already made final by a notification is returned without a call. A
// gateway that never saw the refund (its first call was lost before it arrived) gets the
// request again: a replay under the same out_refund_no, never a second refund.
// Idempotent like SubmitRefund.
func (a *Activities) PollRefund(ctx context.Context, in RefundRef) (RefundRecord, error) {
	r, gw, _, err := a.refundContext(ctx, in.OutRefundNo)
	if err != nil || store.RefundFinal(r.Status) {
		return recordOf(r), err
	}
	res, err := gw.QueryRefund(ctx, r.OutRefundNo)
	if errors.Is(err, payments.ErrUnknownRefund) {
		return a.SubmitRefund(ctx, in)
	}
	if err != nil {
		return a.gatewayError(ctx, r, err)
	}
	return a.applyResult(ctx, r, res)
}

// refundContext loads the row, its order and the gateway it goes through.
func (a *Activities) refundContext(ctx context.Context, no string) (models.Refund, payments.Gateway, models.Order, error) {
	r, err := a.Store.RefundByOutNo(ctx, no)
	if errors.Is(err, store.ErrNotFound) {
		return r, nil, models.Order{}, temporal.NewNonRetryableApplicationError("refund "+no+" has no row", ErrTypeRefundInvalid, err)
	}
	if err != nil || store.RefundFinal(r.Status) {
		return r, nil, models.Order{}, err
	}
	o, err := a.Store.OrderByID(ctx, r.MerchantID, r.OrderID)
	if err != nil {
		return r, nil, o, fmt.Errorf("refund %s: %w", no, err)
	}
	gw, err := a.Payments.Gateway(ctx, r.MerchantID, r.Gateway)
	if err != nil {
		return r, nil, o, temporal.NewNonRetryableApplicationError(fmt.Sprintf("refund %s: %v", no, err), ErrTypeRefundInvalid, err)
	}
	return r, gw, o, nil
}

// gatewayError returns a retryable error as is; a permanent one fails the row and becomes
// non-retryable.
func (a *Activities) gatewayError(ctx context.Context, r models.Refund, err error) (RefundRecord, error) {
	if payments.IsRetryable(err) {
		return recordOf(r), fmt.Errorf("refund %s: %w", r.OutRefundNo, err)
	}
	stored, _, uerr := a.Store.UpdateRefundStatus(ctx, r.OutRefundNo, store.RefundUpdate{Status: models.RefundFailed, Reason: err.Error(), At: a.now()})
	if uerr != nil {
		return recordOf(r), fmt.Errorf("refund %s: record failure: %w", r.OutRefundNo, uerr)
	}
	if stored.Status == models.RefundSucceeded { // a notification won the race: the money moved
		return recordOf(stored), nil
	}
	return recordOf(stored), temporal.NewNonRetryableApplicationError(fmt.Sprintf("refund %s declined: %v", r.OutRefundNo, err), ErrTypeRefundFailed, err)
}

// applyResult moves the row to the gateway's status (pending → submitted).
func (a *Activities) applyResult(ctx context.Context, r models.Refund, res payments.RefundResult) (RefundRecord, error) {
	to := map[payments.Status]string{payments.StatusPending: models.RefundSubmitted,
		payments.StatusSucceeded: models.RefundSucceeded, payments.StatusFailed: models.RefundFailed}[res.Status]
	if to == "" {
		return recordOf(r), fmt.Errorf("refund %s: gateway answered unknown status %q", r.OutRefundNo, res.Status)
	}
	if to == r.Status {
		return recordOf(r), nil
	}
	stored, _, err := a.Store.UpdateRefundStatus(ctx, r.OutRefundNo, store.RefundUpdate{Status: to, GatewayRefundID: res.GatewayRefundID, Reason: res.Reason, At: a.now()})
	if err != nil {
		return recordOf(r), fmt.Errorf("refund %s: %w", r.OutRefundNo, err)
	}
	return recordOf(stored), nil
}

// RefundCompletion is what a succeeded refund did to its order.
type RefundCompletion struct {
	OrderStatus    string   `json:"order_status"`
	RefundedAmount int64    `json:"refunded_amount"`
	RevokedKeys    []uint64 `json:"revoked_keys,omitempty"`
	KeysCovered    int      `json:"keys_covered"`
}

// CompleteRefund applies a succeeded refund to its order: refunded amount and status
// (refunded / partially_refunded) and the unrevealed keys it pays back revoked. It refuses
// (non-retryable) a refund that has not succeeded: keys are never revoked without the
// money having moved. Idempotent: store.ApplyRefundsToOrder recomputes everything from the
// succeeded refunds and the keys, so a retry changes nothing more.
func (a *Activities) CompleteRefund(ctx context.Context, in RefundRef) (RefundCompletion, error) {
	r, err := a.Store.RefundByOutNo(ctx, in.OutRefundNo)
	if err != nil {
		return RefundCompletion{}, fmt.Errorf("complete refund %s: %w", in.OutRefundNo, err)
	}
	if r.Status != models.RefundSucceeded {
		return RefundCompletion{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("complete refund %s: status is %s, not succeeded", r.OutRefundNo, r.Status), ErrTypeRefundInvalid, nil)
	}
	res, err := a.Store.ApplyRefundsToOrder(ctx, r.MerchantID, r.OrderID, a.now())
	if err != nil {
		return RefundCompletion{}, fmt.Errorf("complete refund %s: %w", r.OutRefundNo, err)
	}
	o, err := a.Store.OrderByID(ctx, r.MerchantID, r.OrderID)
	if err != nil {
		return RefundCompletion{}, fmt.Errorf("complete refund %s: %w", r.OutRefundNo, err)
	}
	return RefundCompletion{OrderStatus: o.Status, RefundedAmount: o.RefundedAmount, RevokedKeys: res.RevokedKeys, KeysCovered: res.Covered}, nil
}

// NewPaymentsRegistry returns the gateways keydesk offers: manual, webhook (each merchant's
// settings.refund_webhook_url, signed with the merchant's integration secret) and, when sim
// is not nil, the simulator.
func NewPaymentsRegistry(st *store.Store, box *secretbox.Box, sim *payments.Simulator) *payments.Registry {
	reg := payments.NewRegistry()
	reg.Register(payments.ManualName, payments.Static(payments.Manual{}))
	if sim != nil {
		reg.Register(payments.SimulatorName, payments.Static(sim))
	}
	reg.Register(payments.WebhookName, func(ctx context.Context, merchantID uint64) (payments.Gateway, error) {
		return webhookGateway(ctx, st, box, merchantID)
	})
	return reg
}

// webhookGateway builds a merchant's webhook gateway from its settings and sealed secret.
func webhookGateway(ctx context.Context, st *store.Store, box *secretbox.Box, merchantID uint64) (payments.Gateway, error) {
	m, err := st.DisputeMerchant(ctx, merchantID)
	if err != nil {
		return nil, err
	}
	var rs RefundSettings
	if err := m.Settings.Decode(&rs); err != nil {
		return nil, fmt.Errorf("merchant settings: %w", err)
	}
	if rs.RefundWebhookURL == "" || len(m.IntegrationSecretCipher) == 0 {
		return nil, payments.Permanent("not_configured", "set refund_webhook_url and an integration secret to refund through the webhook gateway", nil)
	}
	secret, err := box.Open(m.IntegrationSecretCipher, store.IntegrationSecretAAD(merchantID))
	if err != nil {
		return nil, fmt.Errorf("open integration secret: %w", err)
	}
	// Every connection passes the outbound URL policy after DNS resolution (netguard).
	return &payments.Webhook{URL: rs.RefundWebhookURL, Merchant: m.Slug, Secret: secret, Client: refundWebhookClient}, nil
}

// refundWebhookClient calls shops' refund webhooks through the outbound URL policy.
var refundWebhookClient = netguard.Client(20*time.Second, true)

// OutRefundNo is the idempotency key of a ticket's n-th refund: ticket ref + "-R" + n.
func OutRefundNo(ticketRef string, n int) string { return ticketRef + "-R" + strconv.Itoa(n) }

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// RefundStatus reads a refund's row (no gateway call): the ticket workflow follows a refund
// child that predates outcome reports this way. Idempotent: it only reads.
func (a *Activities) RefundStatus(ctx context.Context, in RefundRef) (RefundRecord, error) {
	r, err := a.Store.RefundByOutNo(ctx, in.OutRefundNo)
	if err != nil {
		return RefundRecord{}, fmt.Errorf("refund status %s: %w", in.OutRefundNo, err)
	}
	return recordOf(r), nil
}

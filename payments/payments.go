// Package payments talks to payment gateways for refunds: one Gateway interface with three
// implementations (Manual, Webhook and an in-process Simulator used by the demo and the
// tests), error classification (retryable or permanent) and the signed-request scheme the
// webhook gateway, the simulator and their notifications share.
//
// Every refund is keyed by its OutRefundNo (ticket ref + "-R" + sequence): a gateway must
// treat a second request with the same OutRefundNo as a replay of the first, never as a new
// refund. Money is always in integer minor units.
package payments

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"sync"
)

// Status is the state of a refund at the gateway.
type Status string

// Refund statuses at the gateway. Pending is not final: wait for a notification or poll.
const (
	StatusPending   Status = "pending"
	StatusSucceeded Status = "succeeded"
	StatusFailed    Status = "failed"
)

// Final reports whether the status will not change any more.
func (s Status) Final() bool { return s == StatusSucceeded || s == StatusFailed }

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s == StatusPending || s.Final() }

// RefundRequest asks a gateway to return money for a payment. OutRefundNo is the
// idempotency key.
type RefundRequest struct {
	OutRefundNo string `json:"out_refund_no"`
	PaymentRef  string `json:"payment_ref"`
	Amount      int64  `json:"amount"` // minor units, > 0
	Currency    string `json:"currency"`
	Reason      string `json:"reason,omitempty"`
}

// Validate checks the request before it leaves keydesk.
func (r RefundRequest) Validate() error {
	switch {
	case r.OutRefundNo == "":
		return Permanent("invalid_request", "out_refund_no is required", nil)
	case r.Amount <= 0:
		return Permanent("invalid_request", fmt.Sprintf("amount must be positive (got %d)", r.Amount), nil)
	case len(r.Currency) != 3:
		return Permanent("invalid_request", fmt.Sprintf("currency %q is not an ISO 4217 code", r.Currency), nil)
	}
	return nil
}

// RefundResult is the gateway's answer about one refund.
type RefundResult struct {
	OutRefundNo     string `json:"out_refund_no"`
	Status          Status `json:"status"`
	GatewayRefundID string `json:"gateway_refund_id,omitempty"`
	Reason          string `json:"reason,omitempty"`
}

// Notification is a gateway's asynchronous report of a refund's status, verified.
type Notification struct {
	// Merchant is the merchant slug the notification names (X-Keydesk-Merchant).
	Merchant        string `json:"merchant,omitempty"`
	OutRefundNo     string `json:"out_refund_no"`
	Status          Status `json:"status"`
	GatewayRefundID string `json:"gateway_refund_id,omitempty"`
	Reason          string `json:"reason,omitempty"`
}

// Gateway is a payment gateway able to refund.
type Gateway interface {
	// Name is the registry name ("manual", "webhook", "simulator").
	Name() string
	// Refund asks for a refund. A repeated OutRefundNo returns the first request's result.
	Refund(ctx context.Context, req RefundRequest) (RefundResult, error)
	// QueryRefund returns the current status of a refund (ErrUnknownRefund when the gateway
	// never saw it).
	QueryRefund(ctx context.Context, outRefundNo string) (RefundResult, error)
	// ParseNotification reads and verifies a status callback.
	ParseNotification(r *http.Request) (Notification, error)
}

// Error is a classified gateway error.
type Error struct {
	Code      string
	Message   string
	Retryable bool
	Err       error
}

// Error implements error.
func (e *Error) Error() string {
	kind := "permanent"
	if e.Retryable {
		kind = "retryable"
	}
	if e.Err != nil {
		return fmt.Sprintf("gateway %s error %s: %s: %v", kind, e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("gateway %s error %s: %s", kind, e.Code, e.Message)
}

// Unwrap exposes the cause.
func (e *Error) Unwrap() error { return e.Err }

// Retryable builds an error worth retrying (the request is idempotent, so a retry is safe).
func Retryable(code, msg string, cause error) error {
	return &Error{Code: code, Message: msg, Retryable: true, Err: cause}
}

// Permanent builds an error a retry will not fix.
func Permanent(code, msg string, cause error) error {
	return &Error{Code: code, Message: msg, Err: cause}
}

// Errors callers match.
var (
	// ErrUnknownRefund: the gateway has no refund with that OutRefundNo.
	ErrUnknownRefund = errors.New("payments: unknown refund")
	// ErrBadSignature: a notification's signature, timestamp or merchant is wrong.
	ErrBadSignature = errors.New("payments: bad signature")
	// ErrNotSupported: the gateway does not offer the operation.
	ErrNotSupported = errors.New("payments: not supported")
	// ErrUnknownGateway: no gateway of that name is registered.
	ErrUnknownGateway = errors.New("payments: unknown gateway")
)

// IsRetryable classifies an error: a classified Error says itself; network errors and
// timeouts are retryable; a bad signature, an unknown refund or gateway, and a cancelled
// context are not. Anything else unclassified is retryable: every request is an idempotent
// replay, so retrying an unknown failure can never refund twice.
func IsRetryable(err error) bool {
	var ge *Error
	var ne net.Error
	switch {
	case err == nil:
		return false
	case errors.As(err, &ge):
		return ge.Retryable
	case errors.Is(err, context.Canceled), errors.Is(err, ErrBadSignature),
		errors.Is(err, ErrUnknownGateway), errors.Is(err, ErrNotSupported), errors.Is(err, ErrUnknownRefund):
		return false
	case errors.As(err, &ne), errors.Is(err, context.DeadlineExceeded):
		return true
	default:
		return true
	}
}

// Factory builds a merchant's instance of a gateway (its URL and secret, for instance).
type Factory func(ctx context.Context, merchantID uint64) (Gateway, error)

// Static is a Factory returning the same gateway for every merchant.
func Static(g Gateway) Factory {
	return func(context.Context, uint64) (Gateway, error) { return g, nil }
}

// Registry maps gateway names to factories. It is safe for concurrent use.
type Registry struct {
	mu        sync.RWMutex
	factories map[string]Factory
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{factories: map[string]Factory{}} }

// Register adds or replaces a gateway.
func (r *Registry) Register(name string, f Factory) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.factories[name] = f
}

// Gateway returns the merchant's instance of the named gateway.
func (r *Registry) Gateway(ctx context.Context, merchantID uint64, name string) (Gateway, error) {
	if r == nil {
		return nil, fmt.Errorf("gateway %q: %w (no registry configured)", name, ErrUnknownGateway)
	}
	r.mu.RLock()
	f, ok := r.factories[name]
	r.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("gateway %q: %w", name, ErrUnknownGateway)
	}
	g, err := f(ctx, merchantID)
	if err != nil {
		return nil, fmt.Errorf("gateway %q for merchant %d: %w", name, merchantID, err)
	}
	return g, nil
}

// Names lists the registered gateways, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.factories))
	for n := range r.factories {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Fee policies (merchant setting "refund_fee_policy").
const (
	FeeMerchantAbsorbs = "merchant_absorbs"
	FeeDeduct          = "deduct_fee"
)

// SplitFee splits a refund of gross (the part of the order being refunded, minor units)
// into what goes back to the buyer (net) and the payment fee withheld, per the merchant's
// policy: merchant_absorbs (or anything unknown) withholds nothing; deduct_fee withholds
// gross × bps / 10000, rounded half up, never more than gross.
func SplitFee(gross int64, policy string, bps int) (net, fee int64) {
	if policy != FeeDeduct || bps <= 0 || gross <= 0 {
		return gross, 0
	}
	fee = (gross*int64(bps) + 5000) / 10000
	fee = min(fee, gross)
	return gross - fee, fee
}

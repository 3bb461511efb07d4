package payments

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/keydesk/keydesk/internal/netguard"
)

// WebhookName is the registry name of the generic webhook gateway.
const WebhookName = "webhook"

// Webhook is a generic signed HTTP refund endpoint on the shop's side.
//
// Refund: POST URL with a RefundRequest as JSON; QueryRefund: GET URL/{out_refund_no}. Both
// are signed with the merchant's integration secret (headers X-Keydesk-Merchant,
// X-Keydesk-Timestamp, X-Keydesk-Signature = "sha256=" + hex(HMAC(secret, ts + "." + body)),
// the body empty for GET) and answered with a RefundResult as JSON. The shop must treat a
// repeated out_refund_no as a replay. 5xx, 408 and 429 answers and network failures are
// retryable; other 4xx are permanent; 404 on a query means the refund is unknown. The shop
// reports a pending refund's final status by POSTing a Notification, signed the same way,
// to keydesk's /api/v1/payments/webhook/notify.
type Webhook struct {
	URL      string
	Merchant string // the merchant's slug, sent as X-Keydesk-Merchant
	Secret   []byte
	Client   *http.Client
	Now      func() time.Time
}

// Name implements Gateway.
func (w *Webhook) Name() string { return WebhookName }

func (w *Webhook) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Webhook) client() *http.Client {
	if w.Client != nil {
		return w.Client
	}
	return &http.Client{Timeout: 20 * time.Second}
}

// Refund implements Gateway.
func (w *Webhook) Refund(ctx context.Context, req RefundRequest) (RefundResult, error) {
	if err := req.Validate(); err != nil {
		return RefundResult{}, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return RefundResult{}, Permanent("encode", "encode refund request", err)
	}
	res, err := w.do(ctx, http.MethodPost, w.URL, body)
	if err != nil {
		return RefundResult{}, err
	}
	if res.OutRefundNo == "" {
		res.OutRefundNo = req.OutRefundNo
	}
	return res, nil
}

// QueryRefund implements Gateway.
func (w *Webhook) QueryRefund(ctx context.Context, outRefundNo string) (RefundResult, error) {
	return w.do(ctx, http.MethodGet, strings.TrimRight(w.URL, "/")+"/"+url.PathEscape(outRefundNo), nil)
}

// do sends one signed request and classifies the answer.
func (w *Webhook) do(ctx context.Context, method, u string, body []byte) (RefundResult, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return RefundResult{}, Permanent("bad_url", "build request to the shop's refund endpoint", err)
	}
	req.Header.Set("Content-Type", "application/json")
	SignRequest(req, w.Merchant, w.Secret, body, w.now())
	resp, err := w.client().Do(req)
	if errors.Is(err, netguard.ErrBlocked) {
		// The outbound URL policy refused the destination: no retry can fix that, only a new
		// URL (or the operator's allowance). The message names the rule, not the network.
		return RefundResult{}, Permanent("blocked", netguard.Describe(err), nil)
	}
	if err != nil {
		return RefundResult{}, Retryable("network", "call the shop's refund endpoint", err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxNotificationBytes))
	if err := classifyStatus(resp.StatusCode, raw); err != nil {
		return RefundResult{}, err
	}
	var res RefundResult
	if err := json.Unmarshal(raw, &res); err != nil || !res.Status.Valid() {
		return RefundResult{}, Retryable("bad_response", "the shop's refund endpoint answered an unreadable result", err)
	}
	return res, nil
}

// classifyStatus maps an HTTP status to nil (2xx) or a classified error.
func classifyStatus(code int, body []byte) error {
	msg := strings.TrimSpace(string(body))
	if len(msg) > 300 {
		msg = msg[:300]
	}
	switch {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusNotFound:
		return fmt.Errorf("%w (HTTP 404)", ErrUnknownRefund)
	case code == http.StatusRequestTimeout, code == http.StatusTooManyRequests, code >= 500:
		return Retryable(fmt.Sprintf("http_%d", code), msg, nil)
	default:
		return Permanent(fmt.Sprintf("http_%d", code), msg, nil)
	}
}

// ParseNotification implements Gateway: the body must be signed with the merchant's secret
// and name this merchant.
func (w *Webhook) ParseNotification(r *http.Request) (Notification, error) {
	if got := r.Header.Get(HeaderMerchant); got != w.Merchant {
		return Notification{}, fmt.Errorf("%w: notification names merchant %q", ErrBadSignature, got)
	}
	body, err := readSigned(r, w.Secret, w.now())
	if err != nil {
		return Notification{}, err
	}
	return decodeNotification(body, w.Merchant)
}

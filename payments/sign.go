package payments

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Headers of a signed request (the same scheme as keydesk's integration endpoints).
const (
	HeaderMerchant  = "X-Keydesk-Merchant"
	HeaderTimestamp = "X-Keydesk-Timestamp"
	HeaderSignature = "X-Keydesk-Signature"
)

// MaxSkew is how far a signed request's timestamp may be from now.
const MaxSkew = 5 * time.Minute

// maxNotificationBytes bounds a notification body.
const maxNotificationBytes = 64 << 10

// Sign returns the signature header value: "sha256=" + hex(HMAC-SHA256(secret, ts + "." + body)).
func Sign(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// SignRequest sets the merchant, timestamp and signature headers of req over body.
func SignRequest(req *http.Request, merchant string, secret, body []byte, now time.Time) {
	ts := strconv.FormatInt(now.Unix(), 10)
	if merchant != "" {
		req.Header.Set(HeaderMerchant, merchant)
	}
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(secret, ts, body))
}

// Verify checks a signature header over ts and body, and that ts is within MaxSkew of now.
// The comparison is constant-time. Every failure wraps ErrBadSignature.
func Verify(secret []byte, ts, sig string, body []byte, now time.Time) error {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q is not unix seconds", ErrBadSignature, ts)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > MaxSkew || d < -MaxSkew {
		return fmt.Errorf("%w: timestamp outside the allowed %s window", ErrBadSignature, MaxSkew)
	}
	if !strings.HasPrefix(sig, "sha256=") {
		return fmt.Errorf("%w: signature must be sha256=<hex>", ErrBadSignature)
	}
	if !hmac.Equal([]byte(Sign(secret, ts, body)), []byte(sig)) {
		return fmt.Errorf("%w: signature mismatch", ErrBadSignature)
	}
	return nil
}

// readSigned reads a request body (bounded) and verifies its signature with secret. It
// restores the body so the caller may read it again.
func readSigned(r *http.Request, secret []byte, now time.Time) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxNotificationBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read notification: %w", err)
	}
	if len(body) > maxNotificationBytes {
		return nil, fmt.Errorf("notification larger than %d bytes", maxNotificationBytes)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := Verify(secret, r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSignature), body, now); err != nil {
		return nil, err
	}
	return body, nil
}

// decodeNotification parses a verified notification body.
func decodeNotification(body []byte, merchant string) (Notification, error) {
	var n Notification
	if err := json.Unmarshal(body, &n); err != nil {
		return n, fmt.Errorf("notification: malformed JSON: %w", err)
	}
	n.Merchant = merchant
	switch {
	case n.OutRefundNo == "":
		return n, errors.New("notification: out_refund_no is required")
	case !n.Status.Valid():
		return n, fmt.Errorf("notification: unknown status %q", n.Status)
	}
	return n, nil
}

// NewNotificationRequest builds a signed notification POST to url: what a gateway (or the
// simulator) sends to keydesk's /api/v1/payments/{gateway}/notify.
func NewNotificationRequest(url, merchant string, secret []byte, n Notification, now time.Time) (*http.Request, error) {
	n.Merchant = ""
	body, err := json.Marshal(n)
	if err != nil {
		return nil, fmt.Errorf("encode notification: %w", err)
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("notification request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	SignRequest(req, merchant, secret, body, now)
	return req, nil
}

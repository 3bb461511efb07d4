package payments

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SimulatorName is the registry name of the simulator.
const SimulatorName = "simulator"

// SimConfig tunes the simulator. Every random choice is a pure function of Seed, the
// OutRefundNo and the attempt number, so a run is reproducible whatever the interleaving.
type SimConfig struct {
	Seed int64
	// Latency is added to every call.
	Latency time.Duration
	// FailureRate is the chance an attempt fails transiently before any money moves.
	FailureRate float64
	// PermanentFailureRate is the chance a refund is declined for good (decided once).
	PermanentFailureRate float64
	// LostResponseRate is the chance an attempt moves the money but its answer is lost
	// (the caller sees a retryable error: the nastiest case for idempotency).
	LostResponseRate float64
	// AsyncRate is the share of refunds answered pending and completed later.
	AsyncRate float64
	// AsyncDelay completes a pending refund this long after it was accepted (real time);
	// 0 completes it only by CompleteAfterQueries or Complete.
	AsyncDelay time.Duration
	// CompleteAfterQueries completes a pending refund at its n-th QueryRefund (0 = off).
	CompleteAfterQueries int
	// FailFirst makes the first n attempts of every refund fail transiently (deterministic).
	FailFirst int
	// LoseFirst makes the first n money-moving answers of every refund get lost.
	LoseFirst int
	// Notify receives the notification of every async completion (nil: none). It is
	// called from a goroutine when AsyncDelay fires, or synchronously from Complete.
	Notify func(ctx context.Context, n Notification)
	// NotifySecret signs and verifies the simulator's notifications.
	NotifySecret []byte
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// LedgerEntry is one refund the simulator accepted: money moved exactly once per entry.
type LedgerEntry struct {
	OutRefundNo     string
	PaymentRef      string
	Amount          int64
	Currency        string
	GatewayRefundID string
	Status          Status
	// Requests counts every Refund call with this OutRefundNo (replays included).
	Requests   int
	Queries    int
	AcceptedAt time.Time
	SettledAt  time.Time
}

// simRefund is the simulator's state of one OutRefundNo.
type simRefund struct {
	attempts  int
	lost      int
	declined  *RefundResult // a permanent decline, replayed as is
	entry     *LedgerEntry
	completeT *time.Timer
}

// Simulator is an in-process payment gateway with configurable latency, failures and
// asynchronous completion. It is idempotent on OutRefundNo: a replay returns the first
// result and never moves money twice; Ledger shows what moved.
type Simulator struct {
	cfg     SimConfig
	mu      sync.Mutex
	refunds map[string]*simRefund
	seq     int
}

// NewSimulator returns a simulator.
func NewSimulator(cfg SimConfig) *Simulator {
	return &Simulator{cfg: cfg, refunds: map[string]*simRefund{}}
}

// Name implements Gateway.
func (s *Simulator) Name() string { return SimulatorName }

func (s *Simulator) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}

// draw returns a deterministic number in [0, 1) for (seed, refund, what, attempt).
func (s *Simulator) draw(no, what string, attempt int) float64 {
	h := sha256.Sum256([]byte(strconv.FormatInt(s.cfg.Seed, 10) + "|" + no + "|" + what + "|" + strconv.Itoa(attempt)))
	return float64(binary.BigEndian.Uint64(h[:8])>>11) / float64(1<<53)
}

func (s *Simulator) sleep(ctx context.Context) error {
	if s.cfg.Latency <= 0 {
		return nil
	}
	t := time.NewTimer(s.cfg.Latency)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return Retryable("timeout", "simulator call cancelled", ctx.Err())
	case <-t.C:
		return nil
	}
}

// Refund implements Gateway.
func (s *Simulator) Refund(ctx context.Context, req RefundRequest) (RefundResult, error) {
	if err := req.Validate(); err != nil {
		return RefundResult{}, err
	}
	if err := s.sleep(ctx); err != nil {
		return RefundResult{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.refunds[req.OutRefundNo]
	if r == nil {
		r = &simRefund{}
		s.refunds[req.OutRefundNo] = r
	}
	r.attempts++
	if r.entry != nil {
		r.entry.Requests++
		return s.resultOf(r.entry), s.maybeLose(r, req.OutRefundNo)
	}
	if r.declined != nil {
		return *r.declined, nil
	}
	if r.attempts <= s.cfg.FailFirst || s.draw(req.OutRefundNo, "fail", r.attempts) < s.cfg.FailureRate {
		return RefundResult{}, Retryable("unavailable", fmt.Sprintf("simulated transient failure (attempt %d)", r.attempts), nil)
	}
	if s.draw(req.OutRefundNo, "decline", 0) < s.cfg.PermanentFailureRate {
		r.declined = &RefundResult{OutRefundNo: req.OutRefundNo, Status: StatusFailed, Reason: "declined by the simulated gateway: original payment cannot be refunded"}
		return *r.declined, nil
	}
	s.accept(r, req)
	return s.resultOf(r.entry), s.maybeLose(r, req.OutRefundNo)
}

// accept moves the money: one ledger entry per OutRefundNo, ever.
func (s *Simulator) accept(r *simRefund, req RefundRequest) {
	s.seq++
	now := s.now()
	e := &LedgerEntry{
		OutRefundNo: req.OutRefundNo, PaymentRef: req.PaymentRef, Amount: req.Amount, Currency: req.Currency,
		GatewayRefundID: fmt.Sprintf("SIM-%06d", s.seq), Status: StatusSucceeded, Requests: 1, AcceptedAt: now, SettledAt: now,
	}
	if s.draw(req.OutRefundNo, "async", 0) < s.cfg.AsyncRate {
		e.Status, e.SettledAt = StatusPending, time.Time{}
		if s.cfg.AsyncDelay > 0 {
			no := req.OutRefundNo
			r.completeT = time.AfterFunc(s.cfg.AsyncDelay, func() { s.Complete(context.Background(), no) })
		}
	}
	r.entry = e
}

// maybeLose loses the answer of a money-moving attempt (LoseFirst, LostResponseRate).
func (s *Simulator) maybeLose(r *simRefund, no string) error {
	if r.lost < s.cfg.LoseFirst || s.draw(no, "lose", r.attempts) < s.cfg.LostResponseRate {
		r.lost++
		return Retryable("timeout", "simulated timeout after the refund was accepted", nil)
	}
	return nil
}

func (s *Simulator) resultOf(e *LedgerEntry) RefundResult {
	return RefundResult{OutRefundNo: e.OutRefundNo, Status: e.Status, GatewayRefundID: e.GatewayRefundID}
}

// QueryRefund implements Gateway.
func (s *Simulator) QueryRefund(ctx context.Context, outRefundNo string) (RefundResult, error) {
	if err := s.sleep(ctx); err != nil {
		return RefundResult{}, err
	}
	s.mu.Lock()
	r := s.refunds[outRefundNo]
	if r == nil || (r.entry == nil && r.declined == nil) {
		s.mu.Unlock()
		return RefundResult{}, fmt.Errorf("simulator: %s: %w", outRefundNo, ErrUnknownRefund)
	}
	if r.declined != nil {
		s.mu.Unlock()
		return *r.declined, nil
	}
	r.entry.Queries++
	due := s.cfg.CompleteAfterQueries > 0 && r.entry.Queries >= s.cfg.CompleteAfterQueries
	res := s.resultOf(r.entry)
	s.mu.Unlock()
	if due && res.Status == StatusPending {
		return s.complete(ctx, outRefundNo, false)
	}
	return res, nil
}

// Complete settles a pending refund as succeeded now and sends its notification. It is a
// no-op on a settled refund (no second notification) and ErrUnknownRefund on an unknown one.
func (s *Simulator) Complete(ctx context.Context, outRefundNo string) (RefundResult, error) {
	return s.complete(ctx, outRefundNo, true)
}

func (s *Simulator) complete(ctx context.Context, no string, notify bool) (RefundResult, error) {
	s.mu.Lock()
	r := s.refunds[no]
	if r == nil || r.entry == nil {
		s.mu.Unlock()
		return RefundResult{}, fmt.Errorf("simulator: %s: %w", no, ErrUnknownRefund)
	}
	if r.entry.Status.Final() {
		res := s.resultOf(r.entry)
		s.mu.Unlock()
		return res, nil
	}
	r.entry.Status, r.entry.SettledAt = StatusSucceeded, s.now()
	if r.completeT != nil {
		r.completeT.Stop()
	}
	res := s.resultOf(r.entry)
	cb := s.cfg.Notify
	s.mu.Unlock()
	if notify && cb != nil {
		cb(ctx, Notification{OutRefundNo: res.OutRefundNo, Status: res.Status, GatewayRefundID: res.GatewayRefundID})
	}
	return res, nil
}

// Ledger returns the accepted refunds, by OutRefundNo.
func (s *Simulator) Ledger() []LedgerEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]LedgerEntry, 0, len(s.refunds))
	for _, r := range s.refunds {
		if r.entry != nil {
			out = append(out, *r.entry)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OutRefundNo < out[j].OutRefundNo })
	return out
}

// Attempts returns how many Refund calls a refund received (0 when never seen).
func (s *Simulator) Attempts(outRefundNo string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.refunds[outRefundNo]; r != nil {
		return r.attempts
	}
	return 0
}

// RefundedTotal returns the money moved for one payment, in minor units.
func (s *Simulator) RefundedTotal(paymentRef string) int64 {
	var n int64
	for _, e := range s.Ledger() {
		if e.PaymentRef == paymentRef {
			n += e.Amount
		}
	}
	return n
}

// ParseNotification implements Gateway: verifies the simulator's signature (NotifySecret).
func (s *Simulator) ParseNotification(r *http.Request) (Notification, error) {
	body, err := readSigned(r, s.cfg.NotifySecret, s.now())
	if err != nil {
		return Notification{}, err
	}
	return decodeNotification(body, r.Header.Get(HeaderMerchant))
}

// NotifyHTTP returns a Notify function POSTing signed notifications to url (keydesk's
// /api/v1/payments/simulator/notify) for the merchant slug. Delivery errors are dropped:
// polling is the fallback, as with a real gateway.
func NotifyHTTP(client *http.Client, url, merchant string, secret []byte) func(context.Context, Notification) {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return func(ctx context.Context, n Notification) {
		req, err := NewNotificationRequest(url, merchant, secret, n, time.Now())
		if err != nil {
			return
		}
		resp, err := client.Do(req.WithContext(ctx))
		if err == nil {
			_ = resp.Body.Close()
		}
	}
}

// Handler serves the webhook gateway protocol (see Webhook) in front of the simulator, so
// a shop-side refund endpoint can be simulated over real HTTP: POST / refunds, GET /{no}
// queries, both verified with secret.
func (s *Simulator) Handler(secret []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxNotificationBytes))
		if err != nil || Verify(secret, r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSignature), body, s.now()) != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var res RefundResult
		switch r.Method {
		case http.MethodPost:
			var req RefundRequest
			if json.Unmarshal(body, &req) != nil {
				http.Error(w, "malformed refund request", http.StatusBadRequest)
				return
			}
			res, err = s.Refund(r.Context(), req)
		case http.MethodGet:
			res, err = s.QueryRefund(r.Context(), strings.TrimPrefix(r.URL.Path, "/"))
		default:
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		writeSimResult(w, res, err)
	})
}

func writeSimResult(w http.ResponseWriter, res RefundResult, err error) {
	switch {
	case err == nil:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(res)
	case IsRetryable(err):
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
	case errors.Is(err, ErrUnknownRefund):
		http.Error(w, err.Error(), http.StatusNotFound)
	default:
		http.Error(w, err.Error(), http.StatusUnprocessableEntity)
	}
}

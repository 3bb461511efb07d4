package payments

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func req(no string) RefundRequest {
	return RefundRequest{OutRefundNo: no, PaymentRef: "pay-1", Amount: 1299, Currency: "EUR", Reason: "test"}
}

func TestSimulatorReplayNeverRefundsTwice(t *testing.T) {
	s := NewSimulator(SimConfig{Seed: 1})
	ctx := context.Background()
	first, err := s.Refund(ctx, req("KD-1-R1"))
	if err != nil || first.Status != StatusSucceeded {
		t.Fatalf("first refund: %+v %v", first, err)
	}
	again, err := s.Refund(ctx, req("KD-1-R1"))
	if err != nil || again != first {
		t.Fatalf("replay = %+v %v, want %+v", again, err, first)
	}
	l := s.Ledger()
	if len(l) != 1 || l[0].Requests != 2 || l[0].Amount != 1299 {
		t.Fatalf("ledger = %+v, want one entry with 2 requests", l)
	}
}

func TestSimulatorFailFirstIsRetryableThenSucceedsOnce(t *testing.T) {
	s := NewSimulator(SimConfig{FailFirst: 2})
	ctx := context.Background()
	for i := 1; i <= 2; i++ {
		_, err := s.Refund(ctx, req("KD-2-R1"))
		if err == nil || !IsRetryable(err) {
			t.Fatalf("attempt %d: err = %v, want retryable", i, err)
		}
		if len(s.Ledger()) != 0 {
			t.Fatalf("attempt %d moved money", i)
		}
	}
	if res, err := s.Refund(ctx, req("KD-2-R1")); err != nil || res.Status != StatusSucceeded {
		t.Fatalf("third attempt: %+v %v", res, err)
	}
	if got := s.RefundedTotal("pay-1"); got != 1299 {
		t.Fatalf("refunded total = %d", got)
	}
}

func TestSimulatorLostResponseMovesMoneyOnce(t *testing.T) {
	s := NewSimulator(SimConfig{LoseFirst: 1})
	ctx := context.Background()
	if _, err := s.Refund(ctx, req("KD-3-R1")); err == nil || !IsRetryable(err) {
		t.Fatalf("lost answer: err = %v, want retryable", err)
	}
	if len(s.Ledger()) != 1 {
		t.Fatal("money should have moved despite the lost answer")
	}
	res, err := s.Refund(ctx, req("KD-3-R1"))
	if err != nil || res.Status != StatusSucceeded {
		t.Fatalf("retry: %+v %v", res, err)
	}
	if l := s.Ledger(); len(l) != 1 || l[0].Requests != 2 {
		t.Fatalf("ledger = %+v", l)
	}
}

func TestSimulatorPermanentDeclineIsStable(t *testing.T) {
	s := NewSimulator(SimConfig{PermanentFailureRate: 1})
	for i := 0; i < 2; i++ {
		res, err := s.Refund(context.Background(), req("KD-4-R1"))
		if err != nil || res.Status != StatusFailed || res.Reason == "" {
			t.Fatalf("call %d: %+v %v", i, res, err)
		}
	}
	if len(s.Ledger()) != 0 {
		t.Fatal("a declined refund moved money")
	}
}

func TestSimulatorDeterministicUnderSeed(t *testing.T) {
	outcome := func(seed int64) string {
		s := NewSimulator(SimConfig{Seed: seed, FailureRate: 0.3, PermanentFailureRate: 0.2, AsyncRate: 0.5})
		var b strings.Builder
		for i := 0; i < 40; i++ {
			res, err := s.Refund(context.Background(), req("KD-"+string(rune('A'+i%26))+"-R"+string(rune('0'+i/26))))
			b.WriteString(string(res.Status))
			if err != nil {
				b.WriteString("E")
			}
		}
		return b.String()
	}
	if outcome(7) != outcome(7) {
		t.Fatal("same seed gave different outcomes")
	}
	if outcome(7) == outcome(8) {
		t.Fatal("different seeds gave identical outcomes over 40 refunds")
	}
}

func TestSimulatorAsyncCompletesByQueryAndByNotify(t *testing.T) {
	var mu sync.Mutex
	var got []Notification
	s := NewSimulator(SimConfig{AsyncRate: 1, CompleteAfterQueries: 2, Notify: func(_ context.Context, n Notification) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, n)
	}})
	ctx := context.Background()
	if res, _ := s.Refund(ctx, req("KD-5-R1")); res.Status != StatusPending {
		t.Fatalf("status = %s, want pending", res.Status)
	}
	if res, _ := s.QueryRefund(ctx, "KD-5-R1"); res.Status != StatusPending {
		t.Fatalf("first query = %s, want pending", res.Status)
	}
	if res, _ := s.QueryRefund(ctx, "KD-5-R1"); res.Status != StatusSucceeded {
		t.Fatalf("second query = %s, want succeeded", res.Status)
	}
	if _, err := s.Refund(ctx, req("KD-6-R1")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Complete(ctx, "KD-6-R1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Complete(ctx, "KD-6-R1"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].OutRefundNo != "KD-6-R1" || got[0].Status != StatusSucceeded {
		t.Fatalf("notifications = %+v, want exactly one for KD-6-R1", got)
	}
	if _, err := s.QueryRefund(ctx, "nope"); !errors.Is(err, ErrUnknownRefund) {
		t.Fatalf("unknown query err = %v", err)
	}
}

func TestNotificationSignature(t *testing.T) {
	secret := []byte("s3cret")
	s := NewSimulator(SimConfig{NotifySecret: secret})
	now := time.Now()
	r, err := NewNotificationRequest("http://x/notify", "demo", secret, Notification{OutRefundNo: "KD-7-R1", Status: StatusSucceeded}, now)
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.ParseNotification(r)
	if err != nil || n.OutRefundNo != "KD-7-R1" || n.Merchant != "demo" {
		t.Fatalf("parse = %+v %v", n, err)
	}
	bad, _ := NewNotificationRequest("http://x/notify", "demo", []byte("other"), Notification{OutRefundNo: "KD-7-R1", Status: StatusSucceeded}, now)
	if _, err := s.ParseNotification(bad); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("wrong secret: err = %v", err)
	}
	old, _ := NewNotificationRequest("http://x/notify", "demo", secret, Notification{OutRefundNo: "KD-7-R1", Status: StatusSucceeded}, now.Add(-time.Hour))
	if _, err := s.ParseNotification(old); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("stale timestamp: err = %v", err)
	}
}

func TestWebhookAgainstSimulatorEndpoint(t *testing.T) {
	secret := []byte("shop-secret")
	sim := NewSimulator(SimConfig{FailFirst: 1, AsyncRate: 1, CompleteAfterQueries: 1})
	srv := httptest.NewServer(sim.Handler(secret))
	defer srv.Close()
	w := &Webhook{URL: srv.URL, Merchant: "demo", Secret: secret}
	ctx := context.Background()
	if _, err := w.Refund(ctx, req("KD-8-R1")); err == nil || !IsRetryable(err) {
		t.Fatalf("503 should be retryable: %v", err)
	}
	res, err := w.Refund(ctx, req("KD-8-R1"))
	if err != nil || res.Status != StatusPending {
		t.Fatalf("refund = %+v %v", res, err)
	}
	if res, err = w.QueryRefund(ctx, "KD-8-R1"); err != nil || res.Status != StatusSucceeded {
		t.Fatalf("query = %+v %v", res, err)
	}
	if _, err := w.QueryRefund(ctx, "KD-unknown"); !errors.Is(err, ErrUnknownRefund) {
		t.Fatalf("unknown = %v", err)
	}
	bad := &Webhook{URL: srv.URL, Merchant: "demo", Secret: []byte("wrong")}
	if _, err := bad.Refund(ctx, req("KD-9-R1")); err == nil || IsRetryable(err) {
		t.Fatalf("401 should be permanent: %v", err)
	}
	if len(sim.Ledger()) != 1 {
		t.Fatalf("ledger = %+v", sim.Ledger())
	}
}

func TestWebhookNotificationMustNameMerchant(t *testing.T) {
	secret := []byte("k")
	w := &Webhook{Merchant: "demo", Secret: secret}
	r, _ := NewNotificationRequest("http://x", "other", secret, Notification{OutRefundNo: "A-R1", Status: StatusFailed}, time.Now())
	if _, err := w.ParseNotification(r); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("err = %v", err)
	}
	r, _ = NewNotificationRequest("http://x", "demo", secret, Notification{OutRefundNo: "A-R1", Status: StatusFailed, Reason: "card closed"}, time.Now())
	n, err := w.ParseNotification(r)
	if err != nil || n.Status != StatusFailed || n.Reason != "card closed" {
		t.Fatalf("n = %+v %v", n, err)
	}
}

func TestIsRetryable(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{Retryable("x", "y", nil), true},
		{Permanent("x", "y", nil), false},
		{context.Canceled, false},
		{context.DeadlineExceeded, true},
		{ErrBadSignature, false},
		{errors.New("mystery"), true},
		{nil, false},
	}
	for _, c := range cases {
		if got := IsRetryable(c.err); got != c.want {
			t.Errorf("IsRetryable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
	if _, err := (Manual{}).ParseNotification(httptest.NewRequest(http.MethodPost, "/", nil)); !errors.Is(err, ErrNotSupported) {
		t.Fatalf("manual notify err = %v", err)
	}
}

func TestSplitFee(t *testing.T) {
	cases := []struct {
		gross        int64
		policy       string
		bps          int
		net, wantFee int64
	}{
		{1000, FeeMerchantAbsorbs, 290, 1000, 0},
		{1000, FeeDeduct, 290, 971, 29},
		{1005, FeeDeduct, 50, 1000, 5}, // 5.025 rounds to 5
		{1010, FeeDeduct, 50, 1005, 5}, // 5.05 rounds half up to 5
		{1030, FeeDeduct, 50, 1025, 5}, // 5.15 → 5
		{100, FeeDeduct, 20000, 0, 100},
		{1000, "bogus", 290, 1000, 0},
	}
	for _, c := range cases {
		net, fee := SplitFee(c.gross, c.policy, c.bps)
		if net != c.net || fee != c.wantFee || net+fee != c.gross {
			t.Errorf("SplitFee(%d,%s,%d) = %d,%d want %d,%d", c.gross, c.policy, c.bps, net, fee, c.net, c.wantFee)
		}
	}
}

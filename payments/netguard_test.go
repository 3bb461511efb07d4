package payments

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/netguard"
)

// TestWebhookRefusedByOutboundPolicyIsPermanent (issue 14): a refund webhook whose address
// the outbound URL policy refuses fails for good (no retry loop), reaches nothing, and says
// which rule refused it without the address; with the operator's allowance it works.
func TestWebhookRefusedByOutboundPolicyIsPermanent(t *testing.T) {
	secret := []byte("shop-secret")
	sim := NewSimulator(SimConfig{})
	srv := httptest.NewServer(sim.Handler(secret))
	defer srv.Close()
	t.Setenv(netguard.EnvAllowPrivate, "")
	w := &Webhook{URL: srv.URL, Merchant: "demo", Secret: secret, Client: netguard.Client(5*time.Second, true)}
	_, err := w.Refund(context.Background(), req("KD-10-R1"))
	if err == nil || IsRetryable(err) || !strings.Contains(err.Error(), "loopback") || strings.Contains(err.Error(), "127.0.0.1") {
		t.Fatalf("refused refund webhook: %v (retryable %v)", err, IsRetryable(err))
	}
	if len(sim.Ledger()) != 0 {
		t.Fatal("the refused endpoint was reached")
	}
	t.Setenv(netguard.EnvAllowPrivate, "127.0.0.0/8")
	if _, err := w.Refund(context.Background(), req("KD-10-R1")); err != nil || len(sim.Ledger()) != 1 {
		t.Fatalf("allowed endpoint: %v, ledger %d", err, len(sim.Ledger()))
	}
}

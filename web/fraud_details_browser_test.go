package web_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/keydesk/keydesk/fraud"
	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// TestFraudDetailsReadInChinese: the details the real fraud rules write (fraud.Assess over
// signals that fire nearly every rule, for each claim kind) read in Chinese on a zh page
// (KD.fraudDetail): none is left as the English sentence, and none keeps an English word.
// The linked-claimant rule's detail (a list of links) is the one left as written.
func TestFraudDetailsReadInChinese(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	base := fraud.Signals{ClaimsByEmail30d: 2, ClaimsByEmail90d: 3, ClaimsByIP30d: 1, ClaimsByIP90d: 4, ClaimsByDevice30d: 1, ClaimsByDevice90d: 2,
		ReissuesByEmail90d: 2, RefundsByEmail90d: 1, KeyRevealed: true, FirstRevealAt: now.Add(-3 * time.Hour), ClaimAt: now,
		BatchInvalidReports: 2, Chargebacks: 1, ChargebacksSameIP: 2, ClaimIP: "203.0.113.9", OrderIP: "198.51.100.7",
		OrderAmount: 90000, ProductNormAmount: 1000, ProductMedianAmount: 1000, MerchantMedianAmount: 1000, OrdersByEmail24h: 6,
		DeviceID: "kd-aa", OrderDeviceID: "kd-bb", KnownDevices: []string{"kd-bb"}, EmailDomain: "mailinator.com", EmailDisposable: true,
		TextFlags: []string{fraud.TextChargebackThreat, fraud.TextNewAddress, fraud.TextAlreadyUsed}, OrderReplacements: 1, AutoReissueLimit: 1,
		OrderClaims: 2, RevealCount: 6, RevealIPs: []string{"198.51.100.7"}, DeliveredAt: now.Add(-20 * 24 * time.Hour),
		BuyerOrders: 3, BuyerFirstOrderAt: now.Add(-400 * 24 * time.Hour), BuyerDeniedClaims: 2, DeviceMailboxes: 5,
		ClaimUserAgent: "python-requests/2.31"}
	seen := map[string]string{}
	for _, kind := range []fraud.ClaimKind{fraud.ClaimInvalid, fraud.ClaimMissing, fraud.ClaimRefund} {
		s := base
		s.Kind = kind
		for _, h := range fraud.Assess(s, fraud.DefaultThresholds()).Hits {
			seen[h.Reason] = h.Rule
		}
		clean := base // a buyer with a long clean history
		clean.Kind, clean.ClaimsByEmail30d, clean.ClaimsByEmail90d, clean.BuyerDeniedClaims, clean.BuyerOrders = kind, 0, 0, 0, 12
		for _, h := range fraud.Assess(clean, fraud.DefaultThresholds()).Hits {
			seen[h.Reason] = h.Rule
		}
	}
	reasons := []string{}
	for r := range seen {
		reasons = append(reasons, r)
	}
	if len(reasons) < 15 {
		t.Fatalf("only %d rule details fired: %q", len(reasons), reasons)
	}
	_, srv := startFake(t)
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "a zh page", bt.SetLang(srv, "zh-CN"), chromedp.Navigate(srv+"/support/demo"), bt.WaitJS(`!!window.KD`))
	raw, _ := json.Marshal(reasons)
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(`%s.map(r => KD.fraudDetail(r))`, raw)))
	if err != nil {
		t.Fatal(err)
	}
	english := func(s string) bool {
		for _, w := range []string{" the ", " this ", " buyer", " key ", " order", " claim", " days", " times"} {
			if strings.Contains(" "+s+" ", w) {
				return true
			}
		}
		return false
	}
	for i, r := range reasons {
		if seen[r] == "linked_claimants" || strings.Contains(r, "linked to this claimant") {
			continue
		}
		if out[i] == r || english(out[i]) {
			t.Errorf("rule %s: detail not in Chinese: %q → %q", seen[r], r, out[i])
		}
	}
	t.Logf("%d rule details checked", len(reasons))
}

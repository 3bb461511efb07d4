package fraud

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 11, 3, 14, 5, 0, 0, time.UTC)

// revealed returns signals of the given kind whose key was first revealed d before the claim.
func revealed(kind ClaimKind, d time.Duration) Signals {
	return Signals{Kind: kind, KeyRevealed: true, FirstRevealAt: t0, ClaimAt: t0.Add(d)}
}

// strangerClaimAfter is a key-invalid claim d after the reveal from a device and network the
// buyer never used, in the buyer's words text.
func strangerClaimAfter(d time.Duration, text string) Signals {
	s := revealed(ClaimInvalid, d)
	s.DeviceID, s.KnownDevices, s.ClaimIP, s.OrderIP, s.RevealIPs = "kd-2", []string{"kd-1"}, "203.0.113.5", "198.51.100.5", []string{"198.51.100.9"}
	s.TextFlags = ClaimTextFlags(text)
	return s
}

// pointsOf returns the points of the named rule in a, and whether it fired.
func pointsOf(a Assessment, rule string) (int, bool) {
	for _, h := range a.Hits {
		if h.Rule == rule {
			return h.Points, true
		}
	}
	return 0, false
}

func TestThresholdsValidate(t *testing.T) {
	tests := []struct {
		name    string
		th      Thresholds
		wantErr string
	}{
		{"defaults", DefaultThresholds(), ""},
		{"tight", Thresholds{Review: 1, Deny: 2}, ""},
		{"deny at 100", Thresholds{Review: 99, Deny: 100}, ""},
		{"zero value", Thresholds{}, "review threshold must be greater than 0"},
		{"negative review", Thresholds{Review: -1, Deny: 50}, "greater than 0"},
		{"review equals deny", Thresholds{Review: 50, Deny: 50}, "must be lower than deny"},
		{"review above deny", Thresholds{Review: 80, Deny: 70}, "must be lower than deny"},
		{"deny above 100", Thresholds{Review: 30, Deny: 101}, "at most 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.th.Validate()
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidThresholds)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestDefaultThresholds(t *testing.T) {
	assert.Equal(t, Thresholds{Review: 30, Deny: 70}, DefaultThresholds())
}

func TestDecideBoundaries(t *testing.T) {
	tests := []struct {
		th    Thresholds
		score int
		want  Decision
	}{
		{DefaultThresholds(), 0, Allow},
		{DefaultThresholds(), 29, Allow},
		{DefaultThresholds(), 30, Review},
		{DefaultThresholds(), 69, Review},
		{DefaultThresholds(), 70, Deny},
		{DefaultThresholds(), 100, Deny},
		{Thresholds{Review: 50, Deny: 90}, 49, Allow},
		{Thresholds{Review: 50, Deny: 90}, 50, Review},
		{Thresholds{Review: 50, Deny: 90}, 89, Review},
		{Thresholds{Review: 50, Deny: 90}, 90, Deny},
		{Thresholds{Review: 99, Deny: 100}, 100, Deny},
		// Invalid thresholds fall back to the defaults.
		{Thresholds{}, 29, Allow},
		{Thresholds{}, 30, Review},
		{Thresholds{Review: 80, Deny: 20}, 70, Deny},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.th.Decide(tt.score), "thresholds %+v score %d", tt.th, tt.score)
	}
}

// TestAssessBoundaries drives Assess itself to the exact boundary scores.
func TestAssessBoundaries(t *testing.T) {
	tests := []struct {
		name  string
		s     Signals
		score int
		want  Decision
	}{
		{
			// repeat_claims 20 + repeat_claims_ip 9
			name:  "29 allow",
			s:     Signals{Kind: ClaimInvalid, ClaimsByDevice30d: 1, ClaimsByDevice90d: 1, ClaimsByIP90d: 9},
			score: 29, want: Allow,
		},
		{
			// disposable_email 25 + repeat_claims_ip 4: under the review line, but a throwaway
			// mailbox sends the claim to a person whatever its score
			name:  "29 review by the throwaway floor",
			s:     Signals{Kind: ClaimInvalid, EmailDisposable: true, EmailDomain: "yopmail.com", ClaimsByIP90d: 4},
			score: 29, want: Review,
		},
		{
			// prior_denied_claims 20 alone
			name:  "20 review by the denied-before floor",
			s:     Signals{Kind: ClaimInvalid, BuyerDeniedClaims: 1},
			score: 20, want: Review,
		},
		{
			name:  "30 review",
			s:     Signals{Kind: ClaimInvalid, RefundsByEmail90d: 3},
			score: 30, want: Review,
		},
		{
			// claim_text_already_used 45 + repeat_claims 12+8 + repeat_claims_ip 4
			name: "69 review",
			s: Signals{Kind: ClaimInvalid, TextFlags: []string{TextAlreadyUsed}, ClaimsByDevice30d: 1, ClaimsByDevice90d: 1,
				ClaimsByIP90d: 4},
			score: 69, want: Review,
		},
		{
			// a chargeback by this email or device: 70 on its own
			name:  "70 deny",
			s:     Signals{Kind: ClaimInvalid, Chargebacks: 1},
			score: 70, want: Deny,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Assess(tt.s, DefaultThresholds())
			assert.Equal(t, tt.score, a.Score, "hits: %+v", a.Hits)
			assert.Equal(t, tt.want, a.Decision)
		})
	}
}

func TestRules(t *testing.T) {
	tests := []struct {
		name   string
		rule   string
		s      Signals
		points int // 0: the rule must not fire
		reason string
	}{
		// claimed_missing_after_reveal
		{"missing, revealed", RuleMissingAfterReveal, revealed(ClaimMissing, time.Hour), 50, "revealed to them on 2026-11-03 14:05 UTC"},
		{"missing, revealed, time unknown", RuleMissingAfterReveal, Signals{Kind: ClaimMissing, KeyRevealed: true}, 50, "never arrived"},
		{"missing, not revealed", RuleMissingAfterReveal, Signals{Kind: ClaimMissing}, 0, ""},
		{"invalid, revealed", RuleMissingAfterReveal, revealed(ClaimInvalid, time.Hour), 0, ""},

		// chargeback_history
		{"no chargebacks", RuleChargebacks, Signals{Kind: ClaimInvalid}, 0, ""},
		{"1 chargeback", RuleChargebacks, Signals{Kind: ClaimInvalid, Chargebacks: 1}, 70, "1 chargeback on record"},
		{"2 chargebacks", RuleChargebacks, Signals{Kind: ClaimMissing, Chargebacks: 2}, 85, "2 chargebacks"},
		{"3 chargebacks", RuleChargebacks, Signals{Kind: ClaimRefund, Chargebacks: 3}, 85, ""},
		{"10 chargebacks capped", RuleChargebacks, Signals{Chargebacks: 10}, 85, ""},
		{"chargeback from the same IP", RuleChargebackSameIP, Signals{ChargebacksSameIP: 1}, 30, "1 chargeback on orders paid from this claim's IP"},
		{"same IP, but one by email too", RuleChargebackSameIP, Signals{ChargebacksSameIP: 2, Chargebacks: 1}, 0, ""},

		// repeat_claims
		{"first claim", RuleRepeatClaims, Signals{Kind: ClaimInvalid}, 0, ""},
		{"1 in 30d", RuleRepeatClaims, Signals{Kind: ClaimInvalid, ClaimsByEmail30d: 1, ClaimsByEmail90d: 1}, 20, "1 earlier claim in the last 30 days"},
		{"1 in 90d only", RuleRepeatClaims, Signals{Kind: ClaimInvalid, ClaimsByEmail90d: 1}, 8, ""},
		{"2 in 30d", RuleRepeatClaims, Signals{Kind: ClaimInvalid, ClaimsByEmail30d: 2, ClaimsByEmail90d: 2}, 40, "2 earlier claims"},
		{"device beats email", RuleRepeatClaims, Signals{Kind: ClaimMissing, ClaimsByEmail30d: 0, ClaimsByDevice30d: 3, ClaimsByDevice90d: 3}, 60, "by device: 3 and 3"},
		{"90d count below 30d count", RuleRepeatClaims, Signals{Kind: ClaimRefund, ClaimsByEmail30d: 2}, 40, ""},
		{"capped", RuleRepeatClaims, Signals{Kind: ClaimInvalid, ClaimsByEmail30d: 9, ClaimsByEmail90d: 20}, 60, ""},

		// repeat_claims_ip
		{"ip 1 in 30d", RuleRepeatClaimsIP, Signals{Kind: ClaimInvalid, ClaimsByIP30d: 1, ClaimsByIP90d: 1}, 4, "same IP address"},
		{"ip 2 in 90d", RuleRepeatClaimsIP, Signals{Kind: ClaimInvalid, ClaimsByIP90d: 2}, 2, ""},
		{"ip capped", RuleRepeatClaimsIP, Signals{Kind: ClaimInvalid, ClaimsByIP30d: 10, ClaimsByIP90d: 10}, 15, ""},
		{"ip none", RuleRepeatClaimsIP, Signals{Kind: ClaimInvalid, ClaimsByEmail30d: 3}, 0, ""},

		// prior_reissues
		{"1 reissue", RulePriorReissues, Signals{Kind: ClaimInvalid, ReissuesByEmail90d: 1}, 10, "1 replacement key"},
		{"2 reissues", RulePriorReissues, Signals{Kind: ClaimMissing, ReissuesByEmail90d: 2}, 20, "2 replacement keys"},
		{"5 reissues capped", RulePriorReissues, Signals{Kind: ClaimRefund, ReissuesByEmail90d: 5}, 30, ""},

		// prior_refunds
		{"1 refund", RulePriorRefunds, Signals{Kind: ClaimRefund, RefundsByEmail90d: 1}, 10, "1 refund in the last 90 days"},
		{"4 refunds capped", RulePriorRefunds, Signals{Kind: ClaimInvalid, RefundsByEmail90d: 4}, 30, "4 refunds"},

		// late_invalid_claim
		{"invalid after 5 minutes", RuleLateInvalidClaim, revealed(ClaimInvalid, 5*time.Minute), 0, ""},
		{"invalid after 23h59m", RuleLateInvalidClaim, revealed(ClaimInvalid, 24*time.Hour-time.Minute), 0, ""},
		{"invalid after 24h", RuleLateInvalidClaim, revealed(ClaimInvalid, 24*time.Hour), 10, "24 hours after"},
		{"invalid after 6 days", RuleLateInvalidClaim, revealed(ClaimInvalid, 6*24*time.Hour), 10, "6 days"},
		{"invalid after 7 days", RuleLateInvalidClaim, revealed(ClaimInvalid, 7*24*time.Hour), 25, "7 days"},
		{"invalid after 30 days", RuleLateInvalidClaim, revealed(ClaimInvalid, 30*24*time.Hour), 35, "30 days"},
		{"invalid, claim before reveal (clock skew)", RuleLateInvalidClaim, revealed(ClaimInvalid, -48*time.Hour), 0, ""},
		{"invalid, claim time unknown", RuleLateInvalidClaim, Signals{Kind: ClaimInvalid, KeyRevealed: true, FirstRevealAt: t0}, 0, ""},
		{"invalid, never revealed", RuleLateInvalidClaim, Signals{Kind: ClaimInvalid, FirstRevealAt: t0, ClaimAt: t0.Add(40 * 24 * time.Hour)}, 0, ""},
		{"missing after 30 days", RuleLateInvalidClaim, revealed(ClaimMissing, 30*24*time.Hour), 0, ""},

		// refund_after_reveal
		{"refund, revealed", RuleRefundAfterReveal, revealed(ClaimRefund, time.Minute), 25, "may already have been redeemed"},
		{"refund, not revealed", RuleRefundAfterReveal, Signals{Kind: ClaimRefund}, 0, ""},
		{"invalid, revealed", RuleRefundAfterReveal, revealed(ClaimInvalid, time.Minute), 0, ""},

		// claim_ip_differs_from_order
		{"same /24", RuleIPMismatch, Signals{ClaimIP: "203.0.113.7", OrderIP: "203.0.113.200"}, 0, ""},
		{"different /24", RuleIPMismatch, Signals{ClaimIP: "203.0.113.7", OrderIP: "203.0.114.7"}, 5, "network 203.0.113.0/24 but the order was paid from network 203.0.114.0/24"},
		{"same /48", RuleIPMismatch, Signals{ClaimIP: "2001:db8:1:aa::1", OrderIP: "2001:db8:1:bb::2"}, 0, ""},
		{"different /48", RuleIPMismatch, Signals{ClaimIP: "2001:db8:1::1", OrderIP: "2001:db8:2::1"}, 5, "2001:db8:1::/48"},
		{"mapped v4 equals v4", RuleIPMismatch, Signals{ClaimIP: "::ffff:203.0.113.9", OrderIP: "203.0.113.1"}, 0, ""},
		{"mapped v4 differs", RuleIPMismatch, Signals{ClaimIP: "::ffff:198.51.100.9", OrderIP: "203.0.113.1"}, 5, ""},
		{"v4 vs v6 not compared", RuleIPMismatch, Signals{ClaimIP: "203.0.113.7", OrderIP: "2001:db8::1"}, 0, ""},
		{"claim IP unknown", RuleIPMismatch, Signals{OrderIP: "203.0.113.7"}, 0, ""},
		{"garbage IP", RuleIPMismatch, Signals{ClaimIP: "not an ip", OrderIP: "203.0.113.7"}, 0, ""},
		{"zoned v6", RuleIPMismatch, Signals{ClaimIP: "fe80::1%eth0", OrderIP: "fe80::2"}, 0, ""},

		// order_above_norm
		{"at norm", RuleOrderAboveNorm, Signals{OrderAmount: 1000, ProductNormAmount: 1000}, 0, ""},
		{"2.9x norm", RuleOrderAboveNorm, Signals{OrderAmount: 2999, ProductNormAmount: 1000}, 0, ""},
		{"3x norm", RuleOrderAboveNorm, Signals{OrderAmount: 3000, ProductNormAmount: 1000}, 10, "3 times"},
		{"10x norm", RuleOrderAboveNorm, Signals{OrderAmount: 10000, ProductNormAmount: 1000}, 20, "10 times"},
		{"no norm", RuleOrderAboveNorm, Signals{OrderAmount: 1 << 40}, 0, ""},
		{"huge amounts do not overflow", RuleOrderAboveNorm, Signals{OrderAmount: 1<<62 + 5, ProductNormAmount: 1 << 61}, 0, ""},

		// order_velocity
		{"4 orders", RuleOrderVelocity, Signals{OrdersByEmail24h: 4}, 0, ""},
		{"5 orders", RuleOrderVelocity, Signals{OrdersByEmail24h: 5}, 10, "5 orders within 24 hours"},
		{"10 orders", RuleOrderVelocity, Signals{OrdersByEmail24h: 10}, 15, ""},
		{"20 orders", RuleOrderVelocity, Signals{OrdersByEmail24h: 20}, 20, ""},
		{"5 orders, all of the buyer's history today", RuleOrderVelocity, Signals{OrdersByEmail24h: 5, BuyerFirstOrderAt: t0.Add(-time.Hour), ClaimAt: t0}, 30, "a new buyer's first day"},
		{"5 orders by a buyer since last month", RuleOrderVelocity, Signals{OrdersByEmail24h: 5, BuyerFirstOrderAt: t0.Add(-30 * 24 * time.Hour), ClaimAt: t0}, 10, ""},
		{"4 orders, new buyer (2026-12.15)", RuleOrderVelocity, Signals{OrdersByEmail24h: 4, BuyerFirstOrderAt: t0.Add(-time.Hour), ClaimAt: t0}, 30, "placed 4 orders within 24 hours and none before"},
		{"3 orders, new buyer (2026-12.15)", RuleOrderVelocity, Signals{OrdersByEmail24h: 3, BuyerFirstOrderAt: t0.Add(-time.Hour), ClaimAt: t0}, 30, "a new buyer's first day"},
		{"2 orders, new buyer", RuleOrderVelocity, Signals{OrdersByEmail24h: 2, BuyerFirstOrderAt: t0.Add(-time.Hour), ClaimAt: t0}, 0, ""},
		{"4 orders by a buyer since last month", RuleOrderVelocity, Signals{OrdersByEmail24h: 4, BuyerFirstOrderAt: t0.Add(-30 * 24 * time.Hour), ClaimAt: t0}, 0, ""},

		// batch_invalid_reports (negative)
		{"batch 1", RuleBatchInvalid, Signals{Kind: ClaimInvalid, BatchInvalidReports: 1}, -10, "1 other buyer reported"},
		{"batch 2", RuleBatchInvalid, Signals{Kind: ClaimInvalid, BatchInvalidReports: 2}, -15, "2 other buyers"},
		{"batch 5", RuleBatchInvalid, Signals{Kind: ClaimRefund, BatchInvalidReports: 5}, -30, "quarantining the batch"},
		{"batch 50 floored", RuleBatchInvalid, Signals{Kind: ClaimInvalid, BatchInvalidReports: 50}, -30, ""},
		{"batch, missing claim", RuleBatchInvalid, Signals{Kind: ClaimMissing, BatchInvalidReports: 5}, 0, ""},
		{"batch, unknown kind", RuleBatchInvalid, Signals{BatchInvalidReports: 5}, 0, ""},

		// 2026-12.1 rules (issue 12)
		{"order replaced once", RuleOrderAlreadyReplaced, Signals{Kind: ClaimInvalid, OrderReplacements: 1}, 30, "1 replacement key (delivered or pending)"},
		{"order not yet replaced", RuleOrderAlreadyReplaced, Signals{Kind: ClaimInvalid}, 0, ""},
		{"order under a limit of 2", RuleOrderAlreadyReplaced, Signals{Kind: ClaimMissing, OrderReplacements: 1, AutoReissueLimit: 2}, 0, ""},
		{"order at a limit of 2", RuleOrderAlreadyReplaced, Signals{Kind: ClaimMissing, OrderReplacements: 2, AutoReissueLimit: 2}, 30, "at most 2"},
		{"same order claimed", RuleRepeatClaimSameOrder, Signals{OrderClaims: 2}, 15, "2 other claims were"},
		{"same order, already replaced", RuleRepeatClaimSameOrder, Signals{Kind: ClaimInvalid, OrderClaims: 1, OrderReplacements: 1}, 0, ""},
		{"same order replaced, refund claim", RuleRepeatClaimSameOrder, Signals{Kind: ClaimRefund, OrderClaims: 1, OrderReplacements: 1}, 15, ""},
		{"chargeback threat", RuleTextChargeback, Signals{TextFlags: ClaimTextFlags("fix it or I will do a chargeback")}, 30, "chargeback"},
		{"chargeback threat zh", RuleTextChargeback, Signals{TextFlags: ClaimTextFlags("不处理我就去银行拒付")}, 30, ""},
		{"no threat", RuleTextChargeback, Signals{TextFlags: ClaimTextFlags("the key says invalid")}, 0, ""},
		{"new address", RuleTextNewAddress, Signals{TextFlags: ClaimTextFlags("please send it to my new email x@y.z")}, 30, "new or different address"},
		{"new address zh", RuleTextNewAddress, Signals{TextFlags: ClaimTextFlags("请发到我的新邮箱")}, 30, ""},
		{"already used", RuleTextAlreadyUsed, Signals{Kind: ClaimInvalid, TextFlags: ClaimTextFlags("I already used it but now it is gone")}, 45, "already used"},
		{"already used zh", RuleTextAlreadyUsed, Signals{Kind: ClaimInvalid, TextFlags: ClaimTextFlags("这个码我已经用了一次")}, 45, ""},
		{"already used, missing claim", RuleTextAlreadyUsed, Signals{Kind: ClaimMissing, TextFlags: []string{TextAlreadyUsed}}, 0, ""},
		{"reported used 3 days after the reveal", RuleUsedLongAfterReveal, Signals{Kind: ClaimInvalid, TextFlags: ClaimTextFlags("兑换说已被使用"), KeyRevealed: true, FirstRevealAt: t0.Add(-72 * time.Hour), ClaimAt: t0}, 10, "3 days after"},
		{"reported used minutes after the reveal", RuleUsedLongAfterReveal, Signals{Kind: ClaimInvalid, TextFlags: ClaimTextFlags("says already used, I just bought it"), KeyRevealed: true, FirstRevealAt: t0.Add(-5 * time.Minute), ClaimAt: t0}, 0, ""},
		{"a day later, no such words", RuleUsedLongAfterReveal, Signals{Kind: ClaimInvalid, TextFlags: ClaimTextFlags("the key is invalid"), KeyRevealed: true, FirstRevealAt: t0.Add(-72 * time.Hour), ClaimAt: t0}, 0, ""},
		{"used after a reveal elsewhere", RuleUsedAfterStrangeReveal, Signals{Kind: ClaimInvalid, TextFlags: ClaimTextFlags("兑换显示已使用，我还没用过"), OrderIP: "198.51.100.5", ClaimIP: "198.51.100.9", RevealIPs: []string{"198.51.100.5", "203.0.113.7"}}, 10, "did not buy or claim from"},
		{"used, revealed where the claim comes from", RuleUsedAfterStrangeReveal, Signals{Kind: ClaimInvalid, TextFlags: ClaimTextFlags("code already used"), OrderIP: "198.51.100.5", ClaimIP: "203.0.113.9", RevealIPs: []string{"203.0.113.7"}}, 0, ""},
		{"invalid (not used) after a reveal elsewhere: a gift", RuleUsedAfterStrangeReveal, Signals{Kind: ClaimInvalid, TextFlags: ClaimTextFlags("my friend says the code is invalid"), OrderIP: "198.51.100.5", ClaimIP: "198.51.100.9", RevealIPs: []string{"203.0.113.7"}}, 0, ""},
		{"used, purchase network unknown", RuleUsedAfterStrangeReveal, Signals{Kind: ClaimInvalid, TextFlags: ClaimTextFlags("code already used"), ClaimIP: "198.51.100.9", RevealIPs: []string{"203.0.113.7"}}, 0, ""},
		{"used, revealed on a private address", RuleUsedAfterStrangeReveal, Signals{Kind: ClaimInvalid, TextFlags: ClaimTextFlags("code already used"), OrderIP: "198.51.100.5", ClaimIP: "198.51.100.9", RevealIPs: []string{"10.0.0.7"}}, 0, ""},
		{"used after a reveal elsewhere, missing claim", RuleUsedAfterStrangeReveal, Signals{Kind: ClaimMissing, TextFlags: []string{TextReportedUsed}, OrderIP: "198.51.100.5", RevealIPs: []string{"203.0.113.7"}}, 0, ""},
		{"two earlier claims in five orders", RuleFrequentClaimant, Signals{Kind: ClaimInvalid, BuyerClaimsEver: 2, BuyerOrders: 5}, 1, "2 claims before, over 5 orders"},
		{"one earlier claim", RuleFrequentClaimant, Signals{Kind: ClaimInvalid, BuyerClaimsEver: 1, BuyerOrders: 2}, 0, ""},
		{"two claims in forty orders: a heavy buyer", RuleFrequentClaimant, Signals{Kind: ClaimMissing, BuyerClaimsEver: 2, BuyerOrders: 40}, 0, ""},
		{"two claims in twenty orders", RuleFrequentClaimant, Signals{Kind: ClaimMissing, BuyerClaimsEver: 2, BuyerOrders: 20}, 1, ""},
		{"frequent claimant, refund claim", RuleFrequentClaimant, Signals{Kind: ClaimRefund, BuyerClaimsEver: 3, BuyerOrders: 3}, 0, ""},
		{"region lock", RuleRegionLocked, Signals{Kind: ClaimInvalid, TextFlags: ClaimTextFlags("Activation failed: This product is not available in your region")}, 5, "region"},
		{"region lock zh", RuleRegionLocked, Signals{Kind: ClaimInvalid, TextFlags: ClaimTextFlags("兑换提示锁区，国区用不了")}, 5, ""},
		{"region lock, missing claim", RuleRegionLocked, Signals{Kind: ClaimMissing, TextFlags: []string{TextRegionLocked}}, 0, ""},
		{"disposable", RuleDisposableEmail, Signals{EmailDomain: "mailinator.com", EmailDisposable: true}, 25, "mailinator.com"},
		{"cluster of 2 claims", RuleLinkedCluster, Signals{ClusterMailboxes: 2, ClusterClaims90d: 2, ClusterReplacement: 1, ClusterLinks: []string{"ip"}}, 34, "2 other mailboxes linked to this claimant (by ip)"},
		{"network-only cluster", RuleLinkedCluster, Signals{ClusterMailboxes: 2, ClusterNetClaims: 2, ClusterNetReplacements: 2, ClusterLinks: []string{"network"}}, 22, "2 claims by network only"},
		{"device-linked replacements only", RuleLinkedCluster, Signals{ClusterMailboxes: 1, ClusterReplacement: 1, ClusterLinks: []string{"device"}}, 10, "1 replacement key given"},
		{"cluster capped", RuleLinkedCluster, Signals{ClusterMailboxes: 5, ClusterClaims90d: 9, ClusterReplacement: 9}, 60, ""},
		{"cluster without claims", RuleLinkedCluster, Signals{ClusterMailboxes: 3}, 0, ""},
		{"device 2 mailboxes", RuleSharedDevice, Signals{DeviceMailboxes: 2}, 0, ""},
		{"device 3 mailboxes", RuleSharedDevice, Signals{DeviceMailboxes: 3}, 30, "3 different mailboxes"},
		{"device 6 mailboxes", RuleSharedDevice, Signals{DeviceMailboxes: 6}, 40, ""},
		{"order device 4 mailboxes", RuleSharedDevice, Signals{DeviceMailboxes: 1, OrderDeviceMailboxes: 4}, 30, "the device this order was bought from"},
		{"claimant not buyer", RuleClaimantNotBuyer, Signals{Kind: ClaimInvalid, DeviceID: "kd-2", KnownDevices: []string{"kd-1"}, ClaimIP: "203.0.113.5", OrderIP: "198.51.100.5", RevealIPs: []string{"198.51.100.9"}}, 25, "did not use"},
		{"claimant not buyer, key never revealed", RuleClaimantNotBuyer, Signals{Kind: ClaimMissing, DeviceID: "kd-2", KnownDevices: []string{"kd-1"}, ClaimIP: "203.0.113.5", OrderIP: "198.51.100.5"}, 20, "only go to the order's mailbox"},
		{"claimant not buyer, key revealed (flag only)", RuleClaimantNotBuyer, Signals{Kind: ClaimInvalid, DeviceID: "kd-2", KnownDevices: []string{"kd-1"}, ClaimIP: "203.0.113.5", OrderIP: "198.51.100.5", KeyRevealed: true}, 25, "did not use"},
		{"claimant not buyer, says it is a new phone", RuleClaimantNotBuyer, Signals{Kind: ClaimInvalid, DeviceID: "kd-2", KnownDevices: []string{"kd-1"}, ClaimIP: "203.0.113.5", OrderIP: "198.51.100.5", RevealIPs: []string{"198.51.100.9"}, TextFlags: ClaimTextFlags("换了新手机 码显示无效")}, 20, "the buyer says why"},
		{"claimant not buyer, a gift claimed three days after the reveal", RuleClaimantNotBuyer, strangerClaimAfter(72*time.Hour, "妈妈帮我买的win11，激活提示密钥无效"), 10, "the key was passed on"},
		{"claimant not buyer, terse, three days after the reveal", RuleClaimantNotBuyer, strangerClaimAfter(72*time.Hour, "激活码提示不存在，麻烦换一个"), 25, ""},
		{"claimant not buyer, a gift claimed ten days after the reveal", RuleClaimantNotBuyer, strangerClaimAfter(240*time.Hour, "my dad bought this gift card for my birthday, it says invalid"), 20, "the buyer says why"},
		{"claimant revealed from here", RuleClaimantNotBuyer, Signals{Kind: ClaimInvalid, DeviceID: "kd-2", KnownDevices: []string{"kd-1"}, ClaimIP: "203.0.113.5", OrderIP: "198.51.100.5", RevealIPs: []string{"203.0.113.77"}}, 0, ""},
		{"claimant on a known device", RuleClaimantNotBuyer, Signals{Kind: ClaimInvalid, DeviceID: "kd-1", KnownDevices: []string{"kd-3", "kd-1"}, ClaimIP: "203.0.113.5", OrderIP: "198.51.100.5"}, 0, ""},
		{"no known device (shop's own id only)", RuleClaimantNotBuyer, Signals{Kind: ClaimInvalid, DeviceID: "kd-2", OrderDeviceID: "shop-fp-1", ClaimIP: "203.0.113.5", OrderIP: "198.51.100.5"}, 0, ""},
		{"late expensive", RuleLateExpensive, func() Signals {
			s := revealed(ClaimInvalid, 9*24*time.Hour)
			s.OrderAmount, s.MerchantMedianAmount = 50000, 5000
			return s
		}(), 20, "9 days"},
		{"late cheap", RuleLateExpensive, func() Signals {
			s := revealed(ClaimInvalid, 9*24*time.Hour)
			s.OrderAmount, s.MerchantMedianAmount = 5000, 5000
			return s
		}(), 0, ""},
		{"fresh expensive", RuleLateExpensive, func() Signals {
			s := revealed(ClaimInvalid, time.Hour)
			s.OrderAmount, s.HighValueAmount = 50000, 20000
			return s
		}(), 0, ""},
		{"one key of forty failed: one key's value", RuleAboveMedian, Signals{OrderAmount: 40000, OrderQuantity: 40, ProductMedianAmount: 1000, TextFlags: ClaimTextFlags("40个激活了39个，第23个提示无效")}, 0, ""},
		{"six keys of thirty failed", RuleAboveMedian, Signals{OrderAmount: 30000, OrderQuantity: 30, ProductMedianAmount: 1000, TextFlags: ClaimTextFlags("6 of the 30 keys are invalid")}, 30, "30 times"},
		{"5x median", RuleAboveMedian, Signals{OrderAmount: 5000, ProductMedianAmount: 1000, BuyerOrders: 4}, 10, "5 times the median"},
		{"10x median", RuleAboveMedian, Signals{OrderAmount: 10000, ProductMedianAmount: 1000, BuyerOrders: 4}, 30, "10 times the median"},
		{"9x median", RuleAboveMedian, Signals{OrderAmount: 9999, ProductMedianAmount: 1000, BuyerOrders: 2}, 10, "9 times the median"},
		{"4x median", RuleAboveMedian, Signals{OrderAmount: 4999, ProductMedianAmount: 1000, BuyerOrders: 4}, 0, ""},
		{"5x median, the buyer's first order", RuleAboveMedian, Signals{OrderAmount: 5000, ProductMedianAmount: 1000, BuyerOrders: 1}, 30, "first order is worth 5 times"},
		{"4x median, first order", RuleAboveMedian, Signals{OrderAmount: 4999, ProductMedianAmount: 1000, BuyerOrders: 1}, 0, ""},
		{"10x median, the buyer paid as much before", RuleAboveMedian, Signals{OrderAmount: 10000, OrderQuantity: 1, ProductMedianAmount: 1000, BuyerOrders: 7, BuyerMaxOtherAmount: 10000}, 0, ""},
		{"10x median, the buyer paid half as much before", RuleAboveMedian, Signals{OrderAmount: 10000, OrderQuantity: 1, ProductMedianAmount: 1000, BuyerOrders: 3, BuyerMaxOtherAmount: 5000}, 0, ""},
		{"a bulk lot of 30, the buyer bought 20 before", RuleAboveMedian, Signals{OrderAmount: 30000, OrderQuantity: 30, ProductMedianAmount: 1000, BuyerOrders: 3, BuyerMaxOtherAmount: 20000}, 30, "30 times the median"},
		{"10x median, the buyer's other orders were small", RuleAboveMedian, Signals{OrderAmount: 10000, ProductMedianAmount: 1000, BuyerOrders: 3, BuyerMaxOtherAmount: 4999}, 30, "10 times the median"},
		{"tenure", RuleTenureCredit, Signals{ClaimAt: t0, BuyerOrders: 4, BuyerFirstOrderAt: t0.Add(-100 * 24 * time.Hour)}, -15, "4 orders since"},
		{"long tenure", RuleTenureCredit, Signals{ClaimAt: t0, BuyerOrders: 12, BuyerClaimsEver: 2, BuyerFirstOrderAt: t0.Add(-400 * 24 * time.Hour)}, -25, "2 earlier claims"},
		{"tenure, too many claims", RuleTenureCredit, Signals{ClaimAt: t0, BuyerOrders: 4, BuyerClaimsEver: 1, BuyerFirstOrderAt: t0.Add(-100 * 24 * time.Hour)}, 0, ""},
		{"tenure, chargeback", RuleTenureCredit, Signals{ClaimAt: t0, BuyerOrders: 12, Chargebacks: 1, BuyerFirstOrderAt: t0.Add(-400 * 24 * time.Hour)}, 0, ""},
		{"tenure, new buyer", RuleTenureCredit, Signals{ClaimAt: t0, BuyerOrders: 4, BuyerFirstOrderAt: t0.Add(-10 * 24 * time.Hour)}, 0, ""},
		{"denied once", RulePriorDenied, Signals{BuyerDeniedClaims: 1}, 20, "1 claim was"},
		{"denied thrice", RulePriorDenied, Signals{BuyerDeniedClaims: 3}, 40, ""},
		{"revealed 3 times", RuleRevealedOften, Signals{Kind: ClaimInvalid, RevealCount: 3}, 10, "3 times"},
		{"revealed twice", RuleRevealedOften, Signals{Kind: ClaimInvalid, RevealCount: 2}, 0, ""},
		{"missing after 20 days", RuleMissingLongAfter, Signals{Kind: ClaimMissing, ClaimAt: t0, DeliveredAt: t0.Add(-20 * 24 * time.Hour)}, 10, "20 days"},
		{"missing same day", RuleMissingLongAfter, Signals{Kind: ClaimMissing, ClaimAt: t0, DeliveredAt: t0.Add(-2 * time.Hour)}, 0, ""},
		{"order refunded in full", RuleRefundedOrder, Signals{Kind: ClaimInvalid, OrderAmount: 2500, OrderRefunded: 2500}, 70, "refunded in full"},
		{"order refunded, amount unknown", RuleRefundedOrder, Signals{Kind: ClaimMissing, OrderRefunded: 100}, 70, "refunded in full"},
		{"order partly refunded", RuleRefundedOrder, Signals{Kind: ClaimMissing, OrderAmount: 3000, OrderRefunded: 1000}, 30, "1000 of the order's 3000"},
		{"order not refunded", RuleRefundedOrder, Signals{Kind: ClaimInvalid, OrderAmount: 3000}, 0, ""},

		// fresh_claim_on_reported_batch (negative)
		{"fresh on bad batch", RuleFreshClaimBadBatch, func() Signals { s := revealed(ClaimInvalid, 12*time.Minute); s.BatchInvalidReports = 2; return s }(), -10, "12 minutes after"},
		{"fresh at the hour", RuleFreshClaimBadBatch, func() Signals { s := revealed(ClaimInvalid, time.Hour); s.BatchInvalidReports = 1; return s }(), -10, ""},
		{"after the hour", RuleFreshClaimBadBatch, func() Signals {
			s := revealed(ClaimInvalid, time.Hour+time.Second)
			s.BatchInvalidReports = 1
			return s
		}(), 0, ""},
		{"fresh, clean batch", RuleFreshClaimBadBatch, revealed(ClaimInvalid, time.Minute), 0, ""},
		{"fresh, refund", RuleFreshClaimBadBatch, func() Signals { s := revealed(ClaimRefund, time.Minute); s.BatchInvalidReports = 1; return s }(), 0, ""},
	}
	known := map[string]bool{}
	for _, r := range Rules() {
		known[r.Name] = true
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.rule+"/"+tt.name, func(t *testing.T) {
			require.True(t, known[tt.rule], "unknown rule %q", tt.rule)
			a := Assess(tt.s, DefaultThresholds())
			got, fired := pointsOf(a, tt.rule)
			if tt.points == 0 {
				assert.False(t, fired, "rule fired with %d points", got)
				return
			}
			covered[tt.rule] = true
			require.True(t, fired, "rule did not fire; hits: %+v", a.Hits)
			assert.Equal(t, tt.points, got)
			for _, h := range a.Hits {
				if h.Rule == tt.rule {
					assert.Contains(t, h.Reason, tt.reason)
				}
			}
		})
	}
	for name := range known {
		assert.True(t, covered[name], "rule %s has no firing test case", name)
	}
}

// TestScenarios checks the intent of the rule set on whole, realistic claims.
func TestScenarios(t *testing.T) {
	tests := []struct {
		name string
		s    Signals
		want Decision
	}{
		{"first-time buyer, key fails minutes after reveal", revealed(ClaimInvalid, 3*time.Minute), Allow},
		{"key fails minutes after reveal on a batch others reported", func() Signals {
			s := revealed(ClaimInvalid, 3*time.Minute)
			s.BatchInvalidReports = 4
			s.ClaimsByEmail30d, s.ClaimsByEmail90d = 1, 1
			return s
		}(), Allow},
		{"claims missing although the key was revealed", revealed(ClaimMissing, 2*time.Hour), Review},
		{"revealed, claims missing, has a chargeback", func() Signals {
			s := revealed(ClaimMissing, 2*time.Hour)
			s.Chargebacks = 1
			return s
		}(), Deny},
		{"repeat claimant on a new email, same device", Signals{Kind: ClaimInvalid,
			ClaimsByDevice30d: 2, ClaimsByDevice90d: 3, ClaimsByIP30d: 2, ClaimsByIP90d: 3}, Review},
		{"serial claimant on a new email, same device", Signals{Kind: ClaimInvalid,
			ClaimsByDevice30d: 3, ClaimsByDevice90d: 5, ClaimsByIP30d: 3, ClaimsByIP90d: 5}, Deny},
		{"serial claimant with replacements already", Signals{Kind: ClaimInvalid,
			ClaimsByEmail30d: 3, ClaimsByEmail90d: 4, ReissuesByEmail90d: 2}, Deny},
		{"invalid a month after reveal", revealed(ClaimInvalid, 31*24*time.Hour), Review},
		{"missing, never revealed, first claim", Signals{Kind: ClaimMissing, ClaimAt: t0}, Allow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Assess(tt.s, DefaultThresholds())
			assert.Equal(t, tt.want, a.Decision, "score %d, hits %+v", a.Score, a.Hits)
		})
	}
}

func TestSharedKeyBlock(t *testing.T) {
	for _, kind := range []ClaimKind{ClaimInvalid, ClaimMissing, ClaimRefund, ""} {
		t.Run(string(kind), func(t *testing.T) {
			s := revealed(kind, 2*time.Minute)
			plain := Assess(s, DefaultThresholds())
			s.SharedKey = true
			a := Assess(s, DefaultThresholds())

			assert.True(t, a.Blocked)
			assert.Equal(t, SharedKeyBlockReason, a.BlockReason)
			assert.False(t, a.AutoReissue(), "a shared key must never be auto-reissued")
			// The block is not a score: score, decision and hits are unchanged.
			assert.Equal(t, plain.Score, a.Score)
			assert.Equal(t, plain.Decision, a.Decision)
			assert.Equal(t, plain.Hits, a.Hits)
			assert.Equal(t, SharedKeyBlockReason, a.Reasons()[0])
		})
	}
	a := Assess(Signals{Kind: ClaimInvalid}, DefaultThresholds())
	assert.False(t, a.Blocked)
	assert.Empty(t, a.BlockReason)
	assert.True(t, a.AutoReissue())
}

func TestAutoReissue(t *testing.T) {
	assert.True(t, Assessment{Decision: Allow}.AutoReissue())
	assert.False(t, Assessment{Decision: Review}.AutoReissue())
	assert.False(t, Assessment{Decision: Deny}.AutoReissue())
	assert.False(t, Assessment{Decision: Allow, Blocked: true}.AutoReissue())
}

func TestClamping(t *testing.T) {
	everything := Signals{
		Kind: ClaimMissing, KeyRevealed: true, FirstRevealAt: t0, ClaimAt: t0.Add(time.Hour),
		Chargebacks: 5, ClaimsByEmail30d: 9, ClaimsByEmail90d: 9, ClaimsByIP30d: 9, ClaimsByIP90d: 9,
		ReissuesByEmail90d: 9, RefundsByEmail90d: 9, OrdersByEmail24h: 50,
		OrderAmount: 100_000, ProductNormAmount: 100, ClaimIP: "203.0.113.1", OrderIP: "198.51.100.1",
	}
	a := Assess(everything, DefaultThresholds())
	sum := 0
	for _, h := range a.Hits {
		sum += h.Points
	}
	assert.Greater(t, sum, 100)
	assert.Equal(t, 100, a.Score)
	assert.Equal(t, Deny, a.Decision)

	onlyMitigation := revealed(ClaimInvalid, 5*time.Minute)
	onlyMitigation.BatchInvalidReports = 20
	a = Assess(onlyMitigation, DefaultThresholds())
	assert.Equal(t, 0, a.Score, "score never goes negative")
	assert.Equal(t, Allow, a.Decision)
	assert.Len(t, a.Hits, 2, "negative hits are still reported")
}

func TestZeroSignals(t *testing.T) {
	a := Assess(Signals{}, DefaultThresholds())
	assert.Equal(t, 0, a.Score)
	assert.Equal(t, Allow, a.Decision)
	assert.NotNil(t, a.Hits)
	assert.Empty(t, a.Hits)
	assert.Equal(t, RulesetVersion, a.RulesetVersion)
	assert.Equal(t, DefaultThresholds(), a.Thresholds)
}

func TestNegativeInputsCountAsZero(t *testing.T) {
	neg := Signals{Kind: ClaimInvalid, ClaimsByEmail30d: -5, ClaimsByEmail90d: -5, ClaimsByIP30d: -3,
		ClaimsByDevice90d: -1, ReissuesByEmail90d: -2, RefundsByEmail90d: -2, Chargebacks: -1,
		BatchInvalidReports: -4, OrdersByEmail24h: -9, OrderAmount: -100, ProductNormAmount: -1}
	a := Assess(neg, DefaultThresholds())
	assert.Equal(t, 0, a.Score)
	assert.Empty(t, a.Hits)
}

func TestInvalidThresholdsFallBack(t *testing.T) {
	s := Signals{Kind: ClaimInvalid, RefundsByEmail90d: 3} // 30 points
	a := Assess(s, Thresholds{Review: 90, Deny: 10})
	assert.Equal(t, DefaultThresholds(), a.Thresholds)
	assert.Equal(t, Review, a.Decision)

	a = Assess(s, Thresholds{Review: 40, Deny: 60})
	assert.Equal(t, Thresholds{Review: 40, Deny: 60}, a.Thresholds)
	assert.Equal(t, Allow, a.Decision)
}

func TestDeterminismAndOrder(t *testing.T) {
	s := Signals{
		Kind: ClaimInvalid, KeyRevealed: true, FirstRevealAt: t0, ClaimAt: t0.Add(8 * 24 * time.Hour),
		ClaimsByEmail30d: 1, ClaimsByEmail90d: 2, ClaimsByIP30d: 1, ClaimsByIP90d: 1,
		ReissuesByEmail90d: 1, RefundsByEmail90d: 1, BatchInvalidReports: 1,
		ClaimIP: "203.0.113.1", OrderIP: "198.51.100.1", OrdersByEmail24h: 5,
	}
	first := Assess(s, DefaultThresholds())
	for range 50 {
		assert.Equal(t, first, Assess(s, DefaultThresholds()))
	}
	// Points descending, then rule name ascending (prior_refunds and prior_reissues both 10).
	var order []string
	for _, h := range first.Hits {
		order = append(order, h.Rule)
	}
	assert.Equal(t, []string{
		RuleRepeatClaims,     // 12 + 16
		RuleLateInvalidClaim, // 25
		RuleOrderVelocity,    // 10
		RulePriorRefunds,     // 10
		RulePriorReissues,    // 10
		RuleIPMismatch,       // 5
		RuleRepeatClaimsIP,   // 4
		RuleBatchInvalid,     // -10
	}, order)
	assert.Equal(t, 82, first.Score)
}

func TestRulesCatalogue(t *testing.T) {
	rules := Rules()
	require.NotEmpty(t, rules)
	seen := map[string]bool{}
	for _, r := range rules {
		assert.False(t, seen[r.Name], "duplicate rule %s", r.Name)
		seen[r.Name] = true
		assert.NotEmpty(t, r.Description, r.Name)
		assert.NotContains(t, r.Description, "%!", "formatting error in %s", r.Name)
		assert.GreaterOrEqual(t, r.MaxPoints, 0, r.Name)
		assert.LessOrEqual(t, r.MinPoints, 0, r.Name)
		assert.True(t, r.MaxPoints > 0 || r.MinPoints < 0, "rule %s can never score", r.Name)
		assert.LessOrEqual(t, r.MaxPoints, MaxScore, r.Name)
		for _, k := range r.Kinds {
			assert.True(t, k.Valid(), "%s: kind %q", r.Name, k)
		}
	}
	// Rules returns a copy.
	rules[0].Name = "changed"
	rules[0].Kinds = append(rules[0].Kinds, "x")
	assert.NotEqual(t, "changed", Rules()[0].Name)
	assert.NotContains(t, Rules()[0].Kinds, ClaimKind("x"))
}

func TestValidKindsAndDecisions(t *testing.T) {
	for _, k := range []ClaimKind{ClaimInvalid, ClaimMissing, ClaimRefund} {
		assert.True(t, k.Valid())
	}
	assert.False(t, ClaimKind("dispute").Valid())
	assert.False(t, ClaimKind("").Valid())
	for _, d := range []Decision{Allow, Review, Deny} {
		assert.True(t, d.Valid())
	}
	assert.False(t, Decision("maybe").Valid())
}

func TestAssessmentJSON(t *testing.T) {
	a := Assess(revealed(ClaimMissing, time.Hour), DefaultThresholds())
	b, err := json.Marshal(a)
	require.NoError(t, err)
	for _, key := range []string{`"score":50`, `"decision":"review"`, `"rule":"claimed_missing_after_reveal"`, `"ruleset_version":"` + RulesetVersion + `"`} {
		assert.Contains(t, string(b), key)
	}
	var back Assessment
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, a, back)
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Second:                 "1 second",
		45 * time.Second:            "45 seconds",
		time.Minute:                 "1 minute",
		59 * time.Minute:            "59 minutes",
		time.Hour:                   "1 hour",
		47 * time.Hour:              "47 hours",
		48 * time.Hour:              "2 days",
		30*24*time.Hour + time.Hour: "30 days",
	} {
		assert.Equal(t, want, humanDuration(d))
	}
	assert.False(t, strings.Contains(humanDuration(0), "-"))
}

func TestStepUpDelivery(t *testing.T) {
	notBuyer := Signals{Kind: ClaimInvalid, DeviceID: "kd-2", KnownDevices: []string{"kd-1"}, ClaimIP: "203.0.113.5", OrderIP: "198.51.100.5"}
	sameNet := notBuyer
	sameNet.ClaimIP = "198.51.100.77"
	for _, tc := range []struct {
		name string
		s    Signals
		want bool
	}{
		{"new device on another network", notBuyer, true},
		{"new device on the purchase network", sameNet, false},
		{"nothing known", Signals{Kind: ClaimInvalid}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := Assess(tc.s, DefaultThresholds())
			assert.Equal(t, tc.want, StepUpDelivery(a.Hits))
		})
	}
	assert.False(t, StepUpDelivery([]Hit{{Rule: RuleClaimantNotBuyer, Points: 0}}), "a rule that did not fire asks for nothing")
}

// TestStrangerOnAnUnrevealedKeyIsServedByMail: a claim from a new device and network on a
// key nobody has seen is allowed and stepped up (the key goes to the order's mailbox), while
// the same claim on a revealed key, or with one more signal, goes to a person.
func TestStrangerOnAnUnrevealedKeyIsServedByMail(t *testing.T) {
	unseen := Signals{Kind: ClaimMissing, DeviceID: "kd-2", KnownDevices: []string{"kd-1"}, ClaimIP: "203.0.113.5", OrderIP: "198.51.100.5"}
	a := Assess(unseen, DefaultThresholds())
	assert.Equal(t, Allow, a.Decision, "hits %+v", a.Hits)
	assert.True(t, StepUpDelivery(a.Hits), "the replacement must go to the order's mailbox")

	seen := unseen
	seen.Kind, seen.KeyRevealed, seen.RevealIPs = ClaimInvalid, true, []string{"198.51.100.9"}
	assert.Equal(t, Review, Assess(seen, DefaultThresholds()).Decision, "a stranger's claim on a revealed key")

	more := unseen
	more.ClaimsByEmail90d = 1
	assert.Equal(t, Review, Assess(more, DefaultThresholds()).Decision, "one more signal")
}

func TestStepUpUnknownDevice(t *testing.T) {
	base := Signals{Kind: ClaimInvalid, ClaimIP: "203.0.113.5", OrderIP: "198.51.100.5"}
	withReveal := base
	withReveal.RevealIPs = []string{"203.0.113.77"}
	known := base
	known.KnownDevices = []string{"kd-1"}
	refund := base
	refund.Kind = ClaimRefund
	private := base
	private.ClaimIP = "192.168.1.5"
	sameNet := base
	sameNet.ClaimIP = "198.51.100.99"
	for _, tc := range []struct {
		name string
		s    Signals
		want bool
	}{
		{"another public network, nothing known", base, true},
		{"revealed from the claim's network", withReveal, false},
		{"a known device decides instead (claimant_not_buyer)", known, false},
		{"refunds deliver no key", refund, false},
		{"private address: nothing to compare", private, false},
		{"purchase network", sameNet, false},
		{"no order address", Signals{Kind: ClaimMissing, ClaimIP: "203.0.113.5"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, StepUpUnknownDevice(tc.s))
		})
	}
}

// TestUserAgentNeverScores: the claim's user agent is kept, never scored — the same claim
// scores the same whatever its user agent says.
func TestUserAgentNeverScores(t *testing.T) {
	s := revealed(ClaimMissing, time.Hour)
	a := Assess(s, DefaultThresholds())
	s.ClaimUserAgent = "curl/8.5.0"
	b := Assess(s, DefaultThresholds())
	assert.Equal(t, a.Score, b.Score)
}

// TestUsedDaysAfterRevealGoesToAPerson: "the redeem page says already used" minutes after the
// reveal is a supplier's double sale and served; days after, a person decides, even for a
// buyer whose clean history earns credit.
func TestUsedDaysAfterRevealGoesToAPerson(t *testing.T) {
	s := Signals{Kind: ClaimInvalid, TextFlags: ClaimTextFlags("刚买的 显示已被使用"), KeyRevealed: true,
		FirstRevealAt: t0.Add(-10 * time.Minute), ClaimAt: t0}
	assert.Equal(t, Allow, Assess(s, DefaultThresholds()).Decision, "minutes after the reveal")
	s.FirstRevealAt = t0.Add(-3 * 24 * time.Hour)
	s.BuyerOrders, s.BuyerFirstOrderAt = 12, t0.Add(-400*24*time.Hour) // tenure credit
	a := Assess(s, DefaultThresholds())
	assert.Equal(t, Review, a.Decision, "three days after the reveal: %+v", a.Hits)
}

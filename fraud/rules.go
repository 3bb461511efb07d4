package fraud

import (
	"fmt"
	"net/netip"
	"time"
)

// RuleInfo describes one rule for the admin settings page.
type RuleInfo struct {
	// Name is the stable rule name used in Hit.Rule.
	Name string `json:"name"`
	// MaxPoints is the most the rule can add to a score (0 for a rule that only lowers it).
	MaxPoints int `json:"max_points"`
	// MinPoints is the most the rule can subtract, as a negative number (0 for a rule
	// that only raises the score).
	MinPoints int `json:"min_points"`
	// Description says in plain English when the rule fires and how it scores.
	Description string `json:"description"`
	// Kinds lists the claim kinds the rule applies to; empty means every kind.
	Kinds []ClaimKind `json:"kinds,omitempty"`
}

// Rule names, as they appear in Hit.Rule and RuleInfo.Name.
const (
	RuleMissingAfterReveal = "claimed_missing_after_reveal"
	RuleChargebacks        = "chargeback_history"
	RuleRepeatClaims       = "repeat_claims"
	RuleRepeatClaimsIP     = "repeat_claims_ip"
	RulePriorReissues      = "prior_reissues"
	RulePriorRefunds       = "prior_refunds"
	RuleLateInvalidClaim   = "late_invalid_claim"
	RuleRefundAfterReveal  = "refund_after_reveal"
	RuleIPMismatch         = "claim_ip_differs_from_order"
	RuleOrderAboveNorm     = "order_above_norm"
	RuleOrderVelocity      = "order_velocity"
	RuleBatchInvalid       = "batch_invalid_reports"
	RuleFreshClaimBadBatch = "fresh_claim_on_reported_batch"
)

// Rules lists every rule (name, points range, description, claim kinds) in evaluation
// order, for the admin settings page. The returned slice is a fresh copy.
func Rules() []RuleInfo {
	out := make([]RuleInfo, len(ruleset))
	for i, r := range ruleset {
		out[i] = RuleInfo{
			Name:        r.name,
			MaxPoints:   r.max,
			MinPoints:   r.min,
			Description: r.desc,
			Kinds:       append([]ClaimKind(nil), r.kinds...),
		}
	}
	return out
}

type rule struct {
	name     string
	max, min int
	kinds    []ClaimKind // empty: all kinds
	desc     string
	// floor, when set, is the least decision a claim gets when the rule fires, whatever
	// mitigations lower the score (for example Review: a person must decide).
	floor Decision
	// eval returns the points (0: the rule does not fire) and the reason.
	eval func(s *Signals) (int, string)
}

func (r rule) applies(k ClaimKind) bool {
	if len(r.kinds) == 0 {
		return true
	}
	for _, want := range r.kinds {
		if k == want {
			return true
		}
	}
	return false
}

// Rule parameters. Every rule is monotonic in its counts: one more earlier claim,
// reissue, refund, chargeback or order never lowers its points, and one more batch
// report never raises them.
const (
	missingAfterRevealPoints = 50

	chargebackFirstPoints = 70 // 45 before 2026-12.1: a chargeback by this email or device now denies
	chargebackNextPoints  = 15
	chargebackMaxPoints   = 85

	repeatClaim30dPoints = 12
	repeatClaim90dPoints = 8 // 4 before 2026-12.1
	repeatClaimMaxPoints = 60

	repeatIP30dPoints = 3
	repeatIP90dPoints = 1
	repeatIPMaxPoints = 15

	priorReissuePoints    = 10
	priorReissueMaxPoints = 30
	priorRefundPoints     = 10
	priorRefundMaxPoints  = 30

	lateClaimDayPoints   = 10 // claim >= 24 h after the first reveal
	lateClaimWeekPoints  = 25 // >= 7 days (20 before 2026-12.1)
	lateClaimMonthPoints = 35 // >= 30 days (30 before 2026-12.1)

	refundAfterRevealPoints = 25

	ipMismatchPoints = 5

	aboveNormPoints       = 10 // order >= 3x the norm
	farAboveNormPoints    = 20 // order >= 10x the norm
	aboveNormFactor       = 3
	farAboveNormFactor    = 10
	velocityPoints        = 10 // >= 5 orders in 24 h
	highVelocityPoints    = 15 // >= 10
	extremeVelocityPoints = 20 // >= 20
	velocityOrders        = 5
	highVelocityOrders    = 10
	extremeVelocityOrders = 20
	// freshBurstPoints is order_velocity's weight when the burst is the buyer's whole history
	// (no order a day or more before the claim): a new account buying five or more keys and
	// claiming within hours is how a stolen card is cashed out, and it reaches review alone.
	// A reseller or regular with an older history keeps the points above. Ruleset 2026-12.5.
	freshBurstPoints = 30
	// freshBurstOrders is how many orders make such a first day a burst: three (ruleset
	// 2026-12.15). Across the independent sets and the generated corpus, 11 of the 12 claims
	// by a new buyer with three or four orders on their first day are labelled review or deny
	// (carding, stolen payments cashed out in a few cards); an honest first-timer buying
	// three gifts at once waits for a person.
	freshBurstOrders = 3

	batchFirstPoints = -10
	batchNextPoints  = -5
	batchMinPoints   = -30

	freshClaimPoints = -10
	freshClaimWindow = time.Hour
)

var ruleset = []rule{
	{
		// A buyer who says the key never arrived although the shop's evidence trail shows
		// the key was revealed to them is the classic "claim twice" pattern.
		name:  RuleMissingAfterReveal,
		max:   missingAfterRevealPoints,
		kinds: []ClaimKind{ClaimMissing},
		desc:  fmt.Sprintf("Key-missing claim although the shop recorded the key being revealed to the buyer: +%d.", missingAfterRevealPoints),
		eval: func(s *Signals) (int, string) {
			if !s.KeyRevealed {
				return 0, ""
			}
			if s.FirstRevealAt.IsZero() {
				return missingAfterRevealPoints, "the buyer says the key never arrived, but the shop recorded the key being revealed to them"
			}
			return missingAfterRevealPoints, fmt.Sprintf("the buyer says the key never arrived, but the shop recorded the key being revealed to them on %s",
				s.FirstRevealAt.UTC().Format("2006-01-02 15:04 MST"))
		},
	},
	{
		// Friendly fraud: a buyer who charged back before is the strongest predictor of a
		// false claim.
		name: RuleChargebacks,
		max:  chargebackMaxPoints,
		desc: fmt.Sprintf("Chargebacks on record for the buyer's email or device: +%d for the first, +%d for each further one, at most +%d.",
			chargebackFirstPoints, chargebackNextPoints, chargebackMaxPoints),
		eval: func(s *Signals) (int, string) {
			n := s.Chargebacks
			if n == 0 {
				return 0, ""
			}
			pts := min(chargebackMaxPoints, chargebackFirstPoints+chargebackNextPoints*(n-1))
			return pts, fmt.Sprintf("%s on record for this buyer's email or device", count(n, "chargeback", "chargebacks"))
		},
	},
	{
		// Repeat claimants: earlier claims by the same email or device. The larger of the
		// two counts is used, so a new email on a known device does not hide history.
		name: RuleRepeatClaims,
		max:  repeatClaimMaxPoints,
		desc: fmt.Sprintf("Earlier claims by the same email or device (the larger count): +%d per claim in the last 30 days plus +%d per claim in the last 90 days, at most +%d.",
			repeatClaim30dPoints, repeatClaim90dPoints, repeatClaimMaxPoints),
		eval: func(s *Signals) (int, string) {
			n30 := max(s.ClaimsByEmail30d, s.ClaimsByDevice30d)
			n90 := max(s.ClaimsByEmail90d, s.ClaimsByDevice90d, n30)
			if n90 == 0 {
				return 0, ""
			}
			pts := min(repeatClaimMaxPoints, repeatClaim30dPoints*n30+repeatClaim90dPoints*n90)
			return pts, fmt.Sprintf("this buyer made %s in the last 30 days and %d in the last 90 days (by email: %d and %d; by device: %d and %d)",
				count(n30, "earlier claim", "earlier claims"), n90,
				s.ClaimsByEmail30d, s.ClaimsByEmail90d, s.ClaimsByDevice30d, s.ClaimsByDevice90d)
		},
	},
	{
		// Claims from the same IP address. Weak on its own: shared networks (carrier NAT,
		// internet cafes, offices) put many honest buyers behind one address.
		name: RuleRepeatClaimsIP,
		max:  repeatIPMaxPoints,
		desc: fmt.Sprintf("Earlier claims from the same IP address: +%d per claim in the last 30 days plus +%d per claim in the last 90 days, at most +%d (weak: networks are shared).",
			repeatIP30dPoints, repeatIP90dPoints, repeatIPMaxPoints),
		eval: func(s *Signals) (int, string) {
			n30 := s.ClaimsByIP30d
			n90 := max(s.ClaimsByIP90d, n30)
			if n90 == 0 {
				return 0, ""
			}
			pts := min(repeatIPMaxPoints, repeatIP30dPoints*n30+repeatIP90dPoints*n90)
			return pts, fmt.Sprintf("%s came from the same IP address in the last 30 days and %d in the last 90 days",
				count(n30, "earlier claim", "earlier claims"), n90)
		},
	},
	{
		name: RulePriorReissues,
		max:  priorReissueMaxPoints,
		desc: fmt.Sprintf("Replacement keys this buyer email already received in the last 90 days: +%d each, at most +%d.",
			priorReissuePoints, priorReissueMaxPoints),
		eval: func(s *Signals) (int, string) {
			n := s.ReissuesByEmail90d
			if n == 0 {
				return 0, ""
			}
			return min(priorReissueMaxPoints, priorReissuePoints*n),
				fmt.Sprintf("this buyer already received %s in the last 90 days", count(n, "replacement key", "replacement keys"))
		},
	},
	{
		name: RulePriorRefunds,
		max:  priorRefundMaxPoints,
		desc: fmt.Sprintf("Refunds this buyer email already received in the last 90 days: +%d each, at most +%d.",
			priorRefundPoints, priorRefundMaxPoints),
		eval: func(s *Signals) (int, string) {
			n := s.RefundsByEmail90d
			if n == 0 {
				return 0, ""
			}
			return min(priorRefundMaxPoints, priorRefundPoints*n),
				fmt.Sprintf("this buyer already received %s in the last 90 days", count(n, "refund", "refunds"))
		},
	},
	{
		// A key that does not work is noticed when the buyer tries it, minutes after the
		// reveal. "Invalid" days or weeks later suggests the key was used (or resold) first.
		name:  RuleLateInvalidClaim,
		max:   lateClaimMonthPoints,
		kinds: []ClaimKind{ClaimInvalid},
		desc: fmt.Sprintf("Key-invalid claim long after the key was first revealed: +%d from 24 hours, +%d from 7 days, +%d from 30 days.",
			lateClaimDayPoints, lateClaimWeekPoints, lateClaimMonthPoints),
		eval: func(s *Signals) (int, string) {
			d, ok := revealToClaim(s)
			if !ok {
				return 0, ""
			}
			var pts int
			switch {
			case d >= 30*24*time.Hour:
				pts = lateClaimMonthPoints
			case d >= 7*24*time.Hour:
				pts = lateClaimWeekPoints
			case d >= 24*time.Hour:
				pts = lateClaimDayPoints
			default:
				return 0, ""
			}
			return pts, fmt.Sprintf("the key was reported invalid %s after it was first revealed; a key that does not work is usually reported within minutes", humanDuration(d))
		},
	},
	{
		// Digital goods: once revealed, the key may already be redeemed, so a refund
		// cannot take the goods back.
		name:  RuleRefundAfterReveal,
		max:   refundAfterRevealPoints,
		kinds: []ClaimKind{ClaimRefund},
		desc:  fmt.Sprintf("Refund request after the key was revealed to the buyer (it may already be redeemed): +%d.", refundAfterRevealPoints),
		eval: func(s *Signals) (int, string) {
			if !s.KeyRevealed {
				return 0, ""
			}
			return refundAfterRevealPoints, "the buyer asks for a refund after the key was revealed to them, so it may already have been redeemed"
		},
	},
	{
		name: RuleIPMismatch,
		max:  ipMismatchPoints,
		desc: fmt.Sprintf("The claim comes from a different network than the order (IPv4 compared by /24, IPv6 by /48): +%d.", ipMismatchPoints),
		eval: func(s *Signals) (int, string) {
			claimNet, orderNet, ok := differentNetworks(s.ClaimIP, s.OrderIP)
			if !ok {
				return 0, ""
			}
			return ipMismatchPoints, fmt.Sprintf("the claim came from network %s but the order was paid from network %s", claimNet, orderNet)
		},
	},
	{
		// Stolen payment methods buy big; an order far above what the product usually sells
		// for is worth a second look.
		name: RuleOrderAboveNorm,
		max:  farAboveNormPoints,
		desc: fmt.Sprintf("Order value far above the product's usual order value: +%d from %d times the norm, +%d from %d times.",
			aboveNormPoints, aboveNormFactor, farAboveNormPoints, farAboveNormFactor),
		eval: func(s *Signals) (int, string) {
			if s.ProductNormAmount <= 0 || s.OrderAmount <= 0 {
				return 0, ""
			}
			ratio := s.OrderAmount / s.ProductNormAmount // amount >= k*norm <=> amount/norm >= k, without overflow
			var pts int
			switch {
			case ratio >= farAboveNormFactor:
				pts = farAboveNormPoints
			case ratio >= aboveNormFactor:
				pts = aboveNormPoints
			default:
				return 0, ""
			}
			return pts, fmt.Sprintf("the order is worth %d times the product's usual order value or more", ratio)
		},
	},
	{
		name: RuleOrderVelocity,
		max:  freshBurstPoints,
		desc: fmt.Sprintf("Many orders by the same email within 24 hours: +%d from %d orders, +%d from %d, +%d from %d; +%d from %d orders when the buyer has no order older than that day.",
			velocityPoints, velocityOrders, highVelocityPoints, highVelocityOrders, extremeVelocityPoints, extremeVelocityOrders, freshBurstPoints, freshBurstOrders),
		eval: func(s *Signals) (int, string) {
			n := s.OrdersByEmail24h
			var pts int
			switch {
			case n >= extremeVelocityOrders:
				pts = extremeVelocityPoints
			case n >= highVelocityOrders:
				pts = highVelocityPoints
			case n >= velocityOrders:
				pts = velocityPoints
			case n >= freshBurstOrders && freshBuyer(s):
				// Too few for the points above, enough for a new buyer's first-day burst below.
			default:
				return 0, ""
			}
			if freshBuyer(s) && pts < freshBurstPoints {
				return freshBurstPoints, fmt.Sprintf("a new buyer's first day: this e-mail placed %d orders within 24 hours and none before", n)
			}
			return pts, fmt.Sprintf("this buyer email placed %d orders within 24 hours", n)
		},
	},
	{
		// Other buyers reporting keys of the same batch as invalid points to the supplier,
		// not to this buyer: lower the risk (and quarantine the batch).
		name:  RuleBatchInvalid,
		min:   batchMinPoints,
		kinds: []ClaimKind{ClaimInvalid, ClaimRefund},
		desc: fmt.Sprintf("Other buyers reported keys of the same batch as invalid, which points to the supplier: %d for the first report, %d for each further one, at most %d.",
			batchFirstPoints, batchNextPoints, batchMinPoints),
		eval: func(s *Signals) (int, string) {
			n := s.BatchInvalidReports
			if n == 0 {
				return 0, ""
			}
			pts := max(batchMinPoints, batchFirstPoints+batchNextPoints*(n-1))
			return pts, fmt.Sprintf("%s reported keys from the same batch as invalid, which points to the supplier rather than this buyer (consider quarantining the batch)",
				count(n, "other buyer", "other buyers"))
		},
	},
	{
		// The honest pattern: reveal, try, fail, report within the hour, on a batch that
		// others already reported.
		name:  RuleFreshClaimBadBatch,
		min:   freshClaimPoints,
		kinds: []ClaimKind{ClaimInvalid},
		desc: fmt.Sprintf("Key-invalid claim within %s of the first reveal on a batch with other invalid reports: %d.",
			humanDuration(freshClaimWindow), freshClaimPoints),
		eval: func(s *Signals) (int, string) {
			if s.BatchInvalidReports == 0 {
				return 0, ""
			}
			d, ok := revealToClaim(s)
			if !ok || d > freshClaimWindow {
				return 0, ""
			}
			return freshClaimPoints, fmt.Sprintf("the buyer reported the key %s after first revealing it, on a batch that other buyers also reported", humanDuration(d))
		},
	},
}

// revealToClaim returns the time from the first reveal to the claim, when both are known
// and in order.
func revealToClaim(s *Signals) (time.Duration, bool) {
	if !s.KeyRevealed || s.FirstRevealAt.IsZero() || s.ClaimAt.IsZero() || s.ClaimAt.Before(s.FirstRevealAt) {
		return 0, false
	}
	return s.ClaimAt.Sub(s.FirstRevealAt), true
}

// differentNetworks reports whether two addresses of the same family lie in different
// networks (/24 for IPv4, /48 for IPv6), and returns both networks.
func differentNetworks(a, b string) (string, string, bool) {
	pa, okA := parseAddr(a)
	pb, okB := parseAddr(b)
	if !okA || !okB || pa.Is4() != pb.Is4() {
		return "", "", false
	}
	bits := 48
	if pa.Is4() {
		bits = 24
	}
	na, errA := pa.Prefix(bits)
	nb, errB := pb.Prefix(bits)
	if errA != nil || errB != nil || na == nb {
		return "", "", false
	}
	return na.String(), nb.String(), true
}

func parseAddr(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// humanDuration renders a duration the way a person says it: "45 seconds", "12 minutes",
// "3 hours", "9 days" (rounded down).
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return count(int(d/time.Second), "second", "seconds")
	case d < time.Hour:
		return count(int(d/time.Minute), "minute", "minutes")
	case d < 48*time.Hour:
		return count(int(d/time.Hour), "hour", "hours")
	default:
		return count(int(d/(24*time.Hour)), "day", "days")
	}
}

// freshBuyer reports whether the buyer's first order is less than a day before the claim:
// everything the shop knows of them is from today.
func freshBuyer(s *Signals) bool {
	return !s.BuyerFirstOrderAt.IsZero() && !s.ClaimAt.IsZero() && s.ClaimAt.Sub(s.BuyerFirstOrderAt) < 24*time.Hour
}

package fraud

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const propertyRuns = 5000

var kinds = []ClaimKind{ClaimInvalid, ClaimMissing, ClaimRefund, "", "dispute"}

var ips = []string{"", "203.0.113.7", "203.0.113.99", "198.51.100.1", "::ffff:203.0.113.5",
	"2001:db8:1::1", "2001:db8:1:ff::2", "2001:db8:2::1", "garbage"}

// randomSignals draws signals that cover every rule, including out-of-range input.
func randomSignals(r *rand.Rand) Signals {
	n := func(hi int) int { return r.IntN(hi+3) - 2 } // occasionally negative
	s := Signals{
		Kind:                kinds[r.IntN(len(kinds))],
		ClaimsByEmail30d:    n(6),
		ClaimsByIP30d:       n(6),
		ClaimsByDevice30d:   n(6),
		ReissuesByEmail90d:  n(5),
		RefundsByEmail90d:   n(5),
		KeyRevealed:         r.IntN(2) == 0,
		BatchInvalidReports: n(8),
		Chargebacks:         n(4),
		ClaimIP:             ips[r.IntN(len(ips))],
		OrderIP:             ips[r.IntN(len(ips))],
		OrderAmount:         r.Int64N(50_000) - 100,
		ProductNormAmount:   r.Int64N(5_000) - 100,
		OrdersByEmail24h:    n(25),
		SharedKey:           r.IntN(5) == 0,
		// 2026-12.1 signals.
		OrderReplacements:    n(2),
		OrderClaims:          n(3),
		ClusterMailboxes:     n(4),
		ClusterClaims90d:     n(6),
		ClusterReplacement:   n(4),
		DeviceMailboxes:      n(7),
		BuyerOrders:          n(15),
		BuyerClaimsEver:      n(3),
		BuyerDeniedClaims:    n(3),
		RevealCount:          n(5),
		EmailDisposable:      r.IntN(6) == 0,
		ProductMedianAmount:  r.Int64N(5_000) - 100,
		MerchantMedianAmount: r.Int64N(5_000) - 100,
		BuyerFirstOrderAt:    t0.Add(-time.Duration(r.Int64N(int64(500 * 24 * time.Hour)))),
		ClaimUserAgent:       []string{"", "curl/8.5", "Mozilla/5.0 (Windows NT 10.0) Chrome/120"}[r.IntN(3)],
	}
	for _, f := range []string{TextChargebackThreat, TextNewAddress, TextAlreadyUsed} {
		if r.IntN(5) == 0 {
			s.TextFlags = append(s.TextFlags, f)
		}
	}
	s.ClaimsByEmail90d = s.ClaimsByEmail30d + n(4)
	s.ClaimsByIP90d = s.ClaimsByIP30d + n(4)
	s.ClaimsByDevice90d = s.ClaimsByDevice30d + n(4)
	if r.IntN(4) > 0 {
		s.FirstRevealAt = t0.Add(time.Duration(r.Int64N(int64(60 * 24 * time.Hour))))
	}
	if r.IntN(4) > 0 {
		// Mostly after the reveal, sometimes before it (clock skew).
		s.ClaimAt = s.FirstRevealAt.Add(time.Duration(r.Int64N(int64(45*24*time.Hour))) - time.Hour)
	}
	return s
}

func randomThresholds(r *rand.Rand) Thresholds {
	if r.IntN(3) == 0 {
		return DefaultThresholds()
	}
	rev := 1 + r.IntN(99)
	return Thresholds{Review: rev, Deny: rev + 1 + r.IntN(MaxScore-rev)}
}

func TestPropertyScoreRangeAndConsistency(t *testing.T) {
	r := rand.New(rand.NewPCG(20261101, 1))
	ranges := map[string]RuleInfo{}
	for _, ri := range Rules() {
		ranges[ri.Name] = ri
	}
	for i := range propertyRuns {
		s, th := randomSignals(r), randomThresholds(r)
		a := Assess(s, th)
		ctx := fmt.Sprintf("run %d: %+v", i, s)

		require.GreaterOrEqual(t, a.Score, 0, ctx)
		require.LessOrEqual(t, a.Score, MaxScore, ctx)
		if a.MinDecision == "" {
			require.Equal(t, th.Decide(a.Score), a.Decision, ctx)
		} else {
			// A rule demanded at least MinDecision and the score gave less.
			require.Equal(t, a.MinDecision, a.Decision, ctx)
			require.Less(t, severity(th.Decide(a.Score)), severity(a.MinDecision), ctx)
		}
		if s.OrderReplacements >= max(1, s.AutoReissueLimit) && s.Kind != ClaimRefund && s.Kind.Valid() {
			require.NotEqual(t, Allow, a.Decision, "an order out of automatic replacements is never allowed: %s", ctx)
		}
		require.Equal(t, s.SharedKey, a.Blocked, ctx)
		require.Equal(t, RulesetVersion, a.RulesetVersion)

		sum := 0
		for _, h := range a.Hits {
			ri, ok := ranges[h.Rule]
			require.True(t, ok, "unknown rule %s", h.Rule)
			require.NotZero(t, h.Points, ctx)
			require.GreaterOrEqual(t, h.Points, ri.MinPoints, "%s %s", h.Rule, ctx)
			require.LessOrEqual(t, h.Points, ri.MaxPoints, "%s %s", h.Rule, ctx)
			require.NotEmpty(t, h.Reason)
			require.NotContains(t, h.Reason, "%!", h.Rule)
			sum += h.Points
		}
		require.Equal(t, clamp(sum, 0, MaxScore), a.Score, ctx)
		require.True(t, sort.SliceIsSorted(a.Hits, func(i, j int) bool {
			if a.Hits[i].Points != a.Hits[j].Points {
				return a.Hits[i].Points > a.Hits[j].Points
			}
			return a.Hits[i].Rule < a.Hits[j].Rule
		}), ctx)
		require.Equal(t, a, Assess(s, th), "not deterministic: %s", ctx)
	}
}

// countFields are the history counts in which one more event must never lower the score.
var countFields = map[string]func(*Signals) *int{
	"ClaimsByEmail30d":   func(s *Signals) *int { return &s.ClaimsByEmail30d },
	"ClaimsByEmail90d":   func(s *Signals) *int { return &s.ClaimsByEmail90d },
	"ClaimsByIP30d":      func(s *Signals) *int { return &s.ClaimsByIP30d },
	"ClaimsByIP90d":      func(s *Signals) *int { return &s.ClaimsByIP90d },
	"ClaimsByDevice30d":  func(s *Signals) *int { return &s.ClaimsByDevice30d },
	"ClaimsByDevice90d":  func(s *Signals) *int { return &s.ClaimsByDevice90d },
	"ReissuesByEmail90d": func(s *Signals) *int { return &s.ReissuesByEmail90d },
	"RefundsByEmail90d":  func(s *Signals) *int { return &s.RefundsByEmail90d },
	"Chargebacks":        func(s *Signals) *int { return &s.Chargebacks },
	"OrdersByEmail24h":   func(s *Signals) *int { return &s.OrdersByEmail24h },
	// 2026-12.1 counts.
	"OrderReplacements":      func(s *Signals) *int { return &s.OrderReplacements },
	"OrderClaims":            func(s *Signals) *int { return &s.OrderClaims },
	"ClusterClaims90d":       func(s *Signals) *int { return &s.ClusterClaims90d },
	"ClusterReplacement":     func(s *Signals) *int { return &s.ClusterReplacement },
	"ClusterNetClaims":       func(s *Signals) *int { return &s.ClusterNetClaims },
	"ClusterNetReplacements": func(s *Signals) *int { return &s.ClusterNetReplacements },
	"DeviceMailboxes":        func(s *Signals) *int { return &s.DeviceMailboxes },
	"ChargebacksSameIP":      func(s *Signals) *int { return &s.ChargebacksSameIP },
	"BuyerClaimsEver":        func(s *Signals) *int { return &s.BuyerClaimsEver },
	"BuyerDeniedClaims":      func(s *Signals) *int { return &s.BuyerDeniedClaims },
	"RevealCount":            func(s *Signals) *int { return &s.RevealCount },
	"OrderDeviceMailboxes":   func(s *Signals) *int { return &s.OrderDeviceMailboxes },
}

// TestPropertyCleanOrdersNeverRaiseScore: more orders by a buyer (with nothing else
// changed) can earn the clean-history credit, never cost points.
func TestPropertyCleanOrdersNeverRaiseScore(t *testing.T) {
	r := rand.New(rand.NewPCG(20261203, 7))
	th := DefaultThresholds()
	for i := range propertyRuns {
		s := randomSignals(r)
		s.ClaimAt = t0
		base := Assess(s, th).Score
		more := s
		more.BuyerOrders = max(0, more.BuyerOrders) + 1 + r.IntN(10)
		require.LessOrEqual(t, Assess(more, th).Score, base, "run %d: %+v", i, s)
	}
}

// TestPropertyDistinctUnlinked: the count of independent reporters never exceeds the
// reporters, does not depend on their order, and a reporter linked to the claimant (same
// device) never adds to it.
func TestPropertyDistinctUnlinked(t *testing.T) {
	r := rand.New(rand.NewPCG(20261203, 8))
	rep := func() Reporter {
		return Reporter{
			Email:  fmt.Sprintf("u%d@x.com", r.IntN(6)),
			Device: fmt.Sprintf("d%d", r.IntN(6)),
			IP:     fmt.Sprintf("10.0.%d.%d", r.IntN(4), r.IntN(3)),
			At:     t0.Add(-time.Duration(r.IntN(30*24)) * time.Hour),
		}
	}
	for i := range propertyRuns {
		me := rep()
		reps := make([]Reporter, r.IntN(8))
		for j := range reps {
			reps[j] = rep()
		}
		n := DistinctUnlinked(me, reps, 7*24*time.Hour)
		require.LessOrEqual(t, n, len(reps), "run %d", i)
		shuffled := append([]Reporter(nil), reps...)
		r.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		require.Equal(t, n, DistinctUnlinked(me, shuffled, 7*24*time.Hour), "run %d: order matters", i)
		sibling := rep()
		sibling.Device = me.Device
		require.LessOrEqual(t, DistinctUnlinked(me, append(reps, sibling), 7*24*time.Hour), n, "run %d: a linked reporter counted", i)
	}
}

// TestPropertyDistinctUnlinkedMatchesPairwise: the linear count (shared keys, neighbours in
// time within a network) finds the same groups as comparing every pair of reporters by the
// definition (linkedPairwise), over e-mails, devices, public, private, carrier-NAT, IPv6,
// mapped and unparsable addresses, and times around the network window.
func TestPropertyDistinctUnlinkedMatchesPairwise(t *testing.T) {
	r := rand.New(rand.NewPCG(20261205, 17))
	ips := []string{"", "not-an-ip", "127.0.0.1", "10.0.0.5", "100.64.3.9", "203.0.113.7", "203.0.113.8", "203.0.113.200",
		"::ffff:203.0.113.7", "198.51.100.1", "198.51.100.2", "2001:db8:1:2::5", "2001:db8:1:9::6", "2001:db8:2::1", "fe80::1"}
	rep := func() Reporter {
		x := Reporter{IP: ips[r.IntN(len(ips))], At: t0.Add(-time.Duration(r.IntN(20*24)) * time.Hour)}
		if r.IntN(3) > 0 {
			x.Email = fmt.Sprintf("u%d@x.com", r.IntN(12))
		}
		if r.IntN(3) > 0 {
			x.Device = fmt.Sprintf("d%d", r.IntN(12))
		}
		return x
	}
	for i := range propertyRuns {
		me := rep()
		reps := make([]Reporter, r.IntN(30))
		for j := range reps {
			reps[j] = rep()
		}
		window := time.Duration(r.IntN(5*24)) * time.Hour
		require.Equal(t, distinctUnlinkedPairwise(me, reps, window), DistinctUnlinked(me, reps, window), "run %d: %+v / %+v, window %v", i, me, reps, window)
	}
}

// distinctUnlinkedPairwise is DistinctUnlinked by its definition: every pair compared.
func distinctUnlinkedPairwise(claimant Reporter, reporters []Reporter, netWindow time.Duration) int {
	all := append([]Reporter{claimant}, reporters...)
	u := newUnion(len(all))
	for i := range all {
		for j := i + 1; j < len(all); j++ {
			if linkedPairwise(all[i], all[j], netWindow) {
				u.join(i, j)
			}
		}
	}
	return u.groupsApartFrom(0)
}

// linkedPairwise: two reporters share a normalised e-mail, a device id, a public address,
// or its network within netWindow of each other.
func linkedPairwise(a, b Reporter, netWindow time.Duration) bool {
	switch {
	case a.Email != "" && a.Email == b.Email:
		return true
	case a.Device != "" && a.Device == b.Device:
		return true
	case !LinkableIP(a.IP) || !LinkableIP(b.IP):
		return false // a proxy's or carrier's address links nobody
	case a.IP == b.IP:
		return true
	}
	if !SameNetwork(a.IP, b.IP) {
		return false
	}
	d := a.At.Sub(b.At)
	if d < 0 {
		d = -d
	}
	return d <= netWindow
}

func TestPropertyMoreClaimsNeverLowerScore(t *testing.T) {
	r := rand.New(rand.NewPCG(20261101, 2))
	th := DefaultThresholds()
	for i := range propertyRuns {
		s := randomSignals(r)
		base := Assess(s, th).Score
		for name, field := range countFields {
			more := s
			*field(&more) += 1 + r.IntN(3)
			got := Assess(more, th).Score
			require.GreaterOrEqual(t, got, base, "run %d: one more %s lowered the score: %+v", i, name, s)
		}
		// A new claim shows up in the 30- and 90-day windows of every identity at once.
		more := s
		for _, name := range []string{"ClaimsByEmail30d", "ClaimsByEmail90d", "ClaimsByIP30d", "ClaimsByIP90d", "ClaimsByDevice30d", "ClaimsByDevice90d"} {
			*countFields[name](&more)++
		}
		require.GreaterOrEqual(t, Assess(more, th).Score, base, "run %d: %+v", i, s)
	}
}

func TestPropertyBatchReportsNeverRaiseScore(t *testing.T) {
	r := rand.New(rand.NewPCG(20261101, 3))
	th := DefaultThresholds()
	for i := range propertyRuns {
		s := randomSignals(r)
		base := Assess(s, th).Score
		more := s
		more.BatchInvalidReports = max(0, more.BatchInvalidReports) + 1 + r.IntN(5)
		require.LessOrEqual(t, Assess(more, th).Score, base, "run %d: %+v", i, s)
	}
}

func TestPropertyChargebackNeverLowersDecision(t *testing.T) {
	r := rand.New(rand.NewPCG(20261101, 4))
	rank := map[Decision]int{Allow: 0, Review: 1, Deny: 2}
	for range propertyRuns {
		s, th := randomSignals(r), randomThresholds(r)
		before := Assess(s, th)
		s.Chargebacks = max(0, s.Chargebacks) + 1
		after := Assess(s, th)
		assert.GreaterOrEqual(t, rank[after.Decision], rank[before.Decision])
	}
}

// BenchmarkDistinctUnlinked: a claim on a batch with the most reports the check reads (1,000:
// 500 with a claim context, 500 without), linear against the pairwise definition.
func BenchmarkDistinctUnlinked(b *testing.B) {
	r := rand.New(rand.NewPCG(17, 17))
	reps := make([]Reporter, 1000)
	for i := range reps {
		reps[i] = Reporter{Email: fmt.Sprintf("u%d@x.com", i), Device: fmt.Sprintf("d%d", r.IntN(900)),
			IP: fmt.Sprintf("203.0.%d.%d", r.IntN(200), r.IntN(250)), At: t0.Add(-time.Duration(r.IntN(90*24)) * time.Hour)}
	}
	me := Reporter{Email: "me@x.com", IP: "198.51.100.7", At: t0}
	b.Run("linear", func(b *testing.B) {
		for b.Loop() {
			DistinctUnlinked(me, reps, 7*24*time.Hour)
		}
	})
	b.Run("pairwise", func(b *testing.B) {
		for b.Loop() {
			distinctUnlinkedPairwise(me, reps, 7*24*time.Hour)
		}
	})
}

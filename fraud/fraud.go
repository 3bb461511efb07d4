package fraud

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// RulesetVersion identifies the rule set in this package. It is stored with every
// assessment; bump it whenever a rule, its points or its conditions change.
const RulesetVersion = "2026-12.15"

// MaxScore is the highest score an assessment can have; the lowest is 0.
const MaxScore = 100

// Decision is the outcome of a fraud check.
type Decision string

const (
	// Allow means low risk: the claim may be served automatically (reissue or refund).
	Allow Decision = "allow"
	// Review means medium risk: a risk agent decides, under the risk queue's SLA.
	Review Decision = "review"
	// Deny means high risk: the claim is denied with the rule reasons and an agent confirms.
	Deny Decision = "deny"
)

// Valid reports whether d is one of Allow, Review or Deny.
func (d Decision) Valid() bool {
	switch d {
	case Allow, Review, Deny:
		return true
	}
	return false
}

// Thresholds turn a score into a decision: score < Review is Allow, score < Deny is
// Review, score >= Deny is Deny. Each merchant stores its own; see DefaultThresholds.
type Thresholds struct {
	Review int `json:"review"`
	Deny   int `json:"deny"`
}

// Default threshold values (DESIGN.md: < 30 allow, 30-69 review, >= 70 deny).
const (
	DefaultReviewThreshold = 30
	DefaultDenyThreshold   = 70
)

// ErrInvalidThresholds is wrapped by the error Thresholds.Validate returns.
var ErrInvalidThresholds = errors.New("fraud: invalid thresholds")

// DefaultThresholds returns the thresholds used when a merchant has not set its own:
// review from 30, deny from 70.
func DefaultThresholds() Thresholds {
	return Thresholds{Review: DefaultReviewThreshold, Deny: DefaultDenyThreshold}
}

// Validate checks 0 < Review < Deny <= 100. The error wraps ErrInvalidThresholds and
// says which bound is broken, in words fit for a settings form.
func (t Thresholds) Validate() error {
	switch {
	case t.Review <= 0:
		return fmt.Errorf("%w: review threshold must be greater than 0 (got %d)", ErrInvalidThresholds, t.Review)
	case t.Deny > MaxScore:
		return fmt.Errorf("%w: deny threshold must be at most %d (got %d)", ErrInvalidThresholds, MaxScore, t.Deny)
	case t.Review >= t.Deny:
		return fmt.Errorf("%w: review threshold (%d) must be lower than deny threshold (%d)", ErrInvalidThresholds, t.Review, t.Deny)
	}
	return nil
}

// Decide maps a score to a decision with these thresholds. Invalid thresholds are
// replaced by DefaultThresholds, exactly as Assess does.
func (t Thresholds) Decide(score int) Decision {
	if t.Validate() != nil {
		t = DefaultThresholds()
	}
	switch {
	case score >= t.Deny:
		return Deny
	case score >= t.Review:
		return Review
	default:
		return Allow
	}
}

// ClaimKind is the kind of claim being checked. The values equal the matching
// triage.Category values, so a conversion ClaimKind(category) is enough.
type ClaimKind string

const (
	// ClaimInvalid: the buyer says the delivered key does not work.
	ClaimInvalid ClaimKind = "key_invalid"
	// ClaimMissing: the buyer says the key was never received.
	ClaimMissing ClaimKind = "key_missing"
	// ClaimRefund: the buyer asks for the money back.
	ClaimRefund ClaimKind = "refund"
)

// Valid reports whether k is one of the known claim kinds.
func (k ClaimKind) Valid() bool {
	switch k {
	case ClaimInvalid, ClaimMissing, ClaimRefund:
		return true
	}
	return false
}

// Signals are the facts an activity gathers about one claim; the zero value means
// "nothing known" and scores 0. Counts never include the claim being assessed; negative
// counts are treated as 0. All times should be in UTC (only differences are used).
type Signals struct {
	// Kind is the kind of claim; rules specific to one kind are skipped for an unknown kind.
	Kind ClaimKind `json:"kind"`

	// Earlier claims (tickets of the categories key_invalid, key_missing, refund,
	// dispute) by the same buyer email, claim IP and device, in the last 30 and 90 days,
	// excluding this one. A 90-day count includes the 30-day count.
	ClaimsByEmail30d  int `json:"claims_by_email_30d"`
	ClaimsByEmail90d  int `json:"claims_by_email_90d"`
	ClaimsByIP30d     int `json:"claims_by_ip_30d"`
	ClaimsByIP90d     int `json:"claims_by_ip_90d"`
	ClaimsByDevice30d int `json:"claims_by_device_30d"`
	ClaimsByDevice90d int `json:"claims_by_device_90d"`

	// ReissuesByEmail90d and RefundsByEmail90d count replacement keys and refunds this
	// buyer email already received in the last 90 days.
	ReissuesByEmail90d int `json:"reissues_by_email_90d"`
	RefundsByEmail90d  int `json:"refunds_by_email_90d"`

	// KeyRevealed is true when the shop recorded the key being shown to the buyer (the
	// first "revealed" key event); FirstRevealAt is that event's time, ClaimAt the time
	// of this claim. The time from first reveal to claim is ClaimAt - FirstRevealAt.
	KeyRevealed   bool      `json:"key_revealed"`
	FirstRevealAt time.Time `json:"first_reveal_at"`
	ClaimAt       time.Time `json:"claim_at"`

	// BatchInvalidReports counts other buyers' invalid reports on keys of the same
	// batch. It points to the supplier, so it LOWERS the buyer's risk.
	BatchInvalidReports int `json:"batch_invalid_reports"`

	// Chargebacks on record for this buyer's email or device, any time. (Before ruleset
	// 2026-12.1 the claim's IP counted too; IP-only matches are ChargebacksSameIP now.)
	Chargebacks int `json:"chargebacks"`
	// ChargebacksSameIP counts chargebacks on orders paid from the claim's IP address
	// (networks are shared, so this weighs less than Chargebacks).
	ChargebacksSameIP int `json:"chargebacks_same_ip,omitempty"`

	// ClaimIP is where the claim came from, OrderIP where the order was paid. IPv4
	// addresses are compared by /24, IPv6 by /48; an IPv4-mapped IPv6 address counts as
	// IPv4. Addresses of different families, or unparsable ones, are not compared.
	ClaimIP string `json:"claim_ip"`
	OrderIP string `json:"order_ip"`

	// OrderAmount is the order's value and ProductNormAmount the product's usual order
	// value, both in minor units of the same currency. A zero norm disables the rule.
	OrderAmount       int64 `json:"order_amount"`
	ProductNormAmount int64 `json:"product_norm_amount"`
	// OrderQuantity is how many keys the order bought (0: unknown). Ruleset 2026-12.6.
	OrderQuantity int `json:"order_quantity,omitempty"`

	// OrdersByEmail24h counts the orders this buyer email placed in the 24 hours before the
	// order and the 24 after it up to the claim, the order itself included (order velocity;
	// before ruleset 2026-12.7 only the 24 hours before).
	OrdersByEmail24h int `json:"orders_by_email_24h"`

	// SharedKey is true when the product's key is shared by many buyers. Shared keys can
	// never be reissued: Assess returns a hard block, not points.
	SharedKey bool `json:"shared_key"`

	// The signals below were added by ruleset 2026-12.1 (issue 12).

	// DeviceID is the claimant's first-party device id (sent by the buyer pages), and
	// OrderDeviceID the one the shop recorded with the order; empty when unknown. The shop's
	// id is usually its own, not comparable with keydesk's (see IsKeydeskDevice).
	DeviceID      string `json:"device_id,omitempty"`
	OrderDeviceID string `json:"order_device_id,omitempty"`
	// KnownDevices are the keydesk device ids known to be the buyer's: the order's when the
	// shop passed keydesk's id at checkout, and those of the buyer's earlier claims.
	KnownDevices []string `json:"known_devices,omitempty"`

	// EmailDomain is the claimant e-mail's domain and EmailDisposable whether it is a
	// throwaway service (IsDisposableDomain).
	EmailDomain     string `json:"email_domain,omitempty"`
	EmailDisposable bool   `json:"email_disposable,omitempty"`

	// TextFlags are the ClaimTextFlags of the buyer's own words.
	TextFlags []string `json:"text_flags,omitempty"`

	// OrderReplacements counts replacement keys of this order other than this claim's,
	// delivered or still pending; AutoReissueLimit is how many automatic replacements one
	// order may get (0 means 1).
	OrderReplacements int `json:"order_replacements"`
	AutoReissueLimit  int `json:"auto_reissue_limit,omitempty"`
	// OrderClaims counts other claims on the same order, any outcome.
	OrderClaims int `json:"order_claims"`

	// Reveal context: how many times the key was revealed, and from which addresses.
	RevealCount int      `json:"reveal_count"`
	RevealIPs   []string `json:"reveal_ips,omitempty"`
	// DeliveredAt is when the order's key was delivered (zero when unknown).
	DeliveredAt time.Time `json:"delivered_at"`

	// ProductMedianAmount is the median amount of the product's recent orders at this
	// merchant (0: too few orders to say). HighValueAmount is the merchant's "expensive"
	// line in the same minor units (0: the rule uses 5 times the merchant's median).
	ProductMedianAmount int64 `json:"product_median_amount"`
	HighValueAmount     int64 `json:"high_value_amount,omitempty"`
	// MerchantMedianAmount is the median amount of all the merchant's recent orders (0: too
	// few orders to say).
	MerchantMedianAmount int64 `json:"merchant_median_amount"`

	// Buyer standing with the merchant before this claim: orders paid and the first one's
	// time, claims ever made and how many of them a risk decision denied.
	BuyerOrders       int       `json:"buyer_orders"`
	BuyerFirstOrderAt time.Time `json:"buyer_first_order_at"`
	BuyerClaimsEver   int       `json:"buyer_claims_ever"`
	BuyerDeniedClaims int       `json:"buyer_denied_claims"`
	// BuyerMaxOtherAmount is the largest of the buyer's other orders paid before the claim (0:
	// none), in the order's minor units: what the buyer usually spends. Ruleset 2026-12.6.
	BuyerMaxOtherAmount int64 `json:"buyer_max_other_amount,omitempty"`

	// The linked cluster: other mailboxes tied to the claimant by device, IP or network
	// (ClusterMailboxes) and how they are linked ("device", "ip", "network"). Their claims
	// in 90 days: ClusterClaims90d those linked by IP address but not by device (claims
	// from the claimant's device are already counted by repeat_claims), ClusterNetClaims
	// those linked only by network within days (weak: carriers share networks). The
	// replacement keys those claims got (delivered or pending): ClusterReplacement for
	// device or IP links, ClusterNetReplacements for network-only links.
	ClusterMailboxes       int      `json:"cluster_mailboxes"`
	ClusterClaims90d       int      `json:"cluster_claims_90d"`
	ClusterReplacement     int      `json:"cluster_replacements"`
	ClusterNetClaims       int      `json:"cluster_net_claims,omitempty"`
	ClusterNetReplacements int      `json:"cluster_net_replacements,omitempty"`
	ClusterLinks           []string `json:"cluster_links,omitempty"`
	// SharedNetwork is true when the claimant's address is a busy shared network (many
	// other buyers order from it, few claim): its claims were left out of the cluster.
	SharedNetwork bool `json:"shared_network,omitempty"`
	// DeviceMailboxes counts distinct mailboxes seen on the claimant's device (orders and
	// claims, 90 days), the claimant's own included.
	DeviceMailboxes int `json:"device_mailboxes"`
	// OrderDeviceMailboxes counts distinct mailboxes whose orders (90 days) the shop
	// recorded from the same device id as this order (the shop's own namespace).
	OrderDeviceMailboxes int `json:"order_device_mailboxes,omitempty"`

	// ClaimUserAgent is the user agent the buyer form was submitted with (web claims only;
	// ruleset 2026-12.2). Kept with the signals for risk agents, never scored: it is
	// whatever the client says, fraudsters set a browser's in one line, and honest shops and
	// integrators file claims from scripts.
	ClaimUserAgent string `json:"claim_user_agent,omitempty"`

	// OrderRefunded is what the shop already refunded on this order (refunds approved,
	// submitted or succeeded before the claim, by other tickets), in the order's minor units
	// (ruleset 2026-12.3).
	OrderRefunded int64 `json:"order_refunded,omitempty"`
}

// Hit is one rule that fired for a claim.
type Hit struct {
	// Rule is the stable rule name (see Rules).
	Rule string `json:"rule"`
	// Points added to the score; negative for rules that lower the risk.
	Points int `json:"points"`
	// Reason explains the hit in plain English for a risk agent.
	Reason string `json:"reason"`
}

// Assessment is the result of a fraud check, stored with the ticket as it is.
type Assessment struct {
	// Score is the sum of the hit points, clamped to 0..100.
	Score int `json:"score"`
	// Decision is Score mapped through Thresholds, raised to MinDecision when a rule
	// demands it.
	Decision Decision `json:"decision"`
	// Hits are the rules that fired, sorted by Points descending, then by Rule.
	Hits []Hit `json:"hits"`
	// RulesetVersion is the RulesetVersion that produced this assessment.
	RulesetVersion string `json:"ruleset_version"`
	// Blocked is true when the claim must never be served by a reissue, whatever the
	// score (a shared key); BlockReason says why in plain English.
	Blocked     bool   `json:"blocked"`
	BlockReason string `json:"block_reason,omitempty"`
	// Thresholds are the thresholds actually used (the defaults when the given ones
	// were invalid).
	Thresholds Thresholds `json:"thresholds"`
	// MinDecision is set when a rule that fired demands at least this decision and the
	// score alone would have given less (for example order_already_replaced: a person
	// decides, whatever mitigations lowered the score). Decision then equals MinDecision.
	MinDecision Decision `json:"min_decision,omitempty"`
}

// AutoReissue reports whether a replacement key may be delivered without a human: the
// decision is Allow and nothing blocks a reissue.
func (a Assessment) AutoReissue() bool {
	return a.Decision == Allow && !a.Blocked
}

// Reasons returns the hit reasons in hit order, for a ticket event or a reply to an agent.
func (a Assessment) Reasons() []string {
	out := make([]string, 0, len(a.Hits)+1)
	if a.Blocked {
		out = append(out, a.BlockReason)
	}
	for _, h := range a.Hits {
		out = append(out, h.Reason)
	}
	return out
}

// SharedKeyBlockReason is the BlockReason of an assessment blocked by a shared key.
const SharedKeyBlockReason = "the product uses a shared key, and shared keys can never be reissued"

// Assess scores one claim. It is deterministic: the same signals and thresholds always
// give the same assessment. Invalid thresholds (see Thresholds.Validate) are replaced by
// DefaultThresholds; the ones used are returned in the assessment.
func Assess(s Signals, t Thresholds) Assessment {
	if t.Validate() != nil {
		t = DefaultThresholds()
	}
	s = normalize(s)

	hits := []Hit{}
	sum := 0
	floor := Allow
	for _, r := range ruleset {
		if !r.applies(s.Kind) {
			continue
		}
		pts, reason := r.eval(&s)
		if pts == 0 {
			continue
		}
		hits = append(hits, Hit{Rule: r.name, Points: pts, Reason: reason})
		sum += pts
		if severity(r.floor) > severity(floor) {
			floor = r.floor
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].Points != hits[j].Points {
			return hits[i].Points > hits[j].Points
		}
		return hits[i].Rule < hits[j].Rule
	})

	score := clamp(sum, 0, MaxScore)
	a := Assessment{
		Score:          score,
		Decision:       t.Decide(score),
		Hits:           hits,
		RulesetVersion: RulesetVersion,
		Thresholds:     t,
	}
	if severity(floor) > severity(a.Decision) {
		a.Decision = floor
		a.MinDecision = floor
	}
	if s.SharedKey {
		a.Blocked = true
		a.BlockReason = SharedKeyBlockReason
	}
	return a
}

// severity orders decisions: Allow < Review < Deny.
func severity(d Decision) int {
	switch d {
	case Review:
		return 1
	case Deny:
		return 2
	}
	return 0
}

// normalize clears negative counts and amounts so that bad input cannot lower a score.
func normalize(s Signals) Signals {
	for _, p := range []*int{
		&s.ClaimsByEmail30d, &s.ClaimsByEmail90d,
		&s.ClaimsByIP30d, &s.ClaimsByIP90d,
		&s.ClaimsByDevice30d, &s.ClaimsByDevice90d,
		&s.ReissuesByEmail90d, &s.RefundsByEmail90d,
		&s.BatchInvalidReports, &s.Chargebacks, &s.OrdersByEmail24h,
		&s.OrderReplacements, &s.AutoReissueLimit, &s.OrderClaims, &s.RevealCount,
		&s.BuyerOrders, &s.BuyerClaimsEver, &s.BuyerDeniedClaims,
		&s.ClusterMailboxes, &s.ClusterClaims90d, &s.ClusterReplacement, &s.DeviceMailboxes,
		&s.ClusterNetClaims, &s.ClusterNetReplacements, &s.ChargebacksSameIP, &s.OrderDeviceMailboxes,
	} {
		if *p < 0 {
			*p = 0
		}
	}
	if s.OrderAmount < 0 {
		s.OrderAmount = 0
	}
	if s.ProductNormAmount < 0 {
		s.ProductNormAmount = 0
	}
	if s.ProductMedianAmount < 0 {
		s.ProductMedianAmount = 0
	}
	if s.HighValueAmount < 0 {
		s.HighValueAmount = 0
	}
	if s.MerchantMedianAmount < 0 {
		s.MerchantMedianAmount = 0
	}
	return s
}

func clamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

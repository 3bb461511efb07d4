package fraud

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Rule names added by ruleset 2026-12.1 (issue 12).
const (
	RuleOrderAlreadyReplaced = "order_already_replaced"
	RuleRepeatClaimSameOrder = "repeat_claim_same_order"
	RuleTextChargeback       = "claim_text_chargeback_threat"
	RuleTextNewAddress       = "claim_text_new_address"
	RuleTextAlreadyUsed      = "claim_text_already_used"
	RuleDisposableEmail      = "disposable_email"
	RuleLinkedCluster        = "linked_cluster_claims"
	RuleChargebackSameIP     = "chargeback_same_ip"
	RuleSharedDevice         = "shared_device_mailboxes"
	RuleClaimantNotBuyer     = "claimant_not_buyer"
	RuleLateExpensive        = "late_claim_expensive_key"
	RuleAboveMedian          = "order_above_median"
	RuleTenureCredit         = "buyer_tenure_credit"
	RulePriorDenied          = "prior_denied_claims"
	RuleRevealedOften        = "revealed_many_times"
	RuleMissingLongAfter     = "missing_long_after_delivery"
	// RuleRefundedOrder and RuleUsedLongAfterReveal were added by ruleset 2026-12.3.
	RuleRefundedOrder       = "claim_on_refunded_order"
	RuleUsedLongAfterReveal = "used_long_after_reveal"
	// RuleRegionLocked was added by ruleset 2026-12.4.
	RuleRegionLocked = "region_locked_claim"
	// RuleUsedAfterStrangeReveal was added by ruleset 2026-12.10.
	RuleUsedAfterStrangeReveal = "used_after_reveal_elsewhere"
	// RuleFrequentClaimant was added by ruleset 2026-12.12.
	RuleFrequentClaimant = "frequent_claimant"
)

// Parameters of the 2026-12.1 rules.
const (
	orderReplacedPoints = 30 // with a floor of review: a person decides

	sameOrderClaimPoints = 15

	textChargebackPoints  = 30
	textNewAddressPoints  = 30
	textAlreadyUsedPoints = 45

	disposablePoints = 25

	clusterClaimPoints          = 12
	clusterReplacementPoints    = 10
	clusterNetClaimPoints       = 6
	clusterNetReplacementPoints = 5
	clusterMaxPoints            = 60

	chargebackSameIPPoints = 30

	sharedDeviceMailboxes     = 3
	sharedDevicePoints        = 30
	sharedDeviceManyMailboxes = 5
	sharedDeviceManyPoints    = 40

	notBuyerPoints = 25
	// notBuyerUnseenPoints is the rule's weight when the key was never revealed: a
	// replacement for such a claim can only go to the order's own mailbox (StepUpDelivery),
	// so a stranger gains nothing by filing it, and an honest buyer on a trip or a new phone
	// must not land in review on this rule and claim_ip_differs_from_order (which counts the
	// same new network again: 25 + 5 reached the review threshold). Any further signal
	// still sends the claim to a person. Ruleset 2026-12.3, found by the independent set.
	notBuyerUnseenPoints = 20
	// notBuyerExplainedPoints is its weight when the buyer's own words say why the device and
	// network are new (TextNewContext: a new phone, the office, a trip, a gift): the same
	// mailbox delivery keeps the replacement from a stranger, and writers of the independent
	// sets serve such a claim while they hold a terse one from a stranger's phone ("code
	// invalid send new one fast"). Ruleset 2026-12.11.
	notBuyerExplainedPoints = 20
	// notBuyerHandoverPoints is its weight when the buyer says why and the claim comes one
	// to seven days after the reveal: the key was passed on (a gift: "妈妈帮我买的", "my dad
	// bought this for my birthday"; a new phone), and its replacement still goes only to the
	// order's mailbox. With late_invalid_claim's 10 and claim_ip_differs_from_order's 5 it
	// stays under review; a week or more later late_invalid_claim's 25 holds it. In the tuning
	// parts the nine claims of this shape (new device and network, one to seven days after
	// the reveal, nothing else) are labelled allow and all say who bought it for whom or why
	// the phone is new, while the six held ones are terse ("激活码提示不存在，麻烦换一个").
	// Without the words it stays 25: a test of the rule on every claim of that shape also
	// served two held-out frauds. Ruleset 2026-12.14.
	notBuyerHandoverPoints = 10
	notBuyerHandoverFrom   = 24 * time.Hour
	notBuyerHandoverUntil  = 7 * 24 * time.Hour

	lateExpensivePoints   = 20
	lateExpensiveAfter    = 7 * 24 * time.Hour
	expensiveMedianFactor = 5

	aboveMedianFactor    = 5
	farAboveMedianFactor = 10
	aboveMedianPoints    = 10
	// farAboveMedianPoints reaches the review threshold alone, from 10 times the median
	// (2026-12.3; it was 15 points from 20 times): a claim on a first order of 20 keys, or on
	// a 888.00 card where 25.00 is usual, is for a person to check first, unless a clean
	// history's credit (buyer_tenure_credit) brings it under. Both independent sets' writers
	// held such claims for a person. A buyer's first order (the claim's own order is their only
	// one) scores it already from aboveMedianFactor: a card worth 6–8 times the usual basket on a
	// fresh account, "never arrived" minutes later, is the carding pattern writers 3 and 4 hold
	// for a person (2026-12.4; no honest claim of any set, and no held-out figure, moved).
	farAboveMedianPoints = 30
	// usualForBuyerFactor: a one-key order is not unusual for a buyer who has paid at least
	// 1/usualForBuyerFactor of it on another order before (a regular's sixth 500.00 card): the
	// product's median says nothing about this buyer. A bulk order stays counted whatever the
	// history: three writers hold a reseller's claim on a lot of 20–50 keys for a person, who
	// checks with the supplier. Ruleset 2026-12.6.
	usualForBuyerFactor = 2

	tenureOrders     = 3
	tenureAge        = 90 * 24 * time.Hour
	tenurePoints     = -15
	longTenureOrders = 10
	longTenureAge    = 365 * 24 * time.Hour
	longTenurePoints = -25

	priorDeniedPoints    = 20
	priorDeniedMaxPoints = 40

	revealedOftenCount  = 3
	revealedOftenPoints = 10

	missingLongAfter       = 14 * 24 * time.Hour
	missingLongAfterPoints = 10

	// A key claim on an order the shop refunded in full: the money is back, a key is not
	// owed (deny on its own); on a partly refunded order (one key of several) a person checks.
	refundedOrderPoints       = 70
	partlyRefundedOrderPoints = 30

	// A key the redeem page calls already used, reported a day or more after it was shown:
	// a supplier who sold a card twice shows within minutes or hours, while days later the
	// likeliest user is whoever saw the key, so a person decides (a floor of review). Few
	// points: late_invalid_claim already weighs the delay, and the two must not stack a
	// late honest report into a denial.
	usedLongAfter       = 24 * time.Hour
	usedLongAfterPoints = 10

	// A key the buyer says is locked to another region is a working key: a replacement from
	// the same product carries the same region, fixes nothing and hands out a second key.
	// A person answers (exchange for the right region's product, refund, or explain), so the
	// rule sets a floor of review with few points: it never denies on its own.
	regionLockedPoints = 5

	// A key the redeem page calls already used, after it was shown on a network that is
	// neither the purchase's nor the claim's: whoever saw it there may have redeemed it
	// (a mailbox or account taken over, a key passed on and resold), or it was the buyer
	// at work. A person asks (a floor of review); few points, so it never denies alone.
	usedAfterStrangeRevealPoints = 10

	// A buyer with two or more earlier claims, at least one for every ten orders: a person
	// decides (a floor of review), however old the claims and whatever their outcome. In
	// the tuning parts of every set, the generator's included, no claim of such a buyer is
	// labelled allow (56 claims: 45 deny, 11 review), while repeat_claims and
	// prior_reissues count only 30 and 90 days and let a slow drip of replacements through.
	// A heavy buyer's occasional bad key (fewer claims than one in ten orders) is spared.
	frequentClaimantClaims         = 2
	frequentClaimantOrdersPerClaim = 10
	frequentClaimantPoints         = 1
)

func init() { ruleset = append(ruleset, identityRules...) }

var identityRules = []rule{
	{
		// The per-order guard: an order that already got its automatic replacement(s),
		// delivered or still pending, does not get another without a person. The activity
		// enforces the same limit in the database; this rule makes the assessment say so.
		name:  RuleOrderAlreadyReplaced,
		max:   orderReplacedPoints,
		kinds: []ClaimKind{ClaimInvalid, ClaimMissing},
		floor: Review,
		desc: fmt.Sprintf("The order already got as many replacement keys (delivered or pending) as one order may get automatically (default 1): +%d, and never less than review: a person decides.",
			orderReplacedPoints),
		eval: func(s *Signals) (int, string) {
			limit := max(1, s.AutoReissueLimit)
			if s.OrderReplacements < limit {
				return 0, ""
			}
			return orderReplacedPoints, fmt.Sprintf("this order already got %s (delivered or pending); one order gets at most %d automatically",
				count(s.OrderReplacements, "replacement key", "replacement keys"), limit)
		},
	},
	{
		name: RuleRepeatClaimSameOrder,
		max:  sameOrderClaimPoints,
		desc: fmt.Sprintf("Another claim was already made on the same order (and did not get the order's replacement): +%d.", sameOrderClaimPoints),
		eval: func(s *Signals) (int, string) {
			// An earlier claim that got the order's replacement is order_already_replaced
			// (for the claim kinds that rule scores).
			replaced := (s.Kind == ClaimInvalid || s.Kind == ClaimMissing) && s.OrderReplacements >= max(1, s.AutoReissueLimit)
			if s.OrderClaims == 0 || replaced {
				return 0, ""
			}
			return sameOrderClaimPoints, fmt.Sprintf("%s already made on this order", count(s.OrderClaims, "other claim was", "other claims were"))
		},
	},
	{
		// Floors since ruleset 2026-12.9, here and for a new address: in every set's tuning
		// part, the generator's included, each claim with these words is labelled review or
		// deny. A replacement under threat is a person's call, whatever the record.
		name:  RuleTextChargeback,
		max:   textChargebackPoints,
		floor: Review,
		desc:  fmt.Sprintf("The buyer's message threatens a chargeback or bank dispute: +%d, and a person decides.", textChargebackPoints),
		eval:  textRule(TextChargebackThreat, textChargebackPoints, "the buyer's message threatens a chargeback or a bank dispute"),
	},
	{
		name:  RuleTextNewAddress,
		max:   textNewAddressPoints,
		floor: Review,
		desc:  fmt.Sprintf("The buyer asks for the key to go to a new or different address or account (account takeover pattern): +%d, and a person decides.", textNewAddressPoints),
		eval:  textRule(TextNewAddress, textNewAddressPoints, "the buyer asks for the key to be sent to a new or different address, the usual request of someone who is not the buyer"),
	},
	{
		name:  RuleTextAlreadyUsed,
		max:   textAlreadyUsedPoints,
		kinds: []ClaimKind{ClaimInvalid, ClaimRefund},
		desc:  fmt.Sprintf("The buyer says the key was already used or worked before: +%d.", textAlreadyUsedPoints),
		eval:  textRule(TextAlreadyUsed, textAlreadyUsedPoints, "the buyer's own message says the key was already used or worked before"),
	},
	{
		// Nobody keeps a throwaway mailbox to hear back about a purchase: a person decides
		// (every writer of the independent sets, and the generator, hold these). Floor since
		// ruleset 2026-12.8.
		name:  RuleDisposableEmail,
		max:   disposablePoints,
		floor: Review,
		desc:  fmt.Sprintf("The claim comes from a throwaway e-mail service (embedded list): +%d, and a person decides.", disposablePoints),
		eval: func(s *Signals) (int, string) {
			if !s.EmailDisposable {
				return 0, ""
			}
			return disposablePoints, fmt.Sprintf("the claim comes from a throwaway e-mail address (%s)", s.EmailDomain)
		},
	},
	{
		// Rings of sibling mailboxes: several addresses on one device or network, each
		// claiming once, look clean one by one.
		name: RuleLinkedCluster,
		max:  clusterMaxPoints,
		desc: fmt.Sprintf("Other mailboxes linked to the claimant made claims in the last 90 days: +%d per claim linked by IP address, +%d per replacement key they got (device or IP links); +%d and +%d for links by network only; at most +%d. Claims from the claimant's own device are scored by repeat_claims.",
			clusterClaimPoints, clusterReplacementPoints, clusterNetClaimPoints, clusterNetReplacementPoints, clusterMaxPoints),
		eval: func(s *Signals) (int, string) {
			strong := clusterClaimPoints*s.ClusterClaims90d + clusterReplacementPoints*s.ClusterReplacement
			weak := clusterNetClaimPoints*s.ClusterNetClaims + clusterNetReplacementPoints*s.ClusterNetReplacements
			if strong+weak == 0 {
				return 0, ""
			}
			return min(clusterMaxPoints, strong+weak), fmt.Sprintf("%s linked to this claimant (by %s): %s by IP, %s by network only, %s given to them",
				count(s.ClusterMailboxes, "other mailbox", "other mailboxes"), linksText(s.ClusterLinks),
				count(s.ClusterClaims90d, "claim", "claims"), count(s.ClusterNetClaims, "claim", "claims"),
				count(s.ClusterReplacement+s.ClusterNetReplacements, "replacement key", "replacement keys"))
		},
	},
	{
		name: RuleChargebackSameIP,
		max:  chargebackSameIPPoints,
		desc: fmt.Sprintf("A chargeback came from an order paid from the claim's IP address (none by this email or device): +%d.", chargebackSameIPPoints),
		eval: func(s *Signals) (int, string) {
			if s.Chargebacks > 0 || s.ChargebacksSameIP == 0 {
				return 0, ""
			}
			return chargebackSameIPPoints, fmt.Sprintf("%s on orders paid from this claim's IP address", count(s.ChargebacksSameIP, "chargeback", "chargebacks"))
		},
	},
	{
		name: RuleSharedDevice,
		max:  sharedDeviceManyPoints,
		desc: fmt.Sprintf("Many mailboxes used the claimant's device, or the device the order was bought from, in 90 days: +%d from %d, +%d from %d.",
			sharedDevicePoints, sharedDeviceMailboxes, sharedDeviceManyPoints, sharedDeviceManyMailboxes),
		eval: func(s *Signals) (int, string) {
			n, what := s.DeviceMailboxes, "this device"
			if s.OrderDeviceMailboxes > n {
				n, what = s.OrderDeviceMailboxes, "the device this order was bought from"
			}
			switch {
			case n >= sharedDeviceManyMailboxes:
				return sharedDeviceManyPoints, fmt.Sprintf("%d different mailboxes used %s in the last 90 days", n, what)
			case n >= sharedDeviceMailboxes:
				return sharedDevicePoints, fmt.Sprintf("%d different mailboxes used %s in the last 90 days", n, what)
			}
			return 0, ""
		},
	},
	{
		// Account takeover: someone who knows the order number and e-mail claims from a
		// device and network the buyer never used for the purchase or the reveal. Only
		// keydesk's own device ids are compared (a shop's checkout id is another namespace).
		name:  RuleClaimantNotBuyer,
		max:   notBuyerPoints,
		kinds: []ClaimKind{ClaimInvalid, ClaimMissing},
		desc: fmt.Sprintf("The claim comes from a device that is not one of the buyer's known keydesk devices (the order's, when the shop passes keydesk's id at checkout, or earlier claims') and from a network that differs from the purchase and every reveal: +%d; +%d when the key was never revealed (its replacement can only go to the order's mailbox), +%d when the buyer says why (a new phone, work, a trip, a gift), +%d when the buyer says why and the claim comes one to seven days after the reveal (a key passed on).",
			notBuyerPoints, notBuyerUnseenPoints, notBuyerExplainedPoints, notBuyerHandoverPoints),
		eval: func(s *Signals) (int, string) {
			if s.DeviceID == "" || len(s.KnownDevices) == 0 || slices.Contains(s.KnownDevices, s.DeviceID) {
				return 0, "" // no known device to compare with, or a known one
			}
			if NetworkOf(s.ClaimIP) == "" || SameNetwork(s.ClaimIP, s.OrderIP) {
				return 0, ""
			}
			for _, ip := range s.RevealIPs {
				if SameNetwork(s.ClaimIP, ip) {
					return 0, ""
				}
			}
			if !keySeen(s) {
				return notBuyerUnseenPoints, "the claim comes from a device the buyer was never seen on and from a network the buyer did not use to buy; the key was never revealed, so a replacement can only go to the order's mailbox"
			}
			explained := slices.Contains(s.TextFlags, TextNewContext)
			if d, ok := revealToClaim(s); ok && explained && d >= notBuyerHandoverFrom && d < notBuyerHandoverUntil {
				return notBuyerHandoverPoints, fmt.Sprintf("the claim comes from a device the buyer was never seen on and from a network the buyer did not use to buy or to reveal the key, %s after the reveal, and the buyer says why (a gift, a new phone): the key was passed on; a replacement can only go to the order's mailbox", humanDuration(d))
			}
			if explained {
				return notBuyerExplainedPoints, "the claim comes from a device the buyer was never seen on and from a network the buyer did not use to buy or to reveal the key; the buyer says why (a new phone, work, a trip or a gift), and a replacement can only go to the order's mailbox"
			}
			return notBuyerPoints, "the claim comes from a device the buyer was never seen on and from a network the buyer did not use to buy or to reveal the key"
		},
	},
	{
		name:  RuleLateExpensive,
		max:   lateExpensivePoints,
		kinds: []ClaimKind{ClaimInvalid},
		desc: fmt.Sprintf("Key-invalid claim at least 7 days after the reveal on an expensive order (the merchant's high-value line, else %d times the merchant's median order): +%d.",
			expensiveMedianFactor, lateExpensivePoints),
		eval: func(s *Signals) (int, string) {
			if !lateExpensive(s) {
				return 0, ""
			}
			d, _ := revealToClaim(s)
			return lateExpensivePoints, fmt.Sprintf("an expensive key (%d in minor units) reported invalid %s after it was revealed", s.OrderAmount, humanDuration(d))
		},
	},
	{
		name: RuleAboveMedian,
		max:  farAboveMedianPoints,
		desc: fmt.Sprintf("Order value far above the median of the product's recent orders (not counted again when late_claim_expensive_key fires): +%d from %d times, +%d from %d times or from %d times on the buyer's first order; nothing for a one-key order when the buyer already paid half as much or more on another order.",
			aboveMedianPoints, aboveMedianFactor, farAboveMedianPoints, farAboveMedianFactor, aboveMedianFactor),
		eval: func(s *Signals) (int, string) {
			if s.ProductMedianAmount <= 0 || s.OrderAmount <= 0 || lateExpensive(s) {
				return 0, "" // value is counted once: by late_claim_expensive_key when it fires
			}
			if s.OrderQuantity <= 1 && s.BuyerMaxOtherAmount*usualForBuyerFactor >= s.OrderAmount {
				return 0, "" // one key, and the buyer already paid as much on another order
			}
			if s.OrderQuantity > 1 && slices.Contains(s.TextFlags, TextOneOfMany) {
				// One key of a bulk order failed and the rest worked: a replacement is one
				// key, and a school's or a reseller's forty keys are not a carder's first order.
				return 0, ""
			}
			ratio := s.OrderAmount / s.ProductMedianAmount
			switch {
			case ratio >= farAboveMedianFactor:
				return farAboveMedianPoints, fmt.Sprintf("the order is worth %d times the median order of this product", ratio)
			case ratio >= aboveMedianFactor && s.BuyerOrders <= 1:
				return farAboveMedianPoints, fmt.Sprintf("the buyer's first order is worth %d times the median order of this product", ratio)
			case ratio >= aboveMedianFactor:
				return aboveMedianPoints, fmt.Sprintf("the order is worth %d times the median order of this product", ratio)
			}
			return 0, ""
		},
	},
	{
		// A long, clean history earns credit: many orders over months, few claims, none
		// denied, no chargeback.
		name: RuleTenureCredit,
		min:  longTenurePoints,
		desc: fmt.Sprintf("Clean buyer history (no chargeback, no denied claim, at most one claim per 5 orders): %d from %d orders over %s, %d from %d orders over %s.",
			tenurePoints, tenureOrders, humanDuration(tenureAge), longTenurePoints, longTenureOrders, humanDuration(longTenureAge)),
		eval: func(s *Signals) (int, string) {
			if s.Chargebacks > 0 || s.BuyerDeniedClaims > 0 || s.BuyerFirstOrderAt.IsZero() || s.ClaimAt.IsZero() {
				return 0, ""
			}
			if s.BuyerClaimsEver*5 > s.BuyerOrders {
				return 0, ""
			}
			age := s.ClaimAt.Sub(s.BuyerFirstOrderAt)
			switch {
			case s.BuyerOrders >= longTenureOrders && age >= longTenureAge:
				return longTenurePoints, fmt.Sprintf("a long clean history: %d orders since %s, %s", s.BuyerOrders, s.BuyerFirstOrderAt.Format("2006-01-02"), count(s.BuyerClaimsEver, "earlier claim", "earlier claims"))
			case s.BuyerOrders >= tenureOrders && age >= tenureAge:
				return tenurePoints, fmt.Sprintf("a clean history: %d orders since %s, %s", s.BuyerOrders, s.BuyerFirstOrderAt.Format("2006-01-02"), count(s.BuyerClaimsEver, "earlier claim", "earlier claims"))
			}
			return 0, ""
		},
	},
	{
		// A person once found this buyer's claim abusive: a person decides again, however
		// clean the rest looks (every writer of the independent sets labels it so).
		// Floor since ruleset 2026-12.8.
		name:  RulePriorDenied,
		max:   priorDeniedMaxPoints,
		floor: Review,
		desc:  fmt.Sprintf("Earlier claims of this buyer were denied: +%d each, at most +%d, and a person decides.", priorDeniedPoints, priorDeniedMaxPoints),
		eval: func(s *Signals) (int, string) {
			if s.BuyerDeniedClaims == 0 {
				return 0, ""
			}
			return min(priorDeniedMaxPoints, priorDeniedPoints*s.BuyerDeniedClaims),
				fmt.Sprintf("%s of this buyer denied before", count(s.BuyerDeniedClaims, "claim was", "claims were"))
		},
	},
	{
		name:  RuleFrequentClaimant,
		max:   frequentClaimantPoints,
		kinds: []ClaimKind{ClaimInvalid, ClaimMissing},
		floor: Review,
		desc: fmt.Sprintf("The buyer made %d or more key claims before, any time, at least one for every %d orders: +%d, and a person decides.",
			frequentClaimantClaims, frequentClaimantOrdersPerClaim, frequentClaimantPoints),
		eval: func(s *Signals) (int, string) {
			if s.BuyerClaimsEver < frequentClaimantClaims || s.BuyerClaimsEver*frequentClaimantOrdersPerClaim < s.BuyerOrders {
				return 0, ""
			}
			return frequentClaimantPoints, fmt.Sprintf("the buyer made %s before, over %s", count(s.BuyerClaimsEver, "claim", "claims"), count(s.BuyerOrders, "order", "orders"))
		},
	},
	{
		name:  RuleRevealedOften,
		max:   revealedOftenPoints,
		kinds: []ClaimKind{ClaimInvalid},
		desc:  fmt.Sprintf("The key was revealed %d times or more before it was reported invalid: +%d.", revealedOftenCount, revealedOftenPoints),
		eval: func(s *Signals) (int, string) {
			if s.RevealCount < revealedOftenCount {
				return 0, ""
			}
			return revealedOftenPoints, fmt.Sprintf("the key was revealed %d times before it was reported invalid", s.RevealCount)
		},
	},
	{
		name:  RuleMissingLongAfter,
		max:   missingLongAfterPoints,
		kinds: []ClaimKind{ClaimMissing},
		desc:  fmt.Sprintf("Key-missing claim %s or more after delivery: +%d.", humanDuration(missingLongAfter), missingLongAfterPoints),
		eval: func(s *Signals) (int, string) {
			if s.DeliveredAt.IsZero() || s.ClaimAt.IsZero() || s.ClaimAt.Sub(s.DeliveredAt) < missingLongAfter {
				return 0, ""
			}
			return missingLongAfterPoints, fmt.Sprintf("the key was delivered %s before the buyer said it never arrived", humanDuration(s.ClaimAt.Sub(s.DeliveredAt)))
		},
	},
	{
		name:  RuleRefundedOrder,
		max:   refundedOrderPoints,
		kinds: []ClaimKind{ClaimInvalid, ClaimMissing},
		desc: fmt.Sprintf("Key claim on an order the shop already refunded: +%d when refunded in full (the money is back, a key is not owed), +%d when partly.",
			refundedOrderPoints, partlyRefundedOrderPoints),
		eval: func(s *Signals) (int, string) {
			switch {
			case s.OrderRefunded <= 0:
				return 0, ""
			case s.OrderAmount > 0 && s.OrderRefunded < s.OrderAmount:
				return partlyRefundedOrderPoints, fmt.Sprintf("%d of the order's %d (minor units) were already refunded", s.OrderRefunded, s.OrderAmount)
			}
			return refundedOrderPoints, "the order was already refunded in full: the money is back, a replacement key is not owed"
		},
	},
	{
		name:  RuleUsedLongAfterReveal,
		max:   usedLongAfterPoints,
		kinds: []ClaimKind{ClaimInvalid},
		floor: Review,
		desc: fmt.Sprintf("The buyer says the redeem page calls the key already used, %s or more after it was revealed: +%d, and a person decides.",
			humanDuration(usedLongAfter), usedLongAfterPoints),
		eval: func(s *Signals) (int, string) {
			d, ok := revealToClaim(s)
			if !ok || d < usedLongAfter || !slices.Contains(s.TextFlags, TextReportedUsed) {
				return 0, ""
			}
			return usedLongAfterPoints, fmt.Sprintf("the key is reported as already used %s after it was revealed: a supplier's double sale shows within hours", humanDuration(d))
		},
	},
	{
		// Every writer of the independent sets who wrote this case held it ("I never used it,
		// who did?"), while a gift revealed by the friend is reported as merely invalid.
		name:  RuleUsedAfterStrangeReveal,
		max:   usedAfterStrangeRevealPoints,
		kinds: []ClaimKind{ClaimInvalid},
		floor: Review,
		desc: fmt.Sprintf("The buyer says the redeem page calls the key already used, and it was revealed from a network that is neither the purchase's nor the claim's: +%d, and a person decides.",
			usedAfterStrangeRevealPoints),
		eval: func(s *Signals) (int, string) {
			if !slices.Contains(s.TextFlags, TextReportedUsed) || !LinkableIP(s.OrderIP) {
				return 0, "" // without the purchase's network there is nothing to compare
			}
			for _, ip := range s.RevealIPs {
				if LinkableIP(ip) && !SameNetwork(ip, s.OrderIP) && !SameNetwork(ip, s.ClaimIP) {
					return usedAfterStrangeRevealPoints, "the key is reported as already used, and it was revealed from a network the buyer did not buy or claim from"
				}
			}
			return 0, ""
		},
	},
	{
		name:  RuleRegionLocked,
		max:   regionLockedPoints,
		kinds: []ClaimKind{ClaimInvalid},
		floor: Review,
		desc: fmt.Sprintf("The buyer says the key is locked to another region or country: +%d, and a person decides (a replacement from the same product has the same region).",
			regionLockedPoints),
		eval: textRule(TextRegionLocked, regionLockedPoints,
			"the buyer says the key is locked to another region: a replacement of the same product would be too, and the key itself works"),
	},
}

func textRule(flag string, pts int, reason string) func(s *Signals) (int, string) {
	return func(s *Signals) (int, string) {
		if !slices.Contains(s.TextFlags, flag) {
			return 0, ""
		}
		return pts, reason
	}
}

// lateExpensive reports whether the claim is a key-invalid claim at least
// lateExpensiveAfter after the reveal on an expensive order.
func lateExpensive(s *Signals) bool {
	if s.Kind != ClaimInvalid {
		return false
	}
	d, ok := revealToClaim(s)
	return ok && d >= lateExpensiveAfter && expensive(s)
}

// expensive reports whether the order is at or above the merchant's high-value line, or
// (without one) at least expensiveMedianFactor times the merchant's median order.
func expensive(s *Signals) bool {
	if s.HighValueAmount > 0 {
		return s.OrderAmount >= s.HighValueAmount
	}
	return s.MerchantMedianAmount > 0 && s.OrderAmount/s.MerchantMedianAmount >= expensiveMedianFactor
}

func linksText(links []string) string {
	if len(links) == 0 {
		return "device or network"
	}
	return strings.Join(links, ", ")
}

// keySeen reports whether the shop recorded the claimed key being shown to anyone.
func keySeen(s *Signals) bool {
	return s.KeyRevealed || s.RevealCount > 0 || len(s.RevealIPs) > 0
}

package fraud

// StepUpDelivery reports whether a replacement for a claim with these hits must go to the
// order's own contact instead of the claimant's status page: the claim came from a device
// and a network the buyer never used to buy or to reveal the key (RuleClaimantNotBuyer).
// Whoever knows an order number and its e-mail address can file a claim; only the
// order's mailbox can pick the key up. An honest buyer on a new phone still gets the key,
// in their own mailbox.
func StepUpDelivery(hits []Hit) bool {
	for _, h := range hits {
		if h.Rule == RuleClaimantNotBuyer && h.Points > 0 {
			return true
		}
	}
	return false
}

// StepUpUnknownDevice reports whether a claim with no known keydesk device of the buyer to
// compare with should still be stepped up: it comes from a public network that is neither
// the purchase's nor any reveal's. Without a known device RuleClaimantNotBuyer cannot fire,
// and the order number and e-mail alone would otherwise put the key on the claimant's
// screen. It adds no points (an honest buyer on another network is still served, in their
// own mailbox); the caller applies it only when the shop can deliver messages.
func StepUpUnknownDevice(s Signals) bool {
	if (s.Kind != ClaimInvalid && s.Kind != ClaimMissing) || len(s.KnownDevices) > 0 {
		return false
	}
	if !LinkableIP(s.ClaimIP) || !LinkableIP(s.OrderIP) || SameNetwork(s.ClaimIP, s.OrderIP) {
		return false
	}
	for _, ip := range s.RevealIPs {
		if SameNetwork(s.ClaimIP, ip) {
			return false
		}
	}
	return true
}

package activities

// Signals of issue 12 behind AssessKeyClaim: the claimant's identity and its links to other
// mailboxes, the claim's own words, the order's replacements and reveals, value norms and
// the buyer's standing, and the honest count of distinct buyers reporting a batch. The
// per-order guard of automatic replacements lives here too.

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/keydesk/keydesk/fraud"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// Identity-link windows: a device is one person's for months, an exact IP for weeks, a
// network (/24, /48) only for days (carriers and offices put many people behind one).
const (
	linkDeviceWindow = 90 * 24 * time.Hour
	linkIPWindow     = 30 * 24 * time.Hour
	linkNetWindow    = 7 * 24 * time.Hour
	linkEmailWindow  = 90 * 24 * time.Hour
)

// A claimant's address is a busy shared network when other buyers placed at least
// sharedNetworkOrders orders from it (or its /24) in the link windows and at most one in
// sharedNetworkClaimRate of those orders was claimed.
const (
	sharedNetworkOrders    = 20
	sharedNetworkClaimRate = 5
)

// OrderReplacedBlockReason is the ReissueResult.Reason of an automatic replacement refused
// because the order already used up its automatic replacements.
const OrderReplacedBlockReason = "this order already got its automatic replacement key; a person must approve another one"

// claimKind reports whether a ticket category is a key claim served by a replacement.
func claimKind(category string) bool {
	return category == string(fraud.ClaimInvalid) || category == string(fraud.ClaimMissing)
}

// automaticReissue reports whether a replacement for the claim would be automatic: no
// person decided it. A stored assessment of review or deny means a risk agent approved the
// reissue (the workflow reissues those only on approval); allow, or no assessment, is
// automatic and needs the order's automatic slot.
func (a *Activities) automaticReissue(ctx context.Context, c store.Claim) (bool, error) {
	if !claimKind(c.Ticket.Category) {
		return false, nil
	}
	fa, err := a.Store.FraudAssessmentByKey(ctx, ClaimAssessmentKey(c.Ticket.ID))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return true, nil
	case err != nil:
		return false, err
	}
	return fa.Decision == string(fraud.Allow), nil
}

// claimContext is the claim_contexts row of an assessed claim.
func claimContext(c store.Claim, sig fraud.Signals, now time.Time) models.ClaimContext {
	t := c.Ticket
	email := t.CustomerEmail
	if email == "" && c.Order != nil {
		email = c.Order.BuyerEmail
	}
	cc := models.ClaimContext{
		TicketID: t.ID, MerchantID: t.MerchantID, OrderID: t.OrderID, Category: t.Category,
		EmailNorm: clipStr(fraud.NormalizeEmail(email), 254), DeviceID: clipStr(t.DeviceID, 128),
		IP: clipStr(t.CustomerIP, 64), IPNet: fraud.NetworkOf(t.CustomerIP),
		TextFlags: clipStr(strings.Join(sig.TextFlags, ","), 200), ClaimedAt: sig.ClaimAt, CreatedAt: now,
	}
	if c.ReportedKey != nil {
		kid, bid := c.ReportedKey.ID, c.ReportedKey.BatchID
		cc.ReportedKeyID, cc.BatchID = &kid, &bid
	}
	return cc
}

// batchReporters counts the distinct buyers, not linked to the claimant nor to each
// other, whose key_invalid claims were about a key of the reported key's batch. Only the
// key a claim was about counts (recorded when it was assessed), never replacement keys
// the batch later supplied to other orders.
func (a *Activities) batchReporters(ctx context.Context, c store.Claim, email string, claimAt time.Time) (int, error) {
	ccs, err := a.Store.BatchReportContexts(ctx, c.Ticket.MerchantID, c.ReportedKey.BatchID, c.Ticket.ID, claimAt)
	if err != nil {
		return 0, err
	}
	reps := make([]fraud.Reporter, len(ccs))
	for i, cc := range ccs {
		reps[i] = fraud.Reporter{Email: cc.EmailNorm, Device: cc.DeviceID, IP: cc.IP, At: cc.ClaimedAt}
	}
	self := fraud.Reporter{Email: fraud.NormalizeEmail(email), Device: c.Ticket.DeviceID, IP: c.Ticket.CustomerIP, At: claimAt}
	return fraud.DistinctUnlinked(self, reps, linkNetWindow), nil
}

// gatherIdentity fills the claimant's device, e-mail domain, claim-text flags, standing
// and linked cluster.
func (a *Activities) gatherIdentity(ctx context.Context, c store.Claim, email string, sig *fraud.Signals) error {
	t, st := c.Ticket, a.Store
	sig.DeviceID = t.DeviceID
	sig.EmailDomain = fraud.EmailDomain(email)
	sig.EmailDisposable = sig.EmailDomain != "" && fraud.IsDisposableDomain(sig.EmailDomain)
	body, err := st.FirstCustomerMessage(ctx, t.ID)
	if err != nil {
		return err
	}
	sig.TextFlags = fraud.ClaimTextFlags(t.Subject + "\n" + body)

	h, err := st.BuyerStanding(ctx, t.MerchantID, email, t.ID, sig.ClaimAt)
	if err != nil {
		return err
	}
	sig.BuyerOrders, sig.BuyerFirstOrderAt, sig.BuyerClaimsEver, sig.BuyerDeniedClaims = h.Orders, h.FirstOrderAt, h.ClaimsEver, h.Denied
	var claimOrder uint64
	if t.OrderID != nil {
		claimOrder = *t.OrderID
	}
	if sig.BuyerMaxOtherAmount, err = st.BuyerMaxOtherAmount(ctx, t.MerchantID, email, claimOrder, sig.ClaimAt); err != nil {
		return err
	}
	if sig.MerchantMedianAmount, err = st.MerchantMedianAmount(ctx, t.MerchantID, sig.ClaimAt); err != nil {
		return err
	}

	norm := fraud.NormalizeEmail(email)
	ip, ipNet := "", ""
	if fraud.LinkableIP(t.CustomerIP) {
		// A proxy's, carrier's or private address links nobody (see fraud.LinkableIP).
		ip, ipNet = t.CustomerIP, fraud.NetworkLikePattern(t.CustomerIP)
	}
	q := store.LinkQuery{
		MerchantID: t.MerchantID, ExcludeTicket: t.ID, Emails: []string{email, norm},
		Device: t.DeviceID, IP: ip, IPNetLike: ipNet, To: sig.ClaimAt,
		DeviceWindow: linkDeviceWindow, IPWindow: linkIPWindow, NetWindow: linkNetWindow, EmailWindow: linkEmailWindow,
	}
	claims, err := st.LinkedClaims(ctx, q)
	if err != nil {
		return err
	}
	q.Emails = nil // orders are linked by device and address only
	orders, err := st.LinkedOrders(ctx, q)
	if err != nil {
		return err
	}
	mailboxes := map[string]bool{}
	deviceMailboxes := map[string]bool{}
	if t.DeviceID != "" && norm != "" {
		deviceMailboxes[norm] = true
	}
	var deviceClaims, ipClaims, netClaims, spelledClaims []uint64
	var links []string
	for _, lc := range claims {
		m := fraud.NormalizeEmail(lc.Email)
		byDevice := hasVia(lc.Via, "device")
		if byDevice && m != "" {
			deviceMailboxes[m] = true
		}
		if m == norm && fraud.IsKeydeskDevice(lc.Device) {
			sig.KnownDevices = appendOnce(sig.KnownDevices, lc.Device) // the buyer's earlier claims
		}
		if m == norm && m != "" && countsAsOwnSpelling(lc, email, t.OrderID, sig.ClaimAt) {
			spelledClaims = append(spelledClaims, lc.ID)
			if sig.ClaimAt.Sub(lc.CreatedAt) < 30*24*time.Hour {
				sig.ClaimsByEmail30d++
			}
			sig.ClaimsByEmail90d++
		}
		if m == norm || m == "" {
			continue
		}
		mailboxes[m] = true
		links = appendOnce(links, lc.Via...)
		switch {
		case byDevice:
			// Counted by repeat_claims (claims by device); only its replacements here.
			deviceClaims = append(deviceClaims, lc.ID)
		case hasVia(lc.Via, "ip"):
			ipClaims = append(ipClaims, lc.ID)
		default:
			netClaims = append(netClaims, lc.ID)
		}
	}
	addrOrders := 0 // other mailboxes' orders from the claimant's address or network
	for _, lo := range orders {
		m := fraud.NormalizeEmail(lo.Email)
		if hasVia(lo.Via, "device") && m != "" {
			deviceMailboxes[m] = true
		}
		if m == norm || m == "" {
			continue
		}
		mailboxes[m] = true
		links = appendOnce(links, lo.Via...)
		if !hasVia(lo.Via, "device") {
			addrOrders++
		}
	}
	// A busy shared network (a carrier's or an office's address): many other buyers order
	// from it and few of them claim. Its claims say nothing about this buyer.
	sig.SharedNetwork = addrOrders >= sharedNetworkOrders && (len(ipClaims)+len(netClaims))*sharedNetworkClaimRate <= addrOrders
	if sig.SharedNetwork {
		ipClaims, netClaims = nil, nil
	}
	sig.ClusterMailboxes = len(mailboxes)
	sig.ClusterClaims90d = len(ipClaims)
	sig.ClusterNetClaims = len(netClaims)
	sig.ClusterLinks = links
	if t.DeviceID != "" {
		sig.DeviceMailboxes = len(deviceMailboxes)
	}
	spelledReplacements, err := st.ReplacementsForTickets(ctx, spelledClaims)
	if err != nil {
		return err
	}
	sig.ReissuesByEmail90d += spelledReplacements
	if sig.ClusterReplacement, err = st.ReplacementsForTickets(ctx, append(deviceClaims, ipClaims...)); err != nil {
		return err
	}
	sig.ClusterNetReplacements, err = st.ReplacementsForTickets(ctx, netClaims)
	return err
}

// countsAsOwnSpelling reports whether a linked claim whose mailbox normalises to the
// claimant's (fraud.NormalizeEmail: gmail dots, +tags, googlemail.com) is one the buyer's
// history counts (gatherHistory, by the literal address, which both databases compare
// ignoring case) missed: another spelling of the address, within 90 days, not on the
// claim's own order (the order's rules count those). Without it, j.o.h.n@gmail.com's fifth
// claim after john@, jo.hn@, … was a first claim (ruleset 2026-12.3, found by the second
// independent set).
func countsAsOwnSpelling(lc store.LinkedTicket, email string, order *uint64, claimAt time.Time) bool {
	if strings.EqualFold(lc.Email, email) || claimAt.Sub(lc.CreatedAt) >= 90*24*time.Hour {
		return false // the same address: counted by the literal look-up
	}
	return order == nil || lc.OrderID == nil || *lc.OrderID != *order
}

// gatherOrderContext fills the order's replacements and claims, reveal context, delivery
// time, the product's median and the order's device.
func (a *Activities) gatherOrderContext(ctx context.Context, c store.Claim, sig *fraud.Signals) error {
	st, o, t := a.Store, c.Order, c.Ticket
	sig.OrderDeviceID = o.DeviceID
	if fraud.IsKeydeskDevice(o.DeviceID) {
		// The shop passed keydesk's own device id at checkout: the buyer's device.
		sig.KnownDevices = appendOnce(sig.KnownDevices, o.DeviceID)
	}
	slices.Sort(sig.KnownDevices)
	// The shop's own device id links orders to orders (one namespace): mailboxes that
	// bought from the device this order was bought from.
	emails, err := st.OrderDeviceEmails(ctx, o.MerchantID, o.DeviceID, store.Window{From: sig.ClaimAt.Add(-linkDeviceWindow), To: sig.ClaimAt})
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, e := range emails {
		if n := fraud.NormalizeEmail(e); n != "" {
			seen[n] = true
		}
	}
	sig.OrderDeviceMailboxes = len(seen)
	if sig.OrderReplacements, err = st.OrderReplacements(ctx, o.ID, t.ID); err != nil {
		return err
	}
	if sig.OrderClaims, err = st.OrderClaims(ctx, o.ID, t.ID, sig.ClaimAt); err != nil {
		return err
	}
	var keyID uint64
	if c.ReportedKey != nil {
		keyID = c.ReportedKey.ID
	}
	rev, err := st.OrderReveals(ctx, o.ID, keyID, sig.ClaimAt)
	if err != nil {
		return err
	}
	sig.RevealCount, sig.RevealIPs = rev.Count, rev.IPs
	sig.DeliveredAt = o.PaidAt.UTC()
	if c.ReportedKey != nil && c.ReportedKey.DeliveredAt != nil {
		sig.DeliveredAt = c.ReportedKey.DeliveredAt.UTC()
	}
	sig.ProductMedianAmount, err = st.ProductMedianAmount(ctx, o.ProductID, sig.ClaimAt)
	return err
}

func hasVia(via []string, want string) bool {
	for _, v := range via {
		if v == want {
			return true
		}
	}
	return false
}

func appendOnce(xs []string, ys ...string) []string {
	for _, y := range ys {
		found := false
		for _, x := range xs {
			if x == y {
				found = true
				break
			}
		}
		if !found {
			xs = append(xs, y)
		}
	}
	return xs
}

func clipStr(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// gatherImported adds the shop's imported history from before keydesk (history_events) to
// the claimant's counts, each event by its own date.
func (a *Activities) gatherImported(ctx context.Context, c store.Claim, email string, sig *fraud.Signals) error {
	t := c.Ticket
	ip := t.CustomerIP
	if !fraud.LinkableIP(ip) {
		ip = ""
	}
	h, err := a.Store.HistoryFor(ctx, t.MerchantID, fraud.NormalizeEmail(email), t.DeviceID, ip, sig.ClaimAt)
	if err != nil {
		return err
	}
	sig.ClaimsByEmail30d += h.ClaimsEmail30d
	sig.ClaimsByEmail90d += h.ClaimsEmail90d
	sig.ClaimsByDevice30d += h.ClaimsDevice30d
	sig.ClaimsByDevice90d += h.ClaimsDevice90d
	sig.ClaimsByIP30d += h.ClaimsIP30d
	sig.ClaimsByIP90d += h.ClaimsIP90d
	sig.ReissuesByEmail90d += h.ReissuesEmail90d
	sig.RefundsByEmail90d += h.RefundsEmail90d
	sig.Chargebacks += h.Chargebacks
	sig.ChargebacksSameIP += h.ChargebacksIP
	sig.BuyerClaimsEver += h.ClaimsEver
	sig.BuyerDeniedClaims += h.Denied
	sig.BuyerOrders += h.Orders
	if !h.FirstOrderAt.IsZero() && (sig.BuyerFirstOrderAt.IsZero() || h.FirstOrderAt.Before(sig.BuyerFirstOrderAt)) {
		sig.BuyerFirstOrderAt = h.FirstOrderAt
	}
	return nil
}

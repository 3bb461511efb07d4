package store

// Fraud-signal repositories of issue 12: the per-order automatic reissue guard
// (auto_reissues), what each claim was about and who made it (claim_contexts), honest batch
// reports, and the look-ups behind identity links, buyer tenure and value norms.

import (
	"context"
	"errors"

	"fmt"
	"gorm.io/gorm"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/keydesk/keydesk/models"
)

// TakeAutoReissue takes one of the order's automatic replacement slots for the ticket: it
// reports true when the ticket holds one (already, or now), false when the order's limit of
// automatic replacements is used up by other tickets. The slot is a row with a unique
// (order_id, seq), seq in 1..limit, so two transactions can never take the same one: the
// second insert fails and the order counts as used up. It must run inside InTx (the
// reissue or assessment transaction), so a rollback frees the slot.
func (s *Store) TakeAutoReissue(ctx context.Context, merchantID, orderID, ticketID uint64, limit int, now time.Time) (bool, error) {
	if !InTransaction(ctx) {
		return false, errors.New("take automatic reissue: must run inside a transaction")
	}
	if _, err := s.AutoReissueForTicket(ctx, ticketID); err == nil {
		return true, nil
	} else if !errors.Is(err, ErrNotFound) {
		return false, err
	}
	// Try each slot 1..limit: an insert either takes a free one or fails on the unique
	// (order_id, seq), whatever other transactions see or have not committed yet. Slots
	// already visible as taken are skipped (so only a real race meets the unique key).
	var taken []int
	if err := s.DB(ctx).Model(&models.AutoReissue{}).Where("order_id = ?", orderID).Pluck("seq", &taken).Error; err != nil {
		return false, Translate(err, "automatic reissue slots")
	}
	for seq := 1; seq <= limit; seq++ {
		if slices.Contains(taken, seq) {
			continue
		}
		row := models.AutoReissue{MerchantID: merchantID, OrderID: orderID, Seq: seq, TicketID: ticketID,
			Status: models.AutoReissueHeld, CreatedAt: now, UpdatedAt: now}
		err := s.DB(ctx).Create(&row).Error
		if err == nil {
			return true, nil
		}
		if !errors.Is(Translate(err, ""), ErrDuplicate) {
			return false, Translate(err, "take automatic reissue")
		}
		// Slot taken, or this very ticket raced itself (unique ticket_id).
		if _, terr := s.AutoReissueForTicket(ctx, ticketID); terr == nil {
			return true, nil
		} else if !errors.Is(terr, ErrNotFound) {
			return false, terr
		}
	}
	return false, nil
}

// AutoReissueForTicket returns the ticket's automatic reissue slot (ErrNotFound when none).
func (s *Store) AutoReissueForTicket(ctx context.Context, ticketID uint64) (models.AutoReissue, error) {
	var r models.AutoReissue
	err := s.DB(ctx).Where("ticket_id = ?", ticketID).Take(&r).Error
	return r, Translate(err, "automatic reissue of ticket")
}

// OrderAutoReissues counts the order's automatic replacements, pending or delivered.
func (s *Store) OrderAutoReissues(ctx context.Context, orderID uint64) (int, error) {
	var n int64
	err := s.DB(ctx).Model(&models.AutoReissue{}).Where("order_id = ?", orderID).Count(&n).Error
	return int(n), Translate(err, "count automatic reissues")
}

// MarkAutoReissueDelivered records the delivery that used the ticket's slot.
func (s *Store) MarkAutoReissueDelivered(ctx context.Context, ticketID, deliveryID uint64, at time.Time) error {
	err := s.DB(ctx).Model(&models.AutoReissue{}).Where("ticket_id = ?", ticketID).
		Updates(map[string]any{"status": models.AutoReissueDelivered, "delivery_id": deliveryID, "updated_at": at}).Error
	return Translate(err, "mark automatic reissue delivered")
}

// OrderReplacements counts the replacement keys of the order, delivered (deliveries of kind
// reissue) or pending (held automatic slots without a delivery yet), other than the
// ticket's own.
func (s *Store) OrderReplacements(ctx context.Context, orderID, excludeTicket uint64) (int, error) {
	var delivered, held int64
	err := s.DB(ctx).Model(&models.Delivery{}).
		Where("order_id = ? AND kind = ? AND (ticket_id IS NULL OR ticket_id <> ?)", orderID, models.DeliveryReissue, excludeTicket).
		Count(&delivered).Error
	if err != nil {
		return 0, Translate(err, "count order replacements")
	}
	err = s.DB(ctx).Model(&models.AutoReissue{}).
		Where("order_id = ? AND status = ? AND ticket_id <> ?", orderID, models.AutoReissueHeld, excludeTicket).Count(&held).Error
	return int(delivered + held), Translate(err, "count pending order replacements")
}

// CountHeldReissuesByEmail counts automatic replacements allowed but not yet delivered on
// claims (created within w) of that buyer email, other than not's: the in-flight part of
// "replacement keys this buyer received".
func (s *Store) CountHeldReissuesByEmail(ctx context.Context, merchantID uint64, email string, not OtherThan, w Window) (int, error) {
	if email == "" {
		return 0, nil
	}
	var n int64
	err := s.DB(ctx).Table("auto_reissues AS r").Joins("JOIN tickets t ON t.id = r.ticket_id").
		Where("r.merchant_id = ? AND r.status = ? AND t.customer_email = ? AND t.created_at >= ? AND t.created_at < ? AND t.id <> ? AND (t.order_id IS NULL OR t.order_id <> ?)",
			merchantID, models.AutoReissueHeld, email, w.From, w.To, not.Ticket, not.Order).Count(&n).Error
	return int(n), Translate(err, "count pending reissues")
}

// SaveClaimContext stores what a claim was about and who made it, once per ticket; a
// second call keeps the first row and loads it into cc. The ticket is marked as having its
// context in the same transaction (tickets.claim_recorded, see BatchReportContexts).
func (s *Store) SaveClaimContext(ctx context.Context, cc *models.ClaimContext) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		err := Translate(s.DB(ctx).Create(cc).Error, "save claim context")
		switch {
		case errors.Is(err, ErrDuplicate):
			tid := cc.TicketID
			*cc = models.ClaimContext{}
			if err := s.DB(ctx).Where("ticket_id = ?", tid).Take(cc).Error; err != nil {
				return Translate(err, "claim context")
			}
		case err != nil:
			return err
		}
		err = s.DB(ctx).Model(&models.Ticket{}).Where("id = ? AND claim_recorded = ?", cc.TicketID, false).
			UpdateColumn("claim_recorded", true).Error // not a change of the ticket: updated_at stays
		return Translate(err, "mark claim recorded")
	})
}

// BatchReportContexts returns the key_invalid claims, other than excludeTicket and made
// at or before `before`, whose reported key (the key the claim was about, recorded when it was
// assessed; for older claims without a record, the order's initially delivered key)
// belongs to the batch. Replacement keys handed out from the batch later are not reports
// on it, and neither are claims from before the batch was last released. At most 500 of each
// kind.
func (s *Store) BatchReportContexts(ctx context.Context, merchantID, batchID, excludeTicket uint64, before time.Time) ([]models.ClaimContext, error) {
	var out []models.ClaimContext
	// Reports from before an admin released the batch were dealt with by that release.
	var since time.Time
	var b models.KeyBatch
	err := s.DB(ctx).Select("released_at").Where("merchant_id = ? AND id = ?", merchantID, batchID).Take(&b).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, Translate(err, "batch release time")
	}
	if b.ReleasedAt != nil {
		since = *b.ReleasedAt
	}
	q := s.DB(ctx).Where("merchant_id = ? AND batch_id = ? AND category = ? AND ticket_id <> ? AND claimed_at <= ?",
		merchantID, batchID, "key_invalid", excludeTicket, before)
	if !since.IsZero() {
		q = q.Where("claimed_at > ?", since)
	}
	err = q.Order("ticket_id").Limit(500).Find(&out).Error
	if err != nil {
		return nil, Translate(err, "batch report contexts")
	}
	// Claims without a claim context (not assessed yet, or whose category became key_invalid
	// later): they are about the order's originally delivered key(s) (deliveries of kind
	// initial), never its replacements. claim_recorded is set with the context, so the index
	// ix_tickets_unrecorded_claims reads only these tickets, not all of the merchant's (issue
	// 17; on SQLite the index is partial and the two conditions must be written as literals
	// for the planner to use it). NOT EXISTS stays the definition.
	var legacy []models.Ticket
	lq := s.DB(ctx).Table("tickets AS t").Select("DISTINCT t.id, t.customer_email, t.customer_ip, t.device_id, t.created_at, t.order_id").
		Joins("JOIN deliveries d ON d.order_id = t.order_id AND d.kind = ?", models.DeliveryInitial).
		Joins("JOIN card_keys k ON k.id = d.card_key_id").
		Where("t.merchant_id = ? AND t.category = 'key_invalid' AND t.claim_recorded = 0", merchantID).
		Where("k.batch_id = ? AND t.id <> ? AND t.created_at <= ?", batchID, excludeTicket, before).
		Where("NOT EXISTS (SELECT 1 FROM claim_contexts c WHERE c.ticket_id = t.id)")
	if !since.IsZero() {
		lq = lq.Where("t.created_at > ?", since)
	}
	err = lq.Order("t.id").Limit(500).Scan(&legacy).Error
	if err != nil {
		return nil, Translate(err, "batch reports without context")
	}
	for _, t := range legacy {
		out = append(out, models.ClaimContext{TicketID: t.ID, MerchantID: merchantID, OrderID: t.OrderID, Category: "key_invalid",
			BatchID: &batchID, EmailNorm: strings.ToLower(strings.TrimSpace(t.CustomerEmail)), DeviceID: t.DeviceID, IP: t.CustomerIP,
			ClaimedAt: t.CreatedAt})
	}
	return out, nil
}

// Identity is one claimant or buyer: normalised email, first-party device id, IP.
type Identity struct {
	Email  string
	Device string
	IP     string
}

// LinkQuery asks for the claims and orders linked to an identity: same device (within
// DeviceWindow), same IP (within IPWindow), same network prefix IPNetLike, a LIKE pattern
// such as "198.51.100.%" (within NetWindow), or same e-mail (any of Emails, raw and
// normalised forms), all before To.
type LinkQuery struct {
	MerchantID    uint64
	ExcludeTicket uint64
	Emails        []string
	Device        string
	IP            string
	IPNetLike     string
	To            time.Time
	DeviceWindow  time.Duration
	IPWindow      time.Duration
	NetWindow     time.Duration
	EmailWindow   time.Duration
}

// LinkedTicket is a claim ticket linked to the identity, with how it is linked.
type LinkedTicket struct {
	ID           uint64
	OrderID      *uint64
	Category     string
	Email        string
	IP           string
	Device       string
	RiskDecision string
	CreatedAt    time.Time
	Via          []string
}

// LinkedOrder is an order linked to the identity, with how it is linked.
type LinkedOrder struct {
	ID     uint64
	Email  string
	IP     string
	Device string
	PaidAt time.Time
	Via    []string
}

// linkedRows caps each look-up; a cluster larger than this is already conclusive.
const linkedRows = 300

// LinkedClaims returns the merchant's claim tickets (ClaimCategories) linked to the
// identity, newest first, at most 300.
func (s *Store) LinkedClaims(ctx context.Context, q LinkQuery) ([]LinkedTicket, error) {
	byID := map[uint64]*LinkedTicket{}
	add := func(via string, where string, args ...any) error {
		var rows []models.Ticket
		err := s.DB(ctx).Select("id, order_id, category, customer_email, customer_ip, device_id, risk_decision, created_at").
			Where("merchant_id = ? AND id <> ? AND category IN ?", q.MerchantID, q.ExcludeTicket, ClaimCategories).
			Where(where, args...).Order("created_at DESC").Limit(linkedRows).Find(&rows).Error
		if err != nil {
			return Translate(err, "linked claims by "+via)
		}
		for _, t := range rows {
			lt := byID[t.ID]
			if lt == nil {
				lt = &LinkedTicket{ID: t.ID, OrderID: t.OrderID, Category: t.Category, Email: t.CustomerEmail, IP: t.CustomerIP,
					Device: t.DeviceID, RiskDecision: t.RiskDecision, CreatedAt: t.CreatedAt}
				byID[t.ID] = lt
			}
			lt.Via = appendOnce(lt.Via, via)
		}
		return nil
	}
	if q.Device != "" {
		if err := add("device", "device_id = ? AND created_at >= ? AND created_at < ?", q.Device, q.To.Add(-q.DeviceWindow), q.To); err != nil {
			return nil, err
		}
	}
	if q.IP != "" {
		if err := add("ip", "customer_ip = ? AND created_at >= ? AND created_at < ?", q.IP, q.To.Add(-q.IPWindow), q.To); err != nil {
			return nil, err
		}
	}
	if q.IPNetLike != "" {
		from := q.To.Add(-q.NetWindow)
		for _, c := range s.networkMatch("customer_ip", "created_at", q.IPNetLike, q.IP, from, q.To) {
			if err := add("network", c.where, c.args...); err != nil {
				return nil, err
			}
		}
		for _, lt := range byID { // the address's own claims, read by the ip link
			if q.IP != "" && lt.IP == q.IP && !lt.CreatedAt.Before(from) {
				lt.Via = appendOnce(lt.Via, "network")
			}
		}
	}
	if emails := nonEmpty(q.Emails); len(emails) > 0 {
		// One e-mail at a time: with IN, SQLite reads the merchant's tickets of the whole
		// window in date order instead of the buyer's range of ix_tickets_claim_email.
		for _, e := range emails {
			if err := add("email", "customer_email = ? AND created_at >= ? AND created_at < ?", e, q.To.Add(-q.EmailWindow), q.To); err != nil {
				return nil, err
			}
		}
		var ids []uint64
		err := s.DB(ctx).Model(&models.ClaimContext{}).Where("merchant_id = ? AND email_norm IN ? AND ticket_id <> ?", q.MerchantID, emails, q.ExcludeTicket).
			Limit(linkedRows).Pluck("ticket_id", &ids).Error
		if err != nil {
			return nil, Translate(err, "linked claims by normalised email")
		}
		if len(ids) > 0 {
			if err := add("email", "id IN ? AND created_at >= ? AND created_at < ?", ids, q.To.Add(-q.EmailWindow), q.To); err != nil {
				return nil, err
			}
		}
	}
	out := make([]LinkedTicket, 0, len(byID))
	for _, t := range byID {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].CreatedAt.After(out[j].CreatedAt) || (out[i].CreatedAt.Equal(out[j].CreatedAt) && out[i].ID > out[j].ID)
	})
	return out, nil
}

// LinkedOrders returns the merchant's orders paid before q.To that share the device, IP or
// network (IPNetLike) of the identity (within the windows), at most 300 per link.
func (s *Store) LinkedOrders(ctx context.Context, q LinkQuery) ([]LinkedOrder, error) {
	byID := map[uint64]*LinkedOrder{}
	add := func(via, where string, args ...any) error {
		var rows []models.Order
		err := s.DB(ctx).Select("id, buyer_email, buyer_ip, device_id, paid_at").
			Where("merchant_id = ?", q.MerchantID).Where(where, args...).
			Order("paid_at DESC, id DESC").Limit(linkedRows).Find(&rows).Error
		if err != nil {
			return Translate(err, "linked orders by "+via)
		}
		for _, o := range rows {
			lo := byID[o.ID]
			if lo == nil {
				lo = &LinkedOrder{ID: o.ID, Email: o.BuyerEmail, IP: o.BuyerIP, Device: o.DeviceID, PaidAt: o.PaidAt}
				byID[o.ID] = lo
			}
			lo.Via = appendOnce(lo.Via, via)
		}
		return nil
	}
	if q.Device != "" {
		if err := add("device", "device_id = ? AND paid_at >= ? AND paid_at < ?", q.Device, q.To.Add(-q.DeviceWindow), q.To); err != nil {
			return nil, err
		}
	}
	if q.IP != "" {
		if err := add("ip", "buyer_ip = ? AND paid_at >= ? AND paid_at < ?", q.IP, q.To.Add(-q.IPWindow), q.To); err != nil {
			return nil, err
		}
	}
	if q.IPNetLike != "" {
		from := q.To.Add(-q.NetWindow)
		for _, c := range s.networkMatch("buyer_ip", "paid_at", q.IPNetLike, q.IP, from, q.To) {
			if err := add("network", c.where, c.args...); err != nil {
				return nil, err
			}
		}
		for _, lo := range byID { // the address's own orders, read by the ip link
			if q.IP != "" && lo.IP == q.IP && !lo.PaidAt.Before(from) {
				lo.Via = appendOnce(lo.Via, "network")
			}
		}
	}
	out := make([]LinkedOrder, 0, len(byID))
	for _, o := range byID {
		out = append(out, *o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// ReplacementsForTickets counts replacement keys delivered on the tickets plus automatic
// replacements still pending on them.
func (s *Store) ReplacementsForTickets(ctx context.Context, ticketIDs []uint64) (int, error) {
	if len(ticketIDs) == 0 {
		return 0, nil
	}
	var delivered, held int64
	if err := s.DB(ctx).Model(&models.Delivery{}).Where("kind = ? AND ticket_id IN ?", models.DeliveryReissue, ticketIDs).Count(&delivered).Error; err != nil {
		return 0, Translate(err, "count cluster replacements")
	}
	err := s.DB(ctx).Model(&models.AutoReissue{}).Where("status = ? AND ticket_id IN ?", models.AutoReissueHeld, ticketIDs).Count(&held).Error
	return int(delivered + held), Translate(err, "count cluster pending replacements")
}

// BuyerHistory is a buyer e-mail's standing with the merchant before a claim.
type BuyerHistory struct {
	// Orders paid before the claim, and the first one's time (zero when none).
	Orders       int
	FirstOrderAt time.Time
	// ClaimsEver are the buyer's claim tickets before this one, any time; Denied those
	// denied, automatically (risk_decision deny) or by a risk agent (a risk_denied event).
	ClaimsEver int
	Denied     int
}

// BuyerStanding returns the buyer's orders and claims with the merchant before `before`.
func (s *Store) BuyerStanding(ctx context.Context, merchantID uint64, email string, excludeTicket uint64, before time.Time) (BuyerHistory, error) {
	var h BuyerHistory
	if email == "" {
		return h, nil
	}
	var n int64
	err := s.DB(ctx).Model(&models.Order{}).Where("merchant_id = ? AND buyer_email = ? AND paid_at < ?", merchantID, email, before).Count(&n).Error
	if err != nil {
		return h, Translate(err, "buyer orders")
	}
	h.Orders = int(n)
	if n > 0 {
		var first models.Order
		err = s.DB(ctx).Select("paid_at").Where("merchant_id = ? AND buyer_email = ? AND paid_at < ?", merchantID, email, before).
			Order("paid_at").Limit(1).Take(&first).Error
		if err != nil {
			return h, Translate(err, "buyer first order")
		}
		h.FirstOrderAt = first.PaidAt.UTC()
	}
	n = 0
	base := s.DB(ctx).Model(&models.Ticket{}).Where("merchant_id = ? AND customer_email = ? AND id <> ? AND created_at < ? AND category IN ?",
		merchantID, email, excludeTicket, before, ClaimCategories)
	if err := base.Count(&n).Error; err != nil {
		return h, Translate(err, "buyer claims")
	}
	h.ClaimsEver = int(n)
	n = 0
	err = s.DB(ctx).Model(&models.Ticket{}).Where("merchant_id = ? AND customer_email = ? AND id <> ? AND created_at < ? AND category IN ?",
		merchantID, email, excludeTicket, before, ClaimCategories).
		Where("(risk_decision = ? OR EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = tickets.id AND e.kind = ? AND e.created_at < ?))",
			"deny", "risk_denied", before).Count(&n).Error
	h.Denied = int(n)
	return h, Translate(err, "buyer denied claims")
}

// networkMatch is the condition "ipColumn LIKE pattern, other than the address own,
// timeColumn in [from, to)" for a pattern that is a literal prefix followed by one "%"
// (NetworkLikePattern's "198.51.100.%"). The address's own rows are left to the ip link
// (the callers mark them): one busy address (an integration filing every claim from its
// server) would otherwise make every claim read all of its rows here. SQLite's LIKE is
// case-insensitive and so never reads an index on a column of the default (binary)
// collation: there the prefix is matched as the ranges [prefix, own) and (own, prefix with
// its last byte raised), two reads of the (merchant, address) index that match the same
// strings, and the time bounds are written +column so that SQLite does not read the
// merchant's rows of the whole window in time order instead. MySQL reads an index for a
// LIKE with a literal prefix itself.
func (s *Store) networkMatch(ipColumn, timeColumn, pattern, own string, from, to time.Time) []condition {
	prefix, ok := strings.CutSuffix(pattern, "%")
	if s.dialect != "sqlite" || !ok || prefix == "" || strings.ContainsAny(prefix, "%_\\") || prefix[len(prefix)-1] == 0xff {
		return []condition{{ipColumn + " LIKE ? AND " + ipColumn + " <> ? AND " + timeColumn + " >= ? AND " + timeColumn + " < ?", []any{pattern, own, from, to}}}
	}
	upper := prefix[:len(prefix)-1] + string([]byte{prefix[len(prefix)-1] + 1})
	in := func(lo, loOp, hi string) condition { // one range read (an OR of two is read in time order instead)
		return condition{ipColumn + " " + loOp + " ? AND " + ipColumn + " < ? AND +" + timeColumn + " >= ? AND +" + timeColumn + " < ?", []any{lo, hi, from, to}}
	}
	if !strings.HasPrefix(own, prefix) {
		return []condition{in(prefix, ">=", upper)}
	}
	return []condition{in(prefix, ">=", own), in(own, ">", upper)}
}

// condition is a WHERE clause with its arguments.
type condition struct {
	where string
	args  []any
}

// ProductMedianAmount is the median amount of the product's orders paid in the 180 days
// before `before` (0 when fewer than 5 orders give no norm). Computed from the newest 501.
func (s *Store) ProductMedianAmount(ctx context.Context, productID uint64, before time.Time) (int64, error) {
	var amounts []int64
	err := s.DB(ctx).Model(&models.Order{}).Where("product_id = ? AND paid_at < ? AND paid_at >= ?", productID, before, before.Add(-180*24*time.Hour)).
		Order("paid_at DESC").Limit(501).Pluck("amount", &amounts).Error
	if err != nil {
		return 0, Translate(err, "product amounts")
	}
	if len(amounts) < 5 {
		return 0, nil
	}
	sort.Slice(amounts, func(i, j int) bool { return amounts[i] < amounts[j] })
	return amounts[len(amounts)/2], nil
}

// RevealSummary is the evidence of the order's key being shown: how often, and the first
// reveal's IP and time.
type RevealSummary struct {
	Count   int
	FirstIP string
	IPs     []string
}

// OrderReveals summarises the order's "revealed" key events before `before`: of the key
// (events naming keyID or no key) when keyID is not 0, else of the whole order.
func (s *Store) OrderReveals(ctx context.Context, orderID, keyID uint64, before time.Time) (RevealSummary, error) {
	var evs []models.KeyEvent
	q := s.DB(ctx).Select("ip, occurred_at").Where("order_id = ? AND kind = ? AND occurred_at < ?", orderID, models.KeyEventRevealed, before)
	if keyID != 0 {
		q = q.Where("(card_key_id = ? OR card_key_id IS NULL)", keyID)
	}
	err := q.Order("occurred_at").Limit(100).Find(&evs).Error
	if err != nil {
		return RevealSummary{}, Translate(err, "order reveals")
	}
	r := RevealSummary{Count: len(evs)}
	for i, e := range evs {
		if i == 0 {
			r.FirstIP = e.IP
		}
		if e.IP != "" {
			r.IPs = appendOnce(r.IPs, e.IP)
		}
	}
	return r, nil
}

// FirstCustomerMessage returns the body of the ticket's first buyer message (the claim's
// text, masked at intake), or "" when there is none.
func (s *Store) FirstCustomerMessage(ctx context.Context, ticketID uint64) (string, error) {
	var m models.Message
	err := s.DB(ctx).Where("ticket_id = ? AND author_kind = ?", ticketID, models.AuthorCustomer).Order("id").Limit(1).Find(&m).Error
	if err != nil {
		return "", Translate(err, "first buyer message")
	}
	return m.Body, nil
}

func appendOnce(xs []string, x string) []string {
	for _, y := range xs {
		if y == x {
			return xs
		}
	}
	return append(xs, x)
}

func nonEmpty(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x = strings.TrimSpace(x); x != "" {
			out = appendOnce(out, x)
		}
	}
	return out
}

// String describes a link query for error messages.
func (q LinkQuery) String() string {
	return fmt.Sprintf("merchant %d device=%t ip=%t net=%t emails=%d", q.MerchantID, q.Device != "", q.IP != "", q.IPNetLike != "", len(q.Emails))
}

// BuyerMaxOtherAmount is the largest amount of the buyer e-mail's orders with the merchant
// paid before `before`, other than the order excludeOrder (0 when none): what the buyer
// usually spends, to tell a reseller's or regular's usual basket from an unusual one. It reads
// the buyer's range of the (merchant, buyer e-mail, paid at) index.
func (s *Store) BuyerMaxOtherAmount(ctx context.Context, merchantID uint64, email string, excludeOrder uint64, before time.Time) (int64, error) {
	if email == "" {
		return 0, nil
	}
	var max *int64
	err := s.DB(ctx).Model(&models.Order{}).Select("MAX(amount)").
		Where("merchant_id = ? AND buyer_email = ? AND paid_at < ? AND id <> ?", merchantID, email, before, excludeOrder).
		Scan(&max).Error
	if err != nil || max == nil {
		return 0, Translate(err, "buyer's largest order")
	}
	return *max, nil
}

// MerchantMedianAmount is the median amount of the merchant's orders paid in the 180 days
// before `before` (0 when fewer than 5). Computed from the newest 1001.
func (s *Store) MerchantMedianAmount(ctx context.Context, merchantID uint64, before time.Time) (int64, error) {
	var amounts []int64
	err := s.DB(ctx).Model(&models.Order{}).Where("merchant_id = ? AND paid_at < ? AND paid_at >= ?", merchantID, before, before.Add(-180*24*time.Hour)).
		Order("paid_at DESC").Limit(1001).Pluck("amount", &amounts).Error
	if err != nil {
		return 0, Translate(err, "merchant amounts")
	}
	if len(amounts) < 5 {
		return 0, nil
	}
	sort.Slice(amounts, func(i, j int) bool { return amounts[i] < amounts[j] })
	return amounts[len(amounts)/2], nil
}

// OrderClaims counts the claim tickets (ClaimCategories) on the order other than
// excludeTicket, created before `before`.
func (s *Store) OrderClaims(ctx context.Context, orderID, excludeTicket uint64, before time.Time) (int, error) {
	var n int64
	err := s.DB(ctx).Model(&models.Ticket{}).Where("order_id = ? AND id <> ? AND created_at < ? AND category IN ?", orderID, excludeTicket, before, ClaimCategories).
		Count(&n).Error
	return int(n), Translate(err, "count claims on order")
}

// OrderDeviceEmails returns the distinct buyer e-mails of the merchant's orders paid within
// w from the device id the shop recorded (its own namespace), at most 100.
func (s *Store) OrderDeviceEmails(ctx context.Context, merchantID uint64, device string, w Window) ([]string, error) {
	if device == "" {
		return nil, nil
	}
	var emails []string
	err := s.DB(ctx).Model(&models.Order{}).Where("merchant_id = ? AND device_id = ? AND paid_at >= ? AND paid_at < ?", merchantID, device, w.From, w.To).
		Distinct("buyer_email").Limit(100).Pluck("buyer_email", &emails).Error
	return emails, Translate(err, "order device e-mails")
}

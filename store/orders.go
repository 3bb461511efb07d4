package store

// Orders, deliveries and key events (the evidence trail), the context of a key claim, and
// the look-ups behind the fraud signals of a claim. Every query is scoped by merchant.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/keydesk/keydesk/models"
)

// MerchantBySlug returns the merchant with that slug (ErrNotFound when none).
func (s *Store) MerchantBySlug(ctx context.Context, slug string) (models.Merchant, error) {
	var m models.Merchant
	err := s.DB(ctx).Where("slug = ?", slug).Take(&m).Error
	return m, Translate(err, "merchant "+slug)
}

// SetIntegrationSecret stores a merchant's sealed integration (HMAC) secret.
func (s *Store) SetIntegrationSecret(ctx context.Context, merchantID uint64, sealed []byte) error {
	res := s.DB(ctx).Model(&models.Merchant{}).Where("id = ?", merchantID).Update("integration_secret_cipher", sealed)
	if res.Error != nil {
		return Translate(res.Error, "set integration secret")
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("set integration secret: merchant %d: %w", merchantID, ErrNotFound)
	}
	return nil
}

// OrderByNo returns the merchant's order with that number.
func (s *Store) OrderByNo(ctx context.Context, merchantID uint64, orderNo string) (models.Order, error) {
	var o models.Order
	err := s.DB(ctx).Where("merchant_id = ? AND order_no = ?", merchantID, orderNo).Take(&o).Error
	return o, Translate(err, "order "+orderNo)
}

// OrderByID returns the merchant's order with that id.
func (s *Store) OrderByID(ctx context.Context, merchantID, id uint64) (models.Order, error) {
	var o models.Order
	err := s.DB(ctx).Where("merchant_id = ? AND id = ?", merchantID, id).Take(&o).Error
	return o, Translate(err, "order")
}

// CreateOrder inserts an order; a second order with the same number is ErrDuplicate.
func (s *Store) CreateOrder(ctx context.Context, o *models.Order) error {
	return Translate(s.DB(ctx).Create(o).Error, "create order "+o.OrderNo)
}

// OrderDeliveredKeys returns the keys of the order's deliveries of one kind (initial or
// reissue), oldest first.
func (s *Store) OrderDeliveredKeys(ctx context.Context, orderID uint64, kind string) ([]models.CardKey, error) {
	var keys []models.CardKey
	err := s.DB(ctx).Where("id IN (?)", s.DB(ctx).Model(&models.Delivery{}).Select("card_key_id").
		Where("order_id = ? AND kind = ?", orderID, kind)).Order("id").Find(&keys).Error
	return keys, Translate(err, "order keys")
}

// DeliverKeys marks keys delivered to the order (status, order link, delivered time) and
// writes one delivery row of the kind per key, plus a "delivered" key event each from
// source. It must run inside InTx.
func (s *Store) DeliverKeys(ctx context.Context, o models.Order, keyIDs []uint64, kind, source string, at time.Time) error {
	if !InTransaction(ctx) {
		return errors.New("deliver keys: must run inside a transaction")
	}
	if len(keyIDs) == 0 {
		return nil
	}
	res := s.DB(ctx).Model(&models.CardKey{}).Where("id IN ? AND merchant_id = ?", keyIDs, o.MerchantID).
		Updates(map[string]any{"status": models.KeyDelivered, "order_id": o.ID, "delivered_at": at, "updated_at": at})
	if res.Error != nil {
		return Translate(res.Error, "mark keys delivered")
	}
	if int(res.RowsAffected) != len(keyIDs) {
		return fmt.Errorf("mark keys delivered: %d of %d keys: %w", res.RowsAffected, len(keyIDs), ErrConflict)
	}
	ds := make([]models.Delivery, len(keyIDs))
	evs := make([]models.KeyEvent, len(keyIDs))
	for i, id := range keyIDs {
		kid := id
		ds[i] = models.Delivery{MerchantID: o.MerchantID, OrderID: o.ID, CardKeyID: kid, Kind: kind, CreatedAt: at}
		evs[i] = models.KeyEvent{MerchantID: o.MerchantID, OrderID: o.ID, CardKeyID: &kid, Kind: models.KeyEventDelivered,
			Source: source, OccurredAt: at, CreatedAt: at}
	}
	if err := s.DB(ctx).Create(&ds).Error; err != nil {
		return Translate(err, "insert deliveries")
	}
	return Translate(s.DB(ctx).Create(&evs).Error, "insert key events")
}

// AddKeyEvent stores a key event. With an ExternalID it is idempotent: when the merchant
// already has an event with that id, the stored one is returned and created is false.
// (A plain insert whose duplicate-key error is answered with the stored row: MySQL's
// ON DUPLICATE KEY UPDATE reports affected rows unreliably across servers.)
func (s *Store) AddKeyEvent(ctx context.Context, e *models.KeyEvent) (created bool, err error) {
	err = s.DB(ctx).Create(e).Error
	if err == nil || e.ExternalID == nil || !errors.Is(Translate(err, ""), ErrDuplicate) {
		return err == nil, Translate(err, "add key event")
	}
	merchantID, ext := e.MerchantID, *e.ExternalID
	*e = models.KeyEvent{}
	err = s.DB(ctx).Where("merchant_id = ? AND external_id = ?", merchantID, ext).Take(e).Error
	return false, Translate(err, "existing key event")
}

// Claim is everything the reissue path needs about one ticket: the ticket, its order and
// product (nil when the ticket names no order), and the key being claimed about (the
// order's most recently delivered key that is still delivered; nil when none).
type Claim struct {
	Ticket      models.Ticket
	Order       *models.Order
	Product     *models.Product
	ReportedKey *models.CardKey
}

// LoadClaim loads the claim of a ticket. With lock, the ticket row is locked (MySQL:
// SELECT … FOR UPDATE) so concurrent reissues of one ticket queue behind each other; it
// then must run inside InTx.
func (s *Store) LoadClaim(ctx context.Context, ticketID uint64, lock bool) (Claim, error) {
	var c Claim
	q := s.DB(ctx)
	if lock {
		q = s.ForUpdate(q)
	}
	if err := q.Where("id = ?", ticketID).Take(&c.Ticket).Error; err != nil {
		return c, Translate(err, fmt.Sprintf("ticket %d", ticketID))
	}
	if c.Ticket.OrderID == nil {
		return c, nil
	}
	o, err := s.OrderByID(ctx, c.Ticket.MerchantID, *c.Ticket.OrderID)
	if err != nil {
		return c, err
	}
	c.Order = &o
	p, err := s.ProductByID(ctx, o.MerchantID, o.ProductID)
	if err != nil {
		return c, err
	}
	c.Product = &p
	var k models.CardKey
	err = s.DB(ctx).Where("order_id = ? AND status = ? AND (ticket_id IS NULL OR ticket_id <> ?)", o.ID, models.KeyDelivered, ticketID).
		Order("delivered_at DESC, id DESC").Take(&k).Error
	switch {
	case err == nil:
		c.ReportedKey = &k
	case !errors.Is(Translate(err, ""), ErrNotFound):
		return c, Translate(err, "reported key")
	}
	return c, nil
}

// ReissueDelivery returns the ticket's reissue delivery (ErrNotFound when none).
func (s *Store) ReissueDelivery(ctx context.Context, ticketID uint64) (models.Delivery, error) {
	var d models.Delivery
	err := s.DB(ctx).Where("ticket_id = ? AND kind = ?", ticketID, models.DeliveryReissue).Take(&d).Error
	return d, Translate(err, "reissue delivery")
}

// ClaimCategories are the ticket categories that count as a claim in the fraud signals.
var ClaimCategories = []string{"key_invalid", "key_missing", "refund", "dispute"}

// Window is a half-open time range [From, To).
type Window struct{ From, To time.Time }

// claimColumns whitelists the buyer columns claims can be counted by.
var claimColumns = map[string]bool{"customer_email": true, "customer_ip": true, "device_id": true}

// ClaimCountCap is where CountClaims stops counting: the fraud rules' points saturate after
// a handful of claims, and one busy address (an integration filing every claim from its
// server) would otherwise make every claim's check count all of that address's claims.
const ClaimCountCap = 1000

// OtherThan is what a count of a buyer's history leaves out: the claim being assessed
// (Ticket) and every other ticket on that claim's order (Order; 0 leaves none out). The
// order's own rules (order_already_replaced, repeat_claim_same_order) count those; counted
// again as the buyer's history, one earlier claim on the order weighed four times (ruleset
// 2026-12.3).
type OtherThan struct {
	Ticket, Order uint64
}

// CountClaims counts the merchant's claim tickets (ClaimCategories), other than not's,
// whose buyer column ("customer_email", "customer_ip" or "device_id") equals value and that
// were created within w, up to ClaimCountCap. An empty value counts nothing.
func (s *Store) CountClaims(ctx context.Context, merchantID uint64, column, value string, not OtherThan, w Window) (int, error) {
	if !claimColumns[column] {
		return 0, fmt.Errorf("count claims: unknown column %q", column)
	}
	if value == "" {
		return 0, nil
	}
	var n int64
	matching := s.DB(ctx).Model(&models.Ticket{}).Select("1").
		Where("merchant_id = ? AND "+column+" = ? AND created_at >= ? AND created_at < ? AND id <> ? AND category IN ?",
			merchantID, value, w.From, w.To, not.Ticket, ClaimCategories).
		Where("(order_id IS NULL OR order_id <> ?)", not.Order).Limit(ClaimCountCap)
	err := s.DB(ctx).Table("(?) AS c", matching).Count(&n).Error
	return int(n), Translate(err, "count claims by "+column)
}

// CountReissuesByEmail counts replacement keys delivered within w on tickets of that buyer
// email, other than not's.
func (s *Store) CountReissuesByEmail(ctx context.Context, merchantID uint64, email string, not OtherThan, w Window) (int, error) {
	if email == "" {
		return 0, nil
	}
	var n int64
	// Driven from the buyer's tickets (ix_tickets_claim_email), each looked up in
	// ux_deliveries_ticket: a join, or a condition on deliveries.merchant_id, let SQLite read
	// every delivery of the merchant. The tickets are the merchant's, so are their deliveries.
	buyerTickets := s.DB(ctx).Model(&models.Ticket{}).Select("id").
		Where("merchant_id = ? AND customer_email = ? AND id <> ? AND (order_id IS NULL OR order_id <> ?)", merchantID, email, not.Ticket, not.Order)
	err := s.DB(ctx).Model(&models.Delivery{}).
		Where("ticket_id IN (?) AND kind = ? AND created_at >= ? AND created_at < ?",
			buyerTickets, models.DeliveryReissue, w.From, w.To).Count(&n).Error
	return int(n), Translate(err, "count reissues")
}

// refundCounted are the refund statuses that count as "received a refund".
var refundCounted = []string{models.RefundApproved, models.RefundSubmitted, models.RefundSucceeded}

// OrderRefunded sums the refunds (approved, submitted or succeeded) of an order created
// before `before` by tickets other than excludeTicket, in the order's minor units.
func (s *Store) OrderRefunded(ctx context.Context, orderID, excludeTicket uint64, before time.Time) (int64, error) {
	var n int64
	err := s.DB(ctx).Model(&models.Refund{}).Select("COALESCE(SUM(amount), 0)").
		Where("order_id = ? AND ticket_id <> ? AND status IN ? AND created_at < ?", orderID, excludeTicket, refundCounted, before).
		Scan(&n).Error
	return n, Translate(err, "order refunds")
}

// CountRefundsByEmail counts refunds (approved, submitted or succeeded) created within w on
// orders of that buyer email.
func (s *Store) CountRefundsByEmail(ctx context.Context, merchantID uint64, email string, w Window) (int, error) {
	if email == "" {
		return 0, nil
	}
	var n int64
	// Driven from the buyer's orders (ix_orders_buyer_time), each looked up in
	// idx_refunds_order_id: a join, or a condition on refunds.merchant_id, let SQLite read
	// every refund of the merchant. The orders are the merchant's, so are their refunds.
	buyerOrders := s.DB(ctx).Model(&models.Order{}).Select("id").Where("merchant_id = ? AND buyer_email = ?", merchantID, email)
	err := s.DB(ctx).Model(&models.Refund{}).
		Where("order_id IN (?) AND status IN ? AND created_at >= ? AND created_at < ?",
			buyerOrders, refundCounted, w.From, w.To).Count(&n).Error
	return int(n), Translate(err, "count refunds")
}

// CountChargebacks counts the merchant's disputes on orders whose buyer email, IP or
// device matches (any non-empty one), at any time.
func (s *Store) CountChargebacks(ctx context.Context, merchantID uint64, email, ip, device string) (int, error) {
	q := s.DB(ctx).Table("disputes AS d").Joins("JOIN orders o ON o.id = d.order_id").Where("d.merchant_id = ?", merchantID)
	where := ""
	var args []any
	for _, c := range []struct{ col, v string }{{"o.buyer_email", email}, {"o.buyer_ip", ip}, {"o.device_id", device}} {
		if c.v == "" {
			continue
		}
		if where != "" {
			where += " OR "
		}
		where += c.col + " = ?"
		args = append(args, c.v)
	}
	if where == "" {
		return 0, nil
	}
	var n int64
	err := q.Where("("+where+")", args...).Distinct("d.id").Count(&n).Error
	return int(n), Translate(err, "count chargebacks")
}

// CountOrdersByEmail counts the merchant's orders by that buyer email paid within w.
func (s *Store) CountOrdersByEmail(ctx context.Context, merchantID uint64, email string, w Window) (int, error) {
	if email == "" {
		return 0, nil
	}
	var n int64
	err := s.DB(ctx).Model(&models.Order{}).
		Where("merchant_id = ? AND buyer_email = ? AND paid_at >= ? AND paid_at < ?", merchantID, email, w.From, w.To).Count(&n).Error
	return int(n), Translate(err, "count orders")
}

// BatchInvalidReporters counts the distinct buyers (by ticket email) other than
// excludeEmail who filed a key_invalid claim on an order holding a key of the batch.
func (s *Store) BatchInvalidReporters(ctx context.Context, merchantID, batchID uint64, excludeEmail string) (int, error) {
	var n int64
	err := s.DB(ctx).Table("tickets AS t").
		Joins("JOIN card_keys k ON k.order_id = t.order_id").
		Where("t.merchant_id = ? AND k.batch_id = ? AND t.category = ? AND t.customer_email <> ? AND t.customer_email <> ''",
			merchantID, batchID, "key_invalid", excludeEmail).
		Distinct("t.customer_email").Count(&n).Error
	return int(n), Translate(err, "count batch reporters")
}

// FirstReveal returns the earliest known reveal of the order's key: the key's
// first_revealed_at or the earliest "revealed" key event of the order for that key (or
// naming no key) (nil when never).
func (s *Store) FirstReveal(ctx context.Context, orderID uint64, key *models.CardKey) (*time.Time, error) {
	var first *time.Time
	if key != nil && key.FirstRevealedAt != nil {
		t := key.FirstRevealedAt.UTC()
		first = &t
	}
	var ev models.KeyEvent
	q := s.DB(ctx).Where("order_id = ? AND kind = ?", orderID, models.KeyEventRevealed)
	if key != nil {
		// Only reveals of this key (or of the order without a key named): the reveal of a
		// key replaced since says nothing about its replacement.
		q = q.Where("(card_key_id = ? OR card_key_id IS NULL)", key.ID)
	}
	err := q.Order("occurred_at").Limit(1).Find(&ev).Error
	if err != nil {
		return nil, Translate(err, "first reveal")
	}
	if ev.ID != 0 && (first == nil || ev.OccurredAt.Before(*first)) {
		t := ev.OccurredAt.UTC()
		first = &t
	}
	return first, nil
}

// DeliverReissue hands the reserved key to the ticket's order as its replacement: the key
// becomes delivered (order and ticket links, reserved and delivered times) only if it is
// still available, a reissue delivery row is written (unique per ticket and per key), and a
// "delivered" key event from keydesk. It must run inside InTx; a key no longer available
// is ErrConflict.
func (s *Store) DeliverReissue(ctx context.Context, o models.Order, keyID, ticketID uint64, at time.Time) (models.Delivery, error) {
	if !InTransaction(ctx) {
		return models.Delivery{}, errors.New("deliver reissue: must run inside a transaction")
	}
	res := s.DB(ctx).Model(&models.CardKey{}).Where("id = ? AND status = ?", keyID, models.KeyAvailable).
		Updates(map[string]any{"status": models.KeyDelivered, "order_id": o.ID, "ticket_id": ticketID,
			"reserved_at": at, "delivered_at": at, "updated_at": at})
	if res.Error != nil {
		return models.Delivery{}, Translate(res.Error, "deliver replacement key")
	}
	if res.RowsAffected != 1 {
		return models.Delivery{}, fmt.Errorf("deliver replacement key %d: %w", keyID, ErrConflict)
	}
	tid := ticketID
	d := models.Delivery{MerchantID: o.MerchantID, OrderID: o.ID, CardKeyID: keyID, Kind: models.DeliveryReissue, TicketID: &tid, CreatedAt: at}
	if err := s.DB(ctx).Create(&d).Error; err != nil {
		return d, Translate(err, "insert reissue delivery")
	}
	kid := keyID
	ev := models.KeyEvent{MerchantID: o.MerchantID, OrderID: o.ID, CardKeyID: &kid, Kind: models.KeyEventDelivered,
		Source: "keydesk", OccurredAt: at, CreatedAt: at}
	return d, Translate(s.DB(ctx).Create(&ev).Error, "insert key event")
}

// RetireReportedKey moves a delivered key the buyer reported to status (reported_invalid
// for a key that does not work, revoked for one that never arrived); a key no longer in
// "delivered" is left alone.
func (s *Store) RetireReportedKey(ctx context.Context, keyID uint64, status string, at time.Time) error {
	err := s.DB(ctx).Model(&models.CardKey{}).Where("id = ? AND status = ?", keyID, models.KeyDelivered).
		Updates(map[string]any{"status": status, "updated_at": at}).Error
	return Translate(err, "retire reported key")
}

// FraudAssessmentByKey returns the stored assessment with that AssessmentKey.
func (s *Store) FraudAssessmentByKey(ctx context.Context, key string) (models.FraudAssessment, error) {
	var fa models.FraudAssessment
	err := s.DB(ctx).Where("assessment_key = ?", key).Take(&fa).Error
	return fa, Translate(err, "fraud assessment "+key)
}

// SaveFraudAssessment stores fa unless one with its AssessmentKey exists; either way fa
// ends up holding the stored row, and created says whether this call wrote it.
func (s *Store) SaveFraudAssessment(ctx context.Context, fa *models.FraudAssessment) (created bool, err error) {
	err = s.DB(ctx).Create(fa).Error
	if err == nil || !errors.Is(Translate(err, ""), ErrDuplicate) {
		return err == nil, Translate(err, "save fraud assessment")
	}
	stored, err := s.FraudAssessmentByKey(ctx, fa.AssessmentKey)
	*fa = stored
	return false, err
}

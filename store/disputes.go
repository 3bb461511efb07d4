package store

// Dispute (chargeback) repositories and the look-ups behind a dispute's evidence report.
// A dispute is unique per (merchant, gateway case id), so a gateway's retried call finds
// the case it already opened. The status moves open → evidence_ready → signed_off →
// submitted, then won | lost; each step is a conditional update, so a repeat is a no-op.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/keydesk/keydesk/models"
)

// CreateDispute inserts d unless the merchant already has a dispute with its gateway case
// id; either way d ends up holding the stored row, and created says whether this call wrote it.
func (s *Store) CreateDispute(ctx context.Context, d *models.Dispute) (created bool, err error) {
	err = Translate(s.DB(ctx).Create(d).Error, "create dispute "+d.GatewayCaseID)
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, ErrDuplicate) {
		return false, err
	}
	merchant, caseID := d.MerchantID, d.GatewayCaseID
	stored, err := s.DisputeByCase(ctx, merchant, caseID)
	*d = stored
	return false, err
}

// DisputeByCase returns the merchant's dispute with that gateway case id.
func (s *Store) DisputeByCase(ctx context.Context, merchantID uint64, caseID string) (models.Dispute, error) {
	var d models.Dispute
	err := s.DB(ctx).Where("merchant_id = ? AND gateway_case_id = ?", merchantID, caseID).Take(&d).Error
	return d, Translate(err, "dispute "+caseID)
}

// DisputeByID returns one dispute of a merchant.
func (s *Store) DisputeByID(ctx context.Context, merchantID, id uint64) (models.Dispute, error) {
	var d models.Dispute
	err := s.DB(ctx).Where("merchant_id = ? AND id = ?", merchantID, id).Take(&d).Error
	return d, Translate(err, "dispute")
}

// DisputeByTicket returns the dispute a ticket was opened for.
func (s *Store) DisputeByTicket(ctx context.Context, merchantID, ticketID uint64) (models.Dispute, error) {
	var d models.Dispute
	err := s.DB(ctx).Where("merchant_id = ? AND ticket_id = ?", merchantID, ticketID).Order("id").Take(&d).Error
	return d, Translate(err, "dispute of ticket")
}

// DisputesByOrder lists an order's disputes, oldest first.
func (s *Store) DisputesByOrder(ctx context.Context, merchantID, orderID uint64) ([]models.Dispute, error) {
	var ds []models.Dispute
	err := s.DB(ctx).Where("merchant_id = ? AND order_id = ?", merchantID, orderID).Order("id").Find(&ds).Error
	return ds, Translate(err, "disputes of order")
}

// SaveDisputeReport stores the evidence report; an open dispute becomes evidence_ready.
// A report may be rebuilt until the dispute is signed off; afterwards it is frozen (the
// supervisor signed what was stored) and the call is ErrConflict.
func (s *Store) SaveDisputeReport(ctx context.Context, merchantID, id uint64, report models.JSON, at time.Time) error {
	res := s.DB(ctx).Model(&models.Dispute{}).
		Where("merchant_id = ? AND id = ? AND status IN ?", merchantID, id, []string{models.DisputeOpen, models.DisputeReady}).
		Updates(map[string]any{"report": report, "status": models.DisputeReady, "updated_at": at})
	if res.Error != nil {
		return Translate(res.Error, "save dispute report")
	}
	if res.RowsAffected == 0 {
		return s.disputeMissOrConflict(ctx, merchantID, id, "save dispute report")
	}
	return nil
}

// disputeMissOrConflict tells an unknown dispute (ErrNotFound) from one in the wrong status.
func (s *Store) disputeMissOrConflict(ctx context.Context, merchantID, id uint64, what string) error {
	d, err := s.DisputeByID(ctx, merchantID, id)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%s: dispute is %s: %w", what, d.Status, ErrConflict)
}

// SignOffDispute records a supervisor's sign-off of the stored report (evidence_ready →
// signed_off). Signing a signed-off dispute again is a no-op; changed reports the first.
func (s *Store) SignOffDispute(ctx context.Context, merchantID, id, userID uint64, at time.Time) (bool, error) {
	res := s.DB(ctx).Model(&models.Dispute{}).Where("merchant_id = ? AND id = ? AND status = ?", merchantID, id, models.DisputeReady).
		Updates(map[string]any{"status": models.DisputeSignedOff, "signed_off_by": userID, "signed_off_at": at, "updated_at": at})
	return s.stepResult(ctx, res.Error, res.RowsAffected, merchantID, id, models.DisputeSignedOff, "sign off dispute")
}

// SubmitDispute marks a signed-off dispute submitted to the gateway. Repeat: no-op.
func (s *Store) SubmitDispute(ctx context.Context, merchantID, id uint64, at time.Time) (bool, error) {
	res := s.DB(ctx).Model(&models.Dispute{}).Where("merchant_id = ? AND id = ? AND status = ?", merchantID, id, models.DisputeSignedOff).
		Updates(map[string]any{"status": models.DisputeSubmitted, "submitted_at": at, "updated_at": at})
	return s.stepResult(ctx, res.Error, res.RowsAffected, merchantID, id, models.DisputeSubmitted, "submit dispute")
}

// SetDisputeOutcome records won or lost. The same outcome again is a no-op; the other one
// is ErrConflict.
func (s *Store) SetDisputeOutcome(ctx context.Context, merchantID, id uint64, outcome string, at time.Time) (bool, error) {
	if outcome != models.DisputeWon && outcome != models.DisputeLost {
		return false, fmt.Errorf("dispute outcome %q: want won or lost", outcome)
	}
	res := s.DB(ctx).Model(&models.Dispute{}).
		Where("merchant_id = ? AND id = ? AND status NOT IN ?", merchantID, id, []string{models.DisputeWon, models.DisputeLost}).
		Updates(map[string]any{"status": outcome, "outcome": outcome, "outcome_at": at, "updated_at": at})
	return s.stepResult(ctx, res.Error, res.RowsAffected, merchantID, id, outcome, "set dispute outcome")
}

// stepResult turns a conditional update into (changed, error): no row changed is a
// no-op when the dispute is already in the target status, else ErrConflict / ErrNotFound.
func (s *Store) stepResult(ctx context.Context, err error, n int64, merchantID, id uint64, target, what string) (bool, error) {
	if err != nil {
		return false, Translate(err, what)
	}
	if n > 0 {
		return true, nil
	}
	d, err := s.DisputeByID(ctx, merchantID, id)
	if err != nil {
		return false, fmt.Errorf("%s: %w", what, err)
	}
	if d.Status == target {
		return false, nil
	}
	return false, fmt.Errorf("%s: dispute is %s: %w", what, d.Status, ErrConflict)
}

// SetDisputedOrderStatus sets an order's status (and, when refunded is not nil, its refunded amount).
func (s *Store) SetDisputedOrderStatus(ctx context.Context, merchantID, orderID uint64, status string, refunded *int64, at time.Time) error {
	cols := map[string]any{"status": status, "updated_at": at}
	if refunded != nil {
		cols["refunded_amount"] = *refunded
	}
	res := s.DB(ctx).Model(&models.Order{}).Where("merchant_id = ? AND id = ?", merchantID, orderID).Updates(cols)
	if res.Error != nil {
		return Translate(res.Error, "set order status")
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("set order status: order %d: %w", orderID, ErrNotFound)
	}
	return nil
}

// EvidenceKeys returns every card key linked to the order (delivered, reissued, revoked...), by id.
func (s *Store) EvidenceKeys(ctx context.Context, orderID uint64) ([]models.CardKey, error) {
	var keys []models.CardKey
	err := s.DB(ctx).Where("order_id = ?", orderID).Order("id").Find(&keys).Error
	return keys, Translate(err, "order keys")
}

// EvidenceDeliveries lists an order's deliveries, oldest first.
func (s *Store) EvidenceDeliveries(ctx context.Context, orderID uint64) ([]models.Delivery, error) {
	var ds []models.Delivery
	err := s.DB(ctx).Where("order_id = ?", orderID).Order("created_at, id").Find(&ds).Error
	return ds, Translate(err, "order deliveries")
}

// EvidenceKeyEvents lists an order's key events (delivered, emailed, revealed), in time order.
func (s *Store) EvidenceKeyEvents(ctx context.Context, orderID uint64) ([]models.KeyEvent, error) {
	var evs []models.KeyEvent
	err := s.DB(ctx).Where("order_id = ?", orderID).Order("occurred_at, id").Find(&evs).Error
	return evs, Translate(err, "order key events")
}

// RelatedOrder is an earlier order of the same buyer that shares the disputed order's IP
// or device, and was never disputed: the evidence card schemes accept.
type RelatedOrder struct {
	models.Order
	SameIP     bool
	SameDevice bool
}

// PriorUndisputedOrders lists up to limit orders of the merchant paid before o by the same
// buyer email that share o's buyer IP or device id and have no dispute, newest first.
func (s *Store) PriorUndisputedOrders(ctx context.Context, o models.Order, limit int) ([]RelatedOrder, error) {
	if o.BuyerEmail == "" || (o.BuyerIP == "" && o.DeviceID == "") {
		return nil, nil
	}
	share, args := "", []any{}
	if o.BuyerIP != "" {
		share, args = "buyer_ip = ?", append(args, o.BuyerIP)
	}
	if o.DeviceID != "" {
		if share != "" {
			share += " OR "
		}
		share, args = share+"device_id = ?", append(args, o.DeviceID)
	}
	var orders []models.Order
	err := s.DB(ctx).Where("merchant_id = ? AND id <> ? AND buyer_email = ? AND paid_at < ?", o.MerchantID, o.ID, o.BuyerEmail, o.PaidAt).
		Where("("+share+")", args...).
		Where("NOT EXISTS (SELECT 1 FROM disputes d WHERE d.order_id = orders.id)").
		Order("paid_at DESC, id DESC").Limit(max(limit, 1)).Find(&orders).Error
	if err != nil {
		return nil, Translate(err, "prior undisputed orders")
	}
	out := make([]RelatedOrder, len(orders))
	for i, x := range orders {
		out[i] = RelatedOrder{Order: x, SameIP: o.BuyerIP != "" && x.BuyerIP == o.BuyerIP, SameDevice: o.DeviceID != "" && x.DeviceID == o.DeviceID}
	}
	return out, nil
}

// DisputeMerchant returns a merchant.
func (s *Store) DisputeMerchant(ctx context.Context, id uint64) (models.Merchant, error) {
	var m models.Merchant
	err := s.DB(ctx).Where("id = ?", id).Take(&m).Error
	return m, Translate(err, "merchant")
}

// DisputeFilter selects a merchant's disputes for the staff list.
type DisputeFilter struct {
	MerchantID uint64
	// Statuses keeps disputes in any of these statuses; empty keeps all.
	Statuses []string
	// TicketID keeps the dispute of one ticket; 0 keeps all.
	TicketID uint64
	// ByDue sorts by evidence due time, soonest first; otherwise newest first.
	ByDue bool
	// After is the last row of the previous page (nil: first page).
	After *DisputeCursor
	// Limit is the page size: 1–200, default 50.
	Limit int
}

// DisputeCursor is the sort key of the last row of a page.
type DisputeCursor struct {
	DueBy time.Time
	ID    uint64
}

// DisputeRow is a dispute without its report, with its order number and ticket ref.
type DisputeRow struct {
	models.Dispute
	OrderNo   string
	TicketRef string
}

// disputeListColumns are the dispute columns of the list (the report is left out: it is large).
const disputeListColumns = "disputes.id, disputes.merchant_id, disputes.ticket_id, disputes.order_id, disputes.gateway_case_id, " +
	"disputes.reason, disputes.amount, disputes.currency, disputes.evidence_due_by, disputes.status, disputes.signed_off_by, " +
	"disputes.signed_off_at, disputes.submitted_at, disputes.outcome, disputes.outcome_at, disputes.created_at, disputes.updated_at, " +
	"orders.order_no AS order_no, tickets.ref AS ticket_ref"

// ListDisputes returns one page of the merchant's disputes and the cursor of the next (nil
// at the end).
func (s *Store) ListDisputes(ctx context.Context, f DisputeFilter) ([]DisputeRow, *DisputeCursor, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	q := s.DB(ctx).Table("disputes").Select(disputeListColumns).
		Joins("LEFT JOIN orders ON orders.id = disputes.order_id AND orders.merchant_id = disputes.merchant_id").
		Joins("LEFT JOIN tickets ON tickets.id = disputes.ticket_id AND tickets.merchant_id = disputes.merchant_id").
		Where("disputes.merchant_id = ?", f.MerchantID)
	if len(f.Statuses) > 0 {
		q = q.Where("disputes.status IN ?", f.Statuses)
	}
	if f.TicketID != 0 {
		q = q.Where("disputes.ticket_id = ?", f.TicketID)
	}
	switch {
	case f.ByDue && f.After != nil:
		q = q.Where("(disputes.evidence_due_by > ? OR (disputes.evidence_due_by = ? AND disputes.id > ?))", f.After.DueBy, f.After.DueBy, f.After.ID)
	case f.After != nil:
		q = q.Where("disputes.id < ?", f.After.ID)
	}
	if f.ByDue {
		q = q.Order("disputes.evidence_due_by, disputes.id")
	} else {
		q = q.Order("disputes.id DESC")
	}
	var rows []DisputeRow
	if err := q.Limit(f.Limit + 1).Scan(&rows).Error; err != nil {
		return nil, nil, Translate(err, "list disputes")
	}
	if len(rows) <= f.Limit {
		return rows, nil, nil
	}
	rows = rows[:f.Limit]
	last := rows[len(rows)-1]
	return rows, &DisputeCursor{DueBy: last.EvidenceDueBy, ID: last.ID}, nil
}

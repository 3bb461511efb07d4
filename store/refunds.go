package store

// Refund repositories. A refunds row is written before the gateway is called; its unique
// out_refund_no (ticket ref + "-R" + sequence) is the idempotency key sent to the gateway.
// Status moves only forward (approved → submitted → succeeded | failed, or straight to a
// final status), so a late or replayed write never undoes a newer one. What a refund does
// to its order (refunded amount, status, revoked keys) is recomputed from the succeeded
// refunds, so applying it twice changes nothing.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/keydesk/keydesk/models"
)

// CreateRefund inserts r unless a refund with its OutRefundNo exists; either way r ends up
// holding the stored row and created says whether this call wrote it. A stored row of
// another merchant is ErrConflict (out_refund_no is globally unique).
func (s *Store) CreateRefund(ctx context.Context, r *models.Refund) (created bool, err error) {
	merchant := r.MerchantID
	err = Translate(s.DB(ctx).Create(r).Error, "create refund "+r.OutRefundNo)
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, ErrDuplicate) {
		return false, err
	}
	stored, err := s.RefundByOutNo(ctx, r.OutRefundNo)
	if err != nil {
		return false, err
	}
	if stored.MerchantID != merchant {
		return false, fmt.Errorf("create refund %s: belongs to another merchant: %w", r.OutRefundNo, ErrConflict)
	}
	*r = stored
	return false, nil
}

// RefundByOutNo returns the refund with that out_refund_no (any merchant: callers that
// act for a merchant check MerchantID).
func (s *Store) RefundByOutNo(ctx context.Context, outRefundNo string) (models.Refund, error) {
	var r models.Refund
	err := s.DB(ctx).Where("out_refund_no = ?", outRefundNo).Take(&r).Error
	return r, Translate(err, "refund "+outRefundNo)
}

// RefundByID returns one refund of a merchant.
func (s *Store) RefundByID(ctx context.Context, merchantID, id uint64) (models.Refund, error) {
	var r models.Refund
	err := s.DB(ctx).Where("merchant_id = ? AND id = ?", merchantID, id).Take(&r).Error
	return r, Translate(err, "refund")
}

// RefundsByTicket lists a ticket's refunds, oldest first.
func (s *Store) RefundsByTicket(ctx context.Context, merchantID, ticketID uint64) ([]models.Refund, error) {
	var rs []models.Refund
	err := s.DB(ctx).Where("merchant_id = ? AND ticket_id = ?", merchantID, ticketID).Order("id").Find(&rs).Error
	return rs, Translate(err, "refunds of ticket")
}

// RefundsByOrder lists an order's refunds, oldest first.
func (s *Store) RefundsByOrder(ctx context.Context, merchantID, orderID uint64) ([]models.Refund, error) {
	var rs []models.Refund
	err := s.DB(ctx).Where("merchant_id = ? AND order_id = ?", merchantID, orderID).Order("id").Find(&rs).Error
	return rs, Translate(err, "refunds of order")
}

// RefundUpdate is a status change reported by the gateway.
type RefundUpdate struct {
	Status          string // submitted, succeeded or failed
	GatewayRefundID string
	Reason          string
	At              time.Time
}

// refundNext lists the statuses each status may move to.
var refundNext = map[string][]string{
	models.RefundApproved:  {models.RefundSubmitted, models.RefundSucceeded, models.RefundFailed},
	models.RefundSubmitted: {models.RefundSucceeded, models.RefundFailed},
}

// RefundFinal reports whether a refund status is final.
func RefundFinal(status string) bool {
	return status == models.RefundSucceeded || status == models.RefundFailed || status == models.RefundRejected
}

// UpdateRefundStatus moves a refund forward to u.Status if that is a legal step from its
// current status; otherwise it leaves the row alone (a replay, a late callback, or a
// second notification). It returns the stored row and whether it changed.
func (s *Store) UpdateRefundStatus(ctx context.Context, outRefundNo string, u RefundUpdate) (models.Refund, bool, error) {
	var from []string
	for f, tos := range refundNext {
		for _, to := range tos {
			if to == u.Status {
				from = append(from, f)
			}
		}
	}
	if len(from) == 0 {
		return models.Refund{}, false, fmt.Errorf("update refund %s: illegal target status %q", outRefundNo, u.Status)
	}
	cols := map[string]any{"status": u.Status, "updated_at": u.At}
	if u.GatewayRefundID != "" {
		cols["gateway_refund_id"] = truncate(u.GatewayRefundID, 128)
	}
	if u.Status == models.RefundFailed {
		cols["failure_reason"] = truncate(u.Reason, 500)
	}
	if RefundFinal(u.Status) {
		cols["completed_at"] = u.At
	}
	res := s.DB(ctx).Model(&models.Refund{}).Where("out_refund_no = ? AND status IN ?", outRefundNo, from).Updates(cols)
	if res.Error != nil {
		return models.Refund{}, false, Translate(res.Error, "update refund "+outRefundNo)
	}
	r, err := s.RefundByOutNo(ctx, outRefundNo)
	return r, res.RowsAffected > 0, err
}

// OrderRefundResult is what ApplyRefundsToOrder left on the order.
type OrderRefundResult struct {
	Order       models.Order
	RevokedKeys []uint64 // keys revoked by this call
	Covered     int      // keys the succeeded refunds pay back
}

// ApplyRefundsToOrder brings an order in line with its succeeded refunds, in one
// transaction with the order row locked: refunded_amount = the sum of their amounts (money
// returned), status refunded once amount + fee covers the order (else partially_refunded),
// and the keys those refunds pay back revoked, taking only keys never revealed (a
// revealed key is the buyer's evidence of use and is left alone). Idempotent: everything
// is recomputed from the refunds and the keys, so a second call changes nothing.
func (s *Store) ApplyRefundsToOrder(ctx context.Context, merchantID, orderID uint64, at time.Time) (OrderRefundResult, error) {
	var out OrderRefundResult
	err := s.RetryTx(ctx, 8, func(ctx context.Context) error {
		var o models.Order
		if err := s.ForUpdate(s.DB(ctx)).Where("merchant_id = ? AND id = ?", merchantID, orderID).Take(&o).Error; err != nil {
			return Translate(err, "lock order")
		}
		var sum struct{ Net, Gross int64 }
		err := s.DB(ctx).Model(&models.Refund{}).Select("COALESCE(SUM(amount),0) AS net, COALESCE(SUM(amount + fee),0) AS gross").
			Where("order_id = ? AND status = ?", orderID, models.RefundSucceeded).Scan(&sum).Error
		if err != nil {
			return Translate(err, "sum refunds")
		}
		if sum.Gross == 0 {
			out = OrderRefundResult{Order: o}
			return nil
		}
		status := models.OrderPartiallyRefunded
		if sum.Gross >= o.Amount {
			status = models.OrderRefunded
		}
		if err := s.DB(ctx).Model(&o).Updates(map[string]any{"refunded_amount": sum.Net, "status": status, "updated_at": at}).Error; err != nil {
			return Translate(err, "update refunded order")
		}
		covered := coveredKeys(o, sum.Gross)
		ids, err := s.revokeCovered(ctx, o.ID, covered, at)
		out = OrderRefundResult{Order: o, RevokedKeys: ids, Covered: covered}
		return err
	})
	return out, err
}

// coveredKeys is how many of the order's keys a refunded gross amount pays back.
func coveredKeys(o models.Order, gross int64) int {
	q := max(o.Quantity, 1)
	if o.Amount <= 0 || gross >= o.Amount {
		return q
	}
	return int(gross * int64(q) / o.Amount)
}

// revokeCovered revokes unrevealed delivered keys of the order until `covered` keys of it
// are revoked. It must run inside a transaction.
func (s *Store) revokeCovered(ctx context.Context, orderID uint64, covered int, at time.Time) ([]uint64, error) {
	var revoked int64
	if err := s.DB(ctx).Model(&models.CardKey{}).Where("order_id = ? AND status = ?", orderID, models.KeyRevoked).Count(&revoked).Error; err != nil {
		return nil, Translate(err, "count revoked keys")
	}
	n := covered - int(revoked)
	if n <= 0 {
		return nil, nil
	}
	return s.RevokeUnrevealedKeys(ctx, orderID, n, at)
}

// RevokeUnrevealedKeys revokes up to limit (0 = all) of the order's delivered keys that were
// never revealed (first_revealed_at null), oldest first, and returns their ids. Keys already
// revoked, revealed or in another status are left alone, so a repeat revokes nothing new.
func (s *Store) RevokeUnrevealedKeys(ctx context.Context, orderID uint64, limit int, at time.Time) ([]uint64, error) {
	var ids []uint64
	return ids, s.InTx(ctx, func(ctx context.Context) error {
		q := s.ForUpdate(s.DB(ctx)).Model(&models.CardKey{}).
			Where("order_id = ? AND status = ? AND first_revealed_at IS NULL", orderID, models.KeyDelivered).Order("id")
		if limit > 0 {
			q = q.Limit(limit)
		}
		if err := q.Pluck("id", &ids).Error; err != nil {
			return Translate(err, "find unrevealed keys")
		}
		if len(ids) == 0 {
			return nil
		}
		err := s.DB(ctx).Model(&models.CardKey{}).Where("id IN ? AND status = ?", ids, models.KeyDelivered).
			Updates(map[string]any{"status": models.KeyRevoked, "updated_at": at}).Error
		return Translate(err, "revoke keys")
	})
}

package store

// Manual checks: submissions whose order number and e-mail / contact proved no order, kept
// for an agent to verify by hand (models.ManualCheck). A check is handled once: the update
// function runs on the row locked inside the caller's transaction, so two agents accepting the
// same check cannot both open a ticket.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/keydesk/keydesk/models"
)

// MaxOpenManualChecksPerEmail caps the open checks one address may have at one shop: a buyer
// who sends the same request again waits for the first answer, and a script cannot fill the
// agents' list under one address (the public rate limit bounds the addresses per client).
const MaxOpenManualChecksPerEmail = 3

// MaxOpenManualChecksPerShop caps a shop's open checks, whatever the addresses: addresses and
// networks cost a script nothing, so without it a flood would grow the table and the agents'
// list without bound. Past it new checks are refused (ErrManualChecksFull) until agents work
// the list down. A variable so tests can lower it.
var MaxOpenManualChecksPerShop = 1000

// ErrManualChecksFull means the shop has MaxOpenManualChecksPerShop open checks.
var ErrManualChecksFull = errors.New("the shop has too many requests waiting for a manual check")

// AddManualCheck stores a new open check (ErrConflict when the address already has
// MaxOpenManualChecksPerEmail open checks at the shop, ErrManualChecksFull when the shop has
// MaxOpenManualChecksPerShop). The same submission again (a retry, a second click: same
// address, order number and text) stores nothing and fills in the open check it repeats. The
// caps are read without a lock, so two submissions at the same instant may pass one over them:
// they bound a flood, not an exact count.
func (s *Store) AddManualCheck(ctx context.Context, mc *models.ManualCheck) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		var open []models.ManualCheck
		err := s.DB(ctx).Where("merchant_id = ? AND status = ? AND LOWER(email) = ?", mc.MerchantID, models.ManualCheckOpen, strings.ToLower(mc.Email)).
			Order("id").Find(&open).Error
		if err != nil {
			return Translate(err, "open manual checks")
		}
		for _, o := range open {
			if o.OrderNo == mc.OrderNo && o.Description == mc.Description {
				*mc = o
				return nil
			}
		}
		if n := len(open); n >= MaxOpenManualChecksPerEmail {
			return fmt.Errorf("manual check: %d open for this e-mail: %w", n, ErrConflict)
		}
		shopOpen, err := s.CountOpenManualChecks(ctx, mc.MerchantID)
		if err != nil {
			return err
		}
		if shopOpen >= int64(MaxOpenManualChecksPerShop) {
			return fmt.Errorf("manual check: %d open at the shop: %w", shopOpen, ErrManualChecksFull)
		}
		mc.Status = models.ManualCheckOpen
		return Translate(s.DB(ctx).Create(mc).Error, "manual check")
	})
}

// ManualChecks returns the shop's checks in a status ("" for all), open ones oldest first
// (the order they are worked in), handled ones newest first; at most limit.
func (s *Store) ManualChecks(ctx context.Context, merchantID uint64, status string, limit int) ([]models.ManualCheck, error) {
	q := s.DB(ctx).Where("merchant_id = ?", merchantID)
	order := "created_at DESC, id DESC"
	if status != "" {
		q = q.Where("status = ?", status)
	}
	if status == models.ManualCheckOpen {
		order = "created_at, id"
	}
	var out []models.ManualCheck
	err := q.Order(order).Limit(limit).Find(&out).Error
	return out, Translate(err, "manual checks")
}

// CountOpenManualChecks counts the shop's open checks.
func (s *Store) CountOpenManualChecks(ctx context.Context, merchantID uint64) (int64, error) {
	var n int64
	err := s.DB(ctx).Model(&models.ManualCheck{}).
		Where("merchant_id = ? AND status = ?", merchantID, models.ManualCheckOpen).Count(&n).Error
	return n, Translate(err, "count open manual checks")
}

// openManualChecks counts the shop's open checks and returns when the oldest was sent.
func (s *Store) openManualChecks(ctx context.Context, merchantID uint64) (int64, *time.Time, error) {
	n, err := s.CountOpenManualChecks(ctx, merchantID)
	if err != nil || n == 0 {
		return n, nil, err
	}
	oldest, err := s.ManualChecks(ctx, merchantID, models.ManualCheckOpen, 1)
	if err != nil || len(oldest) == 0 {
		return n, nil, err
	}
	at := oldest[0].CreatedAt.UTC()
	return n, &at, nil
}

// HandleManualCheck locks the shop's open check id in a transaction and runs fn on it; fn
// opens what the decision needs (a ticket) in the same transaction and fills in the outcome
// (Status, TicketID, Reason). The row is then stamped with who handled it and when. A check
// already handled is ErrConflict, another shop's or a missing one ErrNotFound; fn's error rolls
// everything back, so the check stays open.
func (s *Store) HandleManualCheck(ctx context.Context, merchantID, id, agentID uint64, now time.Time, fn func(ctx context.Context, mc *models.ManualCheck) error) (models.ManualCheck, error) {
	var mc models.ManualCheck
	err := s.InTx(ctx, func(ctx context.Context) error {
		err := s.ForUpdate(s.DB(ctx)).Where("merchant_id = ? AND id = ?", merchantID, id).Take(&mc).Error
		if err != nil {
			return Translate(err, "manual check")
		}
		if mc.Status != models.ManualCheckOpen {
			return fmt.Errorf("manual check %d is %s: %w", id, mc.Status, ErrConflict)
		}
		if err := fn(ctx, &mc); err != nil {
			return err
		}
		if mc.Status == models.ManualCheckOpen {
			return fmt.Errorf("manual check %d: the decision left it open", id)
		}
		at := now.UTC()
		mc.HandledBy, mc.HandledAt = &agentID, &at
		return Translate(s.DB(ctx).Model(&models.ManualCheck{}).Where("id = ?", mc.ID).Updates(map[string]any{
			"status": mc.Status, "ticket_id": mc.TicketID, "reason": mc.Reason,
			"handled_by": mc.HandledBy, "handled_at": mc.HandledAt,
		}).Error, "manual check")
	})
	return mc, err
}

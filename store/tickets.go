package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"github.com/keydesk/keydesk/models"
)

// This file holds the ticket repositories: the ticket row (read model) and what hangs off
// it (events, messages, notifications, CSAT, the workflow's state snapshot), SLA policies and
// calendars, and the small outbox of buyer-facing messages. Every query is scoped by merchant.

// CreateTicket inserts a ticket and its first customer message in one transaction. A
// duplicate idempotency key (merchant, key) returns ErrDuplicate and writes nothing.
func (s *Store) CreateTicket(ctx context.Context, t *models.Ticket, first *models.Message) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if err := s.DB(ctx).Create(t).Error; err != nil {
			return Translate(err, "create ticket")
		}
		if first == nil {
			return nil
		}
		first.TicketID, first.MerchantID = t.ID, t.MerchantID
		return Translate(s.DB(ctx).Create(first).Error, "create first message")
	})
}

// SetTicketWorkflowID records the workflow ID on a ticket row.
func (s *Store) SetTicketWorkflowID(ctx context.Context, merchantID, ticketID uint64, wfID string) error {
	err := s.DB(ctx).Model(&models.Ticket{}).
		Where("id = ? AND merchant_id = ?", ticketID, merchantID).
		Update("workflow_id", wfID).Error
	return Translate(err, "set ticket workflow id")
}

// TicketByID returns one ticket of a merchant.
func (s *Store) TicketByID(ctx context.Context, merchantID, ticketID uint64) (models.Ticket, error) {
	var t models.Ticket
	err := s.DB(ctx).Where("id = ? AND merchant_id = ?", ticketID, merchantID).Take(&t).Error
	return t, Translate(err, "ticket")
}

// TicketByRef returns the ticket with a public reference (any merchant: the reference is
// globally unique and the caller proves access with the token).
func (s *Store) TicketByRef(ctx context.Context, ref string) (models.Ticket, error) {
	var t models.Ticket
	err := s.DB(ctx).Where("ref = ?", ref).Take(&t).Error
	return t, Translate(err, "ticket by ref")
}

// TicketByIdempotencyKey returns the ticket a merchant's earlier submission with key created.
func (s *Store) TicketByIdempotencyKey(ctx context.Context, merchantID uint64, key string) (models.Ticket, error) {
	var t models.Ticket
	err := s.DB(ctx).Where("merchant_id = ? AND idempotency_key = ?", merchantID, key).Take(&t).Error
	return t, Translate(err, "ticket by idempotency key")
}

// TicketsByOrder lists a merchant's tickets about one order, newest first.
func (s *Store) TicketsByOrder(ctx context.Context, merchantID, orderID uint64) ([]models.Ticket, error) {
	var ts []models.Ticket
	err := s.DB(ctx).Where("merchant_id = ? AND order_id = ?", merchantID, orderID).
		Order("id DESC").Find(&ts).Error
	return ts, Translate(err, "tickets by order")
}

// SetTicketTokenHash replaces a ticket's access-token hash (rotation).
func (s *Store) SetTicketTokenHash(ctx context.Context, merchantID, ticketID uint64, hash string) error {
	res := s.DB(ctx).Model(&models.Ticket{}).
		Where("id = ? AND merchant_id = ?", ticketID, merchantID).
		Update("access_token_hash", hash)
	if res.Error != nil {
		return Translate(res.Error, "rotate ticket token")
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("rotate ticket token: %w", ErrNotFound)
	}
	return nil
}

// TicketsNotClosed pages through tickets (all merchants) whose status is not closed, by id
// after afterID: the reconciler starts any whose workflow is missing.
func (s *Store) TicketsNotClosed(ctx context.Context, afterID uint64, limit int) ([]models.Ticket, error) {
	var ts []models.Ticket
	err := s.DB(ctx).Where("id > ? AND status <> ?", afterID, models.StatusClosed).
		Order("id").Limit(limit).Find(&ts).Error
	return ts, Translate(err, "tickets not closed")
}

// OrderForClaim returns a merchant's order by its number (used to validate a submission).
func (s *Store) OrderForClaim(ctx context.Context, merchantID uint64, orderNo string) (models.Order, error) {
	var o models.Order
	err := s.DB(ctx).Where("merchant_id = ? AND order_no = ?", merchantID, orderNo).Take(&o).Error
	return o, Translate(err, "order")
}

// TicketState is the part of a ticket row its workflow owns (models.TicketState: the
// workflow builds it without importing the store).
type TicketState = models.TicketState

func stateColumns(st TicketState, now time.Time) map[string]any {
	return map[string]any{
		"status": st.Status, "priority": st.Priority, "queue": st.Queue,
		"assignee_id": st.AssigneeID, "escalation_level": st.EscalationLevel,
		"risk_score": st.RiskScore, "risk_decision": st.RiskDecision,
		"sla_due_at": st.SLADueAt, "sla_state": st.SLAState,
		"first_response_due_at": st.FirstResponseDueAt, "next_response_due_at": st.NextResponseDueAt,
		"resolution_due_at": st.ResolutionDueAt, "first_response_at": st.FirstResponseAt,
		"first_response_breached_at": st.FirstResponseBreachedAt,
		"next_response_breached_at":  st.NextResponseBreachedAt,
		"resolution_breached_at":     st.ResolutionBreachedAt,
		"escalated_at":               st.EscalatedAt, "resolved_at": st.ResolvedAt, "closed_at": st.ClosedAt,
		"csat_score": st.CSATScore, "state_version": st.StateVersion, "updated_at": now,
	}
}

// ApplyTicketState overwrites the workflow-owned columns of a ticket row only if
// st.StateVersion is newer than the stored one, so a retried or late write never undoes a
// newer one. It reports whether the row changed; an unknown ticket is ErrNotFound.
func (s *Store) ApplyTicketState(ctx context.Context, merchantID, ticketID uint64, st TicketState) (bool, error) {
	res := s.DB(ctx).Model(&models.Ticket{}).
		Where("id = ? AND merchant_id = ? AND state_version < ?", ticketID, merchantID, st.StateVersion).
		Updates(stateColumns(st, time.Now().UTC()))
	if res.Error != nil {
		return false, Translate(res.Error, "apply ticket state")
	}
	if res.RowsAffected > 0 {
		return true, nil
	}
	if _, err := s.TicketByID(ctx, merchantID, ticketID); err != nil {
		return false, err
	}
	return false, nil
}

// SaveTicketSnapshot stores the workflow state JSON if version is newer than the stored one.
func (s *Store) SaveTicketSnapshot(ctx context.Context, merchantID, ticketID uint64, version int64, state models.JSON) error {
	snap := models.TicketSnapshot{TicketID: ticketID, MerchantID: merchantID, StateVersion: version, State: models.PackedJSON(state), UpdatedAt: time.Now().UTC()}
	return s.InTx(ctx, func(ctx context.Context) error {
		res := s.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&snap)
		if res.Error != nil {
			return Translate(res.Error, "insert ticket snapshot")
		}
		if res.RowsAffected > 0 {
			return nil
		}
		err := s.DB(ctx).Model(&models.TicketSnapshot{}).
			Where("ticket_id = ? AND merchant_id = ? AND state_version < ?", ticketID, merchantID, version).
			Updates(map[string]any{"state_version": version, "state": snap.State, "updated_at": snap.UpdatedAt}).Error
		return Translate(err, "update ticket snapshot")
	})
}

// TicketSnapshot returns the last state a ticket's workflow saved.
func (s *Store) TicketSnapshot(ctx context.Context, merchantID, ticketID uint64) (models.TicketSnapshot, error) {
	var snap models.TicketSnapshot
	err := s.DB(ctx).Where("ticket_id = ? AND merchant_id = ?", ticketID, merchantID).Take(&snap).Error
	return snap, Translate(err, "ticket snapshot")
}

// AppendTicketEvents inserts events; one whose (ticket, event key) exists is skipped, which
// makes a retried write a no-op.
func (s *Store) AppendTicketEvents(ctx context.Context, evs []models.TicketEvent) error {
	if len(evs) == 0 {
		return nil
	}
	err := s.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&evs).Error
	return Translate(err, "append ticket events")
}

// TicketEvents lists a ticket's timeline, oldest first.
func (s *Store) TicketEvents(ctx context.Context, merchantID, ticketID uint64) ([]models.TicketEvent, error) {
	var evs []models.TicketEvent
	err := s.DB(ctx).Where("merchant_id = ? AND ticket_id = ?", merchantID, ticketID).Order("id").Find(&evs).Error
	return evs, Translate(err, "ticket events")
}

// AddMessages inserts messages; one whose (ticket, request id) exists is skipped.
func (s *Store) AddMessages(ctx context.Context, msgs []models.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	err := s.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&msgs).Error
	return Translate(err, "add messages")
}

// TicketMessages lists a ticket's conversation, oldest first; internal notes only when asked.
func (s *Store) TicketMessages(ctx context.Context, merchantID, ticketID uint64, withInternal bool) ([]models.Message, error) {
	q := s.DB(ctx).Where("merchant_id = ? AND ticket_id = ?", merchantID, ticketID)
	if !withInternal {
		q = q.Where("internal = ?", false)
	}
	var ms []models.Message
	err := q.Order("id").Find(&ms).Error
	return ms, Translate(err, "ticket messages")
}

// AddNotifications inserts notifications; one whose (merchant, dedupe key) exists is skipped.
func (s *Store) AddNotifications(ctx context.Context, ns []models.Notification) error {
	if len(ns) == 0 {
		return nil
	}
	err := s.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&ns).Error
	return Translate(err, "add notifications")
}

// TicketNotifications lists the notifications raised for a ticket, oldest first.
func (s *Store) TicketNotifications(ctx context.Context, merchantID, ticketID uint64) ([]models.Notification, error) {
	var ns []models.Notification
	err := s.DB(ctx).Where("merchant_id = ? AND ticket_id = ?", merchantID, ticketID).Order("id").Find(&ns).Error
	return ns, Translate(err, "ticket notifications")
}

// SaveCSAT stores a ticket's rating once (unique per ticket; a retry is a no-op).
func (s *Store) SaveCSAT(ctx context.Context, c models.CSAT) error {
	err := s.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&c).Error
	return Translate(err, "save csat")
}

// SLAPolicies returns a merchant's SLA targets, one row per priority that has one.
func (s *Store) SLAPolicies(ctx context.Context, merchantID uint64) ([]models.SLAPolicy, error) {
	var ps []models.SLAPolicy
	err := s.DB(ctx).Where("merchant_id = ?", merchantID).Order("id").Find(&ps).Error
	return ps, Translate(err, "sla policies")
}

// SaveSLAPolicies upserts a merchant's targets by (merchant, priority).
func (s *Store) SaveSLAPolicies(ctx context.Context, merchantID uint64, ps []models.SLAPolicy) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		for i := range ps {
			p := ps[i]
			p.ID, p.MerchantID = 0, merchantID
			err := s.DB(ctx).Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "merchant_id"}, {Name: "priority"}},
				DoUpdates: clause.AssignmentColumns([]string{"first_response_secs", "next_response_secs", "resolution_secs", "warn_fraction", "updated_at"}),
			}).Create(&p).Error
			if err != nil {
				return Translate(err, "save sla policy "+p.Priority)
			}
		}
		return nil
	})
}

// BusinessCalendar returns a merchant's calendar (ErrNotFound when none is set).
func (s *Store) BusinessCalendar(ctx context.Context, merchantID uint64) (models.BusinessCalendar, error) {
	var c models.BusinessCalendar
	err := s.DB(ctx).Where("merchant_id = ?", merchantID).Take(&c).Error
	return c, Translate(err, "business calendar")
}

// SaveBusinessCalendar upserts a merchant's calendar (joining a transaction in ctx).
// The calendar's time zone becomes the merchant's too, so "today" in reports and the SLA
// overview is the same day the SLA clocks count in.
func (s *Store) SaveBusinessCalendar(ctx context.Context, c models.BusinessCalendar) error {
	c.ID = 0
	c.UpdatedAt = time.Now().UTC()
	return s.InTx(ctx, func(ctx context.Context) error {
		err := s.DB(ctx).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "merchant_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"timezone", "week", "holidays", "escalation_chain", "updated_at"}),
		}).Create(&c).Error
		if err != nil {
			return Translate(err, "save business calendar")
		}
		if c.Timezone == "" {
			return nil
		}
		err = s.DB(ctx).Model(&models.Merchant{}).Where("id = ?", c.MerchantID).Update("timezone", c.Timezone).Error
		return Translate(err, "merchant time zone")
	})
}

// MerchantSettings returns a merchant's time zone and raw settings document.
func (s *Store) MerchantSettings(ctx context.Context, merchantID uint64) (tz string, settings models.JSON, err error) {
	var m models.Merchant
	err = s.DB(ctx).Select("id", "timezone", "settings").Where("id = ?", merchantID).Take(&m).Error
	if err != nil {
		return "", nil, Translate(err, "merchant settings")
	}
	return m.Timezone, m.Settings, nil
}

// AddOutboundMessage queues a message to a buyer. The body is never logged.
func (s *Store) AddOutboundMessage(ctx context.Context, m *models.OutboundMessage) error {
	return Translate(s.DB(ctx).Create(m).Error, "queue outbound message")
}

// OutboundMessages lists a merchant's queued messages to one address, newest first.
func (s *Store) OutboundMessages(ctx context.Context, merchantID uint64, to string) ([]models.OutboundMessage, error) {
	var ms []models.OutboundMessage
	err := s.DB(ctx).Where("merchant_id = ? AND to_addr = ?", merchantID, to).Order("id DESC").Find(&ms).Error
	return ms, Translate(err, "outbound messages")
}

// OpenTicketIDs pages through a merchant's tickets that are not closed, by id after afterID.
func (s *Store) OpenTicketIDs(ctx context.Context, merchantID, afterID uint64, limit int) ([]uint64, error) {
	var ids []uint64
	err := s.DB(ctx).Model(&models.Ticket{}).
		Where("merchant_id = ? AND id > ? AND status <> ?", merchantID, afterID, models.StatusClosed).
		Order("id").Limit(limit).Pluck("id", &ids).Error
	return ids, Translate(err, "open ticket ids")
}

package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/keydesk/keydesk/models"
)

// This file holds the staff read models of the API: the agent queue (served from SQL with
// composite indexes, never from Temporal), a ticket's queue position and estimated wait,
// order delivery history and knowledge-base suggestions.

// OpenStatuses are the statuses a ticket waits in a queue with; the queue's default filter.
var OpenStatuses = []string{models.StatusNew, models.StatusOpen, models.StatusPendingInternal, models.StatusPendingCustomer}

// QueueCursor is the position after the last ticket of a page: its SLA due time (nil for
// tickets without a running deadline, which sort after all others) and id.
type QueueCursor struct {
	DueAt *time.Time
	ID    uint64
}

// QueueFilter selects a page of the queue. Tickets are sorted by SLA due time, then id;
// tickets without a due time come last, by id.
type QueueFilter struct {
	MerchantID uint64
	Queue      string
	Statuses   []string // empty: OpenStatuses
	Priority   string
	Category   string
	// Assignee: nil any; Unassigned only unassigned; else that user.
	AssigneeID *uint64
	Unassigned bool
	Breached   *bool
	// MinEscalation > 0 keeps escalated tickets only.
	MinEscalation int
	After         *QueueCursor
	Limit         int
}

// Queue returns one page and the cursor of the next (nil at the end). Each status is read
// separately along its index (merchant, queue|assignee|–, status, sla_due_at, id), tickets with a
// deadline and those without as two runs, all in one UNION ALL statement; the runs are merged
// here. The cost is the page size times the number of runs, whatever the table size.
func (s *Store) Queue(ctx context.Context, f QueueFilter) ([]models.Ticket, *QueueCursor, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = OpenStatuses
	}
	var runs []*gorm.DB
	for _, st := range statuses {
		runs = append(runs, s.queueRuns(ctx, f, st, f.Limit+1)...)
	}
	parts := make([]string, len(runs))
	args := make([]any, len(runs))
	for i, r := range runs {
		parts[i] = fmt.Sprintf("SELECT * FROM (?) AS r%d", i)
		args[i] = r
	}
	// The runs select only (id, sla_due_at): with no filter outside the index they are read
	// from the index alone; the page's rows are then fetched by primary key.
	var keys []queueKey
	if err := s.DB(ctx).Raw(strings.Join(parts, " UNION ALL "), args...).Scan(&keys).Error; err != nil {
		return nil, nil, Translate(err, "queue")
	}
	slices.SortFunc(keys, compareKey)
	var next *QueueCursor
	if len(keys) > f.Limit {
		keys = keys[:f.Limit]
		last := keys[len(keys)-1]
		next = &QueueCursor{DueAt: last.SLADueAt, ID: last.ID}
	}
	page, err := s.queueRows(ctx, f.MerchantID, keys)
	return page, next, err
}

// queueKey is a queue entry's sort key.
type queueKey struct {
	ID       uint64
	SLADueAt *time.Time `gorm:"column:sla_due_at"`
}

func compareKey(a, b queueKey) int {
	return compareQueue(models.Ticket{ID: a.ID, SLADueAt: a.SLADueAt}, models.Ticket{ID: b.ID, SLADueAt: b.SLADueAt})
}

// queueRows loads the tickets of keys, in the keys' order.
func (s *Store) queueRows(ctx context.Context, merchantID uint64, keys []queueKey) ([]models.Ticket, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	ids := make([]uint64, len(keys))
	pos := make(map[uint64]int, len(keys))
	for i, k := range keys {
		ids[i], pos[k.ID] = k.ID, i
	}
	// By primary key only: with "merchant_id = ? AND" SQLite's planner preferred a merchant
	// index and scanned the merchant's tickets. The merchant is re-checked below.
	var rows []models.Ticket
	if err := s.DB(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, Translate(err, "queue rows")
	}
	out := make([]models.Ticket, len(keys))
	n := 0
	for _, t := range rows {
		if t.MerchantID != merchantID {
			continue
		}
		out[pos[t.ID]] = t
		n++
	}
	if n != len(keys) { // a ticket vanished between the two reads: drop the gaps
		kept := out[:0]
		for _, t := range out {
			if t.ID != 0 {
				kept = append(kept, t)
			}
		}
		out = kept
	}
	return out, nil
}

func compareQueue(a, b models.Ticket) int {
	switch {
	case a.SLADueAt != nil && b.SLADueAt == nil:
		return -1
	case a.SLADueAt == nil && b.SLADueAt != nil:
		return 1
	case a.SLADueAt != nil && !a.SLADueAt.Equal(*b.SLADueAt):
		return a.SLADueAt.Compare(*b.SLADueAt)
	}
	return cmpID(a.ID, b.ID)
}

func cmpID(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// queueRuns are the sub-queries of one status after the cursor: up to n tickets with a due
// time in (due, id) order, and up to n without one, by id.
func (s *Store) queueRuns(ctx context.Context, f QueueFilter, status string, n int) []*gorm.DB {
	var runs []*gorm.DB
	if f.After == nil || f.After.DueAt != nil {
		q := s.queueBase(ctx, f, status).Where("sla_due_at IS NOT NULL")
		if f.After != nil {
			d := *f.After.DueAt
			q = q.Where("sla_due_at >= ? AND (sla_due_at > ? OR id > ?)", d, d, f.After.ID)
		}
		runs = append(runs, q.Select("id", "sla_due_at").Order("sla_due_at, id").Limit(n))
	}
	q := s.queueBase(ctx, f, status).Where("sla_due_at IS NULL")
	if f.After != nil && f.After.DueAt == nil {
		q = q.Where("id > ?", f.After.ID)
	}
	return append(runs, q.Select("id", "sla_due_at").Order("id").Limit(n))
}

func (s *Store) queueBase(ctx context.Context, f QueueFilter, status string) *gorm.DB {
	q := s.DB(ctx).Model(&models.Ticket{}).Where("merchant_id = ?", f.MerchantID)
	if f.Queue != "" {
		q = q.Where("queue = ?", f.Queue)
	}
	q = q.Where("status = ?", status)
	if f.Priority != "" {
		q = q.Where("priority = ?", f.Priority)
	}
	if f.Category != "" {
		q = q.Where("category = ?", f.Category)
	}
	switch {
	case f.Unassigned:
		q = q.Where("assignee_id IS NULL")
	case f.AssigneeID != nil:
		q = q.Where("assignee_id = ?", *f.AssigneeID)
	}
	if f.Breached != nil {
		cond := "(first_response_breached_at IS NOT NULL OR next_response_breached_at IS NOT NULL OR resolution_breached_at IS NOT NULL)"
		if !*f.Breached {
			cond = "NOT " + cond
		}
		q = q.Where(cond)
	}
	if f.MinEscalation > 0 {
		q = q.Where("escalation_level >= ?", f.MinEscalation)
	}
	return q
}

// QueueStanding is where a ticket stands in its queue.
type QueueStanding struct {
	// Ahead counts open tickets of the same queue due before it.
	Ahead int64
	// PerHour is the queue's recent handling rate: tickets resolved per hour over the window.
	PerHour float64
	// EstimatedWait is Ahead / PerHour (0 when the rate is unknown).
	EstimatedWait time.Duration
}

// QueueStanding computes a ticket's position and estimated wait from the read model.
func (s *Store) QueueStanding(ctx context.Context, t models.Ticket, now time.Time, window time.Duration) (QueueStanding, error) {
	var st QueueStanding
	q := s.DB(ctx).Model(&models.Ticket{}).
		Where("merchant_id = ? AND queue = ? AND status IN ? AND id <> ?", t.MerchantID, t.Queue, OpenStatuses, t.ID)
	if t.SLADueAt != nil {
		q = q.Where("(sla_due_at < ? OR (sla_due_at = ? AND id < ?))", *t.SLADueAt, *t.SLADueAt, t.ID)
	} else {
		q = q.Where("(sla_due_at IS NOT NULL OR id < ?)", t.ID)
	}
	if err := q.Count(&st.Ahead).Error; err != nil {
		return st, Translate(err, "queue position")
	}
	var resolved int64
	err := s.DB(ctx).Model(&models.Ticket{}).
		Where("merchant_id = ? AND queue = ? AND resolved_at >= ?", t.MerchantID, t.Queue, now.Add(-window)).
		Count(&resolved).Error
	if err != nil {
		return st, Translate(err, "queue rate")
	}
	st.PerHour = float64(resolved) / window.Hours()
	if st.PerHour > 0 {
		st.EstimatedWait = time.Duration(float64(st.Ahead+1) / st.PerHour * float64(time.Hour))
	}
	return st, nil
}

// LatestFraudAssessment returns the newest fraud assessment of a ticket.
func (s *Store) LatestFraudAssessment(ctx context.Context, merchantID, ticketID uint64) (models.FraudAssessment, error) {
	var fa models.FraudAssessment
	err := s.DB(ctx).Where("merchant_id = ? AND ticket_id = ?", merchantID, ticketID).Order("id DESC").Take(&fa).Error
	return fa, Translate(err, "fraud assessment")
}

// OrderDelivery is one delivery of an order with its key's state (never the secret).
type OrderDelivery struct {
	models.Delivery
	KeyStatus       string
	FirstRevealedAt *time.Time
}

// OrderHistory returns an order's deliveries (oldest first) and key events of a merchant.
func (s *Store) OrderHistory(ctx context.Context, merchantID, orderID uint64) ([]OrderDelivery, []models.KeyEvent, error) {
	var ds []models.Delivery
	if err := s.DB(ctx).Where("merchant_id = ? AND order_id = ?", merchantID, orderID).Order("id").Find(&ds).Error; err != nil {
		return nil, nil, Translate(err, "order deliveries")
	}
	out := make([]OrderDelivery, 0, len(ds))
	for _, d := range ds {
		var k models.CardKey
		err := s.DB(ctx).Select("id", "status", "first_revealed_at").Where("merchant_id = ? AND id = ?", merchantID, d.CardKeyID).Take(&k).Error
		if err != nil {
			return nil, nil, Translate(err, "delivered key")
		}
		out = append(out, OrderDelivery{Delivery: d, KeyStatus: k.Status, FirstRevealedAt: k.FirstRevealedAt})
	}
	var evs []models.KeyEvent
	if err := s.DB(ctx).Where("merchant_id = ? AND order_id = ?", merchantID, orderID).Order("occurred_at, id").Find(&evs).Error; err != nil {
		return nil, nil, Translate(err, "key events")
	}
	return out, evs, nil
}

func escapeLike(s string) string {
	r := strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")
	return r.Replace(s)
}

// MerchantExists reports whether a merchant id exists.
func (s *Store) MerchantExists(ctx context.Context, id uint64) (bool, error) {
	var n int64
	err := s.DB(ctx).Model(&models.Merchant{}).Where("id = ?", id).Count(&n).Error
	return n > 0, Translate(err, fmt.Sprintf("merchant %d", id))
}

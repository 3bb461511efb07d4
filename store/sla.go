package store

// Supervisor views over the ticket read model (all scoped by merchant):
//
//	func (s *Store) SLAOverview(ctx context.Context, merchantID uint64, now time.Time) (SLAOverview, error)
//	    → GET /api/v1/sla/overview: open tickets by SLA state, breaches today (merchant time
//	      zone), compliance % today and over the last 7 days.
//	func (s *Store) Escalations(ctx context.Context, merchantID uint64, limit int) ([]Escalation, error)
//	    → GET /api/v1/escalations: escalated open tickets, highest level first.
//	func (s *Store) SLAPolicies(ctx, merchantID) ([]models.SLAPolicy, error)          (tickets.go)
//	func (s *Store) SaveSLAPolicies(ctx, merchantID, []models.SLAPolicy) error        (tickets.go)
//	func (s *Store) BusinessCalendar(ctx, merchantID) (models.BusinessCalendar, error) (tickets.go)
//	func (s *Store) SaveBusinessCalendar(ctx, models.BusinessCalendar) error          (tickets.go)
//	    → GET|PUT /api/v1/sla-policies. After a PUT, send workflows.UpdatePolicyChanged to
//	      the merchant's open tickets so running clocks pick the new targets up.

import (
	"context"
	"errors"
	"time"

	"github.com/keydesk/keydesk/models"
)

// SLAOverview is a merchant's SLA health.
type SLAOverview struct {
	AsOf     time.Time `json:"as_of"`
	Timezone string    `json:"timezone"`
	// OpenByState counts open tickets (not resolved or closed) by SLA state: ok, warning,
	// breached, paused, met, none.
	OpenByState map[string]int `json:"open_by_state"`
	OpenTotal   int            `json:"open_total"`
	// BreachesToday counts SLA breaches (any metric) since local midnight.
	BreachesToday int `json:"breaches_today"`
	// Resolved* count tickets resolved in the period; Compliance* is the percentage of them
	// that breached no target (nil when none was resolved).
	ResolvedToday   int      `json:"resolved_today"`
	ComplianceToday *float64 `json:"compliance_today"`
	Resolved7d      int      `json:"resolved_7d"`
	Compliance7d    *float64 `json:"compliance_7d"`
	// ManualChecksOpen counts the buyers waiting for a manual check of their order (no ticket
	// and so no SLA yet), OldestManualCheckAt when the longest-waiting one wrote (nil: none).
	ManualChecksOpen    int64      `json:"manual_checks_open"`
	OldestManualCheckAt *time.Time `json:"oldest_manual_check_at"`
}

// openStatuses are the statuses of tickets still being worked on.
var openStatuses = []string{models.StatusNew, models.StatusOpen, models.StatusPendingCustomer, models.StatusPendingInternal}

// SLAOverview computes a merchant's SLA health as of now.
func (s *Store) SLAOverview(ctx context.Context, merchantID uint64, now time.Time) (SLAOverview, error) {
	tz, _, err := s.MerchantSettings(ctx, merchantID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return SLAOverview{}, err
	}
	loc, lerr := time.LoadLocation(tz)
	if tz == "" || lerr != nil {
		loc, tz = time.UTC, "UTC"
	}
	local := now.In(loc)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc).UTC()
	ov := SLAOverview{AsOf: now.UTC(), Timezone: tz, OpenByState: map[string]int{}}
	var rows []struct {
		SLAState string
		N        int
	}
	err = s.DB(ctx).Model(&models.Ticket{}).Select("sla_state, COUNT(*) AS n").
		Where("merchant_id = ? AND status IN ?", merchantID, openStatuses).Group("sla_state").Scan(&rows).Error
	if err != nil {
		return ov, Translate(err, "sla overview: open tickets")
	}
	for _, r := range rows {
		st := r.SLAState
		if st == "" {
			st = "none"
		}
		ov.OpenByState[st] += r.N
		ov.OpenTotal += r.N
	}
	var breaches int64
	err = s.DB(ctx).Model(&models.TicketEvent{}).
		Where("merchant_id = ? AND kind = ? AND created_at >= ?", merchantID, "sla_breach", today).Count(&breaches).Error
	if err != nil {
		return ov, Translate(err, "sla overview: breaches")
	}
	ov.BreachesToday = int(breaches)
	if ov.ResolvedToday, ov.ComplianceToday, err = s.compliance(ctx, merchantID, today); err != nil {
		return ov, err
	}
	if ov.Resolved7d, ov.Compliance7d, err = s.compliance(ctx, merchantID, today.AddDate(0, 0, -6)); err != nil {
		return ov, err
	}
	ov.ManualChecksOpen, ov.OldestManualCheckAt, err = s.openManualChecks(ctx, merchantID)
	return ov, err
}

// compliance counts tickets resolved since from and the share that breached nothing.
func (s *Store) compliance(ctx context.Context, merchantID uint64, from time.Time) (int, *float64, error) {
	var r struct {
		Total int
		Met   int
	}
	err := s.DB(ctx).Model(&models.Ticket{}).
		Select(`COUNT(*) AS total, COALESCE(SUM(CASE WHEN first_response_breached_at IS NULL
			AND next_response_breached_at IS NULL AND resolution_breached_at IS NULL THEN 1 ELSE 0 END), 0) AS met`).
		Where("merchant_id = ? AND resolved_at IS NOT NULL AND resolved_at >= ?", merchantID, from).Scan(&r).Error
	if err != nil {
		return 0, nil, Translate(err, "sla overview: compliance")
	}
	if r.Total == 0 {
		return 0, nil, nil
	}
	pct := 100 * float64(r.Met) / float64(r.Total)
	return r.Total, &pct, nil
}

// Escalation is one escalated open ticket for the supervisor dashboard.
type Escalation struct {
	TicketID        uint64     `json:"ticket_id"`
	Ref             string     `json:"ref"`
	Subject         string     `json:"subject"`
	Status          string     `json:"status"`
	Priority        string     `json:"priority"`
	Queue           string     `json:"queue"`
	EscalationLevel int        `json:"escalation_level"`
	AssigneeID      *uint64    `json:"assignee_id,omitempty"`
	AssigneeName    string     `json:"assignee_name,omitempty"`
	EscalatedAt     *time.Time `json:"escalated_at,omitempty"`
	SLADueAt        *time.Time `json:"sla_due_at,omitempty"`
	// BreachedMetric is the metric that breached last (first_response, next_response,
	// resolution; empty for a manual escalation) and BreachedAt when.
	BreachedMetric string     `json:"breached_metric,omitempty"`
	BreachedAt     *time.Time `json:"breached_at,omitempty"`
}

// Escalations lists a merchant's escalated open tickets: those whose SLA is breached first
// (they need someone now, whatever their level), then the highest level, then the longest
// escalated. limit <= 0 means 100.
func (s *Store) Escalations(ctx context.Context, merchantID uint64, limit int) ([]Escalation, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	var ts []models.Ticket
	err := s.DB(ctx).Where("merchant_id = ? AND status IN ? AND escalation_level > 0", merchantID, openStatuses).
		Order("CASE WHEN sla_state = 'breached' THEN 0 ELSE 1 END").
		Order("escalation_level DESC").Order("escalated_at").Order("id").Limit(limit).Find(&ts).Error
	if err != nil {
		return nil, Translate(err, "escalations")
	}
	names, err := s.userNames(ctx, ts)
	if err != nil {
		return nil, err
	}
	out := make([]Escalation, 0, len(ts))
	for _, t := range ts {
		e := Escalation{TicketID: t.ID, Ref: t.Ref, Subject: t.Subject, Status: t.Status, Priority: t.Priority,
			Queue: t.Queue, EscalationLevel: t.EscalationLevel, AssigneeID: t.AssigneeID,
			EscalatedAt: t.EscalatedAt, SLADueAt: t.SLADueAt}
		if t.AssigneeID != nil {
			e.AssigneeName = names[*t.AssigneeID]
		}
		e.BreachedMetric, e.BreachedAt = lastBreach(t)
		out = append(out, e)
	}
	return out, nil
}

// userNames maps the assignees of ts to their names.
func (s *Store) userNames(ctx context.Context, ts []models.Ticket) (map[uint64]string, error) {
	var ids []uint64
	for _, t := range ts {
		if t.AssigneeID != nil {
			ids = append(ids, *t.AssigneeID)
		}
	}
	names := map[uint64]string{}
	if len(ids) == 0 {
		return names, nil
	}
	var us []models.User
	if err := s.DB(ctx).Select("id", "name").Where("id IN ?", ids).Find(&us).Error; err != nil {
		return nil, Translate(err, "escalations: assignees")
	}
	for _, u := range us {
		names[u.ID] = u.Name
	}
	return names, nil
}

// lastBreach returns the metric that breached most recently.
func lastBreach(t models.Ticket) (string, *time.Time) {
	var metric string
	var at *time.Time
	for _, b := range []struct {
		m  string
		at *time.Time
	}{{"first_response", t.FirstResponseBreachedAt}, {"next_response", t.NextResponseBreachedAt}, {"resolution", t.ResolutionBreachedAt}} {
		if b.at != nil && (at == nil || b.at.After(*at)) {
			metric, at = b.m, b.at
		}
	}
	return metric, at
}

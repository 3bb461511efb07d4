package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/sla"
	"github.com/keydesk/keydesk/store"
)

// EscalationStep is one level of a merchant's escalation chain: where a ticket escalated to
// Level goes (Queue, empty = stays where it is) and which roles are notified.
type EscalationStep struct {
	Level  int      `json:"level"`
	Queue  string   `json:"queue,omitempty"`
	Notify []string `json:"notify"`
}

// TicketPolicy is everything a ticket workflow needs to run its SLA clocks: targets per
// priority, the business calendar, the escalation chain and the auto-close delay.
type TicketPolicy struct {
	// Targets by priority (low, normal, high, urgent).
	Targets map[string]sla.Targets `json:"targets"`
	// Calendar is the merchant's business calendar (24x7 UTC by default).
	Calendar sla.Calendar `json:"calendar"`
	// Chain lists levels 1..3.
	Chain []EscalationStep `json:"chain"`
	// AutoCloseDays closes a resolved ticket after this many days without a buyer reply.
	AutoCloseDays int `json:"auto_close_days"`
}

// DefaultAutoCloseDays is used when a merchant has not set auto_close_days.
const DefaultAutoCloseDays = 7

// DefaultTargets returns keydesk's default targets per priority (business time, warn 0.75).
func DefaultTargets() map[string]sla.Targets {
	t := func(fr, nr, res time.Duration) sla.Targets {
		return sla.Targets{FirstResponse: fr, NextResponse: nr, Resolution: res, WarnFraction: sla.DefaultWarnFraction}
	}
	return map[string]sla.Targets{
		models.PriorityUrgent: t(15*time.Minute, 30*time.Minute, 4*time.Hour),
		models.PriorityHigh:   t(time.Hour, 2*time.Hour, 8*time.Hour),
		models.PriorityNormal: t(4*time.Hour, 8*time.Hour, 24*time.Hour),
		models.PriorityLow:    t(8*time.Hour, 24*time.Hour, 72*time.Hour),
	}
}

// DefaultChain is the escalation chain used when a merchant has none: level 1 stays in the
// general queue and tells the team lead and supervisor, level 2 moves to the supervisor
// queue, level 3 tells the merchant admin.
func DefaultChain() []EscalationStep {
	return []EscalationStep{
		{Level: 1, Queue: models.QueueGeneral, Notify: []string{"team_lead", "supervisor"}},
		{Level: 2, Queue: models.QueueSupervisor, Notify: []string{"supervisor"}},
		{Level: 3, Queue: models.QueueSupervisor, Notify: []string{"admin"}},
	}
}

// DefaultTicketPolicy is the policy of a merchant that configured nothing.
func DefaultTicketPolicy() TicketPolicy {
	return TicketPolicy{
		Targets:       DefaultTargets(),
		Calendar:      sla.AlwaysOpen(time.UTC),
		Chain:         DefaultChain(),
		AutoCloseDays: DefaultAutoCloseDays,
	}
}

// TargetsFor returns the targets of a priority (normal's when the priority is unknown).
func (p TicketPolicy) TargetsFor(priority string) sla.Targets {
	if t, ok := p.Targets[priority]; ok {
		return t
	}
	return p.Targets[models.PriorityNormal]
}

// Step returns the chain step of a level (clamped to the chain; zero step when empty).
func (p TicketPolicy) Step(level int) EscalationStep {
	for _, s := range p.Chain {
		if s.Level == level {
			return s
		}
	}
	return EscalationStep{Level: level}
}

// PolicyInput asks for one merchant's ticket policy.
type PolicyInput struct {
	MerchantID uint64 `json:"merchant_id"`
}

// LoadTicketPolicy reads a merchant's SLA policies, calendar, escalation chain and
// auto-close delay, filling every gap with the defaults. Idempotent: it only reads.
func (a *Activities) LoadTicketPolicy(ctx context.Context, in PolicyInput) (TicketPolicy, error) {
	return TicketPolicyOf(ctx, a.Store, in.MerchantID)
}

// TicketPolicyOf reads merchant merchantID's ticket policy from st, as LoadTicketPolicy does
// for a workflow. The API uses it to show a ticket's clocks from its saved state.
func TicketPolicyOf(ctx context.Context, st *store.Store, merchantID uint64) (TicketPolicy, error) {
	in := PolicyInput{MerchantID: merchantID}
	p := DefaultTicketPolicy()
	rows, err := st.SLAPolicies(ctx, in.MerchantID)
	if err != nil {
		return p, fmt.Errorf("load ticket policy: %w", err)
	}
	for _, r := range rows {
		p.Targets[r.Priority] = sla.Targets{
			FirstResponse: time.Duration(r.FirstResponseSecs) * time.Second,
			NextResponse:  time.Duration(r.NextResponseSecs) * time.Second,
			Resolution:    time.Duration(r.ResolutionSecs) * time.Second,
			WarnFraction:  r.WarnFraction,
		}
	}
	tz, settings, err := st.MerchantSettings(ctx, in.MerchantID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return p, fmt.Errorf("load ticket policy: %w", err)
	}
	p.AutoCloseDays = autoCloseDays(settings)
	cal, err := st.BusinessCalendar(ctx, in.MerchantID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if loc, lerr := time.LoadLocation(tz); tz != "" && lerr == nil {
			p.Calendar = sla.AlwaysOpen(loc)
		}
		return p, nil
	case err != nil:
		return p, fmt.Errorf("load ticket policy: %w", err)
	}
	if err := applyCalendar(&p, cal); err != nil {
		return p, fmt.Errorf("load ticket policy of merchant %d: %w", in.MerchantID, err)
	}
	return p, nil
}

// autoCloseDays reads settings.auto_close_days (default 7; 0 or less means the default).
func autoCloseDays(settings models.JSON) int {
	var s struct {
		AutoCloseDays int `json:"auto_close_days"`
	}
	if err := settings.Decode(&s); err != nil || s.AutoCloseDays <= 0 {
		return DefaultAutoCloseDays
	}
	return s.AutoCloseDays
}

// applyCalendar turns a stored calendar row into the policy's calendar and chain.
func applyCalendar(p *TicketPolicy, row models.BusinessCalendar) error {
	cal, err := CalendarFromRow(row)
	if err != nil {
		return err
	}
	p.Calendar = cal
	var chain []EscalationStep
	if err := row.EscalationChain.Decode(&chain); err != nil {
		return fmt.Errorf("escalation chain: %w", err)
	}
	if len(chain) > 0 {
		p.Chain = chain
	}
	return nil
}

// CalendarFromRow parses a stored calendar: Week is seven window specs, Sunday first
// ("09:00-18:00", empty = closed), Holidays local dates. An empty week means 24x7.
func CalendarFromRow(row models.BusinessCalendar) (sla.Calendar, error) {
	loc := time.UTC
	if row.Timezone != "" {
		l, err := time.LoadLocation(row.Timezone)
		if err != nil {
			return sla.Calendar{}, fmt.Errorf("calendar time zone: %w", err)
		}
		loc = l
	}
	var week []string
	if err := row.Week.Decode(&week); err != nil {
		return sla.Calendar{}, fmt.Errorf("calendar week: %w", err)
	}
	if len(week) == 0 {
		return sla.AlwaysOpen(loc), nil
	}
	cal := sla.Calendar{Location: loc}
	for d := 0; d < 7 && d < len(week); d++ {
		ws, err := sla.ParseWindows(week[d])
		if err != nil {
			return sla.Calendar{}, fmt.Errorf("calendar %s: %w", time.Weekday(d), err)
		}
		cal.Week[d] = ws
	}
	if err := row.Holidays.Decode(&cal.Holidays); err != nil {
		return sla.Calendar{}, fmt.Errorf("calendar holidays: %w", err)
	}
	if err := cal.Validate(); err != nil {
		return sla.Calendar{}, err
	}
	return cal, nil
}

package workflows

import (
	"time"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/sla"
)

// The functions in this file are pure: they take the state, the policy and "now" and return
// the new clocks, the next instant to wake and the read-model row, so the SLA behaviour is
// testable without Temporal and deterministic inside the workflow.

// clockRefs returns pointers to the three clocks in a fixed order (never a map).
func clockRefs(c *Clocks) [3]*sla.Clock {
	return [3]*sla.Clock{&c.FirstResponse, &c.NextResponse, &c.Resolution}
}

// started reports whether a clock was ever started (the zero clock is "not started").
func started(c sla.Clock) bool { return !c.StartedAt.IsZero() }

// live reports whether a clock counts or may count again (started, not stopped).
func live(c sla.Clock) bool { return started(c) && !c.Stopped }

// newClocks starts first response and resolution at creation; next response waits for
// the first buyer message after the first agent reply.
func newClocks(t sla.Targets, at time.Time) Clocks {
	return Clocks{
		FirstResponse: sla.Start(sla.FirstResponse, t.FirstResponse, at),
		NextResponse:  sla.Clock{Metric: sla.NextResponse, Target: t.NextResponse},
		Resolution:    sla.Start(sla.Resolution, t.Resolution, at),
	}
}

// pauseClocks pauses every running clock (ticket waits on the buyer).
func pauseClocks(c Clocks, cal sla.Calendar, now time.Time) Clocks {
	for _, p := range clockRefs(&c) {
		if live(*p) {
			*p = p.Pause(cal, now)
		}
	}
	return c
}

// resumeClocks resumes every paused clock, keeping the time already used.
func resumeClocks(c Clocks, now time.Time) Clocks {
	for _, p := range clockRefs(&c) {
		if live(*p) {
			*p = p.Resume(now)
		}
	}
	return c
}

// retargetClocks applies a priority's targets to every clock, keeping the time used.
func retargetClocks(c Clocks, t sla.Targets) Clocks {
	for _, p := range clockRefs(&c) {
		*p = p.Retarget(t.For(p.Metric))
	}
	return c
}

// reopenClock makes a stopped clock count again from now with the time it had used
// (resolution on reopen). A clock never started is started.
func reopenClock(c sla.Clock, target time.Duration, cal sla.Calendar, now time.Time, paused bool) sla.Clock {
	if !started(c) {
		c = sla.Start(c.Metric, target, now)
	} else if c.Stopped {
		c.Used = c.UsedAt(cal, c.StoppedAt)
		c.Stopped, c.StoppedAt, c.MetAt = false, time.Time{}, time.Time{}
		c.Running, c.RunningSince = true, now
	}
	if paused {
		c = c.Pause(cal, now)
	}
	return c
}

// crossing is a warning or breach a clock newly reached.
type crossing struct {
	Metric   sla.Metric
	Kind     string // sla.KindWarn or sla.KindBreach
	At       time.Time
	Deadline time.Time
}

// tickClocks records every threshold reached by now, in clock order.
func tickClocks(c Clocks, cal sla.Calendar, now time.Time, warn float64) (Clocks, []crossing) {
	var out []crossing
	for _, p := range clockRefs(&c) {
		deadline, _ := p.Deadline(cal)
		next, warned, breached := p.Tick(cal, now, warn)
		*p = next
		switch {
		case breached:
			out = append(out, crossing{Metric: p.Metric, Kind: sla.KindBreach, At: p.BreachedAt, Deadline: deadline})
		case warned:
			out = append(out, crossing{Metric: p.Metric, Kind: sla.KindWarn, At: p.WarnedAt, Deadline: deadline})
		}
	}
	return c, out
}

// nextWake is the earliest instant the workflow must act by itself: a clock's warning or
// breach, or the auto-close of a resolved ticket.
func nextWake(s State, p activities.TicketPolicy) (time.Time, string, bool) {
	var at time.Time
	var what string
	t := p.TargetsFor(s.Priority)
	for _, c := range clockRefs(&s.Clocks) {
		if !live(*c) {
			continue
		}
		if n, kind, ok := c.Next(p.Calendar, t.Warn()); ok && (at.IsZero() || n.Before(at)) {
			at, what = n, string(c.Metric)+" "+kind
		}
	}
	if s.Status == models.StatusResolved && !s.ResolvedAt.IsZero() {
		ac := autoCloseAt(s, p)
		if at.IsZero() || ac.Before(at) {
			at, what = ac, "auto-close"
		}
	}
	return at, what, !at.IsZero()
}

// autoCloseAt is when a resolved ticket closes itself (calendar days, not business time).
func autoCloseAt(s State, p activities.TicketPolicy) time.Time {
	days := p.AutoCloseDays
	if days <= 0 {
		days = activities.DefaultAutoCloseDays
	}
	return s.ResolvedAt.Add(time.Duration(days) * 24 * time.Hour)
}

// ClockViews describes the clocks of a saved state s as of now under policy p: the SLA
// field a query answers with, for a state read from a snapshot.
func ClockViews(s State, p activities.TicketPolicy, now time.Time) []ClockView {
	return clockViews(s, p, now)
}

// clockViews describes the clocks as of now for queries.
func clockViews(s State, p activities.TicketPolicy, now time.Time) []ClockView {
	t := p.TargetsFor(s.Priority)
	out := make([]ClockView, 0, 3)
	for _, c := range clockRefs(&s.Clocks) {
		v := ClockView{Metric: c.Metric, Target: c.Target, WarnedAt: c.WarnedAt, BreachedAt: c.BreachedAt, MetAt: c.MetAt}
		if started(*c) {
			v.Used = c.UsedAt(p.Calendar, now)
			v.Remaining = c.Remaining(p.Calendar, now)
			v.Status = c.Status(p.Calendar, now, t.Warn())
			v.Paused = live(*c) && !c.Running
			v.Deadline, _ = c.Deadline(p.Calendar)
			v.WarnAt, _ = c.WarnAt(p.Calendar, t.Warn())
		}
		out = append(out, v)
	}
	return out
}

// slaRank orders clock statuses from worst to best for the ticket's overall SLA state.
var slaRank = []string{sla.StatusBreached, sla.StatusWarning, sla.StatusOK, sla.StatusPaused, sla.StatusMet, sla.StatusStopped}

// overallSLA is the worst status of the ticket's clocks that still matter: a breach on a
// clock that is stopped still shows until the ticket is resolved.
func overallSLA(views []ClockView, resolved bool) string {
	best := len(slaRank)
	for _, v := range views {
		if v.Status == "" {
			continue
		}
		for i, st := range slaRank {
			if st == v.Status && i < best {
				best = i
			}
		}
	}
	if best == len(slaRank) {
		return ""
	}
	if resolved && slaRank[best] != sla.StatusBreached {
		return sla.StatusMet
	}
	return slaRank[best]
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// readModel projects the state onto the ticket row the queue and reports read.
func readModel(s State, p activities.TicketPolicy, now time.Time) models.TicketState {
	views := clockViews(s, p, now)
	resolved := s.Status == models.StatusResolved || s.Status == models.StatusClosed
	row := models.TicketState{
		Status: s.Status, Priority: s.Priority, Queue: s.Queue, EscalationLevel: s.EscalationLevel,
		SLAState: overallSLA(views, resolved), StateVersion: s.Version,
		FirstResponseAt:         timePtr(s.Clocks.FirstResponse.MetAt),
		FirstResponseBreachedAt: timePtr(s.Clocks.FirstResponse.BreachedAt),
		NextResponseBreachedAt:  timePtr(latest(s.Clocks.NextResponse.BreachedAt, s.NextResponseBreachedAt)),
		ResolutionBreachedAt:    timePtr(s.Clocks.Resolution.BreachedAt),
		EscalatedAt:             timePtr(s.EscalatedAt),
		ResolvedAt:              timePtr(s.ResolvedAt),
		ClosedAt:                timePtr(s.ClosedAt),
	}
	if s.AssigneeID != 0 {
		id := s.AssigneeID
		row.AssigneeID = &id
	}
	if s.Risk != nil {
		score := s.Risk.Score
		row.RiskScore, row.RiskDecision = &score, s.Risk.Decision
	}
	if s.CSAT > 0 {
		c := s.CSAT
		row.CSATScore = &c
	}
	dues := [3]**time.Time{&row.FirstResponseDueAt, &row.NextResponseDueAt, &row.ResolutionDueAt}
	for i, v := range views {
		if v.Deadline.IsZero() {
			continue
		}
		*dues[i] = timePtr(v.Deadline)
		if row.SLADueAt == nil || v.Deadline.Before(*row.SLADueAt) {
			row.SLADueAt = timePtr(v.Deadline)
		}
	}
	return row
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// raisePriority returns the next priority up (urgent stays urgent).
func raisePriority(p string) string {
	switch p {
	case models.PriorityLow:
		return models.PriorityNormal
	case models.PriorityNormal:
		return models.PriorityHigh
	default:
		return models.PriorityUrgent
	}
}

// validPriority reports whether p is one of the four priorities.
func validPriority(p string) bool {
	switch p {
	case models.PriorityLow, models.PriorityNormal, models.PriorityHigh, models.PriorityUrgent:
		return true
	}
	return false
}

// baseQueue is where a ticket of a category sits when not escalated.
func baseQueue(s State) string {
	switch {
	case s.Risk != nil && s.Risk.Pending:
		return models.QueueRisk
	case s.Category == "refund":
		return models.QueueRefunds
	case s.Category == "dispute":
		return models.QueueDisputes
	}
	return models.QueueGeneral
}

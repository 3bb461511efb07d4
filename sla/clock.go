package sla

import (
	"math"
	"time"
)

// Metric names one SLA target of a ticket.
type Metric string

// The three SLA metrics of a ticket.
const (
	// FirstResponse runs from ticket creation to the first agent reply.
	FirstResponse Metric = "first_response"
	// NextResponse runs from each buyer message to the next agent reply.
	NextResponse Metric = "next_response"
	// Resolution runs from ticket creation to resolution.
	Resolution Metric = "resolution"
)

// Metrics lists every metric, in display order.
var Metrics = []Metric{FirstResponse, NextResponse, Resolution}

// Valid reports whether m is one of Metrics.
func (m Metric) Valid() bool {
	return m == FirstResponse || m == NextResponse || m == Resolution
}

// DefaultWarnFraction is the warning point used when none is configured.
const DefaultWarnFraction = 0.75

// Targets for one priority. A zero target means "no target" for that metric.
type Targets struct {
	FirstResponse time.Duration `json:"first_response"`
	NextResponse  time.Duration `json:"next_response"`
	Resolution    time.Duration `json:"resolution"`
	// WarnFraction of the target at which to warn; 0 means DefaultWarnFraction,
	// >= 1 disables warnings.
	WarnFraction float64 `json:"warn_fraction,omitempty"`
}

// For returns the target of metric m (0 for an unknown metric).
func (t Targets) For(m Metric) time.Duration {
	switch m {
	case FirstResponse:
		return t.FirstResponse
	case NextResponse:
		return t.NextResponse
	case Resolution:
		return t.Resolution
	}
	return 0
}

// Warn returns the effective warning fraction (WarnFraction, defaulted).
func (t Targets) Warn() float64 { return normFraction(t.WarnFraction) }

// normFraction maps "unset" (0, negative, NaN) to the default. Values >= 1 are
// kept and mean "no warning".
func normFraction(f float64) float64 {
	if !(f > 0) {
		return DefaultWarnFraction
	}
	return f
}

// Status values returned by Clock.Status.
const (
	StatusOK       = "ok"       // running, before the warning point
	StatusWarning  = "warning"  // running or due soon: past the warning point
	StatusBreached = "breached" // target exceeded (also when met late, or paused after breach)
	StatusPaused   = "paused"   // waiting on the buyer, not counting
	StatusMet      = "met"      // stopped in time
	StatusStopped  = "stopped"  // cancelled without being met
)

// Timer kinds returned by Clock.Next.
const (
	KindWarn   = "warn"
	KindBreach = "breach"
)

// Clock is one SLA clock of one ticket; a plain value (JSON-serialisable, exported
// fields) so a Temporal workflow can keep it in its state. Methods never modify the
// receiver; they return the updated clock.
type Clock struct {
	Metric Metric `json:"metric"`
	// Target is the business time allowed; <= 0 means no target (never breaches).
	Target time.Duration `json:"target"`
	// Used is the business time used before RunningSince (all of it when paused).
	Used time.Duration `json:"used"`
	// Running is true while counting. A stopped clock keeps the value it had when
	// stopped, so UsedAt can still tell how much time was used.
	Running bool `json:"running,omitzero"`
	// RunningSince is when the current run began; valid when Running.
	RunningSince time.Time `json:"running_since,omitzero"`
	// StartedAt is when the clock was started (for reports).
	StartedAt time.Time `json:"started_at,omitzero"`
	// Stopped means met or cancelled: no more timers, UsedAt frozen at StoppedAt.
	Stopped   bool      `json:"stopped,omitzero"`
	StoppedAt time.Time `json:"stopped_at,omitzero"`
	// MetAt is when the clock was stopped as met (even if late: see BreachedAt).
	MetAt time.Time `json:"met_at,omitzero"`
	// WarnedAt and BreachedAt are set once (see Tick) and never cleared.
	WarnedAt   time.Time `json:"warned_at,omitzero"`
	BreachedAt time.Time `json:"breached_at,omitzero"`
}

// Start returns a running clock for metric m with the given target.
func Start(m Metric, target time.Duration, now time.Time) Clock {
	return Clock{Metric: m, Target: target, Running: true, RunningSince: now, StartedAt: now}
}

// UsedAt returns the business time used by now: Used plus the current run
// (up to StoppedAt for a stopped clock).
func (c Clock) UsedAt(cal Calendar, now time.Time) time.Duration {
	if !c.Running {
		return c.Used
	}
	if c.Stopped && c.StoppedAt.Before(now) {
		now = c.StoppedAt
	}
	return c.Used + cal.Elapsed(c.RunningSince, now)
}

// Pause stops counting (ticket pending on the buyer), folding the current run into
// Used. Pausing a paused or stopped clock changes nothing.
func (c Clock) Pause(cal Calendar, now time.Time) Clock {
	if c.Stopped || !c.Running {
		return c
	}
	c.Used = c.UsedAt(cal, now)
	c.Running = false
	c.RunningSince = time.Time{}
	return c
}

// Resume starts counting again from now, keeping the time already used.
// Resuming a running or stopped clock changes nothing.
func (c Clock) Resume(now time.Time) Clock {
	if c.Stopped || c.Running {
		return c
	}
	c.Running = true
	c.RunningSince = now
	return c
}

// Stop ends the clock for good: met (the response or resolution happened, MetAt
// is set even when late; BreachedAt stays) or cancelled (met=false). The used time
// freezes at now. Stopping a stopped clock changes nothing.
func (c Clock) Stop(now time.Time, met bool) Clock {
	if c.Stopped {
		return c
	}
	c.Stopped = true
	c.StoppedAt = now
	if met {
		c.MetAt = now
	}
	return c
}

// Retarget sets a new target (priority or policy change) keeping the time used,
// so the deadline moves by the difference. WarnedAt and BreachedAt are kept: a
// clock warns and breaches at most once, so a priority bump made because of a
// breach cannot breach again, and a longer target does not un-breach a clock
// that was already escalated. Re-arm timers from Next afterwards.
func (c Clock) Retarget(target time.Duration) Clock {
	c.Target = target
	return c
}

// Deadline returns the instant at which the clock breaches, if it is running and
// has a target on a calendar that opens. The instant is in the past when the clock
// is already over target (a timer for it should fire at once).
func (c Clock) Deadline(cal Calendar) (time.Time, bool) {
	return c.reach(cal, c.Target)
}

// WarnAt returns the instant at which the used time reaches fraction*Target
// (fraction 0 means DefaultWarnFraction; >= 1 means no warning, ok=false).
// Like Deadline it needs a running clock with a target.
func (c Clock) WarnAt(cal Calendar, fraction float64) (time.Time, bool) {
	point, ok := warnPoint(c.Target, fraction)
	if !ok {
		return time.Time{}, false
	}
	return c.reach(cal, point)
}

// reach returns when the used time reaches point.
func (c Clock) reach(cal Calendar, point time.Duration) (time.Time, bool) {
	if c.Stopped || !c.Running || c.Target <= 0 {
		return time.Time{}, false
	}
	return cal.add(c.RunningSince, point-c.Used)
}

func warnPoint(target time.Duration, fraction float64) (time.Duration, bool) {
	f := normFraction(fraction)
	if f >= 1 || target <= 0 {
		return 0, false
	}
	return time.Duration(math.Round(float64(target) * f)), true
}

// Remaining returns Target - UsedAt(now), negative once breached (0 when the clock
// has no target).
func (c Clock) Remaining(cal Calendar, now time.Time) time.Duration {
	if c.Target <= 0 {
		return 0
	}
	return c.Target - c.UsedAt(cal, now)
}

// IsBreached reports whether the clock has breached: BreachedAt is set, or the
// time used by now has reached the target (breach is at 100%, inclusive).
func (c Clock) IsBreached(cal Calendar, now time.Time) bool {
	if !c.BreachedAt.IsZero() {
		return true
	}
	return c.Target > 0 && c.UsedAt(cal, now) >= c.Target
}

// Status summarises a clock for views: "ok" | "warning" | "breached" | "paused" |
// "met" | "stopped" (the Status* constants). Breached wins over everything, so a
// ticket resolved late shows "breached", not "met".
func (c Clock) Status(cal Calendar, now time.Time, warnFraction float64) string {
	used := c.UsedAt(cal, now)
	switch {
	case !c.BreachedAt.IsZero() || (c.Target > 0 && used >= c.Target):
		return StatusBreached
	case c.Stopped && !c.MetAt.IsZero():
		return StatusMet
	case c.Stopped:
		return StatusStopped
	case !c.Running:
		return StatusPaused
	}
	if point, ok := warnPoint(c.Target, warnFraction); ok && used >= point {
		return StatusWarning
	}
	return StatusOK
}

// Next returns the next instant a timer should fire for this clock and its kind:
// KindWarn if the warning is not yet recorded and comes before the breach, else
// KindBreach until the breach is recorded. ok=false when no timer is needed
// (stopped, paused, no target, already breached, or a calendar that never opens).
// at may be in the past: fire at once. When it fires, call Tick.
func (c Clock) Next(cal Calendar, warnFraction float64) (at time.Time, kind string, ok bool) {
	if c.Stopped || !c.Running || c.Target <= 0 || !c.BreachedAt.IsZero() {
		return time.Time{}, "", false
	}
	if point, wok := warnPoint(c.Target, warnFraction); wok && c.WarnedAt.IsZero() && point < c.Target {
		if at, ok := c.reach(cal, point); ok {
			return at, KindWarn, true
		}
		return time.Time{}, "", false
	}
	if at, ok := c.reach(cal, c.Target); ok {
		return at, KindBreach, true
	}
	return time.Time{}, "", false
}

// Tick records the thresholds the clock has reached by now: it sets WarnedAt and
// BreachedAt if they are due and unset, to the instant the threshold was crossed
// (now if that cannot be told: crossed before the current run, e.g. by Retarget). It
// reports what is newly reached so the caller notifies once: warned is true only
// when the warning is new and the breach is not (a clock that jumps straight past
// its target gets both stamps but only the breach is reported). Tick is idempotent
// and does nothing on a stopped clock.
func (c Clock) Tick(cal Calendar, now time.Time, warnFraction float64) (out Clock, warned, breached bool) {
	if c.Stopped || c.Target <= 0 {
		return c, false, false
	}
	used := c.UsedAt(cal, now)
	crossed := func(point time.Duration) time.Time {
		// Only a crossing inside the current run has a known instant.
		if point > c.Used {
			if at, ok := c.reach(cal, point); ok && !at.After(now) {
				return at.In(now.Location()) // keep stamps in the caller's zone, like now
			}
		}
		return now
	}
	if point, ok := warnPoint(c.Target, warnFraction); ok && c.WarnedAt.IsZero() && used >= point {
		c.WarnedAt = crossed(point)
		warned = true
	}
	if c.BreachedAt.IsZero() && used >= c.Target {
		c.BreachedAt = crossed(c.Target)
		breached = true
		warned = false
	}
	return c, warned, breached
}

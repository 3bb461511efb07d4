// Package sla is keydesk's business-calendar and SLA-clock arithmetic.
//
// It is pure: no clocks, no goroutines, and no I/O except that
// Calendar.UnmarshalJSON resolves a zone name with time.LoadLocation (the IANA
// database is embedded, see tzdata.go). Callers pass "now" in (a Temporal workflow
// passes workflow.Now), so every function is deterministic and safe to call from
// workflow code.
//
// # Business time
//
// A [Calendar] says when a merchant is open: windows of local wall-clock time per
// weekday (several per day allowed), whole-day holidays, optional per-date overrides,
// all in one IANA time zone.
//
// An instant is open when the merchant's wall clock, at that instant, shows a date
// that is not a holiday and a time of day inside one of that date's windows
// (Start inclusive, End exclusive). Business time is the real elapsed time
// (time.Time.Sub) spent open. Two consequences at daylight-saving changes:
//
//   - Spring forward: wall times that never occur are never open. A 01:00-03:00
//     window on 2026-03-08 in America/New_York lasts one real hour.
//   - Fall back: wall times that occur twice are open both times. A 01:00-03:00
//     window on 2026-11-01 in America/New_York lasts three real hours.
//
// A 24x7 calendar ("00:00-24:00" every day, see [AlwaysOpen]) therefore counts
// exactly real time, across any transition.
//
// [Calendar.Add] returns the earliest instant at which the requested business time
// has elapsed, so a deadline falls at the end of a window, not at the start of the
// next one. [Calendar.Elapsed] is its inverse and is additive. Both walk the
// calendar one window at a time and skip whole weeks inside a stretch of constant
// UTC offset, so spans of months cost microseconds.
//
// A calendar with no open time in its weekly schedule never reaches any deadline:
// [Calendar.Validate] rejects it with [ErrNoOpenTime], and if one is used anyway,
// Add returns start+[FarFuture] and [Clock.Deadline] reports ok=false instead of
// looping. Instants are handled between the years 1800 and 2200; values outside are
// clamped to that range.
//
// # Clocks
//
// A [Clock] is one SLA target of one ticket (first response, next response or
// resolution). It is a plain value with exported fields so a workflow can keep it in
// its state and JSON can carry it. It stores the business time used before the
// current run (Used) plus when the current run began (RunningSince); the time used
// so far is computed on demand from the calendar, so nothing has to tick.
//
//   - [Clock.Pause] (ticket waits on the buyer) folds the run into Used;
//     [Clock.Resume] starts a new run. Paused time never counts.
//   - [Clock.Retarget] (priority or policy change) keeps Used and swaps Target, so
//     the deadline is recomputed from the time already used.
//   - [Clock.Next] gives the next timer to arm: the warning first, then the breach.
//     When it fires, [Clock.Tick] records the threshold(s) reached.
//   - Warnings and breaches are one-shot per clock: once WarnedAt or BreachedAt is
//     set, Retarget does not clear it, so a priority bump caused by a breach can
//     never re-trigger the same breach.
//   - A clock with Target <= 0 has no target: it never warns or breaches.
package sla

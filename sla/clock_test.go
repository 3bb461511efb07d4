package sla

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTargets(t *testing.T) {
	tg := Targets{FirstResponse: h, NextResponse: 2 * h, Resolution: 8 * h}
	assert.Equal(t, h, tg.For(FirstResponse))
	assert.Equal(t, 2*h, tg.For(NextResponse))
	assert.Equal(t, 8*h, tg.For(Resolution))
	assert.Equal(t, time.Duration(0), tg.For("bogus"))
	assert.Equal(t, 0.75, tg.Warn())
	tg.WarnFraction = 0.5
	assert.Equal(t, 0.5, tg.Warn())
	for _, m := range Metrics {
		assert.True(t, m.Valid())
	}
	assert.False(t, Metric("x").Valid())
}

func TestClockLifecycle(t *testing.T) {
	c := shanghai(t)
	loc := c.Location
	tm := func(s string) time.Time { return at(t, loc, s) }
	// Monday 09:00, 4h target: 09:00-12:00 (3h) + 13:30-14:30.
	clk := Start(Resolution, 4*h, tm("2026-03-16 09:00"))

	dl, ok := clk.Deadline(c)
	require.True(t, ok)
	assert.True(t, dl.Equal(tm("2026-03-16 14:30")))
	warn, ok := clk.WarnAt(c, 0) // default 0.75 -> 3h -> exactly the lunch closing
	require.True(t, ok)
	assert.True(t, warn.Equal(tm("2026-03-16 12:00")))
	half, _ := clk.WarnAt(c, 0.5)
	assert.True(t, half.Equal(tm("2026-03-16 11:00")))
	_, ok = clk.WarnAt(c, 1)
	assert.False(t, ok, "fraction >= 1 disables the warning")

	// Next: warning first.
	next, kind, ok := clk.Next(c, 0)
	require.True(t, ok)
	assert.Equal(t, KindWarn, kind)
	assert.True(t, next.Equal(warn))
	assert.Equal(t, StatusOK, clk.Status(c, tm("2026-03-16 11:59"), 0))
	assert.Equal(t, 61*mi, clk.Remaining(c, tm("2026-03-16 11:59")))

	// Timer fires at 12:00.
	clk, warned, breached := clk.Tick(c, next, 0)
	assert.True(t, warned)
	assert.False(t, breached)
	assert.True(t, clk.WarnedAt.Equal(warn))
	assert.Equal(t, StatusWarning, clk.Status(c, tm("2026-03-16 12:30"), 0))
	_, w2, b2 := clk.Tick(c, tm("2026-03-16 12:30"), 0)
	assert.False(t, w2 || b2, "Tick is idempotent")

	// Then the breach.
	next, kind, ok = clk.Next(c, 0)
	require.True(t, ok)
	assert.Equal(t, KindBreach, kind)
	assert.True(t, next.Equal(dl))
	assert.False(t, clk.IsBreached(c, dl.Add(-time.Nanosecond)))
	assert.True(t, clk.IsBreached(c, dl), "breach is at 100%, inclusive")
	clk, warned, breached = clk.Tick(c, dl, 0)
	assert.False(t, warned)
	assert.True(t, breached)
	assert.True(t, clk.BreachedAt.Equal(dl))
	assert.Equal(t, StatusBreached, clk.Status(c, dl, 0))
	assert.Equal(t, -30*mi, clk.Remaining(c, tm("2026-03-16 15:00")))
	_, _, ok = clk.Next(c, 0)
	assert.False(t, ok, "no timers after the breach")

	// Met late: still breached in views, MetAt recorded.
	clk = clk.Stop(tm("2026-03-16 16:00"), true)
	assert.True(t, clk.MetAt.Equal(tm("2026-03-16 16:00")))
	assert.Equal(t, StatusBreached, clk.Status(c, tm("2026-03-17 16:00"), 0))
	assert.Equal(t, 5*h+30*mi, clk.UsedAt(c, tm("2026-03-20 16:00")), "used time freezes at stop")
}

func TestClockPauseResume(t *testing.T) {
	c := shanghai(t)
	tm := func(s string) time.Time { return at(t, c.Location, s) }
	clk := Start(FirstResponse, 4*h, tm("2026-03-16 09:00"))

	clk = clk.Pause(c, tm("2026-03-16 10:00"))
	assert.False(t, clk.Running)
	assert.Equal(t, h, clk.Used)
	assert.Equal(t, h, clk.UsedAt(c, tm("2026-03-20 10:00")), "paused time does not count")
	assert.Equal(t, StatusPaused, clk.Status(c, tm("2026-03-17 10:00"), 0))
	_, ok := clk.Deadline(c)
	assert.False(t, ok)
	_, _, ok = clk.Next(c, 0)
	assert.False(t, ok)
	assert.Equal(t, clk, clk.Pause(c, tm("2026-03-16 11:00")), "pause twice")

	clk = clk.Resume(tm("2026-03-17 09:00"))
	assert.Equal(t, clk, clk.Resume(tm("2026-03-17 10:00")), "resume twice")
	assert.Equal(t, 90*mi, clk.UsedAt(c, tm("2026-03-17 09:30")))
	dl, ok := clk.Deadline(c)
	require.True(t, ok)
	assert.True(t, dl.Equal(tm("2026-03-17 12:00")), "3h left from Tuesday 09:00")

	// Pause at a closed time, resume on a closed day: nothing lost, nothing added.
	clk = clk.Pause(c, tm("2026-03-17 12:45"))
	assert.Equal(t, 4*h, clk.Used)
	assert.True(t, clk.IsBreached(c, tm("2026-03-17 12:45")))
	clk = clk.Resume(tm("2026-03-21 10:00"))
	assert.Equal(t, 4*h, clk.UsedAt(c, tm("2026-03-22 10:00")))

	// A stopped clock ignores pause and resume.
	st := Start(FirstResponse, 4*h, tm("2026-03-16 09:00")).Stop(tm("2026-03-16 10:00"), false)
	assert.Equal(t, st, st.Pause(c, tm("2026-03-16 11:00")))
	assert.Equal(t, st, st.Resume(tm("2026-03-16 11:00")))
	assert.Equal(t, st, st.Stop(tm("2026-03-16 11:00"), true), "first stop wins")
	assert.Equal(t, StatusStopped, st.Status(c, tm("2026-03-16 11:00"), 0))
	assert.Equal(t, h, st.UsedAt(c, tm("2026-03-16 17:00")))
	_, ok = st.Deadline(c)
	assert.False(t, ok)
	_, _, ok = st.Next(c, 0)
	assert.False(t, ok)
	st2, w, b := st.Tick(c, tm("2026-03-20 17:00"), 0)
	assert.False(t, w || b)
	assert.Equal(t, st, st2)

	met := Start(FirstResponse, 4*h, tm("2026-03-16 09:00")).Stop(tm("2026-03-16 10:00"), true)
	assert.Equal(t, StatusMet, met.Status(c, tm("2026-03-18 10:00"), 0))
}

func TestClockRetarget(t *testing.T) {
	c := shanghai(t)
	tm := func(s string) time.Time { return at(t, c.Location, s) }
	clk := Start(Resolution, 4*h, tm("2026-03-16 09:00"))

	// Longer target: the deadline moves out by business time.
	longer := clk.Retarget(8 * h)
	dl, _ := longer.Deadline(c)
	assert.True(t, dl.Equal(tm("2026-03-17 09:30")), "7.5h Monday + 30m Tuesday, got %s", dl)

	// Shorter target while paused with 3h used: due at once on resume.
	paused := clk.Pause(c, tm("2026-03-16 12:00")).Retarget(2 * h)
	assert.True(t, paused.IsBreached(c, tm("2026-03-16 12:00")))
	assert.Equal(t, StatusBreached, paused.Status(c, tm("2026-03-16 12:00"), 0))
	resumed := paused.Resume(tm("2026-03-16 13:30"))
	dl, ok := resumed.Deadline(c)
	require.True(t, ok)
	assert.False(t, dl.After(tm("2026-03-16 13:30")), "deadline already passed")
	// Next gives a past warning; Tick then records both but reports only the breach.
	at0, kind, ok := resumed.Next(c, 0)
	require.True(t, ok)
	assert.Equal(t, KindWarn, kind)
	assert.False(t, at0.After(tm("2026-03-16 13:30")))
	ticked, warned, breached := resumed.Tick(c, tm("2026-03-16 13:30"), 0)
	assert.False(t, warned)
	assert.True(t, breached)
	assert.True(t, ticked.BreachedAt.Equal(tm("2026-03-16 13:30")), "crossed before this run: stamped now")
	assert.False(t, ticked.WarnedAt.IsZero())
	_, _, ok = ticked.Next(c, 0)
	assert.False(t, ok)

	// Sticky marks: a priority bump after a breach does not breach again, and a
	// longer target does not un-breach.
	bumped := ticked.Retarget(h)
	_, _, ok = bumped.Next(c, 0)
	assert.False(t, ok)
	_, _, b := bumped.Tick(c, tm("2026-03-16 15:00"), 0)
	assert.False(t, b)
	assert.True(t, ticked.Retarget(100*h).IsBreached(c, tm("2026-03-16 15:00")))

	// Warned, then given a longer target: not warned again, breach still armed.
	w := Start(Resolution, 4*h, tm("2026-03-16 09:00"))
	w, warned, _ = w.Tick(c, tm("2026-03-16 12:00"), 0)
	require.True(t, warned)
	w = w.Retarget(8 * h)
	_, kind, ok = w.Next(c, 0)
	require.True(t, ok)
	assert.Equal(t, KindBreach, kind)
	assert.Equal(t, StatusOK, w.Status(c, tm("2026-03-16 12:00"), 0), "status is computed from the new target")
}

func TestClockTickLate(t *testing.T) {
	// The worker was down: one Tick long after both thresholds.
	c := shanghai(t)
	tm := func(s string) time.Time { return at(t, c.Location, s) }
	clk := Start(Resolution, 4*h, tm("2026-03-16 09:00"))
	clk, warned, breached := clk.Tick(c, tm("2026-03-17 09:00"), 0)
	assert.False(t, warned, "only the breach is reported")
	assert.True(t, breached)
	assert.True(t, clk.WarnedAt.Equal(tm("2026-03-16 12:00")), "stamped when crossed")
	assert.True(t, clk.BreachedAt.Equal(tm("2026-03-16 14:30")), "stamped when crossed")

	// Warnings disabled: no WarnedAt ever.
	nw := Start(Resolution, 4*h, tm("2026-03-16 09:00"))
	next, kind, _ := nw.Next(c, 1)
	assert.Equal(t, KindBreach, kind)
	assert.True(t, next.Equal(tm("2026-03-16 14:30")))
	nw, _, _ = nw.Tick(c, next, 1)
	assert.True(t, nw.WarnedAt.IsZero())
	assert.False(t, nw.BreachedAt.IsZero())
}

func TestClockNoTarget(t *testing.T) {
	c := AlwaysOpen(nil)
	now := time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC)
	clk := Start(NextResponse, 0, now)
	later := now.Add(1000 * h)
	_, ok := clk.Deadline(c)
	assert.False(t, ok)
	_, _, ok = clk.Next(c, 0)
	assert.False(t, ok)
	assert.False(t, clk.IsBreached(c, later))
	assert.Equal(t, StatusOK, clk.Status(c, later, 0))
	assert.Equal(t, time.Duration(0), clk.Remaining(c, later))
	assert.Equal(t, 1000*h, clk.UsedAt(c, later))
	_, w, b := clk.Tick(c, later, 0)
	assert.False(t, w || b)
}

func TestClockStatusTransitions(t *testing.T) {
	c := AlwaysOpen(nil)
	t0 := time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC)
	clk := Start(FirstResponse, 4*h, t0)
	steps := []struct {
		at   time.Duration
		op   func(Clock, time.Time) Clock
		want string
	}{
		{0, nil, StatusOK},
		{2*h + 59*mi, nil, StatusOK},
		{3 * h, nil, StatusWarning},
		{3*h + 30*mi, func(c Clock, now time.Time) Clock { return c.Pause(AlwaysOpen(nil), now) }, StatusPaused},
		{10 * h, nil, StatusPaused},
		{10 * h, func(c Clock, now time.Time) Clock { return c.Resume(now) }, StatusWarning},
		{10*h + 30*mi, nil, StatusBreached},
		{11 * h, func(c Clock, now time.Time) Clock { return c.Pause(AlwaysOpen(nil), now) }, StatusBreached},
	}
	for _, s := range steps {
		now := t0.Add(s.at)
		if s.op != nil {
			clk = s.op(clk, now)
		}
		assert.Equal(t, s.want, clk.Status(c, now, 0), "at +%s", s.at)
	}
	cancel := Start(FirstResponse, 4*h, t0).Stop(t0.Add(h), false)
	assert.Equal(t, StatusStopped, cancel.Status(c, t0.Add(10*h), 0))
	met := Start(FirstResponse, 4*h, t0).Stop(t0.Add(3*h+59*mi), true)
	assert.Equal(t, StatusMet, met.Status(c, t0.Add(10*h), 0))
	late := Start(FirstResponse, 4*h, t0).Stop(t0.Add(4*h), true)
	assert.Equal(t, StatusBreached, late.Status(c, t0.Add(10*h), 0), "met exactly at the deadline is late")
}

func TestClockJSONRoundTrip(t *testing.T) {
	c := shanghai(t)
	tm := func(s string) time.Time { return at(t, c.Location, s).UTC() }
	clk := Start(Resolution, 4*h, tm("2026-03-16 09:00"))
	clk, _, _ = clk.Tick(c, tm("2026-03-16 12:00"), 0)
	clk = clk.Pause(c, tm("2026-03-16 13:45")).Resume(tm("2026-03-17 09:00")).Stop(tm("2026-03-17 10:00"), true)

	b, err := json.Marshal(clk)
	require.NoError(t, err)
	var back Clock
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, clk, back)
	assert.JSONEq(t, `{
		"metric":"resolution","target":14400000000000,"used":11700000000000,"running":true,
		"running_since":"2026-03-17T01:00:00Z","started_at":"2026-03-16T01:00:00Z",
		"stopped":true,"stopped_at":"2026-03-17T02:00:00Z","met_at":"2026-03-17T02:00:00Z",
		"warned_at":"2026-03-16T04:00:00Z"}`, string(b))

	// Local times survive as instants.
	local := Start(FirstResponse, h, at(t, c.Location, "2026-03-16 09:00"))
	b, err = json.Marshal(local)
	require.NoError(t, err)
	back = Clock{} // omitted fields are not reset by Unmarshal
	require.NoError(t, json.Unmarshal(b, &back))
	assert.True(t, back.RunningSince.Equal(local.RunningSince))
	d1, _ := local.Deadline(c)
	d2, _ := back.Deadline(c)
	assert.True(t, d1.Equal(d2))

	// A fresh clock omits what it has not got.
	b, err = json.Marshal(Clock{Metric: FirstResponse, Target: h})
	require.NoError(t, err)
	assert.JSONEq(t, `{"metric":"first_response","target":3600000000000,"used":0}`, string(b))
}

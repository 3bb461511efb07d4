package sla

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"testing/quick"
	"time"

	"github.com/stretchr/testify/require"
)

// Seeded, so failures reproduce; each case prints its calendar on failure.
func newRand(t *testing.T) *rand.Rand {
	t.Helper()
	return rand.New(rand.NewPCG(20260308, uint64(len(t.Name()))))
}

// randomCalendar builds a valid calendar in a random test zone. Windows are on
// 15-minute boundaries and favour the hours where DST changes happen (00:00-03:00)
// and midnight; some days are 24h, some closed; holidays and overrides fall in
// the years the tests use.
func randomCalendar(t *testing.T, r *rand.Rand) Calendar {
	t.Helper()
	c := Calendar{Location: mustLoc(t, testZones[r.IntN(len(testZones))])}
	randomDay := func() []Window {
		switch r.IntN(6) {
		case 0:
			return nil
		case 1:
			return []Window{{0, Day}}
		}
		var ws []Window
		cur := time.Duration(0)
		for range 1 + r.IntN(3) {
			// Small gaps early in the day hit the DST hours often.
			start := cur + time.Duration(r.IntN(16))*15*time.Minute
			if r.IntN(4) == 0 && len(ws) > 0 {
				start = cur // touching windows
			}
			end := start + time.Duration(1+r.IntN(24))*15*time.Minute
			if start >= Day {
				break
			}
			ws = append(ws, Window{start, min(end, Day)})
			cur = min(end, Day)
			if cur == Day {
				break
			}
		}
		return ws
	}
	for d := range c.Week {
		c.Week[d] = randomDay()
	}
	if !c.HasOpenTime() {
		c.Week[r.IntN(7)] = []Window{{9 * time.Hour, 17 * time.Hour}}
	}
	base := time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)
	randomDate := func() string { return base.AddDate(0, 0, r.IntN(11*365)).Format(time.DateOnly) }
	for range r.IntN(40) {
		c.Holidays = append(c.Holidays, randomDate())
	}
	if r.IntN(2) == 0 {
		c.Overrides = map[string][]Window{}
		for range r.IntN(20) {
			d := randomDate()
			if !containsString(c.Holidays, d) {
				c.Overrides[d] = randomDay()
			}
		}
	}
	require.NoError(t, c.Validate(), "%s", describe(c))
	return c
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func describe(c Calendar) string {
	s := fmt.Sprintf("zone=%s", c.Location)
	for d, ws := range c.Week {
		s += fmt.Sprintf(" %s=%q", time.Weekday(d).String()[:3], FormatWindows(ws))
	}
	return s + fmt.Sprintf(" holidays=%d overrides=%d", len(c.Holidays), len(c.Overrides))
}

// randomInstant is a nanosecond-precise instant in 2017..2027, biased towards the
// weeks around DST changes (March/April, September/November).
func randomInstant(r *rand.Rand) time.Time {
	base := time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)
	if r.IntN(2) == 0 {
		months := []time.Month{3, 4, 9, 10, 11}
		base = time.Date(2017+r.IntN(10), months[r.IntN(len(months))], 1, 0, 0, 0, 0, time.UTC)
		return base.Add(time.Duration(r.Int64N(int64(40 * Day))))
	}
	return base.Add(time.Duration(r.Int64N(int64(10 * 365 * Day))))
}

func minuteAligned(t time.Time) time.Time { return t.Truncate(time.Minute) }

// TestAgainstOracle compares IsOpen, Elapsed and Add with the brute-force,
// minute-by-minute reading of the wall clock in oracleOpen.
func TestAgainstOracle(t *testing.T) {
	r := newRand(t)
	cases := 300
	if testing.Short() {
		cases = 50
	}
	for i := range cases {
		c := randomCalendar(t, r)
		from := minuteAligned(randomInstant(r))
		to := from.Add(time.Duration(r.IntN(10*24*60)) * time.Minute)
		want := oracleElapsed(c, from, to)
		require.Equal(t, want, c.Elapsed(from, to), "case %d Elapsed(%s, %s) %s", i, from, to, describe(c))

		d := time.Duration(1+r.IntN(3*24*60)) * time.Minute
		got, wantAdd := c.Add(from, d), oracleAdd(c, from, d)
		require.True(t, got.Equal(wantAdd), "case %d Add(%s, %s) = %s, want %s; %s", i, from, d, got, wantAdd, describe(c))

		for range 20 {
			u := randomInstant(r)
			require.Equal(t, oracleOpen(c, u), c.IsOpen(u), "case %d IsOpen(%s) %s", i, u, describe(c))
		}
	}
}

// TestAgainstOracleLongSpan runs the oracle over months, so the whole-week fast
// path in walk is exercised against the plain definition.
func TestAgainstOracleLongSpan(t *testing.T) {
	if testing.Short() {
		t.Skip("slow oracle")
	}
	r := newRand(t)
	for i := range 12 {
		c := randomCalendar(t, r)
		from := minuteAligned(randomInstant(r))
		to := from.Add(time.Duration(60+r.IntN(120)) * Day)
		require.Equal(t, oracleElapsed(c, from, to), c.Elapsed(from, to), "case %d %s", i, describe(c))
	}
}

func TestProperties(t *testing.T) {
	r := newRand(t)
	cases := 2000
	if testing.Short() {
		cases = 200
	}
	for i := range cases {
		c := randomCalendar(t, r)
		s := randomInstant(r)
		// Durations from a nanosecond to ~2 months of business time.
		d := time.Duration(r.Int64N(int64([]time.Duration{time.Second, time.Hour, 40 * time.Hour, 400 * time.Hour}[r.IntN(4)]))) + 1
		msg := fmt.Sprintf("case %d s=%s d=%s %s", i, s, d, describe(c))

		end := c.Add(s, d)
		require.True(t, end.After(s), msg)
		require.Equal(t, d, c.Elapsed(s, end), "Elapsed(s, Add(s,d)) == d: %s", msg)
		// Earliest: the nanosecond before the deadline is open and still counts.
		eps := end.Add(-1)
		require.True(t, c.IsOpen(eps), "IsOpen(Add-1ns): %s", msg)
		require.Equal(t, d-1, c.Elapsed(s, eps), msg)
		require.LessOrEqual(t, c.Elapsed(s, end), end.Sub(s), "Elapsed <= wall: %s", msg)

		// Add(start, 0) == start; NextOpen is open and reached without business time.
		require.Equal(t, s, c.Add(s, 0), msg)
		no := c.NextOpen(s)
		require.False(t, no.Before(s), msg)
		require.True(t, c.IsOpen(no), msg)
		require.Equal(t, time.Duration(0), c.Elapsed(s, no), msg)
		require.Equal(t, c.IsOpen(s), no.Equal(s), msg)

		// Monotonic in d and in start.
		d2 := d + time.Duration(r.Int64N(int64(10*time.Hour)))
		require.False(t, c.Add(s, d2).Before(end), "monotonic in d: %s", msg)
		s2 := s.Add(time.Duration(r.Int64N(int64(5 * Day))))
		require.False(t, c.Add(s2, d).Before(end), "monotonic in start: %s", msg)

		// Composition: Add(Add(s, d1), d2) == Add(s, d1+d2).
		d1 := time.Duration(r.Int64N(int64(d))) + 1
		require.True(t, c.Add(c.Add(s, d1), d-d1).Equal(end) || d1 == d, "composition: %s", msg)

		// Additivity over random splits, spans up to ~14 months (crosses DST both ways).
		a := s
		cEnd := a.Add(time.Duration(r.Int64N(int64(420 * Day))))
		b := a.Add(time.Duration(r.Int64N(int64(cEnd.Sub(a)) + 1)))
		ab, bc, ac := c.Elapsed(a, b), c.Elapsed(b, cEnd), c.Elapsed(a, cEnd)
		require.Equal(t, ac, ab+bc, "additivity: %s b=%s c=%s", msg, b, cEnd)
		require.LessOrEqual(t, ac, cEnd.Sub(a), msg)
	}
}

// TestLongSpanMatchesDailySum checks the whole-week skipping in walk: a year counted
// in one call equals the sum of 3-day chunks (too short to skip a week).
func TestLongSpanMatchesDailySum(t *testing.T) {
	r := newRand(t)
	for i := range 40 {
		c := randomCalendar(t, r)
		from := randomInstant(r)
		to := from.Add(time.Duration(300+r.IntN(200)) * Day)
		var sum time.Duration
		for a := from; a.Before(to); a = a.Add(3 * Day) {
			sum += c.Elapsed(a, minTimeOf(a.Add(3*Day), to))
		}
		total := c.Elapsed(from, to)
		require.Equal(t, sum, total, "case %d %s", i, describe(c))
		require.True(t, c.Add(from, total).Equal(c.Add(c.Add(from, total/2), total-total/2)), "case %d", i)
		if total > 0 {
			end := c.Add(from, total)
			require.False(t, end.After(to), "case %d", i)
			require.Equal(t, total, c.Elapsed(from, end), "case %d", i)
		}
	}
}

func minTimeOf(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// TestQuickAlwaysOpen: on a 24x7 calendar, business time is real time in any zone.
func TestQuickAlwaysOpen(t *testing.T) {
	locs := make([]*time.Location, len(testZones))
	for i, z := range testZones {
		locs[i] = mustLoc(t, z)
	}
	base := time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)
	f := func(zone uint8, startNs, dNs uint64) bool {
		c := AlwaysOpen(locs[int(zone)%len(locs)])
		s := base.Add(time.Duration(startNs % uint64(10*365*Day)))
		d := time.Duration(dNs%uint64(400*Day)) + 1
		return c.Add(s, d).Equal(s.Add(d)) && c.Elapsed(s, s.Add(d)) == d && c.IsOpen(s)
	}
	require.NoError(t, quick.Check(f, &quick.Config{MaxCount: 2000}))
}

// TestQuickShanghaiWeek: with no holidays (and no DST in Shanghai) one business
// week from an open instant ends at the same local time a week later — or, when s
// is exactly an opening, at the closing just before it (Add is earliest).
func TestQuickShanghaiWeek(t *testing.T) {
	c := shanghai(t)
	c.Holidays = nil
	week := 5 * (7*time.Hour + 30*time.Minute)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, c.Location)
	f := func(startSec uint32) bool {
		s := c.NextOpen(base.Add(time.Duration(startSec%(365*24*3600)) * time.Second))
		got, same := c.Add(s, week), s.AddDate(0, 0, 7)
		if c.IsOpen(s.Add(-time.Nanosecond)) {
			return got.Equal(same)
		}
		return got.Before(same) && !c.IsOpen(got) && c.NextOpen(got).Equal(same)
	}
	require.NoError(t, quick.Check(f, &quick.Config{MaxCount: 2000}))
}

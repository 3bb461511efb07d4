package sla

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	h  = time.Hour
	mi = time.Minute
)

type addCase struct {
	name  string
	start string
	d     time.Duration
	want  string // local wall time in the calendar's zone
}

// runAddCases checks Add against the expected wall time, and that Elapsed gives
// d back.
func runAddCases(t *testing.T, c Calendar, cases []addCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			start := at(t, c.Location, tt.start)
			got := c.Add(start, tt.d)
			want := at(t, c.Location, tt.want)
			assert.True(t, got.Equal(want), "Add(%s, %s) = %s, want %s", start, tt.d, got, want)
			assert.Equal(t, c.Location, got.Location(), "result is in the calendar's zone")
			assert.Equal(t, tt.d, c.Elapsed(start, got), "Elapsed(start, Add(start, d))")
		})
	}
}

func TestAddShanghai(t *testing.T) {
	c := shanghai(t)
	runAddCases(t, c, []addCase{
		{"friday 17:00 + 2h = monday 10:00", "2026-03-13 17:00", 2 * h, "2026-03-16 10:00"},
		{"over lunch", "2026-03-16 11:00", 2 * h, "2026-03-16 14:30"},
		{"ends exactly at closing, not at next opening", "2026-03-16 11:30", 30 * mi, "2026-03-16 12:00"},
		{"start at closing time counts from next opening", "2026-03-16 12:00", mi, "2026-03-16 13:31"},
		{"start in lunch break", "2026-03-16 12:30", h, "2026-03-16 14:30"},
		{"start after hours crosses midnight", "2026-03-16 20:00", h, "2026-03-17 10:00"},
		{"start before opening", "2026-03-17 03:00", 30 * mi, "2026-03-17 09:30"},
		{"start on saturday", "2026-03-14 10:00", h, "2026-03-16 10:00"},
		{"full day", "2026-03-16 09:00", 7*h + 30*mi, "2026-03-16 18:00"},
		{"full day plus a minute", "2026-03-16 09:00", 7*h + 31*mi, "2026-03-17 09:01"},
		{"one business week", "2026-03-16 09:00", 5 * (7*h + 30*mi), "2026-03-20 18:00"},
		{"three business weeks", "2026-03-16 09:00", 15 * (7*h + 30*mi), "2026-04-03 18:00"},
		{"three weeks from mid-day", "2026-03-18 15:00", 15 * (7*h + 30*mi), "2026-04-08 15:00"},
		{"national day", "2026-09-30 17:00", 3 * h, "2026-10-08 11:00"},
		{"starting inside national day", "2026-10-03 10:00", h, "2026-10-08 10:00"},
		{"weeks across national day", "2026-09-28 09:00", 10 * (7*h + 30*mi), "2026-10-16 18:00"},
		{"zero is start even when closed", "2026-03-14 10:00", 0, "2026-03-14 10:00"},
		{"sub-second", "2026-03-16 11:59:59", 1500 * time.Millisecond, "2026-03-16 13:30:00.5"},
	})
}

func TestAddOverrides(t *testing.T) {
	c := shanghai(t)
	c.Overrides = map[string][]Window{
		"2026-10-10": mustWindows(t, "09:00-18:00"), // make-up working Saturday
		"2026-10-12": nil,                           // closed Monday
		"2026-10-13": mustWindows(t, "10:00-11:00"), // short Tuesday
	}
	require.NoError(t, c.Validate())
	runAddCases(t, c, []addCase{
		{"make-up saturday", "2026-10-09 17:00", 2 * h, "2026-10-10 10:00"},
		{"closed monday and short tuesday", "2026-10-10 17:00", 2*h + 30*mi, "2026-10-14 09:30"},
	})
	// An override beats the weekly schedule; a holiday beats an override.
	c.Holidays = append(c.Holidays, "2026-10-10")
	assert.False(t, c.IsOpen(at(t, c.Location, "2026-10-10 10:00")))
	assert.Error(t, c.Validate())
}

func TestAddWindowsTouchingMidnight(t *testing.T) {
	// Late shift that runs over midnight: 22:00-24:00 then 00:00-02:00 next day.
	c := Calendar{Location: mustLoc(t, "Europe/London")}
	c.Week[time.Monday] = mustWindows(t, "22:00-24:00")
	c.Week[time.Tuesday] = mustWindows(t, "00:00-02:00,09:00-10:00")
	require.NoError(t, c.Validate())
	runAddCases(t, c, []addCase{
		{"across midnight", "2026-03-16 23:00", 2 * h, "2026-03-17 01:00"},
		{"to the next window", "2026-03-16 23:00", 3*h + 30*mi, "2026-03-17 09:30"},
		{"next week", "2026-03-17 09:30", h, "2026-03-23 22:30"},
	})
	assert.Equal(t, 4*h, c.Elapsed(at(t, c.Location, "2026-03-16 00:00"), at(t, c.Location, "2026-03-17 09:00")))
}

func TestNewYorkDST(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	utc := func(s string) time.Time { return at(t, time.UTC, s) }

	t.Run("24x7 counts real time", func(t *testing.T) {
		c := AlwaysOpen(ny)
		assert.Equal(t, 23*h, c.Elapsed(at(t, ny, "2026-03-07 12:00"), at(t, ny, "2026-03-08 12:00")))
		assert.Equal(t, 25*h, c.Elapsed(at(t, ny, "2026-10-31 12:00"), at(t, ny, "2026-11-01 12:00")))
		// 00:00 EST + 3h = 04:00 EDT (02:00-03:00 never happens).
		assert.True(t, c.Add(at(t, ny, "2026-03-08 00:00"), 3*h).Equal(utc("2026-03-08 08:00")))
		assert.Equal(t, "2026-03-08 04:00 EDT", c.Add(at(t, ny, "2026-03-08 00:00"), 3*h).Format("2006-01-02 15:04 MST"))
		// 00:00 EDT + 2h = the second 01:00, in EST.
		got := c.Add(at(t, ny, "2026-11-01 00:00"), 2*h)
		assert.True(t, got.Equal(utc("2026-11-01 06:00")))
		assert.Equal(t, "2026-11-01 01:00 EST", got.Format("2006-01-02 15:04 MST"))
		// A whole year is the real length of the year.
		from, to := at(t, ny, "2026-01-01 00:00"), at(t, ny, "2027-01-01 00:00")
		assert.Equal(t, to.Sub(from), c.Elapsed(from, to))
		assert.True(t, c.Add(from, to.Sub(from)).Equal(to))
	})

	t.Run("weekday business hours skip the DST weekend", func(t *testing.T) {
		c, err := Weekly(ny, "09:00-17:00", time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)
		require.NoError(t, err)
		runAddCases(t, c, []addCase{
			{"spring forward weekend", "2026-03-06 16:00", 2 * h, "2026-03-09 10:00"},
			{"fall back weekend", "2026-10-30 16:00", 2 * h, "2026-11-02 10:00"},
			{"two weeks over spring forward", "2026-03-02 09:00", 80 * h, "2026-03-13 17:00"},
		})
		assert.Equal(t, 2*h, c.Elapsed(at(t, ny, "2026-03-06 16:00"), at(t, ny, "2026-03-09 10:00")))
		assert.Equal(t, 65*h, at(t, ny, "2026-03-09 10:00").Sub(at(t, ny, "2026-03-06 16:00")), "wall span is an hour short")
	})

	t.Run("window over the transition", func(t *testing.T) {
		c := Calendar{Location: ny}
		for d := range c.Week {
			c.Week[d] = mustWindows(t, "01:00-03:00")
		}
		day := func(s string) time.Duration {
			from := at(t, ny, s+" 00:00")
			return c.Elapsed(from, from.AddDate(0, 0, 1))
		}
		assert.Equal(t, 2*h, day("2026-03-07"))
		assert.Equal(t, 1*h, day("2026-03-08"), "spring forward: 02:00-03:00 never happens")
		assert.Equal(t, 3*h, day("2026-11-01"), "fall back: 01:00-02:00 happens twice")
		assert.Equal(t, 2*h, day("2026-11-02"))

		// 01:30 EST + 1h: 30 min until the jump to 03:00 EDT (closed), the rest next day.
		assert.True(t, c.Add(at(t, ny, "2026-03-08 01:30"), h).Equal(at(t, ny, "2026-03-09 01:30")))
		// 01:30 EDT + 2h: 30 min to the jump back, then 01:00-02:30 EST.
		first := utc("2026-11-01 05:30") // 01:30 EDT
		got := c.Add(first, 2*h)
		assert.True(t, got.Equal(utc("2026-11-01 07:30")), "got %s", got)
		assert.Equal(t, "02:30 EST", got.Format("15:04 MST"))
		// The repeated hour is open both times.
		assert.True(t, c.IsOpen(utc("2026-11-01 05:15")))
		assert.True(t, c.IsOpen(utc("2026-11-01 06:15")))
		assert.False(t, c.IsOpen(utc("2026-03-08 07:15")), "03:15 EDT")

		gap := Calendar{Location: ny}
		gap.Week[time.Sunday] = mustWindows(t, "02:00-02:30")
		from := at(t, ny, "2026-03-08 00:00")
		assert.Equal(t, time.Duration(0), gap.Elapsed(from, from.Add(6*h)), "a window inside the gap does not exist")
		assert.True(t, gap.Add(from, 30*mi).Equal(at(t, ny, "2026-03-15 02:30")))
		assert.Equal(t, 30*mi, gap.Elapsed(at(t, ny, "2026-11-01 00:00"), at(t, ny, "2026-11-02 00:00")), "02:00-02:30 happens once on fall-back day")
		twice := Calendar{Location: ny}
		twice.Week[time.Sunday] = mustWindows(t, "01:15-01:45")
		assert.Equal(t, 2*30*mi, twice.Elapsed(at(t, ny, "2026-11-01 00:00"), at(t, ny, "2026-11-02 00:00")), "fall back: twice")
		assert.True(t, twice.Add(at(t, ny, "2026-11-01 00:00"), 45*mi).Equal(utc("2026-11-01 06:30")), "second pass, 01:30 EST")
	})
}

func TestMidnightTransitions(t *testing.T) {
	// Havana springs forward at 00:00 -> 01:00 and falls back at 01:00 -> 00:00;
	// Santiago falls back at 24:00 -> 23:00. Days without a 00:00, or with two.
	for _, tc := range []struct {
		zone string
		day  string
		want time.Duration
	}{
		{"America/Havana", "2026-03-08", 23 * h},
		{"America/Havana", "2026-11-01", 25 * h},
		{"America/Santiago", "2026-04-04", 25 * h},
		{"America/Santiago", "2026-09-06", 23 * h},
	} {
		t.Run(tc.zone+" "+tc.day, func(t *testing.T) {
			loc := mustLoc(t, tc.zone)
			c := AlwaysOpen(loc)
			from := time.Date(2026, 1, 1, 12, 0, 0, 0, loc)
			// Compare a daily calendar with 24x7: both must count real time.
			var daily Calendar
			daily.Location = loc
			for d := range daily.Week {
				daily.Week[d] = mustWindows(t, "00:00-12:00,12:00-24:00")
			}
			to := from.AddDate(1, 0, 0)
			assert.Equal(t, to.Sub(from), c.Elapsed(from, to))
			assert.Equal(t, to.Sub(from), daily.Elapsed(from, to))

			// The civil day's length: from the first instant of the day to the next.
			d0 := at(t, loc, tc.day+" 12:00")
			day := Calendar{Location: loc}
			day.Week[d0.Weekday()] = []Window{{0, Day}}
			got := day.Elapsed(d0.AddDate(0, 0, -1), d0.AddDate(0, 0, 1))
			assert.Equal(t, tc.want, got)
			assert.Equal(t, oracleElapsed(day, d0.AddDate(0, 0, -1), d0.AddDate(0, 0, 1)), got)
		})
	}
}

func TestNoOpenTime(t *testing.T) {
	start := time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC)
	for name, c := range map[string]Calendar{
		"empty":           {},
		"all holidays":    {Holidays: []string{"2026-03-16"}},
		"past overrides":  {Overrides: map[string][]Window{"2026-03-02": {{9 * h, 10 * h}}}},
		"closed override": {Overrides: map[string][]Window{"2026-03-20": nil}},
	} {
		t.Run(name, func(t *testing.T) {
			assert.False(t, c.HasOpenTime())
			assert.True(t, c.Add(start, h).Equal(start.Add(FarFuture)))
			assert.True(t, c.NextOpen(start).Equal(start.Add(FarFuture)))
			assert.Equal(t, time.Duration(0), c.Elapsed(start, start.AddDate(10, 0, 0)))
			assert.False(t, c.IsOpen(start))
			clk := Start(Resolution, h, start)
			_, ok := clk.Deadline(c)
			assert.False(t, ok)
			_, _, ok = clk.Next(c, 0)
			assert.False(t, ok)
			assert.Equal(t, StatusOK, clk.Status(c, start.AddDate(1, 0, 0), 0))
		})
	}

	// Open only on one future date: that date counts, then nothing.
	c := Calendar{Overrides: map[string][]Window{"2027-06-01": {{9 * h, 10 * h}}}}
	assert.True(t, c.Add(start, 30*mi).Equal(time.Date(2027, 6, 1, 9, 30, 0, 0, time.UTC)))
	assert.True(t, c.Add(start, 2*h).Equal(start.Add(FarFuture)))
	assert.Equal(t, h, c.Elapsed(start, start.AddDate(5, 0, 0)))
	assert.True(t, c.NextOpen(start).Equal(time.Date(2027, 6, 1, 9, 0, 0, 0, time.UTC)))
}

func TestNextOpenAndIsOpen(t *testing.T) {
	c := shanghai(t)
	loc := c.Location
	tests := []struct{ in, want string }{
		{"2026-03-16 09:00", "2026-03-16 09:00"},
		{"2026-03-16 08:59:59", "2026-03-16 09:00"},
		{"2026-03-16 11:59:59", "2026-03-16 11:59:59"},
		{"2026-03-16 12:00", "2026-03-16 13:30"},
		{"2026-03-16 18:00", "2026-03-17 09:00"},
		{"2026-03-13 18:00", "2026-03-16 09:00"},
		{"2026-09-30 18:00", "2026-10-08 09:00"},
	}
	for _, tt := range tests {
		in := at(t, loc, tt.in)
		got := c.NextOpen(in)
		assert.True(t, got.Equal(at(t, loc, tt.want)), "NextOpen(%s) = %s", tt.in, got)
		assert.Equal(t, tt.in == tt.want, c.IsOpen(in), "IsOpen(%s)", tt.in)
		assert.True(t, c.IsOpen(got))
	}
	// Open: NextOpen returns t itself, zone and all.
	in := at(t, loc, "2026-03-16 10:00").In(time.UTC)
	assert.Equal(t, in, c.NextOpen(in))
}

func TestElapsedEdgeCases(t *testing.T) {
	c := shanghai(t)
	loc := c.Location
	a, b := at(t, loc, "2026-03-16 10:00"), at(t, loc, "2026-03-16 11:00")
	assert.Equal(t, h, c.Elapsed(a, b))
	assert.Equal(t, time.Duration(0), c.Elapsed(b, a), "reversed")
	assert.Equal(t, time.Duration(0), c.Elapsed(a, a))
	assert.Equal(t, 2*h, c.Elapsed(at(t, loc, "2026-03-13 17:00"), at(t, loc, "2026-03-16 10:00")))
	assert.Equal(t, 15*h, c.Elapsed(at(t, loc, "2026-09-30 09:00"), at(t, loc, "2026-10-09 09:00")))
	// Zero time and far future are clamped, not overflowed.
	assert.Positive(t, c.Elapsed(time.Time{}, a))
	assert.Positive(t, AlwaysOpen(nil).Elapsed(time.Time{}, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)))
	assert.False(t, c.Add(time.Time{}, h).IsZero())
	// Unvalidated windows are normalised rather than trusted.
	messy := Calendar{Location: loc}
	messy.Week[time.Monday] = []Window{{13 * h, 15 * h}, {9 * h, 12 * h}, {11 * h, 14 * h}, {20 * h, 30 * h}, {5 * h, 5 * h}}
	assert.Equal(t, 6*h+4*h, messy.Elapsed(at(t, loc, "2026-03-16 00:00"), at(t, loc, "2026-03-17 00:00")))
	assert.True(t, messy.IsOpen(at(t, loc, "2026-03-16 12:30")))
	// Bad holiday strings are ignored at run time (Validate reports them).
	messy.Holidays = []string{"nope", "2026-02-30"}
	assert.Equal(t, 10*h, messy.Elapsed(at(t, loc, "2026-03-16 00:00"), at(t, loc, "2026-03-17 00:00")))
}

func TestDateHelpers(t *testing.T) {
	for _, d := range []time.Time{
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1800, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC), time.Date(2199, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC),
	} {
		n, ok := parseDate(d.Format(time.DateOnly))
		require.True(t, ok)
		assert.Equal(t, floorDiv(d.Unix(), 86400), n, d)
		assert.Equal(t, d.Weekday(), weekday(n), d)
	}
	for _, s := range []string{"2026-02-29", "2026-04-31", "2026-00-10", "2026-1-01", "20260101xx", "2026/01/01"} {
		_, ok := parseDate(s)
		assert.False(t, ok, s)
	}
	_, ok := parseDate("2024-02-29")
	assert.True(t, ok)
}

package sla

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Test zones: the brief's two, plus zones whose transitions are awkward — at
// midnight (Havana, Sao Paulo 2018, Santiago at 24:00), by 30 minutes (Lord Howe),
// odd offsets (Kathmandu, Chatham), negative DST (Dublin), several a year (Casablanca).
var testZones = []string{
	"UTC", "America/New_York", "Asia/Shanghai", "Europe/London", "Europe/Dublin",
	"Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kathmandu", "America/Havana",
	"America/Sao_Paulo", "America/Santiago", "Africa/Casablanca", "Australia/Sydney",
}

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func mustWindows(t testing.TB, spec string) []Window {
	t.Helper()
	ws, err := ParseWindows(spec)
	require.NoError(t, err)
	return ws
}

// at builds a local time; "2026-03-13 17:00" (optionally with seconds).
func at(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	layout := "2006-01-02 15:04"
	if len(s) > len(layout) {
		layout = "2006-01-02 15:04:05"
	}
	v, err := time.ParseInLocation(layout, s, loc)
	require.NoError(t, err)
	return v
}

// shanghai is the brief's calendar: Mon–Fri 09:00-12:00,13:30-18:00, National
// Day 2026-10-01..07 closed.
func shanghai(t testing.TB) Calendar {
	t.Helper()
	c, err := Weekly(mustLoc(t, "Asia/Shanghai"), "09:00-12:00,13:30-18:00",
		time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)
	require.NoError(t, err)
	for d := 1; d <= 7; d++ {
		c.Holidays = append(c.Holidays, time.Date(2026, 10, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly))
	}
	require.NoError(t, c.Validate())
	return c
}

// oracleOpen decides openness straight from the wall clock, independently of the
// package's arithmetic: the definition in doc.go, spelled out.
func oracleOpen(c Calendar, t time.Time) bool {
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	date := lt.Format(time.DateOnly)
	if slices.Contains(c.Holidays, date) {
		return false
	}
	ws, ok := c.Overrides[date]
	if !ok {
		ws = c.Week[lt.Weekday()]
	}
	h, m, s := lt.Clock()
	tod := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second + time.Duration(lt.Nanosecond())
	for _, w := range ws {
		if w.Start <= tod && tod < w.End {
			return true
		}
	}
	return false
}

// oracleElapsed counts open minutes one by one. Exact when from, to, the windows
// and all UTC offsets are whole minutes.
func oracleElapsed(c Calendar, from, to time.Time) time.Duration {
	var n time.Duration
	for t := from; t.Before(to); t = t.Add(time.Minute) {
		if oracleOpen(c, t) {
			n += time.Minute
		}
	}
	return n
}

// oracleAdd walks minute by minute until d (whole minutes, > 0) is used.
func oracleAdd(c Calendar, start time.Time, d time.Duration) time.Time {
	for t := start; ; t = t.Add(time.Minute) {
		if oracleOpen(c, t) {
			d -= time.Minute
			if d == 0 {
				return t.Add(time.Minute)
			}
		}
	}
}

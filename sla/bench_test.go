package sla

import (
	"testing"
	"time"
)

func benchCalendars(b *testing.B) map[string]Calendar {
	sh := shanghai(b)
	ny, err := Weekly(mustLoc(b, "America/New_York"), "09:00-12:00,13:00-17:00",
		time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)
	if err != nil {
		b.Fatal(err)
	}
	ny.Holidays = []string{"2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25", "2026-07-03",
		"2026-09-07", "2026-10-12", "2026-11-11", "2026-11-26", "2026-12-25"}
	return map[string]Calendar{
		"shanghai": sh,
		"newyork":  ny,
		"24x7ny":   AlwaysOpen(mustLoc(b, "America/New_York")),
	}
}

func BenchmarkAdd(b *testing.B) {
	for name, c := range benchCalendars(b) {
		for _, bc := range []struct {
			name string
			d    time.Duration
		}{{"4h", 4 * time.Hour}, {"3weeks", 3 * 5 * 7 * time.Hour}, {"40h_over_holidays", 40 * time.Hour}} {
			start := time.Date(2026, 9, 25, 16, 17, 0, 0, c.Location)
			b.Run(name+"/"+bc.name, func(b *testing.B) {
				for b.Loop() {
					c.Add(start, bc.d)
				}
			})
		}
	}
}

func BenchmarkElapsed(b *testing.B) {
	for name, c := range benchCalendars(b) {
		from := time.Date(2026, 1, 5, 10, 3, 0, 0, c.Location)
		for _, bc := range []struct {
			name string
			span time.Duration
		}{{"1day", 24 * time.Hour}, {"1month", 31 * 24 * time.Hour}, {"1year", 365 * 24 * time.Hour}} {
			to := from.Add(bc.span)
			b.Run(name+"/"+bc.name, func(b *testing.B) {
				for b.Loop() {
					c.Elapsed(from, to)
				}
			})
		}
	}
}

func BenchmarkClockNext(b *testing.B) {
	c := shanghai(b)
	clk := Start(Resolution, 24*time.Hour, time.Date(2026, 9, 28, 10, 0, 0, 0, c.Location))
	for b.Loop() {
		clk.Next(c, 0)
	}
}

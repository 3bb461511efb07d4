package sla

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// Internally instants are int64 Unix nanoseconds and local wall-clock readings are
// int64 nanoseconds of a "wall epoch" (the local 1970-01-01 00:00), so a wall reading
// is instant+offset and a wall day number is wall/dayNs.

const (
	dayNs  = int64(Day)
	weekNs = 7 * dayNs
)

var (
	minTime  = time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime  = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	minNanos = minTime.UnixNano()
	maxNanos = maxTime.UnixNano()
)

// plan is a Calendar prepared for arithmetic: windows normalised, dates parsed and
// sorted. Building one is cheap (no allocation for a valid calendar without dates).
type plan struct {
	loc       *time.Location
	week      [7][]Window
	weekTotal int64     // open wall time per ordinary week
	special   []special // holidays and overrides, sorted by day, unique
}

type special struct {
	day     int64
	windows []Window // nil: closed all day
}

func (c Calendar) plan() plan {
	p := plan{loc: c.Location}
	if p.loc == nil {
		p.loc = time.UTC
	}
	for d, ws := range c.Week {
		p.week[d] = normalize(ws)
		for _, w := range p.week[d] {
			p.weekTotal += int64(w.End - w.Start)
		}
	}
	if n := len(c.Holidays) + len(c.Overrides); n > 0 {
		p.special = make([]special, 0, n)
		for _, h := range c.Holidays {
			if day, ok := parseDate(h); ok {
				p.special = append(p.special, special{day: day})
			}
		}
		for date, ws := range c.Overrides {
			if day, ok := parseDate(date); ok {
				p.special = append(p.special, special{day: day, windows: normalize(ws)})
			}
		}
		// Holidays sort first within a day (nil windows) and the stable compaction
		// keeps the first, so a holiday beats an override of the same date.
		slices.SortStableFunc(p.special, func(a, b special) int {
			if c := cmp.Compare(a.day, b.day); c != 0 {
				return c
			}
			return cmp.Compare(len(a.windows), len(b.windows))
		})
		p.special = slices.CompactFunc(p.special, func(a, b special) bool { return a.day == b.day })
	}
	return p
}

// normalize returns ws if it is already clean (the common case, no allocation),
// else a sorted, clipped, merged copy.
func normalize(ws []Window) []Window {
	clean := true
	for i, w := range ws {
		if w.Start < 0 || w.End > Day || w.Start >= w.End || (i > 0 && w.Start < ws[i-1].End) {
			clean = false
			break
		}
	}
	if clean {
		return ws
	}
	var out []Window
	for _, w := range ws {
		w.Start, w.End = max(w.Start, 0), min(w.End, Day)
		if w.Start < w.End {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b Window) int { return cmp.Compare(a.Start, b.Start) })
	merged := out[:0]
	for _, w := range out {
		if n := len(merged); n > 0 && w.Start <= merged[n-1].End {
			merged[n-1].End = max(merged[n-1].End, w.End)
			continue
		}
		merged = append(merged, w)
	}
	return merged
}

// specialFrom returns the index of the first special day >= day.
func (p *plan) specialFrom(day int64) int {
	i, _ := slices.BinarySearchFunc(p.special, day, func(s special, d int64) int { return cmp.Compare(s.day, d) })
	return i
}

// windows returns the windows of wall day number day.
func (p *plan) windows(day int64) []Window {
	if len(p.special) > 0 {
		if i := p.specialFrom(day); i < len(p.special) && p.special[i].day == day {
			return p.special[i].windows
		}
	}
	return p.week[weekday(day)]
}

// period returns the UTC offset in force at instant u and the end of the stretch
// of constant offset containing u (clamped to maxNanos). Within that stretch the
// wall clock is instant+off, a straight line, which is what makes per-window
// arithmetic exact across DST changes.
func (p *plan) period(u int64) (off, end int64) {
	if p.loc == time.UTC {
		return 0, maxNanos
	}
	t := time.Unix(0, u).In(p.loc)
	_, o := t.Zone()
	_, e := t.ZoneBounds()
	end = maxNanos
	if !e.IsZero() && e.Before(maxTime) {
		end = e.UnixNano()
	}
	return int64(o) * int64(time.Second), end
}

// walk counts open time forward from instant from. It stops at limit, or as soon
// as budget has been counted, and returns the instant reached and the time counted.
// When it stops on budget, pos is the earliest instant with used == budget.
// If the calendar can never open again it returns (limit, used).
func (p *plan) walk(from, limit, budget int64) (pos, used int64) {
	pos = from
	for pos < limit {
		off, pend := p.period(pos)
		end := min(pend, limit)
		day := floorDiv(pos+off, dayNs)
		for {
			d0 := day*dayNs - off // instant of this wall day's 00:00 under this offset
			if d0 >= end {
				break
			}
			next := len(p.special)
			if next > 0 {
				next = p.specialFrom(day)
			}
			if p.weekTotal == 0 && next == len(p.special) {
				return limit, used // only empty weeks ahead: never opens again
			}
			// Whole weeks ahead inside this stretch and before the next special
			// day all have weekTotal of open time: count them in one step.
			if d0 >= pos {
				weeks := (end - d0) / weekNs
				if next < len(p.special) {
					weeks = min(weeks, (p.special[next].day-day)/7)
				}
				if p.weekTotal > 0 {
					// Strictly less than the budget left: the instant the budget
					// runs out lies inside a window, which the slow path finds.
					weeks = min(weeks, (budget-used-1)/p.weekTotal)
				}
				if weeks > 0 {
					used += weeks * p.weekTotal
					day += 7 * weeks
					pos = day*dayNs - off
					continue
				}
			}
			for _, w := range p.windows(day) {
				a := max(d0+int64(w.Start), pos)
				b := min(d0+int64(w.End), end)
				if a >= b {
					continue
				}
				if b-a >= budget-used {
					return a + (budget - used), budget
				}
				used += b - a
			}
			day++
			pos = max(pos, min(day*dayNs-off, end))
		}
		pos = end
	}
	return pos, used
}

func nanos(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return minNanos
	case t.After(maxTime):
		return maxNanos
	}
	return t.UnixNano()
}

// HasOpenTime reports whether the weekly schedule opens at all, i.e. whether
// deadlines on this calendar are finite.
func (c Calendar) HasOpenTime() bool {
	p := c.plan()
	return p.weekTotal > 0
}

// IsOpen reports whether t is inside business hours.
func (c Calendar) IsOpen(t time.Time) bool {
	p := c.plan()
	u := nanos(t)
	off, _ := p.period(u)
	w := u + off
	day := floorDiv(w, dayNs)
	tod := time.Duration(w - day*dayNs)
	for _, win := range p.windows(day) {
		if win.Start <= tod && tod < win.End {
			return true
		}
	}
	return false
}

// Add returns the earliest instant at which d of business time has elapsed after
// start (so a deadline can land exactly at a closing time). If start is outside
// hours, counting begins at the next opening. Add(start, d) returns start unchanged
// for d <= 0; other results are in the calendar's Location. If the calendar never
// opens again it returns start.Add(FarFuture).
func (c Calendar) Add(start time.Time, d time.Duration) time.Time {
	t, _ := c.add(start, d)
	return t
}

// add is Add that also reports whether the result is a real instant (ok) rather
// than the FarFuture sentinel.
func (c Calendar) add(start time.Time, d time.Duration) (time.Time, bool) {
	if d <= 0 {
		return start, true
	}
	p := c.plan()
	pos, used := p.walk(nanos(start), maxNanos, int64(d))
	if used < int64(d) {
		return start.Add(FarFuture), false
	}
	return time.Unix(0, pos).In(p.loc), true
}

// Elapsed returns the business time between from and to (0 if to <= from).
// It is additive: Elapsed(a,b)+Elapsed(b,c) == Elapsed(a,c) for a <= b <= c.
func (c Calendar) Elapsed(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	p := c.plan()
	_, used := p.walk(nanos(from), nanos(to), math.MaxInt64)
	return time.Duration(used)
}

// NextOpen returns t if open, else the start of the next open window (in the
// calendar's Location), or t.Add(FarFuture) if the calendar never opens again.
func (c Calendar) NextOpen(t time.Time) time.Time {
	p := c.plan()
	u := nanos(t)
	// The first open nanosecond ends at the first open instant + 1ns.
	pos, used := p.walk(u, maxNanos, 1)
	switch {
	case used < 1:
		return t.Add(FarFuture)
	case pos-1 == u:
		return t
	}
	return time.Unix(0, pos-1).In(p.loc)
}

// weekday of wall day number day (day 0 = 1970-01-01, a Thursday).
func weekday(day int64) time.Weekday {
	return time.Weekday(((day+4)%7 + 7) % 7)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// parseDate parses a strict "2006-01-02" into a wall day number.
func parseDate(s string) (int64, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	num := func(s string) (int, bool) {
		n := 0
		for _, r := range []byte(s) {
			if r < '0' || r > '9' {
				return 0, false
			}
			n = n*10 + int(r-'0')
		}
		return n, true
	}
	y, ok1 := num(s[:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	return daysFromCivil(y, m, d), true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil is Howard Hinnant's days_from_civil: days since 1970-01-01 in the
// proleptic Gregorian calendar.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

package sla

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Day is the length of a full wall-clock day as a window offset ("24:00").
const Day = 24 * time.Hour

// FarFuture is how far past start Calendar.Add (and NextOpen) answer when the
// calendar will never open again. It is a sentinel, not a deadline: Clock methods
// report ok=false instead of handing it out, so no timer is ever armed for it.
const FarFuture = 100 * 365 * 24 * time.Hour

// ErrNoOpenTime is reported by Validate when the weekly schedule has no open time.
// Such a calendar would push every deadline to infinity.
var ErrNoOpenTime = errors.New("calendar has no open time in a week")

// Window is one opening interval within a day, as offsets from local midnight
// (0 <= Start < End <= 24h). Start is inclusive, End exclusive; both are local
// wall-clock times, see the package documentation for DST.
type Window struct {
	Start time.Duration `json:"start"`
	End   time.Duration `json:"end"`
}

// String formats the window as "HH:MM-HH:MM" (seconds added when present).
func (w Window) String() string {
	return formatOffset(w.Start) + "-" + formatOffset(w.End)
}

// Calendar is a merchant's business calendar.
//
// Its JSON form names the zone and spells windows as text, e.g.
// {"timezone":"Asia/Shanghai","week":{"monday":"09:00-12:00,13:30-18:00"},"holidays":["2026-10-01"]},
// because *time.Location has no JSON form of its own.
type Calendar struct {
	// Location is the IANA zone the windows and dates are read in; nil means UTC.
	// For JSON it must come from time.LoadLocation (a FixedZone's name cannot be
	// loaded back).
	Location *time.Location
	// Week holds each weekday's windows, indexed by time.Weekday, sorted and
	// non-overlapping; an empty day is closed.
	Week [7][]Window
	// Holidays are local dates ("2006-01-02") closed all day. They win over Overrides.
	Holidays []string
	// Overrides replace the weekly windows on specific local dates ("2006-01-02"),
	// e.g. a make-up working Saturday or a half day; an empty list closes the date.
	Overrides map[string][]Window
}

// AlwaysOpen returns a 24x7 calendar in loc, whose business time equals real time.
func AlwaysOpen(loc *time.Location) Calendar {
	c := Calendar{Location: loc}
	for d := range c.Week {
		c.Week[d] = []Window{{0, Day}}
	}
	return c
}

// Weekly returns a calendar in loc that is open by spec (see ParseWindows) on the
// given weekdays and closed on the others.
func Weekly(loc *time.Location, spec string, days ...time.Weekday) (Calendar, error) {
	ws, err := ParseWindows(spec)
	if err != nil {
		return Calendar{}, err
	}
	c := Calendar{Location: loc}
	for _, d := range days {
		if d < time.Sunday || d > time.Saturday {
			return Calendar{}, fmt.Errorf("invalid weekday %d", d)
		}
		c.Week[d] = slices.Clone(ws)
	}
	return c, nil
}

// ParseWindows parses "09:00-12:00,13:00-18:00" into windows. Times are HH:MM or
// HH:MM:SS; "24:00" is allowed as an end; spaces are ignored; "" means closed.
// Windows must be given in ascending order and may touch but not overlap.
func ParseWindows(spec string) ([]Window, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, nil
	}
	var out []Window
	for part := range strings.SplitSeq(spec, ",") {
		part = strings.TrimSpace(part)
		from, to, ok := strings.Cut(part, "-")
		if !ok {
			return nil, fmt.Errorf("window %q: want HH:MM-HH:MM", part)
		}
		start, err := parseOffset(strings.TrimSpace(from))
		if err != nil {
			return nil, fmt.Errorf("window %q: %w", part, err)
		}
		end, err := parseOffset(strings.TrimSpace(to))
		if err != nil {
			return nil, fmt.Errorf("window %q: %w", part, err)
		}
		w := Window{start, end}
		if err := w.check(); err != nil {
			return nil, fmt.Errorf("window %q: %w", part, err)
		}
		if n := len(out); n > 0 && w.Start < out[n-1].End {
			return nil, fmt.Errorf("window %q: overlaps or precedes %s (list windows in ascending order)", part, out[n-1])
		}
		out = append(out, w)
	}
	return out, nil
}

// FormatWindows is the inverse of ParseWindows: "" for a closed day.
func FormatWindows(ws []Window) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.String()
	}
	return strings.Join(parts, ",")
}

func (w Window) check() error {
	switch {
	case w.Start < 0 || w.End > Day:
		return errors.New("must lie within 00:00-24:00")
	case w.Start >= w.End:
		return errors.New("start must be before end")
	case w.Start%time.Second != 0 || w.End%time.Second != 0:
		// Keeps the text form (and so JSON) exact.
		return errors.New("must be whole seconds")
	}
	return nil
}

func parseOffset(s string) (time.Duration, error) {
	fields := strings.Split(s, ":")
	if len(fields) < 2 || len(fields) > 3 {
		return 0, fmt.Errorf("time %q: want HH:MM", s)
	}
	var v [3]int
	limits := [3]int{24, 59, 59}
	for i, f := range fields {
		n, err := strconv.Atoi(f)
		if err != nil || len(f) == 0 || len(f) > 2 || n < 0 || n > limits[i] || f[0] == '+' {
			return 0, fmt.Errorf("time %q: want HH:MM", s)
		}
		v[i] = n
	}
	d := time.Duration(v[0])*time.Hour + time.Duration(v[1])*time.Minute + time.Duration(v[2])*time.Second
	if d > Day {
		return 0, fmt.Errorf("time %q: after 24:00", s)
	}
	return d, nil
}

func formatOffset(d time.Duration) string {
	if d < 0 {
		return "-" + formatOffset(-d)
	}
	h, m, s := d/time.Hour, d%time.Hour/time.Minute, d%time.Minute/time.Second
	out := fmt.Sprintf("%02d:%02d", h, m)
	if s != 0 {
		out += fmt.Sprintf(":%02d", s)
	}
	return out
}

// FieldError is one problem found by Validate. Field is a path such as
// "week.monday[1]", "holidays[0]" or "overrides.2026-10-10[0]".
type FieldError struct {
	Field string
	Err   error
}

// Error implements error.
func (e FieldError) Error() string { return e.Field + ": " + e.Err.Error() }

// Unwrap lets errors.Is see ErrNoOpenTime.
func (e FieldError) Unwrap() error { return e.Err }

// ValidationError lists every problem Validate found, so an API can report them
// all as field errors at once.
type ValidationError []FieldError

// Error implements error.
func (v ValidationError) Error() string {
	parts := make([]string, len(v))
	for i, e := range v {
		parts[i] = e.Error()
	}
	return "invalid calendar: " + strings.Join(parts, "; ")
}

// Unwrap exposes the individual field errors to errors.Is and errors.As.
func (v ValidationError) Unwrap() []error {
	out := make([]error, len(v))
	for i, e := range v {
		out[i] = e
	}
	return out
}

// Validate checks windows (in range, whole seconds, ascending, non-overlapping),
// dates, and that the weekly schedule has some open time (ErrNoOpenTime). It
// returns nil or a ValidationError. The arithmetic tolerates invalid calendars
// (it sorts and merges windows, ignores bad dates), but results are only
// meaningful for valid ones.
func (c Calendar) Validate() error {
	var errs ValidationError
	checkDay := func(field string, ws []Window) {
		for i, w := range ws {
			f := fmt.Sprintf("%s[%d]", field, i)
			if err := w.check(); err != nil {
				errs = append(errs, FieldError{f, fmt.Errorf("window %s %w", w, err)})
			} else if i > 0 && w.Start < ws[i-1].End {
				errs = append(errs, FieldError{f, fmt.Errorf("window %s overlaps or precedes %s", w, ws[i-1])})
			}
		}
	}
	var total time.Duration
	for d, ws := range c.Week {
		checkDay("week."+weekdayKey(time.Weekday(d)), ws)
		for _, w := range ws {
			if w.End > w.Start {
				total += w.End - w.Start
			}
		}
	}
	if total <= 0 {
		errs = append(errs, FieldError{"week", ErrNoOpenTime})
	}
	holiday := make(map[string]bool, len(c.Holidays))
	for i, h := range c.Holidays {
		if _, ok := parseDate(h); !ok {
			errs = append(errs, FieldError{fmt.Sprintf("holidays[%d]", i), fmt.Errorf("date %q: want YYYY-MM-DD", h)})
		}
		holiday[h] = true
	}
	for _, date := range slices.Sorted(maps.Keys(c.Overrides)) {
		field := "overrides." + date
		if _, ok := parseDate(date); !ok {
			errs = append(errs, FieldError{field, fmt.Errorf("date %q: want YYYY-MM-DD", date)})
		}
		if holiday[date] {
			errs = append(errs, FieldError{field, errors.New("date is also a holiday")})
		}
		checkDay(field, c.Overrides[date])
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func weekdayKey(d time.Weekday) string { return strings.ToLower(d.String()) }

type calendarJSON struct {
	TimeZone  string            `json:"timezone"`
	Week      map[string]string `json:"week"`
	Holidays  []string          `json:"holidays,omitempty"`
	Overrides map[string]string `json:"overrides,omitempty"`
}

// MarshalJSON encodes the zone by IANA name and windows in ParseWindows syntax.
// Closed weekdays are omitted. Keys are sorted, so the output is deterministic.
func (c Calendar) MarshalJSON() ([]byte, error) {
	j := calendarJSON{TimeZone: "UTC", Week: map[string]string{}, Holidays: c.Holidays}
	if c.Location != nil {
		j.TimeZone = c.Location.String()
	}
	for d, ws := range c.Week {
		if len(ws) > 0 {
			j.Week[weekdayKey(time.Weekday(d))] = FormatWindows(ws)
		}
	}
	if len(c.Overrides) > 0 {
		j.Overrides = make(map[string]string, len(c.Overrides))
		for date, ws := range c.Overrides {
			j.Overrides[date] = FormatWindows(ws)
		}
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes MarshalJSON's form, loading the zone with
// time.LoadLocation. Weekday keys are English names, full or three letters, any case.
// It does not call Validate.
func (c *Calendar) UnmarshalJSON(b []byte) error {
	var j calendarJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	var out Calendar
	loc, err := time.LoadLocation(j.TimeZone)
	if err != nil {
		return fmt.Errorf("calendar timezone %q: %w", j.TimeZone, err)
	}
	out.Location = loc
	for key, spec := range j.Week {
		d, ok := parseWeekday(key)
		if !ok {
			return fmt.Errorf("calendar week: unknown weekday %q", key)
		}
		if out.Week[d], err = ParseWindows(spec); err != nil {
			return fmt.Errorf("calendar week.%s: %w", key, err)
		}
	}
	out.Holidays = j.Holidays
	if len(j.Overrides) > 0 {
		out.Overrides = make(map[string][]Window, len(j.Overrides))
		for date, spec := range j.Overrides {
			ws, err := ParseWindows(spec)
			if err != nil {
				return fmt.Errorf("calendar overrides.%s: %w", date, err)
			}
			if ws == nil {
				ws = []Window{} // keep "closed" distinct from absent
			}
			out.Overrides[date] = ws
		}
	}
	*c = out
	return nil
}

func parseWeekday(s string) (time.Weekday, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for d := time.Sunday; d <= time.Saturday; d++ {
		k := weekdayKey(d)
		if s == k || s == k[:3] {
			return d, true
		}
	}
	return 0, false
}

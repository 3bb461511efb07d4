package store

// Reports for the supervisor dashboard, served from the ticket read model (all scoped by
// merchant, all counted in the merchant's time zone, the same one SLAOverview uses):
//
//	func (s *Store) DailyReport(ctx, merchantID, now, days) (DailyReport, error)
//	    → GET /api/v1/reports/daily: per local day created, resolved, breached, compliance.
//	func (s *Store) AgentsReport(ctx, merchantID, now) (AgentsReport, error)
//	    → GET /api/v1/reports/agents: per agent open load, breaches, resolved and first
//	      responses today.
//
// Day bucketing: local days are not UTC days, and SQLite has no time-zone database while
// MySQL's CONVERT_TZ needs tz tables most servers never load. So the SQL groups by 15-minute
// UTC slots (one small dialect-specific expression) and Go folds the slots into local days
// with the merchant's *time.Location. Every UTC offset in use since 1972 is a whole multiple
// of 15 minutes (Nepal +5:45, Chatham +12:45 included) and so is every DST shift, so a slot
// never straddles a local midnight and the fold is exact, DST days included. A query returns
// at most 96 rows per day of the window whatever the ticket volume. SLA breaches are read
// as rows (they are the exception, and "tickets breached that day" needs distinct tickets).
//
// Indexes: the open load reads ix_tickets_status. The time windows (created_at, resolved_at,
// first_response_at, sla_breach events by created_at) have no (merchant_id, time) index yet,
// so they scan the merchant's rows: at 100,000 tickets and 600,000 events the 7-day report
// takes about 0.1 s on MariaDB and 0.23 s on SQLite, the agents report 0.02 s and 0.07 s.
// With tickets (merchant_id, created_at), (merchant_id, resolved_at), (merchant_id,
// first_response_at) and ticket_events (merchant_id, kind, created_at) they drop to 0.02 s
// and 0.002 s (SLAOverview profits the same way).

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/keydesk/keydesk/migrations"
	"github.com/keydesk/keydesk/models"
)

// MaxReportDays bounds the window of DailyReport.
const MaxReportDays = 90

// slotSecs is the width of the UTC slots the SQL groups by (see the file comment).
const slotSecs = 900

// dayLayout formats a local date.
const dayLayout = "2006-01-02"

// slaBreached is the read model's SLA state of a ticket with a breached target.
const slaBreached = "breached"

// eventSLABreach is the ticket event kind the workflow records when a deadline passes.
const eventSLABreach = "sla_breach"

// noBreach is true for a ticket row that breached none of its SLA targets.
const noBreach = "first_response_breached_at IS NULL AND next_response_breached_at IS NULL AND resolution_breached_at IS NULL"

// DayStats is one local day of a merchant's tickets.
type DayStats struct {
	// Date is the local day, YYYY-MM-DD in the merchant's time zone.
	Date    string `json:"date"`
	Created int    `json:"created"`
	// Resolved counts tickets resolved that day; ResolvedMet those of them that breached no
	// SLA target, and Compliance is ResolvedMet as a percentage (nil when none was resolved).
	Resolved    int      `json:"resolved"`
	ResolvedMet int      `json:"resolved_met"`
	Compliance  *float64 `json:"compliance"`
	// Breached counts distinct tickets with at least one SLA breach that day; Breaches counts
	// the breaches themselves (a ticket can breach first response and resolution), as
	// SLAOverview.BreachesToday does.
	Breached int `json:"breached"`
	Breaches int `json:"breaches"`
}

// DailyReport is a merchant's ticket activity per local day, oldest day first, today last.
type DailyReport struct {
	AsOf     time.Time  `json:"as_of"`
	Timezone string     `json:"timezone"`
	Days     []DayStats `json:"days"`
}

// DailyReport counts a merchant's tickets per local day over the last days days (today
// included; 1 to MaxReportDays).
func (s *Store) DailyReport(ctx context.Context, merchantID uint64, now time.Time, days int) (DailyReport, error) {
	if days < 1 || days > MaxReportDays {
		return DailyReport{}, errors.New("daily report: days must be 1 to 90")
	}
	loc, tz, err := s.merchantLocation(ctx, merchantID)
	if err != nil {
		return DailyReport{}, err
	}
	from, to := localDay(now, loc, -(days-1)), localDay(now, loc, 1)
	rep := DailyReport{AsOf: now.UTC(), Timezone: tz, Days: make([]DayStats, 0, days)}
	idx := map[string]int{}
	for d := from; d.Before(to); d = localDay(d, loc, 1) {
		idx[d.Format(dayLayout)] = len(rep.Days)
		rep.Days = append(rep.Days, DayStats{Date: d.Format(dayLayout)})
	}
	day := func(at time.Time) *DayStats {
		if i, ok := idx[at.In(loc).Format(dayLayout)]; ok {
			return &rep.Days[i]
		}
		return nil
	}
	if err := s.createdPerSlot(ctx, merchantID, from, to, day); err != nil {
		return rep, err
	}
	if err := s.resolvedPerSlot(ctx, merchantID, from, to, day); err != nil {
		return rep, err
	}
	if err := s.breachesPerDay(ctx, merchantID, from, to, day); err != nil {
		return rep, err
	}
	for i := range rep.Days {
		if d := &rep.Days[i]; d.Resolved > 0 {
			pct := 100 * float64(d.ResolvedMet) / float64(d.Resolved)
			d.Compliance = &pct
		}
	}
	return rep, nil
}

// slotRow is one 15-minute UTC slot of a grouped count.
type slotRow struct {
	Slot int64
	N    int
	Met  int
}

// slotExpr is the SQL for the 15-minute UTC slot of a time column, as an integer
// (seconds since the Unix epoch divided by slotSecs). Times are stored in UTC on both
// dialects; TIMESTAMPDIFF on a DATETIME does not depend on the session time zone.
func (s *Store) slotExpr(col string) string {
	if s.dialect == migrations.MySQL {
		return "TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', " + col + ") DIV 900"
	}
	return "CAST(strftime('%s', " + col + ") AS INTEGER) / 900"
}

// slotTime is the UTC start of a slot.
func slotTime(slot int64) time.Time { return time.Unix(slot*slotSecs, 0).UTC() }

// createdPerSlot adds the tickets created in [from, to) to their days.
func (s *Store) createdPerSlot(ctx context.Context, merchantID uint64, from, to time.Time, day func(time.Time) *DayStats) error {
	var rows []slotRow
	err := s.DB(ctx).Model(&models.Ticket{}).Select(s.slotExpr("created_at")+" AS slot, COUNT(*) AS n").
		Where("merchant_id = ? AND created_at >= ? AND created_at < ?", merchantID, from.UTC(), to.UTC()).
		Group("slot").Scan(&rows).Error
	if err != nil {
		return Translate(err, "daily report: created")
	}
	for _, r := range rows {
		if d := day(slotTime(r.Slot)); d != nil {
			d.Created += r.N
		}
	}
	return nil
}

// resolvedPerSlot adds the tickets resolved in [from, to), and those of them that met every
// target, to their days.
func (s *Store) resolvedPerSlot(ctx context.Context, merchantID uint64, from, to time.Time, day func(time.Time) *DayStats) error {
	var rows []slotRow
	err := s.DB(ctx).Model(&models.Ticket{}).
		Select(s.slotExpr("resolved_at")+" AS slot, COUNT(*) AS n, COALESCE(SUM(CASE WHEN "+noBreach+" THEN 1 ELSE 0 END), 0) AS met").
		Where("merchant_id = ? AND resolved_at >= ? AND resolved_at < ?", merchantID, from.UTC(), to.UTC()).
		Group("slot").Scan(&rows).Error
	if err != nil {
		return Translate(err, "daily report: resolved")
	}
	for _, r := range rows {
		if d := day(slotTime(r.Slot)); d != nil {
			d.Resolved += r.N
			d.ResolvedMet += r.Met
		}
	}
	return nil
}

// breachesPerDay adds the SLA breaches recorded in [from, to), and the distinct tickets that
// breached, to their days.
func (s *Store) breachesPerDay(ctx context.Context, merchantID uint64, from, to time.Time, day func(time.Time) *DayStats) error {
	var rows []struct {
		TicketID  uint64
		CreatedAt time.Time
	}
	err := s.DB(ctx).Model(&models.TicketEvent{}).Select("ticket_id", "created_at").
		Where("merchant_id = ? AND kind = ? AND created_at >= ? AND created_at < ?", merchantID, eventSLABreach, from.UTC(), to.UTC()).
		Scan(&rows).Error
	if err != nil {
		return Translate(err, "daily report: breaches")
	}
	seen := map[*DayStats]map[uint64]bool{}
	for _, r := range rows {
		d := day(r.CreatedAt)
		if d == nil {
			continue
		}
		d.Breaches++
		if seen[d] == nil {
			seen[d] = map[uint64]bool{}
		}
		if !seen[d][r.TicketID] {
			seen[d][r.TicketID] = true
			d.Breached++
		}
	}
	return nil
}

// merchantLocation resolves a merchant's time zone as SLAOverview does: an unknown merchant
// or an empty or unknown zone counts in UTC.
func (s *Store) merchantLocation(ctx context.Context, merchantID uint64) (*time.Location, string, error) {
	tz, _, err := s.MerchantSettings(ctx, merchantID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, "", err
	}
	loc, lerr := time.LoadLocation(tz)
	if tz == "" || lerr != nil {
		return time.UTC, "UTC", nil
	}
	return loc, tz, nil
}

// localDay is the local midnight (in loc) offset days from the day of t.
func localDay(t time.Time, loc *time.Location, offset int) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day()+offset, 0, 0, 0, 0, loc)
}

// AgentStats is one staff member's load.
type AgentStats struct {
	UserID uint64 `json:"user_id"`
	Name   string `json:"name"`
	Email  string `json:"email"`
	// Active is false for a deactivated user who still holds tickets.
	Active bool `json:"active"`
	// Open counts the open tickets assigned to the user (new, open, pending_*), Breached
	// those of them whose SLA state is breached.
	Open     int `json:"open"`
	Breached int `json:"breached"`
	// ResolvedToday counts tickets resolved since local midnight that the user holds.
	ResolvedToday int `json:"resolved_today"`
	// FirstResponsesToday counts the user's tickets whose first response was given since
	// local midnight; MedianFirstResponseSecs is the median wall-clock time from creation to
	// that response (nil when there was none). Both credit the ticket's current assignee.
	FirstResponsesToday     int    `json:"first_responses_today"`
	MedianFirstResponseSecs *int64 `json:"median_first_response_secs"`
}

// AgentsReport is the load per staff member of a merchant.
type AgentsReport struct {
	AsOf     time.Time `json:"as_of"`
	Timezone string    `json:"timezone"`
	// Date is today in the merchant's time zone: the day the *_today figures count.
	Date string `json:"date"`
	// UnassignedOpen counts open tickets nobody holds, UnassignedBreached those breached.
	UnassignedOpen     int `json:"unassigned_open"`
	UnassignedBreached int `json:"unassigned_breached"`
	// Agents lists every active user of the merchant and any other user who holds one of
	// its open tickets or was credited today, most open tickets first.
	Agents []AgentStats `json:"agents"`
}

// AgentsReport computes the load per staff member of a merchant as of now.
func (s *Store) AgentsReport(ctx context.Context, merchantID uint64, now time.Time) (AgentsReport, error) {
	loc, tz, err := s.merchantLocation(ctx, merchantID)
	if err != nil {
		return AgentsReport{}, err
	}
	from, to := localDay(now, loc, 0), localDay(now, loc, 1)
	rep := AgentsReport{AsOf: now.UTC(), Timezone: tz, Date: from.Format(dayLayout)}
	by := map[uint64]*AgentStats{}
	get := func(id uint64) *AgentStats {
		if by[id] == nil {
			by[id] = &AgentStats{UserID: id}
		}
		return by[id]
	}
	if err := s.openPerAgent(ctx, merchantID, &rep, get); err != nil {
		return rep, err
	}
	if err := s.todayPerAgent(ctx, merchantID, from, to, get); err != nil {
		return rep, err
	}
	if err := s.nameAgents(ctx, merchantID, by); err != nil {
		return rep, err
	}
	rep.Agents = make([]AgentStats, 0, len(by))
	for _, a := range by {
		rep.Agents = append(rep.Agents, *a)
	}
	slices.SortFunc(rep.Agents, compareAgents)
	return rep, nil
}

// compareAgents orders by open tickets, then breaches (most first), then name and id.
func compareAgents(a, b AgentStats) int {
	switch {
	case a.Open != b.Open:
		return b.Open - a.Open
	case a.Breached != b.Breached:
		return b.Breached - a.Breached
	}
	if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
		return c
	}
	return cmpID(a.UserID, b.UserID)
}

// openPerAgent counts open tickets and breached ones per assignee. It groups by sla_state
// first: grouping by assignee_id alone made SQLite walk ix_tickets_assignee over every ticket
// of the merchant (0.24 s at 100,000 tickets) where ix_tickets_status reads only the open ones.
func (s *Store) openPerAgent(ctx context.Context, merchantID uint64, rep *AgentsReport, get func(uint64) *AgentStats) error {
	var rows []struct {
		SLAState   string
		AssigneeID *uint64
		N          int
	}
	err := s.DB(ctx).Model(&models.Ticket{}).Select("sla_state, assignee_id, COUNT(*) AS n").
		Where("merchant_id = ? AND status IN ?", merchantID, openStatuses).Group("sla_state, assignee_id").Scan(&rows).Error
	if err != nil {
		return Translate(err, "agents report: open")
	}
	for _, r := range rows {
		breached := 0
		if r.SLAState == slaBreached {
			breached = r.N
		}
		if r.AssigneeID == nil {
			rep.UnassignedOpen += r.N
			rep.UnassignedBreached += breached
			continue
		}
		a := get(*r.AssigneeID)
		a.Open += r.N
		a.Breached += breached
	}
	return nil
}

// todayPerAgent counts, per assignee, the tickets resolved in [from, to) and the first
// responses given in it with their median time from ticket creation. It reads one narrow row
// per ticket resolved or answered that day and counts in Go: neither time column has an
// index, and a GROUP BY assignee_id (or an assignee_id IS NOT NULL) made MariaDB walk
// ix_tickets_assignee with a row lookup per ticket, 40 times slower than the plain scan.
func (s *Store) todayPerAgent(ctx context.Context, merchantID uint64, from, to time.Time, get func(uint64) *AgentStats) error {
	var rows []struct {
		AssigneeID      *uint64
		CreatedAt       time.Time
		ResolvedAt      *time.Time
		FirstResponseAt *time.Time
	}
	f, t := from.UTC(), to.UTC()
	err := s.DB(ctx).Model(&models.Ticket{}).Select("assignee_id", "created_at", "resolved_at", "first_response_at").
		Where("merchant_id = ? AND ((resolved_at >= ? AND resolved_at < ?) OR (first_response_at >= ? AND first_response_at < ?))",
			merchantID, f, t, f, t).Scan(&rows).Error
	if err != nil {
		return Translate(err, "agents report: today")
	}
	in := func(x *time.Time) bool { return x != nil && !x.Before(f) && x.Before(t) }
	secs := map[uint64][]int64{}
	for _, r := range rows {
		if r.AssigneeID == nil {
			continue
		}
		if in(r.ResolvedAt) {
			get(*r.AssigneeID).ResolvedToday++
		}
		if in(r.FirstResponseAt) {
			secs[*r.AssigneeID] = append(secs[*r.AssigneeID], max(0, int64(r.FirstResponseAt.Sub(r.CreatedAt)/time.Second)))
		}
	}
	for id, xs := range secs {
		a := get(id)
		a.FirstResponsesToday = len(xs)
		m := median(xs)
		a.MedianFirstResponseSecs = &m
	}
	return nil
}

// median of a non-empty slice (the mean of the middle two for an even count); sorts xs.
func median(xs []int64) int64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// nameAgents adds the merchant's active users to by and fills in the name, email and active
// flag of everyone in it. A holder from outside the merchant's user list (a platform user)
// is looked up by id: it holds this merchant's ticket, so its name is this merchant's to see.
func (s *Store) nameAgents(ctx context.Context, merchantID uint64, by map[uint64]*AgentStats) error {
	var us []models.User
	if err := s.DB(ctx).Select("id", "name", "email", "active").Where("merchant_id = ?", merchantID).Find(&us).Error; err != nil {
		return Translate(err, "agents report: users")
	}
	var missing []uint64
	known := map[uint64]bool{}
	for _, u := range us {
		known[u.ID] = true
	}
	for id := range by {
		if !known[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		var more []models.User
		if err := s.DB(ctx).Select("id", "name", "email", "active").Where("id IN ?", missing).Find(&more).Error; err != nil {
			return Translate(err, "agents report: holders")
		}
		us = append(us, more...)
	}
	for _, u := range us {
		a, held := by[u.ID]
		if !held && !u.Active {
			continue
		}
		if !held {
			a = &AgentStats{UserID: u.ID}
			by[u.ID] = a
		}
		a.Name, a.Email, a.Active = u.Name, u.Email, u.Active
	}
	return nil
}

package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// reportTicket is a ticket row written straight into the read model, with the times a
// report reads.
type reportTicket struct {
	created, resolved, firstResponse, breached time.Time // zero: NULL
	status, slaState                           string
	assignee                                   uint64
}

var reportSeq int

// addReportTicket writes rt for merchant f and returns its id.
func addReportTicket(t *testing.T, s *store.Store, f ticketFixture, rt reportTicket) uint64 {
	t.Helper()
	reportSeq++
	ptr := func(x time.Time) *time.Time {
		if x.IsZero() {
			return nil
		}
		u := x.UTC()
		return &u
	}
	tk := models.Ticket{MerchantID: f.merchant, Ref: fmt.Sprintf("KD-RP%06d", reportSeq), Category: "other",
		Status: rt.status, Priority: models.PriorityNormal, Queue: models.QueueGeneral, SLAState: rt.slaState,
		CreatedAt: rt.created.UTC(), UpdatedAt: rt.created.UTC(), ResolvedAt: ptr(rt.resolved),
		FirstResponseAt: ptr(rt.firstResponse), ResolutionBreachedAt: ptr(rt.breached)}
	if tk.Status == "" {
		tk.Status = models.StatusOpen
	}
	if rt.assignee != 0 {
		id := rt.assignee
		tk.AssigneeID = &id
	}
	if err := s.DB(context.Background()).Create(&tk).Error; err != nil {
		t.Fatalf("ticket: %v", err)
	}
	return tk.ID
}

func addBreach(t *testing.T, s *store.Store, f ticketFixture, ticketID uint64, at time.Time) {
	t.Helper()
	reportSeq++
	ev := models.TicketEvent{MerchantID: f.merchant, TicketID: ticketID, EventKey: fmt.Sprintf("wf/%d", reportSeq),
		Kind: "sla_breach", ActorKind: "system", CreatedAt: at.UTC()}
	if err := s.AppendTicketEvents(context.Background(), []models.TicketEvent{ev}); err != nil {
		t.Fatal(err)
	}
}

func dayByDate(t *testing.T, rep store.DailyReport, date string) store.DayStats {
	t.Helper()
	for _, d := range rep.Days {
		if d.Date == date {
			return d
		}
	}
	t.Fatalf("no day %s in %+v", date, rep.Days)
	return store.DayStats{}
}

func TestDailyReportBucketsByMerchantDay(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := seedTicketFixture(t, s, "rp1", "Asia/Shanghai")
		other := seedTicketFixture(t, s, "rp2", "UTC")
		sh, _ := time.LoadLocation("Asia/Shanghai")
		local := func(day, h, m int) time.Time { return time.Date(2026, 11, day, h, m, 0, 0, sh) }
		now := local(3, 10, 0) // 02:00 UTC on 11-03; local midnight was 11-02 16:00 UTC
		// Created: 23:30 local on 11-02 is that local day; 00:30 and 07:59 local on 11-03 are
		// still 11-02 in UTC but belong to 11-03 here.
		addReportTicket(t, s, f, reportTicket{created: local(2, 23, 30)})
		addReportTicket(t, s, f, reportTicket{created: local(2, 23, 59).Add(59*time.Second + 999*time.Millisecond)})
		addReportTicket(t, s, f, reportTicket{created: local(3, 0, 0)})
		addReportTicket(t, s, f, reportTicket{created: local(3, 0, 30)})
		addReportTicket(t, s, f, reportTicket{created: local(3, 7, 59)})
		addReportTicket(t, s, f, reportTicket{created: local(27, 12, 0).AddDate(0, -1, 0)})  // 10-27: first day of the window
		addReportTicket(t, s, f, reportTicket{created: local(26, 23, 59).AddDate(0, -1, 0)}) // before it
		addReportTicket(t, s, f, reportTicket{created: local(4, 0, 1)})                      // tomorrow (clock skew): not counted
		addReportTicket(t, s, other, reportTicket{created: local(3, 1, 0)})                  // another merchant
		// Resolved today: one met, one breached; yesterday (local): one met at 23:50.
		addReportTicket(t, s, f, reportTicket{created: local(1, 9, 0), status: models.StatusResolved, resolved: local(3, 0, 10)})
		late := addReportTicket(t, s, f, reportTicket{created: local(1, 9, 0), status: models.StatusResolved, resolved: local(3, 9, 0), breached: local(2, 23, 50)})
		addReportTicket(t, s, f, reportTicket{created: local(1, 9, 0), status: models.StatusClosed, resolved: local(2, 23, 50)})
		addReportTicket(t, s, other, reportTicket{created: local(1, 9, 0), status: models.StatusResolved, resolved: local(3, 1, 0), breached: local(3, 0, 30)})
		// Breaches: late breached yesterday at 23:50 local (15:50 UTC); open breaches one
		// ticket twice today (01:00 and 09:00 local, both 11-02 in UTC for the first).
		addBreach(t, s, f, late, local(2, 23, 50))
		open := addReportTicket(t, s, f, reportTicket{created: local(1, 9, 0), slaState: "breached"})
		addBreach(t, s, f, open, local(3, 1, 0))
		addBreach(t, s, f, open, local(3, 9, 0))

		rep, err := s.DailyReport(ctx, f.merchant, now, 7)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Timezone != "Asia/Shanghai" || len(rep.Days) != 7 || rep.Days[0].Date != "2026-10-28" || rep.Days[6].Date != "2026-11-03" {
			t.Fatalf("window: tz %s, days %+v", rep.Timezone, rep.Days)
		}
		today, yesterday := dayByDate(t, rep, "2026-11-03"), dayByDate(t, rep, "2026-11-02")
		if today.Created != 3 || yesterday.Created != 2 {
			t.Errorf("created today %d (want 3), yesterday %d (want 2)", today.Created, yesterday.Created)
		}
		if today.Resolved != 2 || today.ResolvedMet != 1 || today.Compliance == nil || *today.Compliance != 50 {
			t.Errorf("today resolved %+v", today)
		}
		if yesterday.Resolved != 1 || yesterday.Compliance == nil || *yesterday.Compliance != 100 {
			t.Errorf("yesterday resolved %+v", yesterday)
		}
		if today.Breached != 1 || today.Breaches != 2 || yesterday.Breached != 1 || yesterday.Breaches != 1 {
			t.Errorf("breaches today %d/%d yesterday %d/%d", today.Breached, today.Breaches, yesterday.Breached, yesterday.Breaches)
		}
		if d := dayByDate(t, rep, "2026-11-01"); d.Created != 4 || d.Compliance != nil {
			t.Errorf("11-01 %+v", d)
		}
		// The report agrees with the SLA overview on today and the 7-day window.
		ov, err := s.SLAOverview(ctx, f.merchant, now)
		if err != nil {
			t.Fatal(err)
		}
		resolved := 0
		for _, d := range rep.Days {
			resolved += d.Resolved
		}
		if ov.BreachesToday != today.Breaches || ov.ResolvedToday != today.Resolved || *ov.ComplianceToday != *today.Compliance || ov.Resolved7d != resolved {
			t.Errorf("overview %+v disagrees with report today %+v, 7-day resolved %d", ov, today, resolved)
		}

		month, err := s.DailyReport(ctx, f.merchant, now, 8)
		if err != nil || len(month.Days) != 8 || month.Days[0].Date != "2026-10-27" || month.Days[0].Created != 1 {
			t.Errorf("8 days: %v %+v", err, month.Days)
		}
		one, err := s.DailyReport(ctx, f.merchant, now, 1)
		if err != nil || len(one.Days) != 1 || one.Days[0].Created != 3 {
			t.Errorf("1 day: %v %+v", err, one.Days)
		}
		for _, bad := range []int{0, -1, store.MaxReportDays + 1} {
			if _, err := s.DailyReport(ctx, f.merchant, now, bad); err == nil {
				t.Errorf("days=%d accepted", bad)
			}
		}
		empty, err := s.DailyReport(ctx, other.merchant+1000, now, 3)
		if err != nil || empty.Timezone != "UTC" || len(empty.Days) != 3 || empty.Days[2].Created != 0 {
			t.Errorf("unknown merchant: %v %+v", err, empty)
		}
	})
}

// TestDailyReportTimeZones checks the slot folding at local midnight in zones with odd
// offsets and on DST days (a 25-hour and a 23-hour day, a 30-minute DST shift).
func TestDailyReportTimeZones(t *testing.T) {
	cases := []struct {
		tz   string
		day  time.Time // a local date (its zone is ignored)
		want int       // tickets that day: the ones at 00:00, 00:10, 23:50 and 23:59:59
	}{
		{"Asia/Shanghai", time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC), 4},
		{"Asia/Kathmandu", time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), 4},
		{"America/New_York", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), 4},    // 25 hours
		{"Europe/London", time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC), 4},       // 23 hours
		{"Australia/Lord_Howe", time.Date(2026, 10, 4, 0, 0, 0, 0, time.UTC), 4}, // +10:30 → +11
		{"America/St_Johns", time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC), 4},    // -2:30
		{"Pacific/Chatham", time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC), 4},     // +13:45
		{"America/Sao_Paulo", time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), 4},    // -3, no DST
	}
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for i, c := range cases {
			loc, err := time.LoadLocation(c.tz)
			if err != nil {
				t.Fatalf("%s: %v", c.tz, err)
			}
			f := seedTicketFixture(t, s, fmt.Sprintf("tz%d", i), c.tz)
			y, m, d := c.day.Date()
			at := func(day, h, min, sec int) time.Time { return time.Date(y, m, d+day, h, min, sec, 0, loc) }
			for _, x := range []time.Time{at(0, 0, 0, 0), at(0, 0, 10, 0), at(0, 23, 50, 0), at(0, 23, 59, 59),
				at(-1, 23, 59, 59), at(1, 0, 0, 0), at(1, 0, 10, 0)} {
				tk := addReportTicket(t, s, f, reportTicket{created: x, status: models.StatusResolved, resolved: x})
				addBreach(t, s, f, tk, x)
			}
			rep, err := s.DailyReport(ctx, f.merchant, at(1, 12, 0, 0), 3)
			if err != nil {
				t.Fatal(err)
			}
			date := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
			got := dayByDate(t, rep, date)
			if got.Created != c.want || got.Resolved != c.want || got.Breached != c.want {
				t.Errorf("%s %s: created %d resolved %d breached %d, want %d", c.tz, date, got.Created, got.Resolved, got.Breached, c.want)
			}
			if rep.Days[0].Created != 1 || rep.Days[2].Created != 2 {
				t.Errorf("%s: neighbours %+v", c.tz, rep.Days)
			}
		}
	})
}

func TestAgentsReport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := seedTicketFixture(t, s, "ag1", "Asia/Shanghai")
		other := seedTicketFixture(t, s, "ag2", "UTC")
		user := func(m uint64, email, name string, active bool) uint64 {
			mm := m
			u := models.User{MerchantID: &mm, Email: email, Name: name, Active: true}
			if err := s.CreateUser(ctx, &u); err != nil {
				t.Fatal(err)
			}
			if !active {
				if err := s.DB(ctx).Model(&u).Update("active", false).Error; err != nil {
					t.Fatal(err)
				}
			}
			return u.ID
		}
		ada := user(f.merchant, "ada@ag1.test", "Ada", true)
		bob := user(f.merchant, "bob@ag1.test", "Bob", true)
		cat := user(f.merchant, "cat@ag1.test", "Cat (left)", false)
		user(f.merchant, "dan@ag1.test", "Dan (left, idle)", false)
		eve := user(other.merchant, "eve@ag2.test", "Eve", true)
		sh, _ := time.LoadLocation("Asia/Shanghai")
		local := func(day, h, m int) time.Time { return time.Date(2026, 11, day, h, m, 0, 0, sh) }
		now := local(3, 10, 0)
		open := func(a uint64, state string) {
			addReportTicket(t, s, f, reportTicket{created: local(2, 9, 0), assignee: a, slaState: state})
		}
		open(ada, "ok")
		open(ada, "breached")
		open(ada, "warning")
		open(cat, "breached")
		open(0, "breached")
		open(0, "ok")
		addReportTicket(t, s, f, reportTicket{created: local(2, 9, 0), assignee: ada, status: models.StatusPendingCustomer})
		// Resolved: today at 00:30 local (16:30 UTC yesterday) counts; yesterday 23:30 does not.
		addReportTicket(t, s, f, reportTicket{created: local(2, 9, 0), assignee: ada, status: models.StatusResolved, resolved: local(3, 0, 30)})
		addReportTicket(t, s, f, reportTicket{created: local(2, 9, 0), assignee: ada, status: models.StatusClosed, resolved: local(2, 23, 30)})
		addReportTicket(t, s, f, reportTicket{created: local(2, 9, 0), assignee: bob, status: models.StatusResolved, resolved: local(3, 9, 0)})
		// First responses today after 10, 30 and 20 minutes (median 20), one yesterday.
		for _, mins := range []int{10, 30, 20} {
			c := local(3, 1, 0)
			addReportTicket(t, s, f, reportTicket{created: c, assignee: bob, firstResponse: c.Add(time.Duration(mins) * time.Minute)})
		}
		addReportTicket(t, s, f, reportTicket{created: local(2, 22, 0), assignee: bob, firstResponse: local(2, 23, 0)})
		addReportTicket(t, s, f, reportTicket{created: local(3, 1, 0), assignee: ada, firstResponse: local(3, 1, 1)})
		addReportTicket(t, s, f, reportTicket{created: local(3, 1, 0), assignee: ada, firstResponse: local(3, 1, 4)})
		// Another merchant's load never shows.
		addReportTicket(t, s, other, reportTicket{created: local(3, 1, 0), assignee: eve, slaState: "breached"})

		rep, err := s.AgentsReport(ctx, f.merchant, now)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Date != "2026-11-03" || rep.Timezone != "Asia/Shanghai" || rep.UnassignedOpen != 2 || rep.UnassignedBreached != 1 {
			t.Errorf("report header %+v", rep)
		}
		var names []string
		for _, a := range rep.Agents {
			names = append(names, a.Name)
		}
		if fmt.Sprint(names) != "[Ada Bob Cat (left)]" {
			t.Fatalf("agents %v, want Ada (6 open), Bob (3 open), Cat (1, inactive); not Dan nor Eve", names)
		}
		ad, bo, ca := rep.Agents[0], rep.Agents[1], rep.Agents[2]
		if ad.UserID != ada || ad.Open != 6 || ad.Breached != 1 || ad.ResolvedToday != 1 || ad.FirstResponsesToday != 2 ||
			ad.MedianFirstResponseSecs == nil || *ad.MedianFirstResponseSecs != 150 || !ad.Active || ad.Email != "ada@ag1.test" {
			t.Errorf("ada %+v", ad)
		}
		if bo.Open != 4 || bo.ResolvedToday != 1 || bo.FirstResponsesToday != 3 || bo.MedianFirstResponseSecs == nil || *bo.MedianFirstResponseSecs != 1200 {
			t.Errorf("bob %+v", bo)
		}
		if ca.UserID != cat || ca.Active || ca.Open != 1 || ca.Breached != 1 || ca.MedianFirstResponseSecs != nil {
			t.Errorf("cat %+v", ca)
		}
	})
}

// BenchmarkReports times both reports over 100,000 tickets spread across 90 days (about a
// third breached, 40 agents) on each dialect:
//
//	go test -run XXX -bench Reports ./store/
func BenchmarkReports(b *testing.B) {
	for _, d := range []struct {
		name string
		open func(testing.TB) *store.Store
	}{{"sqlite", testdb.SQLite}, {"mysql", testdb.MySQL}} {
		b.Run(d.name, func(b *testing.B) {
			s := d.open(b)
			ctx := context.Background()
			m := models.Merchant{Slug: "bench", Name: "bench", Timezone: "Asia/Shanghai"}
			if err := s.DB(ctx).Create(&m).Error; err != nil {
				b.Fatal(err)
			}
			now := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
			const n = 100_000
			ts := make([]models.Ticket, 0, 500)
			var evs []models.TicketEvent
			for i := range n {
				created := now.Add(-time.Duration(i) * (90 * 24 * time.Hour / n))
				a := uint64(i%40 + 1)
				tk := models.Ticket{MerchantID: m.ID, Ref: fmt.Sprintf("KD-B%07d", i), Status: models.StatusOpen, Priority: "normal",
					Queue: "general", SLAState: "ok", AssigneeID: &a, CreatedAt: created, UpdatedAt: created}
				if i >= n/100 { // the newest 1% is still open
					r := created.Add(3 * time.Hour)
					tk.Status, tk.ResolvedAt, tk.FirstResponseAt = models.StatusClosed, &r, &r
				}
				if i%3 == 0 {
					br := created.Add(2 * time.Hour)
					tk.FirstResponseBreachedAt = &br
				}
				ts = append(ts, tk)
				if len(ts) == cap(ts) || i == n-1 {
					if err := s.DB(ctx).Create(&ts).Error; err != nil {
						b.Fatal(err)
					}
					for _, t := range ts {
						if t.FirstResponseBreachedAt != nil {
							evs = append(evs, models.TicketEvent{MerchantID: m.ID, TicketID: t.ID, EventKey: "wf/b", Kind: "sla_breach", CreatedAt: *t.FirstResponseBreachedAt})
						}
					}
					if err := s.DB(ctx).CreateInBatches(&evs, 1000).Error; err != nil {
						b.Fatal(err)
					}
					ts, evs = ts[:0], nil
				}
			}
			b.Run("daily7", func(b *testing.B) {
				for b.Loop() {
					if _, err := s.DailyReport(ctx, m.ID, now, 7); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("daily90", func(b *testing.B) {
				for b.Loop() {
					if _, err := s.DailyReport(ctx, m.ID, now, 90); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("agents", func(b *testing.B) {
				for b.Loop() {
					if _, err := s.AgentsReport(ctx, m.ID, now); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

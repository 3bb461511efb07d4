package workflows_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/workflows"
)

// BenchmarkEscalationLateness opens KEYDESK_BENCH_TICKETS tickets (default 500) on the
// embedded stack, all with a first-response target so their deadlines fall within a few
// minutes, and reports how late each escalation landed in the database (the row's write
// time minus the deadline): p50 / p99 / max, and the escalation rate. Run it once, e.g.:
//
//	KEYDESK_BENCH_TICKETS=10000 KEYDESK_BENCH_SPREAD_SECONDS=300 KEYDESK_BENCH_TARGET_SECONDS=330 \
//	KEYDESK_BENCH_WFT_POLLERS=8 KEYDESK_BENCH_CACHE=30000 \
//	go test ./workflows -run '^$' -bench EscalationLateness -benchtime=1x -timeout 60m
//
// KEYDESK_BENCH_SPREAD_SECONDS paces the creations (0: as fast as KEYDESK_BENCH_CLIENTS
// clients go); KEYDESK_BENCH_TARGET_SECONDS is the first-response target (default 60 s when
// paced, else long enough for the creations to finish first).
func BenchmarkEscalationLateness(b *testing.B) {
	n := envInt("KEYDESK_BENCH_TICKETS", 500)
	workers := envInt("KEYDESK_BENCH_CLIENTS", 16)
	spread := time.Duration(envInt("KEYDESK_BENCH_SPREAD_SECONDS", 0)) * time.Second
	for range b.N {
		lateness, createRate := escalationRun(b, n, workers, spread)
		p50, p99, worst := pct(lateness, 50), pct(lateness, 99), lateness[len(lateness)-1]
		b.ReportMetric(float64(p50.Milliseconds()), "p50-ms")
		b.ReportMetric(float64(p99.Milliseconds()), "p99-ms")
		b.ReportMetric(float64(worst.Milliseconds()), "max-ms")
		fmt.Printf("escalation lateness, %d tickets (created at %.1f/s by %d clients, spread %v): p50 %v  p99 %v  max %v\n",
			n, createRate, workers, spread, p50.Round(time.Millisecond), p99.Round(time.Millisecond), worst.Round(time.Millisecond))
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// escalationRun creates n tickets whose first response is due a fixed time after creation
// (long enough for all creations to finish first), waits for every escalation and returns
// the sorted latenesses and the creation rate.
func escalationRun(b *testing.B, n, clients int, spread time.Duration) ([]time.Duration, float64) {
	ctx := context.Background()
	// Deadlines fall within a few minutes; creation ran at ~240 tickets/s here, so they mostly
	// land after the last creation.
	target := max(30*time.Second, time.Duration(n/100)*time.Second)
	if spread > 0 {
		// Creation is paced over spread, so the deadlines are spread evenly over it too.
		target = 60 * time.Second
	}
	if t := envInt("KEYDESK_BENCH_TARGET_SECONDS", 0); t > 0 {
		// A target longer than spread lets every ticket be open before the first deadline,
		// so the escalations do not compete with the creations.
		target = time.Duration(t) * time.Second
	}
	sh := newShop(b, target, n)
	b.ResetTimer()
	start := time.Now()
	must(b, createMany(clients, n, func(i int) error {
		if spread > 0 {
			time.Sleep(time.Until(start.Add(spread * time.Duration(i) / time.Duration(n))))
		}
		_, err := createQuiet(sh, i)
		return err
	}))
	rate := float64(n) / time.Since(start).Seconds()
	if time.Since(start) > target {
		b.Logf("creation took %v, longer than the %v target: early tickets breached during creation", time.Since(start), target)
	}
	waitAllEscalated(b, sh.merchant, n, target+10*time.Minute)
	var rows []struct {
		FirstResponseDueAt time.Time
		UpdatedAt          time.Time
	}
	defer func() {
		first, last := rows[0].FirstResponseDueAt, rows[0].UpdatedAt
		for _, r := range rows {
			first, last = minTime(first, r.FirstResponseDueAt), maxTime(last, r.UpdatedAt)
		}
		fmt.Printf("escalations: %d between the first deadline and the last landing (%v): %.1f/s\n",
			len(rows), last.Sub(first).Round(time.Millisecond), float64(len(rows))/last.Sub(first).Seconds())
	}()
	err := env.store.DB(ctx).Model(&models.Ticket{}).Select("first_response_due_at, updated_at").
		Where("merchant_id = ? AND escalation_level > 0", sh.merchant).Scan(&rows).Error
	if err != nil {
		b.Fatal(err)
	}
	out := make([]time.Duration, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.UpdatedAt.Sub(r.FirstResponseDueAt))
	}
	slices.Sort(out)
	return out, rate
}

func createQuiet(sh shop, i int) (uint64, error) {
	c, err := env.svc.Create(context.Background(), createInput(sh, i))
	return c.Ticket.ID, err
}

func waitAllEscalated(b *testing.B, merchantID uint64, n int, within time.Duration) {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		var got int64
		err := env.store.DB(context.Background()).Model(&models.Ticket{}).
			Where("merchant_id = ? AND escalation_level > 0", merchantID).Count(&got).Error
		if err != nil {
			b.Fatal(err)
		}
		if int(got) == n {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	b.Fatalf("not all %d tickets escalated within %v", n, within)
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

// BenchmarkTicketFootprint runs KEYDESK_BENCH_LIVES typical ticket lives (default 50): open,
// agent reply, buyer reply, agent reply, resolve, rating, close; and reports the workflow
// history events per ticket and the SQLite growth per ticket.
func BenchmarkTicketFootprint(b *testing.B) {
	n := envInt("KEYDESK_BENCH_LIVES", 50)
	for range b.N {
		sh := newShop(b, time.Hour, n)
		before := dbBytes(b)
		var events int
		for i := range n {
			id := typicalLife(b, sh, i)
			events += historyLength(b, workflows.TicketWorkflowID(id))
		}
		after := dbBytes(b)
		perTicket := float64(after-before) / float64(n)
		b.ReportMetric(float64(events)/float64(n), "history-events/ticket")
		b.ReportMetric(perTicket, "db-bytes/ticket")
		fmt.Printf("typical ticket life: %.1f workflow history events, %.0f bytes of SQLite per ticket (%d tickets)\n",
			float64(events)/float64(n), perTicket, n)
	}
}

func typicalLife(b *testing.B, sh shop, i int) uint64 {
	ctx := context.Background()
	c, err := env.svc.Create(ctx, createInput(sh, i))
	if err != nil {
		b.Fatal(err)
	}
	id := c.Ticket.ID
	ag := func(r string) workflows.ActionInput {
		return workflows.ActionInput{RequestID: fmt.Sprintf("%d-%s", id, r), Actor: workflows.Actor{Kind: workflows.ActorAgent, UserID: 1, Role: "agent"}}
	}
	by := func(r string) workflows.ActionInput {
		return workflows.ActionInput{RequestID: fmt.Sprintf("%d-%s", id, r), Actor: workflows.Actor{Kind: workflows.ActorCustomer}}
	}
	steps := []struct {
		u  string
		in any
	}{
		{workflows.UpdateReply, workflows.ReplyInput{ActionInput: ag("1"), Body: "Please try again in the launcher."}},
		{workflows.UpdateCustomerReply, workflows.ReplyInput{ActionInput: by("2"), Body: "Still no luck."}},
		{workflows.UpdateReply, workflows.ReplyInput{ActionInput: ag("3"), Body: "Fixed on our side."}},
		{workflows.UpdateResolve, workflows.ReplyInput{ActionInput: ag("4")}},
		{workflows.UpdateRate, workflows.RateInput{ActionInput: by("5"), Score: 5}},
		{workflows.UpdateSetStatus, workflows.StatusInput{ActionInput: ag("6"), Status: models.StatusClosed}},
	}
	for _, s := range steps {
		if _, err := env.svc.Act(ctx, sh.merchant, id, s.u, s.in); err != nil {
			b.Fatalf("%s: %v", s.u, err)
		}
	}
	return id
}

func historyLength(b *testing.B, wfID string) int {
	ctx := context.Background()
	for range 100 { // wait for the run to finish writing its last events
		it := env.client.GetWorkflowHistory(ctx, wfID, "", false, 0)
		n, closed := 0, false
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				b.Fatal(err)
			}
			n++
			closed = closed || e.GetWorkflowExecutionCompletedEventAttributes() != nil
		}
		if closed {
			return n
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.Fatalf("%s did not complete", wfID)
	return 0
}

// dbBytes is the SQLite database size after a checkpoint.
func dbBytes(b *testing.B) int64 {
	db, err := env.store.SQL()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		b.Fatal(err)
	}
	var pages, size int64
	if err := db.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		b.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA page_size").Scan(&size); err != nil {
		b.Fatal(err)
	}
	return pages * size
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// BenchmarkEscalationBurst makes KEYDESK_BENCH_BURST_RATE first-response deadlines fall due
// every second (default 100) for KEYDESK_BENCH_BURST_SECONDS seconds (default 10), on
// tickets that are all open before the first one falls due, and reports the escalations'
// lateness (p50 / p99 / max). Deadlines that follow creation times would fall at the intake
// rate (25–30 tickets/s through the API on a 2-core machine), so instead every ticket is
// created while its shop is closed, and
// the shops open together at one instant T0 (a business calendar opening at HH:MM:SS today),
// so a ticket's first response falls due at T0 plus its shop's target. Shop k (one per
// second of the burst) has a target of k+1 seconds and holds RATE tickets, so RATE
// deadlines fall on each whole second from T0+1s: the way a Monday-morning opening turns a
// weekend's tickets into one wave of breaches. Run it once, e.g.:
//
//	KEYDESK_BENCH_BURST_RATE=100 KEYDESK_BENCH_BURST_SECONDS=10 \
//	go test ./workflows -run '^$' -bench EscalationBurst -benchtime=1x -timeout 30m
//
// KEYDESK_BENCH_BURST_OPEN adds that many tickets that stay open through the burst (e.g.
// 9000 for 10,000 open tickets), so the burst's tickets compete with them for the worker's
// cache. KEYDESK_BENCH_BURST_LEAD_SECONDS (default: enough for intake at 10 tickets/s, plus
// 30 s) is how long after setup T0 falls; the run fails if creation does not finish before it.
// KEYDESK_BENCH_SERVE=1 runs the worker and the embedded server on `serve`'s settings instead
// of the harness's (see harnessSettings).
func BenchmarkEscalationBurst(b *testing.B) {
	rate := envInt("KEYDESK_BENCH_BURST_RATE", 100)
	secs := envInt("KEYDESK_BENCH_BURST_SECONDS", 10)
	for range b.N {
		lateness := burstRun(b, rate, secs)
		p50, p99, worst := pct(lateness, 50), pct(lateness, 99), lateness[len(lateness)-1]
		b.ReportMetric(float64(p50.Milliseconds()), "p50-ms")
		b.ReportMetric(float64(p99.Milliseconds()), "p99-ms")
		b.ReportMetric(float64(worst.Milliseconds()), "max-ms")
		fmt.Printf("escalation burst, %d deadlines/s for %d s (%d tickets): lateness p50 %v  p99 %v  max %v\n",
			rate, secs, len(lateness), p50.Round(time.Millisecond), p99.Round(time.Millisecond), worst.Round(time.Millisecond))
	}
}

// burstRun sets up the shops, creates the tickets while they are closed, waits for every
// escalation and returns the sorted latenesses (escalation row write minus deadline).
func burstRun(b *testing.B, rate, secs int) []time.Duration {
	ctx := context.Background()
	n := rate * secs
	lead := time.Duration(envInt("KEYDESK_BENCH_BURST_LEAD_SECONDS", (n+envInt("KEYDESK_BENCH_BURST_OPEN", 0))/10+30)) * time.Second
	t0 := time.Now().UTC().Add(lead).Truncate(time.Second)
	if t0.YearDay() != time.Now().UTC().YearDay() || t0.Add(time.Duration(secs+60)*time.Second).YearDay() != t0.YearDay() {
		b.Skip("the burst's opening instant would cross midnight UTC: run it again after 00:00")
	}
	week := make([]string, 7)
	week[t0.Weekday()] = t0.Format("15:04:05") + "-24:00"
	weekJSON, err := json.Marshal(week)
	must(b, err)
	shops := make([]shop, secs)
	for k := range shops {
		shops[k] = newShop(b, time.Duration(k+1)*time.Second, rate)
		must(b, env.store.SaveBusinessCalendar(ctx, models.BusinessCalendar{MerchantID: shops[k].merchant,
			Timezone: "UTC", Week: models.JSON(weekJSON), Holidays: models.JSON(`[]`), EscalationChain: models.JSON(`[]`)}))
	}
	// Tickets that stay open through the burst (a far deadline): the burst's tickets compete
	// with them for the worker's cache, as in a shop with many open tickets.
	bg := envInt("KEYDESK_BENCH_BURST_OPEN", 0)
	var quiet shop
	if bg > 0 {
		quiet = newShop(b, 24*time.Hour, bg)
	}
	b.ResetTimer()
	start := time.Now()
	must(b, createMany(16, bg, func(i int) error { _, err := createQuiet(quiet, i); return err }))
	must(b, createMany(16, n, func(i int) error { _, err := createQuiet(shops[i%secs], i/secs); return err }))
	if !time.Now().Before(t0) {
		b.Fatalf("creating %d tickets took %v, past the opening instant: raise KEYDESK_BENCH_BURST_LEAD_SECONDS", n, time.Since(start))
	}
	fmt.Printf("escalation burst: %d tickets (%d of them for the burst) created in %v (%.1f/s); the shops open at %s\n",
		n+bg, n, time.Since(start).Round(time.Millisecond), float64(n+bg)/time.Since(start).Seconds(), t0.Format(time.TimeOnly))
	if f := os.Getenv("KEYDESK_BENCH_BURST_CPUPROFILE"); f != "" {
		// A profile of the burst alone, without the setup and the creations.
		time.Sleep(time.Until(t0))
		stop := startCPUProfile(b, f)
		defer stop()
	}
	var out []time.Duration
	var all []burstRow
	for _, sh := range shops {
		waitAllEscalated(b, sh.merchant, rate, time.Until(t0)+time.Duration(secs)*time.Second+10*time.Minute)
		var rows []burstRow
		err := env.store.DB(ctx).Model(&models.Ticket{}).Select("id, first_response_due_at, updated_at").
			Where("merchant_id = ? AND escalation_level > 0", sh.merchant).Scan(&rows).Error
		must(b, err)
		for _, r := range rows {
			if r.FirstResponseDueAt.Before(t0) {
				b.Fatalf("a deadline at %v, before the opening instant %v: the calendar did not hold the clock", r.FirstResponseDueAt, t0)
			}
			out = append(out, r.UpdatedAt.Sub(r.FirstResponseDueAt))
		}
		all = append(all, rows...)
	}
	slices.Sort(out)
	printBurstPhases(b, all)
	return out
}

// burstRow is an escalated ticket of the burst: its deadline and the escalation's write time.
type burstRow struct {
	ID                 uint64
	FirstResponseDueAt time.Time
	UpdatedAt          time.Time
}

// printBurstPhases splits each escalation's lateness by the ticket's history: the server
// firing the timer (TimerFired minus the deadline), the workflow task reaching a worker
// (WorkflowTaskStarted minus TimerFired: transfer queue, matching, a free poller), the worker
// writing the escalation (the row's write minus WorkflowTaskStarted: history fetch and replay
// on a cache miss, the local activity's transaction), and the task's completion after it.
func printBurstPhases(b *testing.B, rows []burstRow) {
	var fire, dispatch, work, complete []time.Duration
	for _, r := range rows {
		var fired, started, completed time.Time
		it := env.client.GetWorkflowHistory(context.Background(), workflows.TicketWorkflowID(r.ID), "", false, 0)
		for it.HasNext() && completed.IsZero() {
			e, err := it.Next()
			must(b, err)
			at := e.GetEventTime().AsTime()
			switch {
			case fired.IsZero():
				if e.GetTimerFiredEventAttributes() != nil && !at.Before(r.FirstResponseDueAt.Add(-time.Second)) {
					fired = at
				}
			case started.IsZero():
				if e.GetWorkflowTaskStartedEventAttributes() != nil {
					started = at
				}
			case e.GetWorkflowTaskCompletedEventAttributes() != nil:
				completed = at
			}
		}
		if completed.IsZero() {
			continue // escalated another way (a wake-up in an earlier task); not split
		}
		fire = append(fire, fired.Sub(r.FirstResponseDueAt))
		dispatch = append(dispatch, started.Sub(fired))
		work = append(work, r.UpdatedAt.Sub(started))
		complete = append(complete, completed.Sub(r.UpdatedAt))
	}
	fmt.Printf("escalation burst phases of %d of %d escalations (p50 / p99):\n", len(fire), len(rows))
	for _, ph := range []struct {
		name string
		d    []time.Duration
	}{{"timer fired after the deadline", fire}, {"task started after the timer fired", dispatch},
		{"escalation written after the task started", work}, {"task completed after the write", complete}} {
		slices.Sort(ph.d)
		fmt.Printf("  %-44s %8v / %v\n", ph.name, pct(ph.d, 50).Round(time.Millisecond), pct(ph.d, 99).Round(time.Millisecond))
	}
}

// startCPUProfile writes a CPU profile of this process to file until the returned stop.
func startCPUProfile(b *testing.B, file string) (stop func()) {
	f, err := os.Create(file)
	must(b, err)
	must(b, pprof.StartCPUProfile(f))
	return func() {
		pprof.StopCPUProfile()
		must(b, f.Close())
	}
}

// createMany runs create(i) for i in [0, n) from clients goroutines and returns the first error.
func createMany(clients, n int, create func(i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := create(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

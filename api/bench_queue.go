package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"time"

	"github.com/keydesk/keydesk/internal/auth"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/rbac"
	"github.com/keydesk/keydesk/store"
)

// QueueBenchOptions configure BenchQueue.
type QueueBenchOptions struct {
	// Rows is how many tickets the bench merchants hold (default 1,000,000), spread over
	// Merchants merchants (default 10); rows already there from an earlier run are reused.
	Rows      int
	Merchants int
	// Requests is how many GET /api/v1/queue calls are timed (default 1000).
	Requests int
	// Out receives the report (figures, EXPLAIN); nil discards it.
	Out io.Writer
}

// QueueBenchResult is what BenchQueue measured.
type QueueBenchResult struct {
	Dialect        string
	Rows           int
	Inserted       int
	InsertDuration time.Duration
	Requests       int
	P50, P90, P99  time.Duration
	Max            time.Duration
	Plan           []string
}

// benchQueries are the queue views timed, the way agents use them.
var benchQueries = []string{
	"", "queue=general", "queue=risk&status=open", "queue=refunds&priority=urgent", "assignee=me",
	"assignee=unassigned", "breached=true", "category=key_invalid", "status=new,open&limit=100", "queue=general&priority=high&assignee=unassigned",
}

// BenchQueue fills the store with tickets (multi-row INSERTs) and times GET /api/v1/queue
// through the whole router (JWT check, user lookup, Casbin, query, JSON) in-process, printing
// p50/p90/p99/max and the query plan. It is the body of `keydesk bench queue` and of the
// api package's benchmark test.
func BenchQueue(ctx context.Context, st *store.Store, o QueueBenchOptions) (QueueBenchResult, error) {
	if o.Rows <= 0 {
		o.Rows = 1_000_000
	}
	if o.Merchants <= 0 {
		o.Merchants = 10
	}
	if o.Requests <= 0 {
		o.Requests = 1000
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	res := QueueBenchResult{Dialect: st.Dialect(), Rows: o.Rows, Requests: o.Requests}
	merchants, err := benchMerchants(ctx, st, o.Merchants)
	if err != nil {
		return res, err
	}
	start := time.Now()
	if res.Inserted, err = benchFill(ctx, st, merchants, o.Rows); err != nil {
		return res, err
	}
	res.InsertDuration = time.Since(start)
	fmt.Fprintf(o.Out, "queue bench on %s: %d tickets over %d merchants (%d inserted in %s)\n",
		res.Dialect, o.Rows, len(merchants), res.Inserted, res.InsertDuration.Round(time.Millisecond))
	h, token, err := benchRouter(ctx, st, merchants[0])
	if err != nil {
		return res, err
	}
	lat, per, err := benchRequests(h, token, o.Requests)
	if err != nil {
		return res, err
	}
	for _, q := range benchQueries {
		ls := per[q]
		slices.Sort(ls)
		fmt.Fprintf(o.Out, "  %-50q n=%-4d p50 %-10s max %s\n", q, len(ls), ls[len(ls)/2].Round(time.Microsecond), ls[len(ls)-1].Round(time.Microsecond))
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	res.P50, res.P90, res.P99, res.Max = pct(0.50), pct(0.90), pct(0.99), lat[len(lat)-1]
	fmt.Fprintf(o.Out, "GET /api/v1/queue × %d (%d filter sets, first and second pages): p50 %s  p90 %s  p99 %s  max %s\n",
		o.Requests, len(benchQueries), res.P50.Round(time.Microsecond), res.P90.Round(time.Microsecond), res.P99.Round(time.Microsecond), res.Max.Round(time.Microsecond))
	if res.Plan, err = queuePlan(ctx, st, merchants[0]); err != nil {
		return res, err
	}
	fmt.Fprintln(o.Out, "plans of status runs (each page reads one run per status, merged):")
	for _, l := range res.Plan {
		fmt.Fprintln(o.Out, "  "+l)
	}
	return res, nil
}

func benchMerchants(ctx context.Context, st *store.Store, n int) ([]uint64, error) {
	ids := make([]uint64, 0, n)
	for i := 1; i <= n; i++ {
		slug := fmt.Sprintf("bench-%d", i)
		m, err := st.MerchantBySlug(ctx, slug)
		if errors.Is(err, store.ErrNotFound) {
			m = models.Merchant{Slug: slug, Name: "Bench " + slug, Timezone: "UTC"}
			err = st.DB(ctx).Create(&m).Error
		}
		if err != nil {
			return nil, fmt.Errorf("bench merchant %s: %w", slug, err)
		}
		ids = append(ids, m.ID)
	}
	return ids, nil
}

// benchFill tops the bench merchants up to rows tickets with 1,000-row INSERT statements.
func benchFill(ctx context.Context, st *store.Store, merchants []uint64, rows int) (int, error) {
	var have int64
	if err := st.DB(ctx).Model(&models.Ticket{}).Where("merchant_id IN ?", merchants).Count(&have).Error; err != nil {
		return 0, fmt.Errorf("bench count: %w", err)
	}
	need := rows - int(have)
	if need <= 0 {
		return 0, nil
	}
	r := rand.New(rand.NewPCG(uint64(have), 42))
	now := time.Now().UTC().Truncate(time.Second)
	const batch = 1000
	for done := 0; done < need; {
		n := min(batch, need-done)
		err := st.InTx(ctx, func(ctx context.Context) error {
			sql, args := benchInsert(r, merchants, int(have)+done, n, now)
			return st.DB(ctx).Exec(sql, args...).Error
		})
		if err != nil {
			return done, fmt.Errorf("bench insert at row %d: %w", done, err)
		}
		done += n
	}
	return need, nil
}

var (
	benchStatuses   = []string{models.StatusClosed, models.StatusClosed, models.StatusClosed, models.StatusResolved, models.StatusResolved, models.StatusNew, models.StatusOpen, models.StatusOpen, models.StatusPendingCustomer, models.StatusPendingInternal}
	benchQueues     = []string{models.QueueGeneral, models.QueueGeneral, models.QueueGeneral, models.QueueRisk, models.QueueRefunds, models.QueueDisputes, models.QueueSupervisor}
	benchPriorities = []string{models.PriorityLow, models.PriorityNormal, models.PriorityNormal, models.PriorityHigh, models.PriorityUrgent}
	benchCategories = []string{"key_invalid", "key_missing", "refund", "dispute", "account", "other"}
)

func benchInsert(r *rand.Rand, merchants []uint64, offset, n int, now time.Time) (string, []any) {
	var b strings.Builder
	b.WriteString("INSERT INTO tickets (merchant_id, ref, category, subject, status, priority, queue, assignee_id, sla_due_at, first_response_breached_at, resolved_at, created_at, updated_at) VALUES ")
	args := make([]any, 0, n*13)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?,?)")
		status := benchStatuses[r.IntN(len(benchStatuses))]
		created := now.Add(-time.Duration(r.IntN(90*24*3600)) * time.Second)
		var assignee, due, breached, resolved any
		if r.IntN(2) == 0 {
			assignee = uint64(1 + r.IntN(20))
		}
		if status != models.StatusClosed && status != models.StatusResolved && status != models.StatusPendingCustomer {
			due = now.Add(time.Duration(r.IntN(60*24*3600)-30*24*3600) * time.Second)
		} else {
			resolved = created.Add(time.Duration(r.IntN(72*3600)) * time.Second)
		}
		if r.IntN(10) == 0 {
			breached = created.Add(time.Hour)
		}
		args = append(args, merchants[r.IntN(len(merchants))], fmt.Sprintf("KB-%09d", offset+i), benchCategories[r.IntN(len(benchCategories))],
			"bench ticket", status, benchPriorities[r.IntN(len(benchPriorities))], benchQueues[r.IntN(len(benchQueues))],
			assignee, due, breached, resolved, created, created)
	}
	return b.String(), args
}

// benchRouter builds the real router with an agent of the first bench merchant.
func benchRouter(ctx context.Context, st *store.Store, merchant uint64) (http.Handler, string, error) {
	en, err := rbac.New(ctx, st)
	if err != nil {
		return nil, "", err
	}
	secret := []byte("bench-secret-bench-secret-bench!")
	a := auth.New(auth.Opts{Store: st, Secret: secret, BcryptCost: 4})
	email := fmt.Sprintf("bench-agent-%d@bench.test", merchant)
	u, err := st.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		u = models.User{MerchantID: &merchant, Email: email, Name: "Bench Agent", Active: true}
		err = st.CreateUser(ctx, &u)
	}
	if err != nil {
		return nil, "", err
	}
	if err := en.Grant(ctx, u.ID, rbac.RoleAgent, merchant); err != nil {
		return nil, "", err
	}
	tok, _, err := a.IssueAccess(u)
	if err != nil {
		return nil, "", err
	}
	r, err := NewRouter(Deps{Store: st, RBAC: en, Auth: a, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	return r, tok, err
}

// benchRequests times n queue requests cycling through benchQueries; every other request
// follows the previous answer's next_cursor (a second page).
func benchRequests(h http.Handler, token string, n int) ([]time.Duration, map[string][]time.Duration, error) {
	lat := make([]time.Duration, 0, n)
	per := map[string][]time.Duration{}
	cursor := ""
	for i := 0; i < n; i++ {
		q := benchQueries[(i/2)%len(benchQueries)]
		if i%2 == 1 && cursor != "" {
			q += "&cursor=" + cursor
		}
		req := httptest.NewRequest(http.MethodGet, V1+"/queue?"+q, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(w, req)
		d := time.Since(t0)
		lat = append(lat, d)
		base := benchQueries[(i/2)%len(benchQueries)]
		per[base] = append(per[base], d)
		if w.Code != http.StatusOK {
			return nil, nil, fmt.Errorf("bench: GET queue?%s: %d %s", q, w.Code, w.Body.String())
		}
		cursor = ""
		if i := strings.Index(w.Body.String(), `"next_cursor":"`); i >= 0 {
			rest := w.Body.String()[i+len(`"next_cursor":"`):]
			cursor = rest[:strings.IndexByte(rest, '"')]
		}
	}
	return lat, per, nil
}

// planQueries are representative status runs of the queue, explained after the bench.
var planQueries = []string{
	"merchant_id = ? AND queue = 'general' AND status = 'open' AND sla_due_at IS NOT NULL ORDER BY sla_due_at, id LIMIT 51",
	"merchant_id = ? AND status = 'new' AND sla_due_at IS NOT NULL ORDER BY sla_due_at, id LIMIT 51",
	"merchant_id = ? AND status = 'open' AND assignee_id = 1 AND sla_due_at IS NOT NULL ORDER BY sla_due_at, id LIMIT 51",
	"merchant_id = ? AND status = 'pending_customer' AND assignee_id = 1 AND sla_due_at IS NULL ORDER BY id LIMIT 51",
	"merchant_id = ? AND status = 'pending_customer' AND sla_due_at IS NULL ORDER BY id LIMIT 51",
	"merchant_id = ? AND status = 'open' AND category = 'refund' AND sla_due_at >= '2026-01-01' AND (sla_due_at > '2026-01-01' OR id > 5) ORDER BY sla_due_at, id LIMIT 51",
}

// queuePlan returns the database's plan for representative status runs of the queue.
func queuePlan(ctx context.Context, st *store.Store, merchant uint64) ([]string, error) {
	var out []string
	for _, where := range planQueries {
		lines, err := explain(ctx, st, "SELECT id, sla_due_at FROM tickets WHERE "+where, merchant)
		if err != nil {
			return nil, err
		}
		out = append(out, "WHERE "+where)
		for _, l := range lines {
			out = append(out, "  → "+l)
		}
	}
	return out, nil
}

func explain(ctx context.Context, st *store.Store, q string, args ...any) ([]string, error) {
	prefix := "EXPLAIN QUERY PLAN "
	if st.Dialect() == "mysql" {
		prefix = "EXPLAIN "
	}
	rows, err := st.DB(ctx).Raw(prefix+q, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		parts := make([]string, 0, len(cols))
		for i, c := range cols {
			if c == "possible_keys" || c == "id" || c == "parent" || c == "notused" || c == "select_type" {
				continue
			}
			v := vals[i]
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			if v != nil && fmt.Sprint(v) != "" {
				parts = append(parts, fmt.Sprintf("%s=%v", c, v))
			}
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out, rows.Err()
}

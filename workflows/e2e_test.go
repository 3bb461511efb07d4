package workflows_test

// End-to-end tests on the embedded Temporal server (in memory, one per test package, shared
// through TestMain), a real SQLite store and a real worker running the ticket workflow with
// its real activities, driven through the tickets service as the API drives it.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/config"
	"github.com/keydesk/keydesk/internal/app"
	"github.com/keydesk/keydesk/internal/embedtemporal"
	"github.com/keydesk/keydesk/internal/secretbox"
	"github.com/keydesk/keydesk/internal/temporalx"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
	"github.com/keydesk/keydesk/tickets"
	"github.com/keydesk/keydesk/workflows"
)

// stack is the shared embedded environment.
type stack struct {
	srv    *embedtemporal.Server
	client client.Client
	store  *store.Store
	box    *secretbox.Box
	svc    *tickets.Service
	dbFile string

	mu            sync.Mutex
	worker        worker.Worker
	workerOptions worker.Options
	queue         string
}

var env *stack

func TestMain(m *testing.M) {
	code, err := runMain(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e setup:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func runMain(m *testing.M) (int, error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir, err := os.MkdirTemp("", "keydesk-e2e-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	settings, err := harnessSettings()
	if err != nil {
		return 0, err
	}
	// Process-wide and fixed by the first worker, which the embedded server starts: set it
	// before the server.
	worker.SetStickyWorkflowCacheSize(settings.workflowCache)
	// A file rather than memory: the in-memory mode fails to create its schema
	// ("table namespaces already exists") at the time of writing.
	srv, err := embedtemporal.Start(embedtemporal.Options{DatabaseFile: filepath.Join(dir, "temporal.db"), Namespace: "default", Logger: quiet, HistoryCache: settings.serverCache})
	if err != nil {
		return 0, err
	}
	defer srv.Stop()
	box, err := secretbox.New([]byte(strings.Repeat("k", 32)))
	if err != nil {
		return 0, err
	}
	ctx := context.Background()
	c, err := temporalx.Dial(ctx, temporalx.DialOptions{HostPort: srv.HostPort(), Namespace: "default", Box: box, Logger: quiet})
	if err != nil {
		return 0, err
	}
	defer c.Close()
	dbFile := filepath.Join(dir, "keydesk.db")
	st, err := store.Open(ctx, store.Options{URL: "sqlite:" + dbFile, Logger: quiet})
	if err != nil {
		return 0, err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return 0, err
	}
	env = &stack{srv: srv, client: c, store: st, box: box, dbFile: dbFile, queue: "keydesk-e2e", workerOptions: settings.worker}
	env.svc = tickets.New(tickets.Opts{Store: st, Temporal: c, TaskQueue: env.queue, Box: box, PublicURL: "http://desk.test", Log: quiet})
	if err := env.startWorker(); err != nil {
		return 0, err
	}
	defer env.stopWorker()
	return m.Run(), nil
}

func (s *stack) startWorker() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := worker.New(s.client, s.queue, s.workerOptions)
	workflows.Register(w, &activities.Activities{Store: s.store, Box: s.box, PublicURL: "http://desk.test"})
	(&tickets.Maintenance{Svc: s.svc}).Register(w)
	if err := w.Start(); err != nil {
		return err
	}
	s.worker = w
	return nil
}

func (s *stack) stopWorker() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.worker != nil {
		s.worker.Stop()
		s.worker = nil
	}
}

// shop is one merchant with an order to open tickets about.
type shop struct {
	merchant uint64
	orders   []models.Order
}

var shopSeq int

// newShop seeds a merchant whose every priority has the given first-response target
// (warnings off, long resolution) and n orders.
func newShop(t testing.TB, firstResponse time.Duration, n int) shop {
	t.Helper()
	ctx := context.Background()
	shopSeq++
	slug := fmt.Sprintf("shop%d", shopSeq)
	m := models.Merchant{Slug: slug, Name: slug, Timezone: "UTC"}
	must(t, env.store.DB(ctx).Create(&m).Error)
	p := models.Product{MerchantID: m.ID, SKU: "sku", Name: "Gift card", Price: 1000, Currency: "USD"}
	must(t, env.store.DB(ctx).Create(&p).Error)
	var ps []models.SLAPolicy
	for _, prio := range []string{models.PriorityLow, models.PriorityNormal, models.PriorityHigh, models.PriorityUrgent} {
		ps = append(ps, models.SLAPolicy{Priority: prio, FirstResponseSecs: int64(firstResponse / time.Second),
			NextResponseSecs: 3600, ResolutionSecs: 7 * 24 * 3600, WarnFraction: 1})
	}
	must(t, env.store.SaveSLAPolicies(ctx, m.ID, ps))
	sh := shop{merchant: m.ID}
	for i := range n {
		o := models.Order{MerchantID: m.ID, OrderNo: fmt.Sprintf("%s-%d", slug, i), ProductID: p.ID, Quantity: 1,
			Amount: 1000, Currency: "USD", BuyerEmail: fmt.Sprintf("buyer%d@example.com", i), PaidAt: time.Now().UTC(), Status: models.OrderDelivered}
		sh.orders = append(sh.orders, o)
	}
	if n > 0 {
		must(t, env.store.DB(ctx).CreateInBatches(&sh.orders, 500).Error)
	}
	return sh
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (sh shop) create(t testing.TB, i int, key string) tickets.Created {
	t.Helper()
	in := createInput(sh, i)
	in.IdempotencyKey = key
	c, err := env.svc.Create(context.Background(), in)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return c
}

// createInput is a submission about order i (category account: no automatic path).
func createInput(sh shop, i int) tickets.CreateInput {
	return tickets.CreateInput{
		MerchantID: sh.merchant, OrderNo: sh.orders[i].OrderNo, Email: sh.orders[i].BuyerEmail,
		Category: "account", Subject: "Cannot log in", Description: "I cannot log in to my account.",
	}
}

// waitEscalated polls the read model until the ticket is escalated and returns when the
// escalation was seen and the deadline it answered.
func waitEscalated(t testing.TB, merchantID, ticketID uint64, within time.Duration) (seen, due time.Time) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		tk, err := env.store.TicketByID(context.Background(), merchantID, ticketID)
		must(t, err)
		if tk.EscalationLevel > 0 {
			if tk.FirstResponseDueAt == nil {
				t.Fatalf("escalated ticket without a due time: %+v", tk)
			}
			return time.Now(), *tk.FirstResponseDueAt
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("ticket %d not escalated within %v", ticketID, within)
	return
}

// maxLateness is the requirement: an escalation lands within 1 s of its deadline.
const maxLateness = time.Second

func TestE2EEscalationLandsOnTime(t *testing.T) {
	sh := newShop(t, 3*time.Second, 1)
	c := sh.create(t, 0, "")
	seen, due := waitEscalated(t, sh.merchant, c.Ticket.ID, 15*time.Second)
	late := seen.Sub(due)
	t.Logf("escalation landed %v after the deadline", late)
	if late < 0 || late > maxLateness {
		t.Fatalf("escalation %v after the deadline (want 0..%v)", late, maxLateness)
	}
	ns, err := env.store.TicketNotifications(context.Background(), sh.merchant, c.Ticket.ID)
	must(t, err)
	evs, err := env.store.TicketEvents(context.Background(), sh.merchant, c.Ticket.ID)
	must(t, err)
	if len(ns) != 2 || !hasEvent(evs, "sla_breach") || !hasEvent(evs, "escalated") {
		t.Fatalf("notifications %d, events %v", len(ns), kinds(evs))
	}
}

func TestE2EEscalationOnTimeAcrossWorkerRestart(t *testing.T) {
	sh := newShop(t, 4*time.Second, 1)
	c := sh.create(t, 0, "")
	time.Sleep(time.Second)
	env.stopWorker()
	time.Sleep(1500 * time.Millisecond) // the worker is down for part of the SLA
	must(t, env.startWorker())
	seen, due := waitEscalated(t, sh.merchant, c.Ticket.ID, 20*time.Second)
	late := seen.Sub(due)
	t.Logf("escalation after a worker restart landed %v after the deadline", late)
	if late < 0 || late > maxLateness {
		t.Fatalf("escalation %v after the deadline (want 0..%v)", late, maxLateness)
	}
}

func hasEvent(evs []models.TicketEvent, kind string) bool {
	for _, e := range evs {
		if e.Kind == kind {
			return true
		}
	}
	return false
}

func kinds(evs []models.TicketEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Kind
	}
	return out
}

func agentAct(id string) workflows.ActionInput {
	return workflows.ActionInput{RequestID: id, Actor: workflows.Actor{Kind: workflows.ActorAgent, UserID: 1, Name: "Ann", Role: "agent"}}
}

func TestE2ETicketLifeThroughService(t *testing.T) {
	ctx := context.Background()
	sh := newShop(t, time.Hour, 2)
	first := sh.create(t, 0, "idem-life")
	again := sh.create(t, 0, "idem-life")
	// A replay answers the same ticket without a token and never touches the buyer's link
	// (issue 14: a replayed key must not hand a working link to whoever replays it).
	if !again.Replayed || again.Ticket.ID != first.Ticket.ID || again.AccessToken != "" {
		t.Fatalf("replay: %+v", again)
	}
	if _, err := env.svc.VerifyAccess(ctx, first.Ticket.Ref, first.AccessToken); err != nil {
		t.Fatalf("the buyer's link stopped working after a replay: %v", err)
	}
	if !strings.Contains(first.StatusURL, first.Ticket.Ref) {
		t.Errorf("status url %s", first.StatusURL)
	}
	id := first.Ticket.ID
	st, err := env.svc.Act(ctx, sh.merchant, id, workflows.UpdateReply, workflows.ReplyInput{ActionInput: agentAct("r1"), Body: "Try resetting your password."})
	if err != nil || st.Clocks.FirstResponse.MetAt.IsZero() {
		t.Fatalf("reply: %v %+v", err, st.Clocks.FirstResponse)
	}
	_, err = env.svc.Act(ctx, sh.merchant, id, workflows.UpdateRate, workflows.RateInput{ActionInput: agentAct("r2"), Score: 5})
	if !errors.Is(err, tickets.ErrRejected) || err.Error() != "only a resolved ticket can be rated" {
		t.Fatalf("rate open ticket: %v", err)
	}
	if _, err := env.svc.Act(ctx, sh.merchant+999, id, workflows.UpdateResolve, workflows.ReplyInput{ActionInput: agentAct("x")}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("other merchant acted: %v", err)
	}
	mustAct(t, sh.merchant, id, workflows.UpdateResolve, workflows.ReplyInput{ActionInput: agentAct("r3")})
	mustAct(t, sh.merchant, id, workflows.UpdateSetStatus, workflows.StatusInput{ActionInput: agentAct("r4"), Status: models.StatusClosed})
	waitRunClosed(t, id)
	if _, err := env.svc.Act(ctx, sh.merchant, id, workflows.UpdateReply, workflows.ReplyInput{ActionInput: agentAct("r5"), Body: "x"}); !errors.Is(err, tickets.ErrRejected) {
		t.Fatalf("reply on closed ticket: %v", err)
	}
	buyer := workflows.ActionInput{RequestID: "b1", Actor: workflows.Actor{Kind: workflows.ActorCustomer}}
	st = mustAct(t, sh.merchant, id, workflows.UpdateCustomerReply, workflows.ReplyInput{ActionInput: buyer, Body: "It still fails."})
	if st.Status != models.StatusOpen || st.Seq < 5 {
		t.Fatalf("reopened by buyer: %s seq %d", st.Status, st.Seq)
	}
	live, err := env.svc.State(ctx, sh.merchant, id)
	if err != nil || live.Status != models.StatusOpen || len(live.SLA) != 3 {
		t.Fatalf("state: %v %+v", err, live)
	}
	tk, _ := env.store.TicketByID(ctx, sh.merchant, id)
	msgs, _ := env.store.TicketMessages(ctx, sh.merchant, id, true)
	if tk.Status != models.StatusOpen || tk.StateVersion != live.Version || len(msgs) != 3 {
		t.Fatalf("read model: %s v%d (live v%d), %d messages", tk.Status, tk.StateVersion, live.Version, len(msgs))
	}

	// Without a delivery channel (no webhook endpoint) a resend queues nothing and never
	// touches the buyer's link (issue 14); the api tests cover the resend with a channel.
	must(t, env.svc.ResendLink(ctx, sh.merchant, sh.orders[0].OrderNo, "nobody@example.com"))
	must(t, env.svc.ResendLink(ctx, sh.merchant, sh.orders[0].OrderNo, sh.orders[0].BuyerEmail))
	out, err := env.store.OutboundMessages(ctx, sh.merchant, sh.orders[0].BuyerEmail)
	if err != nil || len(out) != 0 {
		t.Fatalf("outbox without a channel: %v %+v", err, out)
	}
	if _, err := env.svc.VerifyAccess(ctx, first.Ticket.Ref, first.AccessToken); err != nil {
		t.Fatalf("the buyer's link stopped working after a resend: %v", err)
	}
}

func mustAct(t *testing.T, merchantID, ticketID uint64, update string, in any) workflows.State {
	t.Helper()
	st, err := env.svc.Act(context.Background(), merchantID, ticketID, update, in)
	if err != nil {
		t.Fatalf("%s: %v", update, err)
	}
	return st
}

func waitRunClosed(t *testing.T, ticketID uint64) {
	t.Helper()
	for range 200 {
		d, err := env.client.DescribeWorkflowExecution(context.Background(), workflows.TicketWorkflowID(ticketID), "")
		if err == nil && d.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("workflow did not complete after close")
}

func TestE2EReconcileStartsMissingWorkflows(t *testing.T) {
	ctx := context.Background()
	sh := newShop(t, time.Hour, 1)
	oid := sh.orders[0].ID
	tk := models.Ticket{MerchantID: sh.merchant, Ref: "KD-RECON001", OrderID: &oid, Category: "other", Status: models.StatusNew,
		Priority: models.PriorityNormal, Queue: models.QueueGeneral, CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
	must(t, env.store.CreateTicket(ctx, &tk, nil)) // as if the process died before starting the workflow
	must(t, env.svc.Reconcile(ctx))
	must(t, env.svc.Reconcile(ctx)) // idempotent
	for range 200 {
		got, _ := env.store.TicketByID(ctx, sh.merchant, tk.ID)
		if got.Status == models.StatusOpen && got.StateVersion > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("reconciled ticket never opened")
}

// A message queued by a process that died before starting its delivery workflow gets one at
// the next start-up; a message whose workflow exists is not started again.
func TestE2EReconcileStartsMissingOutboundDeliveries(t *testing.T) {
	ctx := context.Background()
	sh := newShop(t, time.Hour, 1)
	msg := models.OutboundMessage{MerchantID: sh.merchant, Channel: "email", To: "buyer@example.com", Subject: "Your link",
		Body: store.SealOutboundBody(env.box, sh.merchant, "http://desk.test/t/KD-X#token=secret"), CreatedAt: time.Now().UTC()}
	must(t, env.store.AddOutboundMessage(ctx, &msg))
	id := workflows.OutboundWorkflowID(msg.ID)
	if _, err := env.client.DescribeWorkflowExecution(ctx, id, ""); err == nil {
		t.Fatal("delivery workflow exists before reconciliation")
	}
	must(t, env.svc.Reconcile(ctx))
	d, err := env.client.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		t.Fatalf("reconcile did not start %s: %v", id, err)
	}
	firstRun := d.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	must(t, env.svc.Reconcile(ctx))
	d, err = env.client.DescribeWorkflowExecution(ctx, id, "")
	if err != nil || d.GetWorkflowExecutionInfo().GetExecution().GetRunId() != firstRun {
		t.Fatalf("second reconcile started another run: %v", err)
	}
}

// settings are the worker's and the embedded server's sizes for this test process.
type settings struct {
	workflowCache, serverCache int
	worker                     worker.Options
}

// harnessSettings are the test defaults: every open ticket a cached workflow (the
// SDK's default cache of 10,000, KEYDESK_BENCH_CACHE) so a benchmark's tickets are not
// replayed from history on each timer, KEYDESK_BENCH_WFT_POLLERS workflow pollers (2), and
// Temporal's own server cache. With KEYDESK_BENCH_SERVE=1 they are `serve`'s instead, read
// from the same environment as `serve` reads (KEYDESK_WORKFLOW_CACHE, KEYDESK_TEMPORAL_CACHE,
// the pollers and limits, KEYDESK_MEMORY_LIMIT as the Go runtime's soft limit, and its
// GOGC), so a benchmark measures what a single `serve` does.
func harnessSettings() (settings, error) {
	if os.Getenv("KEYDESK_BENCH_SERVE") != "1" {
		return settings{
			workflowCache: envInt("KEYDESK_BENCH_CACHE", 10000),
			worker:        worker.Options{MaxConcurrentWorkflowTaskPollers: envInt("KEYDESK_BENCH_WFT_POLLERS", 2)},
		}, nil
	}
	cfg, err := config.Load()
	if err != nil {
		return settings{}, fmt.Errorf("serve settings: %w", err)
	}
	if err := cfg.ApplyMemoryLimit(); err != nil {
		return settings{}, err
	}
	config.ApplyGCPercent()
	w := app.WorkerOptions(cfg)
	fmt.Fprintf(os.Stderr, "harness on serve's settings: workflow cache %d, server cache %d, memory limit %s, GOGC %d, "+
		"pollers %d/%d, workflow tasks %d, activities %d\n", cfg.WorkflowCache, cfg.TemporalCache, cfg.MemoryLimit, gcPercent(),
		w.MaxConcurrentWorkflowTaskPollers, w.MaxConcurrentActivityTaskPollers, w.MaxConcurrentWorkflowTaskExecutionSize,
		w.MaxConcurrentActivityExecutionSize)
	return settings{workflowCache: cfg.WorkflowCache, serverCache: cfg.TemporalCache, worker: w}, nil
}

// gcPercent is the collector's GOGC in force.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

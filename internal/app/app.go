// Package app assembles keydesk's processes from their parts: the store, Temporal (embedded
// or a cluster), the worker, the HTTP API with the pages. cmd/keydesk chooses which parts a
// role runs; tests start the same assembly in-process.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	namespacepb "go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"golang.org/x/time/rate"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/api"
	"github.com/keydesk/keydesk/config"
	"github.com/keydesk/keydesk/internal/auth"
	"github.com/keydesk/keydesk/internal/embedtemporal"
	"github.com/keydesk/keydesk/internal/temporalx"
	"github.com/keydesk/keydesk/payments"
	"github.com/keydesk/keydesk/rbac"
	"github.com/keydesk/keydesk/store"
	"github.com/keydesk/keydesk/tickets"
	"github.com/keydesk/keydesk/triage"
	"github.com/keydesk/keydesk/triage/llm"
	"github.com/keydesk/keydesk/web"
	"github.com/keydesk/keydesk/workflows"
)

// Roles selects what a process runs.
type Roles struct {
	// API serves HTTP (API + pages).
	API bool
	// Worker runs workflows and activities.
	Worker bool
	// Migrate applies pending migrations at start (serve does; production runs `migrate up`).
	Migrate bool
	// GenerateSecrets keeps generated secrets in the data dir when none are configured.
	GenerateSecrets bool
	// Prepare, when set, runs once the store, Temporal and the worker are up and before HTTP
	// accepts a request, so a 200 from /readyz also means it has finished (serve seeds the
	// demo here).
	Prepare func(context.Context, *App) error
}

// App is a running assembly.
type App struct {
	Config   config.Config
	Log      *slog.Logger
	Store    *store.Store
	Temporal client.Client
	Secrets  config.Secrets
	RBAC     *rbac.Enforcer
	Tickets  *tickets.Service
	// InstallID names this install (database row, Temporal marker, ticket workflow ids).
	InstallID string
	// Payments resolves refund gateways (manual, webhook, and the simulator when enabled).
	Payments *payments.Registry
	// Addr is the HTTP listener's address once started (useful with port 0).
	Addr string

	embedded *embedtemporal.Server
	worker   worker.Worker
	http     *http.Server
	listener net.Listener
	closers  []func()

	housekeepCtx  context.Context // ends at Stop; see backgroundEvery
	housekeepStop func()
	housekeepDone sync.WaitGroup
}

// rbacReload is how often each process reloads Casbin policies from the database.
const rbacReload = 5 * time.Second

// Start opens everything the roles need and starts serving. Stop undoes it.
func Start(ctx context.Context, cfg config.Config, roles Roles, log *slog.Logger) (_ *App, err error) {
	cfg.Finish()
	a := &App{Config: cfg, Log: log}
	// Before anything starts an SDK worker: the embedded Temporal server runs its own system
	// workers in this process, and the first worker fixes the process-wide cache's size.
	setWorkflowCache(cfg.WorkflowCache, log)
	defer func() {
		if err != nil {
			a.Stop(context.Background())
		}
	}()
	if a.Secrets, err = cfg.LoadSecrets(roles.GenerateSecrets, log); err != nil {
		return nil, err
	}
	if err = a.openStore(ctx, roles.Migrate); err != nil {
		return nil, err
	}
	if err = a.openTemporal(ctx); err != nil {
		return nil, err
	}
	if roles.API {
		// Listen before anything builds links: with port 0 the public URL needs the real port.
		if err = a.listen(); err != nil {
			return nil, err
		}
	}
	a.Payments = activities.NewPaymentsRegistry(a.Store, a.Secrets.Box, a.simulator())
	if a.RBAC, err = rbac.New(ctx, a.Store); err != nil {
		return nil, fmt.Errorf("rbac: %w", err)
	}
	// Grants changed through another API process reach this one within the interval.
	a.RBAC.StartAutoLoad(rbacReload)
	a.closers = append(a.closers, a.RBAC.StopAutoLoad)
	if a.InstallID, err = a.Store.InstallID(ctx); err != nil {
		return nil, err
	}
	a.Tickets = tickets.New(tickets.Opts{
		Store: a.Store, Temporal: a.Temporal, TaskQueue: cfg.TaskQueue,
		Box: a.Secrets.Box, PublicURL: cfg.PublicURL, Log: log,
		InstallID: a.InstallID, UpdateWait: cfg.UpdateWait, Classify: classifier(log),
	})
	if roles.API || roles.Worker {
		// Refuse to run against a Temporal namespace that holds another database's tickets.
		if err = a.Tickets.BindInstall(ctx, a.InstallID); err != nil {
			return nil, err
		}
	}
	if roles.Worker {
		if err = a.startWorker(ctx); err != nil {
			return nil, err
		}
	}
	if roles.Prepare != nil {
		if err = roles.Prepare(ctx, a); err != nil {
			return nil, err
		}
	}
	if roles.API {
		if err = a.startHTTP(); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func (a *App) openStore(ctx context.Context, migrate bool) error {
	s, err := store.Open(ctx, store.Options{URL: a.Config.Database, Logger: a.Log})
	if err != nil {
		return err
	}
	a.Store = s
	a.closers = append(a.closers, func() { _ = s.Close() })
	if migrate {
		n, err := s.Migrate(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			a.Log.Info("database migrated", "applied", n, "dialect", s.Dialect())
		}
		// A SQLite file from before incremental auto-vacuum is converted once (a full
		// VACUUM, before anything else uses it), so housekeeping can give space back.
		start := time.Now()
		converted, err := s.EnsureIncrementalVacuum(ctx)
		if err != nil {
			return err
		}
		if converted {
			a.Log.Info("database switched to incremental auto-vacuum", "took", time.Since(start).Round(time.Millisecond))
		}
	}
	return nil
}

func (a *App) openTemporal(ctx context.Context) error {
	hostPort := a.Config.Temporal
	if a.Config.Embedded() {
		start := time.Now()
		srv, err := embedtemporal.Start(embedtemporal.Options{
			DatabaseFile:    filepath.Join(a.Config.DataDir, "temporal.db"),
			FrontendPort:    a.Config.TemporalPort,
			Namespace:       a.Config.Namespace,
			Retention:       a.Config.Retention,
			RetentionJitter: a.Config.RetentionJitter,
			HistoryCache:    a.Config.TemporalCache,
			Logger:          a.Log,
			LogLevel:        parseLevel(a.Config.TemporalLogLevel, slog.LevelWarn),
		})
		if err != nil {
			return err
		}
		a.embedded = srv
		hostPort = srv.HostPort()
		a.Log.Info("embedded Temporal server started", "address", hostPort, "took", time.Since(start).Round(time.Millisecond))
	}
	format, err := temporalx.ParseFormat(a.Config.PayloadFormatName())
	if err != nil {
		return err
	}
	c, err := temporalx.Dial(ctx, temporalx.DialOptions{
		HostPort: hostPort, Namespace: a.Config.Namespace, Box: a.Secrets.Box, Logger: a.Log,
		PayloadFormat: format,
	})
	if err != nil {
		return err
	}
	a.Temporal = c
	if a.embedded != nil && a.Config.Retention > 0 {
		// The namespace of a kept data directory has the retention it was created with.
		if err := a.applyRetention(ctx, a.Config.Retention); err != nil {
			return err
		}
	}
	return nil
}

// applyRetention sets the namespace's retention of closed workflows when it differs (the
// embedded server only: a cluster's namespaces are its operators').
func (a *App) applyRetention(ctx context.Context, d time.Duration) error {
	svc := a.Temporal.WorkflowService()
	ns, err := svc.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: a.Config.Namespace})
	if err != nil {
		return fmt.Errorf("describe namespace %s: %w", a.Config.Namespace, err)
	}
	if ns.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration() == d {
		return nil
	}
	_, err = svc.UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{
		Namespace: a.Config.Namespace,
		Config:    &namespacepb.NamespaceConfig{WorkflowExecutionRetentionTtl: durationpb.New(d)},
	})
	if err != nil {
		return fmt.Errorf("set retention of namespace %s to %v (KEYDESK_RETENTION; at least 1h): %w", a.Config.Namespace, d, err)
	}
	a.Log.Info("closed tickets' workflow histories now kept", "retention", d)
	return nil
}

// WorkerOptions are the worker's options from the configuration. Zero values keep
// keydesk's defaults (8 pollers of each kind) or the SDK's (concurrency limits).
func WorkerOptions(cfg config.Config) worker.Options {
	orDefault := func(v, def int) int {
		if v > 0 {
			return v
		}
		return def
	}
	return worker.Options{
		// Ticket workflows are short bursts of work woken by timers and updates; more pollers
		// keep a burst of escalations from queueing behind one another (issue 3's benchmark).
		MaxConcurrentWorkflowTaskPollers: orDefault(cfg.WorkflowPollers, 8),
		MaxConcurrentActivityTaskPollers: orDefault(cfg.ActivityPollers, 8),
		// Bounded so a burst cannot hold thousands of goroutines and their buffers at once;
		// the database and the one-shard server are the limit long before these are.
		MaxConcurrentWorkflowTaskExecutionSize:  max(cfg.MaxWorkflowTasks, 0),
		MaxConcurrentActivityExecutionSize:      max(cfg.MaxActivities, 0),
		MaxConcurrentLocalActivityExecutionSize: max(cfg.MaxActivities, 0),
	}
}

var cacheOnce sync.Once

// setWorkflowCache sizes the process-wide cache of workflow executions, once, before the
// first worker of the process starts: the SDK creates the cache with the first worker and
// ignores later sizes, and in `serve` that first worker is one of the embedded Temporal
// server's own system workers (a call in startWorker came too late: measured 18,000
// goroutines at 5,000 open tickets with a cache of 1,000). Each cached ticket holds its
// workflow state and about three goroutines; one evicted from it is replayed from its
// history on its next event.
func setWorkflowCache(n int, log *slog.Logger) {
	if n <= 0 {
		return
	}
	cacheOnce.Do(func() {
		worker.SetStickyWorkflowCacheSize(n)
		log.Debug("workflow cache sized", "workflows", n)
	})
}

func (a *App) startWorker(ctx context.Context) error {
	w := worker.New(a.Temporal, a.Config.TaskQueue, WorkerOptions(a.Config))
	workflows.Register(w, &activities.Activities{
		Store: a.Store, Box: a.Secrets.Box, Log: a.Log, PublicURL: a.Config.PublicURL, Payments: a.Payments,
		OutboundQueued: a.Tickets.StartOutbound,
	})
	(&tickets.Maintenance{Svc: a.Tickets}).Register(w)
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	a.worker = w
	// Heal tickets without a running workflow (a crash between the insert and the start, a
	// run that failed) now and every ReconcileEvery: one reconciler per install, reused when
	// another worker started it already.
	if err := a.Tickets.StartReconciler(ctx, a.InstallID, workflows.ReconcileInput{Every: a.Config.ReconcileEvery}); err != nil {
		return err
	}
	a.startHousekeeping()
	a.startSearchMover()
	return nil
}

// vacuumPages bounds the pages one housekeeping pass gives back per SQLite file (80 MB at
// 4 KiB pages); what is left is given back by the next pass.
const vacuumPages = 20_000

// HousekeepingReport is what one housekeeping pass did.
type HousekeepingReport struct {
	// DeliveriesPurged counts finished outbound webhook deliveries past their retention.
	DeliveriesPurged int64
	// ManualChecksPurged counts manual checks handled longer than DeliveryRetention ago.
	ManualChecksPurged int64
	// AttachmentsPurged counts attachments whose bytes were emptied after AttachmentRetention.
	AttachmentsPurged int64
	// StoreFreePages and TemporalFreePages are the free pages of keydesk's and the embedded
	// server's SQLite files before and after the pass (0 on MySQL / a cluster).
	StoreFreePages, TemporalFreePages [2]int64
}

// Housekeep runs one housekeeping pass: finished webhook deliveries and handled manual checks
// older than DeliveryRetention are deleted, attachments of tickets closed for longer than
// AttachmentRetention lose their bytes, and both SQLite files give their free pages back
// (bounded incremental vacuum; the embedded server frees pages as it deletes histories past
// KEYDESK_RETENTION). Every step runs even when an earlier one failed; the first error is
// returned.
func (a *App) Housekeep(ctx context.Context) (HousekeepingReport, error) {
	var r HousekeepingReport
	var errs []error
	if d := a.Config.DeliveryRetention; d > 0 {
		n, err := a.Store.PurgeWebhookDeliveries(ctx, time.Now().Add(-d), 1000)
		r.DeliveriesPurged = n
		errs = append(errs, err)
		n, err = a.Store.PurgeManualChecks(ctx, time.Now().Add(-d), 1000)
		r.ManualChecksPurged = n
		errs = append(errs, err)
	}
	if d := a.Config.AttachmentRetention; d > 0 {
		n, err := a.Store.PurgeAttachments(ctx, time.Now().Add(-d), 100)
		r.AttachmentsPurged = n
		errs = append(errs, err)
	}
	b, af, err := a.Store.Vacuum(ctx, vacuumPages)
	r.StoreFreePages = [2]int64{b, af}
	errs = append(errs, err)
	if a.embedded != nil {
		b, af, err := a.embedded.Vacuum(ctx, vacuumPages)
		r.TemporalFreePages = [2]int64{b, af}
		errs = append(errs, err)
	}
	return r, errors.Join(errs...)
}

// TemporalDatabaseFile is the embedded Temporal server's SQLite file ("" with a cluster).
func (a *App) TemporalDatabaseFile() string {
	if a.embedded == nil {
		return ""
	}
	return a.embedded.DatabaseFile()
}

// startHousekeeping runs Housekeep every VacuumEvery (never when it is 0) until Stop.
func (a *App) startHousekeeping() {
	every := a.Config.VacuumEvery
	if every <= 0 {
		return
	}
	a.backgroundEvery(every, func(ctx context.Context) {
		r, err := a.Housekeep(ctx)
		if err != nil && ctx.Err() == nil {
			a.Log.Warn("housekeeping", "err", err)
		}
		if r.DeliveriesPurged > 0 || r.AttachmentsPurged > 0 || r.StoreFreePages[0] > 0 || r.TemporalFreePages[0] > 0 {
			a.Log.Info("housekeeping", "deliveries_purged", r.DeliveriesPurged, "attachments_purged", r.AttachmentsPurged,
				"store_free_pages", r.StoreFreePages, "temporal_free_pages", r.TemporalFreePages)
		}
	})
}

// backgroundEvery runs step on every tick in a goroutine of the worker's background loops
// (housekeeping, the search mover) until Stop, which cancels their context and waits for them.
func (a *App) backgroundEvery(tick time.Duration, step func(ctx context.Context)) {
	if a.housekeepCtx == nil {
		a.housekeepCtx, a.housekeepStop = context.WithCancel(context.Background())
	}
	ctx := a.housekeepCtx
	a.housekeepDone.Add(1)
	go func() {
		defer a.housekeepDone.Done()
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			step(ctx)
		}
	}()
}

// metricsRegistry is the API's Prometheus registry: Go and process collectors, and the
// reconciler's figures read from its workflow at scrape time (so every API process reports
// them, wherever the worker runs).
func (a *App) metricsRegistry() (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	cs := []prometheus.Collector{
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&reconcilerCollector{a: a},
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	return reg, nil
}

// reconcilerCollector reports the reconciler's last pass, asking its workflow once a scrape.
type reconcilerCollector struct{ a *App }

var (
	missingDesc = prometheus.NewDesc("keydesk_open_tickets_without_workflow",
		"Open tickets the reconciler's last pass found without a running workflow (NaN: no pass yet).", nil, nil)
	healsDesc = prometheus.NewDesc("keydesk_workflow_heals_total",
		"Ticket workflows the reconciler started again, since the install began.", nil, nil)
)

// Describe implements prometheus.Collector.
func (c *reconcilerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- missingDesc
	ch <- healsDesc
}

// Collect implements prometheus.Collector.
func (c *reconcilerCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	r, err := c.a.Tickets.ReconcilerReport(ctx, c.a.InstallID)
	missing := math.NaN()
	if err == nil && !r.At.IsZero() {
		missing = float64(r.Missing)
	}
	ch <- prometheus.MustNewConstMetric(missingDesc, prometheus.GaugeValue, missing)
	ch <- prometheus.MustNewConstMetric(healsDesc, prometheus.CounterValue, float64(r.HealedTotal))
}

func (a *App) startHTTP() error {
	reg, err := a.metricsRegistry()
	if err != nil {
		return err
	}
	router, err := api.NewRouter(api.Deps{
		Store: a.Store, Tickets: a.Tickets, RBAC: a.RBAC, Registry: reg,
		Auth: auth.New(auth.Opts{Store: a.Store, Secret: a.Secrets.JWTSecret}),
		Box:  a.Secrets.Box, Log: a.Log, PublicURL: a.Config.PublicURL,
		Ready:      a.Ready,
		Pages:      web.Handler(web.Options{PublicURL: a.Config.PublicURL, Log: a.Log}),
		Payments:   api.PaymentsDeps{Gateways: a.Payments, Signal: a.signal},
		RateLimits: a.rateLimits(), TrustedProxies: a.Config.TrustedProxies,
	})
	if err != nil {
		return err
	}
	a.http = &http.Server{Handler: router, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := a.http.Serve(a.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error("http server", "err", err)
		}
	}()
	return nil
}

// rateLimits are the API's per-IP limits with the configured buyer rate.
func (a *App) rateLimits() api.RateLimits {
	rl := api.DefaultRateLimits()
	if r := a.Config.PublicRate; r > 0 {
		rl.Public = api.Limit{Rate: rate.Limit(r), Burst: max(rl.Public.Burst, int(math.Ceil(15*r)))}
	}
	return rl
}

func (a *App) listen() error {
	ln, err := net.Listen("tcp", a.Config.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.Config.Listen, err)
	}
	a.listener = ln
	a.Addr = ln.Addr().String()
	a.closers = append(a.closers, func() { _ = ln.Close() })
	if a.Config.PublicURL == "http://"+a.Config.Listen {
		a.Config.PublicURL = "http://" + a.Addr
	}
	return nil
}

// signal sends a signal to a running workflow (payment notifications wake refund workflows).
func (a *App) signal(ctx context.Context, workflowID, name string, arg any) error {
	return a.Temporal.SignalWorkflow(ctx, workflowID, "", name, arg)
}

// simulator returns the in-process payment simulator when enabled: refunds complete half the
// time at once and half a few seconds later by notification, as real gateways do.
func (a *App) simulator() *payments.Simulator {
	if !a.Config.SimulatorEnabled() {
		return nil
	}
	return payments.NewSimulator(payments.SimConfig{
		Seed: time.Now().UnixNano(), AsyncRate: 0.5, AsyncDelay: 5 * time.Second,
		Notify: func(ctx context.Context, n payments.Notification) {
			if _, err := api.ApplyRefundNotification(ctx, a.Store, a.signal, payments.SimulatorName, 0, n, time.Now().UTC()); err != nil {
				a.Log.Warn("simulator refund notification", "out_refund_no", n.OutRefundNo, "err", err)
			}
		},
	})
}

// Ready reports whether the database and Temporal answer.
func (a *App) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := a.Store.Ping(ctx); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	if _, err := a.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		return fmt.Errorf("temporal: %w", err)
	}
	return nil
}

// Stop drains HTTP, stops the worker, then the Temporal client and embedded server, then
// the database, within ctx's deadline.
func (a *App) Stop(ctx context.Context) {
	if a.housekeepStop != nil {
		a.housekeepStop()
		a.housekeepDone.Wait()
	}
	if a.http != nil {
		if err := a.http.Shutdown(ctx); err != nil {
			a.Log.Warn("http shutdown", "err", err)
		}
	}
	if a.worker != nil {
		a.worker.Stop()
	}
	if a.Temporal != nil {
		a.Temporal.Close()
	}
	if a.embedded != nil {
		if err := a.embedded.Stop(); err != nil {
			a.Log.Warn("embedded temporal stop", "err", err)
		}
	}
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
}

func parseLevel(s string, def slog.Level) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return def
	}
	return l
}

// ParseLevel exposes the log-level parser to cmd.
func ParseLevel(s string) slog.Level { return parseLevel(s, slog.LevelInfo) }

// classifier is the OpenAI-compatible intent provider when KEYDESK_TRIAGE_LLM_* configure one
// (nil otherwise: the built-in model). A bad configuration is logged and leaves it off; a
// failed call is logged and answered by the built-in model.
func classifier(log *slog.Logger) func(ctx context.Context, chosen triage.Category, subject, body string) triage.Result {
	cfg, err := llm.ConfigFromEnv(os.Getenv)
	if err != nil {
		log.Warn("triage language model not used: bad configuration", "err", err)
		return nil
	}
	if !cfg.Enabled() {
		return nil
	}
	log.Info("triage asks a language model for the intent", "model", cfg.Model)
	p := llm.New(cfg, nil)
	return func(ctx context.Context, chosen triage.Category, subject, body string) triage.Result {
		res, out := p.Classify(ctx, chosen, subject, body)
		if out.Err != nil {
			log.Warn("triage language model failed; built-in model used", "err", out.Err)
		}
		return res
	}
}

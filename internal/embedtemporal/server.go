// Package embedtemporal runs a single-process Temporal server inside keydesk, persisted to a
// SQLite file. It is the zero-setup default of `keydesk serve`; production points the same
// binary at a Temporal cluster instead and never links this package's work at run time.
//
// The server is heavy to compile: only cmd/keydesk and the end-to-end tests import it, so the
// pure packages and most tests build without it.
package embedtemporal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	tlog "go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
	"go.temporal.io/server/common/membership/static"
	"go.temporal.io/server/common/metrics"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	"go.temporal.io/server/common/primitives/timestamp"
	"go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	_ "modernc.org/sqlite" // database/sql driver "sqlite", the one the server's plugin uses
)

// Options configure an embedded server.
type Options struct {
	// DatabaseFile is the SQLite file holding histories, timers and visibility. Empty means
	// in memory (tests only: everything is lost when the process ends).
	DatabaseFile string
	// Host is the address the services bind to; default 127.0.0.1.
	Host string
	// FrontendPort is the gRPC port clients dial; 0 picks a free port.
	FrontendPort int
	// Namespace is created (idempotently) before the server starts.
	Namespace string
	// Retention keeps closed workflow histories this long; default 7 days. It is written when
	// the namespace is created; an existing namespace keeps its own (see UpdateRetention).
	Retention time.Duration
	// RetentionJitter spreads the deletion of histories closed at the same time over this
	// long after their retention ends (the server's default is 30 minutes).
	RetentionJitter time.Duration
	// HistoryCache bounds the workflow executions whose mutable state the server keeps in
	// memory (its default, 128,000, grows the process with every open ticket); 0 keeps the
	// default. A miss reads the execution back from SQLite.
	HistoryCache int
	// Logger receives the server's own log lines at LogLevel and above (default warn).
	Logger   *slog.Logger
	LogLevel slog.Level
}

// Server is a running embedded Temporal server.
type Server struct {
	srv      temporal.Server
	hostPort string
	logger   *quietLogger
	file     string

	vacuumMu sync.Mutex
	vacuumDB *sql.DB
}

// Start creates the schema when the file is new, registers the namespace and starts every
// service (frontend, history, matching, worker) in this process.
func Start(opts Options) (*Server, error) {
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	if opts.Retention == 0 {
		opts.Retention = 7 * 24 * time.Hour
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.LogLevel == 0 {
		opts.LogLevel = slog.LevelWarn
	}
	ports, err := pickPorts(opts.Host, opts.FrontendPort)
	if err != nil {
		return nil, err
	}
	sqlCfg := sqlConfig(opts.DatabaseFile)
	if err := prepareDatabase(opts, sqlCfg); err != nil {
		return nil, err
	}

	logger := &quietLogger{log: opts.Logger.With("component", "temporal-server"), level: opts.LogLevel}
	cfg := serverConfig(opts.Host, ports, sqlCfg)
	dyn := dynamicConfig()
	if opts.HistoryCache > 0 {
		dyn[dynamicconfig.HistoryCacheHostLevelMaxSize.Key()] = opts.HistoryCache
	}
	if opts.RetentionJitter > 0 {
		dyn[dynamicconfig.RetentionTimerJitterDuration.Key()] = opts.RetentionJitter
	}
	authorizer, err := authorization.GetAuthorizerFromConfig(&cfg.Global.Authorization)
	if err != nil {
		return nil, fmt.Errorf("temporal authorizer: %w", err)
	}
	claimMapper, err := authorization.GetClaimMapperFromConfig(&cfg.Global.Authorization, logger)
	if err != nil {
		return nil, fmt.Errorf("temporal claim mapper: %w", err)
	}
	hosts := map[primitives.ServiceName]static.Hosts{}
	for i, name := range []primitives.ServiceName{primitives.FrontendService, primitives.HistoryService, primitives.MatchingService, primitives.WorkerService} {
		hosts[name] = static.SingleLocalHost(net.JoinHostPort(opts.Host, strconv.Itoa(ports[i])))
	}
	srv, err := temporal.NewServer(
		temporal.WithConfig(cfg),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(hosts),
		temporal.WithLogger(logger),
		temporal.WithAuthorizer(authorizer),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return claimMapper }),
		temporal.WithDynamicConfigClient(dyn),
		temporal.WithCustomMetricsHandler(metrics.NoopMetricsHandler),
	)
	if err != nil {
		return nil, fmt.Errorf("create temporal server: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("start temporal server: %w", err)
	}
	return &Server{srv: srv, hostPort: net.JoinHostPort(opts.Host, strconv.Itoa(ports[0])), logger: logger, file: opts.DatabaseFile}, nil
}

// HostPort is the frontend address a Temporal client dials.
func (s *Server) HostPort() string { return s.hostPort }

// Stop shuts every service down. Its own shutdown chatter is silenced first: it is noise to an
// operator pressing Ctrl-C.
func (s *Server) Stop() error {
	s.logger.silenced.Store(true)
	err := s.srv.Stop()
	s.vacuumMu.Lock()
	if s.vacuumDB != nil {
		_ = s.vacuumDB.Close()
		s.vacuumDB = nil
	}
	s.vacuumMu.Unlock()
	return err
}

// DatabaseFile is the server's SQLite file ("" in memory).
func (s *Server) DatabaseFile() string { return s.file }

// Vacuum gives at most maxPages free pages of the server's SQLite file back to the file
// system (PRAGMA incremental_vacuum: short, bounded write transactions, so the server keeps
// running) and returns how many were free before and after. Pages become free when the
// server deletes histories past their retention. In memory it does nothing.
func (s *Server) Vacuum(ctx context.Context, maxPages int) (before, after int64, err error) {
	if s.file == "" {
		return 0, 0, nil
	}
	s.vacuumMu.Lock()
	defer s.vacuumMu.Unlock()
	if s.vacuumDB == nil {
		db, err := sql.Open("sqlite", vacuumDSN(s.file))
		if err != nil {
			return 0, 0, fmt.Errorf("open temporal database for vacuum: %w", err)
		}
		db.SetMaxOpenConns(1)
		s.vacuumDB = db
	}
	return IncrementalVacuum(ctx, s.vacuumDB, maxPages)
}

// IncrementalVacuum runs PRAGMA incremental_vacuum on db in steps of at most 512 pages (each
// its own short write transaction, so writers wait milliseconds, not the whole pass) until
// maxPages were freed or none are left, then a passive WAL checkpoint so the truncation
// reaches the file. It returns the free page count before and after. A database without
// auto_vacuum=incremental frees nothing.
func IncrementalVacuum(ctx context.Context, db *sql.DB, maxPages int) (before, after int64, err error) {
	if err := db.QueryRowContext(ctx, "PRAGMA freelist_count").Scan(&before); err != nil {
		return 0, 0, fmt.Errorf("freelist count: %w", err)
	}
	after = before
	for done := 0; after > 0 && done < maxPages; {
		step := min(512, maxPages-done)
		if _, err := db.ExecContext(ctx, "PRAGMA incremental_vacuum("+strconv.Itoa(step)+")"); err != nil {
			return before, after, fmt.Errorf("incremental vacuum: %w", err)
		}
		done += step
		var now int64
		if err := db.QueryRowContext(ctx, "PRAGMA freelist_count").Scan(&now); err != nil {
			return before, after, fmt.Errorf("freelist count: %w", err)
		}
		if now >= after { // auto_vacuum is not incremental: nothing to give back this way
			break
		}
		after = now
	}
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
		return before, after, fmt.Errorf("checkpoint: %w", err)
	}
	return before, after, nil
}

func vacuumDSN(file string) string {
	return "file:" + file + "?_pragma=busy_timeout%3D5000&_pragma=journal_size_limit%3D" + strconv.Itoa(walLimit)
}

// walLimit caps the size a WAL file keeps after a checkpoint (bytes): a burst of writes no
// longer leaves a file of its peak size behind.
const walLimit = 16 << 20

// tuneDatabaseFile prepares an existing file before the server opens it, on one connection
// (the auto_vacuum pragma only takes effect through a VACUUM on the same connection): the
// unused visibility indexes go first, so a converting VACUUM does not copy them.
func tuneDatabaseFile(file string) error {
	db, err := sql.Open("sqlite", vacuumDSN(file))
	if err != nil {
		return fmt.Errorf("open temporal database: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	if err := dropUnusedVisibilityIndexes(ctx, db); err != nil {
		return err
	}
	return ensureIncrementalVacuum(ctx, db)
}

// keptVisibilityIndexes are the indexes of Temporal's SQLite visibility table that keydesk
// keeps: the default listing order, and the workflow id, type and status that the reconciler
// and tctl-style listings filter on.
var keptVisibilityIndexes = map[string]bool{
	"default_idx": true, "by_execution_time": true, "by_workflow_id": true,
	"by_workflow_type": true, "by_status": true,
}

// dropUnusedVisibilityIndexes drops the other ~50 indexes the SQLite visibility schema
// creates, one per custom and system search attribute (keyword_01…10, int_01…, the
// schedule and deployment attributes…). keydesk sets no search attributes and lists only by
// type and status, and every one of those indexes holds a ~230-byte row per workflow run: in
// a measured footprint run they were 13 MB of the 26 MB Temporal used per 1,000 tickets.
// Queries on a dropped attribute still work, by scanning. Safe because the server version is
// pinned and this file never gets Temporal's schema upgrades (prepareDatabase); idempotent.
func dropUnusedVisibilityIndexes(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'executions_visibility' AND sql IS NOT NULL")
	if err != nil {
		return fmt.Errorf("temporal visibility indexes: %w", err)
	}
	var drop []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			_ = rows.Close()
			return fmt.Errorf("temporal visibility indexes: %w", err)
		}
		if !keptVisibilityIndexes[name] {
			drop = append(drop, name)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("temporal visibility indexes: %w", err)
	}
	for _, name := range drop {
		if _, err := db.ExecContext(ctx, `DROP INDEX IF EXISTS "`+name+`"`); err != nil {
			return fmt.Errorf("drop temporal visibility index %s: %w", name, err)
		}
	}
	return nil
}

// ensureIncrementalVacuum switches an existing database file to auto_vacuum=incremental
// (files created before it was set), once: that takes a full VACUUM, which rewrites the file
// and blocks it meanwhile, so it runs before the server starts. New files get the setting
// from the connection attributes before their first table.
func ensureIncrementalVacuum(ctx context.Context, db *sql.DB) error {
	var mode int
	if err := db.QueryRowContext(ctx, "PRAGMA auto_vacuum").Scan(&mode); err != nil {
		return fmt.Errorf("temporal database auto_vacuum: %w", err)
	}
	if mode == 2 {
		return nil
	}
	if _, err := db.ExecContext(ctx, "PRAGMA auto_vacuum = INCREMENTAL"); err != nil {
		return fmt.Errorf("temporal database auto_vacuum: %w", err)
	}
	if _, err := db.ExecContext(ctx, "VACUUM"); err != nil {
		return fmt.Errorf("temporal database vacuum: %w", err)
	}
	return nil
}

func sqlConfig(file string) *config.SQL {
	attrs := map[string]string{
		"journal_mode": "wal",
		"synchronous":  "normal",
		"busy_timeout": "5000",
		// Set before the first table of a new file, so deleted histories' pages can be given
		// back (Server.Vacuum); older files are converted once by ensureIncrementalVacuum.
		"auto_vacuum":        "incremental",
		"journal_size_limit": strconv.Itoa(walLimit),
	}
	name := file
	if file == "" {
		attrs = map[string]string{"mode": "memory", "cache": "shared"}
		name = "keydesk-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	} else {
		attrs["mode"] = "rwc"
	}
	// One connection: measured 3x faster than four on SQLite (fewer busy retries).
	return &config.SQL{
		PluginName:        sqliteplugin.PluginName,
		DatabaseName:      name,
		ConnectAttributes: attrs,
		MaxConns:          1,
		MaxIdleConns:      1,
	}
}

func prepareDatabase(opts Options, sqlCfg *config.SQL) error {
	fresh := false
	// In memory the SQLite plugin creates the schema itself. A file gets it once, when new, and
	// never an upgrade: the server version is pinned in go.mod for that reason.
	if opts.DatabaseFile != "" {
		if err := os.MkdirAll(filepath.Dir(opts.DatabaseFile), 0o700); err != nil {
			return fmt.Errorf("temporal data dir: %w", err)
		}
		_, err := os.Stat(opts.DatabaseFile)
		fresh = errors.Is(err, os.ErrNotExist)
		if fresh {
			// Private to its owner (workflow histories carry buyers' data); SQLite gives the
			// -wal and -shm files the database file's mode. An empty file is an empty database.
			f, err := os.OpenFile(opts.DatabaseFile, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return fmt.Errorf("temporal database file: %w", err)
			}
			_ = f.Close()
		}
	}
	if fresh {
		if err := sqlite.SetupSchema(sqlCfg); err != nil {
			return fmt.Errorf("temporal schema: %w", err)
		}
	}
	if opts.DatabaseFile != "" {
		if err := tuneDatabaseFile(opts.DatabaseFile); err != nil {
			return err
		}
	}
	ns, err := sqlite.NewNamespaceConfig("active", opts.Namespace, false, nil)
	if err != nil {
		return fmt.Errorf("temporal namespace config: %w", err)
	}
	// NewNamespaceConfig hard-codes a 24 h retention: closed tickets' histories would vanish
	// after a day.
	ns.Detail.Config.Retention = timestamp.DurationPtr(opts.Retention)
	if err := sqlite.CreateNamespaces(sqlCfg, ns); err != nil {
		return fmt.Errorf("temporal namespace: %w", err)
	}
	return nil
}

func serverConfig(host string, ports []int, sqlCfg *config.SQL) *config.Config {
	frontend := net.JoinHostPort(host, strconv.Itoa(ports[0]))
	svc := func(i int) config.Service {
		return config.Service{RPC: config.RPC{GRPCPort: ports[i], MembershipPort: ports[i+4], BindOnIP: host}}
	}
	return &config.Config{
		Global: config.Global{
			Membership: config.Membership{MaxJoinDuration: 30 * time.Second, BroadcastAddress: host},
		},
		Persistence: config.Persistence{
			DefaultStore:     sqliteplugin.PluginName,
			VisibilityStore:  sqliteplugin.PluginName,
			NumHistoryShards: 1,
			DataStores:       map[string]config.DataStore{sqliteplugin.PluginName: {SQL: sqlCfg}},
		},
		ClusterMetadata: &cluster.Config{
			EnableGlobalNamespace:    false,
			FailoverVersionIncrement: 10,
			MasterClusterName:        "active",
			CurrentClusterName:       "active",
			ClusterInformation: map[string]cluster.ClusterInformation{
				"active": {Enabled: true, InitialFailoverVersion: 1, RPCAddress: frontend},
			},
		},
		DCRedirectionPolicy: config.DCRedirectionPolicy{Policy: "noop"},
		Services: map[string]config.Service{
			"frontend": svc(0), "history": svc(1), "matching": svc(2), "worker": svc(3),
		},
		Archival: config.Archival{
			History:    config.HistoryArchival{State: "disabled"},
			Visibility: config.VisibilityArchival{State: "disabled"},
		},
		PublicClient: config.PublicClient{HostPort: frontend},
		NamespaceDefaults: config.NamespaceDefaults{Archival: config.ArchivalNamespaceDefaults{
			History:    config.HistoryArchivalNamespaceDefaults{State: "disabled"},
			Visibility: config.VisibilityArchivalNamespaceDefaults{State: "disabled"},
		}},
	}
}

// taskWorkers is the worker count of each of the history service's task schedulers (timer,
// transfer, visibility). The server's defaults (512 each, plus 64 for in-memory timers and
// 512 + 128 for replication, which a one-cluster server never uses) are sized for a
// many-shard cluster host: here they were 2,240 idle goroutines, about 70% of the process's.
// Every task ends in a write to the one SQLite file, which takes one writer at a time, so
// more workers than this only wait.
const taskWorkers = 32

// dynamicConfig lifts the poll-rate caps that make a one-shard server slow (default 20/s
// capped a one-activity workflow at ~10/s), uses one task-queue partition, which removed
// multi-second tails in measurements on this kind of machine, sizes the task schedulers
// for one shard (taskWorkers), and shrinks the cross-cluster event cache to its minimum
// (xdcCacheBytes).
func dynamicConfig() dynamicconfig.StaticClient {
	return dynamicconfig.StaticClient{
		dynamicconfig.TransferProcessorMaxPollRPS.Key():                         1000,
		dynamicconfig.TimerProcessorMaxPollRPS.Key():                            1000,
		dynamicconfig.VisibilityProcessorMaxPollRPS.Key():                       1000,
		dynamicconfig.OutboundProcessorMaxPollRPS.Key():                         1000,
		dynamicconfig.MatchingNumTaskqueueReadPartitions.Key():                  1,
		dynamicconfig.MatchingNumTaskqueueWritePartitions.Key():                 1,
		dynamicconfig.TimerProcessorSchedulerWorkerCount.Key():                  taskWorkers,
		dynamicconfig.TransferProcessorSchedulerWorkerCount.Key():               taskWorkers,
		dynamicconfig.VisibilityProcessorSchedulerWorkerCount.Key():             taskWorkers,
		dynamicconfig.MemoryTimerProcessorSchedulerWorkerCount.Key():            taskWorkers / 4,
		dynamicconfig.ReplicationProcessorSchedulerWorkerCount.Key():            1,
		dynamicconfig.ReplicationLowPriorityProcessorSchedulerWorkerCount.Key(): 1,
		dynamicconfig.XDCCacheMaxSizeBytes.Key():                                xdcCacheBytes,
	}
}

// xdcCacheBytes bounds the server's cache of event batches kept for replication to other
// clusters. Every history write puts its events there (up to 8 MB by default, with a 20 s
// TTL that is only checked on access), but only replication reads them, and a one-cluster
// server never replicates: at 10,000 open tickets it held about 3 MB of the live heap
// (issue 17). 64 KiB is the server's own minimum.
const xdcCacheBytes = 64 << 10

// pickPorts returns the frontend port (as asked, or free) followed by seven free ports: three
// more gRPC ports and four membership ports.
func pickPorts(host string, frontend int) ([]int, error) {
	ports := make([]int, 0, 8)
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	for i := 0; i < 8; i++ {
		port := 0
		if i == 0 {
			port = frontend
		}
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			return nil, fmt.Errorf("temporal port %d on %s: %w", port, host, err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// quietLogger adapts the server's logger interface to slog with its own minimum level, and can
// be silenced entirely during shutdown.
type quietLogger struct {
	log      *slog.Logger
	level    slog.Level
	silenced atomic.Bool
}

func (l *quietLogger) emit(level slog.Level, msg string, tags []tag.Tag) {
	if level < l.level || l.silenced.Load() {
		return
	}
	attrs := make([]any, 0, 2*len(tags))
	for _, t := range tags {
		attrs = append(attrs, t.Key(), fmt.Sprint(t.Value()))
	}
	l.log.Log(context.Background(), level, msg, attrs...)
}

func (l *quietLogger) Debug(msg string, tags ...tag.Tag)  { l.emit(slog.LevelDebug, msg, tags) }
func (l *quietLogger) Info(msg string, tags ...tag.Tag)   { l.emit(slog.LevelInfo, msg, tags) }
func (l *quietLogger) Warn(msg string, tags ...tag.Tag)   { l.emit(slog.LevelWarn, msg, tags) }
func (l *quietLogger) Error(msg string, tags ...tag.Tag)  { l.emit(slog.LevelError, msg, tags) }
func (l *quietLogger) DPanic(msg string, tags ...tag.Tag) { l.emit(slog.LevelError, msg, tags) }
func (l *quietLogger) Panic(msg string, tags ...tag.Tag) {
	l.emit(slog.LevelError, msg, tags)
	panic(msg)
}
func (l *quietLogger) Fatal(msg string, tags ...tag.Tag) {
	l.emit(slog.LevelError, msg, tags)
	os.Exit(1)
}

var _ tlog.Logger = (*quietLogger)(nil)

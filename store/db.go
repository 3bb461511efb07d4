// Package store is keydesk's data layer over GORM: one Store per database, the transaction
// carried in the context so every repository call made inside InTx joins it (the way gitea
// does), and repositories that take an update function run inside a locked transaction.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	gormmysql "gorm.io/driver/mysql"
	gormsqlite "gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/keydesk/keydesk/migrations"
)

// Errors every repository maps database failures to, so callers never see driver types.
var (
	ErrNotFound  = errors.New("not found")
	ErrDuplicate = errors.New("already exists")
	ErrConflict  = errors.New("conflict")
)

// Store is an open database.
type Store struct {
	db      *gorm.DB
	dialect string
	// writeGate lets one of this process's transactions at a time begin on SQLite; nil on MySQL.
	writeGate chan struct{}
}

// writeGateWait bounds the wait at the gate, as busy_timeout bounds SQLite's own wait: past it
// the transaction begins anyway and SQLite's lock decides, as it did without the gate.
const writeGateWait = 10 * time.Second

// Options open a store.
type Options struct {
	// URL is "sqlite:PATH" (a file; created when missing) or "mysql:DSN" in go-sql-driver form
	// (user:pass@tcp(host:3306)/db). Required MySQL parameters (parseTime, UTC, utf8mb4) are added.
	URL    string
	Logger *slog.Logger
	// SlowQuery logs statements slower than this (default 200ms).
	SlowQuery time.Duration
}

// Open connects to the database. It does not migrate: call Migrate.
func Open(ctx context.Context, opts Options) (*Store, error) {
	dialect, dsn, err := ParseURL(opts.URL)
	if err != nil {
		return nil, err
	}
	var dial gorm.Dialector
	switch dialect {
	case migrations.SQLite:
		if !strings.HasPrefix(dsn, "file:") && !strings.Contains(dsn, "?") {
			if err := os.MkdirAll(filepath.Dir(dsn), 0o700); err != nil {
				return nil, fmt.Errorf("sqlite directory: %w", err)
			}
			// A new database file is private to its owner (secrets, buyers' contacts):
			// SQLite gives its -wal and -shm files the database file's mode.
			f, err := os.OpenFile(dsn, os.O_RDWR|os.O_CREATE, 0o600)
			if err != nil {
				return nil, fmt.Errorf("sqlite file: %w", err)
			}
			_ = f.Close()
		}
		dial = sqliteDialector{gormsqlite.New(gormsqlite.Config{DriverName: "sqlite", DSN: sqliteDSN(dsn)}).(*gormsqlite.Dialector)}
	case migrations.MySQL:
		mdsn, err := mysqlDSN(dsn)
		if err != nil {
			return nil, err
		}
		dial = gormmysql.New(gormmysql.Config{DSN: mdsn})
	}
	if opts.SlowQuery == 0 {
		opts.SlowQuery = 200 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	gdb, err := gorm.Open(dial, &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		Logger: logger.NewSlogLogger(opts.Logger, logger.Config{
			SlowThreshold:             opts.SlowQuery,
			LogLevel:                  logger.Warn,
			IgnoreRecordNotFoundError: true,
			// Parameterized: values (contacts, secrets' ciphertext) never reach the log.
			ParameterizedQueries: true,
		}),
	})
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, err
	}
	if dialect == migrations.SQLite {
		// Writers serialise on SQLite anyway (BEGIN IMMEDIATE); a few connections let reads
		// proceed beside a writer under WAL.
		sqlDB.SetMaxOpenConns(4)
	} else {
		sqlDB.SetMaxOpenConns(32)
		sqlDB.SetMaxIdleConns(16)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("ping %s database: %w", dialect, err)
	}
	st := &Store{db: gdb, dialect: dialect}
	if dialect == migrations.SQLite {
		st.writeGate = make(chan struct{}, 1)
		// A new (empty) file keeps free pages apart from the start, so Vacuum can give them
		// back without a full VACUUM; converting an empty file costs nothing.
		var pages int64
		if err := sqlDB.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err == nil && pages <= 1 {
			if _, err := st.EnsureIncrementalVacuum(ctx); err != nil {
				_ = sqlDB.Close()
				return nil, fmt.Errorf("sqlite auto_vacuum: %w", err)
			}
		}
	}
	return st, nil
}

// ParseURL splits a database URL into dialect and driver DSN.
func ParseURL(u string) (dialect, dsn string, err error) {
	switch {
	case strings.HasPrefix(u, "sqlite:"):
		dsn = strings.TrimPrefix(strings.TrimPrefix(u, "sqlite:"), "//")
		if dsn == "" {
			return "", "", errors.New("database URL: sqlite: needs a file path")
		}
		return migrations.SQLite, dsn, nil
	case strings.HasPrefix(u, "mysql:"):
		dsn = strings.TrimPrefix(strings.TrimPrefix(u, "mysql:"), "//")
		if dsn == "" {
			return "", "", errors.New("database URL: mysql: needs a DSN")
		}
		return migrations.MySQL, dsn, nil
	default:
		return "", "", fmt.Errorf("database URL %q: want sqlite:PATH or mysql:DSN", redactURL(u))
	}
}

func redactURL(u string) string {
	if i := strings.Index(u, "@"); i > 0 {
		return "***" + u[i:]
	}
	return u
}

// sqliteDSN adds the pragmas that made concurrent read-modify-write transactions correct:
// WAL, a busy timeout, foreign keys and BEGIN IMMEDIATE (without it most concurrent
// transactions failed with SQLITE_BUSY instead of waiting). It also pins how times are
// stored: converted to UTC and written as "2006-01-02 15:04:05.999999999+00:00"
// (_timezone=UTC, _time_format=sqlite). The driver's default, time.Time.String, keeps the
// caller's zone and may append a monotonic-clock suffix, so text comparison and ORDER BY
// on time columns would be wrong for any value not already in UTC.
func sqliteDSN(path string) string {
	if strings.Contains(path, "?") {
		return path
	}
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// The WAL is cut back to walLimit after a checkpoint instead of keeping its peak size.
	// (auto_vacuum is not a connection pragma here: on a file with tables, setting it makes
	// every new connection wait for the current writer. Open sets it once on an empty file;
	// EnsureIncrementalVacuum converts older files.)
	q.Add("_pragma", fmt.Sprintf("journal_size_limit(%d)", walLimit))
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	q.Set("_timezone", "UTC")
	if strings.HasPrefix(path, "file:") {
		return path + "?" + q.Encode()
	}
	// A URI filename: SQLite decodes %XX, so a '#' or '?' in a directory name is safe.
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// mysqlDSN forces the parameters keydesk relies on: times as UTC time.Time, full Unicode,
// and strict mode so bad data is an error rather than a silent truncation.
func mysqlDSN(dsn string) (string, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "", fmt.Errorf("mysql DSN: %w", err)
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["charset"] = "utf8mb4"
	cfg.Collation = "utf8mb4_unicode_ci"
	cfg.Params["sql_mode"] = "'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'"
	cfg.Params["time_zone"] = "'+00:00'"
	cfg.MultiStatements = true // goose runs multi-statement migration files
	return cfg.FormatDSN(), nil
}

// Dialect is "sqlite" or "mysql".
func (s *Store) Dialect() string { return s.dialect }

// SQL returns the underlying database handle (for migrations and health checks).
func (s *Store) SQL() (*sql.DB, error) { return s.db.DB() }

// Migrate applies pending migrations.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return 0, err
	}
	return migrations.Up(ctx, sqlDB, s.dialect)
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close releases the connections.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

type txKey struct{}

// DB returns the handle to use for ctx: the transaction carried in ctx when there is one,
// else the root handle bound to ctx. Every repository method goes through it.
func (s *Store) DB(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx
	}
	return s.db.WithContext(ctx)
}

// InTx runs fn in a transaction carried by the context fn receives. A call inside another
// InTx joins the outer transaction (so repositories compose); fn's error rolls everything back.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return fn(ctx)
	}
	release, err := s.enterWriteGate(ctx)
	if err != nil {
		return err
	}
	defer release()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(context.WithValue(ctx, txKey{}, tx))
	})
}

// enterWriteGate waits for this process's turn to begin a transaction on SQLite. Every
// transaction there is BEGIN IMMEDIATE, so only one runs at a time anyway; without the gate the
// others wait inside SQLite's busy handler, which polls the lock with sleeps of up to 100 ms, so
// under a burst of writes (an SLA breach wave) the lock sat idle while waiters slept. A waiter at
// the gate is woken the moment the transaction before it ends. MySQL has row locks: no gate.
func (s *Store) enterWriteGate(ctx context.Context) (release func(), err error) {
	if s.writeGate == nil {
		return func() {}, nil
	}
	t := time.NewTimer(writeGateWait)
	defer t.Stop()
	select {
	case s.writeGate <- struct{}{}:
		return func() { <-s.writeGate }, nil
	case <-t.C:
		return func() {}, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("begin transaction: %w", ctx.Err())
	}
}

// InTransaction reports whether ctx carries a transaction.
func InTransaction(ctx context.Context) bool {
	_, ok := ctx.Value(txKey{}).(*gorm.DB)
	return ok
}

// ForUpdate locks the selected rows until the transaction ends. On SQLite the clause is
// dropped: there every transaction is BEGIN IMMEDIATE, which already serialises writers.
func (s *Store) ForUpdate(db *gorm.DB) *gorm.DB {
	if s.dialect == migrations.MySQL {
		return db.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate})
	}
	return db
}

// ForUpdateSkipLocked locks rows no other transaction holds, skipping the rest: concurrent
// allocators each take different rows instead of queueing behind one another.
func (s *Store) ForUpdateSkipLocked(db *gorm.DB) *gorm.DB {
	if s.dialect == migrations.MySQL {
		return db.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate, Options: clause.LockingOptionsSkipLocked})
	}
	return db
}

// Translate maps GORM and driver errors to the store's errors, wrapping with what.
func Translate(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("%s: %w", what, ErrDuplicate)
	default:
		return fmt.Errorf("%s: %w", what, err)
	}
}

// sqliteDialector fixes error translation for modernc's driver: GORM's translator is written
// for mattn's error shape and misses modernc's unique / primary-key / foreign-key codes.
type sqliteDialector struct{ *gormsqlite.Dialector }

// Translate implements gorm.ErrorTranslator.
func (d sqliteDialector) Translate(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return gorm.ErrDuplicatedKey
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return gorm.ErrForeignKeyViolated
		case sqlite3.SQLITE_CONSTRAINT_CHECK:
			return gorm.ErrCheckConstraintViolated
		}
	}
	return err
}

package store

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	gormmysql "gorm.io/driver/mysql"
	gormsqlite "gorm.io/driver/sqlite"
	"gorm.io/gorm"

	"github.com/keydesk/keydesk/migrations"
	"github.com/keydesk/keydesk/models"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		url, dialect, dsn string
		wantErr           bool
	}{
		{url: "sqlite:/var/lib/keydesk/keydesk.db", dialect: migrations.SQLite, dsn: "/var/lib/keydesk/keydesk.db"},
		{url: "sqlite://data/kd.db", dialect: migrations.SQLite, dsn: "data/kd.db"},
		{url: "sqlite:file:kd.db?mode=rwc", dialect: migrations.SQLite, dsn: "file:kd.db?mode=rwc"},
		{url: "mysql:kd:pw@tcp(db:3306)/keydesk", dialect: migrations.MySQL, dsn: "kd:pw@tcp(db:3306)/keydesk"},
		{url: "mysql://kd@tcp(db)/keydesk", dialect: migrations.MySQL, dsn: "kd@tcp(db)/keydesk"},
		{url: "sqlite:", wantErr: true},
		{url: "mysql:", wantErr: true},
		{url: "", wantErr: true},
		{url: "postgres://u:secret@db/keydesk", wantErr: true},
	} {
		dialect, dsn, err := ParseURL(tc.url)
		if tc.wantErr {
			if err == nil {
				t.Errorf("ParseURL(%q): want an error", tc.url)
			} else if strings.Contains(err.Error(), "secret") {
				t.Errorf("ParseURL(%q): error %q leaks the password", tc.url, err)
			}
			continue
		}
		if err != nil || dialect != tc.dialect || dsn != tc.dsn {
			t.Errorf("ParseURL(%q) = %q, %q, %v; want %q, %q", tc.url, dialect, dsn, err, tc.dialect, tc.dsn)
		}
	}
}

func TestSQLiteDSN(t *testing.T) {
	dsn := sqliteDSN("/tmp/kd.db")
	path, query, ok := strings.Cut(dsn, "?")
	if !ok || path != "file:/tmp/kd.db" {
		t.Fatalf("sqliteDSN = %q: want file:/tmp/kd.db?...", dsn)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"foreign_keys(1)", "journal_mode(WAL)", "busy_timeout(10000)"} {
		if !strings.Contains(strings.Join(q["_pragma"], " "), p) {
			t.Errorf("sqliteDSN lacks _pragma=%s: %q", p, dsn)
		}
	}
	for k, v := range map[string]string{"_txlock": "immediate", "_time_format": "sqlite", "_timezone": "UTC"} {
		if q.Get(k) != v {
			t.Errorf("sqliteDSN: %s=%q, want %q", k, q.Get(k), v)
		}
	}
	if got := sqliteDSN("file:x.db?mode=memory"); got != "file:x.db?mode=memory" {
		t.Errorf("a DSN with its own parameters must be kept as given, got %q", got)
	}
	if got := sqliteDSN("file:x.db"); !strings.HasPrefix(got, "file:x.db?") {
		t.Errorf("sqliteDSN(file:x.db) = %q", got)
	}
}

func TestMySQLDSN(t *testing.T) {
	dsn, err := mysqlDSN("kd:pw@tcp(db:3306)/keydesk?charset=latin1&parseTime=false&loc=Local")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.ParseTime || cfg.Loc != time.UTC || cfg.Collation != "utf8mb4_unicode_ci" || !cfg.MultiStatements {
		t.Errorf("mysqlDSN = %q: want parseTime, loc=UTC, utf8mb4_unicode_ci, multiStatements", dsn)
	}
	if cfg.User != "kd" || cfg.Passwd != "pw" || cfg.Addr != "db:3306" || cfg.DBName != "keydesk" {
		t.Errorf("mysqlDSN lost the connection details: %q", dsn)
	}
	// The driver keeps charset outside Params; a later charset= wins when the DSN is parsed.
	parts := strings.Split(dsn, "charset=")
	if last, _, _ := strings.Cut(parts[len(parts)-1], "&"); len(parts) < 2 || last != "utf8mb4" {
		t.Errorf("mysqlDSN = %q: the effective charset is not utf8mb4", dsn)
	}
	if cfg.Params["time_zone"] != "'+00:00'" || !strings.Contains(cfg.Params["sql_mode"], "STRICT_ALL_TABLES") {
		t.Errorf("mysqlDSN params = %v", cfg.Params)
	}
	if _, err := mysqlDSN("not a dsn"); err == nil {
		t.Error("mysqlDSN(garbage): want an error")
	}
}

func TestTranslate(t *testing.T) {
	if Translate(nil, "x") != nil {
		t.Error("Translate(nil) != nil")
	}
	err := Translate(gorm.ErrRecordNotFound, "load ticket 7")
	if !errors.Is(err, ErrNotFound) || !strings.HasPrefix(err.Error(), "load ticket 7: ") {
		t.Errorf("not found: got %v", err)
	}
	if err := Translate(gorm.ErrDuplicatedKey, "create merchant"); !errors.Is(err, ErrDuplicate) {
		t.Errorf("duplicate: got %v", err)
	}
	other := errors.New("disk on fire")
	if err := Translate(other, "save"); !errors.Is(err, other) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrDuplicate) {
		t.Errorf("other error: got %v", err)
	}
}

// dryRun returns a Store over dial that renders SQL without touching a database.
func dryRun(t *testing.T, dialect string, dial gorm.Dialector) *Store {
	t.Helper()
	db, err := gorm.Open(dial, &gorm.Config{DryRun: true, DisableAutomaticPing: true})
	if err != nil {
		t.Fatal(err)
	}
	return &Store{db: db, dialect: dialect}
}

func TestLockingClauses(t *testing.T) {
	my := dryRun(t, migrations.MySQL, gormmysql.New(gormmysql.Config{DSN: "u@tcp(127.0.0.1:1)/x", SkipInitializeWithVersion: true}))
	lite := dryRun(t, migrations.SQLite, gormsqlite.New(gormsqlite.Config{DriverName: "sqlite", DSN: filepath.Join(t.TempDir(), "x.db")}))
	render := func(s *Store, lock func(*gorm.DB) *gorm.DB) string {
		var k models.CardKey
		return lock(s.db).Where("status = ?", models.KeyAvailable).Order("id").Limit(1).Take(&k).Statement.SQL.String()
	}
	if q := render(my, my.ForUpdate); !strings.HasSuffix(q, "FOR UPDATE") {
		t.Errorf("MySQL ForUpdate: %s", q)
	}
	if q := render(my, my.ForUpdateSkipLocked); !strings.HasSuffix(q, "FOR UPDATE SKIP LOCKED") {
		t.Errorf("MySQL ForUpdateSkipLocked: %s", q)
	}
	for name, lock := range map[string]func(*gorm.DB) *gorm.DB{"ForUpdate": lite.ForUpdate, "ForUpdateSkipLocked": lite.ForUpdateSkipLocked} {
		if q := render(lite, lock); strings.Contains(q, "FOR UPDATE") {
			t.Errorf("SQLite %s must not add a locking clause: %s", name, q)
		}
	}
}

func TestOpenSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub.db")
	s, err := Open(ctx, Options{URL: "sqlite:" + path})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if s.Dialect() != migrations.SQLite {
		t.Errorf("dialect %q", s.Dialect())
	}
	if err := s.Ping(ctx); err != nil {
		t.Error(err)
	}
	if InTransaction(ctx) {
		t.Error("InTransaction on a bare context")
	}
	var fk, timeout int
	if err := s.DB(ctx).Raw("PRAGMA foreign_keys").Scan(&fk).Error; err != nil || fk != 1 {
		t.Errorf("PRAGMA foreign_keys = %d, %v; want 1", fk, err)
	}
	if err := s.DB(ctx).Raw("PRAGMA busy_timeout").Scan(&timeout).Error; err != nil || timeout < 5000 {
		t.Errorf("PRAGMA busy_timeout = %d, %v; want ≥ 5000", timeout, err)
	}
	if _, err := Open(ctx, Options{URL: "redis://x"}); err == nil {
		t.Error("Open(redis://x): want an error")
	}
}

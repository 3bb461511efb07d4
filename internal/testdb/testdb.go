// Package testdb gives tests a fresh, migrated keydesk database of each supported dialect:
// SQLite always, MySQL/MariaDB when KEYDESK_TEST_MYSQL_DSN points at a server. Every call
// creates its own database (a file in t.TempDir, or a uniquely named MySQL schema that is
// dropped afterwards), so test packages run in parallel never share rows.
//
// Typical use:
//
//	func TestSomething(t *testing.T) {
//		testdb.Each(t, func(t *testing.T, s *store.Store) {
//			// s is migrated and empty; it is closed when t ends.
//		})
//	}
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/keydesk/keydesk/store"
)

// EnvMySQL names the environment variable holding the go-sql-driver DSN of a MySQL or
// MariaDB server the tests may create and drop databases on, for example
// root@tcp(127.0.0.1:3306)/test. The database named in it is only used to connect.
const EnvMySQL = "KEYDESK_TEST_MYSQL_DSN"

// DBPrefix starts the name of every database MySQL creates; nothing else should use it.
const DBPrefix = "kd_t_"

// staleAfter is how old a leftover test database (from a killed test run) must be before
// the next run drops it. Far longer than any test binary runs.
const staleAfter = 6 * time.Hour

// setupTimeout bounds connecting, creating and migrating one test database.
const setupTimeout = 60 * time.Second

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// SQLite returns a migrated store over a new SQLite file in t.TempDir(), closed when t ends.
func SQLite(t testing.TB) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	path := filepath.Join(t.TempDir(), "keydesk.db")
	s, err := store.Open(ctx, store.Options{URL: "sqlite:" + path, Logger: quietLogger()})
	if err != nil {
		t.Fatalf("testdb: open SQLite: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("testdb: migrate SQLite: %v", err)
	}
	return s
}

// MySQL returns a migrated store over a new database on the server named by
// KEYDESK_TEST_MYSQL_DSN; the database is dropped when t ends. Without the variable the
// test is skipped; with it, a server that cannot be reached fails the test (a
// misconfigured CI must not pass by skipping).
func MySQL(t testing.TB) *store.Store {
	t.Helper()
	dsn := os.Getenv(EnvMySQL)
	if dsn == "" {
		t.Skip("MySQL tests skipped: set " + EnvMySQL + "=root@tcp(127.0.0.1:3306)/test to run them")
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("testdb: %s: %v", EnvMySQL, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()

	admin, err := openAdmin(ctx, cfg)
	if err != nil {
		t.Fatalf("testdb: MySQL at %s is not reachable (%s is set): %v", cfg.Addr, EnvMySQL, err)
	}
	dropStale(ctx, admin)

	name := newDBName()
	_, err = admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
	_ = admin.Close() // hold no connection while the test runs
	if err != nil {
		t.Fatalf("testdb: create database %s: %v", name, err)
	}
	// Cleanups run last-in first-out: the store closes before its database is dropped.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		admin, err := openAdmin(ctx, cfg)
		if err == nil {
			_, err = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`")
			_ = admin.Close()
		}
		if err != nil {
			t.Errorf("testdb: drop database %s: %v", name, err)
		}
	})

	tcfg := cfg.Clone()
	tcfg.DBName = name
	s, err := store.Open(ctx, store.Options{URL: "mysql:" + tcfg.FormatDSN(), Logger: quietLogger()})
	if err != nil {
		t.Fatalf("testdb: open MySQL database %s: %v", name, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("testdb: migrate MySQL database %s: %v", name, err)
	}
	return s
}

// Each runs fn as the subtests "sqlite" and "mysql", each with its own fresh store. The
// mysql subtest is skipped when KEYDESK_TEST_MYSQL_DSN is unset.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("mysql", func(t *testing.T) { fn(t, MySQL(t)) })
}

// openAdmin connects to the server without selecting a database, failing fast when it
// does not answer.
func openAdmin(ctx context.Context, cfg *mysql.Config) (*sql.DB, error) {
	acfg := cfg.Clone()
	acfg.DBName = ""
	if acfg.Timeout == 0 || acfg.Timeout > 5*time.Second {
		acfg.Timeout = 5 * time.Second
	}
	db, err := sql.Open("mysql", acfg.FormatDSN())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// newDBName returns kd_t_<unix seconds>_<random hex>: unique across parallel test
// binaries, and datable so a later run can sweep databases a killed run left behind.
func newDBName() string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return fmt.Sprintf("%s%d_%s", DBPrefix, time.Now().Unix(), hex.EncodeToString(b[:]))
}

// dropStale drops test databases older than staleAfter. Best effort: errors are ignored.
func dropStale(ctx context.Context, admin *sql.DB) {
	rows, err := admin.QueryContext(ctx, `SHOW DATABASES LIKE 'kd\_t\_%'`)
	if err != nil {
		return
	}
	var stale []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) != nil {
			continue
		}
		ts, _, ok := strings.Cut(strings.TrimPrefix(name, DBPrefix), "_")
		if !ok {
			continue
		}
		sec, err := strconv.ParseInt(ts, 10, 64)
		if err == nil && time.Since(time.Unix(sec, 0)) > staleAfter {
			stale = append(stale, name)
		}
	}
	_ = rows.Close()
	for _, name := range stale {
		_, _ = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`")
	}
}

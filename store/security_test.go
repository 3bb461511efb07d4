package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/keydesk/keydesk/models"
)

// TestSQLiteFilesArePrivate (issue 14): a new database file and its WAL are readable by
// their owner only (they were created 0644).
func TestSQLiteFilesArePrivate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "data", "keydesk.db")
	s, err := Open(ctx, Options{URL: "sqlite:" + path})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Heartbeat(ctx, "test", time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) && p != path {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v", filepath.Base(p), fi.Mode().Perm())
		}
	}
}

// TestFaultsAndSecurityRepos: a write refused by a read-only SQLite connection is
// IsUnavailable, a duplicate is not; the heartbeat upserts; revoking an access token twice
// is fine and expired denials are pruned; revoking a family revokes its sessions and denies
// their live access tokens.
func TestFaultsAndSecurityRepos(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Options{URL: "sqlite:" + filepath.Join(t.TempDir(), "k.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	for range 2 {
		if err := s.Heartbeat(ctx, "readyz", now); err != nil {
			t.Fatalf("heartbeat: %v", err)
		}
	}
	m := models.Merchant{Slug: "m", Name: "m", Timezone: "UTC"}
	if err := s.DB(ctx).Create(&m).Error; err != nil {
		t.Fatal(err)
	}
	err = s.DB(ctx).Create(&models.Merchant{Slug: "m"}).Error
	if !errors.Is(Translate(err, "x"), ErrDuplicate) || IsUnavailable(err) {
		t.Fatalf("duplicate: %v unavailable=%v", err, IsUnavailable(err))
	}

	u := models.User{MerchantID: &m.ID, Email: "a@m.test", Active: true}
	if err := s.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	exp := now.Add(10 * time.Minute)
	for _, fam := range []string{"fam-1", "fam-1", "fam-2"} {
		sess := models.Session{UserID: u.ID, TokenHash: fam + time.Now().String(), ExpiresAt: now.Add(time.Hour), FamilyID: fam,
			AccessJTI: "jti-" + fam + time.Now().String(), AccessExpiresAt: &exp}
		if err := s.CreateSession(ctx, &sess); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.RevokeSessionFamily(ctx, "fam-1", now); err != nil || n != 2 {
		t.Fatalf("revoke family: %d %v", n, err)
	}
	var live, denied int64
	s.DB(ctx).Model(&models.Session{}).Where("revoked_at IS NULL").Count(&live)
	s.DB(ctx).Model(&models.RevokedToken{}).Count(&denied)
	if live != 1 || denied != 2 {
		t.Fatalf("after family revocation: %d live sessions, %d denied tokens", live, denied)
	}
	if err := s.RevokeAccessToken(ctx, "j1", u.ID, exp, now); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeAccessToken(ctx, "j1", u.ID, exp, now); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
	if ok, err := s.AccessTokenRevoked(ctx, "j1"); err != nil || !ok {
		t.Fatalf("j1 revoked: %v %v", ok, err)
	}
	// Later, once those tokens expired, the next revocation prunes them.
	if err := s.RevokeAccessToken(ctx, "j2", u.ID, exp.Add(time.Hour), exp.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.AccessTokenRevoked(ctx, "j1"); ok {
		t.Fatal("expired denial not pruned")
	}

	sqlDB, err := s.SQL()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(1)
	if _, err := sqlDB.Exec("PRAGMA query_only = 1"); err != nil {
		t.Fatal(err)
	}
	err = s.Heartbeat(ctx, "readyz", now)
	if err == nil || !IsUnavailable(err) {
		t.Fatalf("write on a read-only connection: %v unavailable=%v", err, IsUnavailable(err))
	}
}

// TestLockedSQLiteIsUnavailable: SQLITE_BUSY from a database another connection holds
// locked is a transient fault (503 at the API), not a 500.
func TestLockedSQLiteIsUnavailable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locked.db")
	open := func() *sql.DB {
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)&_pragma=journal_mode(WAL)")
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	a, b := open(), open()
	if _, err := a.Exec("CREATE TABLE t (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	tx, err := a.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.Exec("INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	_, err = b.Exec("INSERT INTO t VALUES (2)")
	if err == nil || !IsUnavailable(err) || !IsUnavailable(Translate(err, "insert")) {
		t.Fatalf("write to a locked database: %v, unavailable=%v", err, IsUnavailable(err))
	}
}

package store

import (
	"context"
	"path/filepath"
	"testing"
)

// A '#' or '?' in a directory name (Go names repeated subtests "x#01") must not cut the
// SQLite URI short and send two stores to one file.
func TestOpenSQLiteOddPathAndMissingDir(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	a := filepath.Join(base, "sub#01", "new dir", "a.db")
	b := filepath.Join(base, "sub#01", "new dir", "b?.db")
	sa, err := Open(ctx, Options{URL: "sqlite:" + a})
	if err != nil {
		t.Fatal(err)
	}
	defer sa.Close()
	sb, err := Open(ctx, Options{URL: "sqlite:" + b})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	if err := sa.DB(ctx).Exec("CREATE TABLE only_in_a (x INTEGER)").Error; err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := sb.DB(ctx).Raw("SELECT count(*) FROM sqlite_master WHERE name = 'only_in_a'").Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatal("two stores with different paths share one database file")
	}
	if err := sa.DB(ctx).Raw("SELECT count(*) FROM sqlite_master WHERE name = 'only_in_a'").Scan(&n).Error; err != nil || n != 1 {
		t.Fatalf("table missing from its own store: n=%d err=%v", n, err)
	}
}

package embedtemporal

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestNewDatabaseFileIsPrivate (issue 14): the embedded server's SQLite file is created
// readable by its owner only (it was 0644), gets its schema, and preparing it again (a
// restart) keeps it.
func TestNewDatabaseFileIsPrivate(t *testing.T) {
	file := filepath.Join(t.TempDir(), "data", "temporal.db")
	opts := Options{DatabaseFile: file, Namespace: "default", Retention: 72 * time.Hour}
	for range 2 {
		if err := prepareDatabase(opts, sqlConfig(file)); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{file, file + "-wal", file + "-shm"} {
		fi, err := os.Stat(p)
		if os.IsNotExist(err) && p != file {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v", filepath.Base(p), fi.Mode().Perm())
		}
		if p == file && fi.Size() == 0 {
			t.Error("no schema written")
		}
	}
}

func autoVacuumMode(t *testing.T, file string) int {
	t.Helper()
	db, err := sql.Open("sqlite", vacuumDSN(file))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode int
	if err := db.QueryRow("PRAGMA auto_vacuum").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	return mode
}

// TestDatabaseUsesIncrementalAutoVacuum: a new file gets auto_vacuum=incremental before its
// first table, and a file written before the setting (auto_vacuum none, with data) is
// converted once when prepared again, keeping its data.
func TestDatabaseUsesIncrementalAutoVacuum(t *testing.T) {
	file := filepath.Join(t.TempDir(), "temporal.db")
	if err := prepareDatabase(Options{DatabaseFile: file, Namespace: "default", Retention: time.Hour}, sqlConfig(file)); err != nil {
		t.Fatal(err)
	}
	if m := autoVacuumMode(t, file); m != 2 {
		t.Fatalf("new file: auto_vacuum = %d, want 2 (incremental)", m)
	}

	old := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", "file:"+old)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"PRAGMA auto_vacuum = NONE", "CREATE TABLE t (v TEXT)", "INSERT INTO t VALUES ('kept')"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	_ = db.Close()
	if m := autoVacuumMode(t, old); m != 0 {
		t.Fatalf("old file set up with auto_vacuum %d, want 0", m)
	}
	if err := tuneDatabaseFile(old); err != nil {
		t.Fatal(err)
	}
	if m := autoVacuumMode(t, old); m != 2 {
		t.Fatalf("converted file: auto_vacuum = %d, want 2", m)
	}
	db, err = sql.Open("sqlite", "file:"+old)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v string
	if err := db.QueryRow("SELECT v FROM t").Scan(&v); err != nil || v != "kept" {
		t.Fatalf("data after conversion: %q, %v", v, err)
	}
}

// TestIncrementalVacuumShrinksFile: deleted rows' pages are given back in bounded steps and
// the file shrinks; a maxPages bound is honoured.
func TestIncrementalVacuumShrinksFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "v.db")
	db, err := sql.Open("sqlite", "file:"+file+"?_pragma=auto_vacuum%3Dincremental&_pragma=journal_mode%3Dwal")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	if _, err := db.Exec("CREATE TABLE h (id INTEGER PRIMARY KEY, data BLOB)"); err != nil {
		t.Fatal(err)
	}
	for range 400 {
		if _, err := db.Exec("INSERT INTO h (data) VALUES (randomblob(8000))"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	full := fileSize(t, file)
	if _, err := db.Exec("DELETE FROM h WHERE id > 20"); err != nil {
		t.Fatal(err)
	}
	before, after, err := IncrementalVacuum(ctx, db, 100)
	if err != nil {
		t.Fatal(err)
	}
	if before < 300 || before-after != 100 {
		t.Fatalf("bounded pass: free pages %d → %d, want 100 freed of 300+", before, after)
	}
	if _, _, err := IncrementalVacuum(ctx, db, 1<<30); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	if got := fileSize(t, file); got > full/5 {
		t.Fatalf("file is %d bytes after deleting 95%% of %d bytes and vacuuming", got, full)
	}
}

func fileSize(t *testing.T, p string) int64 {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestUnusedVisibilityIndexesAreDropped (issue 17): a new file keeps only the visibility
// indexes keydesk lists by, preparing it again changes nothing, and a query on an attribute
// whose index was dropped still runs (by scanning).
func TestUnusedVisibilityIndexesAreDropped(t *testing.T) {
	file := filepath.Join(t.TempDir(), "temporal.db")
	opts := Options{DatabaseFile: file, Namespace: "default", Retention: 72 * time.Hour}
	for round := range 2 {
		if err := prepareDatabase(opts, sqlConfig(file)); err != nil {
			t.Fatal(err)
		}
		db, err := sql.Open("sqlite", vacuumDSN(file))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.Query("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'executions_visibility' AND sql IS NOT NULL")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				t.Fatal(err)
			}
			got[name] = true
		}
		_ = rows.Close()
		if len(got) != len(keptVisibilityIndexes) {
			t.Errorf("round %d: %d indexes %v, want exactly %v", round, len(got), got, keptVisibilityIndexes)
		}
		for name := range keptVisibilityIndexes {
			if !got[name] {
				t.Errorf("round %d: index %s was dropped", round, name)
			}
		}
		var n int
		if err := db.QueryRow("SELECT count(*) FROM executions_visibility WHERE Keyword01 = 'x' AND Int01 > 3 AND history_length > 1").Scan(&n); err != nil || n != 0 {
			t.Errorf("query on a dropped index's column: %d, %v", n, err)
		}
		_ = db.Close()
	}
}

package embedtemporal

import (
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

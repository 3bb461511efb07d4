package testdb_test

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

func TestSQLiteIsFreshMigratedAndCheap(t *testing.T) {
	start := time.Now()
	a := testdb.SQLite(t)
	took := time.Since(start)
	t.Logf("SQLite open + migrate: %v", took)
	if took > 5*time.Second {
		t.Errorf("SQLite setup took %v; it should be well under a second", took)
	}
	b := testdb.SQLite(t)
	ctx := context.Background()
	for _, m := range models.All() {
		if !a.DB(ctx).Migrator().HasTable(m) {
			t.Errorf("table of %T missing", m)
		}
	}
	if err := a.DB(ctx).Create(&models.Merchant{Slug: "only-in-a", Name: "A"}).Error; err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := b.DB(ctx).Model(&models.Merchant{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("second SQLite store sees %d merchants of the first", n)
	}
}

func TestEachRunsBothDialects(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]string{}
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		mu.Lock()
		defer mu.Unlock()
		seen[t.Name()[strings.LastIndex(t.Name(), "/")+1:]] = s.Dialect()
	})
	if seen["sqlite"] != "sqlite" {
		t.Errorf("sqlite subtest got dialect %q", seen["sqlite"])
	}
	if d, ok := seen["mysql"]; ok && d != "mysql" {
		t.Errorf("mysql subtest got dialect %q", d)
	}
}

func TestMySQLIsolatedDatabases(t *testing.T) {
	a := testdb.MySQL(t)
	start := time.Now()
	b := testdb.MySQL(t)
	t.Logf("MySQL create + migrate: %v", time.Since(start))
	ctx := context.Background()
	var nameA, nameB string
	if err := a.DB(ctx).Raw("SELECT DATABASE()").Scan(&nameA).Error; err != nil {
		t.Fatal(err)
	}
	if err := b.DB(ctx).Raw("SELECT DATABASE()").Scan(&nameB).Error; err != nil {
		t.Fatal(err)
	}
	if nameA == nameB || !strings.HasPrefix(nameA, testdb.DBPrefix) || !strings.HasPrefix(nameB, testdb.DBPrefix) {
		t.Errorf("databases %q and %q: want two distinct %s* names", nameA, nameB, testdb.DBPrefix)
	}
}

// recorder is a testing.TB that records how a helper ended instead of ending the test.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	failed   bool
	skipped  bool
	msg      string
	cleanups []func()
}

func (r *recorder) Helper() {}

func (r *recorder) Cleanup(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, f)
}

func (r *recorder) TempDir() string { return r.TB.TempDir() }

func (r *recorder) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.failed, r.msg = true, format
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed, r.msg = true, format
}

func (r *recorder) Skip(args ...any) {
	r.mu.Lock()
	r.skipped = true
	r.mu.Unlock()
	runtime.Goexit()
}

// run calls f with the recorder on its own goroutine (Fatal and Skip end it with Goexit,
// as the testing package does), then runs the registered cleanups.
func (r *recorder) run(f func(testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func TestMySQLSkipsOnlyWhenUnset(t *testing.T) {
	t.Setenv(testdb.EnvMySQL, "")
	r := &recorder{TB: t}
	r.run(func(tb testing.TB) { testdb.MySQL(tb) })
	if !r.skipped || r.failed {
		t.Errorf("unset %s: skipped=%v failed=%v, want a skip", testdb.EnvMySQL, r.skipped, r.failed)
	}

	// Port 1 on loopback refuses connections at once.
	t.Setenv(testdb.EnvMySQL, "root@tcp(127.0.0.1:1)/test")
	r = &recorder{TB: t}
	r.run(func(tb testing.TB) { testdb.MySQL(tb) })
	if r.skipped || !r.failed {
		t.Errorf("unreachable server: skipped=%v failed=%v, want a failure", r.skipped, r.failed)
	}
	if !strings.Contains(r.msg, "not reachable") {
		t.Errorf("failure message %q does not say the server is not reachable", r.msg)
	}
}

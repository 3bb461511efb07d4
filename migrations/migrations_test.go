package migrations_test

import (
	"context"
	"io/fs"
	"regexp"
	"slices"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/migrations"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// fileName is the naming convention: a five-digit version, an underscore, a lower-case
// description. The same name must exist in every dialect's directory.
var fileName = regexp.MustCompile(`^[0-9]{5}_[a-z0-9_]+\.sql$`)

func files(t *testing.T, dialect string) []string {
	t.Helper()
	fsys, err := migrations.FS(dialect)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestDialectsHaveTheSameVersions(t *testing.T) {
	lite, my := files(t, migrations.SQLite), files(t, migrations.MySQL)
	if len(lite) == 0 {
		t.Fatal("no migrations embedded")
	}
	if !slices.Equal(lite, my) {
		t.Fatalf("migration files differ between dialects:\n sqlite: %v\n  mysql: %v", lite, my)
	}
	seen := map[int64]string{}
	for _, name := range lite {
		if !fileName.MatchString(name) {
			t.Errorf("%s: want NNNNN_description.sql (five digits, lower-case description)", name)
			continue
		}
		v, err := goose.NumericComponent(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if prev, dup := seen[v]; dup {
			t.Errorf("version %d used twice: %s and %s", v, prev, name)
		}
		seen[v] = name
	}
}

func TestUnknownDialect(t *testing.T) {
	if _, err := migrations.FS("postgres"); err == nil {
		t.Error("FS(postgres): want an error")
	}
}

// TestUpDownUp migrates to the top, fills every table, goes down to nothing (which only
// works if Down drops children before parents), and up again.
func TestUpDownUp(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sqlDB, err := s.SQL()
		if err != nil {
			t.Fatal(err)
		}
		p, err := migrations.NewProvider(sqlDB, s.Dialect())
		if err != nil {
			t.Fatal(err)
		}
		sources := p.ListSources()
		latest := sources[len(sources)-1].Version
		if v, err := p.GetDBVersion(ctx); err != nil || v != latest {
			t.Fatalf("after testdb setup: version %d, %v; want %d", v, err, latest)
		}
		if n, err := migrations.Up(ctx, sqlDB, s.Dialect()); err != nil || n != 0 {
			t.Fatalf("second Up: applied %d, %v; want 0, nil", n, err)
		}

		fillEveryTable(t, s)

		down, err := p.DownTo(ctx, 0)
		if err != nil {
			t.Fatalf("down to 0: %v", err)
		}
		if len(down) != len(sources) {
			t.Errorf("down ran %d migrations, want %d", len(down), len(sources))
		}
		if left := appTables(t, s); len(left) != 0 {
			t.Errorf("tables left after down to 0: %v", left)
		}

		up, err := p.Up(ctx)
		if err != nil {
			t.Fatalf("up again: %v", err)
		}
		if len(up) != len(sources) {
			t.Errorf("up again ran %d migrations, want %d", len(up), len(sources))
		}
		for _, m := range models.All() {
			if !s.DB(ctx).Migrator().HasTable(m) {
				t.Errorf("after up again: table of %T missing", m)
			}
		}
		fillEveryTable(t, s)
	})
}

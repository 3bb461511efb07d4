// Package migrations holds keydesk's versioned schema, one SQL directory per dialect, embedded
// in the binary and applied with goose as a library. Both directories carry the same versions;
// a test keeps them in step and checks every model field exists as a column.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed sqlite/*.sql mysql/*.sql
var files embed.FS

// Dialects keydesk supports.
const (
	SQLite = "sqlite"
	MySQL  = "mysql"
)

// FS returns the migration files of one dialect.
func FS(dialect string) (fs.FS, error) {
	switch dialect {
	case SQLite, MySQL:
		return fs.Sub(files, dialect)
	default:
		return nil, fmt.Errorf("migrations: unknown dialect %q", dialect)
	}
}

// NewProvider returns a goose provider over db for the dialect.
func NewProvider(db *sql.DB, dialect string) (*goose.Provider, error) {
	fsys, err := FS(dialect)
	if err != nil {
		return nil, err
	}
	gd := goose.DialectSQLite3
	if dialect == MySQL {
		gd = goose.DialectMySQL
	}
	p, err := goose.NewProvider(gd, db, fsys)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

// Up applies every pending migration and returns how many ran.
func Up(ctx context.Context, db *sql.DB, dialect string) (int, error) {
	p, err := NewProvider(db, dialect)
	if err != nil {
		return 0, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrations up: %w", err)
	}
	return len(res), nil
}

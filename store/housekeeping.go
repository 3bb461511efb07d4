package store

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/keydesk/keydesk/migrations"
	"github.com/keydesk/keydesk/models"
)

// walLimit caps the size (bytes) a SQLite WAL file keeps after a checkpoint.
const walLimit = 16 << 20

// vacuumStep is the most free pages one incremental-vacuum statement gives back: each
// statement is a short write transaction, so other writers wait milliseconds at most.
const vacuumStep = 512

// EnsureIncrementalVacuum switches a SQLite database created before auto_vacuum was set to
// auto_vacuum=incremental, once. That takes a full VACUUM, which rewrites the file and holds
// it for the time (about a second per 100 MB here), so call it at start before serving. It
// reports whether it converted; on MySQL it does nothing.
func (s *Store) EnsureIncrementalVacuum(ctx context.Context) (bool, error) {
	if s.dialect != migrations.SQLite {
		return false, nil
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return false, err
	}
	// One connection: the pragma takes effect through a VACUUM on the same connection.
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("auto_vacuum: %w", err)
	}
	defer conn.Close()
	var mode int
	if err := conn.QueryRowContext(ctx, "PRAGMA auto_vacuum").Scan(&mode); err != nil {
		return false, fmt.Errorf("auto_vacuum: %w", err)
	}
	if mode == 2 {
		return false, nil
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA auto_vacuum = INCREMENTAL"); err != nil {
		return false, fmt.Errorf("auto_vacuum: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "VACUUM"); err != nil {
		return false, fmt.Errorf("vacuum: %w", err)
	}
	return true, nil
}

// Vacuum gives at most maxPages free pages of a SQLite database back to the file system, in
// steps of vacuumStep pages (each its own short transaction), and returns the free page count
// before and after. It never blocks the product for long; rows deleted by the retention jobs
// become free pages. On MySQL (InnoDB reuses its pages) it does nothing.
func (s *Store) Vacuum(ctx context.Context, maxPages int) (before, after int64, err error) {
	if s.dialect != migrations.SQLite {
		return 0, 0, nil
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return 0, 0, err
	}
	if err := sqlDB.QueryRowContext(ctx, "PRAGMA freelist_count").Scan(&before); err != nil {
		return 0, 0, fmt.Errorf("freelist count: %w", err)
	}
	after = before
	for done := 0; after > 0 && done < maxPages; {
		step := min(vacuumStep, maxPages-done)
		if _, err := sqlDB.ExecContext(ctx, fmt.Sprintf("PRAGMA incremental_vacuum(%d)", step)); err != nil {
			return before, after, fmt.Errorf("incremental vacuum: %w", err)
		}
		done += step
		var now int64
		if err := sqlDB.QueryRowContext(ctx, "PRAGMA freelist_count").Scan(&now); err != nil {
			return before, after, fmt.Errorf("freelist count: %w", err)
		}
		if now >= after { // not in incremental mode: nothing to give back this way
			break
		}
		after = now
	}
	if _, err := sqlDB.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
		return before, after, fmt.Errorf("checkpoint: %w", err)
	}
	return before, after, nil
}

// PurgeWebhookDeliveries deletes outbound webhook deliveries that are finished (delivered,
// or failed for good) and were created before cutoff, at most batch rows per statement until
// none is left, and returns how many went. Pending deliveries are never deleted: they are
// still owed to their endpoint.
func (s *Store) PurgeWebhookDeliveries(ctx context.Context, cutoff time.Time, batch int) (int64, error) {
	return s.purgeInBatches(ctx, &models.WebhookDelivery{}, "webhook deliveries", batch,
		"status IN ? AND created_at < ?", []string{DeliveryDelivered, DeliveryFailed}, cutoff.UTC())
}

// PurgeManualChecks deletes manual checks handled before cutoff (accepted ones live on as
// their ticket, and both decisions stay in the audit log) and returns how many went. Open
// checks are never deleted: a buyer is still waiting.
func (s *Store) PurgeManualChecks(ctx context.Context, cutoff time.Time, batch int) (int64, error) {
	return s.purgeInBatches(ctx, &models.ManualCheck{}, "manual checks", batch,
		"status <> ? AND handled_at < ?", models.ManualCheckOpen, cutoff.UTC())
}

// purgeInBatches deletes model's rows matching where, at most batch (default 1000) per
// statement so no write holds the database for long, until none is left.
func (s *Store) purgeInBatches(ctx context.Context, model any, what string, batch int, where string, args ...any) (int64, error) {
	if batch <= 0 {
		batch = 1000
	}
	var total int64
	for {
		var ids []uint64
		err := s.DB(ctx).Model(model).Where(where, args...).Order("id").Limit(batch).Pluck("id", &ids).Error
		if err != nil {
			return total, Translate(err, "expired "+what)
		}
		if len(ids) == 0 {
			return total, nil
		}
		res := s.DB(ctx).Where("id IN ?", ids).Delete(model)
		if res.Error != nil {
			return total, Translate(res.Error, "purge "+what)
		}
		total += res.RowsAffected
		if len(ids) < batch {
			return total, nil
		}
	}
}

// DiskBytes is the size on disk of a SQLite database (main file, WAL and shared memory);
// for MySQL it is the data and index length of the current schema's tables.
func (s *Store) DiskBytes(ctx context.Context) (int64, error) {
	if s.dialect == migrations.MySQL {
		var n int64
		err := s.db.WithContext(ctx).Raw("SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.tables WHERE table_schema = DATABASE()").Scan(&n).Error
		return n, Translate(err, "database size")
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return 0, err
	}
	var file string
	rows, err := sqlDB.QueryContext(ctx, "PRAGMA database_list")
	if err != nil {
		return 0, fmt.Errorf("database list: %w", err)
	}
	for rows.Next() {
		var seq int
		var name, f string
		if err := rows.Scan(&seq, &name, &f); err != nil {
			_ = rows.Close()
			return 0, fmt.Errorf("database list: %w", err)
		}
		if name == "main" {
			file = f
		}
	}
	_ = rows.Close()
	if file == "" {
		return 0, nil // in memory
	}
	return FileBytes(file), nil
}

// FileBytes adds the sizes of a SQLite file and its -wal and -shm companions (missing ones
// count 0).
func FileBytes(file string) int64 {
	file = strings.TrimPrefix(file, "file:")
	var n int64
	for _, p := range []string{file, file + "-wal", file + "-shm"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// TableBytes is the space each table takes with its indexes, by table name: on SQLite the
// pages in use (dbstat), an FTS5 table's shadow tables counted with it (search_entries
// with search_entries_data, …); on MySQL the data and index length of the current schema's
// tables. The footprint bench prints where keydesk's bytes per ticket go from it.
func (s *Store) TableBytes(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	type row struct {
		Name  string
		Bytes int64
	}
	var rows []row
	if s.dialect == migrations.MySQL {
		err := s.db.WithContext(ctx).Raw("SELECT table_name AS name, COALESCE(data_length + index_length, 0) AS bytes FROM information_schema.tables WHERE table_schema = DATABASE()").
			Scan(&rows).Error
		if err != nil {
			return nil, Translate(err, "table sizes")
		}
		for _, r := range rows {
			out[r.Name] += r.Bytes
		}
		return out, nil
	}
	err := s.db.WithContext(ctx).Raw(`SELECT COALESCE(m.tbl_name, d.name) AS name, SUM(d.pgsize) AS bytes
		FROM dbstat AS d LEFT JOIN sqlite_master AS m ON m.name = d.name GROUP BY 1`).Scan(&rows).Error
	if err != nil {
		return nil, Translate(err, "table sizes (dbstat)")
	}
	var virtual []string
	if err := s.db.WithContext(ctx).Raw("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'").Scan(&virtual).Error; err != nil {
		return nil, Translate(err, "virtual tables")
	}
	for _, r := range rows {
		name := r.Name
		for _, v := range virtual {
			if strings.HasPrefix(name, v+"_") {
				name = v // an FTS5 shadow table (_data, _idx, _docsize, _config)
			}
		}
		out[name] += r.Bytes
	}
	return out, nil
}

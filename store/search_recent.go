package store

// Recent rows of the ticket search index (issue 15, migration 00440). The index triggers write
// a new subject or message into search_recent, a plain table read by merchant, instead of the
// full-text index: a full-text write per transaction (an FTS5 segment, a Mroonga row) was
// +20-30% on ticket creation. Search reads search_recent (LIKE over the merchant's pending
// rows) before the full-text index, and MoveSearchRecent, run by housekeeping, moves the rows
// into the full-text index in batches. A text is findable as soon as its transaction commits,
// in one table or the other:
//   - SQLite serialises writers, and a batch inserts into FTS5 and deletes from search_recent
//     in one transaction, so a key is in exactly one table at any snapshot.
//   - MariaDB/MySQL: Mroonga is not transactional, so a batch's rows are in Mroonga before the
//     batch commits; reading search_recent first, then the index, sees a moved row in one of
//     them (or both: search keeps one hit per ticket).

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/keydesk/keydesk/migrations"
)

// DefaultSearchMoveBatch is how many recent rows one move transaction takes by default.
const DefaultSearchMoveBatch = 1000

// recentChunk reads up to n ticket ids (newest first, a ticket may repeat) of the merchant's
// recent rows below before (0: no bound) whose text contains the term.
func (s *Store) recentChunk(ctx context.Context, merchantID uint64, term string, before uint64, n int) ([]uint64, error) {
	col := "text"
	if s.dialect == migrations.MySQL {
		col = "body"
	}
	q := "SELECT ticket_id FROM search_recent WHERE merchant_id = ? AND " + col + " LIKE ? ESCAPE '!'"
	args := []any{merchantID, likeArg(term)}
	if before > 0 {
		q += " AND ticket_id < ?"
		args = append(args, before)
	}
	var ids []uint64
	err := s.DB(ctx).Raw(q+" ORDER BY ticket_id DESC LIMIT ?", append(args, n)...).Scan(&ids).Error
	return ids, Translate(err, "search recent rows")
}

// mergeNewest merges two lists of ticket ids sorted newest first into the n newest.
func mergeNewest(a, b []uint64, n int) []uint64 {
	out := make([]uint64, 0, min(n, len(a)+len(b)))
	for len(out) < n && (len(a) > 0 || len(b) > 0) {
		if len(b) == 0 || (len(a) > 0 && a[0] >= b[0]) {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return out
}

// SearchRecentRows counts the rows waiting in search_recent to be moved into the full-text
// index.
func (s *Store) SearchRecentRows(ctx context.Context) (int64, error) {
	var n int64
	err := s.DB(ctx).Raw("SELECT COUNT(*) FROM search_recent").Scan(&n).Error
	return n, Translate(err, "search recent rows")
}

// SearchRecentOver reports whether more than n rows wait in search_recent (without counting
// them all).
func (s *Store) SearchRecentOver(ctx context.Context, n int) (bool, error) {
	var ids []int64
	err := s.DB(ctx).Raw("SELECT entry_id FROM search_recent LIMIT 1 OFFSET ?", n).Scan(&ids).Error
	return len(ids) > 0, Translate(err, "search recent rows")
}

// MoveSearchRecent moves the rows of search_recent into the full-text index, batch rows per
// transaction, until none is left (rows written meanwhile included), and returns how many
// it moved. Each batch is one transaction, so a crash loses nothing: an interrupted batch
// stays in search_recent (on MySQL possibly in Mroonga too, which the next REPLACE
// overwrites). Two processes may run it at once: on SQLite writers are serialised (every
// transaction is BEGIN IMMEDIATE and the batch's bound is read inside it); on MySQL each
// batch locks its rows FOR UPDATE SKIP LOCKED, so concurrent movers take different rows.
func (s *Store) MoveSearchRecent(ctx context.Context, batch int) (int, error) {
	if batch <= 0 {
		batch = DefaultSearchMoveBatch
	}
	total := 0
	for {
		n, err := s.moveSearchBatch(ctx, batch)
		// A deadlock with a writer or another mover rolled the batch back whole (rows a
		// MySQL batch put in Mroonga are rewritten by the next REPLACE): run it again.
		for try := 0; err != nil && IsRetryableTx(err) && try < 5; try++ {
			n, err = s.moveSearchBatch(ctx, batch)
		}
		total += n
		if err != nil {
			return total, fmt.Errorf("move search rows (%d moved): %w", total, err)
		}
		if n < batch {
			return total, nil
		}
	}
}

// moveSearchBatch moves up to batch rows (in key order: merchant, ticket, entry) in one
// transaction.
func (s *Store) moveSearchBatch(ctx context.Context, batch int) (int, error) {
	if s.dialect == migrations.MySQL {
		return s.moveSearchBatchMySQL(ctx, batch)
	}
	moved := 0
	err := s.InTx(ctx, func(ctx context.Context) error {
		db := s.DB(ctx)
		// The transaction holds the write lock from its start (BEGIN IMMEDIATE): the bound
		// and both statements see the same rows, and no other writer runs in between.
		var keys []recentKey
		if err := db.Raw("SELECT merchant_id, ticket_id, entry_id FROM search_recent ORDER BY merchant_id, ticket_id, entry_id LIMIT ?", batch).Scan(&keys).Error; err != nil {
			return Translate(err, "select batch")
		}
		if len(keys) == 0 {
			return nil
		}
		hi := keys[len(keys)-1]
		const upTo = " WHERE (merchant_id, ticket_id, entry_id) <= (?, ?, ?)"
		if err := db.Exec("INSERT INTO search_entries (rowid, text) SELECT "+sqliteEntryRowid+", text FROM search_recent"+upTo, hi.MerchantID, hi.TicketID, hi.EntryID).Error; err != nil {
			return Translate(err, "insert batch")
		}
		res := db.Exec("DELETE FROM search_recent"+upTo, hi.MerchantID, hi.TicketID, hi.EntryID)
		moved = int(res.RowsAffected)
		return Translate(res.Error, "delete batch")
	})
	return moved, err
}

// recentKey is a search_recent row's primary key.
type recentKey struct {
	MerchantID uint64
	TicketID   uint64
	EntryID    int64
}

// recentRow is a search_recent row on MySQL (fields spelled out: gorm's Raw Scan does not
// fill an embedded struct's).
type recentRow struct {
	MerchantID uint64
	TicketID   uint64
	EntryID    int64
	Body       string
}

// moveSearchBatchMySQL locks up to batch rows no other transaction holds (SKIP LOCKED), writes
// them into search_entries with REPLACE (a row an interrupted move left in Mroonga is
// overwritten) and deletes them. READ COMMITTED: no gap locks, so triggers inserting new
// rows never wait for a move; the rows are read in the locking SELECT, because an
// INSERT … SELECT would take shared locks on every row it scans, other movers' too.
func (s *Store) moveSearchBatchMySQL(ctx context.Context, batch int) (int, error) {
	moved := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []recentRow
		err := tx.Raw("SELECT merchant_id, ticket_id, entry_id, body FROM search_recent ORDER BY merchant_id, ticket_id, entry_id LIMIT ? FOR UPDATE SKIP LOCKED", batch).Scan(&rows).Error
		if err != nil {
			return Translate(err, "lock batch")
		}
		keys := make([]recentKey, len(rows))
		for i, r := range rows {
			keys[i] = recentKey{r.MerchantID, r.TicketID, r.EntryID}
		}
		for len(rows) > 0 {
			part := rows[:min(len(rows), 500)]
			rows = rows[len(part):]
			vals := make([]string, len(part))
			args := make([]any, 0, 4*len(part))
			for i, r := range part {
				vals[i] = "(?, ?, ?, ?)"
				args = append(args, r.EntryID, r.TicketID, r.MerchantID, r.Body)
			}
			if err := tx.Exec("REPLACE INTO search_entries (entry_id, ticket_id, merchant_id, body) VALUES "+strings.Join(vals, ", "), args...).Error; err != nil {
				return Translate(err, "insert batch")
			}
		}
		if len(keys) == 0 {
			return nil
		}
		// Driven by the keys (a primary-key lookup each): with `IN (…)` on a small table the
		// optimizer scans, waiting for rows other movers locked (deadlocks).
		sel := make([]string, len(keys))
		args := make([]any, 0, 3*len(keys))
		for i, k := range keys {
			sel[i] = "SELECT ? AS m, ? AS t, ? AS e"
			args = append(args, k.MerchantID, k.TicketID, k.EntryID)
		}
		res := tx.Exec("DELETE r FROM ("+strings.Join(sel, " UNION ALL ")+") b STRAIGHT_JOIN search_recent r ON r.merchant_id = b.m AND r.ticket_id = b.t AND r.entry_id = b.e", args...)
		moved = int(res.RowsAffected)
		return Translate(res.Error, "delete batch")
	}, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	return moved, err
}

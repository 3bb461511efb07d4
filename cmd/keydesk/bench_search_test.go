package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/keydesk/keydesk/store"
)

// TestBenchSearchWrites: the write-path figure alternates blocks with and without the index
// triggers and prints the median (with the spread of block pairs), the mean and, on SQLite, the
// CPU time per ticket, then the recent rows and the cost of moving them (also for --pending
// rows); afterwards the triggers are back, search_recent is empty and the tickets written
// without the triggers are found by full-text search exactly like those written with them.
func TestBenchSearchWrites(t *testing.T) {
	ctx := context.Background()
	url := "sqlite:" + filepath.Join(t.TempDir(), "bench.db")
	start := time.Now().UTC().Add(-time.Minute)
	var out bytes.Buffer
	err := benchSearch(ctx, nil, []string{"--tickets", "40", "--merchants", "2", "--runs", "2", "--writes", "12", "--write-blocks", "3", "--pending", "8", "--db", url}, &out)
	if err != nil {
		t.Fatalf("bench search: %v\n%s", err, out.String())
	}
	for _, re := range []string{
		`12 tickets per arm in 3 alternating blocks`,
		`median [0-9.]+ ms with the index, [0-9.]+ ms without: [-+][0-9]+% \([-+][0-9.]+ ms\); per block pair [-+][0-9]+% \(median\), [-+][0-9]+% … [-+][0-9]+%`,
		`mean +[0-9.]+ ms with the index, [0-9.]+ ms without: [-+][0-9]+%`,
		`CPU +[0-9.]+ ms with the index, [0-9.]+ ms without: [-+][0-9]+%`,
		`recent rows after the blocks: [1-9][0-9]* \(search_recent`,
		`move: [1-9][0-9]* rows in [0-9.]+ ms, [0-9.]+ ms per ticket \(4 rows\), CPU [0-9.]+ ms per ticket`,
		`the same queries with 16 rows waiting in search_recent \(8 per merchant`,
	} {
		if !regexp.MustCompile(re).MatchString(out.String()) {
			t.Errorf("output lacks %q:\n%s", re, out.String())
		}
	}

	s, err := store.Open(ctx, store.Options{URL: url, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var triggers int
	if err := s.DB(ctx).Raw("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search_recent_%'").Scan(&triggers).Error; err != nil || triggers != 5 {
		t.Fatalf("index triggers after the bench: %d (%v), want the 5 restored", triggers, err)
	}
	if n, err := s.SearchRecentRows(ctx); err != nil || n != 0 {
		t.Fatalf("rows left in search_recent after the bench: %d (%v)", n, err)
	}
	var mid uint64
	if err := s.DB(ctx).Raw("SELECT merchant_id FROM tickets WHERE ref LIKE 'KD-Wn%' LIMIT 1").Scan(&mid).Error; err != nil || mid == 0 {
		t.Fatalf("no ticket written without the index: %v", err)
	}
	for _, term := range []string{"key", "退款", "卡密", "Brazil"} {
		// The bench's tickets (created now; the filled ones are older) whose text holds the term.
		var want []string
		err := s.DB(ctx).Raw(`SELECT t.ref FROM tickets t WHERE t.merchant_id = ? AND t.created_at >= ? AND (t.subject LIKE ? OR EXISTS
			(SELECT 1 FROM messages m WHERE m.ticket_id = t.id AND m.body LIKE ?)) ORDER BY t.id DESC`, mid, start, "%"+term+"%", "%"+term+"%").Scan(&want).Error
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.SearchTickets(ctx, store.SearchQuery{MerchantID: mid, Text: term, Sort: store.SearchByNewest, Limit: 100, CreatedFrom: &start})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		unindexed := 0
		for _, h := range p.Hits {
			got = append(got, h.Ticket.Ref)
			if regexp.MustCompile(`^KD-Wn`).MatchString(h.Ticket.Ref) {
				unindexed++
			}
		}
		if len(want) == 0 || !slices.Equal(got, want) || unindexed == 0 {
			t.Errorf("%q: search found %v (%d written without the index), the text holds it in %v", term, got, unindexed, want)
		}
	}
}

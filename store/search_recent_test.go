package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// Search's recent rows (migration 00440): the triggers write new text into search_recent and
// MoveSearchRecent moves it into the full-text index. These tests run on SQLite and, with
// KEYDESK_TEST_MYSQL_DSN, on MariaDB/MySQL.

// indexRows counts the rows of the full-text index (every merchant's).
func indexRows(t *testing.T, s *store.Store) int64 {
	t.Helper()
	var n int64
	if err := s.DB(context.Background()).Raw("SELECT COUNT(*) FROM search_entries").Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// findRefs searches one merchant and returns the refs found (in page order), failing the test
// when a ticket comes back twice or belongs to another merchant.
func findRefs(t *testing.T, s *store.Store, merchant uint64, text, sortBy string) []string {
	t.Helper()
	p, err := s.SearchTickets(context.Background(), store.SearchQuery{MerchantID: merchant, Text: text, Sort: sortBy, Limit: 100})
	if err != nil {
		t.Fatalf("search %q: %v", text, err)
	}
	seen := map[uint64]bool{}
	for _, h := range p.Hits {
		if seen[h.Ticket.ID] || h.Ticket.MerchantID != merchant {
			t.Fatalf("search %q: ticket %s twice or of another merchant", text, h.Ticket.Ref)
		}
		seen[h.Ticket.ID] = true
	}
	return refs(p)
}

// TestSearchRecentVisibleAtCommit: a ticket is found the moment its transaction commits (not
// before), from search_recent, and still found once after the move; relevance and date order
// and snippets hold across the two tables; another merchant's recent text never matches.
func TestSearchRecentVisibleAtCommit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := seedTicketFixture(t, s, "shop-a", "UTC")
		b := seedTicketFixture(t, s, "shop-b", "UTC")
		mk := func(f ticketFixture, ref, subject, body string) models.Ticket {
			t.Helper()
			tk := newTicket(f, ref, nil)
			tk.Subject = subject
			if err := s.CreateTicket(ctx, &tk, &models.Message{AuthorKind: models.AuthorCustomer, Body: body, RequestID: "submission"}); err != nil {
				t.Fatal(err)
			}
			return tk
		}
		// Subject match (ranks first), moved into the index.
		mk(a, "KD-GLIM0001", "glimmer key", "nothing else")
		if _, err := s.MoveSearchRecent(ctx, 0); err != nil {
			t.Fatal(err)
		}
		// The other merchant's text, in search_recent.
		mk(b, "KD-GLIM0002", "glimmer glimmer", "glimmer")
		// Inside an open transaction the new ticket is not visible to others; at commit it is.
		err := s.InTx(ctx, func(tx context.Context) error {
			tk := newTicket(a, "KD-GLIM0003", nil)
			tk.Subject = "help"
			if err := s.CreateTicket(tx, &tk, &models.Message{AuthorKind: models.AuthorCustomer, Body: "a long message that mentions glimmer once, among many other words", RequestID: "submission"}); err != nil {
				return err
			}
			if got := findRefs(t, s, a.merchant, "glimmer", store.SearchByNewest); strings.Join(got, ",") != "KD-GLIM0001" {
				t.Errorf("before commit: %v", got)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := s.SearchRecentRows(ctx); n != 4 {
			t.Fatalf("recent rows %d, want 4 (two tickets' subject and message)", n)
		}
		if got := findRefs(t, s, a.merchant, "glimmer", store.SearchByNewest); strings.Join(got, ",") != "KD-GLIM0003,KD-GLIM0001" {
			t.Errorf("newest first after commit: %v", got)
		}
		if got := findRefs(t, s, a.merchant, "glimmer", ""); strings.Join(got, ",") != "KD-GLIM0001,KD-GLIM0003" {
			t.Errorf("relevance (subject first): %v", got)
		}
		p, err := s.SearchTickets(ctx, store.SearchQuery{MerchantID: a.merchant, Text: "GLIMMER", Sort: store.SearchByNewest})
		if err != nil || len(p.Hits) != 2 || !strings.Contains(p.Hits[0].Snippet, "<mark>glimmer</mark>") {
			t.Errorf("snippet of a recent row: %v %+v", err, p.Hits)
		}
		// Cursor pagination over both tables, one per page.
		var paged []string
		q := store.SearchQuery{MerchantID: a.merchant, Text: "glimmer", Sort: store.SearchByNewest, Limit: 1}
		for range 5 {
			p, err := s.SearchTickets(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			paged = append(paged, refs(p)...)
			if p.Next == nil {
				break
			}
			q.Cursor = p.Next
		}
		if strings.Join(paged, ",") != "KD-GLIM0003,KD-GLIM0001" {
			t.Errorf("paged: %v", paged)
		}
		if got := findRefs(t, s, b.merchant, "glimmer", ""); strings.Join(got, ",") != "KD-GLIM0002" {
			t.Errorf("shop-b: %v", got)
		}
		if _, err := s.MoveSearchRecent(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.SearchRecentRows(ctx); n != 0 {
			t.Errorf("recent rows after the move: %d", n)
		}
		if got := findRefs(t, s, a.merchant, "glimmer", store.SearchByNewest); strings.Join(got, ",") != "KD-GLIM0003,KD-GLIM0001" {
			t.Errorf("after the move: %v", got)
		}
		if got := indexRows(t, s); got != 6 {
			t.Errorf("index rows %d, want 6", got)
		}
	})
}

// TestSearchRecentEditsAndDeletes: a changed subject, a deleted message and a deleted ticket
// leave no old text behind, whether their rows were still in search_recent, already moved, or
// moved half way (the ticket moved, a later message not).
func TestSearchRecentEditsAndDeletes(t *testing.T) {
	for _, state := range []string{"recent", "moved", "half"} {
		t.Run(state, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, s *store.Store) {
				ctx := context.Background()
				f := seedTicketFixture(t, s, "shop-a", "UTC")
				tk := newTicket(f, "KD-EDIT0001", nil)
				tk.Subject = "walrus subject"
				if err := s.CreateTicket(ctx, &tk, &models.Message{AuthorKind: models.AuthorCustomer, Body: "first narwhal body", RequestID: "submission"}); err != nil {
					t.Fatal(err)
				}
				if state == "half" {
					settleSearch(t, s, true)
				}
				addMsg(t, s, tk, models.AuthorAgent, "reply with ocelot", false, "r1")
				if state == "moved" {
					settleSearch(t, s, true)
				} else {
					settleSearch(t, s, false)
				}
				found := func(text string) bool {
					t.Helper()
					return len(findRefs(t, s, f.merchant, text, "")) == 1
				}
				if !found("walrus") || !found("narwhal") || !found("ocelot") {
					t.Fatal("seeded text not found")
				}
				if err := s.DB(ctx).Model(&models.Ticket{}).Where("id = ?", tk.ID).Update("subject", "capybara subject").Error; err != nil {
					t.Fatal(err)
				}
				if found("walrus") || !found("capybara") {
					t.Errorf("subject change: walrus %v, capybara %v", found("walrus"), found("capybara"))
				}
				var reply models.Message
				if err := s.DB(ctx).Where("ticket_id = ? AND body LIKE ?", tk.ID, "%ocelot%").Take(&reply).Error; err != nil {
					t.Fatal(err)
				}
				if err := s.DB(ctx).Delete(&reply).Error; err != nil {
					t.Fatal(err)
				}
				if found("ocelot") || !found("narwhal") {
					t.Errorf("message delete: ocelot %v, narwhal %v", found("ocelot"), found("narwhal"))
				}
				// Moving what is left changes nothing that search sees.
				if _, err := s.MoveSearchRecent(ctx, 0); err != nil {
					t.Fatal(err)
				}
				if found("walrus") || found("ocelot") || !found("capybara") || !found("narwhal") {
					t.Errorf("after the move: walrus %v ocelot %v capybara %v narwhal %v", found("walrus"), found("ocelot"), found("capybara"), found("narwhal"))
				}
				if got := indexRows(t, s); got != 2 {
					t.Errorf("index rows %d, want 2 (subject, first message)", got)
				}
				// A deleted ticket (messages first: the foreign key restricts) leaves no row.
				addMsg(t, s, tk, models.AuthorAgent, "late pangolin", false, "r2")
				if err := s.DB(ctx).Where("ticket_id = ?", tk.ID).Delete(&models.Message{}).Error; err != nil {
					t.Fatal(err)
				}
				if err := s.DB(ctx).Exec("DELETE FROM tickets WHERE id = ?", tk.ID).Error; err != nil {
					t.Skipf("ticket delete blocked by other rows: %v", err)
				}
				if n, _ := s.SearchRecentRows(ctx); n != 0 || indexRows(t, s) != 0 {
					t.Errorf("after deleting the ticket: %d recent rows, %d index rows", n, indexRows(t, s))
				}
			})
		})
	}
}

// TestSearchRecentConcurrentMoves: three movers and a writer at once. Afterwards every ticket
// is found exactly once and the index holds each row once: no row lost, none moved twice.
func TestSearchRecentConcurrentMoves(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := seedTicketFixture(t, s, "shop-a", "UTC")
		create := func(i int) error {
			tk := newTicket(f, fmt.Sprintf("KD-CONC%04d", i), nil)
			tk.Subject = fmt.Sprintf("subject zq%04dq", i)
			if err := s.CreateTicket(ctx, &tk, &models.Message{AuthorKind: models.AuthorCustomer, Body: "body of a concurrent ticket", RequestID: "submission"}); err != nil {
				return err
			}
			return s.AddMessages(ctx, []models.Message{{MerchantID: f.merchant, TicketID: tk.ID, AuthorKind: models.AuthorAgent, Body: fmt.Sprintf("reply yk%04dk", i), RequestID: "r1"}})
		}
		const first, more = 30, 20
		for i := range first {
			if err := create(i); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 4 {
					if _, err := s.MoveSearchRecent(ctx, 7); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := first; i < first+more; i++ {
				if err := create(i); err != nil {
					errs <- err
					return
				}
			}
		}()
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if _, err := s.MoveSearchRecent(ctx, 0); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.SearchRecentRows(ctx); n != 0 {
			t.Errorf("recent rows left: %d", n)
		}
		if got, want := indexRows(t, s), int64(3*(first+more)); got != want {
			t.Errorf("index rows %d, want %d", got, want)
		}
		for i := range first + more {
			for _, term := range []string{fmt.Sprintf("zq%04dq", i), fmt.Sprintf("yk%04dk", i)} {
				if got := findRefs(t, s, f.merchant, term, ""); len(got) != 1 || got[0] != fmt.Sprintf("KD-CONC%04d", i) {
					t.Errorf("%s: %v", term, got)
				}
			}
		}
	})
}

// TestSearchRecentInterruptedMove: a move that wrote the index and then rolled back (a crash,
// a lost connection) leaves its rows in search_recent; on MySQL Mroonga, which is not
// transactional, keeps them as well. Search still returns each ticket once, and the next move
// succeeds and leaves one index row per text.
func TestSearchRecentInterruptedMove(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := seedTicketFixture(t, s, "shop-a", "UTC")
		for i := range 5 {
			tk := newTicket(f, fmt.Sprintf("KD-CRSH%04d", i), nil)
			tk.Subject = "interrupted move"
			if err := s.CreateTicket(ctx, &tk, &models.Message{AuthorKind: models.AuthorCustomer, Body: "stoat", RequestID: "submission"}); err != nil {
				t.Fatal(err)
			}
		}
		copyRows := "INSERT INTO search_entries (rowid, text) SELECT ((entry_id >> 32) << 12) + CASE WHEN (entry_id & 4294967295) = 0 THEN 0 ELSE 1 + ((entry_id & 4294967295) - 1) % 4095 END, text FROM search_recent"
		if s.Dialect() != "sqlite" {
			copyRows = "INSERT INTO search_entries (entry_id, ticket_id, merchant_id, body) SELECT entry_id, ticket_id, merchant_id, body FROM search_recent"
		}
		err := s.InTx(ctx, func(tx context.Context) error {
			if err := s.DB(tx).Exec(copyRows).Error; err != nil {
				t.Fatal(err)
			}
			return errBoom
		})
		if err != errBoom {
			t.Fatalf("interrupted move: %v", err)
		}
		if n, _ := s.SearchRecentRows(ctx); n != 10 {
			t.Fatalf("recent rows after the rollback: %d, want 10", n)
		}
		if got := findRefs(t, s, f.merchant, "stoat", ""); len(got) != 5 {
			t.Errorf("before the next move: %v", got)
		}
		if n, err := s.MoveSearchRecent(ctx, 4); err != nil || n != 10 {
			t.Fatalf("next move: %d %v", n, err)
		}
		if got := findRefs(t, s, f.merchant, "interrupted move", ""); len(got) != 5 {
			t.Errorf("after the next move: %v", got)
		}
		if got := indexRows(t, s); got != 10 {
			t.Errorf("index rows %d, want 10", got)
		}
	})
}

// TestSearchRecentInterleaved: recent rows of old tickets (a new message) sit below index rows
// of newer ones; read in several chunks (a newest ticket with 450 matching rows) and with a low
// scan limit (a page a chunk), newest-first pages return every match once, in order, and
// relevance ranks them all.
func TestSearchRecentInterleaved(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := seedTicketFixture(t, s, "shop-a", "UTC")
		var tks []models.Ticket
		mk := func(i int) {
			tk := newTicket(f, fmt.Sprintf("KD-KINK%04d", i), nil)
			tk.Subject = "kinkajou"
			if i%2 == 1 {
				tk.Subject = "other"
			}
			if err := s.CreateTicket(ctx, &tk, &models.Message{AuthorKind: models.AuthorCustomer, Body: "hello", RequestID: "submission"}); err != nil {
				t.Fatal(err)
			}
			tks = append(tks, tk)
		}
		for i := range 12 {
			mk(i)
		}
		// The newest ticket holds more index rows than a first chunk reads (400 on SQLite), so
		// the reading goes on in further chunks.
		var many []models.Message
		for i := range 450 {
			many = append(many, models.Message{MerchantID: f.merchant, TicketID: tks[11].ID, AuthorKind: models.AuthorAgent, Body: "kinkajou", RequestID: fmt.Sprintf("m%d", i)})
		}
		if err := s.AddMessages(ctx, many); err != nil {
			t.Fatal(err)
		}
		settleSearch(t, s, true)
		// Old tickets (subject elsewhere) get a matching message: recent rows below index rows.
		addMsg(t, s, tks[1], models.AuthorAgent, "about the kinkajou", false, "r1")
		addMsg(t, s, tks[3], models.AuthorAgent, "kinkajou again", false, "r1")
		var want []string
		for i := 11; i >= 0; i-- {
			if i%2 == 0 || i == 1 || i == 3 || i == 11 {
				want = append(want, tks[i].Ref)
			}
		}
		paged := func(limit int) []string {
			var got []string
			q := store.SearchQuery{MerchantID: f.merchant, Text: "kinkajou", Sort: store.SearchByNewest, Limit: limit}
			for range 50 {
				p, err := s.SearchTickets(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, refs(p)...)
				if p.Next == nil {
					return got
				}
				q.Cursor = p.Next
			}
			t.Fatal("no last page")
			return nil
		}
		for _, limit := range []int{2, 20} {
			if got := paged(limit); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("pages of %d: %v, want %v", limit, got, want)
			}
		}
		if got := findRefs(t, s, f.merchant, "kinkajou", ""); len(got) != len(want) {
			t.Errorf("relevance: %v, want %d tickets", got, len(want))
		}
		defer func(e int) { store.SearchScanEntries = e }(store.SearchScanEntries)
		store.SearchScanEntries = 3
		if got := paged(2); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("a chunk of 3 a page: %v, want %v", got, want)
		}
	})
}

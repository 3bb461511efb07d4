package store_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// requireCJKEngine skips CJK full-text checks on a MariaDB without Mroonga, saying why, and
// fails instead when KEYDESK_REQUIRE_MROONGA is set (CI installs the engine).
func requireCJKEngine(t *testing.T, s *store.Store) {
	t.Helper()
	eng, err := s.SearchEngine(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if eng == store.EngineInnoDB {
		msg := "search_tickets is InnoDB FULLTEXT: the Mroonga engine (apt-get install mariadb-plugin-mroonga) was not available when the database was migrated"
		if os.Getenv("KEYDESK_REQUIRE_MROONGA") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

type searchFixture struct {
	f      ticketFixture
	ids    map[string]uint64
	others ticketFixture
}

func addMsg(t *testing.T, s *store.Store, tk models.Ticket, kind, body string, internal bool, req string) {
	t.Helper()
	err := s.AddMessages(context.Background(), []models.Message{{MerchantID: tk.MerchantID, TicketID: tk.ID, AuthorKind: kind, Body: body, Internal: internal, RequestID: req}})
	if err != nil {
		t.Fatalf("message: %v", err)
	}
}

func seedSearch(t *testing.T, s *store.Store) searchFixture {
	t.Helper()
	ctx := context.Background()
	sf := searchFixture{f: seedTicketFixture(t, s, "shop-a", "UTC"), ids: map[string]uint64{}, others: seedTicketFixture(t, s, "shop-b", "UTC")}
	mk := func(f ticketFixture, ref, subject, first string) models.Ticket {
		tk := newTicket(f, ref, nil)
		tk.Subject = subject
		if err := s.CreateTicket(ctx, &tk, &models.Message{AuthorKind: models.AuthorCustomer, Body: first, RequestID: "submission"}); err != nil {
			t.Fatalf("create: %v", err)
		}
		sf.ids[ref] = tk.ID
		return tk
	}
	a := mk(sf.f, "KD-SRCH0001", "卡密无法激活", "我买的卡密显示已被使用，请尽快退款")
	addMsg(t, s, a, models.AuthorAgent, "您好，我们正在核实您的订单", false, "r1")
	addMsg(t, s, a, models.AuthorAgent, "internal: supplier batch looks duplicated", true, "n1")
	b := mk(sf.f, "KD-SRCH0002", "Key already redeemed", "The activation key says already redeemed on Steam. 我要退款 please")
	addMsg(t, s, b, models.AuthorAgent, "We are checking the <batch> & will reply", false, "r1")
	c := mk(sf.f, "KD-SRCH0003", "Wrong region", "This code only works in Europe, I am in Brazil")
	c.Status = models.StatusClosed
	if err := s.DB(ctx).Model(&c).Updates(map[string]any{"status": models.StatusClosed, "priority": models.PriorityHigh}).Error; err != nil {
		t.Fatal(err)
	}
	// Another merchant's ticket with the same words: must never match for shop-a.
	mk(sf.others, "KD-OTHR0001", "卡密无法激活 already redeemed", "退款 退款 Brazil supplier batch")
	return sf
}

func refs(p store.SearchPage) []string {
	var out []string
	for _, h := range p.Hits {
		out = append(out, h.Ticket.Ref)
	}
	return out
}

// searchStates runs a search test with its seeded rows still in search_recent (as written by
// the triggers) and again after they were moved into the full-text index.
func searchStates(t *testing.T, fn func(t *testing.T, s *store.Store, settle func())) {
	for _, moved := range []bool{false, true} {
		name := map[bool]string{false: "recent", true: "moved"}[moved]
		t.Run(name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, s *store.Store) {
				fn(t, s, func() {
					t.Helper()
					settleSearch(t, s, moved)
				})
			})
		})
	}
}

// settleSearch moves search_recent into the full-text index (moved) or checks the rows are
// still waiting there, so each state is what the test says it is.
func settleSearch(t *testing.T, s *store.Store, moved bool) {
	t.Helper()
	ctx := context.Background()
	if moved {
		if _, err := s.MoveSearchRecent(ctx, 3); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.SearchRecentRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if moved != (n == 0) {
		t.Fatalf("moved=%v but %d recent rows", moved, n)
	}
}

func TestSearchTickets(t *testing.T) {
	searchStates(t, func(t *testing.T, s *store.Store, settle func()) {
		ctx := context.Background()
		sf := seedSearch(t, s)
		settle()
		m := sf.f.merchant
		search := func(q store.SearchQuery) store.SearchPage {
			t.Helper()
			q.MerchantID = m
			p, err := s.SearchTickets(ctx, q)
			if err != nil {
				t.Fatalf("search %+v: %v", q, err)
			}
			return p
		}
		has := func(p store.SearchPage, want ...string) {
			t.Helper()
			got := refs(p)
			slices.Sort(got)
			slices.Sort(want)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("got %v, want %v", got, want)
			}
		}
		// Exact fields.
		has(search(store.SearchQuery{Text: "KD-SRCH0002"}), "KD-SRCH0002")
		if p := search(store.SearchQuery{Text: "KD-OTHR0001"}); len(p.Hits) != 0 {
			t.Errorf("another merchant's ref found: %v", refs(p))
		}
		p := search(store.SearchQuery{Text: "O-shop-a"})
		if len(p.Hits) != 3 || p.Hits[0].Match != store.MatchExact {
			t.Errorf("order number: %v", refs(p))
		}
		if p := search(store.SearchQuery{Text: "O-shop-b"}); len(p.Hits) != 0 {
			t.Errorf("another merchant's order found: %v", refs(p))
		}
		if p := search(store.SearchQuery{Text: "  BUYER@example.COM "}); len(p.Hits) != 3 {
			t.Errorf("email, case and spaces ignored: %v", refs(p))
		}
		// English word, phrase, case-insensitive.
		has(search(store.SearchQuery{Text: "redeemed"}), "KD-SRCH0002")
		has(search(store.SearchQuery{Text: `"ALREADY REDEEMED"`}), "KD-SRCH0002")
		has(search(store.SearchQuery{Text: "brazil"}), "KD-SRCH0003")
		// Closed tickets are found; filters narrow.
		has(search(store.SearchQuery{Text: "brazil", Statuses: []string{models.StatusNew}}))
		has(search(store.SearchQuery{Text: "brazil", Priority: models.PriorityHigh}), "KD-SRCH0003")
		// Internal notes are searchable by staff.
		has(search(store.SearchQuery{Text: "supplier batch"}), "KD-SRCH0001")
		// Terms may match different messages of one ticket; a changed subject is re-indexed.
		has(search(store.SearchQuery{Text: "核实 internal"}), "KD-SRCH0001")
		if err := s.DB(ctx).Model(&models.Ticket{}).Where("id = ?", sf.ids["KD-SRCH0003"]).Update("subject", "Region locked code").Error; err != nil {
			t.Fatal(err)
		}
		has(search(store.SearchQuery{Text: "locked"}), "KD-SRCH0003")
		has(search(store.SearchQuery{Text: "wrong region"}))
		// Nothing of the other merchant.
		if p := search(store.SearchQuery{Text: "zzzqqq"}); len(p.Hits) != 0 {
			t.Errorf("nonsense matched %v", refs(p))
		}
		// Snippets escape and highlight.
		p = search(store.SearchQuery{Text: "batch"})
		has(p, "KD-SRCH0002", "KD-SRCH0001")
		for _, h := range p.Hits {
			if !strings.Contains(h.Snippet, "<mark>batch</mark>") || strings.Contains(h.Snippet, "<batch>") {
				t.Errorf("snippet %q", h.Snippet)
			}
		}
		// Newest-first with cursor pagination covers every hit once.
		var all []string
		q := store.SearchQuery{Text: "", Limit: 1, Sort: store.SearchByNewest}
		for i := 0; i < 10; i++ {
			p := search(q)
			all = append(all, refs(p)...)
			if p.Next == nil {
				break
			}
			q.Cursor = p.Next
		}
		if strings.Join(all, ",") != "KD-SRCH0003,KD-SRCH0002,KD-SRCH0001" {
			t.Errorf("paged listing %v", all)
		}
		// Created range.
		future := time.Now().Add(time.Hour)
		has(search(store.SearchQuery{Text: "brazil", CreatedFrom: &future}))

		// Chinese: a 2-character term, a longer term, and mixed text.
		requireCJKEngine(t, s)
		has(search(store.SearchQuery{Text: "退款"}), "KD-SRCH0002", "KD-SRCH0001")
		has(search(store.SearchQuery{Text: "无法激活"}), "KD-SRCH0001")
		has(search(store.SearchQuery{Text: "退款 redeemed"}), "KD-SRCH0002")
		has(search(store.SearchQuery{Text: "核实"}), "KD-SRCH0001")
		p = search(store.SearchQuery{Text: "卡密"})
		has(p, "KD-SRCH0001")
		if len(p.Hits) == 1 && !strings.Contains(p.Hits[0].Snippet, "<mark>卡密</mark>") {
			t.Errorf("zh snippet %q", p.Hits[0].Snippet)
		}
	})
}

func TestSearchKeyFragment(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sf := seedSearch(t, s)
		pid, keys := stock(t, s, 1)
		_ = pid
		// The key reached shop-a's order: index its tail grams under a fake keyed hash.
		var k models.CardKey
		if err := s.DB(ctx).First(&k, keys[0]).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.DB(ctx).Model(&k).Updates(map[string]any{"order_id": sf.f.order, "merchant_id": sf.f.merchant}).Error; err != nil {
			t.Fatal(err)
		}
		hash := func(m uint64, g string) string { return store.KeyGramScope(m) + "|" + g }
		var hs []string
		for _, g := range store.KeyTailGrams("ABCD-EFGH-1234-5678") {
			hs = append(hs, hash(sf.f.merchant, g))
		}
		if err := s.IndexKeyGrams(ctx, sf.f.merchant, k.ID, hs); err != nil {
			t.Fatal(err)
		}
		find := func(m uint64, text string) store.SearchPage {
			g := store.KeyFragmentGram(text)
			q := store.SearchQuery{MerchantID: m, Text: text}
			if g != "" {
				q.KeyHashes = []string{hash(m, g)}
			}
			p, err := s.SearchTickets(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		p := find(sf.f.merchant, "4-567")
		if len(p.Hits) != 3 || p.Hits[0].Match != store.MatchKey {
			t.Errorf("fragment 4567: %d hits %+v", len(p.Hits), refs(p))
		}
		if p := find(sf.others.merchant, "4567"); len(p.Hits) != 0 {
			t.Errorf("other merchant found the key: %v", refs(p))
		}
		if p := find(sf.f.merchant, "ABCD"); len(p.Hits) != 0 {
			t.Errorf("head of the key is not indexed, got %v", refs(p))
		}
	})
}

// TestRebuildTicketSearch: rebuild fills an emptied index, from the rows themselves, whether
// their text was in search_recent or already moved; afterwards nothing waits in search_recent.
func TestRebuildTicketSearch(t *testing.T) {
	searchStates(t, func(t *testing.T, s *store.Store, settle func()) {
		ctx := context.Background()
		sf := seedSearch(t, s)
		settle()
		if err := s.DB(ctx).Exec("DELETE FROM search_recent").Error; err != nil {
			t.Fatal(err)
		}
		wipe := "DELETE FROM search_entries"
		if s.Dialect() == "sqlite" {
			wipe = "INSERT INTO search_entries (search_entries) VALUES ('delete-all')"
		}
		if err := s.DB(ctx).Exec(wipe).Error; err != nil {
			t.Fatal(err)
		}
		p, _ := s.SearchTickets(ctx, store.SearchQuery{MerchantID: sf.f.merchant, Text: "redeemed"})
		if len(p.Hits) != 0 {
			t.Fatalf("emptied index still finds %v", refs(p))
		}
		n, err := s.RebuildTicketSearch(ctx, 2)
		if err != nil || n != 4 {
			t.Fatalf("rebuild: %d %v", n, err)
		}
		p, _ = s.SearchTickets(ctx, store.SearchQuery{MerchantID: sf.f.merchant, Text: "we are checking"})
		if strings.Join(refs(p), ",") != "KD-SRCH0002" {
			t.Errorf("after rebuild: %v", refs(p))
		}
		// A message written since (in search_recent) goes into the index with the next rebuild.
		addMsg(t, s, models.Ticket{ID: sf.ids["KD-SRCH0003"], MerchantID: sf.f.merchant}, models.AuthorAgent, "rebuilt quokka", false, "r9")
		if _, err := s.RebuildTicketSearch(ctx, 100); err != nil {
			t.Fatal(err)
		}
		if n, err := s.SearchRecentRows(ctx); err != nil || n != 0 {
			t.Errorf("recent rows after rebuild: %d %v", n, err)
		}
		p, _ = s.SearchTickets(ctx, store.SearchQuery{MerchantID: sf.f.merchant, Text: "quokka"})
		if strings.Join(refs(p), ",") != "KD-SRCH0003" {
			t.Errorf("message after rebuild: %v", refs(p))
		}
		if got, want := indexRows(t, s), int64(4+8); got != want {
			t.Errorf("index rows after rebuild: %d, want %d (4 subjects, 8 messages)", got, want)
		}
	})
}

func TestSnippetAndTerms(t *testing.T) {
	if got := store.SearchTerms(`退款 "already redeemed" A-1001 50%_x a"b`); strings.Join(got, "|") != "退款|already redeemed|A-1001|50%_x|a|b" {
		t.Errorf("terms %q", got)
	}
	s := store.Snippet("Hello <b>World</b> and world again", []string{"world"}, 100)
	if s != "Hello &lt;b&gt;<mark>World</mark>&lt;/b&gt; and <mark>world</mark> again" {
		t.Errorf("snippet %q", s)
	}
	long := strings.Repeat("前文", 50) + "卡密无效" + strings.Repeat("后文", 50)
	s = store.Snippet(long, []string{"卡密"}, 20)
	if !strings.HasPrefix(s, "…") || !strings.HasSuffix(s, "…") || !strings.Contains(s, "<mark>卡密</mark>") {
		t.Errorf("cut snippet %q", s)
	}
	if g := store.KeyFragmentGram("ab-12"); g != "AB12" {
		t.Errorf("fragment %q", g)
	}
	for _, bad := range []string{"abc", "退款退款", "abcdefghij", "a@b.c"} {
		if g := store.KeyFragmentGram(bad); g != "" {
			t.Errorf("%q is no fragment: %q", bad, g)
		}
	}
}

func TestSearchTextScore(t *testing.T) {
	cases := []struct {
		name         string
		subject      string
		bodies       []string
		terms        []string
		beatsSubject string
		beatsBodies  []string
	}{
		{"subject beats body", "退款 request", []string{"hello"}, []string{"退款"}, "hello", []string{"please 退款"}},
		{"all terms beat one", "x", []string{"refund key"}, []string{"refund", "key"}, "x", []string{"refund refund"}},
		{"short beats long", "x", []string{"refund"}, []string{"REFUND"}, "x", []string{"refund " + strings.Repeat("filler ", 400)}},
	}
	for _, c := range cases {
		a := store.TextScore(c.subject, c.bodies, c.terms)
		b := store.TextScore(c.beatsSubject, c.beatsBodies, c.terms)
		if a <= b {
			t.Errorf("%s: %v <= %v", c.name, a, b)
		}
	}
	if s := store.TextScore("a", []string{"b"}, []string{"zz"}); s != 0 {
		t.Errorf("no match scores %v", s)
	}
}

// TestSearchReadsNewestFirst: full-text pages read the index newest first and stop early. Paged
// sort=newest results cover every match once, newest first, with terms in different messages;
// with the scan limits lowered, a merchant whose only match is older than many of another
// merchant's gets Partial pages whose cursors continue to it (and never to the other's tickets).
// It runs with the rows in search_recent, moved, and half moved (the older half in the index,
// the newer in search_recent: pages cross from one table to the other).
func TestSearchReadsNewestFirst(t *testing.T) {
	for _, state := range []string{"recent", "moved", "half"} {
		t.Run(state, func(t *testing.T) { testSearchReadsNewestFirst(t, state) })
	}
}

func testSearchReadsNewestFirst(t *testing.T, state string) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sf := seedSearch(t, s)
		mk := func(f ticketFixture, ref, subject, body string) uint64 {
			t.Helper()
			tk := newTicket(f, ref, nil)
			tk.Subject = subject
			if err := s.CreateTicket(ctx, &tk, &models.Message{AuthorKind: models.AuthorCustomer, Body: body, RequestID: "submission"}); err != nil {
				t.Fatalf("create: %v", err)
			}
			return tk.ID
		}
		old := mk(sf.f, "KD-RARE0001", "old one", "a quasar-ish 龙虾 question")
		var want []uint64
		for i := range 12 {
			id := mk(sf.f, fmt.Sprintf("KD-PAGE%04d", i), "Paging", "paging nebula word")
			addMsg(t, s, models.Ticket{ID: id, MerchantID: sf.f.merchant}, models.AuthorAgent, "second 星云 message", false, "r1")
			want = append([]uint64{id}, want...)
			mk(sf.others, fmt.Sprintf("KD-OTHP%04d", i), "quasar-ish nebula 龙虾", "other merchant quasar-ish nebula 龙虾 星云")
			if (state == "half" && i == 5) || (state == "moved" && i == 11) {
				settleSearch(t, s, true)
			}
		}
		if state != "moved" {
			settleSearch(t, s, false)
		}
		pages := func(text string) (ids []uint64, partial int) {
			t.Helper()
			q := store.SearchQuery{MerchantID: sf.f.merchant, Text: text, Sort: store.SearchByNewest, Limit: 5}
			for range 100 {
				p, err := s.SearchTickets(ctx, q)
				if err != nil {
					t.Fatalf("search %q: %v", text, err)
				}
				for _, h := range p.Hits {
					if h.Ticket.MerchantID != sf.f.merchant {
						t.Fatalf("%q found another merchant's %s", text, h.Ticket.Ref)
					}
					ids = append(ids, h.Ticket.ID)
				}
				if p.Partial {
					partial++
				}
				if p.Next == nil {
					return ids, partial
				}
				q.Cursor = p.Next
			}
			t.Fatalf("%q: no last page", text)
			return nil, 0
		}
		if got, _ := pages("nebula 星云"); !slices.Equal(got, want) {
			t.Errorf("paged nebula 星云: %v, want %v", got, want)
		}
		if state == "half" {
			return
		}
		defer func(e int, n uint64) { store.SearchScanEntries, store.SearchScanTickets = e, n }(store.SearchScanEntries, store.SearchScanTickets)
		store.SearchScanEntries, store.SearchScanTickets = 4, 3
		// On SQLite the index holds every merchant's rows (the merchant is checked on tickets):
		// the other merchant's newer matches use up the limits. MySQL's index rows carry the
		// merchant, so its reading never sees them.
		// Rows still in search_recent are read by merchant on both dialects; SQLite's 2-character
		// terms walk the tickets (no index) in every state.
		sqlite := s.Dialect() == "sqlite" && state == "moved"
		for _, text := range []string{"quasar-ish", "龙虾"} {
			got, partial := pages(text)
			wantPartial := sqlite || (s.Dialect() == "sqlite" && text == "龙虾")
			if !slices.Equal(got, []uint64{old}) || (partial > 0) != wantPartial {
				t.Errorf("%q with low scan limits: %v, %d partial pages; want [%d], partial pages on SQLite only", text, got, partial, old)
			}
		}
		// Relevance pages too say when they stopped early.
		p, err := s.SearchTickets(ctx, store.SearchQuery{MerchantID: sf.f.merchant, Text: "quasar-ish"})
		if err != nil || p.Partial != sqlite || len(p.Hits) != map[bool]int{true: 0, false: 1}[sqlite] {
			t.Errorf("relevance under a low limit: %v partial=%v %v", err, p.Partial, refs(p))
		}
	})
}

// TestSearchTrigramNearMiss: a ticket whose text holds every trigram of a term, but not the
// term (SQLite's index, detail=none, records only trigrams), is not a hit; the ticket that
// holds the term is, in the subject or a later message, whether its rows wait in
// search_recent or were moved into the index.
func TestSearchTrigramNearMiss(t *testing.T) {
	searchStates(t, func(t *testing.T, s *store.Store, settle func()) {
		ctx := context.Background()
		f := seedTicketFixture(t, s, "shop-a", "UTC")
		mk := func(ref, subject, body string) models.Ticket {
			t.Helper()
			tk := newTicket(f, ref, nil)
			tk.Subject = subject
			if err := s.CreateTicket(ctx, &tk, &models.Message{AuthorKind: models.AuthorCustomer, Body: body, RequestID: "submission"}); err != nil {
				t.Fatalf("create: %v", err)
			}
			return tk
		}
		// "steam" is ste + tea + eam: a decoy message holds all three, never in a row.
		mk("KD-NEAR0001", "team player", "my team stew went cold")
		mk("KD-NEAR0002", "问题", "激活码 活码无人理 码无效果")
		hit := mk("KD-NEAR0003", "Steam wallet", "code fails")
		later := mk("KD-NEAR0004", "no subject words", "first message")
		addMsg(t, s, later, models.AuthorCustomer, "it was a STEAM card and 激活码无效", false, "r1")
		settle()
		for _, c := range []struct {
			text string
			want []string
		}{
			{"steam", []string{later.Ref, hit.Ref}},
			{"激活码无效", []string{later.Ref}},
			{"steam 激活码无效", []string{later.Ref}},
		} {
			p, err := s.SearchTickets(ctx, store.SearchQuery{MerchantID: f.merchant, Text: c.text, Sort: store.SearchByNewest})
			if err != nil {
				t.Fatalf("search %q: %v", c.text, err)
			}
			if got := refs(p); !slices.Equal(got, c.want) {
				t.Errorf("search %q: %v, want %v", c.text, got, c.want)
			}
		}
	})
}

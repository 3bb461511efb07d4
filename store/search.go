package store

// Ticket search for staff (issue 15). The full-text index, search_entries (migrations 00380,
// 00400 and 00480), holds one row per message and one per ticket subject (internal notes included:
// only staff search). Triggers append new rows to search_recent in the same statement as the
// row (00440, search_recent.go), and housekeeping moves them into search_entries in batches;
// search reads both. A new message never rewrites its ticket's other rows. Rows are read by
// ticket, newest first, so a page costs what it reads, not what matches:
//   - SQLite: contentless FTS5 with the trigram tokenizer and detail=none (migration 00480:
//     the index records which rows hold a trigram, not where, so a term is asked as the
//     trigrams that tile it and checked on the candidate's text); rowid = ticket id << 12 for a subject,
//     + a slot of 1-4095 for a message (searchRowidShift), so `ORDER BY rowid DESC` with
//     `rowid < before << 12` reads the newest tickets' rows first. Terms of three or more
//     characters use the index; 1-2 character terms (two-character Chinese words) are a LIKE
//     over tickets and messages walked newest first, at most SearchScanTickets ids a page.
//   - MariaDB: the Mroonga engine (bigram tokenizer over CJK, letters and digits); MySQL 8:
//     InnoDB FULLTEXT WITH PARSER ngram; MariaDB without Mroonga: InnoDB FULLTEXT (words),
//     with LIKE for CJK terms. Rows carry ticket and merchant ids, read by ticket_id DESC.
// The longest term the index answers drives the reading (in chunks, stopping once enough
// tickets matched, or at SearchScanEntries rows: SearchPage.Partial); the other terms are
// checked on each candidate's subject and messages (terms may sit in different messages of a
// ticket). Results are tickets, one hit each, ranked by TextScore over the newest
// RelevanceWindow matches or listed newest first; snippets are cut from the ticket and its
// messages. Exact matches (ref, order number, buyer email or contact, card-key fragment) are
// looked up first; when any ticket matches exactly, those are the result. Every query filters
// on tickets.merchant_id.

import (
	"context"
	"fmt"
	"html"
	"math"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/keydesk/keydesk/migrations"
	"github.com/keydesk/keydesk/models"
)

// Search sort orders.
const (
	SearchByRelevance = "relevance"
	SearchByNewest    = "newest"
)

// How a hit matched.
const (
	MatchExact = "exact"
	MatchKey   = "key"
	MatchText  = "text"
	MatchAll   = "filter"
)

// Search engines search_tickets can be on (SearchEngine).
const (
	EngineFTS5    = "sqlite-fts5-trigram"
	EngineMroonga = "mroonga"
	EngineInnoDB  = "innodb-fulltext"
)

// RelevanceWindow is how many of the newest matching tickets a relevance-sorted search reads
// and ranks; older matches are reached with sort=newest (or a narrower query or date range).
const RelevanceWindow = 200

// SearchQuery is one staff search. MerchantID is required; everything else is optional.
type SearchQuery struct {
	MerchantID uint64
	// Text is what the agent typed: a ref, order number, email, contact, key fragment or words.
	// Double-quoted parts are phrases.
	Text string
	// KeyHashes are keyed hashes that identify card keys by the typed text (KeyTailHash of a
	// fragment, full-key hashes); the caller computes them, the store never sees a secret.
	KeyHashes []string
	// FullKeyHashes are card_keys.secret_hash values to look for (the typed text as a whole key).
	FullKeyHashes []string

	Statuses    []string
	Category    string
	Priority    string
	AssigneeID  *uint64
	Unassigned  bool
	Breached    *bool
	CreatedFrom *time.Time
	CreatedTo   *time.Time
	UpdatedFrom *time.Time
	UpdatedTo   *time.Time

	// Sort is SearchByRelevance (default with text) or SearchByNewest.
	Sort  string
	Limit int
	// Cursor continues a previous page (SearchPage.Next).
	Cursor *SearchCursor
}

// SearchCursor continues a search: relevance pages by offset, newest-first pages by id.
type SearchCursor struct {
	Offset   int
	BeforeID uint64
	// Exact says the pages are exact-field matches (the text search is not run).
	Exact bool
}

// SearchHit is one ticket found, with how it matched and an HTML snippet (escaped text,
// matched terms in <mark>).
type SearchHit struct {
	Ticket  models.Ticket
	Match   string
	Score   float64
	Snippet string
}

// SearchPage is one page of results.
type SearchPage struct {
	Hits []SearchHit
	Next *SearchCursor
	// Engine names the full-text engine that answered.
	Engine string
	// Partial says a scan limit stopped the full-text search before it had a full page (or,
	// sorted by relevance, a full RelevanceWindow): the hits are the matches among the newest
	// tickets it read; with sort=newest, Next continues the scan from where it stopped.
	Partial bool
}

var searchEngines sync.Map // *Store -> string

// SearchEngine reports which full-text engine this database's ticket index uses.
func (s *Store) SearchEngine(ctx context.Context) (string, error) {
	if v, ok := searchEngines.Load(s); ok {
		return v.(string), nil
	}
	engine := EngineFTS5
	if s.dialect == migrations.MySQL {
		var e string
		err := s.DB(ctx).Raw(`SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'search_entries'`).Scan(&e).Error
		if err != nil {
			return "", fmt.Errorf("search engine: %w", err)
		}
		switch strings.ToLower(e) {
		case "mroonga":
			engine = EngineMroonga
		case "":
			return "", fmt.Errorf("search engine: search_entries missing (migrate)")
		default:
			engine = EngineInnoDB
		}
	}
	searchEngines.Store(s, engine)
	return engine, nil
}

// SearchTerms splits typed text into terms: double-quoted parts stay whole (phrases), the rest
// splits on spaces. Terms are matched as substrings; only quotes and backslashes are dropped
// (inside a quoted term every other character is literal to FTS5 and Mroonga).
func SearchTerms(text string) []string {
	var out []string
	add := func(t string) {
		t = strings.ReplaceAll(t, `\`, " ")
		t = strings.Join(strings.Fields(t), " ")
		if t != "" {
			out = append(out, t)
		}
	}
	parts := strings.Split(text, `"`)
	for i, part := range parts {
		if i%2 == 1 && i < len(parts)-1 {
			add(part)
			continue
		}
		for _, f := range strings.Fields(part) {
			add(f)
		}
	}
	return out
}

// SearchTickets runs a staff search within one merchant.
func (s *Store) SearchTickets(ctx context.Context, q SearchQuery) (SearchPage, error) {
	if q.MerchantID == 0 {
		return SearchPage{}, fmt.Errorf("search: merchant required")
	}
	if q.Limit <= 0 || q.Limit > 100 {
		q.Limit = 20
	}
	engine, err := s.SearchEngine(ctx)
	if err != nil {
		return SearchPage{}, err
	}
	page := SearchPage{Engine: engine}
	text := strings.TrimSpace(q.Text)
	if text == "" {
		hits, next, err := s.searchList(ctx, q, "", nil, MatchAll)
		page.Hits, page.Next = hits, next
		return page, err
	}
	// Exact fields first; a continued exact search stays exact.
	if q.Cursor == nil || q.Cursor.Exact {
		hits, next, err := s.searchExact(ctx, q, text)
		if err != nil {
			return page, err
		}
		if next != nil {
			next.Exact = true
		}
		if len(hits) > 0 || q.Cursor != nil {
			page.Hits, page.Next = hits, next
			return page, nil
		}
	}
	terms := SearchTerms(text)
	if len(terms) == 0 {
		return page, nil
	}
	hits, texts, next, partial, err := s.searchText(ctx, q, engine, terms)
	if err != nil {
		return page, err
	}
	page.Partial = partial
	for i := range hits {
		hits[i].Snippet = Snippet(texts[i].ticket.Subject+"\n"+strings.Join(texts[i].bodies, "\n"), terms, 48)
	}
	page.Hits, page.Next = hits, next
	return page, nil
}

// filterSQL renders the filters as SQL over tickets aliased t.
func filterSQL(q SearchQuery) (string, []any) {
	conds := []string{"t.merchant_id = ?"}
	args := []any{q.MerchantID}
	if len(q.Statuses) > 0 {
		conds = append(conds, "t.status IN ?")
		args = append(args, q.Statuses)
	}
	if q.Category != "" {
		conds = append(conds, "t.category = ?")
		args = append(args, q.Category)
	}
	if q.Priority != "" {
		conds = append(conds, "t.priority = ?")
		args = append(args, q.Priority)
	}
	switch {
	case q.Unassigned:
		conds = append(conds, "t.assignee_id IS NULL")
	case q.AssigneeID != nil:
		conds = append(conds, "t.assignee_id = ?")
		args = append(args, *q.AssigneeID)
	}
	if q.Breached != nil {
		c := "(t.first_response_breached_at IS NOT NULL OR t.next_response_breached_at IS NOT NULL OR t.resolution_breached_at IS NOT NULL)"
		if !*q.Breached {
			c = "NOT " + c
		}
		conds = append(conds, c)
	}
	for _, r := range []struct {
		col string
		op  string
		at  *time.Time
	}{{"t.created_at", ">=", q.CreatedFrom}, {"t.created_at", "<", q.CreatedTo}, {"t.updated_at", ">=", q.UpdatedFrom}, {"t.updated_at", "<", q.UpdatedTo}} {
		if r.at != nil {
			conds = append(conds, r.col+" "+r.op+" ?")
			args = append(args, r.at.UTC())
		}
	}
	return strings.Join(conds, " AND "), args
}

// searchList lists tickets matching extra (SQL over t) and the filters, newest first, keyset by id.
func (s *Store) searchList(ctx context.Context, q SearchQuery, extra string, extraArgs []any, match string) ([]SearchHit, *SearchCursor, error) {
	where, args := filterSQL(q)
	if extra != "" {
		where += " AND (" + extra + ")"
		args = append(args, extraArgs...)
	}
	if q.Cursor != nil && q.Cursor.BeforeID > 0 {
		where += " AND t.id < ?"
		args = append(args, q.Cursor.BeforeID)
	}
	// Ids first, then the rows: sorting whole rows to keep a page of them (SELECT t.* …
	// ORDER BY id) took 0.3–1.5 s for a merchant's 100,000 closed tickets at 1M; sorting ids
	// from an index takes ~25 ms.
	var ids []uint64
	err := s.DB(ctx).Table("tickets AS t").Select("t.id").Where(where, args...).Order("t.id DESC").Limit(q.Limit + 1).Scan(&ids).Error
	if err != nil {
		return nil, nil, Translate(err, "search tickets")
	}
	var ts []models.Ticket
	if len(ids) > 0 {
		err = s.DB(ctx).Where("id IN ?", ids).Order("id DESC").Find(&ts).Error
		if err != nil {
			return nil, nil, Translate(err, "search tickets")
		}
	}
	var next *SearchCursor
	if len(ts) > q.Limit {
		ts = ts[:q.Limit]
		next = &SearchCursor{BeforeID: ts[len(ts)-1].ID}
	}
	hits := make([]SearchHit, len(ts))
	for i, t := range ts {
		hits[i] = SearchHit{Ticket: t, Match: match}
	}
	return hits, next, nil
}

// searchExact finds tickets whose ref, buyer email or contact, or order (number, email,
// contact) equals the text; failing that, tickets whose order or reissue got a card key the
// key hashes identify (a fragment of its tail or the whole key). Each field is one indexed
// lookup (an OR over them would scan the merchant's tickets); the ids are then filtered.
// "+merchant_id" keeps SQLite from preferring a (merchant_id, …) index over the id lookups.
func (s *Store) searchExact(ctx context.Context, q SearchQuery, text string) ([]SearchHit, *SearchCursor, error) {
	email := strings.ToLower(text)
	contacts := NormalizedContacts(text)
	db := s.DB(ctx)
	m := q.MerchantID
	var ids, orderIDs []uint64
	pluck := func(dst *[]uint64, model any, col, where string, args ...any) error {
		var got []uint64
		if err := db.Model(model).Where(where, args...).Limit(1000).Pluck(col, &got).Error; err != nil {
			return Translate(err, "search exact")
		}
		*dst = append(*dst, got...)
		return nil
	}
	steps := []error{
		pluck(&ids, &models.Ticket{}, "id", "ref = ? AND merchant_id = ?", text, m),
		pluck(&ids, &models.Ticket{}, "id", "merchant_id = ? AND customer_email = ?", m, email),
		pluck(&ids, &models.Ticket{}, "id", "merchant_id = ? AND customer_contact IN ?", m, contacts),
		pluck(&orderIDs, &models.Order{}, "id", "merchant_id = ? AND order_no = ?", m, text),
		pluck(&orderIDs, &models.Order{}, "id", "buyer_email = ? AND merchant_id = ?", email, m),
		pluck(&orderIDs, &models.Order{}, "id", "merchant_id = ? AND buyer_contact IN ?", m, contacts),
	}
	for _, err := range steps {
		if err != nil {
			return nil, nil, err
		}
	}
	match := MatchExact
	if len(ids) == 0 && len(orderIDs) == 0 {
		var keyIDs []uint64
		if len(q.KeyHashes) > 0 {
			if err := db.Table("search_key_grams").Where("merchant_id = ? AND gram_hash IN ?", m, q.KeyHashes).Limit(1000).Pluck("card_key_id", &keyIDs).Error; err != nil {
				return nil, nil, Translate(err, "search key grams")
			}
		}
		if len(q.FullKeyHashes) > 0 {
			if err := pluck(&keyIDs, &models.CardKey{}, "id", "merchant_id = ? AND secret_hash IN ?", m, q.FullKeyHashes); err != nil {
				return nil, nil, err
			}
		}
		if len(keyIDs) > 0 {
			match = MatchKey
			if err := pluck(&orderIDs, &models.CardKey{}, "order_id", "id IN ? AND +merchant_id = ? AND order_id IS NOT NULL", keyIDs, m); err != nil {
				return nil, nil, err
			}
			if err := pluck(&ids, &models.CardKey{}, "ticket_id", "id IN ? AND +merchant_id = ? AND ticket_id IS NOT NULL", keyIDs, m); err != nil {
				return nil, nil, err
			}
		}
	}
	if len(orderIDs) > 0 {
		if err := pluck(&ids, &models.Ticket{}, "id", "order_id IN ? AND +merchant_id = ?", orderIDs, m); err != nil {
			return nil, nil, err
		}
	}
	if len(ids) == 0 {
		return nil, nil, nil
	}
	return s.searchList(ctx, q, "t.id IN ?", []any{ids}, match)
}

// NormalizedContacts returns the forms a typed contact may be stored in: as typed, and with
// spaces, dashes, dots and parentheses removed (phone numbers, QQ and WeChat ids).
func NormalizedContacts(s string) []string {
	s = strings.TrimSpace(s)
	n := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' || r == '.' || r == '(' || r == ')' {
			return -1
		}
		return r
	}, s)
	out := []string{s}
	if n != s && n != "" {
		out = append(out, n)
	}
	if strings.HasPrefix(n, "+86") && len(n) > 3 {
		out = append(out, n[3:])
	}
	return out
}

func isShortTerm(t string) bool { return utf8.RuneCountInString(t) < 3 }

// likeArg renders a LIKE pattern (ESCAPE '!') matching t anywhere.
func likeArg(t string) string {
	return "%" + strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(t) + "%"
}

func hasCJK(t string) bool {
	for _, r := range t {
		if unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r) {
			return true
		}
	}
	return false
}

// SearchScanEntries caps the index rows one full-text page reads (a term common in other
// merchants' tickets but rare in the searched one, or one whose other terms rarely match);
// past it the page is returned with Partial set and a cursor that continues the scan.
// A variable so tests can lower it; set it before searching, not during.
var SearchScanEntries = 8_000

// SearchScanTickets caps the ticket ids (all merchants) one page of a scan for terms no index
// answers (1-2 characters on SQLite, CJK on InnoDB FULLTEXT) walks, newest first; past it the
// page is returned with Partial set and a cursor that continues the scan. A variable so tests
// can lower it; set it before searching, not during.
var SearchScanTickets uint64 = 60_000

// driverTerm picks the term the full-text index reads (the longest one it can answer), or ""
// when it can answer none (1-2 character terms on SQLite, CJK on InnoDB FULLTEXT).
func driverTerm(engine string, terms []string) string {
	best := ""
	for _, t := range terms {
		ok := engine == EngineMroonga || (engine == EngineFTS5 && !isShortTerm(t)) || (engine == EngineInnoDB && !hasCJK(t))
		if ok && utf8.RuneCountInString(t) > utf8.RuneCountInString(best) {
			best = t
		}
	}
	return best
}

// indexChunk reads up to n index rows matching the term, newest ticket first, of tickets below
// before (0: no bound), from the merchant's recent rows (search_recent, 00440) and the
// full-text index merged. It returns the rows' ticket ids in that order (a ticket may repeat;
// on SQLite, other merchants' tickets too: filtered later). The recent rows are read first: a
// row a concurrent move takes out of them is then in the full-text index when that is read
// (on MySQL Mroonga has it before the move commits). rc carries the recent rows across the
// chunks of one reading.
func (s *Store) indexChunk(ctx context.Context, engine string, merchantID uint64, term string, before uint64, n int, rc *recentCursor) ([]uint64, error) {
	recent, err := rc.next(ctx, s, merchantID, term, before, n)
	if err != nil {
		return nil, err
	}
	ids, err := s.fullTextChunk(ctx, engine, merchantID, term, before, n)
	if err != nil {
		return nil, err
	}
	// Both lists are newest first and cut at n: the n newest of their union are exact, and the
	// caller continues below the last one.
	out := mergeNewest(recent, ids, n)
	rc.keep(recent, out, n)
	return out, nil
}

// recentCursor is the recent rows' side of one index reading. Once a read returned fewer rows
// than asked, it held every match below its bound, so later chunks take the rest of it from
// memory instead of asking again (a row written since committed after the search began).
type recentCursor struct {
	done bool
	left []uint64 // rows of the last read not yet returned, newest first (when done)
}

// next returns up to n recent ticket ids below before, newest first.
func (rc *recentCursor) next(ctx context.Context, s *Store, merchantID uint64, term string, before uint64, n int) ([]uint64, error) {
	if rc.done {
		var out []uint64
		for _, id := range rc.left {
			if (before == 0 || id < before) && len(out) < n {
				out = append(out, id)
			}
		}
		return out, nil
	}
	ids, err := s.recentChunk(ctx, merchantID, term, before, n)
	rc.done = err == nil && len(ids) < n
	return ids, err
}

// keep remembers the recent ids a merged chunk (out, cut at n) did not return.
func (rc *recentCursor) keep(recent, out []uint64, n int) {
	if !rc.done {
		return
	}
	rc.left = nil
	if len(out) < n {
		return // everything was returned
	}
	last := out[len(out)-1]
	for _, id := range recent {
		if id < last {
			rc.left = append(rc.left, id)
		}
	}
}

// fullTextChunk reads up to n rows of the full-text index matching the term, as indexChunk.
func (s *Store) fullTextChunk(ctx context.Context, engine string, merchantID uint64, term string, before uint64, n int) ([]uint64, error) {
	var ids []uint64
	if engine == EngineFTS5 {
		upper := int64(math.MaxInt64)
		if before > 0 {
			upper = int64(before) << searchRowidShift
		}
		var rowids []int64
		err := s.DB(ctx).Raw("SELECT rowid FROM search_entries WHERE search_entries MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?",
			trigramMatch(term), upper, n).Scan(&rowids).Error
		if err != nil {
			return nil, Translate(err, "search index")
		}
		ids = make([]uint64, len(rowids))
		for i, r := range rowids {
			ids[i] = uint64(r >> searchRowidShift)
		}
		return ids, nil
	}
	// A query of its own: Mroonga inside a semi-join crashed MariaDB 10.11.
	sql := "SELECT ticket_id FROM search_entries WHERE MATCH(body) AGAINST(? IN BOOLEAN MODE) AND merchant_id = ?"
	args := []any{`+"` + term + `"`, merchantID}
	if before > 0 {
		sql += " AND ticket_id < ?"
		args = append(args, before)
	}
	err := s.DB(ctx).Raw(sql+" ORDER BY ticket_id DESC LIMIT ?", append(args, n)...).Scan(&ids).Error
	return ids, Translate(err, "search index")
}

// searchRowidShift is how many low bits of a SQLite search_entries rowid are the row's slot
// within its ticket (migration 00480): 0 for the subject, 1-4095 for a message.
const searchRowidShift = 12

// trigramMatch renders an FTS5 query for a term of three or more characters on an index
// with detail=none, which answers no phrase: the trigrams that tile the term (at offsets 0,
// 3, 6, … and the last three characters), each quoted, joined by AND. Every character of the
// term is in one of them, so they narrow as well as all its trigrams would while reading a
// third of the lists; a row that holds them all may still not hold the term, and matchTickets
// checks it.
func trigramMatch(term string) string {
	rs := []rune(term)
	var grams []string
	seen := map[string]bool{}
	add := func(i int) {
		g := string(rs[i : i+3])
		if !seen[g] {
			seen[g] = true
			grams = append(grams, `"`+strings.ReplaceAll(g, `"`, `""`)+`"`)
		}
	}
	for i := 0; i+3 <= len(rs); i += 3 {
		add(i)
	}
	if len(rs) >= 3 && len(rs)%3 != 0 {
		add(len(rs) - 3)
	}
	return strings.Join(grams, " AND ")
}

// textScan is the result of collecting a page's (or a relevance window's) matching tickets.
type textScan struct {
	cands []candidate // newest first
	// resume is the ticket id the scan stopped at (cands hold every match above it) when a scan
	// limit stopped it before it had enough; 0 when it had enough or read every match.
	resume uint64
}

// textCandidates collects up to want tickets below before (0: none) that match every term and
// the filters, newest first: the driver term's index rows are read newest first in chunks and
// the reading stops as soon as enough tickets matched (or at SearchScanEntries rows).
func (s *Store) textCandidates(ctx context.Context, q SearchQuery, engine string, terms []string, want int, before uint64) (textScan, error) {
	driver := driverTerm(engine, terms)
	if driver == "" {
		return s.scanCandidates(ctx, q, engine, terms, want, before)
	}
	var out textScan
	seen := map[uint64]bool{}
	// SQLite's index rows are every merchant's (the merchant is checked on tickets): read 8 a
	// wanted ticket. MySQL's rows are the merchant's already: a ticket matches in 1-2 rows.
	chunk := min(max(8*want, 400), 4000, SearchScanEntries)
	if engine != EngineFTS5 {
		chunk = min(2*want+20, SearchScanEntries)
	}
	// Mroonga and InnoDB answer the driver term itself; SQLite's index (detail=none) only its
	// trigrams, and the recent rows are read with LIKE, so there every term is checked.
	proven := driver
	if engine == EngineFTS5 {
		proven = ""
	}
	var rc recentCursor
	for read := 0; ; {
		ids, err := s.indexChunk(ctx, engine, q.MerchantID, driver, before, chunk, &rc)
		if err != nil {
			return out, err
		}
		read += len(ids)
		var fresh []uint64
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				fresh = append(fresh, id)
			}
		}
		got, err := s.matchTickets(ctx, q, terms, proven, fresh, want-len(out.cands))
		if err != nil {
			return out, err
		}
		out.cands = append(out.cands, got...)
		if len(out.cands) >= want {
			out.cands = out.cands[:want]
			return out, nil
		}
		if len(ids) < chunk {
			return out, nil
		}
		before = ids[len(ids)-1]
		if read >= SearchScanEntries {
			out.resume = before
			return out, nil
		}
		// Few matched: read bigger chunks (on MySQL every chunk is a Mroonga query that computes
		// all the merchant's matches of the term before it sorts; reading up to the scan limit
		// at once was slower still: the rows and their checks cost more than the queries).
		chunk = min(2*chunk, 4000, SearchScanEntries-read)
	}
}

// matchTickets keeps the tickets (newest first) that are the merchant's, pass the filters and
// contain every term besides matched, the one the index proved ("": none), in the subject or
// any message. It stops once it kept need tickets: their messages are read in batches, so a
// chunk of candidates far larger than the page does not read every candidate's messages.
func (s *Store) matchTickets(ctx context.Context, q SearchQuery, terms []string, matched string, ids []uint64, need int) ([]candidate, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	where, args := filterSQL(q)
	var cands []candidate
	err := s.DB(ctx).Raw("SELECT t.id AS id, t.subject AS subject FROM tickets t WHERE "+where+" AND t.id IN ? ORDER BY t.id DESC", append(args, ids)...).Scan(&cands).Error
	if err != nil {
		return nil, Translate(err, "search text")
	}
	var rest []string
	for _, t := range terms {
		if t != matched {
			rest = append(rest, strings.ToLower(t))
		}
	}
	if len(rest) == 0 || len(cands) == 0 {
		return cands, nil
	}
	var kept []candidate
	for len(cands) > 0 && len(kept) < need {
		batch := cands[:min(len(cands), max(2*(need-len(kept)), 32))]
		cands = cands[len(batch):]
		if err := s.loadBodies(ctx, batch); err != nil {
			return nil, err
		}
		for _, c := range batch {
			if containsAll(c, rest) {
				kept = append(kept, c)
			}
		}
	}
	return kept, nil
}

// containsAll reports whether every (lower-cased) term is in the candidate's subject or one
// of its messages (the text joined by newlines, which no term holds).
func containsAll(c candidate, terms []string) bool {
	text := strings.ToLower(c.Subject + "\n" + strings.Join(c.bodies, "\n"))
	for _, t := range terms {
		if !strings.Contains(text, t) {
			return false
		}
	}
	return true
}

// scanCandidates answers terms no index can: the tickets are walked newest first with LIKE
// over subject and messages (on SQLite in rowid order, NOT INDEXED: an index on
// (merchant_id, id) made SQLite prefer it over better ones elsewhere), at most
// SearchScanTickets ticket ids per page.
func (s *Store) scanCandidates(ctx context.Context, q SearchQuery, engine string, terms []string, want int, before uint64) (textScan, error) {
	var out textScan
	if before == 0 {
		var top uint64
		if err := s.DB(ctx).Raw("SELECT COALESCE(MAX(id), 0) FROM tickets").Scan(&top).Error; err != nil {
			return out, Translate(err, "search scan")
		}
		before = top + 1
	}
	floor := uint64(0)
	if before > SearchScanTickets {
		floor = before - SearchScanTickets
	}
	where, args := filterSQL(q)
	where += " AND t.id < ? AND t.id >= ?"
	args = append(args, before, floor)
	for _, t := range terms {
		where += " AND (t.subject LIKE ? ESCAPE '!' OR EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = t.id AND m.body LIKE ? ESCAPE '!'))"
		args = append(args, likeArg(t), likeArg(t))
	}
	from := "tickets t"
	if engine == EngineFTS5 {
		from = "tickets t NOT INDEXED"
	}
	err := s.DB(ctx).Raw("SELECT t.id AS id, t.subject AS subject FROM "+from+" WHERE "+where+fmt.Sprintf(" ORDER BY t.id DESC LIMIT %d", want), args...).Scan(&out.cands).Error
	if err != nil {
		return out, Translate(err, "search scan")
	}
	if len(out.cands) < want && floor > 0 {
		out.resume = floor
	}
	return out, nil
}

// searchText runs the full-text query. sort=newest reads one page of matching tickets (plus
// one, to know there is a next); relevance ranks the newest RelevanceWindow matches by
// TextScore. Partial reports a scan limit that stopped the reading early.
func (s *Store) searchText(ctx context.Context, q SearchQuery, engine string, terms []string) ([]SearchHit, []ticketText, *SearchCursor, bool, error) {
	sortBy := q.Sort
	if sortBy == "" {
		sortBy = SearchByRelevance
	}
	var before uint64
	want, offset := q.Limit+1, 0
	if sortBy == SearchByNewest {
		if q.Cursor != nil {
			before = q.Cursor.BeforeID
		}
	} else {
		// Rank only the newest RelevanceWindow matches: a common word matches a large share of
		// a big merchant's tickets, and reading and scoring all of them is what makes it slow.
		want = RelevanceWindow
		if q.Cursor != nil {
			offset = q.Cursor.Offset
		}
	}
	scan, err := s.textCandidates(ctx, q, engine, terms, want, before)
	if err != nil {
		return nil, nil, nil, false, err
	}
	cands, partial := scan.cands, scan.resume > 0
	var next *SearchCursor
	if sortBy == SearchByNewest {
		switch {
		case len(cands) > q.Limit:
			cands = cands[:q.Limit]
			next = &SearchCursor{BeforeID: cands[len(cands)-1].ID}
		case partial:
			next = &SearchCursor{BeforeID: scan.resume}
		}
		if err := s.loadBodies(ctx, cands); err != nil {
			return nil, nil, nil, false, err
		}
	} else {
		if err := s.loadBodies(ctx, cands); err != nil {
			return nil, nil, nil, false, err
		}
		for i := range cands {
			cands[i].score = TextScore(cands[i].Subject, cands[i].bodies, terms)
		}
		sort.SliceStable(cands, func(a, b int) bool {
			if cands[a].score != cands[b].score {
				return cands[a].score > cands[b].score
			}
			return cands[a].ID > cands[b].ID
		})
		if offset >= len(cands) {
			return nil, nil, nil, partial, nil
		}
		cands = cands[offset:]
		if len(cands) > q.Limit {
			cands = cands[:q.Limit]
			next = &SearchCursor{Offset: offset + q.Limit}
		}
	}
	hits, texts, err := s.textHits(ctx, q.MerchantID, cands)
	return hits, texts, next, partial, err
}

// textHits reads the candidates' tickets, in the candidates' order.
func (s *Store) textHits(ctx context.Context, merchantID uint64, cands []candidate) ([]SearchHit, []ticketText, error) {
	if len(cands) == 0 {
		return nil, nil, nil
	}
	ids := make([]uint64, len(cands))
	for i, c := range cands {
		ids[i] = c.ID
	}
	var ts []models.Ticket
	if err := s.DB(ctx).Where("merchant_id = ? AND id IN ?", merchantID, ids).Find(&ts).Error; err != nil {
		return nil, nil, Translate(err, "search tickets by id")
	}
	byID := make(map[uint64]models.Ticket, len(ts))
	for _, t := range ts {
		byID[t.ID] = t
	}
	var hits []SearchHit
	var texts []ticketText
	for _, c := range cands {
		if t, ok := byID[c.ID]; ok {
			hits = append(hits, SearchHit{Ticket: t, Match: MatchText, Score: c.score})
			texts = append(texts, ticketText{ticket: t, bodies: c.bodies})
		}
	}
	return hits, texts, nil
}

// candidate is a matching ticket's text while it is ranked.
type candidate struct {
	ID      uint64
	Subject string
	bodies  []string
	loaded  bool
	score   float64
}

// loadBodies reads the candidates' message bodies, oldest first (once per candidate).
func (s *Store) loadBodies(ctx context.Context, cands []candidate) error {
	var ids []uint64
	at := make(map[uint64]int, len(cands))
	for i, c := range cands {
		if !c.loaded {
			ids = append(ids, c.ID)
			at[c.ID] = i
			cands[i].loaded = true
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := s.DB(ctx).Raw("SELECT ticket_id, body FROM messages WHERE ticket_id IN ? ORDER BY id", ids).Rows()
	if err != nil {
		return Translate(err, "search messages")
	}
	defer rows.Close()
	for rows.Next() {
		var id uint64
		var body string
		if err := rows.Scan(&id, &body); err != nil {
			return Translate(err, "search messages")
		}
		if i, ok := at[id]; ok {
			cands[i].bodies = append(cands[i].bodies, body)
		}
	}
	return Translate(rows.Err(), "search messages")
}

// ticketText is a ticket with its messages' bodies, oldest first.
type ticketText struct {
	ticket models.Ticket
	bodies []string
}

// TextScore ranks a ticket for the terms: occurrences in the subject weigh 3, in messages 1,
// each term's count dampened (log) so one repeated word does not outrank all terms, divided by
// a slowly growing function of the text's length (a short ticket about the term ranks first).
func TextScore(subject string, bodies []string, terms []string) float64 {
	sub := strings.ToLower(subject)
	body := strings.ToLower(strings.Join(bodies, "\n"))
	n := utf8.RuneCountInString(sub) + utf8.RuneCountInString(body)
	score := 0.0
	for _, t := range terms {
		t = strings.ToLower(t)
		if t == "" {
			continue
		}
		tf := 3*strings.Count(sub, t) + strings.Count(body, t)
		score += math.Log1p(float64(tf))
	}
	return score / (1 + math.Log1p(float64(n)/200))
}

// Snippet cuts about width runes of text around the first occurrence of any term
// (case-insensitive), HTML-escapes it and wraps every occurrence of a term in <mark>.
func Snippet(text string, terms []string, width int) string {
	rs := []rune(text)
	lower := []rune(strings.ToLower(text))
	if len(lower) != len(rs) { // case folding changed lengths: highlight on the original
		lower = rs
	}
	type span struct{ a, b int }
	var spans []span
	for _, t := range terms {
		tr := []rune(strings.ToLower(t))
		if len(tr) == 0 {
			continue
		}
		for i := 0; i+len(tr) <= len(lower); i++ {
			if equalRunes(lower[i:i+len(tr)], tr) {
				spans = append(spans, span{i, i + len(tr)})
				i += len(tr) - 1
			}
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].a < spans[j].a })
	start := 0
	if len(spans) > 0 && spans[0].a > width/3 {
		start = spans[0].a - width/3
	}
	end := start + width
	if end > len(rs) {
		end = len(rs)
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	i := start
	for _, sp := range spans {
		if sp.a < i || sp.a >= end {
			continue
		}
		e := sp.b
		if e > end {
			e = end
		}
		b.WriteString(html.EscapeString(flat(rs[i:sp.a])))
		b.WriteString("<mark>" + html.EscapeString(flat(rs[sp.a:e])) + "</mark>")
		i = e
	}
	b.WriteString(html.EscapeString(flat(rs[i:end])))
	if end < len(rs) {
		b.WriteString("…")
	}
	return b.String()
}

func flat(rs []rune) string { return strings.ReplaceAll(string(rs), "\n", " ") }

func equalRunes(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

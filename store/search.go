package store

// Ticket search for staff (issue 15). One full-text document per ticket (subject and every
// message, internal notes included: only staff search) lives in search_tickets, kept by
// triggers in the same statement as the ticket or message row (migration 00180):
//   - SQLite: FTS5 with the trigram tokenizer. Terms of three or more characters use the
//     index (MATCH); shorter terms (two-character Chinese words) are a LIKE over the FTS
//     table, which FTS5 answers by scanning it.
//   - MariaDB: the Mroonga engine (bigram tokenizer over CJK, letters and digits); MySQL 8:
//     InnoDB FULLTEXT WITH PARSER ngram; MariaDB without Mroonga: InnoDB FULLTEXT (words),
//     with LIKE for CJK terms.
// Exact matches (ref, order number, buyer email or contact, card-key fragment) are looked up
// first; when any ticket matches exactly, those are the result. Every query is scoped by
// merchant: the index rows carry no merchant filter of their own on SQLite, so every query
// joins tickets and filters on tickets.merchant_id.

import (
	"context"
	"fmt"
	"html"
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

// RelevanceWindow is how many of the newest matching tickets a relevance-sorted search ranks;
// older matches are reached with sort=newest (or a narrower query or date range).
const RelevanceWindow = 1000

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
		err := s.DB(ctx).Raw(`SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'search_tickets'`).Scan(&e).Error
		if err != nil {
			return "", fmt.Errorf("search engine: %w", err)
		}
		switch strings.ToLower(e) {
		case "mroonga":
			engine = EngineMroonga
		case "":
			return "", fmt.Errorf("search engine: search_tickets missing (migrate)")
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
	hits, next, err := s.searchText(ctx, q, engine, terms)
	if err != nil {
		return page, err
	}
	page.Hits, page.Next = hits, next
	return page, s.addSnippets(ctx, page.Hits, terms)
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
	var ts []models.Ticket
	err := s.DB(ctx).Table("tickets AS t").Select("t.*").Where(where, args...).Order("t.id DESC").Limit(q.Limit + 1).Find(&ts).Error
	if err != nil {
		return nil, nil, Translate(err, "search tickets")
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
			if err := pluck(&orderIDs, &models.CardKey{}, "order_id", "id IN ? AND merchant_id = ? AND order_id IS NOT NULL", keyIDs, m); err != nil {
				return nil, nil, err
			}
			if err := pluck(&ids, &models.CardKey{}, "ticket_id", "id IN ? AND merchant_id = ? AND ticket_id IS NOT NULL", keyIDs, m); err != nil {
				return nil, nil, err
			}
		}
	}
	if len(orderIDs) > 0 {
		if err := pluck(&ids, &models.Ticket{}, "id", "order_id IN ? AND merchant_id = ?", orderIDs, m); err != nil {
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

// searchText runs the full-text query.
func (s *Store) searchText(ctx context.Context, q SearchQuery, engine string, terms []string) ([]SearchHit, *SearchCursor, error) {
	where, args := filterSQL(q)
	var from, score, docID string
	var pre []any
	switch engine {
	case EngineFTS5:
		from, docID = "search_tickets s JOIN tickets t ON t.id = s.rowid", "s.rowid"
		var long []string
		for _, t := range terms {
			if isShortTerm(t) {
				where += " AND (s.subject LIKE ? ESCAPE '!' OR s.body LIKE ? ESCAPE '!')"
				args = append(args, likeArg(t), likeArg(t))
			} else {
				long = append(long, `"`+strings.ReplaceAll(t, `"`, `""`)+`"`)
			}
		}
		score = "0"
		if len(long) > 0 {
			where += " AND search_tickets MATCH ?"
			args = append(args, strings.Join(long, " AND "))
			score = "-bm25(search_tickets)"
		}
	default:
		from, docID = "search_tickets s JOIN tickets t ON t.id = s.ticket_id", "s.ticket_id"
		var bool_ []string
		for _, t := range terms {
			if engine == EngineInnoDB && hasCJK(t) {
				where += " AND (s.subject LIKE ? ESCAPE '!' OR s.body LIKE ? ESCAPE '!')"
				args = append(args, likeArg(t), likeArg(t))
				continue
			}
			bool_ = append(bool_, `+"`+t+`"`)
		}
		score = "0"
		if len(bool_) > 0 {
			against := strings.Join(bool_, " ")
			where += " AND MATCH(s.subject, s.body) AGAINST(? IN BOOLEAN MODE)"
			args = append(args, against)
			score = "MATCH(s.subject, s.body) AGAINST(? IN BOOLEAN MODE)"
			pre = append(pre, against)
		}
		if engine == EngineMroonga {
			where += " AND s.merchant_id = ?"
			args = append(args, q.MerchantID)
		}
	}
	sortBy := q.Sort
	if sortBy == "" {
		sortBy = SearchByRelevance
	}
	order := "score DESC, t.id DESC"
	offset := 0
	if sortBy == SearchByNewest {
		order = "t.id DESC"
		if q.Cursor != nil && q.Cursor.BeforeID > 0 {
			where += " AND t.id < ?"
			args = append(args, q.Cursor.BeforeID)
		}
	} else if q.Cursor != nil {
		offset = q.Cursor.Offset
	}
	type row struct {
		ID    uint64
		Score float64
	}
	var rows []row
	sql := "SELECT t.id AS id, " + score + " AS score FROM " + from + " WHERE " + where + " ORDER BY " + order + fmt.Sprintf(" LIMIT %d OFFSET %d", q.Limit+1, offset)
	if sortBy != SearchByNewest {
		// Rank only the newest RelevanceWindow matches: a common word matches a large share of
		// a big merchant's tickets, and scoring all of them is what makes a search slow.
		sql = "SELECT id, score FROM (SELECT t.id AS id, " + score + " AS score FROM " + from + " WHERE " + where +
			fmt.Sprintf(" ORDER BY %s DESC LIMIT %d) w ORDER BY score DESC, id DESC LIMIT %d OFFSET %d", docID, RelevanceWindow, q.Limit+1, offset)
	}
	if err := s.DB(ctx).Raw(sql, append(pre, args...)...).Scan(&rows).Error; err != nil {
		return nil, nil, Translate(err, "search text")
	}
	var next *SearchCursor
	if len(rows) > q.Limit {
		rows = rows[:q.Limit]
		if sortBy == SearchByNewest {
			next = &SearchCursor{BeforeID: rows[len(rows)-1].ID}
		} else {
			next = &SearchCursor{Offset: offset + q.Limit}
		}
	}
	if len(rows) == 0 {
		return nil, nil, nil
	}
	ids := make([]uint64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var ts []models.Ticket
	if err := s.DB(ctx).Where("merchant_id = ? AND id IN ?", q.MerchantID, ids).Find(&ts).Error; err != nil {
		return nil, nil, Translate(err, "search tickets by id")
	}
	byID := make(map[uint64]models.Ticket, len(ts))
	for _, t := range ts {
		byID[t.ID] = t
	}
	hits := make([]SearchHit, 0, len(rows))
	for _, r := range rows {
		if t, ok := byID[r.ID]; ok {
			hits = append(hits, SearchHit{Ticket: t, Match: MatchText, Score: r.Score})
		}
	}
	return hits, next, nil
}

// addSnippets reads the hits' documents and cuts a highlighted snippet from each.
func (s *Store) addSnippets(ctx context.Context, hits []SearchHit, terms []string) error {
	if len(hits) == 0 {
		return nil
	}
	ids := make([]uint64, len(hits))
	for i, h := range hits {
		ids[i] = h.Ticket.ID
	}
	idCol := "ticket_id"
	if s.dialect == migrations.SQLite {
		idCol = "rowid"
	}
	type doc struct {
		ID      uint64
		Subject string
		Body    string
	}
	var docs []doc
	err := s.DB(ctx).Raw("SELECT "+idCol+" AS id, subject, body FROM search_tickets WHERE "+idCol+" IN ?", ids).Scan(&docs).Error
	if err != nil {
		return Translate(err, "search snippets")
	}
	byID := make(map[uint64]doc, len(docs))
	for _, d := range docs {
		byID[d.ID] = d
	}
	for i := range hits {
		d := byID[hits[i].Ticket.ID]
		hits[i].Snippet = Snippet(d.Subject+"\n"+d.Body, terms, 48)
	}
	return nil
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

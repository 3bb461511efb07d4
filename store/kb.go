package store

// Knowledge base (issue 15): articles (one row per language, sharing a slug), their full-text
// index search_kb (migration 00300) and the buyer form's suggestion events.
//
// The index holds each article's search units (package kb: CJK bigrams, English stems):
//   - SQLite: FTS5 trigram over the units framed by "|" (kb.IndexText), queried with one
//     "|unit|" phrase per query unit, OR'ed, ranked by bm25.
//   - MariaDB with Mroonga: TokenDelimit over space-separated units, boolean mode (any unit),
//     ranked by Mroonga's score. Without Mroonga (InnoDB): LIKE over the merchant's units.
// The store fetches every published candidate holding any query unit (up to kbCandidates)
// and kb.Rank orders them, so both databases rank alike. Index rows are written in the same
// transaction as the article; articles written around the store (older installs, raw SQL)
// are indexed on first use (ensureKBIndex).

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/keydesk/keydesk/kb"
	"github.com/keydesk/keydesk/migrations"
	"github.com/keydesk/keydesk/models"
)

// kbCandidates caps the articles one suggestion ranks; kbFetchBudget is how many articles the
// units a suggestion fetches by may reach together (kb.PruneUnits).
const (
	kbCandidates  = 200
	kbFetchBudget = 1500
	// kbStatsTTL is how long a process trusts its document frequencies of a merchant's units;
	// writes through this process drop them at once, other processes' writes show within it.
	kbStatsTTL = 5 * time.Minute
)

// kbStatsEntry are a merchant's published articles counted by unit.
type kbStatsEntry struct {
	corpus int
	df     map[string]int
	at     time.Time
}

type kbStatsKey struct {
	s *Store
	m uint64
}

var kbStatsCache sync.Map // kbStatsKey -> *kbStatsEntry

// kbStats returns the merchant's unit document frequencies (cached, see kbStatsTTL).
func (s *Store) kbStats(ctx context.Context, merchantID uint64) (*kbStatsEntry, error) {
	key := kbStatsKey{s, merchantID}
	if v, ok := kbStatsCache.Load(key); ok && time.Since(v.(*kbStatsEntry).at) < kbStatsTTL {
		return v.(*kbStatsEntry), nil
	}
	e := &kbStatsEntry{df: map[string]int{}, at: time.Now()}
	var after uint64
	for {
		var arts []models.KBArticle
		err := s.DB(ctx).Select("id", "title", "tags", "body").Where("merchant_id = ? AND published = ? AND id > ?", merchantID, true, after).
			Order("id").Limit(1000).Find(&arts).Error
		if err != nil {
			return nil, Translate(err, "kb stats")
		}
		for _, a := range arts {
			for _, u := range kb.ArticleUnits(a.Title, a.Tags, a.Body) {
				e.df[u]++
			}
		}
		e.corpus += len(arts)
		if len(arts) < 1000 {
			break
		}
		after = arts[len(arts)-1].ID
	}
	kbStatsCache.Store(key, e)
	trimKBStats()
	return e, nil
}

// kbStatsMax bounds how many merchants' frequencies a process keeps (each is a map of the
// merchant's distinct units); past it the oldest entries go.
const kbStatsMax = 256

func trimKBStats() {
	type aged struct {
		k  any
		at time.Time
	}
	var all []aged
	kbStatsCache.Range(func(k, v any) bool {
		all = append(all, aged{k, v.(*kbStatsEntry).at})
		return true
	})
	if len(all) <= kbStatsMax {
		return
	}
	sort.Slice(all, func(i, j int) bool { return all[i].at.Before(all[j].at) })
	for _, x := range all[:len(all)-kbStatsMax] {
		kbStatsCache.Delete(x.k)
	}
}

// forgetKBStats drops a merchant's cached frequencies after a write.
func (s *Store) forgetKBStats(merchantID uint64) { kbStatsCache.Delete(kbStatsKey{s, merchantID}) }

// KBSuggestion is one suggested article with its score and an HTML snippet of its body
// (escaped text, matched units in <mark>).
type KBSuggestion struct {
	Article models.KBArticle
	Score   float64
	Snippet string
	// Matched are the query units the article holds.
	Matched []string
}

// KBFilter narrows the staff list of articles.
type KBFilter struct {
	// Status is "published", "draft" or "" (both).
	Status string
	// Language is "zh-CN", "en" or "" (both).
	Language string
	// Text matches titles, tags and bodies through the index (drafts included).
	Text string
	// AfterID continues a list ordered by id; Limit is 1–200 (default 50).
	AfterID uint64
	Limit   int
}

var kbEngines, kbIndexChecked sync.Map // *Store -> string, *Store -> bool

// KBEngine reports the engine of the knowledge-base index: EngineFTS5, EngineMroonga or
// EngineInnoDB.
func (s *Store) KBEngine(ctx context.Context) (string, error) {
	if v, ok := kbEngines.Load(s); ok {
		return v.(string), nil
	}
	engine := EngineFTS5
	if s.dialect == migrations.MySQL {
		var e string
		err := s.DB(ctx).Raw(`SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'search_kb'`).Scan(&e).Error
		if err != nil {
			return "", fmt.Errorf("kb engine: %w", err)
		}
		switch strings.ToLower(e) {
		case "mroonga":
			engine = EngineMroonga
		case "":
			return "", fmt.Errorf("kb engine: search_kb missing (migrate)")
		default:
			engine = EngineInnoDB
		}
	}
	kbEngines.Store(s, engine)
	return engine, nil
}

// indexKB writes an article's index row (replacing any).
func (s *Store) indexKB(ctx context.Context, a models.KBArticle) error {
	units := kb.ArticleUnits(a.Title, a.Tags, a.Body)
	db := s.DB(ctx)
	if s.dialect == migrations.SQLite {
		if err := db.Exec("DELETE FROM search_kb WHERE rowid = ?", a.ID).Error; err != nil {
			return Translate(err, "kb index: delete")
		}
		return Translate(db.Exec("INSERT INTO search_kb (rowid, units) VALUES (?, ?)", a.ID, kb.IndexText(units)).Error, "kb index: insert")
	}
	return Translate(db.Exec("REPLACE INTO search_kb (article_id, merchant_id, units) VALUES (?, ?, ?)", a.ID, a.MerchantID, kb.SpaceText(units)).Error, "kb index: write")
}

func (s *Store) unindexKB(ctx context.Context, id uint64) error {
	col := "article_id"
	if s.dialect == migrations.SQLite {
		col = "rowid"
	}
	return Translate(s.DB(ctx).Exec("DELETE FROM search_kb WHERE "+col+" = ?", id).Error, "kb index: delete")
}

// CreateKBArticle adds an article and indexes it (one transaction). A taken (slug, language)
// of the merchant is ErrDuplicate.
func (s *Store) CreateKBArticle(ctx context.Context, a *models.KBArticle) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if err := s.DB(ctx).Create(a).Error; err != nil {
			return Translate(err, "create kb article")
		}
		s.forgetKBStats(a.MerchantID)
		return s.indexKB(ctx, *a)
	})
}

// KBArticleByID reads one of the merchant's articles (another merchant's is ErrNotFound).
func (s *Store) KBArticleByID(ctx context.Context, merchantID, id uint64) (models.KBArticle, error) {
	var a models.KBArticle
	err := s.DB(ctx).Where("merchant_id = ? AND id = ?", merchantID, id).Take(&a).Error
	return a, Translate(err, fmt.Sprintf("kb article %d", id))
}

// UpdateKBArticle replaces an article's slug, language, title, body, tags and status with
// those of in, re-indexes it and returns it before and after.
func (s *Store) UpdateKBArticle(ctx context.Context, merchantID, id uint64, in models.KBArticle) (before, after models.KBArticle, err error) {
	err = s.InTx(ctx, func(ctx context.Context) error {
		db := s.DB(ctx)
		if err := s.ForUpdate(db).Where("merchant_id = ? AND id = ?", merchantID, id).Take(&before).Error; err != nil {
			return Translate(err, fmt.Sprintf("kb article %d", id))
		}
		after = before
		after.Slug, after.Language, after.Title, after.Body, after.Tags, after.Published = in.Slug, in.Language, in.Title, in.Body, in.Tags, in.Published
		err := db.Model(&models.KBArticle{}).Where("merchant_id = ? AND id = ?", merchantID, id).Updates(map[string]any{
			"slug": after.Slug, "language": after.Language, "title": after.Title, "body": after.Body, "tags": after.Tags,
			"published": after.Published, "updated_at": time.Now().UTC(),
		}).Error
		if err != nil {
			return Translate(err, "update kb article")
		}
		if err := db.Where("id = ?", id).Take(&after).Error; err != nil {
			return Translate(err, "reread kb article")
		}
		s.forgetKBStats(merchantID)
		return s.indexKB(ctx, after)
	})
	return before, after, err
}

// DeleteKBArticle removes an article and its index row and returns what it was.
func (s *Store) DeleteKBArticle(ctx context.Context, merchantID, id uint64) (models.KBArticle, error) {
	var a models.KBArticle
	err := s.InTx(ctx, func(ctx context.Context) error {
		if err := s.DB(ctx).Where("merchant_id = ? AND id = ?", merchantID, id).Take(&a).Error; err != nil {
			return Translate(err, fmt.Sprintf("kb article %d", id))
		}
		if err := s.DB(ctx).Where("merchant_id = ? AND id = ?", merchantID, id).Delete(&models.KBArticle{}).Error; err != nil {
			return Translate(err, "delete kb article")
		}
		s.forgetKBStats(merchantID)
		return s.unindexKB(ctx, id)
	})
	return a, err
}

// KBArticles lists the merchant's articles by id (drafts included) with the filter.
func (s *Store) KBArticles(ctx context.Context, merchantID uint64, f KBFilter) ([]models.KBArticle, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	db := s.DB(ctx).Where("merchant_id = ? AND id > ?", merchantID, f.AfterID)
	switch f.Status {
	case "published":
		db = db.Where("published = ?", true)
	case "draft":
		db = db.Where("published = ?", false)
	}
	if f.Language != "" {
		db = db.Where("language = ?", f.Language)
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		if err := s.ensureKBIndex(ctx); err != nil {
			return nil, err
		}
		ids, err := s.kbCandidateIDs(ctx, merchantID, kb.QueryUnits(t), false, 1000)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			return nil, nil
		}
		db = db.Where("id IN ?", ids)
	}
	var out []models.KBArticle
	err := db.Order("id").Limit(f.Limit).Find(&out).Error
	return out, Translate(err, "kb articles")
}

// PublishedKBArticle reads a published article by slug in lang, else in another language
// (zh-CN, then en, then any), and lists the languages the slug is published in.
func (s *Store) PublishedKBArticle(ctx context.Context, merchantID uint64, slug, lang string) (models.KBArticle, []string, error) {
	var all []models.KBArticle
	err := s.DB(ctx).Where("merchant_id = ? AND slug = ? AND published = ?", merchantID, slug, true).Order("id").Limit(10).Find(&all).Error
	if err != nil {
		return models.KBArticle{}, nil, Translate(err, "kb article")
	}
	if len(all) == 0 {
		return models.KBArticle{}, nil, fmt.Errorf("kb article %q: %w", slug, ErrNotFound)
	}
	langs := make([]string, 0, len(all))
	for _, a := range all {
		langs = append(langs, a.Language)
	}
	pick := all[0]
	for _, want := range []string{lang, "zh-CN", "en"} {
		found := false
		for _, a := range all {
			if a.Language == want {
				pick, found = a, true
				break
			}
		}
		if found {
			break
		}
	}
	return pick, langs, nil
}

// SuggestKBArticles returns up to limit published articles of the merchant that answer text,
// best first, with snippets. lang is the page's language (it breaks a mixed question's tie).
func (s *Store) SuggestKBArticles(ctx context.Context, merchantID uint64, text, lang string, limit int) ([]KBSuggestion, error) {
	units := kb.QueryUnits(text)
	if len(units) == 0 {
		return nil, nil
	}
	if err := s.ensureKBIndex(ctx); err != nil {
		return nil, err
	}
	st, err := s.kbStats(ctx, merchantID)
	if err != nil {
		return nil, err
	}
	fetch := kb.PruneUnits(units, st.df, kbFetchBudget, 2, 16)
	if len(fetch) == 0 {
		return nil, nil
	}
	ids, err := s.kbCandidateIDs(ctx, merchantID, fetch, true, kbCandidates)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	var arts []models.KBArticle
	if err := s.DB(ctx).Where("merchant_id = ? AND published = ? AND id IN ?", merchantID, true, ids).Find(&arts).Error; err != nil {
		return nil, Translate(err, "kb candidates")
	}
	// Rank in the index's order, so equal scores keep it.
	pos := make(map[uint64]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	docs := make([]kb.Doc, len(arts))
	byID := make(map[uint64]models.KBArticle, len(arts))
	for _, a := range arts {
		byID[a.ID] = a
	}
	n := 0
	for _, id := range ids {
		if a, ok := byID[id]; ok {
			docs[n] = kb.Doc{ID: a.ID, Title: a.Title, Tags: a.Tags, Body: a.Body, Language: a.Language}
			n++
		}
	}
	ranked := kb.RankDF(units, docs[:n], st.corpus, st.df, kb.QueryLanguage(text, lang))
	if len(ranked) > limit {
		ranked = ranked[:limit]
	}
	out := make([]KBSuggestion, len(ranked))
	for i, r := range ranked {
		out[i] = KBSuggestion{Article: byID[r.ID], Score: r.Score, Matched: r.Matched, Snippet: kb.Snippet(r.Body, r.Matched, 90)}
	}
	return out, nil
}

// kbCandidateIDs returns the ids of the merchant's articles holding any of the units (only
// published ones when published is set), in the index's relevance order, at most limit.
func (s *Store) kbCandidateIDs(ctx context.Context, merchantID uint64, units []kb.Unit, published bool, limit int) ([]uint64, error) {
	engine, err := s.KBEngine(ctx)
	if err != nil {
		return nil, err
	}
	pub := ""
	var pubArgs []any
	if published {
		pub, pubArgs = " AND a.published = ?", []any{true}
	}
	var sql string
	var args []any
	switch engine {
	case EngineFTS5:
		sql = "SELECT a.id FROM search_kb s JOIN kb_articles a ON a.id = s.rowid WHERE search_kb MATCH ? AND a.merchant_id = ?" + pub +
			fmt.Sprintf(" ORDER BY bm25(search_kb) LIMIT %d", limit)
		args = append([]any{kb.MatchFTS5(units), merchantID}, pubArgs...)
	case EngineMroonga:
		q := kb.MatchBoolean(units)
		sql = "SELECT a.id FROM search_kb s JOIN kb_articles a ON a.id = s.article_id WHERE MATCH(s.units) AGAINST(? IN BOOLEAN MODE) AND s.merchant_id = ? AND a.merchant_id = ?" + pub +
			fmt.Sprintf(" ORDER BY MATCH(s.units) AGAINST(? IN BOOLEAN MODE) DESC, a.id LIMIT %d", limit)
		args = append(append([]any{q, merchantID, merchantID}, pubArgs...), q)
	default:
		conds := make([]string, len(units))
		args = []any{merchantID, merchantID}
		for i, u := range units {
			conds[i] = "CONCAT(' ', s.units, ' ') LIKE ?"
			args = append(args, "% "+u.Text+" %")
		}
		sql = "SELECT a.id FROM search_kb s JOIN kb_articles a ON a.id = s.article_id WHERE s.merchant_id = ? AND a.merchant_id = ? AND (" +
			strings.Join(conds, " OR ") + ")" + pub + fmt.Sprintf(" ORDER BY a.id LIMIT %d", limit)
		args = append(args, pubArgs...)
	}
	var ids []uint64
	if err := s.DB(ctx).Raw(sql, args...).Scan(&ids).Error; err != nil {
		return nil, Translate(err, "kb search")
	}
	return ids, nil
}

// ensureKBIndex indexes, once per process, articles that have no index row (written before
// migration 00300 or around the store).
func (s *Store) ensureKBIndex(ctx context.Context) error {
	if _, ok := kbIndexChecked.Load(s); ok {
		return nil
	}
	col := "article_id"
	if s.dialect == migrations.SQLite {
		col = "rowid"
	}
	var missing int64
	err := s.DB(ctx).Raw("SELECT COUNT(*) FROM kb_articles a WHERE NOT EXISTS (SELECT 1 FROM search_kb s WHERE s." + col + " = a.id)").Scan(&missing).Error
	if err != nil {
		return Translate(err, "kb index check")
	}
	if missing > 0 {
		if _, err := s.RebuildKBIndex(ctx); err != nil {
			return err
		}
	}
	kbIndexChecked.Store(s, true)
	return nil
}

// RebuildKBIndex rewrites every article's index row, 500 articles per transaction, drops rows
// of deleted articles and returns how many articles were indexed.
func (s *Store) RebuildKBIndex(ctx context.Context) (int, error) {
	r, err := s.ReindexKB(ctx, 0)
	return r.Indexed, err
}

// KBReindexResult counts what ReindexKB did.
type KBReindexResult struct {
	// Indexed is how many articles had their index row rewritten.
	Indexed int
	// Pruned is how many index rows of deleted articles were dropped.
	Pruned int
}

// ReindexKB rebuilds the knowledge-base search index (search_kb) from the article rows, 500
// articles per transaction: every article of merchantID (of every merchant when 0) gets its
// row rewritten and rows left by deleted articles are dropped. Running it twice changes
// nothing. On SQLite an orphaned row carries no merchant, so a per-merchant run also drops
// orphans of other merchants (they match no article and are never read).
func (s *Store) ReindexKB(ctx context.Context, merchantID uint64) (KBReindexResult, error) {
	var r KBReindexResult
	var after uint64
	for {
		var arts []models.KBArticle
		q := s.DB(ctx).Where("id > ?", after)
		if merchantID != 0 {
			q = q.Where("merchant_id = ?", merchantID)
		}
		if err := q.Order("id").Limit(500).Find(&arts).Error; err != nil {
			return r, Translate(err, "kb reindex: read articles")
		}
		if len(arts) == 0 {
			break
		}
		err := s.InTx(ctx, func(ctx context.Context) error {
			for _, a := range arts {
				if err := s.indexKB(ctx, a); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return r, fmt.Errorf("kb reindex: after article %d: %w", after, err)
		}
		r.Indexed += len(arts)
		after = arts[len(arts)-1].ID
	}
	kbStatsCache.Range(func(k, _ any) bool {
		if key := k.(kbStatsKey); key.s == s && (merchantID == 0 || key.m == merchantID) {
			kbStatsCache.Delete(k)
		}
		return true
	})
	var res *gorm.DB
	switch {
	case s.dialect == migrations.SQLite:
		res = s.DB(ctx).Exec("DELETE FROM search_kb WHERE rowid NOT IN (SELECT id FROM kb_articles)")
	case merchantID != 0:
		res = s.DB(ctx).Exec("DELETE FROM search_kb WHERE merchant_id = ? AND article_id NOT IN (SELECT id FROM kb_articles WHERE merchant_id = ?)", merchantID, merchantID)
	default:
		res = s.DB(ctx).Exec("DELETE FROM search_kb WHERE article_id NOT IN (SELECT id FROM kb_articles)")
	}
	if res.Error != nil {
		return r, Translate(res.Error, "kb reindex: prune")
	}
	r.Pruned = int(res.RowsAffected)
	return r, nil
}

// AddKBEvents records form events; an event already recorded (same session, kind and
// article) is ignored. Events naming an article the merchant does not have are dropped.
func (s *Store) AddKBEvents(ctx context.Context, merchantID uint64, evs []models.KBEvent) (int, error) {
	var ids []uint64
	for _, e := range evs {
		if e.ArticleID != 0 {
			ids = append(ids, e.ArticleID)
		}
	}
	known := map[uint64]bool{}
	if len(ids) > 0 {
		var have []uint64
		if err := s.DB(ctx).Model(&models.KBArticle{}).Where("merchant_id = ? AND id IN ?", merchantID, ids).Pluck("id", &have).Error; err != nil {
			return 0, Translate(err, "kb events: articles")
		}
		for _, id := range have {
			known[id] = true
		}
	}
	rows := make([]models.KBEvent, 0, len(evs))
	for _, e := range evs {
		if e.ArticleID != 0 && !known[e.ArticleID] {
			continue
		}
		e.ID, e.MerchantID = 0, merchantID
		if e.CreatedAt.IsZero() {
			e.CreatedAt = time.Now().UTC()
		}
		rows = append(rows, e)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	err := s.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error
	return len(rows), Translate(err, "kb events")
}

// KBEvents returns the merchant's events in [from, to), at most limit, for the report.
func (s *Store) KBEvents(ctx context.Context, merchantID uint64, from, to time.Time, limit int) ([]kb.Event, error) {
	var rows []models.KBEvent
	err := s.DB(ctx).Where("merchant_id = ? AND created_at >= ? AND created_at < ?", merchantID, from.UTC(), to.UTC()).
		Order("created_at").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, Translate(err, "kb events")
	}
	out := make([]kb.Event, len(rows))
	for i, r := range rows {
		out[i] = kb.Event{Session: r.Session, Kind: r.Kind, ArticleID: r.ArticleID, At: r.CreatedAt}
	}
	return out, nil
}

// KBArticlesByIDs reads the merchant's articles with these ids (for the report's titles).
func (s *Store) KBArticlesByIDs(ctx context.Context, merchantID uint64, ids []uint64) ([]models.KBArticle, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []models.KBArticle
	err := s.DB(ctx).Select("id", "merchant_id", "slug", "title", "language", "published").Where("merchant_id = ? AND id IN ?", merchantID, ids).Find(&out).Error
	return out, Translate(err, "kb articles by id")
}

// MerchantSlug returns a merchant's slug (the public pages' URLs name it).
func (s *Store) MerchantSlug(ctx context.Context, merchantID uint64) (string, error) {
	var slug string
	err := s.DB(ctx).Model(&models.Merchant{}).Where("id = ?", merchantID).Limit(1).Pluck("slug", &slug).Error
	return slug, Translate(err, "merchant slug")
}

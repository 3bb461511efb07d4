package api

// Knowledge base (issue 15). Buyers: suggestions while they type on the form (full text, zh/en,
// GET /kb/suggest), public article pages (GET /kb/pages/{merchant}/{slug}) and the form's
// suggestion events (POST /kb/events: shown, opened, submitted) from which the deflection
// report is computed. Staff: articles are read by everyone signed in (agents link them in
// replies) and written by admins (settings.edit), audited; supervisors read the deflection
// report (reports.read).

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/kb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/rbac"
	"github.com/keydesk/keydesk/store"
)

// Audit actions of knowledge-base changes.
const (
	AuditKBCreate = "kb.create"
	AuditKBUpdate = "kb.update"
	AuditKBDelete = "kb.delete"
)

// Article limits, in characters.
const (
	maxKBTitle = 300
	maxKBTags  = 300
	maxKBBody  = 20000
	// maxKBReportDays bounds the deflection report's window.
	maxKBReportDays = 90
	// maxKBReportEvents bounds the events one report reads.
	maxKBReportEvents = 200000
)

// KBLanguages are the languages an article is written in.
var KBLanguages = []string{"zh-CN", "en"}

var kbSlugRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,127}$`)

type kbArticleReq struct {
	// Slug names the article in URLs; its zh-CN and en versions share it.
	Slug     string `json:"slug"`
	Language string `json:"language"`
	Title    string `json:"title"`
	// Body is plain text: blank lines separate paragraphs, lines starting "- " are list items.
	Body string `json:"body"`
	// Tags are comma-separated words buyers might use (they weigh like the title).
	Tags string `json:"tags"`
	// Status is draft or published.
	Status string `json:"status"`
}

var kbExample = kbArticleReq{Slug: "key-not-working", Language: "zh-CN", Title: "卡密无法使用",
	Body: "请确认兑换的平台和地区正确，且卡密中没有多余空格。", Tags: "卡密,无效,激活", Status: "published"}

type kbArticleView struct {
	ID       uint64 `json:"id"`
	Slug     string `json:"slug"`
	Language string `json:"language"`
	Title    string `json:"title"`
	Body     string `json:"body"`
	Tags     string `json:"tags"`
	Status   string `json:"status"`
	// URL is the article's public page (agents paste it into replies).
	URL       string    `json:"url"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

type kbListResp struct {
	Articles []kbArticleView `json:"articles"`
	// NextCursor continues the list (?cursor=).
	NextCursor string `json:"next_cursor,omitempty"`
}

type kbSuggestion struct {
	ID       uint64 `json:"id"`
	Slug     string `json:"slug"`
	Language string `json:"language"`
	Title    string `json:"title"`
	// Snippet is HTML: escaped text of the body with the matched words in <mark>.
	Snippet string `json:"snippet"`
	// URL is the article's public page.
	URL string `json:"url"`
}

type kbSuggestResp struct {
	Articles []kbSuggestion `json:"articles"`
}

type kbPageResp struct {
	ID       uint64 `json:"id"`
	Slug     string `json:"slug"`
	Language string `json:"language"`
	Title    string `json:"title"`
	Body     string `json:"body"`
	// Languages are the languages this article is published in.
	Languages []string  `json:"languages"`
	UpdatedAt time.Time `json:"updated_at"`
}

type kbEventReq struct {
	Merchant string `json:"merchant"`
	// Session is the form's random session id (8–64 letters, digits, - or _).
	Session string       `json:"session"`
	Events  []kbEventRow `json:"events"`
}

type kbEventRow struct {
	// Kind is shown, opened or submitted.
	Kind      string `json:"kind"`
	ArticleID uint64 `json:"article_id,omitempty"`
}

type kbReportRow struct {
	ArticleID uint64 `json:"article_id"`
	Slug      string `json:"slug"`
	Language  string `json:"language"`
	Title     string `json:"title"`
	Shown     int    `json:"shown"`
	Opened    int    `json:"opened"`
	Submitted int    `json:"submitted"`
	Deflected int    `json:"deflected"`
	Pending   int    `json:"pending"`
	// Rate is deflected / (deflected + submitted).
	Rate float64 `json:"rate"`
}

type kbReportResp struct {
	Days int `json:"days"`
	// Sessions: form sessions shown a suggestion, that opened one, opened one and still
	// submitted, opened one and left, too recent to tell, and submitted without opening any.
	Shown            int     `json:"shown"`
	Opened           int     `json:"opened"`
	Submitted        int     `json:"submitted"`
	Deflected        int     `json:"deflected"`
	Pending          int     `json:"pending"`
	SubmittedWithout int     `json:"submitted_without_opening"`
	Rate             float64 `json:"rate"`
	// Truncated says the window held more events than one report reads.
	Truncated bool          `json:"truncated"`
	Articles  []kbReportRow `json:"articles"`
}

// kbRoutes is the knowledge-base route group (listed in routeGroups).
func (s *Server) kbRoutes() []Route {
	read := Perm{rbac.ObjTickets, rbac.ActRead}
	edit := Perm{rbac.ObjSettings, rbac.ActEdit}
	return []Route{
		{Method: http.MethodGet, Path: V1 + "/kb/suggest", Limit: LimitPublic, Handler: s.kbSuggest,
			Doc: Doc{Tag: "buyer", Summary: "Knowledge-base suggestions for what the buyer has typed (full text, Chinese, English and mixed; published articles of the shop, best first, with highlighted snippets)", Resp: kbSuggestResp{},
				Query: [][2]string{{"merchant", "merchant slug"}, {"q", "text typed so far (at most 500 characters)"}, {"lang", "page language, zh-CN or en (breaks ties)"}}}},
		{Method: http.MethodGet, Path: V1 + "/kb/pages/:merchant/:slug", Limit: LimitPublic, Handler: s.kbPage,
			Doc: Doc{Tag: "buyer", Summary: "A published article (in lang when it exists, else another language)", Resp: kbPageResp{},
				Query: [][2]string{{"lang", "zh-CN or en"}}}},
		{Method: http.MethodPost, Path: V1 + "/kb/events", Limit: LimitPublic, Handler: s.kbEvents,
			Doc: Doc{Tag: "buyer", Summary: "The form's suggestion events (shown, opened, submitted) for the deflection report; repeats are ignored", Body: kbEventReq{},
				Example: kbEventReq{Merchant: "shop-a", Session: "f3a9c1d27b5e4a10", Events: []kbEventRow{{Kind: kb.EventSubmitted}}}, Status: http.StatusNoContent}},
		{Method: http.MethodGet, Path: V1 + "/kb/articles", Access: AccessStaff, Perm: read, Handler: s.kbList,
			Doc: Doc{Tag: "kb", Summary: "The merchant's articles (drafts included), by id", Resp: kbListResp{},
				Query: [][2]string{{"status", "draft or published"}, {"language", "zh-CN or en"}, {"q", "words in title, tags or body"}, {"cursor", "from next_cursor"}, {"limit", "1–200, default 50"}}}},
		{Method: http.MethodPost, Path: V1 + "/kb/articles", Access: AccessStaff, Perm: edit, Handler: s.kbCreate,
			Doc: Doc{Tag: "kb", Summary: "Write an article in one language (slug + language unique: 409; audited)", Body: kbArticleReq{}, Example: kbExample, Resp: kbArticleView{}, Status: http.StatusCreated}},
		{Method: http.MethodGet, Path: V1 + "/kb/articles/:id", Access: AccessStaff, Perm: read, Handler: s.kbGet,
			Doc: Doc{Tag: "kb", Summary: "One article", Resp: kbArticleView{}}},
		{Method: http.MethodPut, Path: V1 + "/kb/articles/:id", Access: AccessStaff, Perm: edit, Handler: s.kbUpdate,
			Doc: Doc{Tag: "kb", Summary: "Rewrite, publish or unpublish an article (audited)", Body: kbArticleReq{}, Example: kbExample, Resp: kbArticleView{}}},
		{Method: http.MethodDelete, Path: V1 + "/kb/articles/:id", Access: AccessStaff, Perm: edit, Handler: s.kbDelete,
			Doc: Doc{Tag: "kb", Summary: "Delete an article (audited)", Status: http.StatusNoContent}},
		{Method: http.MethodGet, Path: V1 + "/kb/report", Access: AccessStaff, Perm: Perm{rbac.ObjReports, rbac.ActRead}, Handler: s.kbReport,
			Doc: Doc{Tag: "reports", Summary: "Deflection: per article, form sessions that opened it and left without submitting vs. submitted anyway", Resp: kbReportResp{},
				Query: [][2]string{{"days", "days back, 1 to 90 (default 30)"}}}},
	}
}

func kbStatus(published bool) string {
	if published {
		return "published"
	}
	return "draft"
}

func viewKB(a models.KBArticle) kbArticleView {
	return kbArticleView{ID: a.ID, Slug: a.Slug, Language: a.Language, Title: a.Title, Body: a.Body, Tags: a.Tags,
		Status: kbStatus(a.Published), CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

// kbPageURL is an article's public page (web: /help/{merchant}/{slug}).
func kbPageURL(merchant, slug, lang string) string {
	return "/help/" + merchant + "/" + slug + "?lang=" + lang
}

func (s *Server) kbSuggest(c *gin.Context) error {
	q, slug, lang := c.Query("q"), c.Query("merchant"), c.Query("lang")
	fe := fieldErrors{}
	fe.check(slug == "", "merchant", "required")
	fe.check(utf8.RuneCountInString(q) > 500, "q", "at most 500 characters")
	if err := fe.err(); err != nil {
		return err
	}
	resp := kbSuggestResp{Articles: []kbSuggestion{}}
	m, err := s.d.Store.MerchantBySlug(c.Request.Context(), slug)
	if errors.Is(err, store.ErrNotFound) {
		c.JSON(http.StatusOK, resp)
		return nil
	}
	if err != nil {
		return err
	}
	got, err := s.d.Store.SuggestKBArticles(c.Request.Context(), m.ID, q, lang, 5)
	if err != nil {
		return err
	}
	for _, g := range got {
		a := g.Article
		resp.Articles = append(resp.Articles, kbSuggestion{ID: a.ID, Slug: a.Slug, Language: a.Language, Title: a.Title,
			Snippet: g.Snippet, URL: kbPageURL(slug, a.Slug, a.Language)})
	}
	c.JSON(http.StatusOK, resp)
	return nil
}

func (s *Server) kbPage(c *gin.Context) error {
	m, err := s.d.Store.MerchantBySlug(c.Request.Context(), c.Param("merchant"))
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	a, langs, err := s.d.Store.PublishedKBArticle(c.Request.Context(), m.ID, c.Param("slug"), c.Query("lang"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, kbPageResp{ID: a.ID, Slug: a.Slug, Language: a.Language, Title: a.Title, Body: a.Body, Languages: langs, UpdatedAt: a.UpdatedAt})
	return nil
}

var kbSessionRe = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

func (s *Server) kbEvents(c *gin.Context) error {
	var req kbEventReq
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	fe := fieldErrors{}
	fe.check(req.Merchant == "", "merchant", "required")
	fe.check(!kbSessionRe.MatchString(req.Session), "session", "8 to 64 letters, digits, - or _")
	fe.check(len(req.Events) == 0 || len(req.Events) > 20, "events", "1 to 20 events")
	for i, e := range req.Events {
		ok := false
		for _, k := range kb.EventKinds {
			ok = ok || e.Kind == k
		}
		fe.check(!ok, fmt.Sprintf("events[%d].kind", i), "shown, opened or submitted")
		fe.check(ok && (e.Kind == kb.EventSubmitted) != (e.ArticleID == 0), fmt.Sprintf("events[%d].article_id", i), "required for shown and opened, absent for submitted")
	}
	if err := unprocessable(fe); err != nil {
		return err
	}
	m, err := s.d.Store.MerchantBySlug(c.Request.Context(), req.Merchant)
	if errors.Is(err, store.ErrNotFound) {
		c.Status(http.StatusNoContent)
		return nil
	}
	if err != nil {
		return err
	}
	rows := make([]models.KBEvent, len(req.Events))
	for i, e := range req.Events {
		rows[i] = models.KBEvent{Session: req.Session, Kind: e.Kind, ArticleID: e.ArticleID, CreatedAt: s.now()}
	}
	if _, err := s.d.Store.AddKBEvents(c.Request.Context(), m.ID, rows); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (s *Server) kbList(c *gin.Context) error {
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	f := store.KBFilter{Status: c.Query("status"), Language: c.Query("language"), Text: c.Query("q"), Limit: 50}
	fe := fieldErrors{}
	fe.check(f.Status != "" && f.Status != "draft" && f.Status != "published", "status", "draft or published")
	fe.check(f.Language != "" && !validKBLang(f.Language), "language", "zh-CN or en")
	fe.check(utf8.RuneCountInString(f.Text) > 200, "q", "at most 200 characters")
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		fe.check(err != nil || n < 1 || n > 200, "limit", "a whole number from 1 to 200")
		f.Limit = n
	}
	if v := c.Query("cursor"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		fe.check(err != nil, "cursor", "from next_cursor")
		f.AfterID = n
	}
	if err := unprocessable(fe); err != nil {
		return err
	}
	want := f.Limit
	f.Limit++
	arts, err := s.d.Store.KBArticles(c.Request.Context(), m, f)
	if err != nil {
		return err
	}
	resp := kbListResp{Articles: make([]kbArticleView, 0, len(arts))}
	if len(arts) > want {
		arts = arts[:want]
		resp.NextCursor = uitoa(arts[len(arts)-1].ID)
	}
	slug, err := s.d.Store.MerchantSlug(c.Request.Context(), m)
	if err != nil {
		return err
	}
	for _, a := range arts {
		v := viewKB(a)
		v.URL = kbPageURL(slug, a.Slug, a.Language)
		resp.Articles = append(resp.Articles, v)
	}
	c.JSON(http.StatusOK, resp)
	return nil
}

func validKBLang(l string) bool {
	for _, x := range KBLanguages {
		if l == x {
			return true
		}
	}
	return false
}

// bindKB decodes and checks an article: slug of lower-case letters, digits and dashes, a known
// language, title 1–300 characters on one line, body 1–20,000, tags up to 300, status draft or
// published. Invalid fields are a 422.
func bindKB(c *gin.Context) (models.KBArticle, error) {
	var req kbArticleReq
	if err := decodeJSON(c, &req, false); err != nil {
		return models.KBArticle{}, err
	}
	req.Slug, req.Title, req.Body, req.Tags = strings.TrimSpace(req.Slug), strings.TrimSpace(req.Title), strings.TrimSpace(req.Body), strings.TrimSpace(req.Tags)
	fe := fieldErrors{}
	fe.check(!kbSlugRe.MatchString(req.Slug), "slug", "lower-case letters, digits and dashes, at most 128")
	fe.check(!validKBLang(req.Language), "language", "zh-CN or en")
	n := utf8.RuneCountInString(req.Title)
	fe.check(n == 0 || n > maxKBTitle, "title", fmt.Sprintf("required, at most %d characters", maxKBTitle))
	fe.check(strings.ContainsFunc(req.Title, unicode.IsControl), "title", "one line, no control characters")
	b := utf8.RuneCountInString(req.Body)
	fe.check(b == 0 || b > maxKBBody, "body", fmt.Sprintf("required, at most %d characters", maxKBBody))
	fe.check(utf8.RuneCountInString(req.Tags) > maxKBTags, "tags", fmt.Sprintf("at most %d characters", maxKBTags))
	fe.check(req.Status != "draft" && req.Status != "published", "status", "draft or published")
	return models.KBArticle{Slug: req.Slug, Language: req.Language, Title: req.Title, Body: req.Body, Tags: req.Tags,
		Published: req.Status == "published"}, unprocessable(fe)
}

// kbError turns a taken slug + language into a 409 naming the field.
func kbError(err error) error {
	if errors.Is(err, store.ErrDuplicate) {
		return &Error{Status: http.StatusConflict, Code: CodeConflict, Message: "an article with this slug already exists in this language",
			Fields: map[string]string{"slug": "already used in this language"}, cause: err}
	}
	return err
}

func kbAuditData(a models.KBArticle) map[string]any {
	return map[string]any{"slug": a.Slug, "language": a.Language, "title": a.Title, "status": kbStatus(a.Published),
		"body_chars": utf8.RuneCountInString(a.Body)}
}

func (s *Server) kbCreate(c *gin.Context) error {
	a, err := bindKB(c)
	if err != nil {
		return err
	}
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	a.MerchantID = m
	err = s.d.Store.InTx(c.Request.Context(), func(ctx context.Context) error {
		if err := s.d.Store.CreateKBArticle(ctx, &a); err != nil {
			return err
		}
		return s.audit(ctx, c, auditEntry{Action: AuditKBCreate, TargetType: "kb_article", TargetID: uitoa(a.ID), Merchant: m, Data: kbAuditData(a)})
	})
	if err != nil {
		return kbError(err)
	}
	c.JSON(http.StatusCreated, viewKB(a))
	return nil
}

func (s *Server) kbTarget(c *gin.Context) (merchant, id uint64, err error) {
	if merchant, err = s.merchant(c); err != nil {
		return 0, 0, err
	}
	if id, err = strconv.ParseUint(c.Param("id"), 10, 64); err != nil {
		return 0, 0, errNotFound
	}
	return merchant, id, nil
}

func (s *Server) kbGet(c *gin.Context) error {
	m, id, err := s.kbTarget(c)
	if err != nil {
		return err
	}
	a, err := s.d.Store.KBArticleByID(c.Request.Context(), m, id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, viewKB(a))
	return nil
}

func (s *Server) kbUpdate(c *gin.Context) error {
	in, err := bindKB(c)
	if err != nil {
		return err
	}
	m, id, err := s.kbTarget(c)
	if err != nil {
		return err
	}
	var after models.KBArticle
	err = s.d.Store.InTx(c.Request.Context(), func(ctx context.Context) error {
		before, a, err := s.d.Store.UpdateKBArticle(ctx, m, id, in)
		if err != nil {
			return err
		}
		after = a
		return s.audit(ctx, c, auditEntry{Action: AuditKBUpdate, TargetType: "kb_article", TargetID: uitoa(id), Merchant: m,
			Data: map[string]any{"before": kbAuditData(before), "after": kbAuditData(after), "body_changed": before.Body != after.Body}})
	})
	if err != nil {
		return kbError(err)
	}
	c.JSON(http.StatusOK, viewKB(after))
	return nil
}

func (s *Server) kbDelete(c *gin.Context) error {
	m, id, err := s.kbTarget(c)
	if err != nil {
		return err
	}
	err = s.d.Store.InTx(c.Request.Context(), func(ctx context.Context) error {
		a, err := s.d.Store.DeleteKBArticle(ctx, m, id)
		if err != nil {
			return err
		}
		return s.audit(ctx, c, auditEntry{Action: AuditKBDelete, TargetType: "kb_article", TargetID: uitoa(id), Merchant: m, Data: kbAuditData(a)})
	})
	if err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (s *Server) kbReport(c *gin.Context) error {
	days := 30
	if v, ok := c.GetQuery("days"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxKBReportDays {
			return unprocessable(fieldErrors{"days": "a whole number from 1 to " + strconv.Itoa(maxKBReportDays)})
		}
		days = n
	}
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	now := s.now()
	evs, err := s.d.Store.KBEvents(ctx, m, now.AddDate(0, 0, -days), now.Add(time.Minute), maxKBReportEvents+1)
	if err != nil {
		return err
	}
	resp := kbReportResp{Days: days, Articles: []kbReportRow{}}
	if len(evs) > maxKBReportEvents {
		evs, resp.Truncated = evs[:maxKBReportEvents], true
	}
	arts, tot := kb.Deflection(evs, now)
	resp.Shown, resp.Opened, resp.Submitted, resp.Deflected, resp.Pending, resp.SubmittedWithout, resp.Rate =
		tot.Shown, tot.Opened, tot.Submitted, tot.Deflected, tot.Pending, tot.SubmittedWithout, tot.Rate
	ids := make([]uint64, 0, len(arts))
	for _, a := range arts {
		ids = append(ids, a.ArticleID)
	}
	rows, err := s.d.Store.KBArticlesByIDs(ctx, m, ids)
	if err != nil {
		return err
	}
	byID := map[uint64]models.KBArticle{}
	for _, r := range rows {
		byID[r.ID] = r
	}
	for _, a := range arts {
		x, ok := byID[a.ArticleID]
		if !ok {
			continue // deleted since
		}
		resp.Articles = append(resp.Articles, kbReportRow{ArticleID: a.ArticleID, Slug: x.Slug, Language: x.Language, Title: x.Title,
			Shown: a.Shown, Opened: a.Opened, Submitted: a.Submitted, Deflected: a.Deflected, Pending: a.Pending, Rate: a.Rate})
	}
	c.JSON(http.StatusOK, resp)
	return nil
}

package api

// Staff ticket search (issue 15): GET /api/v1/search/tickets. The store does the searching
// (store.SearchTickets); this handler parses the filters, turns a possible card-key fragment or
// whole key into keyed hashes (the typed text is never stored or logged) and renders hits with
// highlighted snippets.

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/rbac"
	"github.com/keydesk/keydesk/store"
)

func (s *Server) searchRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: V1 + "/search/tickets", Access: AccessStaff, Perm: Perm{rbac.ObjTickets, rbac.ActRead}, Handler: s.searchTickets,
			Doc: Doc{Tag: "tickets", Summary: "Search the merchant's tickets (open and closed): exact ref, order number, buyer email or contact, card-key fragment (4+ characters of the key's last 8) or whole key, else full text over subject and messages (zh/en); filters, relevance (over the newest 200 matches) or newest, cursor pagination, highlighted snippets; partial=true when a scan limit stopped the search early (sort=newest: next_cursor continues it)",
				Resp: searchResp{}, Query: searchParams}},
	}
}

var searchParams = [][2]string{
	{"q", "what to find; \"double quotes\" keep a phrase"},
	{"status", "comma-separated statuses (default: all, closed included)"},
	{"category", "ticket category"}, {"priority", "low, normal, high, urgent"},
	{"assignee", "me, unassigned or a user id"}, {"breached", "true or false"},
	{"created_from", "RFC 3339 time"}, {"created_to", "RFC 3339 time"},
	{"updated_from", "RFC 3339 time"}, {"updated_to", "RFC 3339 time"},
	{"sort", "relevance (default with q) or newest"},
	{"cursor", "from next_cursor"}, {"limit", "1–100, default 20"},
}

type searchResp struct {
	Hits       []searchHit `json:"hits"`
	NextCursor string      `json:"next_cursor,omitempty"`
	// Engine names the full-text engine that answered (sqlite-fts5-trigram, mroonga, innodb-fulltext).
	Engine string `json:"engine"`
	// Partial is true when the full-text search stopped at its scan limit before it had a full
	// page: the hits are the matches among the newest tickets it read; with sort=newest,
	// next_cursor continues from where it stopped (older tickets may still match).
	Partial bool `json:"partial,omitempty"`
}

type searchHit struct {
	queueItem
	// Match is exact, key, text or filter (no text given).
	Match string `json:"match"`
	// Snippet is HTML: escaped text with the matched terms in <mark>.
	Snippet   string    `json:"snippet,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (s *Server) searchTickets(c *gin.Context) error {
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	p, _ := principal(c)
	q, err := parseSearchQuery(c, m, p.User.ID)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	if text := strings.TrimSpace(q.Text); text != "" && s.d.Box != nil {
		if g := store.KeyFragmentGram(text); g != "" {
			q.KeyHashes = []string{s.d.Box.Hash(store.KeyGramScope(m), g)}
		}
		if len(text) >= 8 && len(text) <= 200 && !strings.ContainsAny(text, " @") {
			pids, err := s.d.Store.MerchantProductIDs(ctx, m)
			if err != nil {
				return err
			}
			for _, pid := range pids {
				q.FullKeyHashes = append(q.FullKeyHashes, s.d.Box.Hash(store.CardKeyHashScope(pid), text))
			}
		}
	}
	page, err := s.d.Store.SearchTickets(ctx, q)
	if err != nil {
		return err
	}
	resp := searchResp{Hits: make([]searchHit, 0, len(page.Hits)), Engine: page.Engine, NextCursor: encodeSearchCursor(page.Next), Partial: page.Partial}
	for _, h := range page.Hits {
		resp.Hits = append(resp.Hits, searchHit{queueItem: toQueueItem(h.Ticket), Match: h.Match, Snippet: h.Snippet, UpdatedAt: h.Ticket.UpdatedAt})
	}
	c.JSON(http.StatusOK, resp)
	return nil
}

// parseSearchQuery reads the search's query parameters.
func parseSearchQuery(c *gin.Context, merchantID, me uint64) (store.SearchQuery, error) {
	q := store.SearchQuery{MerchantID: merchantID, Text: c.Query("q"), Category: c.Query("category"), Priority: c.Query("priority"), Sort: c.Query("sort")}
	fe := fieldErrors{}
	fe.check(len(q.Text) > 500, "q", "at most 500 bytes")
	if st := c.Query("status"); st != "" {
		for _, x := range strings.Split(st, ",") {
			fe.check(!validStatus(x), "status", "unknown status "+strconv.Quote(x))
			q.Statuses = append(q.Statuses, x)
		}
	}
	fe.check(q.Priority != "" && !validPriority(q.Priority), "priority", "one of low, normal, high, urgent")
	fe.check(q.Sort != "" && q.Sort != store.SearchByRelevance && q.Sort != store.SearchByNewest, "sort", "relevance or newest")
	if strings.TrimSpace(q.Text) == "" {
		q.Sort = store.SearchByNewest
	}
	switch a := c.Query("assignee"); a {
	case "":
	case "me":
		q.AssigneeID = &me
	case "unassigned":
		q.Unassigned = true
	default:
		id, err := strconv.ParseUint(a, 10, 64)
		fe.check(err != nil, "assignee", "me, unassigned or a user id")
		q.AssigneeID = &id
	}
	if b := c.Query("breached"); b != "" {
		v, err := strconv.ParseBool(b)
		fe.check(err != nil, "breached", "true or false")
		q.Breached = &v
	}
	for _, r := range []struct {
		name string
		dst  **time.Time
	}{{"created_from", &q.CreatedFrom}, {"created_to", &q.CreatedTo}, {"updated_from", &q.UpdatedFrom}, {"updated_to", &q.UpdatedTo}} {
		if v := c.Query(r.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			fe.check(err != nil, r.name, "RFC 3339 time")
			*r.dst = &t
		}
	}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		fe.check(err != nil || n < 1 || n > 100, "limit", "1 to 100")
		q.Limit = n
	}
	if cur := c.Query("cursor"); cur != "" {
		sc, err := decodeSearchCursor(cur)
		fe.check(err != nil, "cursor", "invalid cursor")
		q.Cursor = sc
	}
	return q, fe.err()
}

func encodeSearchCursor(c *store.SearchCursor) string {
	if c == nil {
		return ""
	}
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeSearchCursor(s string) (*store.SearchCursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	var c store.SearchCursor
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	if c.Offset < 0 || c.Offset > 10000 {
		return nil, strconv.ErrRange
	}
	return &c, nil
}

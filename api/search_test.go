package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

func (e *env) searchAs(who, query string) (int, searchResp) {
	e.t.Helper()
	w := e.do("GET", V1+"/search/tickets?"+query, nil, bearerHdr(e.tokens[who]))
	var r searchResp
	if w.Code == http.StatusOK {
		if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil {
			e.t.Fatalf("search body: %v %s", err, w.Body.String())
		}
	}
	return w.Code, r
}

// TestSearchTicketsAPI: staff find their merchant's tickets by words (with a highlighted,
// escaped snippet), by order number and by the whole card key; another merchant's admin finds
// nothing with the same queries; a user without a role is refused; bad filters are 400.
func TestSearchTicketsAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, RateLimits{})
		// The fake ticket service links no order: link both tickets to order A-1001.
		if err := st.DB(context.Background()).Model(&models.Ticket{}).Where("merchant_id = ?", e.mA.ID).Update("order_id", e.orderA.ID).Error; err != nil {
			t.Fatal(err)
		}
		q := func(s string) string { return "q=" + url.QueryEscape(s) }
		code, r := e.searchAs("agent", q("does not work"))
		if code != http.StatusOK || len(r.Hits) != 1 || r.Hits[0].ID != e.ticketA.ID || r.Hits[0].Match != store.MatchText ||
			!strings.Contains(r.Hits[0].Snippet, "key <mark>does</mark> <mark>not</mark> <mark>work</mark>") || r.Engine == "" {
			t.Fatalf("words: %d %+v", code, r)
		}
		if code, r := e.searchAs("agent", q("INTERNAL-NOTE-TEXT")); code != http.StatusOK || len(r.Hits) != 1 {
			t.Errorf("internal note for staff: %d %+v", code, r)
		}
		if code, r := e.searchAs("agent", q("A-1001")); code != http.StatusOK || len(r.Hits) != 2 || r.Hits[0].Match != store.MatchExact {
			t.Errorf("order number: %d %+v", code, r)
		}
		if code, r := e.searchAs("agent", q(e.secretKeyA)); code != http.StatusOK || len(r.Hits) != 2 || r.Hits[0].Match != store.MatchKey {
			t.Errorf("whole key: %d %+v", code, r)
		}
		for _, s := range []string{"does not work", "A-1001", e.secretKeyA, e.ticketA.Ref, "buyer@a.test"} {
			if code, r := e.searchAs("other_admin", q(s)); code != http.StatusOK || len(r.Hits) != 0 {
				t.Errorf("merchant B searching %q: %d %+v", s, code, r)
			}
		}
		if code, _ := e.searchAs("norole", q("does not work")); code != http.StatusForbidden {
			t.Errorf("no role: %d", code)
		}
		for _, bad := range []string{"status=nope", "sort=x", "limit=0", "created_from=yesterday", "cursor=!!!"} {
			if code, _ := e.searchAs("agent", bad); code != http.StatusBadRequest {
				t.Errorf("%s: %d", bad, code)
			}
		}
		// A scan stopped by its limit says so, and its cursor continues it (SQLite walks tickets
		// for a 2-character term; Mroonga's index answers it).
		if st.Dialect() == "sqlite" {
			defer func(n uint64) { store.SearchScanTickets = n }(store.SearchScanTickets)
			store.SearchScanTickets = 1
			found, partial, cur := false, false, ""
			for i := 0; i < 50; i++ {
				code, r := e.searchAs("agent", q("wo")+"&sort=newest"+cur)
				if code != http.StatusOK {
					t.Fatalf("partial scan: %d", code)
				}
				partial = partial || r.Partial
				for _, h := range r.Hits {
					found = found || h.ID == e.ticketA.ID
				}
				if r.NextCursor == "" {
					break
				}
				cur = "&cursor=" + r.NextCursor
			}
			if !partial || !found {
				t.Errorf("scan limit: partial=%v, ticket found=%v", partial, found)
			}
		}
		// Paging newest-first covers both tickets once.
		code, r = e.searchAs("supervisor", "limit=1")
		if code != http.StatusOK || len(r.Hits) != 1 || r.NextCursor == "" {
			t.Fatalf("page 1: %d %+v", code, r)
		}
		code, r2 := e.searchAs("supervisor", "limit=1&cursor="+r.NextCursor)
		if code != http.StatusOK || len(r2.Hits) != 1 || r2.Hits[0].ID == r.Hits[0].ID {
			t.Fatalf("page 2: %d %+v", code, r2)
		}
	})
}

package web_test

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/keydesk/keydesk/store"
)

// searchTickets is the fake GET /search/tickets (the caller holds f.mu): the shape of
// api/search.go, substring matching over subject and messages, snippets cut and escaped by
// store.Snippet like the real server.
func (f *fakeAPI) searchTickets(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	terms := store.SearchTerms(q)
	f.searches = append(f.searches, r.URL.RawQuery)
	hits := []map[string]any{}
	for i := len(f.tickets) - 1; i >= 0; i-- {
		t := f.tickets[i]
		doc := t.Subject
		for _, m := range t.Messages {
			doc += "\n" + fmt.Sprint(m["body"])
		}
		ok := true
		for _, term := range terms {
			ok = ok && strings.Contains(strings.ToLower(doc), strings.ToLower(term))
		}
		if !ok {
			continue
		}
		h := f.view(t)
		h["match"], h["updated_at"] = "text", t.Created
		if q == t.Ref {
			h["match"] = "exact"
		} else if q != "" {
			h["snippet"] = store.Snippet(doc, terms, 48)
		}
		hits = append(hits, h)
	}
	writeJSON(w, 200, map[string]any{"hits": hits, "engine": "fake"})
}

package store_test

import (
	"context"
	"testing"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// A text holding every trigram of a term but not the term itself is a candidate of the
// positionless trigram index (SQLite) and must not be a hit: the term is checked on the text.
// On MariaDB the same query runs through Mroonga and must answer the same.
func TestSearchTrigramsWithoutTheTermDoNotMatch(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		requireCJKEngine(t, s)
		ctx := context.Background()
		f := seedTicketFixture(t, s, "shop-tri", "UTC")
		mk := func(ref, subject, body string) {
			tk := newTicket(f, ref, nil)
			tk.Subject = subject
			if err := s.CreateTicket(ctx, &tk, &models.Message{AuthorKind: models.AuthorCustomer, Body: body, RequestID: "submission"}); err != nil {
				t.Fatalf("create: %v", err)
			}
		}
		// "zorbaz" has trigrams zor, orb, rba, baz; the decoy holds all four, never in a row.
		mk("KD-TRI00001", "decoy", "zorb and rbaz are separate words")
		mk("KD-TRI00002", "real", "the zorbaz code fails")
		// Chinese: 无法激活 (无法激, 法激活) against a text with both trigrams apart.
		mk("KD-TRI00003", "诱饵", "无法激动，法激活是另一个词")
		mk("KD-TRI00004", "真的", "卡密无法激活")
		for _, tc := range []struct{ q, want string }{
			{"zorbaz", "KD-TRI00002"},
			{"ZORBAZ", "KD-TRI00002"},
			{"无法激活", "KD-TRI00004"},
		} {
			p, err := s.SearchTickets(ctx, store.SearchQuery{MerchantID: f.merchant, Text: tc.q})
			if err != nil {
				t.Fatalf("search %q: %v", tc.q, err)
			}
			if got := refs(p); len(got) != 1 || got[0] != tc.want {
				t.Errorf("search %q: got %v, want [%s]", tc.q, got, tc.want)
			}
		}
	})
}

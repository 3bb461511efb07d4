package store_test

import (
	"context"
	"testing"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/store"
)

// The triage columns (issue 13) are stored and read back on both databases.
func TestTicketTriageFieldsRoundTrip(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := seedTicketFixture(t, s, "triage-a", "UTC")
		tk := newTicket(f, "KD-TRIAGE01", nil)
		tk.Category, tk.ChosenCategory, tk.InferredCategory = "key_invalid", "key_missing", "key_invalid"
		tk.InferredConfidence, tk.TriageModel, tk.CategoryMismatch = 973, "lr1-0123456789", true
		createTicket(t, s, &tk)
		got, err := s.TicketByRef(ctx, "KD-TRIAGE01")
		if err != nil {
			t.Fatal(err)
		}
		if got.ChosenCategory != "key_missing" || got.InferredCategory != "key_invalid" || got.InferredConfidence != 973 ||
			got.TriageModel != "lr1-0123456789" || !got.CategoryMismatch || got.Category != "key_invalid" {
			t.Fatalf("read back %+v", got)
		}
		plain := newTicket(f, "KD-TRIAGE02", nil)
		createTicket(t, s, &plain)
		got, err = s.TicketByRef(ctx, "KD-TRIAGE02")
		if err != nil || got.ChosenCategory != "" || got.InferredConfidence != 0 || got.CategoryMismatch {
			t.Fatalf("defaults: %v %+v", err, got)
		}
	})
}

package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// TestUpdateMerchantSettingsIsLockedReadModifyWrite: concurrent edits of one document each
// see the previous one's result (none is lost), an edit's error writes nothing, and another
// merchant's document is untouched.
func TestUpdateMerchantSettingsIsLockedReadModifyWrite(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := macroMerchant(t, s, "set-a"), macroMerchant(t, s, "set-b")
		const n = 10
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := s.UpdateMerchantSettings(ctx, a, func(cur models.JSON) (models.JSON, error) {
					var doc map[string]int
					if err := cur.Decode(&doc); err != nil {
						return nil, err
					}
					if doc == nil { // a merchant without settings holds null
						doc = map[string]int{}
					}
					doc["edits"]++
					return models.MustJSON(doc), nil
				})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("edit: %v", err)
			}
		}
		_, raw, err := s.MerchantSettings(ctx, a)
		if err != nil || string(raw) != `{"edits":10}` {
			t.Fatalf("after %d concurrent edits: %s, %v", n, raw, err)
		}

		refuse := errors.New("invalid")
		_, _, err = s.UpdateMerchantSettings(ctx, a, func(models.JSON) (models.JSON, error) { return models.JSON(`{}`), refuse })
		if !errors.Is(err, refuse) {
			t.Fatalf("edit error: %v", err)
		}
		if _, raw, _ := s.MerchantSettings(ctx, a); string(raw) != `{"edits":10}` {
			t.Fatalf("a refused edit wrote %s", raw)
		}
		if _, raw, _ := s.MerchantSettings(ctx, b); len(raw) != 0 && string(raw) != "null" {
			t.Fatalf("other merchant's settings: %s", raw)
		}
		before, after, err := s.UpdateMerchantSettings(ctx, b, func(cur models.JSON) (models.JSON, error) { return models.JSON(`{"x":1}`), nil })
		if err != nil || (len(before) != 0 && string(before) != "null") || string(after) != `{"x":1}` {
			t.Fatalf("first document of B: %s → %s, %v", before, after, err)
		}
		if _, _, err := s.UpdateMerchantSettings(ctx, 999999, func(cur models.JSON) (models.JSON, error) { return cur, nil }); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown merchant: %v", err)
		}
	})
}

package activities_test

import (
	"strings"
	"testing"
	"time"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// TestReplacementKeyIsFragmentSearchable (issue 15): a replacement handed out by ReissueKey
// gets its keyed tail-gram hashes in the same transaction, so the buyer quoting its end is
// matched without a reindex.
func TestReplacementKeyIsFragmentSearchable(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, false)
		f.addStock(1)
		buyer := riBuyer{email: "g@example.com", ip: "198.51.100.7", device: "kd-" + strings.Repeat("9", 32)}
		o, _ := f.order(buyer, f.initial, f.now.Add(-time.Hour))
		tk := f.ticket(&o, buyer, "key_invalid", f.now)
		_, err := f.act.AssessKeyClaim(f.ctx, activities.KeyClaimInput{TicketID: tk.ID})
		f.must(err)
		res, err := f.act.ReissueKey(f.ctx, activities.ReissueInput{TicketID: tk.ID})
		f.must(err)
		if res.Status != activities.ReissueDelivered {
			t.Fatalf("reissue %+v", res)
		}
		k, err := s.CardKeyByID(f.ctx, f.m.ID, res.CardKeyID)
		f.must(err)
		secret, err := f.box.Open(k.SecretCipher, store.CardKeyAAD(k.ProductID))
		f.must(err)
		norm := store.NormalizeKeyText(string(secret))
		frag := f.box.Hash(store.KeyGramScope(f.m.ID), store.KeyFragmentGram(norm[len(norm)-4:]))
		if n := f.count(&models.CardKey{}, "id = ? AND id IN (SELECT card_key_id FROM search_key_grams WHERE gram_hash = ?)", k.ID, frag); n != 1 {
			t.Fatalf("the replacement's last 4 characters do not match it (%d)", n)
		}
		// A retry indexes nothing twice.
		_, err = f.act.ReissueKey(f.ctx, activities.ReissueInput{TicketID: tk.ID})
		f.must(err)
		var grams int64
		f.must(s.DB(f.ctx).Table("search_key_grams").Where("card_key_id = ?", k.ID).Count(&grams).Error)
		if want := int64(len(store.KeyTailGrams(string(secret)))); grams != want {
			t.Fatalf("%d gram rows, want %d", grams, want)
		}
	})
}

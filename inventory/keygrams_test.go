package inventory_test

import (
	"slices"
	"testing"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/inventory"
	"github.com/keydesk/keydesk/store"
)

// TestPushedKeysAreFragmentSearchable (issue 15): the keys an order push delivers get their
// keyed tail-gram hashes in the order's transaction, so "the key ending 7QX2" matches
// without a `keydesk search reindex`; only hashes are stored, never the secret or a gram.
func TestPushedKeysAreFragmentSearchable(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, inventory.Limits{})
		secret := "AAAA-BBBB-CCCC-7QX2"
		o, created, err := f.svc.PushOrder(f.ctx, f.m.ID, inventory.OrderPush{OrderNo: "O-1", SKU: f.p.SKU, Quantity: 1, Amount: 1000,
			Currency: "USD", BuyerEmail: "b@example.com", PaidAt: f.now, Keys: []string{secret}})
		f.must(err)
		if !created || o.ID == 0 {
			t.Fatalf("push: created %v order %+v", created, o)
		}
		var got []string
		f.must(s.DB(f.ctx).Table("search_key_grams").Where("merchant_id = ?", f.m.ID).Pluck("gram_hash", &got).Error)
		want := store.KeyGramHashes(f.box, f.m.ID, secret)
		slices.Sort(got)
		slices.Sort(want)
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Fatalf("gram hashes: %d stored, want %d", len(got), len(want))
		}
		frag := f.box.Hash(store.KeyGramScope(f.m.ID), store.KeyFragmentGram("7QX2"))
		if !slices.Contains(got, frag) {
			t.Fatal("the fragment 7QX2 does not match the delivered key")
		}
		for _, g := range got {
			if g == secret || g == "7QX2" {
				t.Fatal("a secret or gram stored in clear")
			}
		}
	})
}

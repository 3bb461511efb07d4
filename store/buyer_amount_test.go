package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// TestBuyerMaxOtherAmount: the buyer's largest other order paid before the claim, on both
// dialects: the claim's own order, later orders, other buyers and other shops do not count.
func TestBuyerMaxOtherAmount(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := macroMerchant(t, s, "bma-a"), macroMerchant(t, s, "bma-b")
		p := models.Product{MerchantID: a, SKU: "S", Name: "Card", Price: 1000, Currency: "CNY"}
		payCreate(t, s, &p)
		t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
		order := func(m uint64, no, email string, amount int64, at time.Time) uint64 {
			o := models.Order{MerchantID: m, OrderNo: no, ProductID: p.ID, Quantity: 1, Amount: amount, Currency: "CNY",
				BuyerEmail: email, PaidAt: at, Status: models.OrderDelivered}
			payCreate(t, s, &o)
			return o.ID
		}
		order(a, "A-1", "r@x.test", 38000, t0.Add(-700*time.Hour))
		order(a, "A-2", "r@x.test", 20000, t0.Add(-350*time.Hour))
		claimed := order(a, "A-3", "r@x.test", 90000, t0.Add(-6*time.Hour))
		order(a, "A-4", "r@x.test", 99000, t0.Add(time.Hour)) // after the claim
		order(a, "A-5", "other@x.test", 80000, t0.Add(-time.Hour))
		order(b, "B-1", "r@x.test", 95000, t0.Add(-time.Hour))
		if got, err := s.BuyerMaxOtherAmount(ctx, a, "r@x.test", claimed, t0); err != nil || got != 38000 {
			t.Fatalf("largest other order: %d, %v; want 38000", got, err)
		}
		if got, err := s.BuyerMaxOtherAmount(ctx, a, "new@x.test", 0, t0); err != nil || got != 0 {
			t.Fatalf("a buyer without orders: %d, %v", got, err)
		}
	})
}

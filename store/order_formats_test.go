package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/migrations"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// RecentOrderNumbers reads one merchant's newest order numbers, newest first, at most limit,
// through the index ix_orders_recent (not a sort of all the merchant's orders).
func TestRecentOrderNumbers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var ms []models.Merchant
		products := map[uint64]uint64{}
		for _, slug := range []string{"a", "b"} {
			m := models.Merchant{Slug: slug, Name: slug, Timezone: "UTC"}
			if err := s.DB(ctx).Create(&m).Error; err != nil {
				t.Fatal(err)
			}
			p := models.Product{MerchantID: m.ID, SKU: "s", Name: "p"}
			if err := s.DB(ctx).Create(&p).Error; err != nil {
				t.Fatal(err)
			}
			ms, products[m.ID] = append(ms, m), p.ID
		}
		for i := range 6 {
			for _, m := range ms {
				o := models.Order{MerchantID: m.ID, OrderNo: fmt.Sprintf("%s-%d", m.Slug, 9-i), ProductID: products[m.ID], PaidAt: time.Now().UTC()}
				if err := s.DB(ctx).Create(&o).Error; err != nil {
					t.Fatal(err)
				}
			}
		}
		got, err := s.RecentOrderNumbers(ctx, ms[0].ID, 4)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"a-4", "a-5", "a-6", "a-7"}; !slices.Equal(got, want) {
			t.Fatalf("newest of merchant a: %v, want %v", got, want)
		}
		if got, err := s.RecentOrderNumbers(ctx, ms[1].ID, 0); err != nil || len(got) != 0 {
			t.Fatalf("limit 0: %v %v", got, err)
		}
		// The plan is read with enough orders that reading them all would cost (MySQL reads a
		// table of a dozen rows through any index and sorts).
		var more []models.Order
		for i := range 3000 {
			m := ms[i%2]
			more = append(more, models.Order{MerchantID: m.ID, OrderNo: fmt.Sprintf("%s-x%05d", m.Slug, i), ProductID: products[m.ID], PaidAt: time.Now().UTC()})
		}
		if err := s.DB(ctx).CreateInBatches(more, 500).Error; err != nil {
			t.Fatal(err)
		}
		if s.Dialect() == migrations.MySQL {
			if err := s.DB(ctx).Exec("ANALYZE TABLE orders").Error; err != nil {
				t.Fatal(err)
			}
		}
		var plan []string
		q := "EXPLAIN QUERY PLAN SELECT order_no FROM orders WHERE merchant_id = ? ORDER BY id DESC LIMIT 500"
		col := "detail"
		if s.Dialect() == migrations.MySQL {
			q, col = "EXPLAIN SELECT order_no FROM orders WHERE merchant_id = ? ORDER BY id DESC LIMIT 500", "key"
		}
		rows, err := s.DB(ctx).Raw(q, ms[0].ID).Rows()
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			r := map[string]any{}
			if err := s.DB(ctx).ScanRows(rows, &r); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, fmt.Sprint(r[col]), fmt.Sprint(r["Extra"]))
		}
		p := strings.Join(plan, " ")
		if !strings.Contains(p, "ix_orders_recent") || strings.Contains(p, "TEMP B-TREE") || strings.Contains(p, "filesort") {
			t.Errorf("plan: %s", p)
		}
	})
}

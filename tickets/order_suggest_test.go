package tickets

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
	"github.com/keydesk/keydesk/triage"
)

// A new ticket keeps, as its suggested order, another order of the same merchant that its
// text names in the shop's own format (here "kd_NNNN_NNNN", which the text alone does not
// read), compared without regard to case, width or a leading '#'; never the ticket's own
// order and never another merchant's order, even of the same format and number.
func TestNewTicketSuggestsTheOrderItsTextNames(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mk := func(slug string) (models.Merchant, models.Product) {
			m := models.Merchant{Slug: slug, Name: slug, Timezone: "UTC"}
			must(t, s.DB(ctx).Create(&m).Error)
			p := models.Product{MerchantID: m.ID, SKU: "s", Name: "p"}
			must(t, s.DB(ctx).Create(&p).Error)
			return m, p
		}
		order := func(m models.Merchant, p models.Product, no, email string) models.Order {
			o := models.Order{MerchantID: m.ID, OrderNo: no, ProductID: p.ID, BuyerEmail: email, PaidAt: time.Now().UTC()}
			must(t, s.DB(ctx).Create(&o).Error)
			return o
		}
		m1, p1 := mk("one")
		m2, p2 := mk("two")
		for i := range 30 {
			order(m1, p1, fmt.Sprintf("kd_%04d_%04d", 1000+i*37, 2000+i*53), "x@example.com")
			order(m2, p2, fmt.Sprintf("kd_%04d_%04d", 5000+i*37, 6000+i*53), "y@example.com")
		}
		filed := order(m1, p1, "kd_1111_2222", "owner@example.com")
		named := order(m1, p1, "kd_3141_5926", "owner@example.com")
		other := order(m2, p2, "kd_2718_2818", "owner@example.com")
		same := order(m2, p2, "kd_3141_5927", "owner@example.com") // merchant two only
		svc := New(Opts{Store: s})
		if got := svc.orderFormats(ctx, m1.ID).Shapes(); len(got) != 1 || got[0] != "KD_D4_D4" {
			t.Fatalf("merchant one's formats %v", got)
		}
		tests := []struct {
			name, body string
			want       *uint64
		}{
			{"the number as stored", "kd_3141_5926 还没发货，我填错订单了", &named.ID},
			{"upper case", "I meant KD_3141_5926, sorry", &named.ID},
			{"full width and #", "应该是 ＃ｋｄ＿３１４１＿５９２６", &named.ID},
			{"the ticket's own order", "kd_1111_2222 还没发货", nil},
			{"own order first, then another", "kd_1111_2222 和 kd_3141_5926 都没到", &named.ID},
			{"another merchant's order", "kd_2718_2818 还没发货", nil},
			{"another merchant's number", "kd_3141_5927 还没发货", nil},
			{"no number", "还没发货", nil},
		}
		for _, tt := range tests {
			in := CreateInput{MerchantID: m1.ID, OrderNo: filed.OrderNo, Email: "owner@example.com", Subject: "help", Description: tt.body}
			tk, _, err := svc.insert(ctx, in, triage.Category(""), filed)
			must(t, err)
			back, err := s.TicketByID(ctx, m1.ID, tk.ID)
			must(t, err)
			switch {
			case tt.want == nil && back.SuggestedOrderID != nil:
				t.Errorf("%s: suggested order %d, want none (other merchant's %d, %d)", tt.name, *back.SuggestedOrderID, other.ID, same.ID)
			case tt.want != nil && (back.SuggestedOrderID == nil || *back.SuggestedOrderID != *tt.want):
				t.Errorf("%s: suggested order %v, want %d", tt.name, back.SuggestedOrderID, *tt.want)
			}
		}
	})
}

// Learned formats are kept per merchant for orderFormatsTTL, then read again.
func TestOrderFormatsAreCachedPerMerchant(t *testing.T) {
	s := testdb.SQLite(t)
	ctx := context.Background()
	m := models.Merchant{Slug: "m", Name: "m", Timezone: "UTC"}
	must(t, s.DB(ctx).Create(&m).Error)
	p := models.Product{MerchantID: m.ID, SKU: "s", Name: "p"}
	must(t, s.DB(ctx).Create(&p).Error)
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	svc := New(Opts{Store: s, Now: func() time.Time { return now }})
	if svc.orderFormats(ctx, m.ID).Known() {
		t.Fatal("formats without orders")
	}
	for i := range 10 {
		o := models.Order{MerchantID: m.ID, OrderNo: fmt.Sprintf("SO%05d", 10000+i*7), ProductID: p.ID, PaidAt: now}
		must(t, s.DB(ctx).Create(&o).Error)
	}
	if svc.orderFormats(ctx, m.ID).Known() {
		t.Fatal("formats read again within the TTL")
	}
	now = now.Add(orderFormatsTTL)
	if got := svc.orderFormats(ctx, m.ID).Shapes(); len(got) != 1 || got[0] != "SO+D5" {
		t.Fatalf("formats after the TTL: %v", got)
	}
}

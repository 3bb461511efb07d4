package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// payFixture is one merchant with an order of two delivered keys (the first revealed) and
// a ticket about it.
type payFixture struct {
	merchant, product, order, ticket uint64
	keys                             []uint64
	paidAt                           time.Time
}

func payCreate(t *testing.T, s *store.Store, v any) {
	t.Helper()
	if err := s.DB(context.Background()).Create(v).Error; err != nil {
		t.Fatalf("create %T: %v", v, err)
	}
}

func newPayFixture(t *testing.T, s *store.Store, slug string) payFixture {
	t.Helper()
	paid := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	m := models.Merchant{Slug: slug, Name: "Shop " + slug, Timezone: "UTC"}
	payCreate(t, s, &m)
	p := models.Product{MerchantID: m.ID, SKU: "GAME-50", Name: "Game card 50", Price: 1000, Currency: "EUR", RefundableDays: 14}
	payCreate(t, s, &p)
	b := models.KeyBatch{MerchantID: m.ID, ProductID: p.ID, Label: "b1", Status: models.BatchActive}
	payCreate(t, s, &b)
	o := models.Order{MerchantID: m.ID, OrderNo: "ORD-" + slug, ProductID: p.ID, Quantity: 2, Amount: 2000, Currency: "EUR",
		BuyerEmail: "bob@example.com", BuyerIP: "203.0.113.7", DeviceID: "dev-1", PaidAt: paid, PaymentRef: "pay-" + slug,
		PaymentGateway: "simulator", Status: models.OrderDelivered}
	payCreate(t, s, &o)
	f := payFixture{merchant: m.ID, product: p.ID, order: o.ID, paidAt: paid}
	for i, secret := range []string{"hash-a-" + slug, "hash-b-" + slug} {
		k := models.CardKey{MerchantID: m.ID, ProductID: p.ID, BatchID: b.ID, SecretCipher: []byte("sealed"), SecretHash: secret,
			Status: models.KeyDelivered, OrderID: &o.ID, DeliveredAt: &paid}
		if i == 0 {
			rev := paid.Add(time.Minute)
			k.FirstRevealedAt = &rev
		}
		payCreate(t, s, &k)
		f.keys = append(f.keys, k.ID)
	}
	tk := models.Ticket{MerchantID: m.ID, Ref: "KD-" + slug, OrderID: &o.ID, Category: "refund", Status: models.StatusOpen,
		Priority: models.PriorityNormal, Queue: models.QueueRefunds, CustomerEmail: "bob@example.com"}
	payCreate(t, s, &tk)
	f.ticket = tk.ID
	return f
}

func (f payFixture) refund(no string, amount, fee int64) *models.Refund {
	return &models.Refund{MerchantID: f.merchant, TicketID: f.ticket, OrderID: f.order, OutRefundNo: no, Amount: amount, Fee: fee,
		Currency: "EUR", Status: models.RefundApproved, Gateway: "simulator"}
}

func keyStatus(t *testing.T, s *store.Store, id uint64) string {
	t.Helper()
	var k models.CardKey
	if err := s.DB(context.Background()).Take(&k, id).Error; err != nil {
		t.Fatal(err)
	}
	return k.Status
}

func TestCreateRefundIsIdempotentOnOutRefundNo(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newPayFixture(t, s, "r1")
		first := f.refund("KD-r1-R1", 1000, 0)
		created, err := s.CreateRefund(ctx, first)
		if err != nil || !created {
			t.Fatalf("first create: %v %v", created, err)
		}
		again := f.refund("KD-r1-R1", 999, 0)
		created, err = s.CreateRefund(ctx, again)
		if err != nil || created || again.ID != first.ID || again.Amount != 1000 {
			t.Fatalf("second create: created=%v err=%v row=%+v", created, err, again)
		}
		other := newPayFixture(t, s, "r1b")
		foreign := other.refund("KD-r1-R1", 5, 0)
		if _, err := s.CreateRefund(ctx, foreign); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("another merchant's out_refund_no: err = %v, want ErrConflict", err)
		}
		rs, err := s.RefundsByTicket(ctx, f.merchant, f.ticket)
		if err != nil || len(rs) != 1 {
			t.Fatalf("refunds of ticket = %d %v", len(rs), err)
		}
	})
}

func TestUpdateRefundStatusOnlyMovesForward(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newPayFixture(t, s, "r2")
		if _, err := s.CreateRefund(ctx, f.refund("KD-r2-R1", 1000, 0)); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC)
		r, changed, err := s.UpdateRefundStatus(ctx, "KD-r2-R1", store.RefundUpdate{Status: models.RefundSubmitted, GatewayRefundID: "G1", At: at})
		if err != nil || !changed || r.Status != models.RefundSubmitted || r.GatewayRefundID != "G1" {
			t.Fatalf("submit: %+v %v %v", r, changed, err)
		}
		r, changed, err = s.UpdateRefundStatus(ctx, "KD-r2-R1", store.RefundUpdate{Status: models.RefundSucceeded, At: at})
		if err != nil || !changed || r.Status != models.RefundSucceeded || r.CompletedAt == nil {
			t.Fatalf("succeed: %+v %v %v", r, changed, err)
		}
		r, changed, err = s.UpdateRefundStatus(ctx, "KD-r2-R1", store.RefundUpdate{Status: models.RefundFailed, Reason: "late", At: at})
		if err != nil || changed || r.Status != models.RefundSucceeded || r.FailureReason != "" {
			t.Fatalf("a late failure must not undo success: %+v %v %v", r, changed, err)
		}
		if _, _, err := s.UpdateRefundStatus(ctx, "KD-r2-R1", store.RefundUpdate{Status: models.RefundApproved, At: at}); err == nil {
			t.Fatal("moving back to approved should be an error")
		}
	})
}

func TestApplyRefundsToOrderPartialThenFull(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newPayFixture(t, s, "r3")
		at := time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC)
		// Half the order (one key's worth), 50 fee withheld: net 950 returned.
		if _, err := s.CreateRefund(ctx, f.refund("KD-r3-R1", 950, 50)); err != nil {
			t.Fatal(err)
		}
		res, err := s.ApplyRefundsToOrder(ctx, f.merchant, f.order, at)
		if err != nil || res.Order.Status != models.OrderDelivered || len(res.RevokedKeys) != 0 {
			t.Fatalf("no succeeded refund yet must change nothing: %+v %v", res, err)
		}
		if _, _, err := s.UpdateRefundStatus(ctx, "KD-r3-R1", store.RefundUpdate{Status: models.RefundSucceeded, At: at}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ { // the second call must be a no-op
			res, err = s.ApplyRefundsToOrder(ctx, f.merchant, f.order, at)
			if err != nil {
				t.Fatal(err)
			}
		}
		o, _ := s.OrderByID(ctx, f.merchant, f.order)
		if o.Status != models.OrderPartiallyRefunded || o.RefundedAmount != 950 {
			t.Fatalf("order = %s %d, want partially_refunded 950", o.Status, o.RefundedAmount)
		}
		// Key 0 was revealed and stays with the buyer; key 1 (unrevealed) is revoked.
		if keyStatus(t, s, f.keys[0]) != models.KeyDelivered || keyStatus(t, s, f.keys[1]) != models.KeyRevoked {
			t.Fatalf("keys = %s/%s", keyStatus(t, s, f.keys[0]), keyStatus(t, s, f.keys[1]))
		}
		if _, err := s.CreateRefund(ctx, f.refund("KD-r3-R2", 1000, 0)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.UpdateRefundStatus(ctx, "KD-r3-R2", store.RefundUpdate{Status: models.RefundSucceeded, At: at}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ApplyRefundsToOrder(ctx, f.merchant, f.order, at); err != nil {
			t.Fatal(err)
		}
		o, _ = s.OrderByID(ctx, f.merchant, f.order)
		if o.Status != models.OrderRefunded || o.RefundedAmount != 1950 {
			t.Fatalf("order = %s %d, want refunded 1950", o.Status, o.RefundedAmount)
		}
		if keyStatus(t, s, f.keys[0]) != models.KeyDelivered {
			t.Fatal("a revealed key must never be revoked")
		}
	})
}

func TestApplyRefundsToOrderConcurrent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newPayFixture(t, s, "r4")
		if _, err := s.CreateRefund(ctx, f.refund("KD-r4-R1", 2000, 0)); err != nil {
			t.Fatal(err)
		}
		at := time.Now().UTC()
		if _, _, err := s.UpdateRefundStatus(ctx, "KD-r4-R1", store.RefundUpdate{Status: models.RefundSucceeded, At: at}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		revoked := 0
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := s.ApplyRefundsToOrder(ctx, f.merchant, f.order, at)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				revoked += len(res.RevokedKeys)
				mu.Unlock()
			}()
		}
		wg.Wait()
		if revoked != 1 {
			t.Fatalf("keys revoked over 4 concurrent calls = %d, want 1", revoked)
		}
	})
}

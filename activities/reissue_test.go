package activities_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/internal/secretbox"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// riFixture is a merchant with one product, a stock batch and helpers to add orders and
// claim tickets, written straight to the database.
type riFixture struct {
	t       testing.TB
	s       *store.Store
	box     *secretbox.Box
	now     time.Time
	m       models.Merchant
	p       models.Product
	batch   models.KeyBatch
	seq     int
	keySeq  int
	act     *activities.Activities
	ctx     context.Context
	initial models.KeyBatch
}

func riBox(t testing.TB) *secretbox.Box {
	t.Helper()
	b, err := secretbox.New(make([]byte, secretbox.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newRIFixture(t testing.TB, s *store.Store, shared bool) *riFixture {
	t.Helper()
	f := &riFixture{t: t, s: s, box: riBox(t), now: time.Now().UTC().Truncate(time.Microsecond), ctx: context.Background()}
	f.m = models.Merchant{Slug: "shop", Name: "Shop", Timezone: "UTC", Settings: models.JSON(`{"fraud":{"review":30,"deny":70}}`)}
	f.must(s.DB(f.ctx).Create(&f.m).Error)
	f.p = models.Product{MerchantID: f.m.ID, SKU: "GIFT-10", Name: "Gift card 10", Price: 1000, Currency: "USD", SharedKey: shared, LowStockThreshold: 5}
	f.must(s.DB(f.ctx).Create(&f.p).Error)
	f.batch = f.newBatch("stock")
	f.initial = f.newBatch("initial")
	f.act = &activities.Activities{Store: s, Box: f.box, Now: func() time.Time { return f.now }}
	return f
}

func (f *riFixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *riFixture) newBatch(label string) models.KeyBatch {
	b := models.KeyBatch{MerchantID: f.m.ID, ProductID: f.p.ID, Label: label, Status: models.BatchActive}
	f.must(f.s.DB(f.ctx).Create(&b).Error)
	return b
}

// key returns an unsaved sealed key of the product in batch b.
func (f *riFixture) key(b models.KeyBatch, status string) models.CardKey {
	f.keySeq++
	secret := fmt.Sprintf("KEY-%06d-SECRET", f.keySeq)
	return models.CardKey{MerchantID: f.m.ID, ProductID: f.p.ID, BatchID: b.ID, Status: status,
		SecretCipher: f.box.Seal([]byte(secret), store.CardKeyAAD(f.p.ID)),
		SecretHash:   f.box.Hash(store.CardKeyHashScope(f.p.ID), secret)}
}

func (f *riFixture) addStock(n int) {
	keys := make([]models.CardKey, n)
	for i := range keys {
		keys[i] = f.key(f.batch, models.KeyAvailable)
	}
	if n > 0 {
		f.must(f.s.DB(f.ctx).CreateInBatches(&keys, 100).Error)
	}
}

type riBuyer struct{ email, ip, device string }

// order creates a delivered order of one key from batch b for the buyer, paid at paid.
func (f *riFixture) order(buyer riBuyer, b models.KeyBatch, paid time.Time) (models.Order, models.CardKey) {
	f.seq++
	o := models.Order{MerchantID: f.m.ID, OrderNo: fmt.Sprintf("ORD-%05d", f.seq), ProductID: f.p.ID, Quantity: 1,
		Amount: f.p.Price, Currency: "USD", BuyerEmail: buyer.email, BuyerIP: buyer.ip, DeviceID: buyer.device,
		PaidAt: paid, Status: models.OrderDelivered}
	f.must(f.s.DB(f.ctx).Create(&o).Error)
	k := f.key(b, models.KeyDelivered)
	k.OrderID, k.DeliveredAt = &o.ID, &paid
	f.must(f.s.DB(f.ctx).Create(&k).Error)
	f.must(f.s.DB(f.ctx).Create(&models.Delivery{MerchantID: f.m.ID, OrderID: o.ID, CardKeyID: k.ID, Kind: models.DeliveryInitial}).Error)
	return o, k
}

// ticket creates a claim ticket of the category on the order, created at at.
func (f *riFixture) ticket(o *models.Order, buyer riBuyer, category string, at time.Time) models.Ticket {
	f.seq++
	t := models.Ticket{MerchantID: f.m.ID, Ref: fmt.Sprintf("T-%06d", f.seq), Category: category, Status: models.StatusOpen,
		CustomerEmail: buyer.email, CustomerIP: buyer.ip, DeviceID: buyer.device, CreatedAt: at, UpdatedAt: at}
	if o != nil {
		t.OrderID = &o.ID
	}
	f.must(f.s.DB(f.ctx).Create(&t).Error)
	return t
}

// replaced delivers a replacement key from f.batch on the claim ticket of order o at at.
func (f *riFixture) replaced(o models.Order, claim models.Ticket, at time.Time) {
	k := f.key(f.batch, models.KeyAvailable)
	f.must(f.s.DB(f.ctx).Create(&k).Error)
	f.must(f.s.InTx(f.ctx, func(ctx context.Context) error {
		_, err := f.s.DeliverReissue(ctx, o, k.ID, claim.ID, at)
		return err
	}))
}

func (f *riFixture) count(model any, where string, args ...any) int64 {
	var n int64
	f.must(f.s.DB(f.ctx).Model(model).Where(where, args...).Count(&n).Error)
	return n
}

// TestReissueKeyConcurrent: 100 tickets claim at once for one product with 50 keys in
// stock: exactly 50 get distinct keys, 50 are out of stock, and the database agrees.
func TestReissueKeyConcurrent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, false)
		f.addStock(50)
		tickets := make([]models.Ticket, 100)
		for i := range tickets {
			b := riBuyer{email: fmt.Sprintf("b%d@example.com", i), ip: "198.51.100.7"}
			o, _ := f.order(b, f.initial, f.now.Add(-time.Hour))
			tickets[i] = f.ticket(&o, b, "key_invalid", f.now.Add(-time.Minute))
		}
		results := make([]activities.ReissueResult, len(tickets))
		errs := make([]error, len(tickets))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range tickets {
			wg.Go(func() {
				<-start
				results[i], errs[i] = f.act.ReissueKey(context.Background(), activities.ReissueInput{TicketID: tickets[i].ID})
			})
		}
		close(start)
		wg.Wait()

		seen := map[uint64]uint64{}
		delivered, oos := 0, 0
		for i, r := range results {
			if errs[i] != nil {
				t.Fatalf("ticket %d: %v", tickets[i].ID, errs[i])
			}
			switch r.Status {
			case activities.ReissueDelivered:
				delivered++
				if prev, dup := seen[r.CardKeyID]; dup {
					t.Fatalf("key %d handed to tickets %d and %d", r.CardKeyID, prev, tickets[i].ID)
				}
				seen[r.CardKeyID] = tickets[i].ID
			case activities.ReissueOutOfStock:
				oos++
			default:
				t.Fatalf("ticket %d: unexpected status %q (%s)", tickets[i].ID, r.Status, r.Reason)
			}
		}
		if delivered != 50 || oos != 50 {
			t.Fatalf("delivered %d, out of stock %d; want 50 and 50", delivered, oos)
		}
		if n := f.count(&models.Delivery{}, "kind = ?", models.DeliveryReissue); n != 50 {
			t.Errorf("reissue deliveries in DB = %d, want 50", n)
		}
		if n := f.count(&models.CardKey{}, "batch_id = ? AND status = ?", f.batch.ID, models.KeyDelivered); n != 50 {
			t.Errorf("delivered stock keys = %d, want 50", n)
		}
		if n := f.count(&models.CardKey{}, "batch_id = ? AND status = ?", f.batch.ID, models.KeyAvailable); n != 0 {
			t.Errorf("available keys left = %d, want 0", n)
		}
		if n := f.count(&models.CardKey{}, "batch_id = ? AND ticket_id IS NOT NULL", f.batch.ID); n != 50 {
			t.Errorf("stock keys linked to a ticket = %d, want 50", n)
		}
		if n := f.count(&models.CardKey{}, "batch_id = ? AND status = ?", f.initial.ID, models.KeyReportedInvalid); n != 50 {
			t.Errorf("reported keys marked invalid = %d, want 50 (one per served ticket)", n)
		}
		if n := f.count(&models.KeyEvent{}, "kind = ? AND source = ?", models.KeyEventDelivered, "keydesk"); n != 50 {
			t.Errorf("keydesk delivered events = %d, want 50", n)
		}
		if n := f.count(&models.Notification{}, "kind = ? AND product_id = ?", models.NotifyLowStock, f.p.ID); n != 1 {
			t.Errorf("low-stock notifications = %d, want exactly 1 (deduped per day)", n)
		}
	})
}

// TestReissueKeyRepeatAndConcurrentSameTicket: repeated and concurrent calls for one
// ticket (activity retries, duplicate updates) always answer the same single delivery.
func TestReissueKeyRepeatAndConcurrentSameTicket(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, false)
		f.addStock(10)
		b := riBuyer{email: "a@example.com"}
		o, reported := f.order(b, f.initial, f.now.Add(-time.Hour))
		tk := f.ticket(&o, b, "key_invalid", f.now)
		first, err := f.act.ReissueKey(f.ctx, activities.ReissueInput{TicketID: tk.ID})
		if err != nil || first.Status != activities.ReissueDelivered {
			t.Fatalf("first reissue: %+v, %v", first, err)
		}
		var wg sync.WaitGroup
		results := make([]activities.ReissueResult, 20)
		errs := make([]error, 20)
		for i := range results {
			wg.Go(func() { results[i], errs[i] = f.act.ReissueKey(f.ctx, activities.ReissueInput{TicketID: tk.ID}) })
		}
		wg.Wait()
		for i, r := range results {
			if errs[i] != nil || r != first {
				t.Fatalf("repeat %d: %+v, %v; want %+v", i, r, errs[i], first)
			}
		}
		if n := f.count(&models.Delivery{}, "ticket_id = ?", tk.ID); n != 1 {
			t.Fatalf("deliveries for the ticket = %d, want 1", n)
		}
		if n := f.count(&models.CardKey{}, "status = ?", models.KeyAvailable); n != 9 {
			t.Fatalf("available keys = %d, want 9", n)
		}
		got, err := s.CardKeyByID(f.ctx, f.m.ID, reported.ID)
		if err != nil || got.Status != models.KeyReportedInvalid {
			t.Fatalf("reported key: %+v, %v; want reported_invalid", got.Status, err)
		}
	})
}

// TestReissueKeyConcurrentFirstCallsSameTicket: concurrent first calls for one ticket race
// to deliver; exactly one wins and every caller sees the winner's delivery.
func TestReissueKeyConcurrentFirstCallsSameTicket(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, false)
		f.addStock(10)
		b := riBuyer{email: "a@example.com"}
		o, _ := f.order(b, f.initial, f.now.Add(-time.Hour))
		tk := f.ticket(&o, b, "key_invalid", f.now)
		var wg sync.WaitGroup
		results := make([]activities.ReissueResult, 10)
		errs := make([]error, 10)
		for i := range results {
			wg.Go(func() { results[i], errs[i] = f.act.ReissueKey(f.ctx, activities.ReissueInput{TicketID: tk.ID}) })
		}
		wg.Wait()
		for i := range results {
			if errs[i] != nil || results[i].Status != activities.ReissueDelivered || results[i] != results[0] {
				t.Fatalf("call %d: %+v, %v; want all equal to %+v", i, results[i], errs[i], results[0])
			}
		}
		if n := f.count(&models.Delivery{}, "ticket_id = ?", tk.ID); n != 1 {
			t.Fatalf("deliveries for the ticket = %d, want 1", n)
		}
		if n := f.count(&models.CardKey{}, "status = ?", models.KeyAvailable); n != 9 {
			t.Fatalf("available keys = %d, want 9", n)
		}
	})
}

// TestReissueKeyBlocked: a shared-key product, or a ticket without an order, is never
// reissued.
func TestReissueKeyBlocked(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		shared := newRIFixture(t, s, true)
		shared.addStock(3)
		b := riBuyer{email: "a@example.com"}
		o, _ := shared.order(b, shared.initial, shared.now.Add(-time.Hour))
		tk := shared.ticket(&o, b, "key_invalid", shared.now)
		r, err := shared.act.ReissueKey(shared.ctx, activities.ReissueInput{TicketID: tk.ID})
		if err != nil || r.Status != activities.ReissueBlocked || r.CardKeyID != 0 {
			t.Fatalf("shared key: %+v, %v; want blocked", r, err)
		}
		if n := shared.count(&models.Delivery{}, "ticket_id = ?", tk.ID); n != 0 {
			t.Fatalf("shared key delivered %d keys", n)
		}

		noOrder := shared.ticket(nil, b, "key_missing", shared.now)
		r, err = shared.act.ReissueKey(shared.ctx, activities.ReissueInput{TicketID: noOrder.ID})
		if err != nil || r.Status != activities.ReissueBlocked {
			t.Fatalf("no order: %+v, %v; want blocked", r, err)
		}
	})
}

// TestReissueKeyOutOfStock: no stock gives out_of_stock with a low-stock alert and no
// delivery, and leaves the reported key alone; a retry after a restock delivers.
func TestReissueKeyOutOfStock(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, false)
		f.p.LowStockThreshold = 0
		f.must(s.DB(f.ctx).Model(&f.p).Update("low_stock_threshold", 0).Error)
		b := riBuyer{email: "a@example.com"}
		o, reported := f.order(b, f.initial, f.now.Add(-time.Hour))
		tk := f.ticket(&o, b, "key_invalid", f.now)
		r, err := f.act.ReissueKey(f.ctx, activities.ReissueInput{TicketID: tk.ID})
		if err != nil || r.Status != activities.ReissueOutOfStock || r.CardKeyID != 0 {
			t.Fatalf("empty stock: %+v, %v; want out_of_stock", r, err)
		}
		if n := f.count(&models.Delivery{}, "ticket_id = ?", tk.ID); n != 0 {
			t.Fatalf("out of stock delivered %d keys", n)
		}
		if n := f.count(&models.Notification{}, "kind = ?", models.NotifyLowStock); n != 1 {
			t.Fatalf("low-stock notifications = %d, want 1 even with threshold 0", n)
		}
		got, _ := s.CardKeyByID(f.ctx, f.m.ID, reported.ID)
		if got.Status != models.KeyDelivered {
			t.Fatalf("reported key status %q after out of stock; want unchanged delivered", got.Status)
		}
		// Stock arrives: the retry now delivers.
		f.addStock(1)
		r, err = f.act.ReissueKey(f.ctx, activities.ReissueInput{TicketID: tk.ID})
		if err != nil || r.Status != activities.ReissueDelivered {
			t.Fatalf("after restock: %+v, %v; want delivered", r, err)
		}
	})
}

// TestReissueKeyMissingRevokesOldKey: a key_missing claim revokes the never-received key
// instead of blaming its batch.
func TestReissueKeyMissingRevokesOldKey(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, false)
		f.addStock(2)
		b := riBuyer{email: "a@example.com"}
		o, old := f.order(b, f.initial, f.now.Add(-time.Hour))
		tk := f.ticket(&o, b, "key_missing", f.now)
		if r, err := f.act.ReissueKey(f.ctx, activities.ReissueInput{TicketID: tk.ID}); err != nil || r.Status != activities.ReissueDelivered {
			t.Fatalf("reissue: %+v, %v", r, err)
		}
		got, _ := s.CardKeyByID(f.ctx, f.m.ID, old.ID)
		if got.Status != models.KeyRevoked {
			t.Fatalf("old key status %q, want revoked", got.Status)
		}
	})
}

package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/migrations"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// The contract every repository relies on, checked on SQLite and (with
// KEYDESK_TEST_MYSQL_DSN set) on MySQL/MariaDB.

var errBoom = errors.New("boom")

func merchant(t *testing.T, s *store.Store, slug string) uint64 {
	t.Helper()
	m := models.Merchant{Slug: slug, Name: slug, Timezone: "UTC"}
	if err := s.DB(context.Background()).Create(&m).Error; err != nil {
		t.Fatalf("create merchant %s: %v", slug, err)
	}
	return m.ID
}

func exists(t *testing.T, s *store.Store, slug string) bool {
	t.Helper()
	var m models.Merchant
	err := store.Translate(s.DB(context.Background()).Where("slug = ?", slug).Take(&m).Error, "merchant "+slug)
	switch {
	case err == nil:
		return true
	case errors.Is(err, store.ErrNotFound):
		return false
	}
	t.Fatalf("look up merchant %s: %v", slug, err)
	return false
}

// stock creates a merchant, a product, a batch and n available card keys.
func stock(t *testing.T, s *store.Store, n int) (productID uint64, keyIDs []uint64) {
	t.Helper()
	ctx := context.Background()
	db := s.DB(ctx)
	mid := merchant(t, s, "stock")
	p := models.Product{MerchantID: mid, SKU: "GIFT-10", Name: "Gift card 10", Price: 1000, Currency: "EUR"}
	if err := db.Create(&p).Error; err != nil {
		t.Fatal(err)
	}
	b := models.KeyBatch{MerchantID: mid, ProductID: p.ID, Label: "b1", Status: models.BatchActive, KeyCount: n}
	if err := db.Create(&b).Error; err != nil {
		t.Fatal(err)
	}
	for i := range n {
		k := models.CardKey{MerchantID: mid, ProductID: p.ID, BatchID: b.ID, SecretCipher: []byte{byte(i)},
			SecretHash: fmt.Sprintf("hash-%03d", i), Status: models.KeyAvailable}
		if err := db.Create(&k).Error; err != nil {
			t.Fatal(err)
		}
		keyIDs = append(keyIDs, k.ID)
	}
	return p.ID, keyIDs
}

func TestInTx(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()

		t.Run("commits", func(t *testing.T) {
			err := s.InTx(ctx, func(ctx context.Context) error {
				if !store.InTransaction(ctx) {
					t.Error("InTransaction is false inside InTx")
				}
				return s.DB(ctx).Create(&models.Merchant{Slug: "committed"}).Error
			})
			if err != nil {
				t.Fatal(err)
			}
			if !exists(t, s, "committed") {
				t.Error("write inside a committed InTx is gone")
			}
		})

		t.Run("error rolls back", func(t *testing.T) {
			err := s.InTx(ctx, func(ctx context.Context) error {
				if err := s.DB(ctx).Create(&models.Merchant{Slug: "rolled-back"}).Error; err != nil {
					return err
				}
				// Outside the transaction the write is invisible (and on SQLite that read
				// does not wait for the writer: WAL readers run beside it).
				if exists(t, s, "rolled-back") {
					t.Error("uncommitted write visible outside the transaction")
				}
				return errBoom
			})
			if !errors.Is(err, errBoom) {
				t.Fatalf("InTx returned %v, want fn's error", err)
			}
			if exists(t, s, "rolled-back") {
				t.Error("write survived a failed InTx")
			}
		})

		t.Run("panic rolls back and propagates", func(t *testing.T) {
			func() {
				defer func() {
					if recover() == nil {
						t.Error("panic inside InTx was swallowed")
					}
				}()
				_ = s.InTx(ctx, func(ctx context.Context) error {
					s.DB(ctx).Create(&models.Merchant{Slug: "panicked"})
					panic("boom")
				})
			}()
			if exists(t, s, "panicked") {
				t.Error("write survived a panic inside InTx")
			}
		})

		t.Run("nested joins the outer transaction", func(t *testing.T) {
			err := s.InTx(ctx, func(outer context.Context) error {
				err := s.InTx(outer, func(inner context.Context) error {
					if s.DB(inner) != s.DB(outer) {
						t.Error("nested InTx opened a new transaction")
					}
					return s.DB(inner).Create(&models.Merchant{Slug: "inner"}).Error
				})
				if err != nil {
					return err
				}
				// The outer transaction sees the inner write...
				var n int64
				if err := s.DB(outer).Model(&models.Merchant{}).Where("slug = ?", "inner").Count(&n).Error; err != nil || n != 1 {
					t.Errorf("outer sees %d inner rows (%v), want 1", n, err)
				}
				return errBoom // ...and takes it down with it.
			})
			if !errors.Is(err, errBoom) {
				t.Fatalf("InTx returned %v", err)
			}
			if exists(t, s, "inner") {
				t.Error("inner write survived the outer rollback")
			}
		})

		t.Run("concurrent transactions all commit", func(t *testing.T) {
			// A burst of writers (an SLA breach wave): every one waits its turn and commits,
			// none fails with "database is locked".
			const writers, each = 16, 8
			var wg sync.WaitGroup
			errs := make(chan error, writers*each)
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						errs <- s.InTx(ctx, func(ctx context.Context) error {
							var n int64
							if err := s.DB(ctx).Model(&models.Merchant{}).Count(&n).Error; err != nil {
								return err
							}
							return s.DB(ctx).Create(&models.Merchant{Slug: fmt.Sprintf("burst-%d-%d", w, i)}).Error
						})
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("a concurrent InTx failed: %v", err)
				}
			}
			var n int64
			if err := s.DB(ctx).Model(&models.Merchant{}).Where("slug LIKE ?", "burst-%").Count(&n).Error; err != nil || n != writers*each {
				t.Errorf("%d burst rows (%v), want %d", n, err, writers*each)
			}
		})

		t.Run("a wait given up runs nothing", func(t *testing.T) {
			if s.Dialect() != migrations.SQLite {
				t.Skip("MySQL transactions do not wait for one another unless they touch the same rows")
			}
			held, done := make(chan struct{}), make(chan struct{})
			go func() {
				_ = s.InTx(ctx, func(ctx context.Context) error {
					close(held)
					<-done
					return nil
				})
			}()
			<-held
			defer close(done)
			wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
			defer cancel()
			ran := false
			err := s.InTx(wctx, func(context.Context) error { ran = true; return nil })
			if !errors.Is(err, context.DeadlineExceeded) || ran {
				t.Errorf("InTx behind a held transaction with a 200 ms context: err %v, fn ran %v; want the context's error and fn not run", err, ran)
			}
		})

		t.Run("nested error is the outer's to handle", func(t *testing.T) {
			// No savepoints: an inner failure rolls nothing back by itself. An outer fn
			// that swallows it commits whatever the inner call wrote.
			err := s.InTx(ctx, func(outer context.Context) error {
				innerErr := s.InTx(outer, func(inner context.Context) error {
					if err := s.DB(inner).Create(&models.Merchant{Slug: "inner-kept"}).Error; err != nil {
						return err
					}
					return errBoom
				})
				if !errors.Is(innerErr, errBoom) {
					t.Errorf("inner InTx returned %v", innerErr)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !exists(t, s, "inner-kept") {
				t.Error("inner write of a committed outer transaction is gone")
			}
		})
	})
}

func TestErrors(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		db := s.DB(ctx)
		mid := merchant(t, s, "acme")

		t.Run("duplicate unique key", func(t *testing.T) {
			raw := db.Create(&models.Merchant{Slug: "acme"}).Error
			if !errors.Is(raw, gorm.ErrDuplicatedKey) {
				t.Fatalf("raw error %v (%T): want gorm.ErrDuplicatedKey", raw, raw)
			}
			err := store.Translate(raw, "create merchant acme")
			if !errors.Is(err, store.ErrDuplicate) || !strings.HasPrefix(err.Error(), "create merchant acme: ") {
				t.Errorf("translated: %v", err)
			}
		})

		t.Run("duplicate composite key inside a transaction", func(t *testing.T) {
			p := models.Product{MerchantID: mid, SKU: "SKU-1"}
			if err := db.Create(&p).Error; err != nil {
				t.Fatal(err)
			}
			err := s.InTx(ctx, func(ctx context.Context) error {
				if err := s.DB(ctx).Create(&models.Merchant{Slug: "tx-side-effect"}).Error; err != nil {
					return err
				}
				return store.Translate(s.DB(ctx).Create(&models.Product{MerchantID: mid, SKU: "SKU-1"}).Error, "create product")
			})
			if !errors.Is(err, store.ErrDuplicate) {
				t.Errorf("got %v, want ErrDuplicate", err)
			}
			if exists(t, s, "tx-side-effect") {
				t.Error("the transaction's other write survived the duplicate")
			}
		})

		t.Run("NULL never collides in a unique index", func(t *testing.T) {
			for i := range 2 {
				tk := models.Ticket{MerchantID: mid, Ref: fmt.Sprintf("T-NULL-%d", i)}
				if err := db.Create(&tk).Error; err != nil {
					t.Fatalf("second ticket without an idempotency key: %v", err)
				}
			}
			key := "idem-1"
			if err := db.Create(&models.Ticket{MerchantID: mid, Ref: "T-K1", IdempotencyKey: &key}).Error; err != nil {
				t.Fatal(err)
			}
			err := db.Create(&models.Ticket{MerchantID: mid, Ref: "T-K2", IdempotencyKey: &key}).Error
			if !errors.Is(err, gorm.ErrDuplicatedKey) {
				t.Errorf("same idempotency key twice: %v", err)
			}
		})

		t.Run("identifiers compare byte for byte, e-mails ignore case", func(t *testing.T) {
			for _, slug := range []string{"Case", "case", "case "} {
				if err := db.Create(&models.Merchant{Slug: slug}).Error; err != nil {
					// MySQL's PAD SPACE collations treat "case " as "case": accepted divergence.
					if slug == "case " && s.Dialect() == migrations.MySQL {
						continue
					}
					t.Errorf("slug %q next to other cases: %v", slug, err)
				}
			}
			// E-mails are unique per merchant (issue 14).
			var shop models.Merchant
			if err := db.Where("slug = ?", "case").Take(&shop).Error; err != nil {
				t.Fatal(err)
			}
			if err := db.Create(&models.User{MerchantID: &shop.ID, Email: "Agent@Example.com"}).Error; err != nil {
				t.Fatal(err)
			}
			if err := db.Create(&models.User{MerchantID: &shop.ID, Email: "agent@example.com"}).Error; !errors.Is(err, gorm.ErrDuplicatedKey) {
				t.Errorf("e-mail differing only in case: %v, want a duplicate", err)
			}
			var u models.User
			if err := db.Where("email = ?", "AGENT@example.COM").Take(&u).Error; err != nil {
				t.Errorf("e-mail lookup ignoring case: %v", err)
			}
		})

		t.Run("not found", func(t *testing.T) {
			var m models.Merchant
			err := store.Translate(db.Take(&m, 987654).Error, "merchant 987654")
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("got %v, want ErrNotFound", err)
			}
			_, err = gorm.G[models.Merchant](db).Where("slug = ?", "nobody").First(ctx)
			if !errors.Is(store.Translate(err, "merchant nobody"), store.ErrNotFound) {
				t.Errorf("generic API: got %v, want ErrNotFound", err)
			}
		})

		t.Run("foreign key enforced", func(t *testing.T) {
			err := db.Create(&models.Product{MerchantID: 987654, SKU: "orphan"}).Error
			if !errors.Is(err, gorm.ErrForeignKeyViolated) {
				t.Errorf("product of a missing merchant: %v, want gorm.ErrForeignKeyViolated", err)
			}
			// A zero id is not "no parent" either: the row is rejected, not silently orphaned.
			if err := db.Create(&models.Product{SKU: "zero"}).Error; !errors.Is(err, gorm.ErrForeignKeyViolated) {
				t.Errorf("product with merchant 0: %v, want gorm.ErrForeignKeyViolated", err)
			}
		})
	})
}

func TestTimes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		db := s.DB(ctx)
		mid := merchant(t, s, "times")
		p := models.Product{MerchantID: mid, SKU: "T"}
		if err := db.Create(&p).Error; err != nil {
			t.Fatal(err)
		}
		shanghai := time.FixedZone("CST", 8*3600)
		newYork := time.FixedZone("EST", -5*3600)

		t.Run("round trip in UTC with microseconds", func(t *testing.T) {
			paid := time.Date(2030, 1, 2, 3, 4, 5, 123456000, shanghai)
			o := models.Order{MerchantID: mid, OrderNo: "RT-1", ProductID: p.ID, PaidAt: paid}
			if err := db.Create(&o).Error; err != nil {
				t.Fatal(err)
			}
			var got models.Order
			if err := db.Take(&got, o.ID).Error; err != nil {
				t.Fatal(err)
			}
			if !got.PaidAt.Equal(paid) || got.PaidAt.Location() != time.UTC {
				t.Errorf("paid_at: wrote %v, read %v (%v)", paid, got.PaidAt, got.PaidAt.Location())
			}
			// created_at comes from the store's clock: UTC, truncated to microseconds.
			if !got.CreatedAt.Equal(o.CreatedAt) || got.CreatedAt.Location() != time.UTC || got.CreatedAt.Nanosecond()%1000 != 0 {
				t.Errorf("created_at: set %v, read %v", o.CreatedAt, got.CreatedAt)
			}
			if d := time.Since(got.CreatedAt); d < 0 || d > time.Minute {
				t.Errorf("created_at %v is %v away from now", got.CreatedAt, d)
			}
		})

		t.Run("sub-microsecond digits are dropped or rounded, never more", func(t *testing.T) {
			paid := time.Date(2030, 1, 2, 3, 4, 5, 123456789, time.UTC)
			o := models.Order{MerchantID: mid, OrderNo: "RT-NS", ProductID: p.ID, PaidAt: paid}
			if err := db.Create(&o).Error; err != nil {
				t.Fatal(err)
			}
			var got models.Order
			if err := db.Take(&got, o.ID).Error; err != nil {
				t.Fatal(err)
			}
			if d := got.PaidAt.Sub(paid).Abs(); d >= time.Microsecond {
				t.Errorf("paid_at: wrote %v, read %v", paid, got.PaidAt)
			}
		})

		t.Run("NULL times", func(t *testing.T) {
			tk := models.Ticket{MerchantID: mid, Ref: "T-NULLTIME"}
			if err := db.Create(&tk).Error; err != nil {
				t.Fatal(err)
			}
			var got models.Ticket
			if err := db.Take(&got, tk.ID).Error; err != nil {
				t.Fatal(err)
			}
			if got.SLADueAt != nil || got.ResolvedAt != nil {
				t.Errorf("nil times read back as %v, %v", got.SLADueAt, got.ResolvedAt)
			}
		})

		t.Run("SQL compares and sorts instants, whatever zone they were written in", func(t *testing.T) {
			// Local wall clocks sort B (03:00), A (10:00), C (20:00); the instants sort
			// A (02:00Z), B (03:00Z), C (01:00Z next day).
			due := map[string]time.Time{
				"A": time.Date(2030, 5, 1, 10, 0, 0, 0, shanghai),
				"B": time.Date(2030, 5, 1, 3, 0, 0, 0, time.UTC),
				"C": time.Date(2030, 5, 1, 20, 0, 0, 0, newYork),
			}
			for _, ref := range []string{"C", "B", "A"} {
				d := due[ref]
				if err := db.Create(&models.Ticket{MerchantID: mid, Ref: "SORT-" + ref, SLADueAt: &d}).Error; err != nil {
					t.Fatal(err)
				}
			}
			var refs []string
			if err := db.Model(&models.Ticket{}).Where("ref LIKE ?", "SORT-%").Order("sla_due_at").Pluck("ref", &refs).Error; err != nil {
				t.Fatal(err)
			}
			if want := []string{"SORT-A", "SORT-B", "SORT-C"}; !slices.Equal(refs, want) {
				t.Errorf("ORDER BY sla_due_at = %v, want %v", refs, want)
			}
			// 11:30 in Shanghai is 03:30Z: A and B are due before it.
			cut := time.Date(2030, 5, 1, 11, 30, 0, 0, shanghai)
			refs = nil
			if err := db.Model(&models.Ticket{}).Where("ref LIKE ? AND sla_due_at < ?", "SORT-%", cut).Order("sla_due_at").Pluck("ref", &refs).Error; err != nil {
				t.Fatal(err)
			}
			if want := []string{"SORT-A", "SORT-B"}; !slices.Equal(refs, want) {
				t.Errorf("sla_due_at < %v: %v, want %v", cut, refs, want)
			}
		})
	})
}

// allocate reserves one available key of the product for ticketID the way the reissue
// path does: lock one candidate (skipping rows other transactions hold), then a
// conditional update that only succeeds if the key is still available.
func allocate(ctx context.Context, s *store.Store, productID, ticketID uint64) (uint64, error) {
	var id uint64
	err := s.InTx(ctx, func(ctx context.Context) error {
		var k models.CardKey
		q := s.ForUpdateSkipLocked(s.DB(ctx)).Where("product_id = ? AND status = ?", productID, models.KeyAvailable).Order("id").Limit(1)
		if err := q.Take(&k).Error; err != nil {
			return store.Translate(err, "pick a key")
		}
		res := s.DB(ctx).Model(&models.CardKey{}).Where("id = ? AND status = ?", k.ID, models.KeyAvailable).
			Updates(map[string]any{"status": models.KeyReserved, "ticket_id": ticketID})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("key %d: %w", k.ID, store.ErrConflict)
		}
		id = k.ID
		return nil
	})
	return id, err
}

func ticket(t *testing.T, s *store.Store, ref string) uint64 {
	t.Helper()
	var k models.CardKey
	if err := s.DB(context.Background()).Take(&k).Error; err != nil {
		t.Fatal(err)
	}
	tk := models.Ticket{MerchantID: k.MerchantID, Ref: ref}
	if err := s.DB(context.Background()).Create(&tk).Error; err != nil {
		t.Fatal(err)
	}
	return tk.ID
}

func countStatus(t *testing.T, s *store.Store, productID uint64, status string) int64 {
	t.Helper()
	var n int64
	if err := s.DB(context.Background()).Model(&models.CardKey{}).Where("product_id = ? AND status = ?", productID, status).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestForUpdateSkipLocked(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		productID, keys := stock(t, s, 10)
		t1, t2 := ticket(t, s, "T-1"), ticket(t, s, "T-2")

		t.Run("two concurrent transactions take different keys", func(t *testing.T) {
			var got [2]uint64
			var errs [2]error
			if s.Dialect() == migrations.MySQL {
				// The first transaction holds its row lock while the second one picks:
				// the second must skip the locked row, not wait for it, and not take it.
				picked, release := make(chan uint64), make(chan struct{})
				done := make(chan struct{})
				go func() {
					defer close(done)
					errs[0] = s.InTx(ctx, func(ctx context.Context) error {
						var k models.CardKey
						err := s.ForUpdateSkipLocked(s.DB(ctx)).Where("product_id = ? AND status = ?", productID, models.KeyAvailable).Order("id").Limit(1).Take(&k).Error
						if err != nil {
							close(picked)
							return err
						}
						picked <- k.ID
						<-release
						got[0] = k.ID
						return s.DB(ctx).Model(&k).Updates(map[string]any{"status": models.KeyReserved, "ticket_id": t1}).Error
					})
				}()
				first, ok := <-picked
				if !ok {
					<-done
					t.Fatalf("first transaction: %v", errs[0])
				}
				second := make(chan struct{})
				go func() {
					defer close(second)
					got[1], errs[1] = allocate(ctx, s, productID, t2)
				}()
				select {
				case <-second:
				case <-time.After(5 * time.Second):
					t.Error("the second transaction waits for the first one's lock instead of skipping it")
				}
				close(release)
				<-done
				<-second
				if got[1] == first {
					t.Errorf("both transactions took key %d", first)
				}
			} else {
				// SQLite serialises writers (BEGIN IMMEDIATE): run both at once and check the outcome.
				var wg sync.WaitGroup
				for i, tid := range []uint64{t1, t2} {
					wg.Go(func() { got[i], errs[i] = allocate(ctx, s, productID, tid) })
				}
				wg.Wait()
			}
			for i, err := range errs {
				if err != nil {
					t.Fatalf("transaction %d: %v", i+1, err)
				}
			}
			if got[0] == got[1] || got[0] != keys[0] && got[1] != keys[0] {
				t.Errorf("took keys %v; want two different ones, one of them the first key %d", got, keys[0])
			}
			if r, a := countStatus(t, s, productID, models.KeyReserved), countStatus(t, s, productID, models.KeyAvailable); r != 2 || a != 8 {
				t.Errorf("%d reserved and %d available, want 2 and 8", r, a)
			}
		})

		t.Run("many allocators: every key handed out once, none lost", func(t *testing.T) {
			const workers = 8 // 8 available keys are left
			ids := make([]uint64, workers)
			errs := make([]error, workers)
			var wg sync.WaitGroup
			for i := range workers {
				tid := ticket(t, s, fmt.Sprintf("T-M%d", i))
				wg.Go(func() { ids[i], errs[i] = allocate(ctx, s, productID, tid) })
			}
			wg.Wait()
			seen := map[uint64]bool{}
			for i, id := range ids {
				if errs[i] != nil {
					t.Errorf("allocator %d: %v", i, errs[i])
					continue
				}
				if seen[id] {
					t.Errorf("key %d handed out twice", id)
				}
				seen[id] = true
			}
			if r, a := countStatus(t, s, productID, models.KeyReserved), countStatus(t, s, productID, models.KeyAvailable); r != 10 || a != 0 {
				t.Errorf("%d reserved and %d available, want 10 and 0", r, a)
			}
			if _, err := allocate(ctx, s, productID, t1); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("allocating from empty stock: %v, want ErrNotFound", err)
			}
		})
	})
}

// TestForUpdateLosesNoUpdate runs concurrent read-modify-write transactions on one row.
func TestForUpdateLosesNoUpdate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mid := merchant(t, s, "counter")
		p := models.Product{MerchantID: mid, SKU: "C"}
		if err := s.DB(ctx).Create(&p).Error; err != nil {
			t.Fatal(err)
		}
		const workers, rounds = 4, 10
		var wg sync.WaitGroup
		errs := make(chan error, workers*rounds)
		for range workers {
			wg.Go(func() {
				for range rounds {
					errs <- s.InTx(ctx, func(ctx context.Context) error {
						var cur models.Product
						if err := s.ForUpdate(s.DB(ctx)).Take(&cur, p.ID).Error; err != nil {
							return err
						}
						return s.DB(ctx).Model(&cur).Update("low_stock_threshold", cur.LowStockThreshold+1).Error
					})
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var got models.Product
		if err := s.DB(ctx).Take(&got, p.ID).Error; err != nil {
			t.Fatal(err)
		}
		if got.LowStockThreshold != workers*rounds {
			t.Errorf("counter = %d after %d increments", got.LowStockThreshold, workers*rounds)
		}
	})
}

func TestMySQLSession(t *testing.T) {
	s := testdb.MySQL(t)
	var row struct {
		Charset, Collation, TZ, Mode string
	}
	err := s.DB(context.Background()).Raw("SELECT @@character_set_connection AS charset, @@collation_connection AS collation, @@session.time_zone AS tz, @@session.sql_mode AS mode").Scan(&row).Error
	if err != nil {
		t.Fatal(err)
	}
	if row.Charset != "utf8mb4" || row.Collation != "utf8mb4_unicode_ci" || row.TZ != "+00:00" || !strings.Contains(row.Mode, "STRICT_ALL_TABLES") {
		t.Errorf("session: %+v", row)
	}
}

package inventory_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/secretbox"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/inventory"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

type fixture struct {
	t   *testing.T
	ctx context.Context
	s   *store.Store
	box *secretbox.Box
	svc *inventory.Service
	m   models.Merchant
	p   models.Product
	now time.Time
}

func newFixture(t *testing.T, s *store.Store, limits inventory.Limits) *fixture {
	t.Helper()
	box, err := secretbox.New(make([]byte, secretbox.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ctx: context.Background(), s: s, box: box, now: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
	f.svc = inventory.New(inventory.Opts{Store: s, Box: box, Limits: limits, Now: func() time.Time { return f.now }})
	f.m = models.Merchant{Slug: "shop", Name: "Shop", Timezone: "UTC"}
	f.must(s.DB(f.ctx).Create(&f.m).Error)
	f.p = models.Product{MerchantID: f.m.ID, SKU: "GC-10", Name: "Gift card", Price: 1000, Currency: "USD", LowStockThreshold: 3}
	f.must(s.DB(f.ctx).Create(&f.p).Error)
	return f
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) keys() []models.CardKey {
	var ks []models.CardKey
	f.must(f.s.DB(f.ctx).Where("product_id = ?", f.p.ID).Order("id").Find(&ks).Error)
	return ks
}

func (f *fixture) count(model any, where string, args ...any) int64 {
	var n int64
	f.must(f.s.DB(f.ctx).Model(model).Where(where, args...).Count(&n).Error)
	return n
}

func (f *fixture) imp(format, body string) (inventory.Report, error) {
	return f.svc.Import(f.ctx, inventory.ImportInput{MerchantID: f.m.ID, SKU: f.p.SKU, Format: format,
		Body: strings.NewReader(body), Label: "test", Supplier: "acme", Source: inventory.SourceAPI})
}

func TestImportFormats(t *testing.T) {
	cases := []struct {
		name, format, body string
		want               []string
	}{
		{"lines", "lines", "AAAA-1111\n\n# comment\r\nBBBB-2222\r\n", []string{"AAAA-1111", "BBBB-2222"}},
		{"lines sniffed", "", "AAAA-1111\nBBBB-2222\n", []string{"AAAA-1111", "BBBB-2222"}},
		{"csv header", "csv", "note,secret\nfirst,AAAA-1111\nsecond,BBBB-2222\n", []string{"AAAA-1111", "BBBB-2222"}},
		{"csv no header sniffed", "", "AAAA-1111,x\nBBBB-2222,y\n", []string{"AAAA-1111", "BBBB-2222"}},
		{"json strings", "json", `["AAAA-1111","BBBB-2222"]`, []string{"AAAA-1111", "BBBB-2222"}},
		{"json objects sniffed", "", `{"keys":[{"secret":"AAAA-1111"},{"code":"BBBB-2222"}]}`, []string{"AAAA-1111", "BBBB-2222"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, testdb.SQLite(t), inventory.Limits{})
			rep, err := f.imp(c.format, c.body)
			if err != nil {
				t.Fatalf("import: %v (%+v)", err, rep)
			}
			if rep.Imported != len(c.want) || rep.BatchID == 0 {
				t.Fatalf("report %+v, want %d imported in a batch", rep, len(c.want))
			}
			ks := f.keys()
			if len(ks) != len(c.want) {
				t.Fatalf("%d keys stored, want %d", len(ks), len(c.want))
			}
			for i, k := range ks {
				if k.Status != models.KeyAvailable || k.BatchID != rep.BatchID {
					t.Errorf("key %d: status %q batch %d", i, k.Status, k.BatchID)
				}
				if strings.Contains(string(k.SecretCipher), c.want[i]) {
					t.Errorf("key %d stored in the clear", i)
				}
				got, err := f.svc.RevealKey(f.ctx, f.m.ID, k.ID)
				if err != nil || got != c.want[i] {
					t.Errorf("reveal key %d = %q, %v; want %q", i, got, err, c.want[i])
				}
			}
		})
	}
}

// TestImportRejectsAllOrNothing: duplicates in the file and against stock, and bad keys,
// are each reported by line with the key masked, and nothing of the file is written.
func TestImportRejectsAllOrNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, inventory.Limits{})
		if _, err := f.imp("lines", "STOCKKEY-0001\n"); err != nil {
			t.Fatal(err)
		}
		body := "NEWKEY-00001\nSTOCKKEY-0001\nNEWKEY-00001\nbad key with spaces\nNEWKEY-00002\nab\n"
		rep, err := f.imp("lines", body)
		if !errors.Is(err, inventory.ErrRejected) {
			t.Fatalf("err = %v, want ErrRejected", err)
		}
		want := map[int]string{2: "already in stock", 3: "duplicate of line 1", 4: "character", 6: "shorter"}
		if rep.Rejected != len(want) || len(rep.Errors) != len(want) || rep.Imported != 0 || rep.BatchID != 0 {
			t.Fatalf("report %+v", rep)
		}
		for _, e := range rep.Errors {
			if !strings.Contains(e.Reason, want[e.Line]) {
				t.Errorf("line %d: reason %q, want it to mention %q", e.Line, e.Reason, want[e.Line])
			}
			if strings.Contains(e.Key, "STOCKKEY-0001") || strings.Contains(e.Key, "NEWKEY-00001") {
				t.Errorf("line %d echoes the secret: %q", e.Line, e.Key)
			}
		}
		if n := len(f.keys()); n != 1 {
			t.Fatalf("%d keys stored after a rejected import, want 1", n)
		}
		if n := f.count(&models.KeyBatch{}, "product_id = ?", f.p.ID); n != 1 {
			t.Fatalf("%d batches after a rejected import, want 1", n)
		}
	})
}

func TestImportLimits(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t), inventory.Limits{MaxBytes: 64, MaxKeys: 3, MinSecretLen: 4, MaxSecretLen: 10})
	cases := []struct {
		name, format, body string
		want               error
	}{
		{"too many bytes", "lines", strings.Repeat("ABCDEFGH\n", 10), inventory.ErrTooLarge},
		{"too many keys", "lines", "AAAA1\nBBBB2\nCCCC3\nDDDD4\n", inventory.ErrTooLarge},
		{"empty", "lines", "\n# nothing\n", inventory.ErrEmpty},
		{"malformed json", "json", `["AAAA1",`, inventory.ErrMalformed},
		{"json object without keys", "json", `{"x":1}`, inventory.ErrMalformed},
		{"unknown format", "xml", "AAAA1", inventory.ErrMalformed},
		{"too long key", "lines", "ABCDEFGHIJK\n", inventory.ErrRejected},
	}
	for _, c := range cases {
		if _, err := f.imp(c.format, c.body); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := f.svc.Import(f.ctx, inventory.ImportInput{MerchantID: f.m.ID, SKU: "NOPE", Body: strings.NewReader("AAAA1")}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown SKU: err = %v, want ErrNotFound", err)
	}
	if n := len(f.keys()); n != 0 {
		t.Fatalf("%d keys stored by failed imports", n)
	}
}

// TestStockAndLowStock: stock levels by status; an import that leaves stock under the
// threshold raises one low-stock notification per product per day.
func TestStockAndLowStock(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, inventory.Limits{})
		if _, err := f.imp("lines", "AAAA-0001\nAAAA-0002\n"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.imp("lines", "AAAA-0003\n"); err != nil {
			t.Fatal(err)
		}
		st, err := f.svc.Stock(f.ctx, f.m.ID)
		if err != nil || len(st) != 1 {
			t.Fatalf("stock %+v, %v", st, err)
		}
		if got := st[0]; got.Available != 3 || got.Threshold != 3 || got.Low || got.SKU != "GC-10" {
			t.Fatalf("stock %+v; want 3 available, not low", got)
		}
		ks := f.keys()
		f.must(s.DB(f.ctx).Model(&ks[0]).Update("status", models.KeyDelivered).Error)
		low, err := s.CheckLowStock(f.ctx, f.p, f.now)
		if err != nil || !low {
			t.Fatalf("CheckLowStock = %v, %v; want low", low, err)
		}
		if _, err := s.CheckLowStock(f.ctx, f.p, f.now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n := f.count(&models.Notification{}, "kind = ?", models.NotifyLowStock); n != 1 {
			t.Fatalf("%d low-stock notifications on one day, want 1", n)
		}
		if _, err := s.CheckLowStock(f.ctx, f.p, f.now.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n := f.count(&models.Notification{}, "kind = ?", models.NotifyLowStock); n != 2 {
			t.Fatalf("%d low-stock notifications over two days, want 2", n)
		}
		st, _ = f.svc.Stock(f.ctx, f.m.ID)
		if st[0].Available != 2 || st[0].Delivered != 1 || !st[0].Low {
			t.Fatalf("stock %+v; want 2 available, 1 delivered, low", st[0])
		}
	})
}

func TestQuarantine(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, inventory.Limits{})
		rep, err := f.imp("lines", "QQQQ-0001\nQQQQ-0002\nQQQQ-0003\n")
		if err != nil {
			t.Fatal(err)
		}
		ks := f.keys()
		f.must(s.DB(f.ctx).Model(&ks[0]).Update("status", models.KeyDelivered).Error)
		other := models.Merchant{Slug: "other", Name: "Other"}
		f.must(s.DB(f.ctx).Create(&other).Error)
		if _, err := f.svc.Quarantine(f.ctx, other.ID, rep.BatchID, "bad supplier", inventory.QuarantineActor{Email: "x@other"}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other merchant quarantined our batch: %v", err)
		}
		res, err := f.svc.Quarantine(f.ctx, f.m.ID, rep.BatchID, "bad supplier", inventory.QuarantineActor{UserID: 7, Email: "sup@shop"})
		if err != nil || res.KeysWithdrawn != 2 || !res.Changed {
			t.Fatalf("quarantine = %+v, %v; want 2 withdrawn", res, err)
		}
		again, err := f.svc.Quarantine(f.ctx, f.m.ID, rep.BatchID, "bad supplier", inventory.QuarantineActor{UserID: 7})
		if err != nil || again.Changed || again.KeysWithdrawn != 0 {
			t.Fatalf("second quarantine = %+v, %v; want no-op", again, err)
		}
		if n := f.count(&models.CardKey{}, "batch_id = ? AND status = ?", rep.BatchID, models.KeyQuarantined); n != 2 {
			t.Fatalf("%d quarantined keys, want 2", n)
		}
		if n := f.count(&models.CardKey{}, "status = ?", models.KeyDelivered); n != 1 {
			t.Fatalf("delivered key touched by quarantine")
		}
		b, _ := s.KeyBatchByID(f.ctx, f.m.ID, rep.BatchID)
		if b.Status != models.BatchQuarantined || b.QuarantinedAt == nil || b.QuarantineReason != "bad supplier" {
			t.Fatalf("batch %+v", b)
		}
		if n := f.count(&models.AuditEntry{}, "action = ? AND target_id = ?", "batch.quarantine", fmt.Sprint(rep.BatchID)); n != 1 {
			t.Fatalf("%d audit entries, want 1", n)
		}
	})
}

func TestRevealKeyOtherMerchant(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t), inventory.Limits{})
	if _, err := f.imp("lines", "RRRR-0001\n"); err != nil {
		t.Fatal(err)
	}
	k := f.keys()[0]
	if _, err := f.svc.RevealKey(f.ctx, f.m.ID+1, k.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("reveal across merchants: %v", err)
	}
	// A sealed secret moved to another product's row does not open (AAD binds the product).
	p2 := models.Product{MerchantID: f.m.ID, SKU: "OTHER", Name: "Other"}
	f.must(f.s.DB(f.ctx).Create(&p2).Error)
	f.must(f.s.DB(f.ctx).Model(&k).Update("product_id", p2.ID).Error)
	if _, err := f.svc.RevealKey(f.ctx, f.m.ID, k.ID); !errors.Is(err, secretbox.ErrOpen) {
		t.Fatalf("reveal of a key moved to another product: %v, want ErrOpen", err)
	}
}

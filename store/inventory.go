package store

// Inventory repositories: products, key batches, card keys, stock levels, quarantine and
// the low-stock alert. Secrets are sealed before they reach this file (see CardKeyAAD); the
// store only ever sees ciphertext and keyed hashes.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/keydesk/keydesk/models"
)

// CardKeyAAD is the associated data every card-key secret is sealed with:
// "card_key:product:<product id>". Binding the ciphertext to its product means a sealed
// secret copied onto another product's row does not open. It is the one definition used by
// the import, the integration endpoint, the reissue activity and every reveal.
func CardKeyAAD(productID uint64) []byte {
	return []byte("card_key:product:" + strconv.FormatUint(productID, 10))
}

// CardKeyHashScope is the scope of a card key's keyed hash (Box.Hash(scope, secret)):
// "product:<product id>", so the same secret is a duplicate only within one product.
func CardKeyHashScope(productID uint64) string {
	return "product:" + strconv.FormatUint(productID, 10)
}

// IntegrationSecretAAD is the associated data of a merchant's sealed integration (HMAC)
// secret: "merchant:<id>:integration".
func IntegrationSecretAAD(merchantID uint64) []byte {
	return []byte("merchant:" + strconv.FormatUint(merchantID, 10) + ":integration")
}

// ProductBySKU returns the merchant's product with that SKU (ErrNotFound when none).
func (s *Store) ProductBySKU(ctx context.Context, merchantID uint64, sku string) (models.Product, error) {
	var p models.Product
	err := s.DB(ctx).Where("merchant_id = ? AND sku = ?", merchantID, sku).Take(&p).Error
	return p, Translate(err, "product "+sku)
}

// ProductByID returns the merchant's product with that id (ErrNotFound when none).
func (s *Store) ProductByID(ctx context.Context, merchantID, id uint64) (models.Product, error) {
	var p models.Product
	err := s.DB(ctx).Where("merchant_id = ? AND id = ?", merchantID, id).Take(&p).Error
	return p, Translate(err, "product")
}

// hashChunk bounds the IN lists of hash look-ups (SQLite's variable limit is 32766).
const hashChunk = 500

// ExistingKeyHashes returns which of hashes are already stored for the product.
func (s *Store) ExistingKeyHashes(ctx context.Context, productID uint64, hashes []string) (map[string]bool, error) {
	found := make(map[string]bool)
	for start := 0; start < len(hashes); start += hashChunk {
		end := min(start+hashChunk, len(hashes))
		var got []string
		err := s.DB(ctx).Model(&models.CardKey{}).
			Where("product_id = ? AND secret_hash IN ?", productID, hashes[start:end]).
			Pluck("secret_hash", &got).Error
		if err != nil {
			return nil, Translate(err, "look up key hashes")
		}
		for _, h := range got {
			found[h] = true
		}
	}
	return found, nil
}

// KeysByHashes returns the product's card keys whose hash is in hashes.
func (s *Store) KeysByHashes(ctx context.Context, productID uint64, hashes []string) ([]models.CardKey, error) {
	var out []models.CardKey
	for start := 0; start < len(hashes); start += hashChunk {
		end := min(start+hashChunk, len(hashes))
		var got []models.CardKey
		err := s.DB(ctx).Where("product_id = ? AND secret_hash IN ?", productID, hashes[start:end]).
			Order("id").Find(&got).Error
		if err != nil {
			return nil, Translate(err, "look up keys by hash")
		}
		out = append(out, got...)
	}
	return out, nil
}

// InsertKeyBatch writes a batch and its keys (KeyCount set from keys, BatchID filled in)
// in one transaction: all or nothing. A key already stored for the product fails the whole
// call with ErrDuplicate.
func (s *Store) InsertKeyBatch(ctx context.Context, b *models.KeyBatch, keys []models.CardKey) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		b.KeyCount = len(keys)
		if b.Status == "" {
			b.Status = models.BatchActive
		}
		if err := s.DB(ctx).Create(b).Error; err != nil {
			return Translate(err, "insert key batch")
		}
		for i := range keys {
			keys[i].BatchID = b.ID
			keys[i].MerchantID = b.MerchantID
			keys[i].ProductID = b.ProductID
		}
		if len(keys) == 0 {
			return nil
		}
		if err := s.DB(ctx).CreateInBatches(keys, 500).Error; err != nil {
			return Translate(err, "insert card keys")
		}
		return nil
	})
}

// KeyBatchByID returns the merchant's batch with that id.
func (s *Store) KeyBatchByID(ctx context.Context, merchantID, id uint64) (models.KeyBatch, error) {
	var b models.KeyBatch
	err := s.DB(ctx).Where("merchant_id = ? AND id = ?", merchantID, id).Take(&b).Error
	return b, Translate(err, "key batch")
}

// ProductStock is the stock of one product, by key status.
type ProductStock struct {
	ProductID uint64 `json:"product_id"`
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	// KeyCounts are the product's keys by status (flat in JSON: available, reserved, …).
	KeyCounts
	Threshold int `json:"threshold"`
	// Low is true when Available is under Threshold (or zero).
	Low bool `json:"low"`
}

// Stock returns the stock levels of every product of the merchant, by SKU.
func (s *Store) Stock(ctx context.Context, merchantID uint64) ([]ProductStock, error) {
	var products []models.Product
	if err := s.DB(ctx).Where("merchant_id = ?", merchantID).Order("sku").Find(&products).Error; err != nil {
		return nil, Translate(err, "list products")
	}
	var rows []struct {
		ProductID uint64
		Status    string
		N         int64
	}
	err := s.DB(ctx).Model(&models.CardKey{}).Select("product_id, status, COUNT(*) AS n").
		Where("merchant_id = ?", merchantID).Group("product_id, status").Scan(&rows).Error
	if err != nil {
		return nil, Translate(err, "count card keys")
	}
	byID := make(map[uint64]*ProductStock, len(products))
	out := make([]ProductStock, len(products))
	for i, p := range products {
		out[i] = ProductStock{ProductID: p.ID, SKU: p.SKU, Name: p.Name, Threshold: p.LowStockThreshold}
		byID[p.ID] = &out[i]
	}
	for _, r := range rows {
		if ps := byID[r.ProductID]; ps != nil {
			ps.Add(r.Status, r.N)
		}
	}
	for i := range out {
		out[i].Low = isLow(out[i].Available, out[i].Threshold)
	}
	return out, nil
}

func isLow(available int64, threshold int) bool {
	return available == 0 || available < int64(threshold)
}

// AvailableKeys counts the product's keys that can still be handed out.
func (s *Store) AvailableKeys(ctx context.Context, productID uint64) (int64, error) {
	var n int64
	err := s.DB(ctx).Model(&models.CardKey{}).Where("product_id = ? AND status = ?", productID, models.KeyAvailable).Count(&n).Error
	return n, Translate(err, "count available keys")
}

// LowStockDedupeKey is the notification dedupe key of a product's low-stock alert: one per
// product per UTC day.
func LowStockDedupeKey(productID uint64, at time.Time) string {
	return "low_stock:" + strconv.FormatUint(productID, 10) + ":" + at.UTC().Format("2006-01-02")
}

// CheckLowStock raises the product's low-stock notification (once per product per day)
// when its available keys are under its threshold, or zero. It reports whether stock is low.
func (s *Store) CheckLowStock(ctx context.Context, p models.Product, now time.Time) (bool, error) {
	n, err := s.AvailableKeys(ctx, p.ID)
	if err != nil {
		return false, err
	}
	if !isLow(n, p.LowStockThreshold) {
		return false, nil
	}
	pid := p.ID
	note := models.Notification{
		MerchantID:    p.MerchantID,
		ProductID:     &pid,
		Kind:          models.NotifyLowStock,
		RecipientRole: "admin",
		Title:         fmt.Sprintf("Low stock: %s (%s)", p.Name, p.SKU),
		Body:          fmt.Sprintf("%d keys available for %s, threshold %d. Import more keys.", n, p.SKU, p.LowStockThreshold),
		DedupeKey:     LowStockDedupeKey(p.ID, now),
		CreatedAt:     now,
	}
	_, err = s.RaiseNotification(ctx, &note)
	return true, err
}

// RaiseNotification inserts n unless a notification with the same merchant and DedupeKey
// exists; it reports whether a row was created. (A plain insert whose duplicate-key error
// means "already raised": MySQL's ON DUPLICATE KEY UPDATE reports affected rows unreliably.)
func (s *Store) RaiseNotification(ctx context.Context, n *models.Notification) (bool, error) {
	err := s.DB(ctx).Create(n).Error
	if errors.Is(Translate(err, ""), ErrDuplicate) {
		return false, nil
	}
	return err == nil, Translate(err, "raise notification")
}

// QuarantineBatch withdraws every available key of the merchant's batch (status
// quarantined) and marks the batch quarantined with the reason. It is idempotent: a batch
// already quarantined is left as it is and (0, false) returned. It returns how many keys
// were withdrawn and whether this call quarantined the batch. A non-nil audit entry is
// written in the same transaction when the batch changes.
func (s *Store) QuarantineBatch(ctx context.Context, merchantID, batchID uint64, reason string, now time.Time, audit *models.AuditEntry) (int64, bool, error) {
	var withdrawn int64
	var changed bool
	err := s.InTx(ctx, func(ctx context.Context) error {
		var b models.KeyBatch
		err := s.ForUpdate(s.DB(ctx)).Where("merchant_id = ? AND id = ?", merchantID, batchID).Take(&b).Error
		if err != nil {
			return Translate(err, "key batch")
		}
		if b.Status == models.BatchQuarantined {
			return nil
		}
		res := s.DB(ctx).Model(&models.CardKey{}).
			Where("batch_id = ? AND status = ?", batchID, models.KeyAvailable).
			Updates(map[string]any{"status": models.KeyQuarantined, "updated_at": now})
		if res.Error != nil {
			return Translate(res.Error, "quarantine keys")
		}
		withdrawn = res.RowsAffected
		err = s.DB(ctx).Model(&models.KeyBatch{}).Where("id = ?", batchID).
			Updates(map[string]any{"status": models.BatchQuarantined, "quarantined_at": now, "quarantine_reason": truncate(reason, 500)}).Error
		if err != nil {
			return Translate(err, "quarantine batch")
		}
		changed = true
		if audit != nil {
			audit.Data = models.MustJSON(map[string]any{"batch_id": batchID, "reason": reason, "keys_withdrawn": withdrawn})
			if err := s.DB(ctx).Create(audit).Error; err != nil {
				return Translate(err, "audit quarantine")
			}
		}
		return nil
	})
	return withdrawn, changed, err
}

// ReserveAvailableKey locks and returns one available key of the product: on MySQL with
// SELECT … FOR UPDATE SKIP LOCKED (concurrent reissues each take a different row), on
// SQLite inside the BEGIN IMMEDIATE transaction that already serialises writers. It must
// run inside InTx; ErrNotFound means out of stock.
func (s *Store) ReserveAvailableKey(ctx context.Context, productID uint64) (models.CardKey, error) {
	if !InTransaction(ctx) {
		return models.CardKey{}, errors.New("reserve key: must run inside a transaction")
	}
	var k models.CardKey
	err := s.ForUpdateSkipLocked(s.DB(ctx)).
		Where("product_id = ? AND status = ?", productID, models.KeyAvailable).
		Order("id").Limit(1).Take(&k).Error
	return k, Translate(err, "reserve key")
}

// CardKeyByID returns the merchant's card key with that id.
func (s *Store) CardKeyByID(ctx context.Context, merchantID, id uint64) (models.CardKey, error) {
	var k models.CardKey
	err := s.DB(ctx).Where("merchant_id = ? AND id = ?", merchantID, id).Take(&k).Error
	return k, Translate(err, "card key")
}

// SetFirstRevealed sets the key's first_revealed_at to at unless an earlier reveal is
// already recorded (events may arrive out of order).
func (s *Store) SetFirstRevealed(ctx context.Context, keyID uint64, at time.Time) error {
	err := s.DB(ctx).Model(&models.CardKey{}).Where("id = ? AND (first_revealed_at IS NULL OR first_revealed_at > ?)", keyID, at).
		Updates(map[string]any{"first_revealed_at": at, "updated_at": at}).Error
	return Translate(err, "mark key revealed")
}

// IsRetryableTx reports whether err is a transient concurrency failure after which the
// whole transaction may simply be run again: a MySQL deadlock (1213) or lock wait timeout
// (1205), or SQLite busy/locked.
func IsRetryableTx(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1213 || me.Number == 1205
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	return strings.Contains(err.Error(), "Deadlock found")
}

// RetryTx runs InTx(fn) again (up to attempts times) while it fails with a retryable
// concurrency error (see IsRetryableTx).
func (s *Store) RetryTx(ctx context.Context, attempts int, fn func(ctx context.Context) error) error {
	var err error
	for i := 0; i < max(1, attempts); i++ {
		err = s.InTx(ctx, fn)
		if err == nil || !IsRetryableTx(err) || InTransaction(ctx) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(time.Duration(i+1) * 5 * time.Millisecond):
		}
	}
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

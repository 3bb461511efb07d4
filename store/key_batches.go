package store

// Key batches for the admin page (issue 16): every batch of a merchant with its keys counted
// by status, and the release of a quarantined batch (the inverse of QuarantineBatch).

import (
	"context"
	"time"

	"github.com/keydesk/keydesk/models"
)

// BatchSummary is one key batch with its product and its keys counted by status.
type BatchSummary struct {
	ID               uint64     `json:"id"`
	ProductID        uint64     `json:"product_id"`
	SKU              string     `json:"sku"`
	ProductName      string     `json:"product_name"`
	Label            string     `json:"label"`
	Supplier         string     `json:"supplier"`
	Source           string     `json:"source"`
	KeyCount         int        `json:"key_count"`
	Status           string     `json:"status"`
	QuarantinedAt    *time.Time `json:"quarantined_at"`
	QuarantineReason string     `json:"quarantine_reason"`
	CreatedAt        time.Time  `json:"created_at"`
	Counts           KeyCounts  `json:"counts"`
}

// KeyCounts counts a batch's keys by status.
type KeyCounts struct {
	Available   int64 `json:"available"`
	Reserved    int64 `json:"reserved"`
	Delivered   int64 `json:"delivered"`
	Invalid     int64 `json:"invalid"`
	Revoked     int64 `json:"revoked"`
	Quarantined int64 `json:"quarantined"`
}

// Add counts n keys of a status; an unknown status is ignored.
func (k *KeyCounts) Add(status string, n int64) {
	switch status {
	case models.KeyAvailable:
		k.Available += n
	case models.KeyReserved:
		k.Reserved += n
	case models.KeyDelivered:
		k.Delivered += n
	case models.KeyReportedInvalid:
		k.Invalid += n
	case models.KeyRevoked:
		k.Revoked += n
	case models.KeyQuarantined:
		k.Quarantined += n
	}
}

// BatchFilter selects batches: by status ("" any), by product (0 any), newest first,
// ids below BeforeID (0: from the newest), at most Limit.
type BatchFilter struct {
	Status    string
	ProductID uint64
	BeforeID  uint64
	Limit     int
}

// ListKeyBatches returns the merchant's batches, newest first, with their products and their
// keys counted by status (one grouped count over the listed batches, served by the
// (batch_id, status) index).
func (s *Store) ListKeyBatches(ctx context.Context, merchantID uint64, f BatchFilter) ([]BatchSummary, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	q := s.DB(ctx).Where("merchant_id = ?", merchantID)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.ProductID != 0 {
		q = q.Where("product_id = ?", f.ProductID)
	}
	if f.BeforeID != 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	var batches []models.KeyBatch
	if err := q.Order("id DESC").Limit(f.Limit).Find(&batches).Error; err != nil {
		return nil, Translate(err, "list key batches")
	}
	out := make([]BatchSummary, len(batches))
	if len(batches) == 0 {
		return out, nil
	}
	ids := make([]uint64, len(batches))
	pids := map[uint64]bool{}
	for i, b := range batches {
		ids[i] = b.ID
		pids[b.ProductID] = true
		out[i] = BatchSummary{ID: b.ID, ProductID: b.ProductID, Label: b.Label, Supplier: b.Supplier, Source: b.Source,
			KeyCount: b.KeyCount, Status: b.Status, QuarantinedAt: b.QuarantinedAt, QuarantineReason: b.QuarantineReason, CreatedAt: b.CreatedAt}
	}
	var rows []struct {
		BatchID uint64
		Status  string
		N       int64
	}
	err := s.DB(ctx).Model(&models.CardKey{}).Select("batch_id, status, COUNT(*) AS n").
		Where("batch_id IN ?", ids).Group("batch_id, status").Scan(&rows).Error
	if err != nil {
		return nil, Translate(err, "count batch keys")
	}
	at := make(map[uint64]int, len(out))
	for i := range out {
		at[out[i].ID] = i
	}
	for _, r := range rows {
		out[at[r.BatchID]].Counts.Add(r.Status, r.N)
	}
	plist := make([]uint64, 0, len(pids))
	for id := range pids {
		plist = append(plist, id)
	}
	var products []models.Product
	if err := s.DB(ctx).Where("merchant_id = ? AND id IN ?", merchantID, plist).Find(&products).Error; err != nil {
		return nil, Translate(err, "list products")
	}
	names := make(map[uint64]models.Product, len(products))
	for _, p := range products {
		names[p.ID] = p
	}
	for i := range out {
		out[i].SKU, out[i].ProductName = names[out[i].ProductID].SKU, names[out[i].ProductID].Name
	}
	return out, nil
}

// ReleaseBatch puts a quarantined batch of the merchant back into service: its quarantined
// keys become available again, the batch active, its quarantine time and reason cleared (the
// audit log keeps both) and its release time recorded (BatchReportContexts counts only the
// reports after it). Keys reported invalid, delivered or revoked stay as they are. It is
// idempotent: a batch that is not quarantined is left alone and (0, false) returned. A
// non-nil audit entry is written in the same transaction when the batch changes.
func (s *Store) ReleaseBatch(ctx context.Context, merchantID, batchID uint64, reason string, now time.Time, audit *models.AuditEntry) (int64, bool, error) {
	var restored int64
	var changed bool
	err := s.InTx(ctx, func(ctx context.Context) error {
		var b models.KeyBatch
		err := s.ForUpdate(s.DB(ctx)).Where("merchant_id = ? AND id = ?", merchantID, batchID).Take(&b).Error
		if err != nil {
			return Translate(err, "key batch")
		}
		if b.Status != models.BatchQuarantined {
			return nil
		}
		res := s.DB(ctx).Model(&models.CardKey{}).
			Where("batch_id = ? AND status = ?", batchID, models.KeyQuarantined).
			Updates(map[string]any{"status": models.KeyAvailable, "updated_at": now})
		if res.Error != nil {
			return Translate(res.Error, "release keys")
		}
		restored = res.RowsAffected
		err = s.DB(ctx).Model(&models.KeyBatch{}).Where("id = ?", batchID).
			Updates(map[string]any{"status": models.BatchActive, "quarantined_at": nil, "quarantine_reason": "", "released_at": now}).Error
		if err != nil {
			return Translate(err, "release batch")
		}
		changed = true
		if audit != nil {
			audit.Data = models.MustJSON(map[string]any{"batch_id": batchID, "reason": reason, "keys_restored": restored,
				"quarantine_reason": b.QuarantineReason})
			if err := s.DB(ctx).Create(audit).Error; err != nil {
				return Translate(err, "audit release")
			}
		}
		return nil
	})
	return restored, changed, err
}

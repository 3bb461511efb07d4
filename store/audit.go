package store

import (
	"context"
	"time"

	"github.com/keydesk/keydesk/models"
)

// AddAudit appends one audit entry. It is written in the caller's transaction when there is
// one, so a privileged change and its audit line commit together.
func (s *Store) AddAudit(ctx context.Context, e *models.AuditEntry) error {
	return Translate(s.DB(ctx).Create(e).Error, "add audit entry")
}

// AuditFilter narrows ListAudit. MerchantID nil lists platform-wide (platform admins only);
// BeforeID is the cursor (entries with a smaller id), newest first.
type AuditFilter struct {
	MerchantID *uint64
	ActorID    *uint64
	Action     string
	TargetType string
	TargetID   string
	From, To   time.Time
	BeforeID   uint64
	Limit      int
}

// ListAudit returns entries newest first and whether more follow.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]models.AuditEntry, bool, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	q := s.DB(ctx).Model(&models.AuditEntry{})
	if f.MerchantID != nil {
		q = q.Where("merchant_id = ?", *f.MerchantID)
	}
	if f.ActorID != nil {
		q = q.Where("actor_id = ?", *f.ActorID)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.TargetType != "" {
		q = q.Where("target_type = ?", f.TargetType)
	}
	if f.TargetID != "" {
		q = q.Where("target_id = ?", f.TargetID)
	}
	if !f.From.IsZero() {
		q = q.Where("created_at >= ?", f.From)
	}
	if !f.To.IsZero() {
		q = q.Where("created_at < ?", f.To)
	}
	if f.BeforeID > 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	var out []models.AuditEntry
	if err := q.Order("id DESC").Limit(f.Limit + 1).Find(&out).Error; err != nil {
		return nil, false, Translate(err, "list audit")
	}
	more := len(out) > f.Limit
	if more {
		out = out[:f.Limit]
	}
	return out, more, nil
}

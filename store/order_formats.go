package store

import (
	"context"

	"github.com/keydesk/keydesk/models"
)

// RecentOrderNumbers returns the order numbers of a merchant's newest orders (at most limit,
// newest first), the sample its order formats are learned from (triage.LearnOrderFormats,
// issue 13): one range read of the index ix_orders_recent (merchant_id, id).
func (s *Store) RecentOrderNumbers(ctx context.Context, merchantID uint64, limit int) ([]string, error) {
	if limit <= 0 {
		return nil, nil
	}
	var nos []string
	err := s.DB(ctx).Model(&models.Order{}).Where("merchant_id = ?", merchantID).
		Order("id DESC").Limit(limit).Pluck("order_no", &nos).Error
	return nos, Translate(err, "recent order numbers")
}

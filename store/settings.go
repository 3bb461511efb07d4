package store

import (
	"context"
	"fmt"
	"time"

	"github.com/keydesk/keydesk/models"
)

// lockMerchant takes the merchant's row lock until the transaction in ctx ends (on SQLite the
// transaction's write lock already serialises writers). Settings and macro writers of one
// merchant queue behind it, so their read-check-write steps never interleave. A missing
// merchant is ErrNotFound.
func (s *Store) lockMerchant(ctx context.Context, merchantID uint64) (models.Merchant, error) {
	var m models.Merchant
	err := s.ForUpdate(s.DB(ctx).Select("id", "settings").Where("id = ?", merchantID)).Take(&m).Error
	return m, Translate(err, "lock merchant")
}

// UpdateMerchantSettings rewrites a merchant's settings document: it locks the merchant, hands
// the stored document (nil when never set) to edit and stores what edit returns. edit's error
// aborts without writing. It returns the stored document before and after the edit. Called
// inside InTx the write joins the caller's transaction (so an audit line commits with it).
func (s *Store) UpdateMerchantSettings(ctx context.Context, merchantID uint64, edit func(current models.JSON) (models.JSON, error)) (before, after models.JSON, err error) {
	err = s.InTx(ctx, func(ctx context.Context) error {
		m, err := s.lockMerchant(ctx, merchantID)
		if err != nil {
			return err
		}
		before = m.Settings
		if after, err = edit(m.Settings); err != nil {
			return err
		}
		res := s.DB(ctx).Model(&models.Merchant{}).Where("id = ?", merchantID).
			Updates(map[string]any{"settings": after, "updated_at": time.Now().UTC()})
		return Translate(res.Error, "save merchant settings")
	})
	if err != nil {
		return nil, nil, fmt.Errorf("update settings of merchant %d: %w", merchantID, err)
	}
	return before, after, nil
}

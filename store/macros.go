package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/keydesk/keydesk/models"
)

// Macros lists a merchant's macros (canned replies) by name.
func (s *Store) Macros(ctx context.Context, merchantID uint64) ([]models.Macro, error) {
	var out []models.Macro
	err := s.DB(ctx).Where("merchant_id = ?", merchantID).Order("name").Order("id").Find(&out).Error
	if err != nil {
		return nil, Translate(err, "list macros")
	}
	return out, nil
}

// MacroByID loads one macro of the merchant; another merchant's macro is ErrNotFound.
func (s *Store) MacroByID(ctx context.Context, merchantID, id uint64) (models.Macro, error) {
	var m models.Macro
	err := s.DB(ctx).Where("merchant_id = ? AND id = ?", merchantID, id).Take(&m).Error
	return m, Translate(err, "macro")
}

// CreateMacro inserts a macro. Names are unique per merchant, compared case-insensitively
// (the same on SQLite and MySQL): a taken name is ErrDuplicate.
func (s *Store) CreateMacro(ctx context.Context, m *models.Macro) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.lockMerchant(ctx, m.MerchantID); err != nil {
			return err
		}
		if err := s.macroNameFree(ctx, m.MerchantID, 0, m.Name); err != nil {
			return err
		}
		m.ID = 0
		return Translate(s.DB(ctx).Create(m).Error, "create macro")
	})
}

// UpdateMacro renames and rewrites macro id of merchantID, returning it before and after.
// Another merchant's macro is ErrNotFound; a name another macro of the merchant has is
// ErrDuplicate.
func (s *Store) UpdateMacro(ctx context.Context, merchantID, id uint64, name, body string) (before, after models.Macro, err error) {
	err = s.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.lockMerchant(ctx, merchantID); err != nil {
			return err
		}
		if before, err = s.MacroByID(ctx, merchantID, id); err != nil {
			return err
		}
		if err := s.macroNameFree(ctx, merchantID, id, name); err != nil {
			return err
		}
		after = before
		after.Name, after.Body, after.UpdatedAt = name, body, time.Now().UTC().Truncate(time.Microsecond)
		res := s.DB(ctx).Model(&models.Macro{}).Where("merchant_id = ? AND id = ?", merchantID, id).
			Updates(map[string]any{"name": name, "body": body, "updated_at": after.UpdatedAt})
		return Translate(res.Error, "update macro")
	})
	return before, after, err
}

// DeleteMacro removes macro id of merchantID and returns it; another merchant's macro is
// ErrNotFound.
func (s *Store) DeleteMacro(ctx context.Context, merchantID, id uint64) (models.Macro, error) {
	var m models.Macro
	err := s.InTx(ctx, func(ctx context.Context) error {
		var err error
		if m, err = s.MacroByID(ctx, merchantID, id); err != nil {
			return err
		}
		res := s.DB(ctx).Where("merchant_id = ? AND id = ?", merchantID, id).Delete(&models.Macro{})
		return Translate(res.Error, "delete macro")
	})
	return m, err
}

// macroNameFree fails with ErrDuplicate when a macro of the merchant other than except
// already has name, ignoring case. Callers hold the merchant's lock (lockMerchant), so
// concurrent writers of one merchant's macros take turns and cannot both pass the check.
func (s *Store) macroNameFree(ctx context.Context, merchantID, except uint64, name string) error {
	var rows []models.Macro
	if err := s.DB(ctx).Select("id", "name").Where("merchant_id = ?", merchantID).Find(&rows).Error; err != nil {
		return Translate(err, "macro names")
	}
	for _, r := range rows {
		if r.ID != except && strings.EqualFold(strings.TrimSpace(r.Name), strings.TrimSpace(name)) {
			return fmt.Errorf("macro %q: %w", name, ErrDuplicate)
		}
	}
	return nil
}

package store

import (
	"context"
	"fmt"

	"github.com/keydesk/keydesk/models"
)

// CasbinRules returns every stored Casbin line in insertion order.
func (s *Store) CasbinRules(ctx context.Context) ([]models.CasbinRule, error) {
	var rules []models.CasbinRule
	if err := s.DB(ctx).Order("id").Find(&rules).Error; err != nil {
		return nil, Translate(err, "list casbin rules")
	}
	return rules, nil
}

// AddCasbinRules inserts lines in one transaction; a line already stored is left as it is,
// so adding is idempotent (the unique index over every column backs it).
func (s *Store) AddCasbinRules(ctx context.Context, rules []models.CasbinRule) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		for i := range rules {
			if err := s.addCasbinRule(ctx, rules[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) addCasbinRule(ctx context.Context, r models.CasbinRule) error {
	r.ID = 0
	var n int64
	q := s.DB(ctx).Model(&models.CasbinRule{}).Where(&r, "Ptype", "V0", "V1", "V2", "V3", "V4", "V5")
	if err := q.Count(&n).Error; err != nil {
		return Translate(err, "find casbin rule")
	}
	if n > 0 {
		return nil
	}
	if err := s.DB(ctx).Create(&r).Error; err != nil {
		return Translate(err, "add casbin rule")
	}
	return nil
}

// RemoveCasbinRules deletes exactly the given lines (all columns must match) in one transaction.
func (s *Store) RemoveCasbinRules(ctx context.Context, rules []models.CasbinRule) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		for _, r := range rules {
			r.ID = 0
			err := s.DB(ctx).Where(&r, "Ptype", "V0", "V1", "V2", "V3", "V4", "V5").Delete(&models.CasbinRule{}).Error
			if err != nil {
				return Translate(err, "remove casbin rule")
			}
		}
		return nil
	})
}

// RemoveFilteredCasbinRules deletes the lines of ptype whose columns from fieldIndex on equal
// the non-empty values (Casbin's RemoveFilteredPolicy semantics: "" matches anything).
func (s *Store) RemoveFilteredCasbinRules(ctx context.Context, ptype string, fieldIndex int, values ...string) error {
	if fieldIndex < 0 || fieldIndex+len(values) > 6 {
		return fmt.Errorf("remove filtered casbin rules: field index %d with %d values out of range", fieldIndex, len(values))
	}
	q := s.DB(ctx).Where("ptype = ?", ptype)
	for i, v := range values {
		if v != "" {
			q = q.Where(fmt.Sprintf("v%d = ?", fieldIndex+i), v)
		}
	}
	if err := q.Delete(&models.CasbinRule{}).Error; err != nil {
		return Translate(err, "remove filtered casbin rules")
	}
	return nil
}

package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/keydesk/keydesk/models"
)

// InstallID returns this database's install id, creating it on first use. Concurrent first
// starts agree: the row has a fixed primary key and the loser's insert does nothing.
func (s *Store) InstallID(ctx context.Context) (string, error) {
	var row models.Installation
	err := s.DB(ctx).Where("id = ?", 1).Take(&row).Error
	if err == nil {
		return row.InstallID, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return "", fmt.Errorf("read install id: %w", Translate(err, "installation"))
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("new install id: %w", err)
	}
	row = models.Installation{ID: 1, InstallID: hex.EncodeToString(b[:]), CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := s.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return "", fmt.Errorf("record install id: %w", Translate(err, "installation"))
	}
	if err := s.DB(ctx).Where("id = ?", 1).Take(&row).Error; err != nil {
		return "", fmt.Errorf("read install id: %w", Translate(err, "installation"))
	}
	return row.InstallID, nil
}

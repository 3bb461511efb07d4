package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/keydesk/keydesk/models"
)

// SetDeliveryPickup marks a replacement delivery as sent to the order's contact sentTo:
// only the holder of the pickup link whose token hashes to hash can reveal it, until
// expires. Called in the reissue transaction.
func (s *Store) SetDeliveryPickup(ctx context.Context, deliveryID uint64, sentTo, hash string, expires time.Time) error {
	err := s.DB(ctx).Model(&models.Delivery{}).Where("id = ?", deliveryID).
		Updates(map[string]any{"sent_to": sentTo, "pickup_hash": hash, "pickup_expires_at": expires.UTC()}).Error
	return Translate(err, "set delivery pickup")
}

// DeliveryByPickupHash finds the delivery a pickup link's token hash opens. ErrNotFound when
// none does (expiry is the caller's to check: it says so to the holder).
func (s *Store) DeliveryByPickupHash(ctx context.Context, hash string) (models.Delivery, error) {
	var d models.Delivery
	if hash == "" {
		return d, ErrNotFound
	}
	err := s.DB(ctx).Where("pickup_hash = ?", hash).Take(&d).Error
	return d, Translate(err, "delivery by pickup link")
}

// PickupHash is the stored form of a pickup link's token (SHA-256, hex).
func PickupHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

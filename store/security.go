package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"

	"github.com/keydesk/keydesk/models"
)

// UsersByEmail lists every account with this (normalised) e-mail, oldest first: e-mails are
// unique per merchant, so one person may hold accounts at several shops.
func (s *Store) UsersByEmail(ctx context.Context, email string) ([]models.User, error) {
	var us []models.User
	if err := s.DB(ctx).Where("email = ?", NormalizeEmail(email)).Order("id").Find(&us).Error; err != nil {
		return nil, Translate(err, "users by email")
	}
	return us, nil
}

// RevokeAccessToken denies an access token (by jti) until exp. Revoking twice is not an error.
// Expired entries are pruned on the way.
func (s *Store) RevokeAccessToken(ctx context.Context, jti string, userID uint64, exp, now time.Time) error {
	if jti == "" || !exp.After(now) {
		return nil
	}
	row := models.RevokedToken{JTI: jti, UserID: userID, ExpiresAt: exp, CreatedAt: now}
	if err := s.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return Translate(err, "revoke access token")
	}
	err := s.DB(ctx).Where("expires_at < ?", now).Delete(&models.RevokedToken{}).Error
	return Translate(err, "prune revoked tokens")
}

// AccessTokenRevoked reports whether the access token jti is denied.
func (s *Store) AccessTokenRevoked(ctx context.Context, jti string) (bool, error) {
	var n int64
	if err := s.DB(ctx).Model(&models.RevokedToken{}).Where("jti = ?", jti).Count(&n).Error; err != nil {
		return false, Translate(err, "revoked token")
	}
	return n > 0, nil
}

// RevokeSessionFamily revokes every live session of a refresh-token family and denies the
// access tokens issued with the family's sessions that have not expired yet. It returns how
// many sessions it revoked.
func (s *Store) RevokeSessionFamily(ctx context.Context, familyID string, now time.Time) (int64, error) {
	if familyID == "" {
		return 0, nil
	}
	var n int64
	err := s.InTx(ctx, func(ctx context.Context) error {
		var ss []models.Session
		if err := s.DB(ctx).Where("family_id = ? AND access_jti <> '' AND access_expires_at > ?", familyID, now).
			Find(&ss).Error; err != nil {
			return Translate(err, "family sessions")
		}
		for _, x := range ss {
			if err := s.RevokeAccessToken(ctx, x.AccessJTI, x.UserID, *x.AccessExpiresAt, now); err != nil {
				return err
			}
		}
		res := s.DB(ctx).Model(&models.Session{}).Where("family_id = ? AND revoked_at IS NULL", familyID).Update("revoked_at", now)
		n = res.RowsAffected
		return Translate(res.Error, "revoke session family")
	})
	return n, err
}

// AddTicketAccessToken stores an additional buyer link (its hash) for a ticket.
func (s *Store) AddTicketAccessToken(ctx context.Context, t *models.TicketAccessToken) error {
	return Translate(s.DB(ctx).Create(t).Error, "add ticket access token")
}

// TicketAccessTokenValid reports whether hash is a live additional link of the ticket.
func (s *Store) TicketAccessTokenValid(ctx context.Context, ticketID uint64, hash string, now time.Time) (bool, error) {
	var n int64
	err := s.DB(ctx).Model(&models.TicketAccessToken{}).
		Where("ticket_id = ? AND token_hash = ? AND expires_at > ?", ticketID, hash, now).Count(&n).Error
	if err != nil {
		return false, Translate(err, "ticket access token")
	}
	return n > 0, nil
}

// TicketAccessTokensSince counts the additional links made for a ticket since a time (the
// per-order limit of resend-link, shared by every API process).
func (s *Store) TicketAccessTokensSince(ctx context.Context, ticketID uint64, since time.Time) (int64, error) {
	var n int64
	err := s.DB(ctx).Model(&models.TicketAccessToken{}).Where("ticket_id = ? AND created_at >= ?", ticketID, since).Count(&n).Error
	return n, Translate(err, "count ticket access tokens")
}

// Heartbeat upserts the named heartbeat row: a cheap write that fails when the database
// cannot take writes (locked, read-only, disk full), which a ping does not notice.
func (s *Store) Heartbeat(ctx context.Context, name string, now time.Time) error {
	row := models.HealthBeat{Name: name, BeatAt: now}
	err := s.DB(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "name"}},
		DoUpdates: clause.AssignmentColumns([]string{"beat_at"}),
	}).Create(&row).Error
	return Translate(err, "heartbeat")
}

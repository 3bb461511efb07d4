package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/keydesk/keydesk/models"
)

// NormalizeEmail is the form emails are stored and looked up in.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CreateUser inserts a user; a taken email is ErrDuplicate.
func (s *Store) CreateUser(ctx context.Context, u *models.User) error {
	u.Email = NormalizeEmail(u.Email)
	return Translate(s.DB(ctx).Create(u).Error, "create user")
}

// UserByID loads a user.
func (s *Store) UserByID(ctx context.Context, id uint64) (models.User, error) {
	var u models.User
	err := s.DB(ctx).Where("id = ?", id).Take(&u).Error
	return u, Translate(err, "user")
}

// UserByEmail loads a user by (normalised) email.
func (s *Store) UserByEmail(ctx context.Context, email string) (models.User, error) {
	var u models.User
	err := s.DB(ctx).Where("email = ?", NormalizeEmail(email)).Take(&u).Error
	return u, Translate(err, "user")
}

// ListUsers lists a merchant's users by id (merchantID 0: platform users).
func (s *Store) ListUsers(ctx context.Context, merchantID uint64) ([]models.User, error) {
	var us []models.User
	q := s.DB(ctx).Order("id")
	if merchantID == 0 {
		q = q.Where("merchant_id IS NULL")
	} else {
		q = q.Where("merchant_id = ?", merchantID)
	}
	if err := q.Find(&us).Error; err != nil {
		return nil, Translate(err, "list users")
	}
	return us, nil
}

// UserUpdate holds the editable profile fields; nil leaves a field unchanged.
type UserUpdate struct {
	Name   *string
	Active *bool
}

// UpdateUser edits a user of merchantID; deactivating bumps TokenVersion so live tokens die.
func (s *Store) UpdateUser(ctx context.Context, merchantID, id uint64, up UserUpdate) (models.User, error) {
	var out models.User
	err := s.InTx(ctx, func(ctx context.Context) error {
		u, err := s.userInMerchant(ctx, merchantID, id)
		if err != nil {
			return err
		}
		set := map[string]any{}
		if up.Name != nil {
			set["name"] = *up.Name
		}
		if up.Active != nil && *up.Active != u.Active {
			set["active"] = *up.Active
			set["token_version"] = gorm.Expr("token_version + 1")
		}
		if len(set) > 0 {
			if err := s.DB(ctx).Model(&models.User{}).Where("id = ?", id).Updates(set).Error; err != nil {
				return Translate(err, "update user")
			}
		}
		out, err = s.UserByID(ctx, id)
		return err
	})
	return out, err
}

func (s *Store) userInMerchant(ctx context.Context, merchantID, id uint64) (models.User, error) {
	u, err := s.UserByID(ctx, id)
	if err != nil {
		return u, err
	}
	if u.MerchantID == nil || *u.MerchantID != merchantID {
		return models.User{}, Translate(gorm.ErrRecordNotFound, "user")
	}
	return u, nil
}

// DeleteUser removes a user of merchantID and their sessions.
func (s *Store) DeleteUser(ctx context.Context, merchantID, id uint64) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.userInMerchant(ctx, merchantID, id); err != nil {
			return err
		}
		if err := s.DB(ctx).Where("user_id = ?", id).Delete(&models.Session{}).Error; err != nil {
			return Translate(err, "delete sessions")
		}
		return Translate(s.DB(ctx).Delete(&models.User{}, id).Error, "delete user")
	})
}

// RecordLoginFailure counts a failed login atomically; at maxFailures the account locks until
// now+lockFor and the counter restarts. It reports whether this failure locked the account.
func (s *Store) RecordLoginFailure(ctx context.Context, id uint64, maxFailures int, now time.Time, lockFor time.Duration) (bool, error) {
	locked := false
	err := s.InTx(ctx, func(ctx context.Context) error {
		var u models.User
		if err := s.ForUpdate(s.DB(ctx)).Where("id = ?", id).Take(&u).Error; err != nil {
			return Translate(err, "user")
		}
		set := map[string]any{"failed_logins": u.FailedLogins + 1}
		if u.FailedLogins+1 >= maxFailures {
			set["failed_logins"] = 0
			set["locked_until"] = now.Add(lockFor)
			locked = true
		}
		return Translate(s.DB(ctx).Model(&models.User{}).Where("id = ?", id).Updates(set).Error, "record login failure")
	})
	return locked, err
}

// RecordLoginSuccess clears the failure counter and lock and stamps the login time.
func (s *Store) RecordLoginSuccess(ctx context.Context, id uint64, now time.Time) error {
	err := s.DB(ctx).Model(&models.User{}).Where("id = ?", id).
		Updates(map[string]any{"failed_logins": 0, "locked_until": nil, "last_login_at": now}).Error
	return Translate(err, "record login")
}

// SetPassword stores a new hash, bumps TokenVersion (every issued token dies) and revokes
// every session of the user, in one transaction.
func (s *Store) SetPassword(ctx context.Context, id uint64, hash string, now time.Time) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		err := s.DB(ctx).Model(&models.User{}).Where("id = ?", id).Updates(map[string]any{
			"password_hash": hash, "token_version": gorm.Expr("token_version + 1"),
			"failed_logins": 0, "locked_until": nil,
		}).Error
		if err != nil {
			return Translate(err, "set password")
		}
		return s.RevokeUserSessions(ctx, id, now)
	})
}

// BumpTokenVersion invalidates every access token issued to the user so far.
func (s *Store) BumpTokenVersion(ctx context.Context, id uint64) error {
	err := s.DB(ctx).Model(&models.User{}).Where("id = ?", id).
		Update("token_version", gorm.Expr("token_version + 1")).Error
	return Translate(err, "bump token version")
}

// CreateSession stores a refresh session (the token's hash only).
func (s *Store) CreateSession(ctx context.Context, sess *models.Session) error {
	return Translate(s.DB(ctx).Create(sess).Error, "create session")
}

// SessionByHash loads a session by its token hash, revoked or not.
func (s *Store) SessionByHash(ctx context.Context, hash string) (models.Session, error) {
	var sess models.Session
	err := s.DB(ctx).Where("token_hash = ?", hash).Take(&sess).Error
	return sess, Translate(err, "session")
}

// RevokeSession marks one live session revoked; it reports whether this call revoked it
// (false: it was already revoked), which makes refresh-token rotation single-use.
func (s *Store) RevokeSession(ctx context.Context, id uint64, now time.Time) (bool, error) {
	res := s.DB(ctx).Model(&models.Session{}).Where("id = ? AND revoked_at IS NULL", id).Update("revoked_at", now)
	if res.Error != nil {
		return false, Translate(res.Error, "revoke session")
	}
	return res.RowsAffected == 1, nil
}

// RevokeUserSessions revokes every live session of a user.
func (s *Store) RevokeUserSessions(ctx context.Context, userID uint64, now time.Time) error {
	err := s.DB(ctx).Model(&models.Session{}).Where("user_id = ? AND revoked_at IS NULL", userID).
		Update("revoked_at", now).Error
	return Translate(err, "revoke sessions")
}

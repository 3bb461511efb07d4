package auth

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// LoginResult tells the caller what happened, for the audit log, whatever the error.
type LoginResult struct {
	User models.User // zero when the email is unknown
	// LockedNow is true when this failure locked the account.
	LockedNow bool
}

// Login checks email + password. Unknown email, wrong password, inactive account and a locked
// account all answer ErrInvalidCredentials or ErrLocked with the same timing (a bcrypt
// comparison always runs); the API shows one message for both.
//
// E-mails are unique per merchant, so one person may hold accounts at several shops under one
// e-mail: the password is checked against each of them (oldest first) and the first active,
// unlocked account it opens is signed in. Accounts with the same e-mail should have different
// passwords; a wrong password counts as a failure on every unlocked one.
func (s *Service) Login(ctx context.Context, email, password, ip, ua string) (Tokens, LoginResult, error) {
	us, err := s.o.Store.UsersByEmail(ctx, email)
	if err != nil {
		return Tokens{}, LoginResult{}, fmt.Errorf("login: %w", err)
	}
	if len(us) == 0 {
		_ = bcrypt.CompareHashAndPassword(s.dummyHash, []byte(password))
		return Tokens{}, LoginResult{}, ErrInvalidCredentials
	}
	now := s.now()
	var open []models.User
	for _, u := range us {
		if u.LockedUntil != nil && u.LockedUntil.After(now) {
			_ = bcrypt.CompareHashAndPassword(s.dummyHash, []byte(password))
			continue
		}
		if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) == nil && u.Active {
			if err := s.o.Store.RecordLoginSuccess(ctx, u.ID, now); err != nil {
				return Tokens{}, LoginResult{User: u}, fmt.Errorf("login: %w", err)
			}
			toks, err := s.issue(ctx, u, ip, ua, "")
			return toks, LoginResult{User: u}, err
		}
		open = append(open, u)
	}
	if len(open) == 0 {
		return Tokens{}, LoginResult{User: us[0]}, ErrLocked
	}
	res := LoginResult{User: open[0]}
	for _, u := range open {
		locked, err := s.o.Store.RecordLoginFailure(ctx, u.ID, s.o.MaxFailures, now, s.o.LockFor)
		if err != nil {
			return Tokens{}, res, fmt.Errorf("login: %w", err)
		}
		res.LockedNow = res.LockedNow || locked
	}
	return Tokens{}, res, ErrInvalidCredentials
}

// issue signs an access token and opens a refresh session in family (a new family when
// empty: a fresh login). The session remembers the access token's jti, so revoking the
// family denies it too.
func (s *Service) issue(ctx context.Context, u models.User, ip, ua, family string) (Tokens, error) {
	access, exp, jti, err := s.issueAccess(u)
	if err != nil {
		return Tokens{}, err
	}
	if family == "" {
		family = randomToken(18)
	}
	refresh := randomToken(32)
	sess := models.Session{
		UserID: u.ID, TokenHash: HashToken(refresh), ExpiresAt: s.now().Add(s.o.RefreshTTL),
		IP: clip(ip, 64), UserAgent: clip(ua, 300), FamilyID: family, AccessJTI: jti, AccessExpiresAt: &exp,
	}
	if err := s.o.Store.CreateSession(ctx, &sess); err != nil {
		return Tokens{}, fmt.Errorf("open session: %w", err)
	}
	return Tokens{AccessToken: access, TokenType: "Bearer", ExpiresAt: exp, RefreshToken: refresh}, nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// errReused marks a refresh token presented after it was rotated (or revoked).
var errReused = errors.New("refresh token reused")

// Refresh exchanges a live refresh token for new tokens in the same family. The old session
// is revoked atomically first (single use). A refresh token presented again after it was
// rotated is a sign it leaked: the whole family is revoked (every session rotated from the
// same login, and the access tokens issued with them), so neither the thief nor the owner
// keeps a session from it; the owner signs in again.
func (s *Service) Refresh(ctx context.Context, refresh, ip, ua string) (Tokens, models.User, error) {
	var toks Tokens
	var user models.User
	var family string
	err := s.o.Store.InTx(ctx, func(ctx context.Context) error {
		sess, err := s.o.Store.SessionByHash(ctx, HashToken(refresh))
		if errors.Is(err, store.ErrNotFound) {
			return ErrInvalidToken
		}
		if err != nil {
			return err
		}
		now := s.now()
		family = sess.FamilyID
		if sess.RevokedAt != nil {
			return errors.Join(ErrInvalidToken, errReused)
		}
		if !sess.ExpiresAt.After(now) {
			return ErrInvalidToken
		}
		if ok, err := s.o.Store.RevokeSession(ctx, sess.ID, now); err != nil || !ok {
			if err == nil {
				err = errReused // a concurrent refresh rotated it first
			}
			return errors.Join(ErrInvalidToken, err)
		}
		user, err = s.o.Store.UserByID(ctx, sess.UserID)
		if err != nil || !user.Active {
			return errors.Join(ErrInvalidToken, err)
		}
		toks, err = s.issue(ctx, user, ip, ua, sess.FamilyID)
		return err
	})
	if errors.Is(err, errReused) && family != "" {
		// Outside the failed transaction, which rolled back.
		if _, rerr := s.o.Store.RevokeSessionFamily(ctx, family, s.now()); rerr != nil {
			return Tokens{}, models.User{}, fmt.Errorf("refresh: revoke reused family: %w", rerr)
		}
	}
	if err != nil {
		return Tokens{}, models.User{}, fmt.Errorf("refresh: %w", err)
	}
	return toks, user, nil
}

// Logout revokes the refresh session (if given) and, with everywhere, every token of the user.
func (s *Service) Logout(ctx context.Context, userID uint64, refresh string, everywhere bool) error {
	return s.LogoutPrincipal(ctx, Principal{User: models.User{ID: userID}}, refresh, everywhere)
}

// LogoutPrincipal logs the caller out: the access token it presented is denied until it
// expires (shared by every API process through the database), the refresh session (if given)
// is revoked, and with everywhere every session and token of the user dies.
func (s *Service) LogoutPrincipal(ctx context.Context, p Principal, refresh string, everywhere bool) error {
	userID := p.User.ID
	return s.o.Store.InTx(ctx, func(ctx context.Context) error {
		now := s.now()
		if err := s.o.Store.RevokeAccessToken(ctx, p.TokenID, userID, p.TokenExpiresAt, now); err != nil {
			return fmt.Errorf("logout: %w", err)
		}
		if refresh != "" {
			sess, err := s.o.Store.SessionByHash(ctx, HashToken(refresh))
			if err == nil && sess.UserID == userID {
				if _, err := s.o.Store.RevokeSession(ctx, sess.ID, now); err != nil {
					return fmt.Errorf("logout: %w", err)
				}
			}
		}
		if !everywhere {
			return nil
		}
		if err := s.o.Store.RevokeUserSessions(ctx, userID, now); err != nil {
			return fmt.Errorf("logout: %w", err)
		}
		return s.o.Store.BumpTokenVersion(ctx, userID)
	})
}

// ChangePassword checks the current password and stores the new one; every token and session
// issued before dies (TokenVersion bump).
func (s *Service) ChangePassword(ctx context.Context, userID uint64, current, next string) error {
	u, err := s.o.Store.UserByID(ctx, userID)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(current)) != nil {
		return ErrInvalidCredentials
	}
	if next == current {
		return ErrSamePassword
	}
	h, err := s.HashPassword(next)
	if err != nil {
		return err
	}
	return s.o.Store.SetPassword(ctx, userID, h, s.now())
}

// SetPassword replaces a user's password without the current one (admin reset).
func (s *Service) SetPassword(ctx context.Context, userID uint64, next string) error {
	h, err := s.HashPassword(next)
	if err != nil {
		return err
	}
	return s.o.Store.SetPassword(ctx, userID, h, s.now())
}

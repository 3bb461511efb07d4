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
func (s *Service) Login(ctx context.Context, email, password, ip, ua string) (Tokens, LoginResult, error) {
	u, err := s.o.Store.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		_ = bcrypt.CompareHashAndPassword(s.dummyHash, []byte(password))
		return Tokens{}, LoginResult{}, ErrInvalidCredentials
	}
	if err != nil {
		return Tokens{}, LoginResult{}, fmt.Errorf("login: %w", err)
	}
	res := LoginResult{User: u}
	now := s.now()
	if u.LockedUntil != nil && u.LockedUntil.After(now) {
		_ = bcrypt.CompareHashAndPassword(s.dummyHash, []byte(password))
		return Tokens{}, res, ErrLocked
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil || !u.Active {
		locked, err := s.o.Store.RecordLoginFailure(ctx, u.ID, s.o.MaxFailures, now, s.o.LockFor)
		if err != nil {
			return Tokens{}, res, fmt.Errorf("login: %w", err)
		}
		res.LockedNow = locked
		return Tokens{}, res, ErrInvalidCredentials
	}
	if err := s.o.Store.RecordLoginSuccess(ctx, u.ID, now); err != nil {
		return Tokens{}, res, fmt.Errorf("login: %w", err)
	}
	toks, err := s.issue(ctx, u, ip, ua)
	return toks, res, err
}

// issue signs an access token and opens a refresh session.
func (s *Service) issue(ctx context.Context, u models.User, ip, ua string) (Tokens, error) {
	access, exp, err := s.IssueAccess(u)
	if err != nil {
		return Tokens{}, err
	}
	refresh := randomToken(32)
	sess := models.Session{
		UserID: u.ID, TokenHash: HashToken(refresh), ExpiresAt: s.now().Add(s.o.RefreshTTL),
		IP: clip(ip, 64), UserAgent: clip(ua, 300),
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

// Refresh exchanges a live refresh token for new tokens. The old session is revoked
// atomically first (single use): a replayed refresh token fails.
func (s *Service) Refresh(ctx context.Context, refresh, ip, ua string) (Tokens, models.User, error) {
	var toks Tokens
	var user models.User
	err := s.o.Store.InTx(ctx, func(ctx context.Context) error {
		sess, err := s.o.Store.SessionByHash(ctx, HashToken(refresh))
		if errors.Is(err, store.ErrNotFound) {
			return ErrInvalidToken
		}
		if err != nil {
			return err
		}
		now := s.now()
		if sess.RevokedAt != nil || !sess.ExpiresAt.After(now) {
			return ErrInvalidToken
		}
		if ok, err := s.o.Store.RevokeSession(ctx, sess.ID, now); err != nil || !ok {
			return errors.Join(ErrInvalidToken, err)
		}
		user, err = s.o.Store.UserByID(ctx, sess.UserID)
		if err != nil || !user.Active {
			return errors.Join(ErrInvalidToken, err)
		}
		toks, err = s.issue(ctx, user, ip, ua)
		return err
	})
	if err != nil {
		return Tokens{}, models.User{}, fmt.Errorf("refresh: %w", err)
	}
	return toks, user, nil
}

// Logout revokes the refresh session (if given) and, with everywhere, every token of the user.
func (s *Service) Logout(ctx context.Context, userID uint64, refresh string, everywhere bool) error {
	return s.o.Store.InTx(ctx, func(ctx context.Context) error {
		now := s.now()
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

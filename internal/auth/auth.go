// Package auth authenticates keydesk staff: bcrypt passwords, short-lived HS256 JWT access
// tokens carrying the user id, merchant id and token version, refresh tokens stored as hashes
// in sessions (rotated on use), lockout after repeated failures, logout and password change.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// Errors the API maps to responses. Login never says which of email, password or lock failed.
var (
	ErrInvalidCredentials = errors.New("invalid email or password")
	ErrLocked             = errors.New("account temporarily locked")
	ErrInvalidToken       = errors.New("invalid or expired token")
	ErrWeakPassword       = errors.New("password must be 10 to 72 bytes")
	// ErrSamePassword: a password change must change the password.
	ErrSamePassword = errors.New("the new password must differ from the current one")
)

// Issuer is the iss claim of every token.
const Issuer = "keydesk"

// Opts configure a Service.
type Opts struct {
	Store *store.Store
	// Secret signs access tokens (HS256); at least 32 bytes.
	Secret     []byte
	AccessTTL  time.Duration // default 15m
	RefreshTTL time.Duration // default 7d
	// MaxFailures consecutive failed logins lock the account for LockFor (defaults 5, 15m).
	MaxFailures int
	LockFor     time.Duration
	// BcryptCost defaults to bcrypt.DefaultCost; tests lower it.
	BcryptCost int
	Now        func() time.Time
}

// Service issues and verifies staff credentials.
type Service struct {
	o         Opts
	dummyHash []byte
}

// New builds a Service, filling defaults.
func New(o Opts) *Service {
	if o.AccessTTL <= 0 {
		o.AccessTTL = 15 * time.Minute
	}
	if o.RefreshTTL <= 0 {
		o.RefreshTTL = 7 * 24 * time.Hour
	}
	if o.MaxFailures <= 0 {
		o.MaxFailures = 5
	}
	if o.LockFor <= 0 {
		o.LockFor = 15 * time.Minute
	}
	if o.BcryptCost == 0 {
		o.BcryptCost = bcrypt.DefaultCost
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	// Compared against when the email is unknown, so timing does not reveal which emails exist.
	dummy, _ := bcrypt.GenerateFromPassword([]byte("no such user, no such password"), o.BcryptCost)
	return &Service{o: o, dummyHash: dummy}
}

func (s *Service) now() time.Time { return s.o.Now().UTC() }

// HashPassword hashes pw with bcrypt at the default cost.
func HashPassword(pw string) (string, error) { return hashPassword(pw, bcrypt.DefaultCost) }

// HashPassword hashes pw with the service's cost.
func (s *Service) HashPassword(pw string) (string, error) { return hashPassword(pw, s.o.BcryptCost) }

func hashPassword(pw string, cost int) (string, error) {
	if err := CheckStrength(pw); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// CheckStrength enforces the password length rule (bcrypt reads at most 72 bytes).
func CheckStrength(pw string) error {
	if len(pw) < 10 || len(pw) > 72 {
		return ErrWeakPassword
	}
	return nil
}

// GeneratePassword returns a random 20-character password (for new users).
func GeneratePassword() string { return randomToken(15) }

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is the stored form of a bearer secret (refresh token, ticket token): SHA-256 hex.
func HashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// Claims are the access token's claims.
type Claims struct {
	MerchantID   uint64 `json:"mid"`
	TokenVersion int    `json:"tv"`
	jwt.RegisteredClaims
}

// Tokens is what login and refresh answer.
type Tokens struct {
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type"`
	ExpiresAt    time.Time `json:"expires_at"`
	RefreshToken string    `json:"refresh_token"`
}

// Principal is a verified staff caller.
type Principal struct {
	User       models.User
	MerchantID uint64 // 0 for platform users
	// TokenID and TokenExpiresAt are the access token's jti and expiry (logout denies it).
	TokenID        string
	TokenExpiresAt time.Time
}

func merchantOf(u models.User) uint64 {
	if u.MerchantID == nil {
		return 0
	}
	return *u.MerchantID
}

// MinSecretLen is the shortest accepted signing secret.
const MinSecretLen = 32

// ErrShortSecret means the configured signing secret is too short to be safe.
var ErrShortSecret = fmt.Errorf("auth: signing secret must be at least %d bytes", MinSecretLen)

// IssueAccess signs an access token for u.
func (s *Service) IssueAccess(u models.User) (string, time.Time, error) {
	tok, exp, _, err := s.issueAccess(u)
	return tok, exp, err
}

// issueAccess signs an access token for u and also returns its jti.
func (s *Service) issueAccess(u models.User) (string, time.Time, string, error) {
	if len(s.o.Secret) < MinSecretLen {
		return "", time.Time{}, "", ErrShortSecret
	}
	now := s.now()
	exp := now.Add(s.o.AccessTTL)
	c := Claims{
		MerchantID:   merchantOf(u),
		TokenVersion: u.TokenVersion,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Subject:   strconv.FormatUint(u.ID, 10),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
			ID:        randomToken(9),
		},
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.o.Secret)
	if err != nil {
		return "", time.Time{}, "", fmt.Errorf("sign access token: %w", err)
	}
	return tok, exp, c.ID, nil
}

// ParseAccess checks signature (HS256 only), expiry (required) and issuer, and returns the
// claims. It does not consult the database: Verify does.
func (s *Service) ParseAccess(tok string) (Claims, error) {
	if len(s.o.Secret) < MinSecretLen {
		return Claims{}, fmt.Errorf("%w: %v", ErrInvalidToken, ErrShortSecret)
	}
	var c Claims
	_, err := jwt.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return s.o.Secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(Issuer),
		jwt.WithTimeFunc(s.now),
	)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	return c, nil
}

// Verify parses an access token and checks it was not revoked (logout, a replayed refresh
// token's family), that the user still exists, is active, belongs to the same merchant and
// has not bumped their token version (logout everywhere, password change).
func (s *Service) Verify(ctx context.Context, tok string) (Principal, error) {
	c, err := s.ParseAccess(tok)
	if err != nil {
		return Principal{}, err
	}
	if c.ID != "" {
		revoked, err := s.o.Store.AccessTokenRevoked(ctx, c.ID)
		if err != nil {
			return Principal{}, fmt.Errorf("verify token: %w", err)
		}
		if revoked {
			return Principal{}, fmt.Errorf("%w: revoked", ErrInvalidToken)
		}
	}
	id, err := strconv.ParseUint(c.Subject, 10, 64)
	if err != nil {
		return Principal{}, fmt.Errorf("%w: bad subject", ErrInvalidToken)
	}
	u, err := s.o.Store.UserByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, fmt.Errorf("%w: unknown user", ErrInvalidToken)
	}
	if err != nil {
		return Principal{}, fmt.Errorf("verify token: %w", err)
	}
	if !u.Active || u.TokenVersion != c.TokenVersion || merchantOf(u) != c.MerchantID {
		return Principal{}, fmt.Errorf("%w: revoked", ErrInvalidToken)
	}
	p := Principal{User: u, MerchantID: c.MerchantID, TokenID: c.ID}
	if c.ExpiresAt != nil {
		p.TokenExpiresAt = c.ExpiresAt.Time
	}
	return p, nil
}

package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/keydesk/keydesk/internal/auth"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func setup(t *testing.T, s *store.Store) (*auth.Service, *clock, models.User) {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	m := models.Merchant{Slug: "m1", Name: "M1"}
	if err := s.DB(ctx).Create(&m).Error; err != nil {
		t.Fatal(err)
	}
	svc := auth.New(auth.Opts{Store: s, Secret: secret, BcryptCost: bcrypt.MinCost, Now: clk.now})
	h, err := svc.HashPassword("a long password")
	if err != nil {
		t.Fatal(err)
	}
	u := models.User{MerchantID: &m.ID, Email: "Agent@Shop.test", Name: "Agent", PasswordHash: h, Active: true}
	if err := s.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	return svc, clk, u
}

func TestLoginLockoutRefreshLogout(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		svc, clk, u := setup(t, s)
		toks, res, err := svc.Login(ctx, "agent@shop.test", "a long password", "1.2.3.4", "ua")
		if err != nil || res.User.ID != u.ID {
			t.Fatalf("login: %v", err)
		}
		if _, err := svc.Verify(ctx, toks.AccessToken); err != nil {
			t.Fatalf("verify fresh token: %v", err)
		}
		if _, _, err := svc.Login(ctx, "nobody@shop.test", "x", "", ""); !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Fatalf("unknown email: %v", err)
		}
		// Five failures lock the account; the right password is then refused until the lock ends.
		for i := 1; i <= 5; i++ {
			_, res, err := svc.Login(ctx, "agent@shop.test", "wrong", "", "")
			if !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatalf("failure %d: %v", i, err)
			}
			if res.LockedNow != (i == 5) {
				t.Fatalf("failure %d: LockedNow = %v", i, res.LockedNow)
			}
		}
		if _, _, err := svc.Login(ctx, "agent@shop.test", "a long password", "", ""); !errors.Is(err, auth.ErrLocked) {
			t.Fatalf("locked account accepted the password: %v", err)
		}
		clk.t = clk.t.Add(15*time.Minute + time.Second)
		if _, _, err := svc.Login(ctx, "agent@shop.test", "a long password", "", ""); err != nil {
			t.Fatalf("after the lock expired: %v", err)
		}
		// Refresh rotates: the old refresh token is single use.
		toks2, _, err := svc.Refresh(ctx, toks.RefreshToken, "", "")
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		if _, _, err := svc.Refresh(ctx, toks.RefreshToken, "", ""); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("replayed refresh token: %v", err)
		}
		// Logout everywhere kills access tokens (token version) and refresh sessions.
		if err := svc.Logout(ctx, u.ID, "", true); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Verify(ctx, toks2.AccessToken); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("access token after logout everywhere: %v", err)
		}
		if _, _, err := svc.Refresh(ctx, toks2.RefreshToken, "", ""); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("refresh after logout everywhere: %v", err)
		}
		// Password change: old password wrong is refused; then old tokens die.
		toks3, _, err := svc.Login(ctx, "agent@shop.test", "a long password", "", "")
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.ChangePassword(ctx, u.ID, "not it", "another long pw"); !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Fatalf("change with wrong current: %v", err)
		}
		if err := svc.ChangePassword(ctx, u.ID, "a long password", "short"); !errors.Is(err, auth.ErrWeakPassword) {
			t.Fatalf("weak password: %v", err)
		}
		if err := svc.ChangePassword(ctx, u.ID, "a long password", "another long pw"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Verify(ctx, toks3.AccessToken); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("token issued before the password change still valid: %v", err)
		}
		if _, _, err := svc.Login(ctx, "agent@shop.test", "another long pw", "", ""); err != nil {
			t.Fatalf("login with the new password: %v", err)
		}
		// Stored sessions hold hashes only.
		var sess []models.Session
		s.DB(ctx).Find(&sess)
		for _, x := range sess {
			if x.TokenHash == toks.RefreshToken || len(x.TokenHash) != 64 {
				t.Fatalf("session stores %q", x.TokenHash)
			}
		}
	})
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// TestRejectsForgedTokens: tampered payload, expired, alg none, RS256 signed with a key whose
// public half is the HMAC secret (algorithm confusion), no expiry, wrong issuer, wrong secret.
func TestRejectsForgedTokens(t *testing.T) {
	s := testdb.SQLite(t)
	ctx := context.Background()
	svc, clk, u := setup(t, s)
	good, _, err := svc.IssueAccess(u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Verify(ctx, good); err != nil {
		t.Fatalf("good token: %v", err)
	}
	parts := strings.Split(good, ".")
	claims := func(mid uint64, exp int64) string {
		return b64(`{"mid":` + strconv.FormatUint(mid, 10) + `,"tv":0,"iss":"keydesk","sub":"` + strconv.FormatUint(u.ID, 10) + `","exp":` + strconv.FormatInt(exp, 10) + `}`)
	}
	exp := clk.t.Add(time.Hour).Unix()
	sign := func(alg jwt.SigningMethod, key any, c jwt.MapClaims) string {
		tok, err := jwt.NewWithClaims(alg, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	base := jwt.MapClaims{"sub": strconv.FormatUint(u.ID, 10), "mid": *u.MerchantID, "tv": 0, "iss": "keydesk", "exp": exp}
	with := func(k string, v any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for kk, vv := range base {
			c[kk] = vv
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: must(x509.MarshalPKIXPublicKey(&rsaKey.PublicKey))})
	cases := map[string]string{
		"tampered payload (merchant 2)": parts[0] + "." + claims(2, exp) + "." + parts[2],
		"alg none":                      b64(`{"alg":"none","typ":"JWT"}`) + "." + claims(*u.MerchantID, exp) + ".",
		"alg none with signature":       b64(`{"alg":"none","typ":"JWT"}`) + "." + parts[1] + "." + parts[2],
		"RS256 header on HMAC bytes":    b64(`{"alg":"RS256","typ":"JWT"}`) + "." + parts[1] + "." + parts[2],
		"RS256 signed":                  sign(jwt.SigningMethodRS256, rsaKey, base),
		"HS256 keyed with a public key": sign(jwt.SigningMethodHS256, pubPEM, base),
		"HS512 with the right secret":   sign(jwt.SigningMethodHS512, secret, base),
		"expired":                       sign(jwt.SigningMethodHS256, secret, with("exp", clk.t.Add(-time.Minute).Unix())),
		"no expiry":                     sign(jwt.SigningMethodHS256, secret, with("exp", nil)),
		"wrong issuer":                  sign(jwt.SigningMethodHS256, secret, with("iss", "evil")),
		"wrong secret":                  sign(jwt.SigningMethodHS256, []byte("another secret another secret!!!"), base),
		"old token version":             sign(jwt.SigningMethodHS256, secret, with("tv", -1)),
		"other merchant claim":          sign(jwt.SigningMethodHS256, secret, with("mid", *u.MerchantID+1)),
		"unknown user":                  sign(jwt.SigningMethodHS256, secret, with("sub", "999999")),
		"garbage":                       "not.a.jwt",
	}
	for name, tok := range cases {
		if _, err := svc.Verify(ctx, tok); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("%s: accepted or wrong error: %v", name, err)
		}
	}
	// Once the clock passes the expiry, the good token dies too.
	clk.t = clk.t.Add(16 * time.Minute)
	if _, err := svc.Verify(ctx, good); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("token past its 15-minute life accepted: %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

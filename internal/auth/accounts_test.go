package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/auth"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// TestLoginWithOneEmailAtTwoShops (issue 14): e-mails are unique per merchant, so one person
// may have an account at two shops. Each password opens its own account; a wrong password
// counts against both; a locked account does not block the other; both locked is ErrLocked.
func TestLoginWithOneEmailAtTwoShops(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		svc, clk, a := setup(t, s)
		m2 := models.Merchant{Slug: "m2", Name: "M2"}
		if err := s.DB(ctx).Create(&m2).Error; err != nil {
			t.Fatal(err)
		}
		h, err := svc.HashPassword("another long password")
		if err != nil {
			t.Fatal(err)
		}
		b := models.User{MerchantID: &m2.ID, Email: "agent@shop.test", Name: "Agent at M2", PasswordHash: h, Active: true}
		if err := s.CreateUser(ctx, &b); err != nil {
			t.Fatalf("same e-mail at another merchant: %v", err)
		}
		dup := models.User{MerchantID: &m2.ID, Email: "AGENT@shop.test", PasswordHash: h, Active: true}
		if err := s.CreateUser(ctx, &dup); !errors.Is(err, store.ErrDuplicate) {
			t.Fatalf("same e-mail twice at one merchant: %v", err)
		}

		for pw, want := range map[string]uint64{"a long password": a.ID, "another long password": b.ID} {
			toks, res, err := svc.Login(ctx, "agent@SHOP.test", pw, "", "")
			if err != nil || res.User.ID != want || toks.AccessToken == "" {
				t.Fatalf("login with %q: user %d %v, want %d", pw, res.User.ID, err, want)
			}
			p, err := svc.Verify(ctx, toks.AccessToken)
			if err != nil || p.User.ID != want {
				t.Fatalf("token of %d verifies as %d %v", want, p.User.ID, err)
			}
		}
		for range 5 {
			if _, _, err := svc.Login(ctx, "agent@shop.test", "wrong password!", "", ""); !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatalf("wrong password: %v", err)
			}
		}
		if _, _, err := svc.Login(ctx, "agent@shop.test", "a long password", "", ""); !errors.Is(err, auth.ErrLocked) {
			t.Fatalf("both accounts locked after 5 failures: %v", err)
		}
		clk.t = clk.t.Add(time.Hour) // locks expire
		if _, res, err := svc.Login(ctx, "agent@shop.test", "another long password", "", ""); err != nil || res.User.ID != b.ID {
			t.Fatalf("after the lock: %d %v", res.User.ID, err)
		}
	})
}

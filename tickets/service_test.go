package tickets

// Unit tests of the parts that need no Temporal server: validation, the order/contact check,
// references, tokens and link verification. The full flow (start, updates, reopen, replay,
// reconcile) runs against the embedded server in workflows/e2e_test.go.

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

func validInput() CreateInput {
	return CreateInput{MerchantID: 1, OrderNo: "A-1", Email: "buyer@example.com", Category: "key_invalid",
		Subject: "Key does not work", Description: "The key says already redeemed."}
}

func TestValidateReportsEveryBadField(t *testing.T) {
	in := CreateInput{MerchantID: 1, OrderNo: strings.Repeat("x", 65), Email: "not-an-email", Category: "hugs",
		Subject: "", Description: strings.Repeat("d", maxDescription+1)}
	_, err := validate(&in)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want ValidationError, got %v", err)
	}
	for _, f := range []string{"order_no", "email", "category", "subject", "description"} {
		if ve.Fields[f] == "" {
			t.Errorf("no message for %s: %v", f, ve.Fields)
		}
	}
	ok := validInput()
	ok.Category = "Key-Invalid"
	if cat, err := validate(&ok); err != nil || cat != "key_invalid" {
		t.Fatalf("valid input: %v %v", cat, err)
	}
	named := validInput()
	named.Email = "Bob <bob@example.com>"
	if _, err := validate(&named); !errors.As(err, &ve) || ve.Fields["email"] == "" {
		t.Fatalf("display-name address accepted: %v", err)
	}
}

func TestRefsAndTokens(t *testing.T) {
	re := regexp.MustCompile(`^KD-[0-9A-HJKMNP-TV-Z]{8}$`)
	seen := map[string]bool{}
	for range 200 {
		ref, err := newRef()
		if err != nil || !re.MatchString(ref) {
			t.Fatalf("ref %q %v", ref, err)
		}
		seen[ref] = true
	}
	if len(seen) < 199 {
		t.Fatalf("refs repeat: %d distinct of 200", len(seen))
	}
	tok, hash, err := newToken()
	if err != nil || len(tok) < 40 || hash != hashToken(tok) || strings.Contains(hash, tok) {
		t.Fatalf("token %q hash %q %v", tok, hash, err)
	}
}

func TestCreateRejectsOrderOfSomeoneElse(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m := models.Merchant{Slug: "m", Name: "m", Timezone: "UTC"}
		must(t, s.DB(ctx).Create(&m).Error)
		p := models.Product{MerchantID: m.ID, SKU: "s", Name: "p"}
		must(t, s.DB(ctx).Create(&p).Error)
		o := models.Order{MerchantID: m.ID, OrderNo: "A-1", ProductID: p.ID, BuyerEmail: "owner@example.com", PaidAt: time.Now().UTC()}
		must(t, s.DB(ctx).Create(&o).Error)
		svc := New(Opts{Store: s}) // no Temporal: every case fails before a workflow would start
		for name, in := range map[string]CreateInput{
			"wrong email": func() CreateInput { i := validInput(); i.MerchantID = m.ID; return i }(),
			"unknown order": func() CreateInput {
				i := validInput()
				i.MerchantID = m.ID
				i.OrderNo = "nope"
				i.Email = "owner@example.com"
				return i
			}(),
			"other merchant": func() CreateInput {
				i := validInput()
				i.MerchantID = m.ID + 1
				i.Email = "owner@example.com"
				return i
			}(),
		} {
			_, err := svc.Create(ctx, in)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Fields["order_no"] == "" {
				t.Errorf("%s: %v", name, err)
			}
		}
		var n int64
		must(t, s.DB(ctx).Model(&models.Ticket{}).Count(&n).Error)
		if n != 0 {
			t.Fatalf("%d tickets written for rejected submissions", n)
		}
		// ResendLink answers nil whether or not anything matched, and writes nothing here.
		must(t, svc.ResendLink(ctx, m.ID, "A-1", "someone@example.com"))
		must(t, svc.ResendLink(ctx, m.ID, "nope", "owner@example.com"))
		out, _ := s.OutboundMessages(ctx, m.ID, "owner@example.com")
		if len(out) != 0 {
			t.Fatalf("outbox %+v", out)
		}
	})
}

func TestVerifyAccess(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m := models.Merchant{Slug: "m", Name: "m", Timezone: "UTC"}
		must(t, s.DB(ctx).Create(&m).Error)
		tok, hash, _ := newToken()
		tk := models.Ticket{MerchantID: m.ID, Ref: "KD-0000TEST", Status: models.StatusOpen, AccessTokenHash: hash}
		must(t, s.CreateTicket(ctx, &tk, nil))
		svc := New(Opts{Store: s})
		if got, err := svc.VerifyAccess(ctx, "KD-0000TEST", tok); err != nil || got.ID != tk.ID {
			t.Fatalf("good token: %v", err)
		}
		for _, c := range [][2]string{{"KD-0000TEST", tok + "x"}, {"KD-0000TEST", ""}, {"KD-NOPE0000", tok}} {
			if _, err := svc.VerifyAccess(ctx, c[0], c[1]); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%v: %v", c, err)
			}
		}
	})
}

func TestRejectedErrorCarriesReason(t *testing.T) {
	err := Rejected("ticket is closed")
	if !errors.Is(err, ErrRejected) || err.Error() != "ticket is closed" {
		t.Fatalf("%v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// The buyer's link carries its token in the fragment, which browsers never send to a server
// (no token in access logs or Referer headers).
func TestStatusURLKeepsTokenInFragment(t *testing.T) {
	s := New(Opts{PublicURL: "https://help.example.com/"})
	got := s.statusURL("KD-ABCD1234", "tok+/=")
	want := "https://help.example.com/t/KD-ABCD1234#token=tok%2B%2F%3D"
	if got != want {
		t.Fatalf("statusURL = %q, want %q", got, want)
	}
}

package tickets

// Regression tests of issue 14: an Idempotency-Key replay never hands a ticket to another
// caller nor kills the buyer's link, and resend-link never invalidates a working link.

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/keydesk/keydesk/internal/secretbox"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// fakeTemporal accepts every start (a running workflow is assumed) and counts them.
type fakeTemporal struct {
	client.Client
	mu     sync.Mutex
	starts []string
}

type fakeRun struct{ client.WorkflowRun }

func (fakeRun) GetRunID() string { return "run-1" }
func (fakeRun) GetID() string    { return "wf" }

func (f *fakeTemporal) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, _ ...any) (client.WorkflowRun, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.starts = append(f.starts, o.ID)
	return fakeRun{}, nil
}

func (f *fakeTemporal) DescribeWorkflowExecution(context.Context, string, string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	return &workflowservice.DescribeWorkflowExecutionResponse{}, nil
}

type hardFixture struct {
	ctx    context.Context
	s      *store.Store
	svc    *Service
	box    *secretbox.Box
	m, m2  models.Merchant
	victim models.Order
	mine   models.Order
}

func newHardFixture(t *testing.T, s *store.Store) *hardFixture {
	t.Helper()
	ctx := context.Background()
	f := &hardFixture{ctx: ctx, s: s}
	var err error
	if f.box, err = secretbox.New(bytes.Repeat([]byte{7}, 32)); err != nil {
		t.Fatal(err)
	}
	f.m = models.Merchant{Slug: "m", Name: "m", Timezone: "UTC"}
	f.m2 = models.Merchant{Slug: "m2", Name: "m2", Timezone: "UTC"}
	must(t, s.DB(ctx).Create(&f.m).Error)
	must(t, s.DB(ctx).Create(&f.m2).Error)
	p := models.Product{MerchantID: f.m.ID, SKU: "s", Name: "p"}
	must(t, s.DB(ctx).Create(&p).Error)
	p2 := models.Product{MerchantID: f.m2.ID, SKU: "s", Name: "p"}
	must(t, s.DB(ctx).Create(&p2).Error)
	f.victim = models.Order{MerchantID: f.m.ID, OrderNo: "A-1", ProductID: p.ID, BuyerEmail: "victim@example.com", PaidAt: time.Now().UTC()}
	f.mine = models.Order{MerchantID: f.m.ID, OrderNo: "B-2", ProductID: p.ID, BuyerEmail: "attacker@example.com", PaidAt: time.Now().UTC()}
	must(t, s.DB(ctx).Create(&f.victim).Error)
	must(t, s.DB(ctx).Create(&f.mine).Error)
	other := models.Order{MerchantID: f.m2.ID, OrderNo: "A-1", ProductID: p2.ID, BuyerEmail: "victim@example.com", PaidAt: time.Now().UTC()}
	must(t, s.DB(ctx).Create(&other).Error)
	f.svc = New(Opts{Store: s, Temporal: &fakeTemporal{}, Box: f.box, PublicURL: "http://desk.test"})
	return f
}

func (f *hardFixture) input(merchant uint64, orderNo, email, key string) CreateInput {
	in := validInput()
	in.MerchantID, in.OrderNo, in.Email, in.IdempotencyKey = merchant, orderNo, email, key
	return in
}

// TestIdempotencyReplayNeverHandsOutATicket (finding 1): the same key from another buyer,
// with their own valid order, is refused (ErrIdempotencyKeyReused) and gets nothing; with
// the victim's order but a wrong e-mail it is the usual order error; the victim's own retry
// is replayed without a token; the victim's link keeps working throughout; keys are per
// merchant.
func TestIdempotencyReplayNeverHandsOutATicket(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newHardFixture(t, s)
		key := "order-A-1" // a shop deriving keys from order numbers
		first, err := f.svc.Create(f.ctx, f.input(f.m.ID, "A-1", "victim@example.com", key))
		if err != nil || first.AccessToken == "" || first.Replayed {
			t.Fatalf("first submission: %+v %v", first, err)
		}
		stored, err := s.TicketByID(f.ctx, f.m.ID, first.Ticket.ID)
		must(t, err)

		got, err := f.svc.Create(f.ctx, f.input(f.m.ID, "B-2", "attacker@example.com", key))
		if !errors.Is(err, ErrIdempotencyKeyReused) || got.AccessToken != "" || got.Ticket.ID != 0 {
			t.Fatalf("another buyer's order with the victim's key: %+v %v", got, err)
		}
		var ve *ValidationError
		got, err = f.svc.Create(f.ctx, f.input(f.m.ID, "A-1", "attacker@example.com", key))
		if !errors.As(err, &ve) || ve.Fields["order_no"] == "" || got.AccessToken != "" {
			t.Fatalf("victim's order, wrong e-mail: %+v %v", got, err)
		}

		again, err := f.svc.Create(f.ctx, f.input(f.m.ID, "A-1", "Victim@Example.com", key))
		if err != nil || !again.Replayed || again.Ticket.ID != first.Ticket.ID || again.AccessToken != "" || again.StatusURL != "" {
			t.Fatalf("same request replayed: %+v %v", again, err)
		}
		after, err := s.TicketByID(f.ctx, f.m.ID, first.Ticket.ID)
		must(t, err)
		if after.AccessTokenHash != stored.AccessTokenHash {
			t.Fatal("a replay rotated the ticket's token")
		}
		if _, err := f.svc.VerifyAccess(f.ctx, first.Ticket.Ref, first.AccessToken); err != nil {
			t.Fatalf("the victim's link died: %v", err)
		}

		// The same key at another merchant is another request.
		elsewhere, err := f.svc.Create(f.ctx, f.input(f.m2.ID, "A-1", "victim@example.com", key))
		if err != nil || elsewhere.Replayed || elsewhere.Ticket.ID == first.Ticket.ID || elsewhere.AccessToken == "" {
			t.Fatalf("same key at another merchant: %+v %v", elsewhere, err)
		}
		var n int64
		must(t, s.DB(f.ctx).Model(&models.Ticket{}).Count(&n).Error)
		if n != 2 {
			t.Fatalf("%d tickets, want 2", n)
		}
	})
}

// TestResendLinkNeverLocksTheBuyerOut (finding 3): without a delivery channel resend-link
// changes nothing; with one it queues an additional link that works beside the old one;
// per order at most resendPerHour links an hour; unknown orders and wrong contacts answer
// the same (nil) and write nothing.
func TestResendLinkNeverLocksTheBuyerOut(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newHardFixture(t, s)
		c, err := f.svc.Create(f.ctx, f.input(f.m.ID, "A-1", "victim@example.com", ""))
		must(t, err)
		before, err := s.TicketByID(f.ctx, f.m.ID, c.Ticket.ID)
		must(t, err)
		countLinks := func() int64 {
			var n int64
			must(t, s.DB(f.ctx).Model(&models.TicketAccessToken{}).Count(&n).Error)
			return n
		}

		// No channel (the demo's situation): nothing rotates, nothing is queued.
		must(t, f.svc.ResendLink(f.ctx, f.m.ID, "A-1", "victim@example.com"))
		if _, err := f.svc.VerifyAccess(f.ctx, c.Ticket.Ref, c.AccessToken); err != nil {
			t.Fatalf("link died without a channel: %v", err)
		}
		if after, _ := s.TicketByID(f.ctx, f.m.ID, c.Ticket.ID); after.AccessTokenHash != before.AccessTokenHash || countLinks() != 0 {
			t.Fatal("resend-link changed tokens with no channel to deliver them")
		}
		if out, _ := s.OutboundMessages(f.ctx, f.m.ID, "victim@example.com"); len(out) != 0 {
			t.Fatalf("queued %d messages with no channel", len(out))
		}

		ep := models.WebhookEndpoint{MerchantID: f.m.ID, URL: "https://shop.example/hook", Active: true}
		must(t, s.CreateWebhookEndpoint(f.ctx, &ep, func(id uint64) []byte { return f.box.Seal([]byte("whsec"), store.WebhookSecretAAD(f.m.ID, id)) }))
		must(t, f.svc.ResendLink(f.ctx, f.m.ID, "A-1", "victim@example.com"))
		out, err := s.OutboundMessages(f.ctx, f.m.ID, "victim@example.com")
		must(t, err)
		if len(out) != 1 {
			t.Fatalf("%d messages queued, want 1", len(out))
		}
		body, err := store.OpenOutboundBody(f.box, out[0])
		must(t, err)
		i := strings.Index(body, "#token=")
		if i < 0 {
			t.Fatalf("no link in %q", body)
		}
		newTok := strings.TrimSpace(body[i+len("#token="):])
		if _, err := f.svc.VerifyAccess(f.ctx, c.Ticket.Ref, newTok); err != nil {
			t.Fatalf("the new link does not open the ticket: %v", err)
		}
		if _, err := f.svc.VerifyAccess(f.ctx, c.Ticket.Ref, c.AccessToken); err != nil {
			t.Fatalf("the old link died: %v", err)
		}
		if _, err := f.svc.VerifyAccess(f.ctx, "KD-OTHER000", newTok); err == nil {
			t.Fatal("the new link opens another ref")
		}

		for range resendPerHour + 2 {
			must(t, f.svc.ResendLink(f.ctx, f.m.ID, "A-1", "victim@example.com"))
		}
		if n := countLinks(); n != resendPerHour {
			t.Fatalf("%d links within an hour, want the cap %d", n, resendPerHour)
		}
		must(t, f.svc.ResendLink(f.ctx, f.m.ID, "NOPE", "victim@example.com"))
		must(t, f.svc.ResendLink(f.ctx, f.m.ID, "A-1", "someone@example.com"))
		if n := countLinks(); n != resendPerHour {
			t.Fatalf("unknown order or contact made links: %d", n)
		}

		// An expired additional link no longer opens the ticket.
		must(t, s.DB(f.ctx).Model(&models.TicketAccessToken{}).Where("1 = 1").Update("expires_at", time.Now().UTC().Add(-time.Minute)).Error)
		if _, err := f.svc.VerifyAccess(f.ctx, c.Ticket.Ref, newTok); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("expired link: %v", err)
		}
	})
}

package activities_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/internal/secretbox"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/payments"
	"github.com/keydesk/keydesk/store"
)

const obToken = "tok-SECRET-123"

// shop is an httptest endpoint answering the queued status codes (then 200) and keeping
// every request it got.
type shop struct {
	mu      sync.Mutex
	answers []int
	got     []shopReq
	srv     *httptest.Server
}

type shopReq struct {
	hdr  http.Header
	body []byte
}

func newShop(t *testing.T, answers ...int) *shop {
	sh := &shop{answers: answers}
	sh.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		sh.mu.Lock()
		defer sh.mu.Unlock()
		sh.got = append(sh.got, shopReq{hdr: r.Header.Clone(), body: b})
		code := http.StatusOK
		if len(sh.answers) > 0 {
			code, sh.answers = sh.answers[0], sh.answers[1:]
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(sh.srv.Close)
	return sh
}

func (sh *shop) requests() []shopReq {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return append([]shopReq(nil), sh.got...)
}

// obFixture is a ticket with one sealed outbound message and (optionally) an endpoint.
type obFixture struct {
	ctx    context.Context
	s      *store.Store
	box    *secretbox.Box
	act    *activities.Activities
	msg    models.OutboundMessage
	ep     models.WebhookEndpoint
	secret []byte
	now    time.Time
}

func newOBFixture(t *testing.T, s *store.Store, url, events string) *obFixture {
	t.Helper()
	f := &obFixture{ctx: context.Background(), s: s, box: riBox(t), secret: []byte("whsec_test"), now: time.Now().UTC().Truncate(time.Second)}
	f.act = &activities.Activities{Store: s, Box: f.box, Now: func() time.Time { return f.now }}
	mID, tID := tkSeed(t, s, `{}`)
	f.msg = models.OutboundMessage{MerchantID: mID, TicketID: &tID, Channel: "email", To: "bob@example.com", Subject: "Your support request KD-TK000001",
		Body: store.SealOutboundBody(f.box, mID, "Follow this link: http://desk.test/t/KD-TK000001#token="+obToken+"\n"), CreatedAt: f.now}
	if err := s.AddOutboundMessage(f.ctx, &f.msg); err != nil {
		t.Fatal(err)
	}
	if url != "" {
		f.ep = models.WebhookEndpoint{MerchantID: mID, URL: url, Events: events, Active: true}
		seal := func(id uint64) []byte { return f.box.Seal(f.secret, store.WebhookSecretAAD(mID, id)) }
		if err := s.CreateWebhookEndpoint(f.ctx, &f.ep, seal); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *obFixture) deliveries(t *testing.T) []models.WebhookDelivery {
	t.Helper()
	var ds []models.WebhookDelivery
	if err := f.s.DB(f.ctx).Order("id").Find(&ds).Error; err != nil {
		t.Fatal(err)
	}
	return ds
}

func (f *obFixture) sentAt(t *testing.T) *time.Time {
	t.Helper()
	m, err := f.s.OutboundMessageByID(f.ctx, f.msg.ID)
	if err != nil {
		t.Fatal(err)
	}
	return m.SentAt
}

// TestDeliverOutboundSignsAndRetries: a 500 makes the activity fail (retryable) and records
// the attempt; the retry's 200 delivers. One delivery row, attempts 2, sent_at set, a
// signature the shop can verify with its secret, and a later run sends nothing more.
func TestDeliverOutboundSignsAndRetries(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		sh := newShop(t, http.StatusInternalServerError, http.StatusOK)
		f := newOBFixture(t, s, sh.srv.URL+"/hook", "")

		_, err := f.act.DeliverOutbound(f.ctx, f.msg.ID)
		var appErr *temporal.ApplicationError
		if err == nil || (errors.As(err, &appErr) && appErr.NonRetryable()) {
			t.Fatalf("500: want a retryable error, got %v", err)
		}
		if ds := f.deliveries(t); len(ds) != 1 || ds[0].Status != store.DeliveryPending || ds[0].Attempts != 1 || !strings.Contains(ds[0].LastError, "500") {
			t.Fatalf("after 500: %+v", ds)
		}
		if f.sentAt(t) != nil {
			t.Fatal("sent_at set after a 500")
		}
		res, err := f.act.DeliverOutbound(f.ctx, f.msg.ID)
		if err != nil || res != (activities.OutboundResult{Endpoints: 1, Delivered: 1}) {
			t.Fatalf("retry: %+v %v", res, err)
		}
		ds := f.deliveries(t)
		if len(ds) != 1 || ds[0].Status != store.DeliveryDelivered || ds[0].Attempts != 2 || ds[0].DeliveredAt == nil ||
			ds[0].EventID != activities.OutboundEventID(f.msg.ID) || ds[0].LastError != "" {
			t.Fatalf("after 200: %+v", ds)
		}
		if strings.Contains(string(ds[0].Payload), obToken) {
			t.Fatal("delivery payload keeps the token")
		}
		if f.sentAt(t) == nil {
			t.Fatal("sent_at not set after delivery")
		}
		// A duplicate run (workflow retried, message re-queued) posts nothing more.
		if res, err := f.act.DeliverOutbound(f.ctx, f.msg.ID); err != nil || res.Delivered != 1 {
			t.Fatalf("duplicate run: %+v %v", res, err)
		}
		reqs := sh.requests()
		if len(reqs) != 2 || len(f.deliveries(t)) != 1 {
			t.Fatalf("%d posts, %d rows; want 2 and 1", len(reqs), len(f.deliveries(t)))
		}
		checkSignedEvent(t, f, reqs[1])
		if string(reqs[0].body) != string(reqs[1].body) {
			t.Error("a retry sent a different event body")
		}
	})
}

// checkSignedEvent verifies the headers, signature and body of one webhook request.
func checkSignedEvent(t *testing.T, f *obFixture, r shopReq) {
	t.Helper()
	h := r.hdr
	if h.Get(activities.HeaderWebhookEvent) != store.EventMessageOutbound || h.Get(activities.HeaderWebhookDelivery) != activities.OutboundEventID(f.msg.ID) {
		t.Errorf("event headers: %v", h)
	}
	if err := payments.Verify(f.secret, h.Get(payments.HeaderTimestamp), h.Get(payments.HeaderSignature), r.body, f.now); err != nil {
		t.Errorf("signature does not verify: %v", err)
	}
	if err := payments.Verify([]byte("other"), h.Get(payments.HeaderTimestamp), h.Get(payments.HeaderSignature), r.body, f.now); err == nil {
		t.Error("signature verifies with another secret")
	}
	var ev activities.OutboundEvent
	if err := json.Unmarshal(r.body, &ev); err != nil {
		t.Fatal(err)
	}
	d := ev.Data
	if ev.ID != activities.OutboundEventID(f.msg.ID) || ev.Type != store.EventMessageOutbound || !ev.CreatedAt.Equal(f.now) ||
		d.TicketRef != "KD-TK000001" || d.Channel != "email" || d.To != "bob@example.com" || !strings.Contains(d.Body, "#token="+obToken) {
		t.Errorf("event: %+v", ev)
	}
}

// TestDeliverOutboundOutcomes: how each answer (or no endpoint) is recorded.
func TestDeliverOutboundOutcomes(t *testing.T) {
	cases := []struct {
		name      string
		answers   []int
		endpoint  bool
		events    string
		wantErr   bool
		wantRes   activities.OutboundResult
		wantState string // "" : no delivery row
		wantSent  bool
	}{
		{name: "400 is permanent", answers: []int{400}, endpoint: true, wantRes: activities.OutboundResult{Endpoints: 1, Failed: 1}, wantState: store.DeliveryFailed},
		{name: "429 retries", answers: []int{429}, endpoint: true, wantErr: true, wantState: store.DeliveryPending},
		{name: "408 retries", answers: []int{408}, endpoint: true, wantErr: true, wantState: store.DeliveryPending},
		{name: "204 delivers", answers: []int{204}, endpoint: true, wantRes: activities.OutboundResult{Endpoints: 1, Delivered: 1}, wantState: store.DeliveryDelivered, wantSent: true},
		{name: "no endpoint", endpoint: false},
		{name: "not subscribed", endpoint: true, events: "ticket.other"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := testdb.SQLite(t)
			sh := newShop(t, tc.answers...)
			url := ""
			if tc.endpoint {
				url = sh.srv.URL
			}
			f := newOBFixture(t, s, url, tc.events)
			res, err := f.act.DeliverOutbound(f.ctx, f.msg.ID)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, want error %v", err, tc.wantErr)
			}
			if !tc.wantErr && res != tc.wantRes {
				t.Fatalf("result %+v, want %+v", res, tc.wantRes)
			}
			ds := f.deliveries(t)
			if tc.wantState == "" && len(ds) != 0 || tc.wantState != "" && (len(ds) != 1 || ds[0].Status != tc.wantState || ds[0].Attempts != 1) {
				t.Fatalf("deliveries %+v, want one %q", ds, tc.wantState)
			}
			if (f.sentAt(t) != nil) != tc.wantSent {
				t.Fatalf("sent_at %v, want set %v", f.sentAt(t), tc.wantSent)
			}
			if tc.wantState == store.DeliveryFailed {
				if _, err := f.act.DeliverOutbound(f.ctx, f.msg.ID); err != nil || len(sh.requests()) != 1 {
					t.Fatalf("a refused delivery was sent again: %v, %d posts", err, len(sh.requests()))
				}
			}
		})
	}
}

// TestOutboundBodySealedAtRest: the raw column holds no part of the link, and a message of
// an unknown id is a non-retryable error.
func TestOutboundBodySealedAtRest(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newOBFixture(t, s, "", "")
		var raw string
		if err := s.DB(f.ctx).Raw("SELECT body FROM outbound_messages WHERE id = ?", f.msg.ID).Scan(&raw).Error; err != nil {
			t.Fatal(err)
		}
		if raw == "" || strings.Contains(raw, obToken) || strings.Contains(raw, "desk.test") {
			t.Fatalf("raw body is not sealed: %q", raw)
		}
		if got, err := store.OpenOutboundBody(f.box, f.msg); err != nil || !strings.Contains(got, obToken) {
			t.Fatalf("open: %q %v", got, err)
		}
		_, err := f.act.DeliverOutbound(f.ctx, f.msg.ID+999)
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || !appErr.NonRetryable() {
			t.Fatalf("unknown message: %v", err)
		}
	})
}

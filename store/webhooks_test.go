package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// TestWebhookEndpointsAndDeliveries: endpoints are isolated per merchant, filtered by active
// flag and subscription, and a delivery row is created once per (endpoint, event) however
// often it is ensured; attempts count up and sent_at is set once.
func TestWebhookEndpointsAndDeliveries(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := macroMerchant(t, s, "wh-a"), macroMerchant(t, s, "wh-b")
		seal := func(id uint64) []byte { return []byte{byte(id)} }
		eps := []models.WebhookEndpoint{
			{MerchantID: a, URL: "https://a.example/all", Active: true},
			{MerchantID: a, URL: "https://a.example/out", Events: store.EventMessageOutbound, Active: true},
			{MerchantID: a, URL: "https://a.example/off", Active: false},
			{MerchantID: a, URL: "https://a.example/other", Events: "ticket.other", Active: true},
			{MerchantID: b, URL: "https://b.example/all", Active: true},
		}
		for i := range eps {
			if err := s.CreateWebhookEndpoint(ctx, &eps[i], seal); err != nil || len(eps[i].SecretCipher) != 1 {
				t.Fatalf("create %s: %v", eps[i].URL, err)
			}
		}
		active, err := s.ActiveWebhookEndpoints(ctx, a, store.EventMessageOutbound)
		if err != nil || len(active) != 2 || active[0].ID != eps[0].ID || active[1].ID != eps[1].ID {
			t.Fatalf("active subscribed: %v %+v", err, active)
		}
		off := false
		if _, _, err := s.UpdateWebhookEndpoint(ctx, b, eps[0].ID, store.WebhookEndpointPatch{Active: &off}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("update across merchants: %v", err)
		}
		if _, err := s.DeleteWebhookEndpoint(ctx, b, eps[0].ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("delete across merchants: %v", err)
		}

		d := models.WebhookDelivery{MerchantID: a, EndpointID: eps[0].ID, EventID: "outbound-1", EventType: store.EventMessageOutbound, CreatedAt: time.Now().UTC()}
		first, err := s.EnsureWebhookDelivery(ctx, d)
		if err != nil || first.ID == 0 || first.Status != store.DeliveryPending {
			t.Fatalf("ensure: %v %+v", err, first)
		}
		if err := s.RecordWebhookAttempt(ctx, first.ID, store.DeliveryPending, "endpoint answered 503", time.Now()); err != nil {
			t.Fatal(err)
		}
		again, err := s.EnsureWebhookDelivery(ctx, d)
		if err != nil || again.ID != first.ID || again.Attempts != 1 || again.LastError != "endpoint answered 503" {
			t.Fatalf("ensure again: %v %+v", err, again)
		}
		if err := s.RecordWebhookAttempt(ctx, first.ID, store.DeliveryDelivered, "", time.Now()); err != nil {
			t.Fatal(err)
		}
		ds, err := s.WebhookDeliveries(ctx, a, eps[0].ID, 50)
		if err != nil || len(ds) != 1 || ds[0].Attempts != 2 || ds[0].DeliveredAt == nil || ds[0].LastError != "" {
			t.Fatalf("deliveries: %v %+v", err, ds)
		}
		if ds, _ := s.WebhookDeliveries(ctx, b, eps[0].ID, 50); len(ds) != 0 {
			t.Fatalf("another merchant sees deliveries: %+v", ds)
		}

		msg := models.OutboundMessage{MerchantID: a, Channel: "email", To: "x@example.com", Body: "sealed", CreatedAt: time.Now().UTC()}
		if err := s.AddOutboundMessage(ctx, &msg); err != nil {
			t.Fatal(err)
		}
		t1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for _, at := range []time.Time{t1, t1.Add(time.Hour)} {
			if err := s.MarkOutboundSent(ctx, msg.ID, at); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := s.OutboundMessageByID(ctx, msg.ID); err != nil || got.SentAt == nil || !got.SentAt.Equal(t1) {
			t.Fatalf("sent_at: %v %+v", err, got.SentAt)
		}

		if _, err := s.DeleteWebhookEndpoint(ctx, a, eps[0].ID); err != nil {
			t.Fatal(err)
		}
		if ds, _ := s.WebhookDeliveries(ctx, a, eps[0].ID, 50); len(ds) != 0 {
			t.Fatalf("deliveries kept after delete: %+v", ds)
		}
	})
}

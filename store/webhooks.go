package store

// Outbound webhooks: the shop's endpoints (URL, sealed signing secret, subscribed events) and
// one delivery row per (endpoint, event). The unique (endpoint_id, event_id) index makes a
// delivery idempotent: a retried send finds its own row instead of adding another.

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/keydesk/keydesk/models"
)

// EventMessageOutbound is the webhook event of a message queued to a buyer.
const EventMessageOutbound = "message.outbound"

// WebhookEvents lists every event type an endpoint may subscribe to.
var WebhookEvents = []string{EventMessageOutbound}

// Webhook delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed" // permanent: the endpoint refused it (4xx)
)

// WebhookSecretAAD is the associated data of an endpoint's sealed signing secret:
// "merchant:<id>:webhook:<endpoint id>".
func WebhookSecretAAD(merchantID, endpointID uint64) []byte {
	return []byte("merchant:" + strconv.FormatUint(merchantID, 10) + ":webhook:" + strconv.FormatUint(endpointID, 10))
}

// OutboundBodyAAD is the associated data of a sealed outbound message body:
// "merchant:<id>:outbound".
func OutboundBodyAAD(merchantID uint64) []byte {
	return []byte("merchant:" + strconv.FormatUint(merchantID, 10) + ":outbound")
}

// sealer seals and opens with associated data (secretbox.Box).
type sealer interface {
	Seal(plaintext, associated []byte) []byte
	Open(sealed, associated []byte) ([]byte, error)
}

// SealOutboundBody seals a buyer message body for the outbox (base64 text of the sealed bytes).
func SealOutboundBody(box sealer, merchantID uint64, body string) string {
	return base64.StdEncoding.EncodeToString(box.Seal([]byte(body), OutboundBodyAAD(merchantID)))
}

// OpenOutboundBody opens an outbox body sealed by SealOutboundBody.
func OpenOutboundBody(box sealer, m models.OutboundMessage) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(m.Body)
	if err != nil {
		return "", fmt.Errorf("outbound message %d: body is not sealed: %w", m.ID, err)
	}
	pt, err := box.Open(raw, OutboundBodyAAD(m.MerchantID))
	if err != nil {
		return "", fmt.Errorf("outbound message %d: open body: %w", m.ID, err)
	}
	return string(pt), nil
}

// EndpointEvents splits an endpoint's comma-separated event list (empty: every event).
func EndpointEvents(e models.WebhookEndpoint) []string {
	if strings.TrimSpace(e.Events) == "" {
		return nil
	}
	return strings.Split(e.Events, ",")
}

// Subscribed reports whether endpoint e receives event type ev.
func Subscribed(e models.WebhookEndpoint, ev string) bool {
	evs := EndpointEvents(e)
	return len(evs) == 0 || slices.Contains(evs, ev)
}

// WebhookEndpoints lists a merchant's endpoints by id.
func (s *Store) WebhookEndpoints(ctx context.Context, merchantID uint64) ([]models.WebhookEndpoint, error) {
	var out []models.WebhookEndpoint
	err := s.DB(ctx).Where("merchant_id = ?", merchantID).Order("id").Find(&out).Error
	return out, Translate(err, "webhook endpoints")
}

// ActiveWebhookEndpoints lists a merchant's active endpoints subscribed to event type ev.
func (s *Store) ActiveWebhookEndpoints(ctx context.Context, merchantID uint64, ev string) ([]models.WebhookEndpoint, error) {
	all, err := s.WebhookEndpoints(ctx, merchantID)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, e := range all {
		if e.Active && Subscribed(e, ev) {
			out = append(out, e)
		}
	}
	return out, nil
}

// WebhookEndpointByID loads one endpoint of the merchant; another merchant's is ErrNotFound.
func (s *Store) WebhookEndpointByID(ctx context.Context, merchantID, id uint64) (models.WebhookEndpoint, error) {
	var e models.WebhookEndpoint
	err := s.DB(ctx).Where("merchant_id = ? AND id = ?", merchantID, id).Take(&e).Error
	return e, Translate(err, "webhook endpoint")
}

// CreateWebhookEndpoint inserts an endpoint and then stores its secret sealed by seal, which
// receives the new row's id (so the secret's associated data can name it).
func (s *Store) CreateWebhookEndpoint(ctx context.Context, e *models.WebhookEndpoint, seal func(id uint64) []byte) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		e.ID = 0
		if err := s.DB(ctx).Create(e).Error; err != nil {
			return Translate(err, "create webhook endpoint")
		}
		e.SecretCipher = seal(e.ID)
		err := s.DB(ctx).Model(&models.WebhookEndpoint{}).Where("id = ?", e.ID).Update("secret_cipher", e.SecretCipher).Error
		return Translate(err, "webhook endpoint secret")
	})
}

// WebhookEndpointPatch names the fields of an endpoint to change (nil: keep).
type WebhookEndpointPatch struct {
	URL    *string
	Events *string
	Active *bool
}

// UpdateWebhookEndpoint changes endpoint id of merchantID and returns it before and after.
func (s *Store) UpdateWebhookEndpoint(ctx context.Context, merchantID, id uint64, p WebhookEndpointPatch) (before, after models.WebhookEndpoint, err error) {
	err = s.InTx(ctx, func(ctx context.Context) error {
		if before, err = s.WebhookEndpointByID(ctx, merchantID, id); err != nil {
			return err
		}
		set := map[string]any{"updated_at": time.Now().UTC()}
		if p.URL != nil {
			set["url"] = *p.URL
		}
		if p.Events != nil {
			set["events"] = *p.Events
		}
		if p.Active != nil {
			set["active"] = *p.Active
		}
		if err := s.DB(ctx).Model(&models.WebhookEndpoint{}).Where("merchant_id = ? AND id = ?", merchantID, id).Updates(set).Error; err != nil {
			return Translate(err, "update webhook endpoint")
		}
		after, err = s.WebhookEndpointByID(ctx, merchantID, id)
		return err
	})
	return before, after, err
}

// DeleteWebhookEndpoint removes endpoint id of merchantID and its deliveries, returning the
// endpoint; another merchant's endpoint is ErrNotFound.
func (s *Store) DeleteWebhookEndpoint(ctx context.Context, merchantID, id uint64) (models.WebhookEndpoint, error) {
	var e models.WebhookEndpoint
	err := s.InTx(ctx, func(ctx context.Context) error {
		var err error
		if e, err = s.WebhookEndpointByID(ctx, merchantID, id); err != nil {
			return err
		}
		if err := s.DB(ctx).Where("merchant_id = ? AND endpoint_id = ?", merchantID, id).Delete(&models.WebhookDelivery{}).Error; err != nil {
			return Translate(err, "delete webhook deliveries")
		}
		return Translate(s.DB(ctx).Where("merchant_id = ? AND id = ?", merchantID, id).Delete(&models.WebhookEndpoint{}).Error, "delete webhook endpoint")
	})
	return e, err
}

// WebhookDeliveries lists an endpoint's newest deliveries (at most limit), newest first.
func (s *Store) WebhookDeliveries(ctx context.Context, merchantID, endpointID uint64, limit int) ([]models.WebhookDelivery, error) {
	var out []models.WebhookDelivery
	err := s.DB(ctx).Where("merchant_id = ? AND endpoint_id = ?", merchantID, endpointID).Order("id DESC").Limit(limit).Find(&out).Error
	return out, Translate(err, "webhook deliveries")
}

// EnsureWebhookDelivery returns the delivery of (d.EndpointID, d.EventID), inserting d as
// pending when there is none yet. Idempotent: a second call finds the first call's row.
func (s *Store) EnsureWebhookDelivery(ctx context.Context, d models.WebhookDelivery) (models.WebhookDelivery, error) {
	d.ID, d.Status, d.Attempts = 0, DeliveryPending, 0
	err := s.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&d).Error
	if err != nil {
		return d, Translate(err, "create webhook delivery")
	}
	var got models.WebhookDelivery
	err = s.DB(ctx).Where("endpoint_id = ? AND event_id = ?", d.EndpointID, d.EventID).Take(&got).Error
	return got, Translate(err, "webhook delivery")
}

// RecordWebhookAttempt counts one send attempt of delivery id: its new status, the error (empty
// when delivered) and, when delivered, the time.
func (s *Store) RecordWebhookAttempt(ctx context.Context, id uint64, status, lastError string, at time.Time) error {
	set := map[string]any{"status": status, "attempts": gorm.Expr("attempts + 1"), "last_error": clipRunes(lastError, 500)}
	if status == DeliveryDelivered {
		set["delivered_at"] = at
	}
	res := s.DB(ctx).Model(&models.WebhookDelivery{}).Where("id = ?", id).Updates(set)
	if res.Error != nil {
		return Translate(res.Error, "record webhook attempt")
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("record webhook attempt %d: %w", id, ErrNotFound)
	}
	return nil
}

// OutboundMessageByID loads one queued message (any merchant: the caller is a worker).
func (s *Store) OutboundMessageByID(ctx context.Context, id uint64) (models.OutboundMessage, error) {
	var m models.OutboundMessage
	err := s.DB(ctx).Where("id = ?", id).Take(&m).Error
	return m, Translate(err, "outbound message")
}

// UnsentOutboundIDs lists, in id order after `after`, the messages queued since `since` and
// not yet sent (any merchant: the caller is start-up reconciliation).
func (s *Store) UnsentOutboundIDs(ctx context.Context, since time.Time, after uint64, limit int) ([]uint64, error) {
	var ids []uint64
	err := s.DB(ctx).Model(&models.OutboundMessage{}).
		Where("sent_at IS NULL AND created_at >= ? AND id > ?", since, after).
		Order("id").Limit(limit).Pluck("id", &ids).Error
	return ids, Translate(err, "unsent outbound messages")
}

// MarkOutboundSent sets a message's sent_at, once (a later call keeps the first time).
func (s *Store) MarkOutboundSent(ctx context.Context, id uint64, at time.Time) error {
	err := s.DB(ctx).Model(&models.OutboundMessage{}).Where("id = ? AND sent_at IS NULL", id).Update("sent_at", at).Error
	return Translate(err, "mark outbound message sent")
}

// clipRunes cuts s to at most n characters.
func clipRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

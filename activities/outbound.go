package activities

// Outbound messages reach buyers through the shop: DeliverOutbound POSTs a queued message as
// a signed "message.outbound" webhook to each of the merchant's active endpoints subscribed
// to it. Idempotent: every (endpoint, event) has one webhook_deliveries row (unique), and a
// row already delivered or permanently refused is never sent again, so a Temporal retry only
// re-sends to the endpoints that failed transiently.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/keydesk/keydesk/internal/netguard"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/payments"
	"github.com/keydesk/keydesk/store"
)

// Webhook request headers (timestamp and signature are payments.HeaderTimestamp and
// payments.HeaderSignature: the same scheme as every signed keydesk request).
const (
	HeaderWebhookEvent    = "X-Keydesk-Event"
	HeaderWebhookDelivery = "X-Keydesk-Delivery"
)

// webhookTimeout bounds one POST to a shop endpoint.
const webhookTimeout = 15 * time.Second

// OutboundResult says what DeliverOutbound did with a message.
type OutboundResult struct {
	Endpoints int `json:"endpoints"` // active endpoints subscribed; 0: the message stays unsent
	Delivered int `json:"delivered"`
	Failed    int `json:"failed"` // refused permanently (4xx other than 408/429)
}

// OutboundEvent is the JSON body of a message.outbound webhook.
type OutboundEvent struct {
	ID        string       `json:"id"`
	Type      string       `json:"type"`
	CreatedAt time.Time    `json:"created_at"`
	Data      OutboundData `json:"data"`
}

// OutboundData is the message of an OutboundEvent.
type OutboundData struct {
	TicketRef string `json:"ticket_ref,omitempty"`
	Channel   string `json:"channel"`
	To        string `json:"to"`
	Subject   string `json:"subject"`
	Body      string `json:"body"`
}

// OutboundEventID is the webhook event id of outbound message id: "outbound-<id>".
func OutboundEventID(id uint64) string { return "outbound-" + strconv.FormatUint(id, 10) }

// errRetryable marks a send the endpoint may accept later (5xx, 408, 429, network).
var errRetryable = errors.New("retryable")

// DeliverOutbound sends outbound message id to the merchant's endpoints. It returns an error
// (retryable) while any endpoint failed transiently; an unknown message or an unreadable body
// or secret is a non-retryable error.
func (a *Activities) DeliverOutbound(ctx context.Context, id uint64) (OutboundResult, error) {
	var res OutboundResult
	m, err := a.Store.OutboundMessageByID(ctx, id)
	if err != nil {
		return res, permanent(fmt.Errorf("deliver outbound %d: %w", id, err), err)
	}
	eps, err := a.Store.ActiveWebhookEndpoints(ctx, m.MerchantID, store.EventMessageOutbound)
	if err != nil || len(eps) == 0 {
		return res, err
	}
	res.Endpoints = len(eps)
	body, err := a.outboundBody(ctx, m)
	if err != nil {
		return res, temporal.NewNonRetryableApplicationError(err.Error(), "OutboundUnreadable", nil)
	}
	var retry []error
	for _, ep := range eps {
		status, err := a.deliverTo(ctx, ep, m, body)
		switch {
		case errors.Is(err, errRetryable):
			retry = append(retry, err)
		case err != nil:
			return res, err
		case status == store.DeliveryDelivered:
			res.Delivered++
		case status == store.DeliveryFailed:
			res.Failed++
		}
	}
	if len(retry) > 0 {
		return res, fmt.Errorf("deliver outbound %d: %w", id, errors.Join(retry...))
	}
	return res, nil
}

// permanent makes a not-found error non-retryable (the row will not appear later).
func permanent(err, cause error) error {
	if errors.Is(cause, store.ErrNotFound) {
		return temporal.NewNonRetryableApplicationError(err.Error(), "NotFound", nil)
	}
	return err
}

// outboundBody is the JSON body of message m's event. created_at is the message's, so every
// attempt carries the same event.
func (a *Activities) outboundBody(ctx context.Context, m models.OutboundMessage) ([]byte, error) {
	text, err := store.OpenOutboundBody(a.Box, m)
	if err != nil {
		return nil, err
	}
	ev := OutboundEvent{ID: OutboundEventID(m.ID), Type: store.EventMessageOutbound, CreatedAt: m.CreatedAt.UTC(),
		Data: OutboundData{Channel: m.Channel, To: m.To, Subject: m.Subject, Body: text}}
	if m.TicketID != nil {
		t, err := a.Store.TicketByID(ctx, m.MerchantID, *m.TicketID)
		if err != nil {
			return nil, fmt.Errorf("outbound message %d: ticket: %w", m.ID, err)
		}
		ev.Data.TicketRef = t.Ref
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encode outbound event: %w", err)
	}
	return b, nil
}

// deliverTo sends body to one endpoint unless its delivery row is already final, records the
// attempt and returns the row's new status. A transient failure wraps errRetryable.
func (a *Activities) deliverTo(ctx context.Context, ep models.WebhookEndpoint, m models.OutboundMessage, body []byte) (string, error) {
	d, err := a.Store.EnsureWebhookDelivery(ctx, models.WebhookDelivery{MerchantID: m.MerchantID, EndpointID: ep.ID,
		EventID: OutboundEventID(m.ID), EventType: store.EventMessageOutbound,
		Payload: models.JSON(`{"message_id":` + strconv.FormatUint(m.ID, 10) + `}`), CreatedAt: a.now()})
	if err != nil {
		return "", err
	}
	if d.Status != store.DeliveryPending {
		return d.Status, nil
	}
	secret, err := a.Box.Open(ep.SecretCipher, store.WebhookSecretAAD(ep.MerchantID, ep.ID))
	if err != nil {
		return "", temporal.NewNonRetryableApplicationError(fmt.Sprintf("webhook endpoint %d: open secret: %v", ep.ID, err), "WebhookSecret", nil)
	}
	status, sendErr := a.post(ctx, ep.URL, d.EventID, secret, body)
	msg := ""
	if sendErr != nil {
		msg = sendErr.Error()
	}
	if err := a.Store.RecordWebhookAttempt(ctx, d.ID, status, msg, a.now()); err != nil {
		return "", err
	}
	if status == store.DeliveryDelivered {
		if err := a.Store.MarkOutboundSent(ctx, m.ID, a.now()); err != nil {
			return "", err
		}
	}
	if errors.Is(sendErr, errRetryable) {
		return status, sendErr
	}
	return status, nil
}

// post POSTs a signed event and classifies the answer: 2xx delivered; 3xx/4xx but 408/429 failed
// (no error: the shop refused it for good); anything else pending with an errRetryable error.
func (a *Activities) post(ctx context.Context, url, eventID string, secret, body []byte) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, webhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return store.DeliveryFailed, fmt.Errorf("bad endpoint URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderWebhookEvent, store.EventMessageOutbound)
	req.Header.Set(HeaderWebhookDelivery, eventID)
	payments.SignRequest(req, "", secret, body, a.now())
	resp, err := webhookClient.Do(req)
	if err != nil {
		var ue *neturl.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which may carry a token of the shop's
		}
		if errors.Is(err, netguard.ErrBlocked) {
			// The outbound URL policy refused the destination: retrying cannot help.
			return store.DeliveryFailed, errors.New(netguard.Describe(err))
		}
		// What admins see names the kind of failure, never a raw dial error (internal
		// addresses, open/closed ports).
		return store.DeliveryPending, fmt.Errorf("%w: %s", errRetryable, netguard.Describe(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return store.DeliveryDelivered, nil
	case c >= 300 && c < 500 && c != http.StatusRequestTimeout && c != http.StatusTooManyRequests:
		return store.DeliveryFailed, fmt.Errorf("endpoint answered %d", c)
	default:
		return store.DeliveryPending, fmt.Errorf("%w: endpoint answered %d", errRetryable, c)
	}
}

// webhookClient sends webhooks; it does not follow redirects (the shop names its endpoint),
// and every connection passes the outbound URL policy after DNS resolution (netguard).
var webhookClient = netguard.Client(webhookTimeout, false)

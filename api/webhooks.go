package api

// Outbound webhook endpoints: admins (webhooks.manage) register the shop's URLs that receive
// signed events (today message.outbound: a message to a buyer, which the shop forwards by its
// own e-mail). The signing secret is generated here, shown once in the create answer and
// stored sealed; every change is audited; another merchant's endpoint is a 404.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/internal/netguard"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/rbac"
	"github.com/keydesk/keydesk/store"
)

// Audit actions of webhook endpoint changes.
const (
	AuditWebhookCreate = "webhook.create"
	AuditWebhookUpdate = "webhook.update"
	AuditWebhookDelete = "webhook.delete"
)

// maxWebhookURL is the longest endpoint URL, in bytes (the column's size).
const maxWebhookURL = 500

// webhookDeliveriesShown is how many recent deliveries the deliveries route lists.
const webhookDeliveriesShown = 50

type webhookReq struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

type webhookPatch struct {
	URL    *string   `json:"url,omitempty"`
	Events *[]string `json:"events,omitempty"`
	Active *bool     `json:"active,omitempty"`
}

type webhookView struct {
	ID        uint64    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"` // empty: every event
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

type webhookCreated struct {
	webhookView
	// Secret signs every delivery (X-Keydesk-Signature); it is shown only in this answer.
	Secret string `json:"secret"`
}

type webhooksResp struct {
	Webhooks    []webhookView `json:"webhooks"`
	KnownEvents []string      `json:"known_events"`
}

type webhookDeliveryView struct {
	ID          uint64     `json:"id"`
	EventID     string     `json:"event_id"`
	EventType   string     `json:"event_type"`
	Status      string     `json:"status"`
	Attempts    int        `json:"attempts"`
	LastError   string     `json:"last_error,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
}

type webhookDeliveriesResp struct {
	Deliveries []webhookDeliveryView `json:"deliveries"`
}

var webhookExample = webhookReq{URL: "https://shop.example/keydesk/events", Events: []string{store.EventMessageOutbound}}

// webhookRoutes is the webhook endpoint route group (listed in routeGroups).
func (s *Server) webhookRoutes() []Route {
	manage := Perm{rbac.ObjWebhooks, rbac.ActManage}
	off := false
	return []Route{
		{Method: http.MethodGet, Path: V1 + "/webhooks", Access: AccessStaff, Perm: manage, Handler: s.listWebhooks,
			Doc: Doc{Tag: "admin", Summary: "Outbound webhook endpoints of the merchant (secrets never shown)", Resp: webhooksResp{}}},
		{Method: http.MethodPost, Path: V1 + "/webhooks", Access: AccessStaff, Perm: manage, Handler: s.createWebhook,
			Doc: Doc{Tag: "admin", Summary: "Add an endpoint; the answer shows its signing secret once (audited)", Body: webhookReq{}, Example: webhookExample, Resp: webhookCreated{}, Status: http.StatusCreated}},
		{Method: http.MethodPatch, Path: V1 + "/webhooks/:id", Access: AccessStaff, Perm: manage, Handler: s.updateWebhook,
			Doc: Doc{Tag: "admin", Summary: "Change an endpoint's URL, events or active flag (audited)", Body: webhookPatch{}, Example: webhookPatch{Active: &off}, Resp: webhookView{}}},
		{Method: http.MethodDelete, Path: V1 + "/webhooks/:id", Access: AccessStaff, Perm: manage, Handler: s.deleteWebhook,
			Doc: Doc{Tag: "admin", Summary: "Delete an endpoint and its delivery log (audited)", Status: http.StatusNoContent}},
		{Method: http.MethodGet, Path: V1 + "/webhooks/:id/deliveries", Access: AccessStaff, Perm: manage, Handler: s.listWebhookDeliveries,
			Doc: Doc{Tag: "admin", Summary: "The endpoint's last 50 deliveries, newest first", Resp: webhookDeliveriesResp{}}},
	}
}

func (s *Server) listWebhooks(c *gin.Context) error {
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	eps, err := s.d.Store.WebhookEndpoints(c.Request.Context(), m)
	if err != nil {
		return err
	}
	resp := webhooksResp{Webhooks: make([]webhookView, 0, len(eps)), KnownEvents: store.WebhookEvents}
	for _, e := range eps {
		resp.Webhooks = append(resp.Webhooks, viewWebhook(e))
	}
	c.JSON(http.StatusOK, resp)
	return nil
}

func (s *Server) createWebhook(c *gin.Context) error {
	var req webhookReq
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	req.URL = strings.TrimSpace(req.URL)
	fe := fieldErrors{}
	checkWebhookURL(fe, req.URL)
	events := checkWebhookEvents(fe, req.Events)
	if err := unprocessable(fe); err != nil {
		return err
	}
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	if s.d.Box == nil {
		return fmt.Errorf("create webhook: no secret box configured")
	}
	secret, err := newWebhookSecret()
	if err != nil {
		return err
	}
	e := models.WebhookEndpoint{MerchantID: m, URL: req.URL, Events: events, Active: true}
	err = s.d.Store.InTx(c.Request.Context(), func(ctx context.Context) error {
		seal := func(id uint64) []byte { return s.d.Box.Seal([]byte(secret), store.WebhookSecretAAD(m, id)) }
		if err := s.d.Store.CreateWebhookEndpoint(ctx, &e, seal); err != nil {
			return err
		}
		return s.audit(ctx, c, auditEntry{Action: AuditWebhookCreate, TargetType: "webhook", TargetID: uitoa(e.ID), Merchant: m,
			Data: map[string]any{"url": redactURL(e.URL), "events": store.EndpointEvents(e)}})
	})
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, webhookCreated{webhookView: viewWebhook(e), Secret: secret})
	return nil
}

func (s *Server) updateWebhook(c *gin.Context) error {
	var req webhookPatch
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	p, err := bindWebhookPatch(req)
	if err != nil {
		return err
	}
	m, id, err := s.webhookTarget(c)
	if err != nil {
		return err
	}
	var after models.WebhookEndpoint
	err = s.d.Store.InTx(c.Request.Context(), func(ctx context.Context) error {
		before, a, err := s.d.Store.UpdateWebhookEndpoint(ctx, m, id, p)
		if err != nil {
			return err
		}
		after = a
		return s.audit(ctx, c, auditEntry{Action: AuditWebhookUpdate, TargetType: "webhook", TargetID: uitoa(id), Merchant: m,
			Data: map[string]any{"before": auditWebhook(before), "after": auditWebhook(after)}})
	})
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, viewWebhook(after))
	return nil
}

func (s *Server) deleteWebhook(c *gin.Context) error {
	m, id, err := s.webhookTarget(c)
	if err != nil {
		return err
	}
	err = s.d.Store.InTx(c.Request.Context(), func(ctx context.Context) error {
		e, err := s.d.Store.DeleteWebhookEndpoint(ctx, m, id)
		if err != nil {
			return err
		}
		return s.audit(ctx, c, auditEntry{Action: AuditWebhookDelete, TargetType: "webhook", TargetID: uitoa(id), Merchant: m,
			Data: auditWebhook(e)})
	})
	if err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (s *Server) listWebhookDeliveries(c *gin.Context) error {
	m, id, err := s.webhookTarget(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	if _, err := s.d.Store.WebhookEndpointByID(ctx, m, id); err != nil {
		return err
	}
	ds, err := s.d.Store.WebhookDeliveries(ctx, m, id, webhookDeliveriesShown)
	if err != nil {
		return err
	}
	resp := webhookDeliveriesResp{Deliveries: make([]webhookDeliveryView, 0, len(ds))}
	for _, d := range ds {
		resp.Deliveries = append(resp.Deliveries, webhookDeliveryView{ID: d.ID, EventID: d.EventID, EventType: d.EventType, Status: d.Status,
			Attempts: d.Attempts, LastError: d.LastError, CreatedAt: d.CreatedAt, DeliveredAt: d.DeliveredAt})
	}
	c.JSON(http.StatusOK, resp)
	return nil
}

// webhookTarget is the caller's merchant and the :id of the path (not a number: 404).
func (s *Server) webhookTarget(c *gin.Context) (merchant, id uint64, err error) {
	if merchant, err = s.merchant(c); err != nil {
		return 0, 0, err
	}
	if id, err = strconv.ParseUint(c.Param("id"), 10, 64); err != nil {
		return 0, 0, errNotFound
	}
	return merchant, id, nil
}

// bindWebhookPatch checks a patch's fields (422 naming each bad one) and converts it.
func bindWebhookPatch(req webhookPatch) (store.WebhookEndpointPatch, error) {
	p := store.WebhookEndpointPatch{Active: req.Active}
	fe := fieldErrors{}
	if req.URL != nil {
		u := strings.TrimSpace(*req.URL)
		checkWebhookURL(fe, u)
		p.URL = &u
	}
	if req.Events != nil {
		ev := checkWebhookEvents(fe, *req.Events)
		p.Events = &ev
	}
	return p, unprocessable(fe)
}

// checkWebhookURL records a field error unless u is an absolute http(s) URL of at most 500
// bytes that the outbound URL policy accepts (netguard: https, no credentials, no internal
// address); the policy is checked again when a delivery connects.
func checkWebhookURL(fe fieldErrors, u string) {
	pu, err := url.Parse(u)
	bad := u == "" || len(u) > maxWebhookURL || err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == ""
	if bad {
		fe.check(true, "url", fmt.Sprintf("required: an http(s) URL of at most %d characters", maxWebhookURL))
		return
	}
	if err := netguard.CheckURL(u); err != nil {
		fe.check(true, "url", err.Error())
	}
}

// checkWebhookEvents records a field error for an unknown event type and returns the
// comma-separated, de-duplicated list (empty: every event).
func checkWebhookEvents(fe fieldErrors, evs []string) string {
	var out []string
	for _, ev := range evs {
		ev = strings.TrimSpace(ev)
		if !slices.Contains(store.WebhookEvents, ev) {
			fe.check(true, "events", "unknown event type "+strconv.Quote(ev)+"; known: "+strings.Join(store.WebhookEvents, ", "))
			continue
		}
		if !slices.Contains(out, ev) {
			out = append(out, ev)
		}
	}
	return strings.Join(out, ",")
}

// newWebhookSecret is a fresh signing secret: "whsec_" + 64 hex characters.
func newWebhookSecret() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	return "whsec_" + hex.EncodeToString(b[:]), nil
}

// auditWebhook is what the audit log keeps of an endpoint (URL without query or credentials).
func auditWebhook(e models.WebhookEndpoint) map[string]any {
	return map[string]any{"url": redactURL(e.URL), "events": store.EndpointEvents(e), "active": e.Active}
}

func viewWebhook(e models.WebhookEndpoint) webhookView {
	evs := store.EndpointEvents(e)
	if evs == nil {
		evs = []string{}
	}
	return webhookView{ID: e.ID, URL: e.URL, Events: evs, Active: e.Active, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
}

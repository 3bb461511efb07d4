package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

type orderResp struct {
	Order      orderView      `json:"order"`
	Deliveries []deliveryView `json:"deliveries"`
	KeyEvents  []keyEventView `json:"key_events"`
	Tickets    []queueItem    `json:"tickets"`
}

type orderView struct {
	ID             uint64    `json:"id"`
	OrderNo        string    `json:"order_no"`
	ProductID      uint64    `json:"product_id"`
	ProductName    string    `json:"product_name,omitempty"`
	SKU            string    `json:"sku,omitempty"`
	Quantity       int       `json:"quantity"`
	Amount         int64     `json:"amount"`
	Currency       string    `json:"currency"`
	RefundedAmount int64     `json:"refunded_amount"`
	BuyerEmail     string    `json:"buyer_email"`
	BuyerContact   string    `json:"buyer_contact,omitempty"`
	PaidAt         time.Time `json:"paid_at"`
	Status         string    `json:"status"`
}

// deliveryView shows a delivered key masked: "•••• (id N)", never its secret.
type deliveryView struct {
	ID              uint64     `json:"id"`
	Kind            string     `json:"kind"`
	CardKeyID       uint64     `json:"card_key_id"`
	Key             string     `json:"key"`
	KeyStatus       string     `json:"key_status"`
	FirstRevealedAt *time.Time `json:"first_revealed_at,omitempty"`
	TicketID        *uint64    `json:"ticket_id,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
}

type keyEventView struct {
	Kind       string    `json:"kind"`
	CardKeyID  *uint64   `json:"card_key_id,omitempty"`
	IP         string    `json:"ip,omitempty"`
	UserAgent  string    `json:"user_agent,omitempty"`
	Source     string    `json:"source"`
	OccurredAt time.Time `json:"occurred_at"`
}

type revealReq struct {
	Reason string `json:"reason"`
}

type revealResp struct {
	CardKeyID uint64 `json:"card_key_id"`
	Secret    string `json:"secret"`
}

// maskedKey is how a key appears anywhere but the audited reveal.
func maskedKey(id uint64) string { return "•••• (id " + strconv.FormatUint(id, 10) + ")" }

func (s *Server) getOrder(c *gin.Context) error {
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	o, err := s.d.Store.OrderByNo(ctx, m, c.Param("order_no"))
	if err != nil {
		return err
	}
	ds, evs, err := s.d.Store.OrderHistory(ctx, m, o.ID)
	if err != nil {
		return err
	}
	ts, err := s.d.Store.TicketsByOrder(ctx, m, o.ID)
	if err != nil {
		return err
	}
	resp := buildOrderResp(o, ds, evs, ts)
	// The panel names the product the buyer bought (it showed "#2"); the product is the
	// merchant's own, so a missing one (deleted) just leaves the id.
	if p, err := s.d.Store.ProductByID(ctx, m, o.ProductID); err == nil {
		resp.Order.ProductName, resp.Order.SKU = p.Name, p.SKU
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	c.JSON(http.StatusOK, resp)
	return nil
}

func buildOrderResp(o models.Order, ds []store.OrderDelivery, evs []models.KeyEvent, ts []models.Ticket) orderResp {
	resp := orderResp{
		Order: orderView{ID: o.ID, OrderNo: o.OrderNo, ProductID: o.ProductID, Quantity: o.Quantity, Amount: o.Amount,
			Currency: o.Currency, RefundedAmount: o.RefundedAmount, BuyerEmail: o.BuyerEmail, BuyerContact: o.BuyerContact,
			PaidAt: o.PaidAt, Status: o.Status},
		Deliveries: make([]deliveryView, 0, len(ds)), KeyEvents: make([]keyEventView, 0, len(evs)), Tickets: make([]queueItem, 0, len(ts)),
	}
	for _, d := range ds {
		resp.Deliveries = append(resp.Deliveries, deliveryView{ID: d.ID, Kind: d.Kind, CardKeyID: d.CardKeyID, Key: maskedKey(d.CardKeyID),
			KeyStatus: d.KeyStatus, FirstRevealedAt: d.FirstRevealedAt, TicketID: d.TicketID, CreatedAt: d.CreatedAt})
	}
	for _, e := range evs {
		resp.KeyEvents = append(resp.KeyEvents, keyEventView{Kind: e.Kind, CardKeyID: e.CardKeyID, IP: e.IP, UserAgent: e.UserAgent,
			Source: e.Source, OccurredAt: e.OccurredAt})
	}
	for _, t := range ts {
		resp.Tickets = append(resp.Tickets, toQueueItem(t))
	}
	return resp
}

// revealKey decrypts one card key for a permitted role. The audit line is committed before the
// secret is sent: no audit, no secret.
func (s *Server) revealKey(c *gin.Context) error {
	var req revealReq
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	fe := fieldErrors{}
	fe.check(strings.TrimSpace(req.Reason) == "", "reason", "required: why the key is revealed")
	fe.check(len(req.Reason) > 500, "reason", "at most 500 characters")
	if err := fe.err(); err != nil {
		return err
	}
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	ctx := c.Request.Context()
	k, err := s.d.Store.CardKeyByID(ctx, m, id)
	if err != nil {
		return err
	}
	if s.d.Box == nil {
		return Errorf(http.StatusServiceUnavailable, CodeUnavailable, "key reveal is not configured")
	}
	secret, err := s.d.Box.Open(k.SecretCipher, store.CardKeyAAD(k.ProductID))
	if err != nil {
		return err
	}
	err = s.audit(ctx, c, auditEntry{Action: AuditKeyReveal, TargetType: "card_key", TargetID: uitoa(k.ID), Merchant: m,
		Data: map[string]any{"reason": req.Reason, "order_id": k.OrderID, "ticket_id": k.TicketID, "role": s.actor(c).Role}})
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, revealResp{CardKeyID: k.ID, Secret: string(secret)})
	return nil
}

package api

// The shop's HMAC-signed integration endpoints: POST /integrations/orders and
// POST /integrations/key-events. A request is authenticated before its body is parsed:
//
//	X-Keydesk-Merchant:  <merchant slug>
//	X-Keydesk-Timestamp: <unix seconds>             (within 5 minutes of now)
//	X-Keydesk-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>
//
// with the merchant's integration secret. Anything wrong answers 401 (signature, stale
// timestamp, unknown merchant) or 400/413/422 (body) and writes nothing. Both endpoints are
// idempotent on the shop's ids, so a replayed request inside the window changes nothing.

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/inventory"
	"github.com/keydesk/keydesk/models"
)

// maxIntegrationBody bounds a signed body (an order with many keys).
const maxIntegrationBody = 4 << 20

// maxImportBody lets a key import reach the inventory's own size check (8 MiB, 100,000 keys),
// which answers with the clearer message.
const maxImportBody = 8<<20 + 1

// SignedMerchant returns the merchant of a signed request: the one the AccessHMAC
// middleware (authHMAC) verified, or else it verifies the request itself, so a handler
// mounted without that middleware is still never unauthenticated. The raw body is left
// readable again for the JSON decoder.
func (h *InventoryAPI) SignedMerchant(c *gin.Context) (uint64, error) {
	if id := integrationMerchant(c); id != 0 {
		return id, nil
	}
	m, err := h.verifySigned(c)
	return m.ID, err
}

func (h *InventoryAPI) verifySigned(c *gin.Context) (models.Merchant, error) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxIntegrationBody)
	return verifySigned(c, h.Store, h.Inventory.IntegrationSecret, h.now())
}

// OrderResponse answers an order push: the stored order's ids, never its keys.
type OrderResponse struct {
	OrderID uint64 `json:"order_id"`
	OrderNo string `json:"order_no"`
	Status  string `json:"status"`
	Keys    int    `json:"keys"`
	Created bool   `json:"created"`
}

// IntegrationOrder is POST /api/v1/integrations/orders: 201 with the new order, 200 with
// the existing one when the same order is pushed again, 409 when the order number exists
// with different contents.
func (h *InventoryAPI) IntegrationOrder(c *gin.Context) error {
	m, err := h.SignedMerchant(c)
	if err != nil {
		return err
	}
	var req inventory.OrderPush
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	o, created, err := h.Inventory.PushOrder(c.Request.Context(), m, req)
	if err != nil {
		return inventoryError(err)
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, OrderResponse{OrderID: o.ID, OrderNo: o.OrderNo, Status: o.Status, Keys: len(req.Keys), Created: created})
	return nil
}

// KeyEventResponse answers a key-event push.
type KeyEventResponse struct {
	EventID   string `json:"event_id"`
	ID        uint64 `json:"id"`
	CardKeyID uint64 `json:"card_key_id,omitempty"`
	Created   bool   `json:"created"`
}

// IntegrationKeyEvent is POST /api/v1/integrations/key-events: 201 when stored, 200 when
// the event_id was already stored.
func (h *InventoryAPI) IntegrationKeyEvent(c *gin.Context) error {
	m, err := h.SignedMerchant(c)
	if err != nil {
		return err
	}
	var req inventory.KeyEventPush
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	ev, created, err := h.Inventory.PushKeyEvent(c.Request.Context(), m, req)
	if err != nil {
		return inventoryError(err)
	}
	resp := KeyEventResponse{EventID: req.EventID, ID: ev.ID, Created: created}
	if ev.CardKeyID != nil {
		resp.CardKeyID = *ev.CardKeyID
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, resp)
	return nil
}

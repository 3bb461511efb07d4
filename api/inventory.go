package api

// Inventory endpoints (issue 4): bulk key import, stock levels, batch quarantine, and the
// buyer's replacement-key reveal. The integration (HMAC-signed) endpoints are in
// integrations.go. Handlers live on InventoryAPI and are listed by its Routes; roles are
// enforced by the route table's Access/Perm, and the handlers scope everything they touch
// to the caller's merchant.

import (
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/inventory"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/rbac"
	"github.com/keydesk/keydesk/store"
)

// StaffPrincipal is the authenticated staff member a request acts as.
type StaffPrincipal struct {
	MerchantID uint64
	UserID     uint64
	Email      string
}

// InventoryAPI serves the inventory, integration and replacement-key endpoints. The
// Server holds one and lists its Routes in routeGroups.
type InventoryAPI struct {
	Store     *store.Store
	Inventory *inventory.Service
	Log       *slog.Logger
	// Now is the clock for the integration replay window (nil: time.Now).
	Now func() time.Time
	// Staff returns the staff member the auth middleware authenticated (an error answers).
	Staff func(c *gin.Context) (StaffPrincipal, error)
	// BuyerTicket returns the ticket whose access token the auth middleware verified
	// (AccessTicket); false answers 404.
	BuyerTicket func(c *gin.Context) (models.Ticket, bool)
}

// inventoryRoutes is the Server's inventory route group (listed in routeGroups).
func (s *Server) inventoryRoutes() []Route {
	h := &InventoryAPI{
		Store:     s.d.Store,
		Inventory: inventory.New(inventory.Opts{Store: s.d.Store, Box: s.d.Box, Log: s.log, Now: s.d.Now}),
		Log:       s.log,
		Now:       s.now,
		Staff: func(c *gin.Context) (StaffPrincipal, error) {
			m, err := s.merchant(c)
			if err != nil {
				return StaffPrincipal{}, err
			}
			p, ok := principal(c)
			if !ok {
				return StaffPrincipal{}, errUnauthorized
			}
			return StaffPrincipal{MerchantID: m, UserID: p.User.ID, Email: p.User.Email}, nil
		},
		BuyerTicket: buyerTicket,
	}
	return h.Routes()
}

// Permissions of the inventory routes.
var (
	PermInventoryRead   = Perm{rbac.ObjInventory, rbac.ActRead}
	PermInventoryManage = Perm{rbac.ObjInventory, rbac.ActManage}
	PermQuarantine      = Perm{rbac.ObjInventory, rbac.ActQuarantine}
)

// Routes is the inventory part of the route table.
func (h *InventoryAPI) Routes() []Route {
	signed := [][2]string{{HeaderIntegrationMerchant, "merchant slug"}, {HeaderIntegrationTimestamp, "unix seconds (5-minute window)"},
		{HeaderIntegrationSignature, "sha256=<hex HMAC-SHA256(secret, timestamp + \".\" + body)>"}}
	return []Route{
		{Method: http.MethodPost, Path: V1 + "/integrations/orders", Access: AccessHMAC, Limit: LimitIntegration, MaxBody: maxIntegrationBody, Handler: h.IntegrationOrder,
			Doc: Doc{Tag: "integrations", Summary: "Push an order with its delivered keys (idempotent on order_no)", Body: inventory.OrderPush{},
				Resp: OrderResponse{}, Status: http.StatusCreated, Headers: signed}},
		{Method: http.MethodPost, Path: V1 + "/integrations/key-events", Access: AccessHMAC, Limit: LimitIntegration, Handler: h.IntegrationKeyEvent,
			Doc: Doc{Tag: "integrations", Summary: "Push a key event: delivered, emailed, revealed (idempotent on event_id)", Body: inventory.KeyEventPush{},
				Resp: KeyEventResponse{}, Status: http.StatusCreated, Headers: signed}},
		{Method: http.MethodPost, Path: V1 + "/integrations/history", Access: AccessHMAC, Limit: LimitIntegration, MaxBody: maxIntegrationBody, Handler: h.IntegrationHistory,
			Doc: Doc{Tag: "integrations", Summary: "Import after-sales history from before keydesk (orders, claims, refunds, chargebacks with their dates and outcomes) for the fraud signals; idempotent on each event's id",
				Body: inventory.HistoryPush{}, Resp: inventory.HistoryResult{}, Status: http.StatusCreated, Headers: signed}},
		{Method: http.MethodGet, Path: V1 + "/tickets/:ticket/replacement-key", Access: AccessTicket, Limit: LimitPublic, Handler: h.ReplacementKey,
			Doc: Doc{Tag: "buyer", Summary: "The ticket's replacement key (recorded as a reveal)", Resp: inventory.Replacement{},
				Query: [][2]string{{"token", "ticket token (or Authorization: Bearer)"}}}},
		{Method: http.MethodPost, Path: V1 + "/key-pickup", Limit: LimitPublic, Handler: h.PickUp,
			Doc: Doc{Tag: "buyer", Summary: "Reveal a replacement key sent to the order's e-mail (step-up delivery) with the pickup link's token (recorded as a reveal)",
				Body: pickupRequest{}, Resp: inventory.Pickup{}}},
		{Method: http.MethodPost, Path: V1 + "/products/:sku/keys", Access: AccessStaff, Perm: PermInventoryManage, MaxBody: maxImportBody, Handler: h.ImportKeys,
			Doc: Doc{Tag: "inventory", Summary: "Bulk key import: text/plain lines, text/csv or application/json (all or nothing)", Resp: ImportResponse{},
				Status: http.StatusCreated, Query: [][2]string{{"label", "batch label"}, {"supplier", "supplier name"}}}},
		{Method: http.MethodGet, Path: V1 + "/inventory", Access: AccessStaff, Perm: PermInventoryRead, Handler: h.Stock,
			Doc: Doc{Tag: "inventory", Summary: "Stock levels per product", Resp: stockResp{}}},
		{Method: http.MethodPost, Path: V1 + "/batches/:id/quarantine", Access: AccessStaff, Perm: PermQuarantine, Handler: h.QuarantineBatch,
			Doc: Doc{Tag: "inventory", Summary: "Quarantine a key batch: withdraw its available keys (audited)", Body: quarantineRequest{}, Resp: inventory.QuarantineResult{}}},
	}
}

func (h *InventoryAPI) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// inventoryError maps the inventory package's errors to API errors.
func inventoryError(err error) error {
	var ve *inventory.ValidationError
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ve):
		return Validation(ve.Fields)
	case errors.As(err, &mbe), errors.Is(err, inventory.ErrTooLarge):
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeTooLarge, Message: err.Error()}
	case errors.Is(err, inventory.ErrMalformed), errors.Is(err, inventory.ErrEmpty):
		return &Error{Status: http.StatusBadRequest, Code: CodeBadRequest, Message: err.Error()}
	case errors.Is(err, inventory.ErrOrderConflict):
		return &Error{Status: http.StatusConflict, Code: CodeConflict, Message: "an order with this order_no exists with different contents"}
	}
	return err
}

func (h *InventoryAPI) staff(c *gin.Context) (StaffPrincipal, error) {
	if h.Staff == nil {
		return StaffPrincipal{}, errUnauthorized
	}
	p, err := h.Staff(c)
	if err == nil && p.MerchantID == 0 {
		err = errUnauthorized
	}
	return p, err
}

// importFormats maps request content types to import formats.
var importFormats = map[string]string{
	"text/plain":       inventory.FormatLines,
	"text/csv":         inventory.FormatCSV,
	"application/json": inventory.FormatJSON,
}

// ImportResponse is the body of POST /products/{sku}/keys: the per-line report, with the
// error shape beside it when the import was rejected (422).
type ImportResponse struct {
	Error  *Error           `json:"error,omitempty"`
	Report inventory.Report `json:"report"`
}

// ImportKeys is POST /api/v1/products/{sku}/keys (admin): a bulk import, text/plain lines,
// text/csv or application/json. 201 with the report; 422 with the report when any line is
// rejected (nothing imported); 413 over the limits.
func (h *InventoryAPI) ImportKeys(c *gin.Context) error {
	p, err := h.staff(c)
	if err != nil {
		return err
	}
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	format, known := importFormats[mt]
	if !known {
		return Errorf(http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "send text/plain (one key a line), text/csv or application/json")
	}
	uid := p.UserID
	rep, err := h.Inventory.Import(c.Request.Context(), inventory.ImportInput{MerchantID: p.MerchantID, SKU: c.Param("sku"),
		Format: format, Body: c.Request.Body, Label: c.Query("label"), Supplier: c.Query("supplier"),
		Source: inventory.SourceAPI, ImportedBy: &uid})
	if errors.Is(err, inventory.ErrRejected) {
		e := &Error{Status: http.StatusUnprocessableEntity, Code: CodeRejected, Message: err.Error()}
		c.JSON(http.StatusUnprocessableEntity, ImportResponse{Error: e, Report: rep})
		return nil
	}
	if err != nil {
		return inventoryError(err)
	}
	c.JSON(http.StatusCreated, ImportResponse{Report: rep})
	return nil
}

// Stock is GET /api/v1/inventory (staff): stock levels per product.
func (h *InventoryAPI) Stock(c *gin.Context) error {
	p, err := h.staff(c)
	if err != nil {
		return err
	}
	st, err := h.Inventory.Stock(c.Request.Context(), p.MerchantID)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, stockResp{Products: st})
	return nil
}

// stockResp is the body of GET /inventory.
type stockResp struct {
	Products []store.ProductStock `json:"products"`
}

// quarantineRequest is the body of POST /batches/{id}/quarantine.
type quarantineRequest struct {
	Reason string `json:"reason"`
}

// QuarantineBatch is POST /api/v1/batches/{id}/quarantine (supervisor, admin): withdraws
// the batch's available keys, audited. Repeating it answers 200 with changed false.
func (h *InventoryAPI) QuarantineBatch(c *gin.Context) error {
	p, err := h.staff(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	var req quarantineRequest
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	fe := fieldErrors{}
	fe.check(req.Reason == "", "reason", "required")
	fe.check(len(req.Reason) > 500, "reason", "at most 500 characters")
	if err := fe.err(); err != nil {
		return err
	}
	res, err := h.Inventory.Quarantine(c.Request.Context(), p.MerchantID, id, req.Reason,
		inventory.QuarantineActor{UserID: p.UserID, Email: p.Email, IP: c.ClientIP(), UserAgent: c.Request.UserAgent()})
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, res)
	return nil
}

// ReplacementKey is GET /api/v1/tickets/{ref}/replacement-key (buyer; the AccessTicket
// middleware verified the ticket token): the secret of the ticket's replacement key. Every
// call records a "revealed" key event with the buyer's IP and user agent and sets
// first_revealed_at. 404 when the token is wrong or there is no replacement.
func (h *InventoryAPI) ReplacementKey(c *gin.Context) error {
	if h.BuyerTicket == nil {
		return errNotFound
	}
	t, ok := h.BuyerTicket(c)
	if !ok || t.Ref != c.Param("ticket") {
		return errNotFound
	}
	rep, err := h.Inventory.RevealReplacement(c.Request.Context(), t, c.ClientIP(), c.Request.UserAgent())
	if errors.Is(err, inventory.ErrNoReplacement) {
		return Errorf(http.StatusNotFound, CodeNotFound, "this ticket has no replacement key")
	}
	if errors.Is(err, inventory.ErrSentToContact) {
		return Errorf(http.StatusNotFound, CodeNotFound, "this ticket's replacement key was sent to the order's e-mail address: open the link in that message")
	}
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, rep)
	return nil
}

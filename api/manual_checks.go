package api

// Manual checks (tickets/manual_checks.go): submissions whose order number and e-mail /
// contact proved no order, kept because the buyer asked; agents list them and accept (a ticket
// opens on the order) or reject them (with a reason the buyer is told). Both decisions are
// audited.

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/rbac"
	"github.com/keydesk/keydesk/store"
)

// Audit actions of manual checks.
const (
	AuditManualCheckAccept = "manual_check.accept"
	AuditManualCheckReject = "manual_check.reject"
)

// maxManualChecks caps one list.
const maxManualChecks = 200

// maxRejectReason caps a rejection's reason (it is sent to the buyer).
const maxRejectReason = 500

type manualCheckOrder struct {
	OrderNo string `json:"order_no"`
	// BuyerEmail is the order's address masked (first character and domain), to set beside
	// the address the buyer wrote from; the order page shows it whole to who may read orders.
	BuyerEmail string    `json:"buyer_email"`
	Product    string    `json:"product"`
	Amount     int64     `json:"amount"`
	Currency   string    `json:"currency"`
	PaidAt     time.Time `json:"paid_at"`
	// EmailEdits is how many characters (insertions, deletions, substitutions; case ignored)
	// separate the address the buyer wrote from the order's, up to maxEmailEdits+1: 1 or 2 is
	// most likely a typo at checkout, which the masked address alone cannot show.
	EmailEdits int `json:"email_edits"`
}

type manualCheckView struct {
	ID          uint64    `json:"id"`
	OrderNo     string    `json:"order_no"`
	Email       string    `json:"email"`
	Contact     string    `json:"contact"`
	Subject     string    `json:"subject"`
	Description string    `json:"description"`
	Language    string    `json:"language"`
	Status      string    `json:"status"`
	CreatedAt   time.Time `json:"created_at"`
	// Order is the shop's order with the number the buyer typed; null when it has none.
	Order         *manualCheckOrder `json:"order"`
	TicketID      *uint64           `json:"ticket_id"`
	TicketRef     string            `json:"ticket_ref"`
	HandledByName string            `json:"handled_by_name"`
	HandledAt     *time.Time        `json:"handled_at"`
	Reason        string            `json:"reason"`
}

type manualChecksResp struct {
	Items []manualCheckView `json:"items"`
	// Open counts the shop's open checks (whatever the list's status).
	Open int64 `json:"open"`
}

type acceptCheckReq struct {
	// OrderNo is the order to open the ticket on, when the buyer typed the number wrong.
	OrderNo string `json:"order_no,omitempty"`
}

type acceptCheckResp struct {
	TicketID  uint64 `json:"ticket_id"`
	Ref       string `json:"ref"`
	StatusURL string `json:"status_url"`
	LinkSent  bool   `json:"link_sent"`
}

type rejectCheckReq struct {
	Reason string `json:"reason"`
}

func (s *Server) manualCheckRoutes() []Route {
	work := Perm{rbac.ObjTickets, rbac.ActWork}
	return []Route{
		{Method: http.MethodGet, Path: V1 + "/manual-checks", Access: AccessStaff, Perm: Perm{rbac.ObjQueue, rbac.ActRead}, Handler: s.listManualChecks,
			Doc: Doc{Tag: "tickets", Summary: "Submissions waiting for a manual check of their order (open: oldest first)", Resp: manualChecksResp{},
				Query: [][2]string{{"status", "open (default), accepted, rejected or all"}}}},
		{Method: http.MethodPost, Path: V1 + "/manual-checks/:id/accept", Access: AccessStaff, Perm: work, Handler: s.acceptManualCheck,
			Doc: Doc{Tag: "tickets", Summary: "Verified: open a ticket on the order (order_no corrects a mistyped number) and send the buyer its link (audited; 409 when already handled)",
				Body: acceptCheckReq{}, Example: acceptCheckReq{OrderNo: "A-1001"}, Resp: acceptCheckResp{}, Status: http.StatusCreated}},
		{Method: http.MethodPost, Path: V1 + "/manual-checks/:id/reject", Access: AccessStaff, Perm: work, Handler: s.rejectManualCheck,
			Doc: Doc{Tag: "tickets", Summary: "Cannot verify: close it with a reason the buyer is sent (audited; 409 when already handled)",
				Body: rejectCheckReq{}, Example: rejectCheckReq{Reason: "No order of ours was paid from this address."}, Resp: statusResp{}}},
	}
}

func (s *Server) listManualChecks(c *gin.Context) error {
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	status := strings.TrimSpace(c.DefaultQuery("status", models.ManualCheckOpen))
	switch status {
	case models.ManualCheckOpen, models.ManualCheckAccepted, models.ManualCheckRejected:
	case "all":
		status = ""
	default:
		return Validation(map[string]string{"status": "open, accepted, rejected or all"})
	}
	ctx := c.Request.Context()
	rows, err := s.d.Store.ManualChecks(ctx, m, status, maxManualChecks)
	if err != nil {
		return err
	}
	open, err := s.d.Store.CountOpenManualChecks(ctx, m)
	if err != nil {
		return err
	}
	resp := manualChecksResp{Items: make([]manualCheckView, 0, len(rows)), Open: open}
	names := &checkNames{products: map[uint64]string{}, users: map[uint64]string{}}
	for _, mc := range rows {
		v, err := s.manualCheckView(c, m, mc, names)
		if err != nil {
			return err
		}
		resp.Items = append(resp.Items, v)
	}
	c.JSON(http.StatusOK, resp)
	return nil
}

// checkNames remembers, for one list, the product and agent names already read: a shop has
// few products and agents, and the page polls the list every 15 s.
type checkNames struct{ products, users map[uint64]string }

// product returns the name of the merchant's product id ("" when it is gone).
func (n *checkNames) product(ctx context.Context, st *store.Store, m, id uint64) string {
	name, ok := n.products[id]
	if !ok {
		if p, err := st.ProductByID(ctx, m, id); err == nil {
			name = p.Name
		}
		n.products[id] = name
	}
	return name
}

// user returns the name of the user id ("" when they are gone).
func (n *checkNames) user(ctx context.Context, st *store.Store, id uint64) string {
	name, ok := n.users[id]
	if !ok {
		if u, err := st.UserByID(ctx, id); err == nil {
			name = u.Name
		}
		n.users[id] = name
	}
	return name
}

// manualCheckView adds the order the number names, the ticket a check opened and who handled it.
func (s *Server) manualCheckView(c *gin.Context, m uint64, mc models.ManualCheck, names *checkNames) (manualCheckView, error) {
	ctx := c.Request.Context()
	v := manualCheckView{ID: mc.ID, OrderNo: mc.OrderNo, Email: mc.Email, Contact: mc.Contact, Subject: mc.Subject,
		Description: mc.Description, Language: mc.Language, Status: mc.Status, CreatedAt: mc.CreatedAt,
		TicketID: mc.TicketID, HandledAt: mc.HandledAt, Reason: mc.Reason}
	o, err := s.d.Store.OrderByNo(ctx, m, mc.OrderNo)
	switch {
	case err == nil:
		v.Order = &manualCheckOrder{OrderNo: o.OrderNo, BuyerEmail: maskAddress(o.BuyerEmail), Amount: o.Amount,
			Currency: o.Currency, PaidAt: o.PaidAt, EmailEdits: editDistance(strings.ToLower(mc.Email), strings.ToLower(o.BuyerEmail), maxEmailEdits+1)}
		v.Order.Product = names.product(ctx, s.d.Store, m, o.ProductID)
	case !errors.Is(err, store.ErrNotFound):
		return v, err
	}
	if mc.TicketID != nil {
		if t, err := s.d.Store.TicketByID(ctx, m, *mc.TicketID); err == nil {
			v.TicketRef = t.Ref
		}
	}
	if mc.HandledBy != nil {
		v.HandledByName = names.user(ctx, s.d.Store, *mc.HandledBy)
	}
	return v, nil
}

// maxEmailEdits is the largest distance between two addresses read as a typo of each other.
const maxEmailEdits = 2

// editDistance is the Levenshtein distance between a and b (runes), or limit when it is
// limit or more.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d >= limit || -d >= limit {
		return limit
	}
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best >= limit { // every path already costs limit or more
			return limit
		}
		prev = cur
	}
	return min(prev[len(rb)], limit)
}

// maskAddress keeps an address's first character and its domain ("j***@gmail.com").
func maskAddress(a string) string {
	at := strings.LastIndexByte(a, '@')
	if at < 1 {
		return "***"
	}
	r, _ := utf8.DecodeRuneInString(a)
	return string(r) + "***" + a[at:]
}

// checkTarget returns the caller's merchant, the check :id and the agent deciding it.
func (s *Server) checkTarget(c *gin.Context) (merchant, id, agent uint64, err error) {
	if merchant, err = s.merchant(c); err != nil {
		return 0, 0, 0, err
	}
	id, perr := strconv.ParseUint(c.Param("id"), 10, 64)
	if perr != nil || id == 0 {
		return 0, 0, 0, Errorf(http.StatusNotFound, CodeNotFound, "no such manual check")
	}
	p, _ := principal(c)
	return merchant, id, p.User.ID, nil
}

// handledError names a check someone else already handled.
func handledError(err error) error {
	if errors.Is(err, store.ErrConflict) {
		return &Error{Status: http.StatusConflict, Code: CodeConflict, Message: "this request was already handled", cause: err}
	}
	return err
}

func (s *Server) acceptManualCheck(c *gin.Context) error {
	var req acceptCheckReq
	if err := decodeJSON(c, &req, true); err != nil {
		return err
	}
	m, id, agent, err := s.checkTarget(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	got, err := s.d.Tickets.AcceptManualCheck(ctx, m, id, agent, req.OrderNo, func(ctx context.Context, mc models.ManualCheck) error {
		return s.audit(ctx, c, auditEntry{Action: AuditManualCheckAccept, TargetType: "manual_check", TargetID: uitoa(id), Merchant: m,
			Data: map[string]any{"ticket_id": mc.TicketID, "typed_order_no": mc.OrderNo, "order_no": req.OrderNo}})
	})
	if err != nil {
		return handledError(err)
	}
	c.JSON(http.StatusCreated, acceptCheckResp{TicketID: got.Ticket.ID, Ref: got.Ticket.Ref, StatusURL: got.StatusURL, LinkSent: got.LinkSent})
	return nil
}

func (s *Server) rejectManualCheck(c *gin.Context) error {
	var req rejectCheckReq
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	req.Reason = strings.TrimSpace(req.Reason)
	fe := fieldErrors{}
	fe.check(req.Reason == "", "reason", "required: the buyer is told why")
	fe.check(utf8.RuneCountInString(req.Reason) > maxRejectReason, "reason", "at most 500 characters")
	if err := fe.err(); err != nil {
		return err
	}
	m, id, agent, err := s.checkTarget(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	_, err = s.d.Tickets.RejectManualCheck(ctx, m, id, agent, req.Reason, func(ctx context.Context, mc models.ManualCheck) error {
		return s.audit(ctx, c, auditEntry{Action: AuditManualCheckReject, TargetType: "manual_check", TargetID: uitoa(id), Merchant: m,
			Data: map[string]any{"typed_order_no": mc.OrderNo, "reason": req.Reason}})
	})
	if err != nil {
		return handledError(err)
	}
	c.JSON(http.StatusOK, statusResp{Status: models.ManualCheckRejected})
	return nil
}

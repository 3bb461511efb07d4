package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
	"github.com/keydesk/keydesk/tickets"
	"github.com/keydesk/keydesk/triage"
	"github.com/keydesk/keydesk/workflows"
)

// createTicketReq is a buyer's submission. Category is optional: key_invalid, key_missing,
// refund, account, other, or empty / "not_sure" to let the text decide; "dispute" is
// refused (400).
type createTicketReq struct {
	Merchant    string `json:"merchant"` // slug
	OrderNo     string `json:"order_no"`
	Email       string `json:"email"`
	Contact     string `json:"contact,omitempty"`
	Category    string `json:"category,omitempty"`
	Subject     string `json:"subject"`
	Description string `json:"description"`
	Language    string `json:"language,omitempty"`
	DeviceID    string `json:"device_id,omitempty"`
	// ManualCheck: when order number and e-mail / contact prove no order, keep the submission
	// for the shop to check by hand (202, status manual_check) instead of refusing it.
	ManualCheck bool `json:"manual_check,omitempty"`
}

type createTicketResp struct {
	Ref       string `json:"ref"`
	Token     string `json:"token,omitempty"`
	StatusURL string `json:"status_url,omitempty"`
	Status    string `json:"status"`
	Replayed  bool   `json:"replayed,omitempty"`
}

type resendReq struct {
	// Merchant is the shop's slug; Ref (a ticket of the order, as on the status page's
	// address) may name the shop instead, so buyers are never asked for a slug.
	Merchant string `json:"merchant,omitempty"`
	Ref      string `json:"ref,omitempty"`
	OrderNo  string `json:"order_no"`
	Contact  string `json:"contact"`
}

type messageReq struct {
	Body string `json:"body"`
}

type csatReq struct {
	Score   int    `json:"score"`
	Comment string `json:"comment,omitempty"`
}

type actionResp struct {
	Ticket workflows.State `json:"ticket"`
}

type publicMessage struct {
	AuthorKind string    `json:"author_kind"`
	AuthorName string    `json:"author_name,omitempty"`
	Body       string    `json:"body"`
	CreatedAt  time.Time `json:"created_at"`
	// Code and Params name a system message (models.Msg*): the page shows it in the
	// ticket's language; Body is the English fallback.
	Code   string            `json:"code,omitempty"`
	Params map[string]string `json:"params,omitempty"`
}

type publicTicketResp struct {
	Ref                  string     `json:"ref"`
	Status               string     `json:"status"`
	StatusText           string     `json:"status_text"`
	Category             string     `json:"category"`
	Subject              string     `json:"subject"`
	CreatedAt            time.Time  `json:"created_at"`
	ResolvedAt           *time.Time `json:"resolved_at,omitempty"`
	QueuePosition        *int64     `json:"queue_position,omitempty"`
	EstimatedWaitSeconds *int64     `json:"estimated_wait_seconds,omitempty"`
	CSAT                 *int       `json:"csat,omitempty"`
	// ReplacementAvailable says a replacement key was issued; the buyer reveals it through
	// /replacement-key (recorded as a reveal), never inline here.
	ReplacementAvailable bool `json:"replacement_available"`
	// ReplacementSentTo is the masked order e-mail a stepped-up replacement was sent to (a
	// private pickup link; the claim came from a device and network the buyer never used).
	// The status page then shows no key, only where it went.
	ReplacementSentTo string `json:"replacement_sent_to,omitempty"`
	// Stage says what is happening in the buyer's terms (Stage* in buyer_stage.go);
	// StageReason is the reason a risk agent gave the buyer for a denial.
	Stage       string          `json:"stage"`
	StageReason string          `json:"stage_reason,omitempty"`
	Messages    []publicMessage `json:"messages"`
	// Attachments are the buyer's screenshots (GET …/attachments/{id} with the token).
	Attachments []attachmentView `json:"attachments"`
}

// statusText words each status for buyers.
var statusText = map[string]string{
	models.StatusNew:             "We have received your request and will look at it shortly.",
	models.StatusOpen:            "An agent is working on your request.",
	models.StatusPendingCustomer: "We are waiting for your reply.",
	models.StatusPendingInternal: "We are checking with our team; no action is needed from you.",
	models.StatusResolved:        "Your request has been resolved. Reply if anything is still wrong.",
	models.StatusClosed:          "This request is closed.",
}

// standingWindow is how far back the queue's handling rate is measured.
const standingWindow = 7 * 24 * time.Hour

func (s *Server) createTicket(c *gin.Context) error {
	var req createTicketReq
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	idem := strings.TrimSpace(c.GetHeader("Idempotency-Key"))
	fe := fieldErrors{}
	fe.check(req.Merchant == "", "merchant", "required")
	fe.check(len(idem) > 128, "Idempotency-Key", "at most 128 characters")
	// The category is optional (empty or "not_sure": inferred from the text); a buyer cannot
	// open a chargeback dispute, those come from the payment gateway.
	_, choiceErr := triage.ParseChoice(req.Category)
	fe.check(errors.Is(choiceErr, triage.ErrBuyerDispute), "category",
		"dispute cannot be chosen: chargeback disputes come from the payment gateway; choose another category or not_sure")
	if err := fe.err(); err != nil {
		return err
	}
	ctx := c.Request.Context()
	m, err := s.d.Store.MerchantBySlug(ctx, req.Merchant)
	if errors.Is(err, store.ErrNotFound) {
		return Validation(map[string]string{"merchant": "unknown shop"})
	}
	if err != nil {
		return err
	}
	created, err := s.d.Tickets.Create(ctx, tickets.CreateInput{
		MerchantID: m.ID, OrderNo: req.OrderNo, Email: req.Email, Contact: req.Contact, Category: req.Category,
		Subject: req.Subject, Description: req.Description, Channel: "web", Language: req.Language,
		IdempotencyKey: idem, IP: c.ClientIP(), UserAgent: c.Request.UserAgent(), DeviceID: buyerDeviceID(c, req.DeviceID),
		ManualCheck: req.ManualCheck,
	})
	if err != nil {
		return err
	}
	if created.ManualCheck {
		// No ticket: the same answer whether or not the order number exists.
		c.JSON(http.StatusAccepted, statusResp{Status: "manual_check"})
		return nil
	}
	status := http.StatusCreated
	if created.Replayed {
		status = http.StatusOK
	}
	c.JSON(status, createTicketResp{Ref: created.Ticket.Ref, Token: created.AccessToken, StatusURL: created.StatusURL,
		Status: created.Ticket.Status, Replayed: created.Replayed})
	return nil
}

// shopResp is what a buyer page shows of a shop.
type shopResp struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// shopInfo names a shop for the buyer pages, which showed its slug ("demo") and, for an
// unknown slug, a form that could never be sent.
func (s *Server) shopInfo(c *gin.Context) error {
	m, err := s.d.Store.MerchantBySlug(c.Request.Context(), c.Param("merchant"))
	if err != nil {
		return err // ErrNotFound answers 404
	}
	name := m.Name
	if name == "" {
		name = m.Slug
	}
	c.JSON(http.StatusOK, shopResp{Slug: m.Slug, Name: name})
	return nil
}

// resendLink always answers 202, whether or not anything matched: it never reveals a match.
func (s *Server) resendLink(c *gin.Context) error {
	var req resendReq
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	fe := fieldErrors{}
	fe.check(req.Merchant == "" && req.Ref == "", "merchant", "required")
	fe.check(req.OrderNo == "", "order_no", "required")
	fe.check(req.Contact == "", "contact", "required")
	if err := fe.err(); err != nil {
		return err
	}
	ctx := c.Request.Context()
	// An unknown shop or ref answers like a known one: the answer tells nobody what exists.
	var merchantID uint64
	if req.Merchant != "" {
		if m, err := s.d.Store.MerchantBySlug(ctx, req.Merchant); err == nil {
			merchantID = m.ID
		}
	} else if t, err := s.d.Store.TicketByRef(ctx, req.Ref); err == nil {
		merchantID = t.MerchantID
	}
	if merchantID != 0 {
		if err := s.d.Tickets.ResendLink(ctx, merchantID, req.OrderNo, req.Contact); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.log.WarnContext(ctx, "resend link", "request_id", requestID(c), "err", err)
		}
	}
	c.JSON(http.StatusAccepted, statusResp{Status: "if the order and contact match, the link has been sent to that contact"})
	return nil
}

// getTicket serves buyers (token, by ref) and staff (JWT, by id) on the same path.
func (s *Server) getTicket(c *gin.Context) error {
	if _, staff := principal(c); staff {
		return s.staffTicket(c)
	}
	t, ok := buyerTicket(c)
	if !ok {
		return errUnauthorized
	}
	ctx := c.Request.Context()
	msgs, err := s.d.Store.TicketMessages(ctx, t.MerchantID, t.ID, false)
	if err != nil {
		return err
	}
	resp := publicTicketResp{
		Ref: t.Ref, Status: t.Status, StatusText: statusText[t.Status], Category: t.Category, Subject: t.Subject,
		CreatedAt: t.CreatedAt, ResolvedAt: t.ResolvedAt, CSAT: t.CSATScore, Messages: make([]publicMessage, 0, len(msgs)),
	}
	for _, m := range msgs {
		if m.Internal { // belt and braces: the query already excludes them
			continue
		}
		resp.Messages = append(resp.Messages, publicMessage{AuthorKind: m.AuthorKind, AuthorName: m.AuthorName, Body: m.Body, CreatedAt: m.CreatedAt,
			Code: m.Code, Params: messageParams(m)})
	}
	if resp.Attachments, err = s.ticketAttachments(c, t.MerchantID, t.ID); err != nil {
		return err
	}
	switch d, err := s.d.Store.ReissueDelivery(ctx, t.ID); {
	case err == nil && d.SentTo != "":
		resp.ReplacementSentTo = activities.MaskAddress(d.SentTo)
	case err == nil:
		resp.ReplacementAvailable = true
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	evs, err := s.d.Store.TicketEvents(ctx, t.MerchantID, t.ID)
	if err != nil {
		return err
	}
	resp.Stage, resp.StageReason = buyerStage(t, evs, resp.ReplacementAvailable || resp.ReplacementSentTo != "")
	if isOpen(t.Status) {
		st, err := s.d.Store.QueueStanding(ctx, t, s.now(), standingWindow)
		if err != nil {
			return err
		}
		pos := st.Ahead + 1
		resp.QueuePosition = &pos
		if st.EstimatedWait > 0 {
			w := int64(st.EstimatedWait.Seconds())
			resp.EstimatedWaitSeconds = &w
		}
	}
	c.JSON(http.StatusOK, resp)
	return nil
}

func isOpen(status string) bool {
	for _, s := range store.OpenStatuses {
		if s == status {
			return true
		}
	}
	return false
}

func (s *Server) buyerMessage(c *gin.Context) error {
	var req messageReq
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	if strings.TrimSpace(req.Body) == "" {
		return Validation(map[string]string{"body": "required"})
	}
	t, _ := buyerTicket(c)
	// A closing "thanks" on a solved ticket is kept without reopening it (decided here,
	// so the workflow reads the verdict from its history, not from the current model).
	in := workflows.ReplyInput{ActionInput: s.buyerAction(c), Body: req.Body, ClosingThanks: triage.IsClosingThanks(req.Body)}
	return s.respondAct(c, t.MerchantID, t.ID, workflows.UpdateCustomerReply, in)
}

func (s *Server) buyerCSAT(c *gin.Context) error {
	var req csatReq
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	fe := fieldErrors{}
	fe.check(req.Score < 1 || req.Score > 5, "score", "must be 1 to 5")
	fe.check(len(req.Comment) > 1000, "comment", "at most 1000 characters")
	if err := fe.err(); err != nil {
		return err
	}
	t, _ := buyerTicket(c)
	in := workflows.RateInput{ActionInput: s.buyerAction(c), Score: req.Score, Comment: req.Comment}
	return s.respondAct(c, t.MerchantID, t.ID, workflows.UpdateRate, in)
}

func (s *Server) buyerAction(c *gin.Context) workflows.ActionInput {
	return workflows.ActionInput{RequestID: idempotencyKey(c), Actor: workflows.Actor{Kind: workflows.ActorCustomer}}
}

// idempotencyKey is the request's Idempotency-Key (clipped) or a new id.
func idempotencyKey(c *gin.Context) string {
	if k := strings.TrimSpace(c.GetHeader("Idempotency-Key")); k != "" && len(k) <= 64 {
		return k
	}
	return newID()
}

// respondAct sends an update to the ticket's workflow and answers with the new state. Buyers
// see the same state shape as staff minus nothing secret: State carries ids and clocks only.
func (s *Server) respondAct(c *gin.Context, merchantID, ticketID uint64, update string, in any) error {
	st, err := s.d.Tickets.Act(c.Request.Context(), merchantID, ticketID, update, in)
	if err != nil {
		return err
	}
	if _, staff := principal(c); !staff {
		st.RequestIDs = nil
		st.Risk = nil
		st.Reissue = nil
	}
	c.JSON(http.StatusOK, actionResp{Ticket: st})
	return nil
}

func uitoa(u uint64) string { return strconv.FormatUint(u, 10) }

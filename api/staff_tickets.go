package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
	"github.com/keydesk/keydesk/workflows"
)

type assignReq struct {
	AssigneeID uint64 `json:"assignee_id"`
}

type replyReq struct {
	Body      string `json:"body"`
	SetStatus string `json:"set_status,omitempty"`
}

type statusReq struct {
	Status string `json:"status"`
}

type priorityReq struct {
	Priority string `json:"priority"`
}

type escalateReq struct {
	Delta  int    `json:"delta"`
	Reason string `json:"reason"`
}

type decisionReq struct {
	Reason string `json:"reason"`
	// Amount optionally changes a refund's amount (minor units) when approving.
	Amount int64 `json:"amount,omitempty"`
}

type staffTicketResp struct {
	Ticket   ticketView       `json:"ticket"`
	State    *workflows.State `json:"state,omitempty"`
	Messages []messageView    `json:"messages"`
	Timeline []eventView      `json:"timeline"`
	Fraud    *fraudView       `json:"fraud,omitempty"`
	// Attachments are the buyer's screenshots (GET /tickets/{id}/attachments/{attachment}).
	Attachments []attachmentView `json:"attachments"`
	// Triage is what the model read in the buyer's text (triage_labels.go).
	Triage *triageView `json:"triage,omitempty"`
}

// ticketView is the staff view of a ticket row (never the access-token hash).
type ticketView struct {
	queueItem
	OrderID                 *uint64    `json:"order_id,omitempty"`
	OrderNo                 string     `json:"order_no,omitempty"`
	Channel                 string     `json:"channel"`
	RiskScore               *int       `json:"risk_score,omitempty"`
	FirstResponseDueAt      *time.Time `json:"first_response_due_at,omitempty"`
	NextResponseDueAt       *time.Time `json:"next_response_due_at,omitempty"`
	ResolutionDueAt         *time.Time `json:"resolution_due_at,omitempty"`
	FirstResponseAt         *time.Time `json:"first_response_at,omitempty"`
	FirstResponseBreachedAt *time.Time `json:"first_response_breached_at,omitempty"`
	NextResponseBreachedAt  *time.Time `json:"next_response_breached_at,omitempty"`
	ResolutionBreachedAt    *time.Time `json:"resolution_breached_at,omitempty"`
	EscalatedAt             *time.Time `json:"escalated_at,omitempty"`
	ResolvedAt              *time.Time `json:"resolved_at,omitempty"`
	ClosedAt                *time.Time `json:"closed_at,omitempty"`
	CustomerEmail           string     `json:"customer_email"`
	CustomerContact         string     `json:"customer_contact,omitempty"`
	CustomerIP              string     `json:"customer_ip,omitempty"`
	Sentiment               string     `json:"sentiment,omitempty"`
	Language                string     `json:"language,omitempty"`
	CSAT                    *int       `json:"csat,omitempty"`
	UpdatedAt               time.Time  `json:"updated_at"`
}

type messageView struct {
	ID         uint64    `json:"id"`
	AuthorKind string    `json:"author_kind"`
	AuthorID   *uint64   `json:"author_id,omitempty"`
	AuthorName string    `json:"author_name,omitempty"`
	Body       string    `json:"body"`
	Internal   bool      `json:"internal"`
	CreatedAt  time.Time `json:"created_at"`
	// Code and Params name a system message (models.Msg*) for the page to show in the
	// reader's language; Body is the English fallback.
	Code   string            `json:"code,omitempty"`
	Params map[string]string `json:"params,omitempty"`
}

// messageParams decodes a message's parameters (nil when it has none or they do not read).
func messageParams(m models.Message) map[string]string {
	if len(m.Params) == 0 || string(m.Params) == "null" {
		return nil
	}
	var p map[string]string
	if err := json.Unmarshal(m.Params, &p); err != nil {
		return nil
	}
	return p
}

type eventView struct {
	Kind      string      `json:"kind"`
	ActorKind string      `json:"actor_kind,omitempty"`
	ActorID   *uint64     `json:"actor_id,omitempty"`
	Data      models.JSON `json:"data,omitempty"`
	CreatedAt time.Time   `json:"created_at"`
}

type fraudView struct {
	Score          int         `json:"score"`
	Decision       string      `json:"decision"`
	Hits           models.JSON `json:"hits"`
	RulesetVersion string      `json:"ruleset_version"`
	CreatedAt      time.Time   `json:"created_at"`
}

func toTicketView(t models.Ticket) ticketView {
	return ticketView{queueItem: toQueueItem(t), OrderID: t.OrderID, Channel: t.Channel, RiskScore: t.RiskScore,
		FirstResponseDueAt: t.FirstResponseDueAt, NextResponseDueAt: t.NextResponseDueAt, ResolutionDueAt: t.ResolutionDueAt,
		FirstResponseAt: t.FirstResponseAt, FirstResponseBreachedAt: t.FirstResponseBreachedAt, NextResponseBreachedAt: t.NextResponseBreachedAt,
		ResolutionBreachedAt: t.ResolutionBreachedAt, EscalatedAt: t.EscalatedAt, ResolvedAt: t.ResolvedAt, ClosedAt: t.ClosedAt,
		CustomerEmail: t.CustomerEmail, CustomerContact: t.CustomerContact, CustomerIP: t.CustomerIP, Sentiment: t.Sentiment,
		Language: t.Language, CSAT: t.CSATScore, UpdatedAt: t.UpdatedAt}
}

// ticketID parses :ticket as a staff ticket id, or takes the id its ref resolved to (see
// resolveTicketRef); anything else is a 404 like any unknown id.
func ticketID(c *gin.Context) (uint64, error) {
	if id := c.GetUint64(ctxStaffTicketID); id != 0 {
		return id, nil
	}
	id, err := strconv.ParseUint(c.Param("ticket"), 10, 64)
	if err != nil || id == 0 {
		return 0, errNotFound
	}
	return id, nil
}

// pathTicket is the merchant's ticket the :id path parameter names (404 for a ticket of
// another merchant).
func (s *Server) pathTicket(c *gin.Context) (models.Ticket, error) {
	m, err := s.merchant(c)
	if err != nil {
		return models.Ticket{}, err
	}
	id, err := ticketID(c)
	if err != nil {
		return models.Ticket{}, err
	}
	return s.d.Store.TicketByID(c.Request.Context(), m, id)
}

// staffTicket is the detail view: row, live state (when the workflow answers), all messages
// including internal notes, the timeline and the latest fraud assessment.
func (s *Server) staffTicket(c *gin.Context) error {
	t, err := s.pathTicket(c)
	if err != nil {
		return err
	}
	ctx, m, id := c.Request.Context(), t.MerchantID, t.ID
	resp := staffTicketResp{Ticket: toTicketView(t)}
	if t.OrderID != nil {
		o, err := s.d.Store.OrderByID(ctx, m, *t.OrderID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		resp.Ticket.OrderNo = o.OrderNo
	}
	msgs, err := s.d.Store.TicketMessages(ctx, m, id, true)
	if err != nil {
		return err
	}
	resp.Messages = make([]messageView, 0, len(msgs))
	for _, x := range msgs {
		resp.Messages = append(resp.Messages, messageView{x.ID, x.AuthorKind, x.AuthorID, x.AuthorName, x.Body, x.Internal, x.CreatedAt, x.Code, messageParams(x)})
	}
	evs, err := s.d.Store.TicketEvents(ctx, m, id)
	if err != nil {
		return err
	}
	if resp.Attachments, err = s.ticketAttachments(c, m, id); err != nil {
		return err
	}
	resp.Timeline = make([]eventView, 0, len(evs))
	for _, x := range evs {
		resp.Timeline = append(resp.Timeline, eventView{x.Kind, x.ActorKind, x.ActorID, x.Data, x.CreatedAt})
	}
	if resp.Triage, err = s.ticketTriage(ctx, m, t, msgs, evs); err != nil {
		return err
	}
	if fa, err := s.d.Store.LatestFraudAssessment(ctx, m, id); err == nil {
		resp.Fraud = &fraudView{fa.Score, fa.Decision, models.JSON(fa.Hits), fa.RulesetVersion, fa.CreatedAt}
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if s.d.Tickets != nil {
		if st, err := s.d.Tickets.State(ctx, m, id); err == nil {
			resp.State = &st
		} else {
			s.log.WarnContext(ctx, "ticket state unavailable; serving the read model", "ticket", id, "err", err)
		}
	}
	c.JSON(http.StatusOK, resp)
	return nil
}

// act sends an update to the ticket's workflow as the signed-in staff member and answers
// with the new state.
func (s *Server) act(c *gin.Context, update string, build func(workflows.ActionInput) any) error {
	st, err := s.actState(c, update, build)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, actionResp{Ticket: st})
	return nil
}

// actState checks the ticket belongs to the caller's merchant (404 before any workflow is
// touched) and sends the update; the RequestID comes from Idempotency-Key or is generated.
func (s *Server) actState(c *gin.Context, update string, build func(workflows.ActionInput) any) (workflows.State, error) {
	m, err := s.merchant(c)
	if err != nil {
		return workflows.State{}, err
	}
	id, err := ticketID(c)
	if err != nil {
		return workflows.State{}, err
	}
	if _, err := s.d.Store.TicketByID(c.Request.Context(), m, id); err != nil {
		return workflows.State{}, err
	}
	a := s.actor(c)
	base := workflows.ActionInput{RequestID: idempotencyKey(c),
		Actor: workflows.Actor{Kind: workflows.ActorAgent, UserID: a.UserID, Name: a.Name, Role: a.Role}}
	return s.d.Tickets.Act(c.Request.Context(), m, id, update, build(base))
}

// actAudited acts and, once the workflow accepted, writes the audit line before answering
// (a refused update changed nothing and is not audited).
func (s *Server) actAudited(c *gin.Context, update string, build func(workflows.ActionInput) any, e auditEntry) error {
	st, err := s.actState(c, update, build)
	if err != nil {
		return err
	}
	e.Merchant = c.GetUint64(ctxMerchant)
	if err := s.audit(c.Request.Context(), c, e); err != nil {
		return err
	}
	c.JSON(http.StatusOK, actionResp{Ticket: st})
	return nil
}

func (s *Server) actClaim(c *gin.Context) error {
	if err := decodeJSON(c, &struct{}{}, true); err != nil {
		return err
	}
	return s.act(c, workflows.UpdateClaim, func(b workflows.ActionInput) any { return b })
}

func (s *Server) actReopen(c *gin.Context) error {
	if err := decodeJSON(c, &struct{}{}, true); err != nil {
		return err
	}
	return s.act(c, workflows.UpdateReopen, func(b workflows.ActionInput) any { return b })
}

func (s *Server) actAssign(c *gin.Context) error {
	var req assignReq
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	name := ""
	if req.AssigneeID != 0 {
		u, err := s.d.Store.UserByID(c.Request.Context(), req.AssigneeID)
		if err != nil || u.MerchantID == nil || *u.MerchantID != m || !u.Active || len(s.d.RBAC.Roles(u.ID, m)) == 0 {
			return Validation(map[string]string{"assignee_id": "not an active staff member of this merchant"})
		}
		name = u.Name
	}
	return s.actAudited(c, workflows.UpdateAssign, func(b workflows.ActionInput) any {
		return workflows.AssignInput{ActionInput: b, AssigneeID: req.AssigneeID, AssigneeName: name}
	}, auditEntry{Action: AuditAssign, TargetType: "ticket", TargetID: c.Param("ticket"), Data: map[string]uint64{"assignee_id": req.AssigneeID}})
}

func (s *Server) replyLike(c *gin.Context, update string, bodyRequired bool) error {
	var req replyReq
	if err := decodeJSON(c, &req, !bodyRequired); err != nil {
		return err
	}
	fe := fieldErrors{}
	fe.check(bodyRequired && strings.TrimSpace(req.Body) == "", "body", "required")
	fe.check(utf8.RuneCountInString(req.Body) > workflows.MaxBodyLen, "body", fmt.Sprintf("at most %d characters", workflows.MaxBodyLen)) // characters, as the workflow counts
	fe.check(req.SetStatus != "" && !validStatus(req.SetStatus), "set_status", "unknown status")
	if err := fe.err(); err != nil {
		return err
	}
	return s.act(c, update, func(b workflows.ActionInput) any {
		return workflows.ReplyInput{ActionInput: b, Body: req.Body, SetStatus: req.SetStatus}
	})
}

func (s *Server) actReply(c *gin.Context) error { return s.replyLike(c, workflows.UpdateReply, true) }
func (s *Server) actNote(c *gin.Context) error  { return s.replyLike(c, workflows.UpdateNote, true) }
func (s *Server) actResolve(c *gin.Context) error {
	return s.replyLike(c, workflows.UpdateResolve, false)
}

func validStatus(st string) bool {
	switch st {
	case models.StatusNew, models.StatusOpen, models.StatusPendingCustomer, models.StatusPendingInternal, models.StatusResolved, models.StatusClosed:
		return true
	}
	return false
}

func validPriority(p string) bool {
	switch p {
	case models.PriorityLow, models.PriorityNormal, models.PriorityHigh, models.PriorityUrgent:
		return true
	}
	return false
}

func (s *Server) actStatus(c *gin.Context) error {
	var req statusReq
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	if !validStatus(req.Status) {
		return Validation(map[string]string{"status": "unknown status"})
	}
	return s.act(c, workflows.UpdateSetStatus, func(b workflows.ActionInput) any {
		return workflows.StatusInput{ActionInput: b, Status: req.Status}
	})
}

func (s *Server) actPriority(c *gin.Context) error {
	var req priorityReq
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	if !validPriority(req.Priority) {
		return Validation(map[string]string{"priority": "one of low, normal, high, urgent"})
	}
	return s.act(c, workflows.UpdateSetPriority, func(b workflows.ActionInput) any {
		return workflows.PriorityInput{ActionInput: b, Priority: req.Priority}
	})
}

func (s *Server) actEscalate(c *gin.Context) error {
	var req escalateReq
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	fe := fieldErrors{}
	fe.check(req.Delta != 1 && req.Delta != -1, "delta", "must be 1 or -1")
	fe.check(strings.TrimSpace(req.Reason) == "", "reason", "required")
	if err := fe.err(); err != nil {
		return err
	}
	return s.act(c, workflows.UpdateEscalate, func(b workflows.ActionInput) any {
		return workflows.EscalateInput{ActionInput: b, Delta: req.Delta, Reason: req.Reason}
	})
}

func (s *Server) decision(c *gin.Context, update, action string, approve bool) error {
	var req decisionReq
	if err := decodeJSON(c, &req, true); err != nil {
		return err
	}
	fe := fieldErrors{}
	fe.check(!approve && strings.TrimSpace(req.Reason) == "", "reason", "required when refusing")
	fe.check(req.Amount < 0, "amount", "must not be negative")
	fe.check(update == workflows.UpdateRiskDecision && req.Amount != 0, "amount", "only for refunds")
	if err := fe.err(); err != nil {
		return err
	}
	return s.actAudited(c, update, func(b workflows.ActionInput) any {
		return workflows.DecisionInput{ActionInput: b, Approve: approve, Reason: req.Reason, Amount: req.Amount}
	}, auditEntry{Action: action, TargetType: "ticket", TargetID: c.Param("ticket"),
		Data: map[string]any{"approve": approve, "reason": req.Reason, "amount": req.Amount, "role": s.actor(c).Role}})
}

func (s *Server) actRisk(approve bool) Handler {
	return func(c *gin.Context) error {
		return s.decision(c, workflows.UpdateRiskDecision, AuditRiskDecide, approve)
	}
}

func (s *Server) actRefund(approve bool) Handler {
	return func(c *gin.Context) error {
		return s.decision(c, workflows.UpdateRefundDecision, AuditRefundDecide, approve)
	}
}

var queueParams = [][2]string{
	{"queue", "general, risk, refunds, disputes, supervisor"}, {"status", "comma-separated; default: the open statuses"},
	{"priority", "low, normal, high, urgent"}, {"assignee", "me, unassigned or a user id"}, {"breached", "true or false"},
	{"category", "ticket category"}, {"cursor", "from next_cursor"}, {"limit", "1–200, default 50"},
}

type queueResp struct {
	Tickets    []queueItem `json:"tickets"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

type queueItem struct {
	ID              uint64     `json:"id"`
	Ref             string     `json:"ref"`
	Subject         string     `json:"subject"`
	Category        string     `json:"category"`
	Status          string     `json:"status"`
	Priority        string     `json:"priority"`
	Queue           string     `json:"queue"`
	AssigneeID      *uint64    `json:"assignee_id,omitempty"`
	EscalationLevel int        `json:"escalation_level"`
	SLADueAt        *time.Time `json:"sla_due_at,omitempty"`
	SLAState        string     `json:"sla_state,omitempty"`
	Breached        bool       `json:"breached"`
	RiskDecision    string     `json:"risk_decision,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
}

func toQueueItem(t models.Ticket) queueItem {
	return queueItem{ID: t.ID, Ref: t.Ref, Subject: t.Subject, Category: t.Category, Status: t.Status, Priority: t.Priority,
		Queue: t.Queue, AssigneeID: t.AssigneeID, EscalationLevel: t.EscalationLevel, SLADueAt: t.SLADueAt, SLAState: t.SLAState,
		Breached:     t.FirstResponseBreachedAt != nil || t.NextResponseBreachedAt != nil || t.ResolutionBreachedAt != nil,
		RiskDecision: t.RiskDecision, CreatedAt: t.CreatedAt}
}

func (s *Server) queue(c *gin.Context) error {
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	p, _ := principal(c)
	f, err := parseQueueFilter(c, m, p.User.ID)
	if err != nil {
		return err
	}
	ts, next, err := s.d.Store.Queue(c.Request.Context(), f)
	if err != nil {
		return err
	}
	resp := queueResp{Tickets: make([]queueItem, 0, len(ts)), NextCursor: encodeCursor(next)}
	for _, t := range ts {
		resp.Tickets = append(resp.Tickets, toQueueItem(t))
	}
	c.JSON(http.StatusOK, resp)
	return nil
}

// parseQueueFilter reads the queue's query parameters.
func parseQueueFilter(c *gin.Context, merchantID, me uint64) (store.QueueFilter, error) {
	f := store.QueueFilter{MerchantID: merchantID, Queue: c.Query("queue"), Priority: c.Query("priority"), Category: c.Query("category")}
	fe := fieldErrors{}
	if st := c.Query("status"); st != "" {
		for _, x := range strings.Split(st, ",") {
			fe.check(!validStatus(x), "status", "unknown status "+strconv.Quote(x))
			f.Statuses = append(f.Statuses, x)
		}
	}
	fe.check(f.Priority != "" && !validPriority(f.Priority), "priority", "one of low, normal, high, urgent")
	switch a := c.Query("assignee"); a {
	case "":
	case "me":
		f.AssigneeID = &me
	case "unassigned":
		f.Unassigned = true
	default:
		id, err := strconv.ParseUint(a, 10, 64)
		fe.check(err != nil, "assignee", "me, unassigned or a user id")
		f.AssigneeID = &id
	}
	if b := c.Query("breached"); b != "" {
		v, err := strconv.ParseBool(b)
		fe.check(err != nil, "breached", "true or false")
		f.Breached = &v
	}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		fe.check(err != nil || n < 1 || n > 200, "limit", "1 to 200")
		f.Limit = n
	}
	if cur := c.Query("cursor"); cur != "" {
		after, err := decodeCursor(cur)
		fe.check(err != nil, "cursor", "invalid cursor")
		f.After = after
	}
	return f, fe.err()
}

package api

// Dispute (chargeback) endpoints. A gateway's case arrives signed with the merchant's
// integration secret (POST /integrations/disputes, idempotent on the case id) and opens a
// dispute ticket; its workflow builds the evidence report at once and keeps the deadline.
// Staff read the report as JSON or as a printable HTML page, and sign off, submit and
// record the outcome through the ticket's workflow (dispute_action), which checks the
// order of the steps and the roles and writes each step with its audit line.

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/rbac"
	"github.com/keydesk/keydesk/store"
	"github.com/keydesk/keydesk/tickets"
	"github.com/keydesk/keydesk/workflows"
)

// maxEvidenceWindow bounds how far ahead a gateway's evidence deadline may be.
const maxEvidenceWindow = 180 * 24 * time.Hour

// disputeRoutes is the dispute part of paymentRoutes.
func (s *Server) disputeRoutes() []Route {
	read := Perm{rbac.ObjTickets, rbac.ActRead}
	work := Perm{rbac.ObjTickets, rbac.ActWork}
	signed := [][2]string{{HeaderIntegrationMerchant, "merchant slug"}, {HeaderIntegrationTimestamp, "unix seconds (5-minute window)"},
		{HeaderIntegrationSignature, "sha256=<hex HMAC-SHA256(secret, timestamp + \".\" + body)>"}}
	// Sign-off and outcome are supervisors' (the workflow checks the role again); any agent
	// working the ticket may mark signed-off evidence submitted.
	decide := Perm{rbac.ObjDisputes, rbac.ActDecide}
	step := func(verb, summary string, perm Perm, body, example any) Route {
		return Route{Method: http.MethodPost, Path: V1 + "/disputes/:id/" + verb, Access: AccessStaff, Perm: perm, Handler: s.disputeStep(verb),
			Doc: Doc{Tag: "disputes", Summary: summary, Body: body, Example: example, Resp: disputeResp{},
				Headers: [][2]string{{"Idempotency-Key", "request id: a repeated key does not act twice"}}}}
	}
	return []Route{
		{Method: http.MethodPost, Path: V1 + "/integrations/disputes", Access: AccessHMAC, Limit: LimitIntegration, Handler: s.intakeDispute,
			Doc: Doc{Tag: "integrations", Summary: "A chargeback from the payment gateway: opens a dispute ticket (idempotent on case_id)",
				Body: disputeIntake{}, Resp: disputeResp{}, Status: http.StatusCreated, Headers: signed}},
		{Method: http.MethodGet, Path: V1 + "/disputes", Access: AccessStaff, Perm: read, Handler: s.listDisputes,
			Doc: Doc{Tag: "disputes", Summary: "This merchant's disputes, newest first or soonest evidence deadline first (cursor pagination)",
				Resp: disputeListResp{}, Query: disputeListParams}},
		{Method: http.MethodGet, Path: V1 + "/disputes/:id", Access: AccessStaff, Perm: read, Handler: s.getDispute,
			Doc: Doc{Tag: "disputes", Summary: "A dispute with its evidence report", Resp: disputeResp{}}},
		{Method: http.MethodGet, Path: V1 + "/disputes/:id/report", Access: AccessStaff, Perm: read, Handler: s.disputeReportJSON,
			Doc: Doc{Tag: "disputes", Summary: "The evidence report as JSON (download=1: as an attachment)", Resp: activities.EvidenceReport{},
				Query: [][2]string{{"download", "1 to download"}}}},
		{Method: http.MethodGet, Path: V1 + "/disputes/:id/report.html", Access: AccessStaff, Perm: read, Handler: s.disputeReportHTML,
			Doc: Doc{Tag: "disputes", Summary: "The evidence report as a printable HTML page", Raw: "text/html"}},
		step("sign-off", "Supervisor sign-off of the evidence report (audited)", decide, nil, nil),
		step("submit", "Mark the signed-off evidence submitted to the gateway (audited)", work, nil, nil),
		step("outcome", "Record the gateway's decision; lost revokes the order's unrevealed keys (audited)", decide, outcomeReq{}, outcomeReq{Outcome: "won"}),
	}
}

// disputeIntake is the gateway's case, as the shop forwards it.
type disputeIntake struct {
	CaseID        string    `json:"case_id"`
	OrderNo       string    `json:"order_no"`
	Reason        string    `json:"reason"`
	Amount        int64     `json:"amount"`
	Currency      string    `json:"currency"`
	EvidenceDueBy time.Time `json:"evidence_due_by"`
}

type outcomeReq struct {
	Outcome string `json:"outcome"`
}

// disputeView is a dispute without its report.
type disputeView struct {
	ID            uint64     `json:"id"`
	TicketID      uint64     `json:"ticket_id"`
	OrderID       uint64     `json:"order_id"`
	CaseID        string     `json:"case_id"`
	Reason        string     `json:"reason"`
	Amount        int64      `json:"amount"`
	Currency      string     `json:"currency"`
	EvidenceDueBy time.Time  `json:"evidence_due_by"`
	Status        string     `json:"status"`
	SignedOffBy   *uint64    `json:"signed_off_by,omitempty"`
	SignedOffAt   *time.Time `json:"signed_off_at,omitempty"`
	SubmittedAt   *time.Time `json:"submitted_at,omitempty"`
	Outcome       string     `json:"outcome,omitempty"`
	OutcomeAt     *time.Time `json:"outcome_at,omitempty"`
}

type disputeResp struct {
	Dispute   disputeView `json:"dispute"`
	TicketRef string      `json:"ticket_ref,omitempty"`
	OrderNo   string      `json:"order_no,omitempty"`
	// SignedOffByName names the supervisor who signed the report off.
	SignedOffByName string                     `json:"signed_off_by_name,omitempty"`
	Report          *activities.EvidenceReport `json:"report,omitempty"`
	State           *workflows.State           `json:"state,omitempty"`
	Replayed        bool                       `json:"replayed,omitempty"`
}

func toDisputeView(d models.Dispute) disputeView {
	return disputeView{ID: d.ID, TicketID: d.TicketID, OrderID: d.OrderID, CaseID: d.GatewayCaseID, Reason: d.Reason, Amount: d.Amount,
		Currency: d.Currency, EvidenceDueBy: d.EvidenceDueBy.UTC(), Status: d.Status, SignedOffBy: d.SignedOffBy, SignedOffAt: d.SignedOffAt,
		SubmittedAt: d.SubmittedAt, Outcome: d.Outcome, OutcomeAt: d.OutcomeAt}
}

// validate checks the intake's fields (the order is checked against the database after).
func (in *disputeIntake) validate(now time.Time) error {
	in.CaseID, in.OrderNo, in.Reason = strings.TrimSpace(in.CaseID), strings.TrimSpace(in.OrderNo), strings.TrimSpace(in.Reason)
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	fe := fieldErrors{}
	fe.check(in.CaseID == "" || len(in.CaseID) > 120, "case_id", "is required (at most 120 characters)")
	fe.check(in.OrderNo == "" || len(in.OrderNo) > 64, "order_no", "is required (at most 64 characters)")
	fe.check(in.Reason == "" || len(in.Reason) > 500, "reason", "is required (at most 500 characters)")
	fe.check(in.Amount <= 0, "amount", "must be a positive amount in minor units")
	fe.check(len(in.Currency) != 3, "currency", "must be an ISO 4217 code")
	fe.check(in.EvidenceDueBy.IsZero() || !in.EvidenceDueBy.After(now), "evidence_due_by", "must be a future RFC 3339 time")
	fe.check(in.EvidenceDueBy.After(now.Add(maxEvidenceWindow)), "evidence_due_by", "must be within 180 days")
	return fe.err()
}

// intakeDispute opens a dispute ticket for a gateway's case. A case already received is
// answered 200 with the stored dispute (a retry never opens a second ticket: the ticket's
// idempotency key is "dispute:<case id>" and the dispute is unique per case id).
func (s *Server) intakeDispute(c *gin.Context) error {
	m := integrationMerchant(c)
	if m == 0 {
		return errUnauthorized
	}
	var in disputeIntake
	if err := decodeJSON(c, &in, false); err != nil {
		return err
	}
	if err := in.validate(s.now()); err != nil {
		return err
	}
	ctx := c.Request.Context()
	if d, err := s.d.Store.DisputeByCase(ctx, m, in.CaseID); err == nil {
		c.JSON(http.StatusOK, disputeResp{Dispute: toDisputeView(d), Replayed: true})
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	o, err := s.d.Store.OrderByNo(ctx, m, in.OrderNo)
	if errors.Is(err, store.ErrNotFound) {
		return &Error{Status: http.StatusUnprocessableEntity, Code: CodeValidation, Message: "unknown order", Fields: map[string]string{"order_no": "no such order"}}
	}
	if err != nil {
		return err
	}
	if fe := orderMismatch(in, o); fe != nil {
		return fe
	}
	if s.d.Tickets == nil {
		return errors.New("dispute intake: no ticket service configured")
	}
	created, err := s.d.Tickets.Create(ctx, disputeTicket(m, in, o))
	if err != nil {
		return err
	}
	d := models.Dispute{MerchantID: m, TicketID: created.Ticket.ID, OrderID: o.ID, GatewayCaseID: in.CaseID, Reason: in.Reason,
		Amount: in.Amount, Currency: in.Currency, EvidenceDueBy: in.EvidenceDueBy.UTC(), Status: models.DisputeOpen}
	if _, err := s.d.Store.CreateDispute(ctx, &d); err != nil {
		return err
	}
	c.JSON(http.StatusCreated, disputeResp{Dispute: toDisputeView(d), TicketRef: created.Ticket.Ref})
	return nil
}

// orderMismatch refuses a case in another currency or above the order's amount.
func orderMismatch(in disputeIntake, o models.Order) *Error {
	fe := fieldErrors{}
	fe.check(!strings.EqualFold(in.Currency, o.Currency), "currency", "must be the order's currency ("+o.Currency+")")
	fe.check(in.Amount > o.Amount, "amount", fmt.Sprintf("must not exceed the order's amount (%d)", o.Amount))
	if err := fe.err(); err != nil {
		e := err.(*Error)
		e.Status = http.StatusUnprocessableEntity
		return e
	}
	return nil
}

// disputeTicket is the ticket submission of a case: the buyer's ticket, opened by the
// gateway with its notice (a system message; the amount in major units with the currency).
func disputeTicket(m uint64, in disputeIntake, o models.Order) tickets.CreateInput {
	return tickets.CreateInput{MerchantID: m, OrderNo: o.OrderNo, Email: o.BuyerEmail, Contact: o.BuyerContact, Category: "dispute",
		Subject: clip("Chargeback "+in.CaseID+": "+in.Reason, 200),
		Description: fmt.Sprintf("The payment gateway opened chargeback %s on order %s for %s (reason: %s). Evidence is due by %s.",
			in.CaseID, o.OrderNo, models.FormatMoney(in.Amount, in.Currency), in.Reason, in.EvidenceDueBy.UTC().Format(time.RFC3339)),
		Channel: "integration", IdempotencyKey: "dispute:" + in.CaseID, Gateway: true,
		NoticeCode: models.MsgGatewayChargeback, NoticeParams: map[string]string{"case_id": in.CaseID, "order_no": o.OrderNo,
			"amount": strconv.FormatInt(in.Amount, 10), "currency": in.Currency, "reason": in.Reason, "due_by": in.EvidenceDueBy.UTC().Format(time.RFC3339)}}
}

// staffDispute loads :id for the caller's merchant (another merchant's is a 404).
func (s *Server) staffDispute(c *gin.Context) (uint64, models.Dispute, error) {
	m, err := s.merchant(c)
	if err != nil {
		return 0, models.Dispute{}, err
	}
	id, err := refundID(c)
	if err != nil {
		return m, models.Dispute{}, err
	}
	d, err := s.d.Store.DisputeByID(c.Request.Context(), m, id)
	return m, d, err
}

func (s *Server) getDispute(c *gin.Context) error {
	_, d, err := s.staffDispute(c)
	if err != nil {
		return err
	}
	resp := disputeResp{Dispute: toDisputeView(d)}
	if err := s.nameDispute(c.Request.Context(), d, &resp); err != nil {
		return err
	}
	if len(d.Report) > 0 && string(d.Report) != "null" {
		var rep activities.EvidenceReport
		if err := d.Report.Decode(&rep); err != nil {
			return fmt.Errorf("decode evidence report of dispute %d: %w", d.ID, err)
		}
		resp.Report = &rep
	}
	c.JSON(http.StatusOK, resp)
	return nil
}

// nameDispute adds what the staff page shows beside the ids: the ticket's ref, the order
// number and the signer's name (a row gone since is left out, not an error).
func (s *Server) nameDispute(ctx context.Context, d models.Dispute, resp *disputeResp) error {
	if tk, err := s.d.Store.TicketByID(ctx, d.MerchantID, d.TicketID); err == nil {
		resp.TicketRef = tk.Ref
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if o, err := s.d.Store.OrderByID(ctx, d.MerchantID, d.OrderID); err == nil {
		resp.OrderNo = o.OrderNo
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if d.SignedOffBy == nil {
		return nil
	}
	u, err := s.d.Store.UserByID(ctx, *d.SignedOffBy)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	case u.Name != "":
		resp.SignedOffByName = u.Name
	default:
		resp.SignedOffByName = u.Email
	}
	return nil
}

// disputeListParams are the query parameters of GET /disputes.
var disputeListParams = [][2]string{
	{"status", "open, evidence_ready, signed_off, submitted, won, lost, or active (not yet won or lost)"},
	{"ticket_id", "the dispute of this ticket (staff ticket id)"},
	{"sort", "newest (default) or due (soonest evidence deadline first)"},
	{"cursor", "from next_cursor"}, {"limit", "1–200 (default 50)"},
}

// disputeStatuses are the values of the status filter; active means not decided yet.
var disputeStatuses = map[string][]string{
	models.DisputeOpen: {models.DisputeOpen}, models.DisputeReady: {models.DisputeReady}, models.DisputeSignedOff: {models.DisputeSignedOff},
	models.DisputeSubmitted: {models.DisputeSubmitted}, models.DisputeWon: {models.DisputeWon}, models.DisputeLost: {models.DisputeLost},
	"active": {models.DisputeOpen, models.DisputeReady, models.DisputeSignedOff, models.DisputeSubmitted},
}

// disputeItem is one row of the dispute list.
type disputeItem struct {
	disputeView
	OrderNo   string `json:"order_no"`
	TicketRef string `json:"ticket_ref"`
}

type disputeListResp struct {
	Disputes   []disputeItem `json:"disputes"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

func (s *Server) listDisputes(c *gin.Context) error {
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	f, err := disputeFilter(c, m)
	if err != nil {
		return err
	}
	rows, next, err := s.d.Store.ListDisputes(c.Request.Context(), f)
	if err != nil {
		return err
	}
	resp := disputeListResp{Disputes: make([]disputeItem, 0, len(rows))}
	for _, r := range rows {
		resp.Disputes = append(resp.Disputes, disputeItem{disputeView: toDisputeView(r.Dispute), OrderNo: r.OrderNo, TicketRef: r.TicketRef})
	}
	if next != nil {
		resp.NextCursor = encodeDisputeCursor(*next)
	}
	c.JSON(http.StatusOK, resp)
	return nil
}

// disputeFilter reads the list's query parameters (a bad one is a 400 naming it).
func disputeFilter(c *gin.Context, m uint64) (store.DisputeFilter, error) {
	f := store.DisputeFilter{MerchantID: m}
	fe := fieldErrors{}
	if v := c.Query("status"); v != "" {
		f.Statuses = disputeStatuses[v]
		fe.check(f.Statuses == nil, "status", "one of open, evidence_ready, signed_off, submitted, won, lost, active")
	}
	if v := c.Query("ticket_id"); v != "" {
		id, err := strconv.ParseUint(v, 10, 64)
		fe.check(err != nil || id == 0, "ticket_id", "a ticket id")
		f.TicketID = id
	}
	switch v := c.Query("sort"); v {
	case "", "newest":
	case "due":
		f.ByDue = true
	default:
		fe.check(true, "sort", "newest or due")
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		fe.check(err != nil || n < 1 || n > 200, "limit", "1 to 200")
		f.Limit = n
	}
	if v := c.Query("cursor"); v != "" {
		cur, err := decodeDisputeCursor(v)
		fe.check(err != nil, "cursor", "invalid cursor")
		f.After = cur
	}
	return f, fe.err()
}

// encodeDisputeCursor renders the list cursor opaquely: base64url of "<due unix nanos>:<id>".
func encodeDisputeCursor(c store.DisputeCursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.DueBy.UnixNano(), 10) + ":" + strconv.FormatUint(c.ID, 10)))
}

func decodeDisputeCursor(s string) (*store.DisputeCursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("dispute cursor: %w", err)
	}
	due, id, ok := strings.Cut(string(raw), ":")
	if !ok {
		return nil, errors.New("dispute cursor: missing separator")
	}
	n, err := strconv.ParseInt(due, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("dispute cursor due: %w", err)
	}
	c := &store.DisputeCursor{DueBy: time.Unix(0, n).UTC()}
	if c.ID, err = strconv.ParseUint(id, 10, 64); err != nil {
		return nil, fmt.Errorf("dispute cursor id: %w", err)
	}
	return c, nil
}

// errReportNotReady answers a report asked for before it was built.
var errReportNotReady = Errorf(http.StatusConflict, CodeConflict, "the evidence report is not built yet; try again shortly")

func (s *Server) disputeReportJSON(c *gin.Context) error {
	_, d, err := s.staffDispute(c)
	if err != nil {
		return err
	}
	if len(d.Report) == 0 || string(d.Report) == "null" {
		return errReportNotReady
	}
	if c.Query("download") == "1" {
		c.Header("Content-Disposition", `attachment; filename="evidence-`+safeFilename(d.GatewayCaseID)+`.json"`)
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", d.Report)
	return nil
}

// safeFilename keeps letters, digits, '-' and '_' of s.
func safeFilename(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, s)
}

func (s *Server) disputeReportHTML(c *gin.Context) error {
	_, d, err := s.staffDispute(c)
	if err != nil {
		return err
	}
	if len(d.Report) == 0 || string(d.Report) == "null" {
		return errReportNotReady
	}
	var rep activities.EvidenceReport
	if err := d.Report.Decode(&rep); err != nil {
		return fmt.Errorf("decode evidence report of dispute %d: %w", d.ID, err)
	}
	var b strings.Builder
	if err := reportPage.Execute(&b, reportData{R: rep, D: toDisputeView(d)}); err != nil {
		return fmt.Errorf("render evidence report: %w", err)
	}
	c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(b.String()))
	return nil
}

// disputeStep sends one dispute_action to the ticket's workflow and answers the dispute.
func (s *Server) disputeStep(verb string) Handler {
	action := map[string]string{"sign-off": activities.DisputeActionSignOff, "submit": activities.DisputeActionSubmit,
		"outcome": activities.DisputeActionOutcome}[verb]
	return func(c *gin.Context) error {
		var req outcomeReq
		if err := decodeJSON(c, &req, action != activities.DisputeActionOutcome); err != nil {
			return err
		}
		if action == activities.DisputeActionOutcome && req.Outcome != models.DisputeWon && req.Outcome != models.DisputeLost {
			return Validation(map[string]string{"outcome": "must be won or lost"})
		}
		m, d, err := s.staffDispute(c)
		if err != nil {
			return err
		}
		a := s.actor(c)
		in := workflows.DisputeActionInput{
			ActionInput: workflows.ActionInput{RequestID: idempotencyKey(c), Actor: workflows.Actor{Kind: workflows.ActorAgent, UserID: a.UserID, Name: a.Name, Role: a.Role}},
			Action:      action, Outcome: req.Outcome, ActorEmail: a.Email, IP: clip(c.ClientIP(), 64), UserAgent: clip(c.Request.UserAgent(), 300),
		}
		st, err := s.d.Tickets.Act(c.Request.Context(), m, d.TicketID, workflows.UpdateDisputeAction, in)
		if err != nil {
			return err
		}
		if d, err = s.d.Store.DisputeByID(c.Request.Context(), m, d.ID); err != nil {
			return err
		}
		c.JSON(http.StatusOK, disputeResp{Dispute: toDisputeView(d), State: &st})
		return nil
	}
}

type reportData struct {
	R activities.EvidenceReport
	D disputeView
}

// reportPage is the printable evidence report. html/template escapes every value.
var reportPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"money": func(minor int64, cur string) string { return fmt.Sprintf("%d.%02d %s", minor/100, minor%100, cur) },
	"ts": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"tsp": func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
}).Parse(reportHTML))

const reportHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Evidence {{.R.Dispute.CaseID}} — {{.R.Merchant.Name}}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#111}
h1{font-size:1.5rem}h2{font-size:1.1rem;border-bottom:1px solid #999;margin-top:1.6rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0}th,td{border:1px solid #ccc;padding:.25rem .4rem;text-align:left;vertical-align:top}
th{background:#f2f2f2}.muted{color:#555}.pre{white-space:pre-wrap}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}tr{break-inside:avoid}}
</style></head><body>
<h1>Chargeback evidence — case {{.R.Dispute.CaseID}}</h1>
<p class="muted">{{.R.Merchant.Name}} · generated {{ts .R.GeneratedAt}} · status {{.D.Status}}{{if .D.SignedOffAt}} · signed off {{tsp .D.SignedOffAt}}{{end}}{{if .D.SubmittedAt}} · submitted {{tsp .D.SubmittedAt}}{{end}}</p>
<h2>Summary</h2><ul>{{range .R.Summary}}<li>{{.}}</li>{{end}}</ul>
<h2>Dispute</h2><table>
<tr><th>Case</th><td>{{.R.Dispute.CaseID}}</td><th>Reason</th><td>{{.R.Dispute.Reason}}</td></tr>
<tr><th>Amount</th><td>{{money .R.Dispute.Amount .R.Dispute.Currency}}</td><th>Evidence due by</th><td>{{ts .R.Dispute.EvidenceDueBy}}</td></tr></table>
<h2>Order and payment</h2><table>
<tr><th>Order</th><td>{{.R.Order.OrderNo}}</td><th>Product</th><td>{{.R.Order.Quantity}} × {{.R.Order.ProductName}} ({{.R.Order.ProductSKU}})</td></tr>
<tr><th>Amount</th><td>{{money .R.Order.Amount .R.Order.Currency}}</td><th>Paid at</th><td>{{ts .R.Order.PaidAt}}</td></tr>
<tr><th>Payment</th><td>{{.R.Order.PaymentGateway}} {{.R.Order.PaymentRef}}</td><th>Buyer</th><td>{{.R.Order.BuyerEmail}} {{.R.Order.BuyerContact}}</td></tr>
<tr><th>Buyer IP</th><td>{{.R.Order.BuyerIP}}</td><th>Device</th><td>{{.R.Order.DeviceID}}</td></tr></table>
<h2>Keys delivered</h2><table><tr><th>Key</th><th>Masked</th><th>Status</th><th>Delivered</th><th>First revealed</th></tr>
{{range .R.Keys}}<tr><td>#{{.CardKeyID}}</td><td><code>{{.Masked}}</code></td><td>{{.Status}}</td><td>{{tsp .DeliveredAt}}</td><td>{{tsp .FirstRevealedAt}}</td></tr>{{end}}</table>
<h2>Delivery and reveal trail</h2><table><tr><th>Time</th><th>Event</th><th>Key</th><th>IP</th><th>User agent</th><th>Source</th></tr>
{{range .R.KeyEvents}}<tr><td>{{ts .At}}</td><td>{{.Kind}}</td><td>{{if .CardKeyID}}#{{.CardKeyID}}{{end}}</td><td>{{.IP}}</td><td>{{.UserAgent}}</td><td>{{.Source}}</td></tr>{{end}}</table>
<h2>Earlier undisputed orders of this buyer sharing IP or device</h2>
{{if .R.PriorOrders}}<table><tr><th>Order</th><th>Paid at</th><th>Amount</th><th>Status</th><th>Shares</th></tr>
{{range .R.PriorOrders}}<tr><td>{{.OrderNo}}</td><td>{{ts .PaidAt}}</td><td>{{money .Amount .Currency}}</td><td>{{.Status}}</td><td>{{if .SameIP}}IP {{end}}{{if .SameDevice}}device{{end}}</td></tr>{{end}}</table>{{else}}<p class="muted">None.</p>{{end}}
<h2>Replacements (reissues) and refunds</h2>
{{if .R.Reissues}}<table><tr><th>Key</th><th>Delivered</th><th>Ticket</th></tr>{{range .R.Reissues}}<tr><td>#{{.CardKeyID}}</td><td>{{ts .At}}</td><td>{{.TicketID}}</td></tr>{{end}}</table>{{else}}<p class="muted">No reissues.</p>{{end}}
{{if .R.Refunds}}<table><tr><th>Refund</th><th>Amount</th><th>Fee</th><th>Status</th><th>Requested</th></tr>{{range .R.Refunds}}<tr><td>{{.OutRefundNo}}</td><td>{{money .Amount .Currency}}</td><td>{{money .Fee .Currency}}</td><td>{{.Status}}</td><td>{{ts .At}}</td></tr>{{end}}</table>{{else}}<p class="muted">No refunds.</p>{{end}}
<h2>Conversation with the buyer</h2>
{{if .R.Conversation}}<table><tr><th>Time</th><th>From</th><th>Message</th></tr>{{range .R.Conversation}}<tr><td>{{ts .At}}<br><span class="muted">{{.TicketRef}}</span></td><td>{{.AuthorKind}} {{.AuthorName}}</td><td class="pre">{{.Body}}</td></tr>{{end}}</table>{{else}}<p class="muted">No messages.</p>{{end}}
<h2>Terms accepted</h2><p>Accepted with the payment at {{ts .R.Terms.AcceptedAt}}.{{if .R.Terms.URL}} Terms: {{.R.Terms.URL}}{{end}}</p>
{{if .R.Terms.Text}}<blockquote class="pre">{{.R.Terms.Text}}</blockquote>{{end}}
</body></html>`

package api

// Refund endpoints: the payment gateways' status callbacks (POST
// /payments/:gateway/notify, verified by the gateway's own signature), the manual
// gateway's payout confirmation, and a ticket's refunds. Approving or rejecting a refund is
// a ticket action (refund/approve, refund/reject in routes.go): the workflow enforces the
// amount limits.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/payments"
	"github.com/keydesk/keydesk/rbac"
	"github.com/keydesk/keydesk/store"
	"github.com/keydesk/keydesk/workflows"
)

// PaymentsDeps is what the refund and dispute endpoints need beyond the store: the gateway
// registry (to verify notifications) and a way to signal a refund's workflow.
type PaymentsDeps struct {
	Gateways *payments.Registry
	// Signal sends a signal to a running workflow (client.SignalWorkflow with an empty run
	// id). Nil: notifications are stored and the refund workflow finds them by polling.
	Signal func(ctx context.Context, workflowID, signal string, arg any) error
}

// AuditRefundConfirm is the audit action of a manual payout confirmation.
const AuditRefundConfirm = "refund.confirm"

// paymentRoutes is the refund and dispute route group (listed in routeGroups).
func (s *Server) paymentRoutes() []Route {
	read := Perm{rbac.ObjTickets, rbac.ActRead}
	return append([]Route{
		{Method: http.MethodPost, Path: V1 + "/payments/:gateway/notify", Limit: LimitIntegration, Handler: s.paymentNotify,
			Doc: Doc{Tag: "payments", Summary: "A payment gateway reports a refund's status (signed by the gateway; webhook: the merchant's integration secret)",
				Body: payments.Notification{}, Resp: notifyResp{},
				Headers: [][2]string{{payments.HeaderMerchant, "merchant slug (webhook gateway)"}, {payments.HeaderTimestamp, "unix seconds"}, {payments.HeaderSignature, "sha256=<hex HMAC>"}}}},
		{Method: http.MethodPost, Path: V1 + "/refunds/:id/confirm", Access: AccessStaff, Perm: Perm{rbac.ObjRefunds, rbac.ActApprove}, Handler: s.confirmRefund,
			Doc: Doc{Tag: "payments", Summary: "Confirm (or fail) a manual refund payout; supervisor or admin (audited)", Body: confirmReq{},
				Example: confirmReq{Status: "succeeded", Reference: "bank transfer 4711"}, Resp: refundView{}}},
		{Method: http.MethodGet, Path: V1 + "/tickets/:ticket/refunds", Access: AccessStaff, Perm: read, Handler: s.ticketRefunds,
			Doc: Doc{Tag: "payments", Summary: "A ticket's refunds, and the one awaiting approval in its workflow (pending)", Resp: refundsResp{}}},
	}, s.disputeRoutes()...)
}

type notifyResp struct {
	OutRefundNo string `json:"out_refund_no"`
	Status      string `json:"status"`
}

type confirmReq struct {
	Status    string `json:"status"` // succeeded | failed
	Reference string `json:"reference,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// refundView is a refund as staff see it.
type refundView struct {
	ID              uint64  `json:"id"`
	TicketID        uint64  `json:"ticket_id"`
	OrderID         uint64  `json:"order_id"`
	OutRefundNo     string  `json:"out_refund_no"`
	Amount          int64   `json:"amount"`
	Fee             int64   `json:"fee"`
	Currency        string  `json:"currency"`
	Status          string  `json:"status"`
	Gateway         string  `json:"gateway"`
	GatewayRefundID string  `json:"gateway_refund_id,omitempty"`
	FailureReason   string  `json:"failure_reason,omitempty"`
	ApprovedBy      *uint64 `json:"approved_by,omitempty"`
	CreatedAt       string  `json:"created_at"`
}

type refundsResp struct {
	Refunds []refundView `json:"refunds"`
	// Pending is the refund the ticket's workflow holds awaiting a decision (it has no row
	// until it is approved); absent when none awaits one or the workflow did not answer.
	Pending *pendingRefundView `json:"pending,omitempty"`
}

// pendingRefundView is a refund awaiting approval, from the ticket workflow's state:
// what may be refunded, and who may approve it (AgentLimit; SupervisorOnly lists why only a
// supervisor or admin may, whatever the amount).
type pendingRefundView struct {
	Status         string   `json:"status"`
	OrderNo        string   `json:"order_no,omitempty"`
	Currency       string   `json:"currency"`
	Refundable     int64    `json:"refundable"`
	AgentLimit     int64    `json:"agent_limit"`
	WithinWindow   bool     `json:"within_window"`
	WindowEnds     string   `json:"window_ends,omitempty"`
	SupervisorOnly []string `json:"supervisor_only,omitempty"`
	RiskScore      int      `json:"risk_score"`
	RiskDecision   string   `json:"risk_decision,omitempty"`
	FeePolicy      string   `json:"fee_policy,omitempty"`
	FeeBps         int      `json:"fee_bps,omitempty"`
	Gateway        string   `json:"gateway,omitempty"`
	// AgentMayApprove is true when an agent may approve it (up to AgentLimit).
	AgentMayApprove bool `json:"agent_may_approve"`
}

// pendingRefund is the workflow state's refund when a decision on it is possible (awaiting
// approval, or failed or stuck and so open to another attempt), nil otherwise.
func pendingRefund(rf *workflows.RefundState) *pendingRefundView {
	if rf == nil || (rf.Status != workflows.RefundPendingApproval && rf.Status != workflows.RefundFailed && rf.Status != workflows.RefundStuck) {
		return nil
	}
	v := &pendingRefundView{Status: rf.Status, OrderNo: rf.OrderNo, Currency: rf.Currency, Refundable: rf.Refundable, AgentLimit: rf.AgentLimit,
		WithinWindow: rf.WithinWindow, SupervisorOnly: rf.SupervisorOnly, RiskScore: rf.RiskScore, RiskDecision: rf.RiskDecision,
		FeePolicy: rf.FeePolicy, FeeBps: rf.FeeBps, Gateway: rf.Gateway,
		AgentMayApprove: len(rf.SupervisorOnly) == 0 && rf.AgentLimit > 0}
	if !rf.WindowEnds.IsZero() {
		v.WindowEnds = rf.WindowEnds.UTC().Format(time.RFC3339)
	}
	return v
}

func toRefundView(r models.Refund) refundView {
	return refundView{ID: r.ID, TicketID: r.TicketID, OrderID: r.OrderID, OutRefundNo: r.OutRefundNo, Amount: r.Amount, Fee: r.Fee,
		Currency: r.Currency, Status: r.Status, Gateway: r.Gateway, GatewayRefundID: r.GatewayRefundID, FailureReason: r.FailureReason,
		ApprovedBy: r.ApprovedBy, CreatedAt: r.CreatedAt.UTC().Format("2006-01-02T15:04:05Z07:00")}
}

// gatewayStatus maps a gateway status to the refunds row's.
var gatewayStatus = map[payments.Status]string{
	payments.StatusPending: models.RefundSubmitted, payments.StatusSucceeded: models.RefundSucceeded, payments.StatusFailed: models.RefundFailed,
}

// paymentNotify stores a gateway's verified notification and wakes the refund's workflow.
// The row only moves forward, so a repeated or late notification changes nothing. Unknown
// gateways and refunds, and refunds of another gateway or merchant, are 404; a bad
// signature is 401.
func (s *Server) paymentNotify(c *gin.Context) error {
	ctx := c.Request.Context()
	name := c.Param("gateway")
	merchantID, err := s.notifyMerchant(c)
	if err != nil {
		return err
	}
	gw, err := s.d.Payments.Gateways.Gateway(ctx, merchantID, name)
	if err != nil {
		return errNotFound
	}
	n, err := gw.ParseNotification(c.Request)
	switch {
	case errors.Is(err, payments.ErrBadSignature):
		return errBadNotification
	case errors.Is(err, payments.ErrNotSupported):
		return errNotFound
	case err != nil:
		return Validation(map[string]string{"body": err.Error()})
	}
	r, err := ApplyRefundNotification(ctx, s.d.Store, s.d.Payments.Signal, name, merchantID, n, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, notifyResp{OutRefundNo: r.OutRefundNo, Status: r.Status})
	return nil
}

// notifyMerchant resolves the merchant a notification names (X-Keydesk-Merchant), 0 when
// none; an unknown merchant is 401 like any bad signature.
func (s *Server) notifyMerchant(c *gin.Context) (uint64, error) {
	if s.d.Payments.Gateways == nil {
		return 0, errNotFound
	}
	slug := c.GetHeader(payments.HeaderMerchant)
	if slug == "" {
		return 0, nil
	}
	m, err := s.d.Store.MerchantBySlug(c.Request.Context(), slug)
	if errors.Is(err, store.ErrNotFound) {
		return 0, errBadNotification
	}
	return m.ID, err
}

// ApplyRefundNotification stores a verified gateway notification on its refunds row (only
// forward: a repeated or late one changes nothing) and wakes the refund's workflow. A
// refund that is unknown, of another gateway, or (merchantID != 0) of another merchant is
// ErrNotFound. The notify endpoint uses it, and so can an in-process simulator's Notify.
func ApplyRefundNotification(ctx context.Context, st *store.Store, signal func(context.Context, string, string, any) error,
	gateway string, merchantID uint64, n payments.Notification, now time.Time) (models.Refund, error) {
	r, err := st.RefundByOutNo(ctx, n.OutRefundNo)
	if err != nil {
		return r, err
	}
	if r.Gateway != gateway || (merchantID != 0 && r.MerchantID != merchantID) {
		return r, fmt.Errorf("refund %s of gateway %s: %w", n.OutRefundNo, gateway, store.ErrNotFound)
	}
	if to := gatewayStatus[n.Status]; to != r.Status && !store.RefundFinal(r.Status) {
		if r, err = recordRefundStatus(ctx, st, r, store.RefundUpdate{Status: to, GatewayRefundID: n.GatewayRefundID, Reason: n.Reason, At: now}); err != nil {
			return r, err
		}
	}
	signalRefund(ctx, signal, r.OutRefundNo)
	return r, nil
}

// recordRefundStatus moves the row forward and, when the refund succeeded, applies it to the
// order at once (refunded amount, status, unrevealed keys revoked). The refund's workflow
// does the same when it wakes (it is idempotent), but a refund whose workflow already gave
// up waiting must not leave the buyer with both the money and the keys.
func recordRefundStatus(ctx context.Context, st *store.Store, r models.Refund, u store.RefundUpdate) (models.Refund, error) {
	r, changed, err := st.UpdateRefundStatus(ctx, r.OutRefundNo, u)
	if err != nil || !changed || r.Status != models.RefundSucceeded {
		return r, err
	}
	if _, err := st.ApplyRefundsToOrder(ctx, r.MerchantID, r.OrderID, u.At); err != nil {
		return r, fmt.Errorf("apply refund %s to its order: %w", r.OutRefundNo, err)
	}
	return r, nil
}

// signalRefund wakes the refund's workflow; a failure only delays it to its next poll.
func signalRefund(ctx context.Context, signal func(context.Context, string, string, any) error, outRefundNo string) {
	if signal == nil {
		return
	}
	if err := signal(ctx, workflows.RefundWorkflowID(outRefundNo), workflows.SignalRefundStatus, nil); err != nil {
		slog.WarnContext(ctx, "refund workflow not signalled; it will poll", "out_refund_no", outRefundNo, "err", err)
	}
}

// refundID parses :id.
func refundID(c *gin.Context) (uint64, error) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil || id == 0 {
		return 0, errNotFound
	}
	return id, nil
}

// confirmRefund records that a manual payout was made (or could not be): only for the
// manual gateway, by a supervisor or admin, audited; the refund's workflow then applies it.
func (s *Server) confirmRefund(c *gin.Context) error {
	var req confirmReq
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	fe := fieldErrors{}
	fe.check(req.Status != models.RefundSucceeded && req.Status != models.RefundFailed, "status", "must be succeeded or failed")
	fe.check(req.Status == models.RefundFailed && strings.TrimSpace(req.Reason) == "", "reason", "required when the payout failed")
	fe.check(len(req.Reference) > 128, "reference", "must be at most 128 characters")
	fe.check(len(req.Reason) > 500, "reason", "must be at most 500 characters")
	if err := fe.err(); err != nil {
		return err
	}
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	id, err := refundID(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	r, err := s.d.Store.RefundByID(ctx, m, id)
	if err != nil {
		return err
	}
	if role := s.actor(c).Role; role != rbac.RoleSupervisor && role != rbac.RoleAdmin {
		return errForbidden
	}
	if r.Gateway != payments.ManualName || store.RefundFinal(r.Status) {
		return Errorf(http.StatusConflict, CodeConflict, "only a pending manual refund can be confirmed (this one is %s via %s)", r.Status, r.Gateway)
	}
	err = s.d.Store.InTx(ctx, func(ctx context.Context) error {
		var err error
		r, err = recordRefundStatus(ctx, s.d.Store, r, store.RefundUpdate{Status: req.Status, GatewayRefundID: req.Reference, Reason: req.Reason, At: s.now()})
		if err != nil {
			return err
		}
		return s.audit(ctx, c, auditEntry{Action: AuditRefundConfirm, TargetType: "refund", TargetID: uitoa(r.ID), Merchant: m,
			Data: map[string]any{"out_refund_no": r.OutRefundNo, "status": req.Status, "reference": req.Reference, "reason": req.Reason}})
	})
	if err != nil {
		return err
	}
	signalRefund(ctx, s.d.Payments.Signal, r.OutRefundNo)
	c.JSON(http.StatusOK, toRefundView(r))
	return nil
}

// ticketRefunds lists a ticket's refunds (404 for another merchant's ticket) and, from the
// live workflow, the refund awaiting a decision (which has no row yet).
func (s *Server) ticketRefunds(c *gin.Context) error {
	t, err := s.pathTicket(c)
	if err != nil {
		return err
	}
	ctx, m, id := c.Request.Context(), t.MerchantID, t.ID
	rs, err := s.d.Store.RefundsByTicket(ctx, m, id)
	if err != nil {
		return err
	}
	out := refundsResp{Refunds: make([]refundView, 0, len(rs))}
	for _, r := range rs {
		out.Refunds = append(out.Refunds, toRefundView(r))
	}
	if s.d.Tickets != nil {
		if st, err := s.d.Tickets.State(ctx, m, id); err == nil {
			out.Pending = pendingRefund(st.Refund)
		} else {
			s.log.WarnContext(ctx, "ticket state unavailable; refunds without the pending one", "ticket", id, "err", err)
		}
	}
	c.JSON(http.StatusOK, out)
	return nil
}

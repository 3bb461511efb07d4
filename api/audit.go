package api

import (
	"context"
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/models"
)

// Audit actions written by the API.
const (
	AuditLoginSuccess  = "login.success"
	AuditLoginFailure  = "login.failure"
	AuditLoginLocked   = "login.locked"
	AuditLogout        = "logout"
	AuditPassword      = "password.change"
	AuditPasswordReset = "password.reset"
	AuditKeyReveal     = "key.reveal"
	AuditRefundDecide  = "refund.decision"
	AuditRiskDecide    = "risk.decision"
	AuditAssign        = "ticket.assign"
	AuditUserCreate    = "user.create"
	AuditUserUpdate    = "user.update"
	AuditUserDelete    = "user.delete"
	AuditRoleGrant     = "role.grant"
	AuditRoleRevoke    = "role.revoke"
)

// auditEntry is one audit line before the request context fills in who, where and when.
type auditEntry struct {
	Action     string
	TargetType string
	TargetID   string
	Merchant   uint64 // 0: platform / none
	ActorID    uint64 // 0: the signed-in caller (if any)
	ActorEmail string
	Data       any
}

// audit writes one audit line with the caller's identity, IP and user agent. A privileged
// action whose audit line cannot be written fails (callers write it before answering).
func (s *Server) audit(ctx context.Context, c *gin.Context, e auditEntry) error {
	row := models.AuditEntry{
		Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID,
		IP: clip(c.ClientIP(), 64), UserAgent: clip(c.Request.UserAgent(), 300),
		CreatedAt: s.now(),
	}
	if p, ok := principal(c); ok && e.ActorID == 0 {
		e.ActorID, e.ActorEmail = p.User.ID, p.User.Email
	}
	if e.ActorID != 0 {
		id := e.ActorID
		row.ActorID = &id
	}
	row.ActorEmail = clip(e.ActorEmail, 254)
	if e.Merchant != 0 {
		m := e.Merchant
		row.MerchantID = &m
	}
	if e.Data != nil {
		row.Data = models.MustJSON(e.Data)
	}
	if err := s.d.Store.AddAudit(ctx, &row); err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

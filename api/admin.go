package api

import (
	"context"
	"errors"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/internal/auth"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/rbac"
	"github.com/keydesk/keydesk/store"
)

type usersResp struct {
	Users []userView `json:"users"`
}

type createUserReq struct {
	Email string   `json:"email"`
	Name  string   `json:"name"`
	Roles []string `json:"roles"`
}

type createUserResp struct {
	User userView `json:"user"`
	// Password is generated and shown this once.
	Password string `json:"password"`
}

type updateUserReq struct {
	Name   *string `json:"name,omitempty"`
	Active *bool   `json:"active,omitempty"`
}

type auditResp struct {
	Entries    []auditView `json:"entries"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

// auditView is one audit line as the API shows it.
type auditView struct {
	ID         uint64      `json:"id"`
	MerchantID *uint64     `json:"merchant_id"`
	ActorID    *uint64     `json:"actor_id"`
	ActorEmail string      `json:"actor_email,omitempty"`
	Action     string      `json:"action"`
	TargetType string      `json:"target_type,omitempty"`
	TargetID   string      `json:"target_id,omitempty"`
	IP         string      `json:"ip,omitempty"`
	UserAgent  string      `json:"user_agent,omitempty"`
	Data       models.JSON `json:"data,omitempty"`
	CreatedAt  time.Time   `json:"created_at"`
}

func (s *Server) listUsers(c *gin.Context) error {
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	us, err := s.d.Store.ListUsers(c.Request.Context(), m)
	if err != nil {
		return err
	}
	resp := usersResp{Users: make([]userView, 0, len(us))}
	for _, u := range us {
		resp.Users = append(resp.Users, s.userView(u))
	}
	c.JSON(http.StatusOK, resp)
	return nil
}

func (s *Server) createUser(c *gin.Context) error {
	var req createUserReq
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	fe := fieldErrors{}
	addr, err := mail.ParseAddress(req.Email)
	fe.check(err != nil || addr.Address != strings.TrimSpace(req.Email) || len(req.Email) > 254, "email", "a valid email address")
	fe.check(strings.TrimSpace(req.Name) == "" || len(req.Name) > 200, "name", "required, at most 200 characters")
	for _, r := range req.Roles {
		fe.check(!rbac.ValidRole(r), "roles", "unknown role "+strconv.Quote(r))
	}
	if err := fe.err(); err != nil {
		return err
	}
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	pw := auth.GeneratePassword()
	hash, err := s.d.Auth.HashPassword(pw)
	if err != nil {
		return err
	}
	u := models.User{MerchantID: &m, Email: req.Email, Name: req.Name, PasswordHash: hash, Active: true}
	ctx := c.Request.Context()
	err = s.d.Store.InTx(ctx, func(ctx context.Context) error {
		if err := s.d.Store.CreateUser(ctx, &u); err != nil {
			return err
		}
		return s.audit(ctx, c, auditEntry{Action: AuditUserCreate, TargetType: "user", TargetID: uitoa(u.ID), Merchant: m,
			Data: map[string]any{"email": u.Email, "roles": req.Roles}})
	})
	if errors.Is(err, store.ErrDuplicate) {
		// E-mails are unique per merchant: only this shop's own users can clash, so the
		// answer says nothing about other merchants' staff.
		return Validation(map[string]string{"email": "another user of this shop has this e-mail"})
	}
	if err != nil {
		return err
	}
	for _, r := range req.Roles {
		if err := s.grant(c, u.ID, r, m); err != nil {
			return err
		}
	}
	c.JSON(http.StatusCreated, createUserResp{User: s.userView(u), Password: pw})
	return nil
}

// targetUser loads :id within the caller's merchant (404 for another merchant's user).
func (s *Server) targetUser(c *gin.Context) (models.User, uint64, error) {
	m, err := s.merchant(c)
	if err != nil {
		return models.User{}, 0, err
	}
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		return models.User{}, 0, errNotFound
	}
	u, err := s.d.Store.UserByID(c.Request.Context(), id)
	if err != nil {
		return models.User{}, 0, err
	}
	if u.MerchantID == nil || *u.MerchantID != m {
		return models.User{}, 0, errNotFound
	}
	return u, m, nil
}

func (s *Server) getUser(c *gin.Context) error {
	u, _, err := s.targetUser(c)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, s.userView(u))
	return nil
}

func (s *Server) updateUser(c *gin.Context) error {
	var req updateUserReq
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	if req.Name != nil && (strings.TrimSpace(*req.Name) == "" || len(*req.Name) > 200) {
		return Validation(map[string]string{"name": "required, at most 200 characters"})
	}
	u, m, err := s.targetUser(c)
	if err != nil {
		return err
	}
	p, _ := principal(c)
	if req.Active != nil && !*req.Active && u.ID == p.User.ID {
		return Validation(map[string]string{"active": "you cannot deactivate yourself"})
	}
	var out models.User
	err = s.d.Store.InTx(c.Request.Context(), func(ctx context.Context) error {
		var err error
		if out, err = s.d.Store.UpdateUser(ctx, m, u.ID, store.UserUpdate{Name: req.Name, Active: req.Active}); err != nil {
			return err
		}
		return s.audit(ctx, c, auditEntry{Action: AuditUserUpdate, TargetType: "user", TargetID: uitoa(u.ID), Merchant: m, Data: req})
	})
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, s.userView(out))
	return nil
}

func (s *Server) deleteUser(c *gin.Context) error {
	u, m, err := s.targetUser(c)
	if err != nil {
		return err
	}
	if p, _ := principal(c); u.ID == p.User.ID {
		return Validation(map[string]string{"id": "you cannot delete yourself"})
	}
	err = s.d.Store.InTx(c.Request.Context(), func(ctx context.Context) error {
		if err := s.d.Store.DeleteUser(ctx, m, u.ID); err != nil {
			return err
		}
		return s.audit(ctx, c, auditEntry{Action: AuditUserDelete, TargetType: "user", TargetID: uitoa(u.ID), Merchant: m,
			Data: map[string]string{"email": u.Email}})
	})
	if err != nil {
		return err
	}
	if err := s.d.RBAC.RevokeAll(c.Request.Context(), u.ID); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (s *Server) resetPassword(c *gin.Context) error {
	if err := decodeJSON(c, &struct{}{}, true); err != nil {
		return err
	}
	u, m, err := s.targetUser(c)
	if err != nil {
		return err
	}
	pw := auth.GeneratePassword()
	if err := s.d.Auth.SetPassword(c.Request.Context(), u.ID, pw); err != nil {
		return err
	}
	if err := s.audit(c.Request.Context(), c, auditEntry{Action: AuditPasswordReset, TargetType: "user", TargetID: uitoa(u.ID), Merchant: m}); err != nil {
		return err
	}
	c.JSON(http.StatusOK, createUserResp{User: s.userView(u), Password: pw})
	return nil
}

// grant gives a role and audits it; grants only ever apply in the caller's merchant.
func (s *Server) grant(c *gin.Context, userID uint64, role string, m uint64) error {
	if err := s.d.RBAC.Grant(c.Request.Context(), userID, role, m); err != nil {
		return err
	}
	return s.audit(c.Request.Context(), c, auditEntry{Action: AuditRoleGrant, TargetType: "user", TargetID: uitoa(userID), Merchant: m,
		Data: map[string]string{"role": role}})
}

func (s *Server) grantRole(c *gin.Context) error {
	role := c.Param("role")
	if !rbac.ValidRole(role) {
		return Validation(map[string]string{"role": "one of " + strings.Join(rbac.AllRoles, ", ")})
	}
	u, m, err := s.targetUser(c)
	if err != nil {
		return err
	}
	if err := s.grant(c, u.ID, role, m); err != nil {
		return err
	}
	c.JSON(http.StatusOK, s.userView(u))
	return nil
}

func (s *Server) revokeRole(c *gin.Context) error {
	role := c.Param("role")
	if !rbac.ValidRole(role) {
		return Validation(map[string]string{"role": "one of " + strings.Join(rbac.AllRoles, ", ")})
	}
	u, m, err := s.targetUser(c)
	if err != nil {
		return err
	}
	if p, _ := principal(c); u.ID == p.User.ID && role == rbac.RoleAdmin {
		return Validation(map[string]string{"role": "you cannot revoke your own admin role"})
	}
	if err := s.d.RBAC.Revoke(c.Request.Context(), u.ID, role, m); err != nil {
		return err
	}
	if err := s.audit(c.Request.Context(), c, auditEntry{Action: AuditRoleRevoke, TargetType: "user", TargetID: uitoa(u.ID), Merchant: m,
		Data: map[string]string{"role": role}}); err != nil {
		return err
	}
	c.JSON(http.StatusOK, s.userView(u))
	return nil
}

func (s *Server) listAudit(c *gin.Context) error {
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	f := store.AuditFilter{MerchantID: &m, Action: c.Query("action"), TargetType: c.Query("target_type"), TargetID: c.Query("target_id")}
	fe := fieldErrors{}
	if a := c.Query("actor_id"); a != "" {
		id, err := strconv.ParseUint(a, 10, 64)
		fe.check(err != nil, "actor_id", "a user id")
		f.ActorID = &id
	}
	for _, tp := range []struct {
		name string
		dst  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := c.Query(tp.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			fe.check(err != nil, tp.name, "RFC 3339 time")
			*tp.dst = t
		}
	}
	if v := c.Query("cursor"); v != "" {
		id, err := strconv.ParseUint(v, 10, 64)
		fe.check(err != nil, "cursor", "invalid cursor")
		f.BeforeID = id
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		fe.check(err != nil || n < 1 || n > 200, "limit", "1 to 200")
		f.Limit = n
	}
	if err := fe.err(); err != nil {
		return err
	}
	es, more, err := s.d.Store.ListAudit(c.Request.Context(), f)
	if err != nil {
		return err
	}
	resp := auditResp{Entries: make([]auditView, 0, len(es))}
	for _, a := range es {
		resp.Entries = append(resp.Entries, auditView{ID: a.ID, MerchantID: a.MerchantID, ActorID: a.ActorID, ActorEmail: a.ActorEmail,
			Action: a.Action, TargetType: a.TargetType, TargetID: a.TargetID, IP: a.IP, UserAgent: a.UserAgent, Data: a.Data, CreatedAt: a.CreatedAt})
	}
	if more {
		resp.NextCursor = uitoa(es[len(es)-1].ID)
	}
	c.JSON(http.StatusOK, resp)
	return nil
}

package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/internal/auth"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/rbac"
)

type loginReq struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type loginResp struct {
	auth.Tokens
	User userView `json:"user"`
}

type refreshReq struct {
	RefreshToken string `json:"refresh_token"`
}

type logoutReq struct {
	RefreshToken string `json:"refresh_token,omitempty"`
	Everywhere   bool   `json:"everywhere,omitempty"`
}

type passwordReq struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

type meResp struct {
	User        userView `json:"user"`
	MerchantID  uint64   `json:"merchant_id"`
	Permissions []string `json:"permissions"`
}

// userView is a user as the API shows it: never the password hash.
type userView struct {
	ID         uint64       `json:"id"`
	MerchantID *uint64      `json:"merchant_id"`
	Email      string       `json:"email"`
	Name       string       `json:"name"`
	Active     bool         `json:"active"`
	Locked     bool         `json:"locked"`
	LastLogin  *time.Time   `json:"last_login_at,omitempty"`
	Roles      []string     `json:"roles"`
	Grants     []rbac.Grant `json:"grants,omitempty"`
	CreatedAt  time.Time    `json:"created_at"`
}

func (s *Server) userView(u models.User) userView {
	var m uint64
	if u.MerchantID != nil {
		m = *u.MerchantID
	}
	roles := s.d.RBAC.Roles(u.ID, m)
	if roles == nil {
		roles = []string{}
	}
	return userView{
		ID: u.ID, MerchantID: u.MerchantID, Email: u.Email, Name: u.Name, Active: u.Active,
		Locked: u.LockedUntil != nil && u.LockedUntil.After(s.now()), LastLogin: u.LastLoginAt,
		Roles: roles, CreatedAt: u.CreatedAt,
	}
}

func (s *Server) login(c *gin.Context) error {
	var req loginReq
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	fe := fieldErrors{}
	fe.check(strings.TrimSpace(req.Email) == "", "email", "required")
	fe.check(req.Password == "", "password", "required")
	if err := fe.err(); err != nil {
		return err
	}
	ctx := c.Request.Context()
	toks, res, err := s.d.Auth.Login(ctx, req.Email, req.Password, c.ClientIP(), c.Request.UserAgent())
	if aerr := s.auditLogin(ctx, c, req.Email, res, err); aerr != nil {
		return aerr
	}
	if errors.Is(err, auth.ErrInvalidCredentials) || errors.Is(err, auth.ErrLocked) {
		// One answer for unknown email, wrong password, inactive and locked accounts.
		return Errorf(http.StatusUnauthorized, CodeBadCredentials, "invalid email or password, or the account is temporarily locked")
	}
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, loginResp{Tokens: toks, User: s.userView(res.User)})
	return nil
}

func (s *Server) auditLogin(ctx context.Context, c *gin.Context, email string, res auth.LoginResult, err error) error {
	e := auditEntry{Action: AuditLoginSuccess, TargetType: "user", ActorID: res.User.ID, ActorEmail: email}
	if res.User.MerchantID != nil {
		e.Merchant = *res.User.MerchantID
	}
	if res.User.ID != 0 {
		e.TargetID = uitoa(res.User.ID)
	}
	switch {
	case errors.Is(err, auth.ErrLocked):
		e.Action, e.Data = AuditLoginFailure, map[string]string{"reason": "locked"}
	case res.LockedNow:
		e.Action, e.Data = AuditLoginLocked, map[string]string{"reason": "too many failures"}
	case errors.Is(err, auth.ErrInvalidCredentials):
		e.Action, e.Data = AuditLoginFailure, map[string]string{"reason": "invalid credentials"}
	case err != nil:
		return nil // an infrastructure failure is logged, not audited
	}
	return s.audit(ctx, c, e)
}

func (s *Server) refresh(c *gin.Context) error {
	var req refreshReq
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	if req.RefreshToken == "" {
		return Validation(map[string]string{"refresh_token": "required"})
	}
	toks, u, err := s.d.Auth.Refresh(c.Request.Context(), req.RefreshToken, c.ClientIP(), c.Request.UserAgent())
	if errors.Is(err, auth.ErrInvalidToken) {
		return errUnauthorized
	}
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, loginResp{Tokens: toks, User: s.userView(u)})
	return nil
}

func (s *Server) logout(c *gin.Context) error {
	var req logoutReq
	if err := decodeJSON(c, &req, true); err != nil {
		return err
	}
	p, _ := principal(c)
	if err := s.d.Auth.LogoutPrincipal(c.Request.Context(), p, req.RefreshToken, req.Everywhere); err != nil {
		return err
	}
	if err := s.audit(c.Request.Context(), c, auditEntry{Action: AuditLogout, TargetType: "user", TargetID: uitoa(p.User.ID),
		Merchant: p.MerchantID, Data: map[string]bool{"everywhere": req.Everywhere}}); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (s *Server) changePassword(c *gin.Context) error {
	var req passwordReq
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	fe := fieldErrors{}
	fe.check(req.CurrentPassword == "", "current_password", "required")
	fe.check(auth.CheckStrength(req.NewPassword) != nil, "new_password", auth.ErrWeakPassword.Error())
	if err := fe.err(); err != nil {
		return err
	}
	p, _ := principal(c)
	err := s.d.Auth.ChangePassword(c.Request.Context(), p.User.ID, req.CurrentPassword, req.NewPassword)
	if errors.Is(err, auth.ErrInvalidCredentials) {
		return Validation(map[string]string{"current_password": "does not match"})
	}
	if errors.Is(err, auth.ErrSamePassword) {
		return Validation(map[string]string{"new_password": auth.ErrSamePassword.Error()})
	}
	if err != nil {
		return err
	}
	if err := s.audit(c.Request.Context(), c, auditEntry{Action: AuditPassword, TargetType: "user", TargetID: uitoa(p.User.ID), Merchant: p.MerchantID}); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (s *Server) me(c *gin.Context) error {
	p, _ := principal(c)
	m := c.GetUint64(ctxMerchant)
	perms := []string{}
	for _, rt := range s.Routes() { // the permissions this caller holds, from the route table
		if rt.Perm.Obj != "" && s.d.RBAC.Can(p.User.ID, m, rt.Perm.Obj, rt.Perm.Act) && !contains(perms, rt.Perm.String()) {
			perms = append(perms, rt.Perm.String())
		}
	}
	uv := s.userView(p.User)
	uv.Roles = nonNil(s.d.RBAC.Roles(p.User.ID, m))
	c.JSON(http.StatusOK, meResp{User: uv, MerchantID: m, Permissions: perms})
	return nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

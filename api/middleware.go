package api

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/internal/auth"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

const (
	ctxRequestID = "keydesk.request_id"
	ctxPrincipal = "keydesk.principal"
	ctxMerchant  = "keydesk.merchant"
	ctxTicket    = "keydesk.ticket"
	// ctxStaffTicketID is the id of a ticket a staff route named by its public ref.
	ctxStaffTicketID = "keydesk.staff_ticket_id"
)

// HeaderRequestID carries the request id both ways.
const HeaderRequestID = "X-Request-ID"

// HeaderMerchant lets a platform user choose the merchant they act on.
const HeaderMerchant = "X-Keydesk-Merchant-ID"

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) requestIDMiddleware(c *gin.Context) {
	id := c.GetHeader(HeaderRequestID)
	if !requestIDPattern.MatchString(id) {
		id = newID()
	}
	c.Set(ctxRequestID, id)
	c.Header(HeaderRequestID, id)
	c.Next()
}

func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

// accessLog logs one line per request: the route template (never the raw path or query, which
// may carry ticket refs and tokens), status, duration, client IP and request id.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	level := slog.LevelInfo
	switch {
	case route == "/healthz" || route == "/readyz" || route == "/metrics":
		level = slog.LevelDebug // probes and scrapes
	case c.Writer.Status() >= 500:
		level = slog.LevelError
	}
	s.log.Log(c.Request.Context(), level, "http", "method", c.Request.Method, "route", route, "status", c.Writer.Status(),
		"duration_ms", float64(time.Since(start).Microseconds())/1000, "ip", c.ClientIP(), "request_id", requestID(c))
}

func (s *Server) recoverMiddleware(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			s.log.ErrorContext(c.Request.Context(), "panic in handler", "route", c.FullPath(), "request_id", requestID(c), "panic", r)
			s.writeError(c, Errorf(http.StatusInternalServerError, CodeInternal, "internal error"))
		}
	}()
	c.Next()
}

// bodyLimitMiddleware answers 413 at once for a declared oversized body and caps every body
// at the route's MaxBody (default MaxBodyBytes) for readers (decodeJSON turns the cap into 413).
// Gin has matched the route before middleware runs, so c.FullPath() names it.
func (s *Server) bodyLimitMiddleware(c *gin.Context) {
	limit := int64(MaxBodyBytes)
	if n, ok := s.maxBody[c.Request.Method+" "+c.FullPath()]; ok {
		limit = n
	}
	if c.Request.ContentLength > limit {
		s.writeError(c, errTooLarge)
		return
	}
	if c.Request.Body != nil {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	}
	c.Next()
}

// authorize enforces the route's Access and Perm before its handler runs.
func (s *Server) authorize(rt Route) gin.HandlerFunc {
	return func(c *gin.Context) {
		var err error
		switch rt.Access {
		case AccessPublic:
		case AccessTicket:
			err = s.authTicket(c)
		case AccessStaff:
			err = s.authStaff(c, rt.Perm)
		case AccessTicketOrStaff:
			if looksLikeJWT(bearer(c)) {
				err = s.authStaff(c, rt.Perm)
			} else {
				err = s.authTicket(c)
			}
		case AccessHMAC:
			err = s.authHMAC(c)
		default:
			err = errForbidden
		}
		if err != nil {
			s.writeError(c, err)
			return
		}
		c.Next()
	}
}

func bearer(c *gin.Context) string {
	h := c.GetHeader("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

func looksLikeJWT(tok string) bool { return strings.Count(tok, ".") == 2 }

// authStaff verifies the JWT, resolves the acting merchant and checks perm with Casbin.
func (s *Server) authStaff(c *gin.Context, perm Perm) error {
	tok := bearer(c)
	if tok == "" {
		return errUnauthorized
	}
	p, err := s.d.Auth.Verify(c.Request.Context(), tok)
	if errors.Is(err, auth.ErrInvalidToken) {
		return errUnauthorized
	}
	if err != nil {
		return err
	}
	merchant := p.MerchantID
	if merchant == 0 { // platform user: acts on the merchant they name, else platform-wide
		if h := c.GetHeader(HeaderMerchant); h != "" {
			merchant, err = strconv.ParseUint(h, 10, 64)
			if err != nil {
				return Validation(map[string]string{HeaderMerchant: "must be a merchant id"})
			}
		}
	}
	c.Set(ctxPrincipal, p)
	c.Set(ctxMerchant, merchant)
	if perm.Obj != "" && !s.d.RBAC.Can(p.User.ID, merchant, perm.Obj, perm.Act) {
		return errForbidden
	}
	return s.resolveTicketRef(c, merchant)
}

// resolveTicketRef lets staff routes name a ticket by its public ref ("KD-…") as well as by
// id: a ref of the caller's merchant is resolved to the id ticketID returns. Another
// merchant's ref, or an unknown one, stays unresolved and answers 404 like an unknown id.
func (s *Server) resolveTicketRef(c *gin.Context, merchant uint64) error {
	ref := strings.TrimSpace(c.Param("ticket"))
	if ref == "" || merchant == 0 || !strings.HasPrefix(strings.ToUpper(ref), "KD-") {
		return nil
	}
	t, err := s.d.Store.TicketByRef(c.Request.Context(), strings.ToUpper(ref))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	case t.MerchantID == merchant:
		c.Set(ctxStaffTicketID, t.ID)
	}
	return nil
}

// authTicket checks the ticket token against :ticket (a public ref).
func (s *Server) authTicket(c *gin.Context) error {
	tok := bearer(c)
	if tok == "" {
		tok = c.Query("token")
	}
	ref := c.Param("ticket")
	if tok == "" || ref == "" || s.d.Tickets == nil {
		return errUnauthorized
	}
	t, err := s.d.Tickets.VerifyAccess(c.Request.Context(), ref, tok)
	if errors.Is(err, store.ErrNotFound) {
		// Wrong token and unknown ref look the same: nothing about existence leaks.
		return errNotFound
	}
	if err != nil {
		return err
	}
	c.Set(ctxTicket, t)
	return nil
}

// principal returns the signed-in staff caller (routes with AccessStaff only).
func principal(c *gin.Context) (auth.Principal, bool) {
	v, ok := c.Get(ctxPrincipal)
	if !ok {
		return auth.Principal{}, false
	}
	p, ok := v.(auth.Principal)
	return p, ok
}

// merchant returns the merchant the staff caller acts on; 0 (platform) is refused for
// merchant-scoped handlers.
func (s *Server) merchant(c *gin.Context) (uint64, error) {
	m := c.GetUint64(ctxMerchant)
	if m == 0 {
		return 0, Errorf(http.StatusBadRequest, CodeMerchantRequired, "platform users must name a merchant in the %s header", HeaderMerchant)
	}
	return m, nil
}

// buyerTicket returns the ticket a buyer's token granted.
func buyerTicket(c *gin.Context) (models.Ticket, bool) {
	v, ok := c.Get(ctxTicket)
	if !ok {
		return models.Ticket{}, false
	}
	t, ok := v.(models.Ticket)
	return t, ok
}

// actor describes the staff caller to the workflow.
func (s *Server) actor(c *gin.Context) actorInfo {
	p, _ := principal(c)
	m := c.GetUint64(ctxMerchant)
	return actorInfo{UserID: p.User.ID, Name: p.User.Name, Email: p.User.Email, Role: s.d.RBAC.HighestRole(p.User.ID, m), Merchant: m}
}

type actorInfo struct {
	UserID   uint64
	Name     string
	Email    string
	Role     string
	Merchant uint64
}

// Package api is keydesk's HTTP API (Gin): JSON under /api/v1, one route table (routes.go)
// from which routing, authentication, Casbin authorisation, rate limits, the OpenAPI document
// and the authorization-matrix test are all derived.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/keydesk/keydesk/internal/auth"
	"github.com/keydesk/keydesk/internal/secretbox"
	"github.com/keydesk/keydesk/rbac"
	"github.com/keydesk/keydesk/store"
)

// Deps is everything the API needs; the binary wires it.
type Deps struct {
	Store *store.Store
	// Tickets is the ticket domain service (*tickets.Service satisfies TicketService).
	Tickets   TicketService
	RBAC      *rbac.Enforcer
	Auth      *auth.Service
	Box       *secretbox.Box
	Log       *slog.Logger
	PublicURL string
	// Ready answers nil when the database and Temporal answer (/readyz).
	Ready func(ctx context.Context) error
	// Pages serves the web pages; mounted at / when non-nil.
	Pages http.Handler
	Now   func() time.Time
	// RateLimits overrides the per-IP limits (zero value: DefaultRateLimits).
	RateLimits RateLimits
	// TrustedProxies are the proxies whose X-Forwarded-For is believed (none by default:
	// the client IP is the socket's peer).
	TrustedProxies []string
	// Registry receives the HTTP metrics (default: a new registry with Go and process collectors).
	Registry *prometheus.Registry
	// Payments serves refund notifications and disputes (api/refunds.go).
	Payments PaymentsDeps
}

// Server holds the API's dependencies; handlers are its methods.
type Server struct {
	d       Deps
	log     *slog.Logger
	limits  *limiters
	metrics *httpMetrics
	spec    []byte
	// maxBody maps "METHOD /path" to a route's body cap when it differs from MaxBodyBytes.
	maxBody map[string]int64
	// probe is /readyz's rate-limited write check.
	probe writeProbe
	// reached, when set (tests), is called when a route's handler is about to run: the
	// request passed authentication and authorisation.
	reached func(rt Route)
}

// NewRouter builds the Gin engine serving the whole route table.
func NewRouter(d Deps) (*gin.Engine, error) {
	s, err := newServer(d)
	if err != nil {
		return nil, err
	}
	return s.engine()
}

func newServer(d Deps) (*Server, error) {
	switch {
	case d.Store == nil:
		return nil, errors.New("api: Deps.Store is required")
	case d.RBAC == nil:
		return nil, errors.New("api: Deps.RBAC is required")
	case d.Auth == nil:
		return nil, errors.New("api: Deps.Auth is required")
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.RateLimits == (RateLimits{}) {
		d.RateLimits = DefaultRateLimits()
	}
	s := &Server{d: d, log: d.Log, limits: newLimiters(d.RateLimits, d.Now)}
	m, err := newHTTPMetrics(d.Registry)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	spec, err := s.OpenAPI()
	if err != nil {
		return nil, fmt.Errorf("api: openapi: %w", err)
	}
	s.spec = spec
	return s, nil
}

func (s *Server) now() time.Time { return s.d.Now().UTC() }

func (s *Server) engine() (*gin.Engine, error) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	if err := r.SetTrustedProxies(s.d.TrustedProxies); err != nil {
		return nil, fmt.Errorf("api: trusted proxies: %w", err)
	}
	r.Use(s.requestIDMiddleware, s.accessLog, s.recoverMiddleware, s.metrics.middleware, s.bodyLimitMiddleware, securityHeaders)
	seen := map[string]bool{}
	s.maxBody = map[string]int64{}
	for _, rt := range s.Routes() {
		key := rt.Method + " " + rt.Path
		if seen[key] {
			return nil, fmt.Errorf("api: route %s declared twice", key)
		}
		seen[key] = true
		if rt.MaxBody > 0 {
			s.maxBody[key] = rt.MaxBody
		}
		r.Handle(rt.Method, rt.Path, s.chain(rt)...)
	}
	r.NoRoute(s.noRoute)
	r.NoMethod(func(c *gin.Context) {
		s.writeError(c, Errorf(http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed"))
	})
	return r, nil
}

// chain is the handler chain of one route: rate limit, authentication + authorisation, handler.
func (s *Server) chain(rt Route) []gin.HandlerFunc {
	var hs []gin.HandlerFunc
	if rt.Limit != LimitNone {
		hs = append(hs, s.rateLimit(rt.Limit, rt.Access == AccessTicketOrStaff))
	}
	hs = append(hs, s.authorize(rt))
	if s.reached != nil {
		hs = append(hs, func(*gin.Context) { s.reached(rt) })
	}
	return append(hs, s.handle(rt.Handler))
}

// handle adapts a Handler, writing a returned error in the error shape.
func (s *Server) handle(h Handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			s.writeError(c, err)
		}
	}
}

// noRoute serves the web pages when mounted, else the JSON 404. Gin has already set 404
// when it calls a NoRoute handler: the status goes back to 200 first, so a page the handler
// writes answers 200, while the pages' own 404 (a path that is not a page) still wins.
func (s *Server) noRoute(c *gin.Context) {
	if s.d.Pages != nil && !isAPIPath(c.Request.URL.Path) {
		c.Status(http.StatusOK)
		s.d.Pages.ServeHTTP(c.Writer, c.Request)
		return
	}
	s.writeError(c, errNotFound)
}

func isAPIPath(p string) bool {
	return len(p) >= 5 && p[:5] == "/api/"
}

func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if isAPIPath(c.Request.URL.Path) && c.Request.URL.Path != "/api/docs" {
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	}
	c.Next()
}

package api

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

type statusResp struct {
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

func (s *Server) healthz(c *gin.Context) error {
	c.JSON(http.StatusOK, statusResp{Status: "ok"})
	return nil
}

// readyz answers 200 when the database and (through Deps.Ready) Temporal answer and the
// database takes a write (writeProbe), else 503 with Retry-After.
func (s *Server) readyz(c *gin.Context) error {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	check := s.d.Ready
	if check == nil {
		check = s.d.Store.Ping
	}
	err := check(ctx)
	if err == nil {
		err = s.probe.check(ctx, s)
	}
	if err != nil {
		s.log.WarnContext(ctx, "not ready", "err", err)
		e := Errorf(http.StatusServiceUnavailable, CodeUnavailable, "not ready")
		e.retryAfter = retryAfterDatabase
		return e
	}
	c.JSON(http.StatusOK, statusResp{Status: "ready"})
	return nil
}

func (s *Server) openAPIHandler(c *gin.Context) error {
	c.Data(http.StatusOK, "application/json", s.spec)
	return nil
}

// probeEvery is how often /readyz really writes; between writes it repeats the last result,
// so a probe storm costs one upsert per interval.
const probeEvery = 5 * time.Second

// writeProbe upserts a heartbeat row: a ping succeeds on a database that is locked, read-only
// or whose WAL cannot be written, while every real write fails.
type writeProbe struct {
	mu   sync.Mutex
	at   time.Time
	last error
}

func (p *writeProbe) check(ctx context.Context, s *Server) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := s.now()
	if !p.at.IsZero() && now.Sub(p.at) < probeEvery && now.After(p.at) {
		return p.last
	}
	p.last = s.d.Store.Heartbeat(ctx, "readyz", now)
	p.at = now
	return p.last
}

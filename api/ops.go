package api

import (
	"context"
	"net/http"
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

// readyz answers 200 when the database and (through Deps.Ready) Temporal answer, else 503.
func (s *Server) readyz(c *gin.Context) error {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	check := s.d.Ready
	if check == nil {
		check = s.d.Store.Ping
	}
	if err := check(ctx); err != nil {
		s.log.WarnContext(ctx, "not ready", "err", err)
		return Errorf(http.StatusServiceUnavailable, CodeUnavailable, "not ready")
	}
	c.JSON(http.StatusOK, statusResp{Status: "ready"})
	return nil
}

func (s *Server) openAPIHandler(c *gin.Context) error {
	c.Data(http.StatusOK, "application/json", s.spec)
	return nil
}

package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

//go:embed docs/index.html
var docsPage []byte

// docsHandler serves a small self-contained page that renders /api/openapi.json (no CDN).
func (s *Server) docsHandler(c *gin.Context) error {
	c.Header("Content-Security-Policy", "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'")
	c.Data(http.StatusOK, "text/html; charset=utf-8", docsPage)
	return nil
}

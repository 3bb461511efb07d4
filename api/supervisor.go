package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/store"
)

type slaOverviewResp struct {
	store.SLAOverview
}

type escalationsResp struct {
	Escalations []store.Escalation `json:"escalations"`
}

func (s *Server) slaOverview(c *gin.Context) error {
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	ov, err := s.d.Store.SLAOverview(c.Request.Context(), m, s.now())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, slaOverviewResp{ov})
	return nil
}

func (s *Server) escalations(c *gin.Context) error {
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	es, err := s.d.Store.Escalations(c.Request.Context(), m, 100)
	if err != nil {
		return err
	}
	if es == nil {
		es = []store.Escalation{}
	}
	c.JSON(http.StatusOK, escalationsResp{Escalations: es})
	return nil
}

package api

// Reports for the supervisor dashboard (reports.read: supervisors and admins). Both are
// aggregated in SQL over the caller's merchant only and counted in the merchant's time zone;
// see store/reports.go for how days are bucketed.

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/rbac"
	"github.com/keydesk/keydesk/store"
)

// defaultReportDays is the window of GET /reports/daily without ?days.
const defaultReportDays = 7

func (s *Server) reportsRoutes() []Route {
	read := Perm{rbac.ObjReports, rbac.ActRead}
	return []Route{
		{Method: http.MethodGet, Path: V1 + "/reports/daily", Access: AccessStaff, Perm: read, Handler: s.dailyReport,
			Doc: Doc{Tag: "reports", Summary: "Tickets created, resolved and breached per day in the merchant's time zone, with SLA compliance (422 for a bad days)",
				Query: [][2]string{{"days", "days back including today, 1 to 90 (default 7)"}}, Resp: dailyReportResp{}}},
		{Method: http.MethodGet, Path: V1 + "/reports/agents", Access: AccessStaff, Perm: read, Handler: s.agentsReport,
			Doc: Doc{Tag: "reports", Summary: "Load per agent: open and breached tickets held, resolved and first responses today", Resp: agentsReportResp{}}},
	}
}

type dailyReportResp struct {
	store.DailyReport
}

// agentLoad is one staff member's row of GET /reports/agents.
type agentLoad struct {
	store.AgentStats
	// Roles are the user's roles in the merchant; Assignable says the user is active and
	// holds one, so POST /tickets/{id}/assign accepts them.
	Roles      []string `json:"roles"`
	Assignable bool     `json:"assignable"`
}

type agentsReportResp struct {
	AsOf               time.Time   `json:"as_of"`
	Timezone           string      `json:"timezone"`
	Date               string      `json:"date"`
	UnassignedOpen     int         `json:"unassigned_open"`
	UnassignedBreached int         `json:"unassigned_breached"`
	Agents             []agentLoad `json:"agents"`
}

func (s *Server) dailyReport(c *gin.Context) error {
	days := defaultReportDays
	if v, ok := c.GetQuery("days"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxReportDays {
			return &Error{Status: http.StatusUnprocessableEntity, Code: CodeValidation, Message: "some fields are invalid",
				Fields: map[string]string{"days": "a whole number from 1 to " + strconv.Itoa(store.MaxReportDays)}}
		}
		days = n
	}
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	rep, err := s.d.Store.DailyReport(c.Request.Context(), m, s.now(), days)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, dailyReportResp{rep})
	return nil
}

func (s *Server) agentsReport(c *gin.Context) error {
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	rep, err := s.d.Store.AgentsReport(c.Request.Context(), m, s.now())
	if err != nil {
		return err
	}
	resp := agentsReportResp{AsOf: rep.AsOf, Timezone: rep.Timezone, Date: rep.Date, UnassignedOpen: rep.UnassignedOpen,
		UnassignedBreached: rep.UnassignedBreached, Agents: make([]agentLoad, 0, len(rep.Agents))}
	for _, a := range rep.Agents {
		roles := s.d.RBAC.Roles(a.UserID, m)
		if len(roles) == 0 && idle(a) {
			continue // a user without a role here who holds nothing is not staff of this desk
		}
		if roles == nil {
			roles = []string{}
		}
		resp.Agents = append(resp.Agents, agentLoad{AgentStats: a, Roles: roles, Assignable: a.Active && len(roles) > 0})
	}
	c.JSON(http.StatusOK, resp)
	return nil
}

// idle reports whether a has nothing counted today and holds no open ticket.
func idle(a store.AgentStats) bool {
	return a.Open == 0 && a.ResolvedToday == 0 && a.FirstResponsesToday == 0
}

package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/tickets"
	"github.com/keydesk/keydesk/workflows"
)

// CodePending: the action was accepted by the ticket's workflow and is still running (202).
const CodePending = "pending"

// updateResulter is the part of the ticket service that answers a pending action
// (*tickets.Service has it; test doubles may not).
type updateResulter interface {
	UpdateResult(ctx context.Context, merchantID, ticketID uint64, updateID string) (workflows.State, error)
}

// pendingError is the 202 answer to an action the workflow has not finished within the
// service's wait (e.g. the database is down and the commit is being retried): Poll names
// where to ask for its result.
func pendingError(p *tickets.Pending) *Error {
	return &Error{Status: http.StatusAccepted, Code: CodePending,
		Message: "the action was accepted and is still being applied; poll for its result",
		Poll:    fmt.Sprintf("%s/tickets/%d/updates/%s", V1, p.TicketID, p.UpdateID), retryAfter: 2, cause: p}
}

// ticketUpdate answers a pending action: 200 with the ticket's state once done, 202 again
// while it runs, 409 when the workflow rejected it.
func (s *Server) ticketUpdate(c *gin.Context) error {
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	id, err := ticketID(c)
	if err != nil {
		return err
	}
	// Another merchant's ticket is a 404 before any workflow is asked.
	if _, err := s.d.Store.TicketByID(c.Request.Context(), m, id); err != nil {
		return err
	}
	svc, ok := s.d.Tickets.(updateResulter)
	if !ok {
		return errNotFound
	}
	st, err := svc.UpdateResult(c.Request.Context(), m, id, c.Param("update"))
	if err != nil {
		return ticketError(err)
	}
	c.JSON(http.StatusOK, actionResp{Ticket: st})
	return nil
}

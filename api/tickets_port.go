package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/tickets"
	"github.com/keydesk/keydesk/workflows"
)

// TicketService is what the API needs of the ticket domain service; *tickets.Service
// implements it, and tests substitute a fake so they run without Temporal.
type TicketService interface {
	Create(ctx context.Context, in tickets.CreateInput) (tickets.Created, error)
	Act(ctx context.Context, merchantID, ticketID uint64, update string, input any) (workflows.State, error)
	State(ctx context.Context, merchantID, ticketID uint64) (workflows.State, error)
	VerifyAccess(ctx context.Context, ref, token string) (models.Ticket, error)
	ResendLink(ctx context.Context, merchantID uint64, orderNo, contact string) error
	AcceptManualCheck(ctx context.Context, merchantID, id, agentID uint64, orderNo string, record tickets.Recorder) (tickets.Accepted, error)
	RejectManualCheck(ctx context.Context, merchantID, id, agentID uint64, reason string, record tickets.Recorder) (models.ManualCheck, error)
}

var _ TicketService = (*tickets.Service)(nil)

// ticketError maps the ticket service's errors to the API's.
func ticketError(err error) error {
	var ve *tickets.ValidationError
	var pending *tickets.Pending
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ve):
		e := Validation(ve.Fields)
		e.cause = err
		return e
	case errors.Is(err, tickets.ErrIdempotencyKeyReused):
		return &Error{Status: http.StatusUnprocessableEntity, Code: CodeIdempotencyReused, Message: err.Error(),
			Fields: map[string]string{"Idempotency-Key": "already used for another order or buyer"}, cause: err}
	case errors.As(err, &pending):
		return pendingError(pending)
	case errors.Is(err, tickets.ErrManualCheckLimit), errors.Is(err, tickets.ErrManualChecksFull):
		return &Error{Status: http.StatusTooManyRequests, Code: CodeRateLimited, Message: err.Error(), cause: err}
	case errors.Is(err, tickets.ErrRejected):
		return &Error{Status: http.StatusConflict, Code: CodeRejected, Message: err.Error(), cause: err}
	default:
		return err
	}
}

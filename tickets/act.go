package tickets

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/workflows"
)

const (
	conflictUseExisting = enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING
	reuseAllowDuplicate = enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE
)

// Act sends one action (an update named in workflows, e.g. workflows.UpdateReply, with its
// input type) to a ticket's workflow and returns the ticket's new state once the workflow
// has written it. A validator rejection is an error matching ErrRejected whose message is
// the reason. If the ticket is closed (its workflow has ended), reopen and customer_reply
// start a new run from the saved state and apply the action to it; anything else is
// rejected with "ticket is closed".
func (s *Service) Act(ctx context.Context, merchantID, ticketID uint64, update string, input any) (workflows.State, error) {
	t, err := s.o.Store.TicketByID(ctx, merchantID, ticketID)
	if err != nil {
		return workflows.State{}, err
	}
	st, err := s.update(ctx, t, update, input)
	if err == nil || !isGone(err) {
		return st, mapErr(err)
	}
	if t.Status != models.StatusClosed {
		// The workflow is missing although the ticket is open (crash before start, or a
		// failed run): heal it, then act.
		return s.updateWithStart(ctx, t, update, input)
	}
	if update != workflows.UpdateReopen && update != workflows.UpdateCustomerReply {
		return workflows.State{}, Rejected("ticket is closed")
	}
	return s.updateWithStart(ctx, t, update, input)
}

func updateOptions(t models.Ticket, update string, input any) client.UpdateWorkflowOptions {
	return client.UpdateWorkflowOptions{
		WorkflowID: workflows.TicketWorkflowID(t.ID), UpdateName: update,
		UpdateID: requestID(input), Args: []any{input}, WaitForStage: client.WorkflowUpdateStageCompleted,
	}
}

// requestID reuses the action's RequestID as the Temporal update id (a second layer of
// de-duplication); empty lets the SDK pick one.
func requestID(input any) string { return workflows.RequestIDOf(input) }

func (s *Service) update(ctx context.Context, t models.Ticket, update string, input any) (workflows.State, error) {
	h, err := s.o.Temporal.UpdateWorkflow(ctx, updateOptions(t, update, input))
	if err != nil {
		return workflows.State{}, err
	}
	var st workflows.State
	err = h.Get(ctx, &st)
	return st, err
}

// updateWithStart starts a new run carrying the saved state and applies the update to it
// in one call (a running workflow is reused instead).
func (s *Service) updateWithStart(ctx context.Context, t models.Ticket, update string, input any) (workflows.State, error) {
	in, err := s.startInput(ctx, t)
	if err != nil {
		return workflows.State{}, err
	}
	op := s.o.Temporal.NewWithStartWorkflowOperation(s.startOptions(t), workflows.TicketWorkflowName, in)
	h, err := s.o.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: op, UpdateOptions: updateOptions(t, update, input),
	})
	if err != nil {
		return workflows.State{}, mapErr(err)
	}
	var st workflows.State
	return st, mapErr(h.Get(ctx, &st))
}

// State returns a ticket's live state (clocks included) from its workflow, or the last
// saved state when the workflow has ended.
func (s *Service) State(ctx context.Context, merchantID, ticketID uint64) (workflows.State, error) {
	t, err := s.o.Store.TicketByID(ctx, merchantID, ticketID)
	if err != nil {
		return workflows.State{}, err
	}
	v, err := s.o.Temporal.QueryWorkflow(ctx, workflows.TicketWorkflowID(t.ID), "", workflows.QueryState)
	if err == nil {
		var st workflows.State
		if err := v.Get(&st); err != nil {
			return st, fmt.Errorf("decode state of ticket %d: %w", t.ID, err)
		}
		return st, nil
	}
	if !isGone(err) {
		return workflows.State{}, fmt.Errorf("query ticket %d: %w", t.ID, err)
	}
	in, serr := s.startInput(ctx, t)
	if serr != nil || in.Resume == nil {
		return workflows.State{}, fmt.Errorf("query ticket %d: %w", t.ID, err)
	}
	return *in.Resume, nil
}

// Reconcile starts the workflow of every ticket that is not closed and has none running
// (a crash between the insert and the start, or a run that failed), then the delivery
// workflows queued messages never got. The worker calls it at start-up; starting is
// idempotent (a running workflow is reused).
func (s *Service) Reconcile(ctx context.Context) error {
	var after uint64
	started := 0
	for {
		ts, err := s.o.Store.TicketsNotClosed(ctx, after, 200)
		if err != nil {
			return fmt.Errorf("reconcile: %w", err)
		}
		for _, t := range ts {
			after = t.ID
			if s.running(ctx, t) {
				continue
			}
			if err := s.startWorkflow(ctx, t); err != nil {
				return fmt.Errorf("reconcile: %w", err)
			}
			started++
		}
		if len(ts) < 200 {
			break
		}
	}
	if started > 0 {
		s.o.Log.Info("reconciled ticket workflows", "started", started)
	}
	return s.reconcileOutbound(ctx)
}

// outboundCatchUp is how far back start-up looks for queued messages whose delivery workflow
// never started (the delivery itself gives up after a day).
const outboundCatchUp = 24 * time.Hour

// reconcileOutbound starts the delivery workflow of every recent unsent message that has
// none (a crash or a Temporal outage between queueing and starting). Messages whose workflow
// exists, running or closed, are left alone.
func (s *Service) reconcileOutbound(ctx context.Context) error {
	var after uint64
	started := 0
	for {
		ids, err := s.o.Store.UnsentOutboundIDs(ctx, s.now().Add(-outboundCatchUp), after, 200)
		if err != nil {
			return fmt.Errorf("reconcile outbound: %w", err)
		}
		for _, id := range ids {
			after = id
			if _, err := s.o.Temporal.DescribeWorkflowExecution(ctx, workflows.OutboundWorkflowID(id), ""); !isGone(err) {
				continue
			}
			s.startOutbound(ctx, id)
			started++
		}
		if len(ids) < 200 {
			break
		}
	}
	if started > 0 {
		s.o.Log.Info("reconciled outbound deliveries", "started", started)
	}
	return nil
}

// running reports whether the ticket's latest run is still running.
func (s *Service) running(ctx context.Context, t models.Ticket) bool {
	d, err := s.o.Temporal.DescribeWorkflowExecution(ctx, workflows.TicketWorkflowID(t.ID), "")
	if err != nil {
		return false
	}
	return d.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
}

// isGone reports whether err says the workflow does not exist or has completed.
func isGone(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}

// mapErr turns a validator's rejection into ErrRejected with its reason.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if workflows.IsRejected(err) {
		return Rejected(rejectReason(err))
	}
	if isGone(err) {
		return Rejected("ticket is closed")
	}
	return err
}

// rejectReason is the validator's own message, without the SDK's wrapping.
func rejectReason(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	return err.Error()
}

// PolicyChanged tells every open ticket of a merchant that its SLA policy or calendar was
// edited, so running clocks recompute their deadlines from the time already used. Call it
// after saving policies (PUT /sla-policies). requestID (e.g. the audit entry id) makes a
// retried call act once per ticket. It returns how many tickets were told.
func (s *Service) PolicyChanged(ctx context.Context, merchantID uint64, actor workflows.Actor, requestID string) (int, error) {
	var after uint64
	n := 0
	for {
		ids, err := s.o.Store.OpenTicketIDs(ctx, merchantID, after, 200)
		if err != nil {
			return n, fmt.Errorf("policy changed: %w", err)
		}
		for _, id := range ids {
			after = id
			in := workflows.ActionInput{RequestID: fmt.Sprintf("%s/%d", requestID, id), Actor: actor}
			_, err := s.Act(ctx, merchantID, id, workflows.UpdatePolicyChanged, in)
			if err != nil && !errors.Is(err, ErrRejected) {
				return n, fmt.Errorf("policy changed: ticket %d: %w", id, err)
			}
			n++
		}
		if len(ids) < 200 {
			return n, nil
		}
	}
}

package tickets

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/keydesk/keydesk/activities"
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
		WorkflowID: workflowIDOf(t), UpdateName: update,
		UpdateID: requestID(input), Args: []any{input}, WaitForStage: client.WorkflowUpdateStageCompleted,
	}
}

// requestID reuses the action's RequestID as the Temporal update id (a second layer of
// de-duplication); empty lets the SDK pick one.
func requestID(input any) string { return workflows.RequestIDOf(input) }

// ErrPending means the workflow accepted the action but did not finish it within the
// service's UpdateWait (e.g. the database is down and the commit is being retried). The
// action will complete; the caller answers 202 and the client polls (Pending.UpdateID).
var ErrPending = errors.New("action accepted and still in progress")

// Pending is the error returned with ErrPending: the update's id and the ticket.
type Pending struct {
	TicketID uint64
	UpdateID string
}

// Error is ErrPending's text; errors.Is(p, ErrPending) holds through Is.
func (p *Pending) Error() string { return ErrPending.Error() }

// Is makes errors.Is(err, ErrPending) true.
func (p *Pending) Is(target error) bool { return target == ErrPending }

// DefaultUpdateWait bounds how long an API call waits for a ticket's workflow to answer.
const DefaultUpdateWait = 10 * time.Second

func (s *Service) updateWait() time.Duration {
	if s.o.UpdateWait > 0 {
		return s.o.UpdateWait
	}
	return DefaultUpdateWait
}

// update sends the update and waits for its result at most updateWait; past it the update
// goes on in the workflow and the caller gets a *Pending.
func (s *Service) update(ctx context.Context, t models.Ticket, update string, input any) (workflows.State, error) {
	opts := updateOptions(t, update, input)
	if opts.UpdateID == "" {
		opts.UpdateID = newUpdateID()
	}
	wctx, cancel := context.WithTimeout(ctx, s.updateWait())
	defer cancel()
	h, err := s.o.Temporal.UpdateWorkflow(wctx, opts)
	if err == nil {
		var ack workflows.UpdateAck
		if err = h.Get(wctx, &ack); err == nil {
			return s.stateAt(ctx, t, ack)
		}
	}
	if pastWait(ctx, wctx, err) {
		return workflows.State{}, &Pending{TicketID: t.ID, UpdateID: opts.UpdateID}
	}
	return workflows.State{}, err
}

// stateAt returns the ticket's state once an update was answered with ack: the snapshot the
// workflow wrote before answering, with its clocks as of now under the merchant's policy.
// When the snapshot cannot be read or is older than the answer (it never should be: the
// workflow commits before answering), the workflow is asked instead.
func (s *Service) stateAt(ctx context.Context, t models.Ticket, ack workflows.UpdateAck) (workflows.State, error) {
	st, err := s.savedState(ctx, t)
	if err == nil && st.Version >= ack.Version {
		return st, nil
	}
	if err != nil {
		s.o.Log.Warn("read ticket snapshot after update; asking the workflow", "ticket", t.ID, "err", err)
	}
	return s.State(ctx, t.MerchantID, t.ID)
}

// savedState reads the ticket's snapshot and adds its clock views as of now.
func (s *Service) savedState(ctx context.Context, t models.Ticket) (workflows.State, error) {
	st, err := s.snapshot(ctx, t)
	if err != nil {
		return st, err
	}
	p, err := activities.TicketPolicyOf(ctx, s.o.Store, t.MerchantID)
	if err != nil {
		return st, err
	}
	st.SLA = workflows.ClockViews(st, p, s.now())
	return st, nil
}

// pastWait reports whether err is the service's own wait running out (not the caller's).
func pastWait(ctx, wctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	d, _ := wctx.Deadline()
	return wctx.Err() != nil || !time.Now().Before(d) || errors.Is(err, context.DeadlineExceeded)
}

// UpdateResult waits briefly for an update that answered ErrPending: the new state, or
// ErrPending again while it is still running.
func (s *Service) UpdateResult(ctx context.Context, merchantID, ticketID uint64, updateID string) (workflows.State, error) {
	t, err := s.o.Store.TicketByID(ctx, merchantID, ticketID)
	if err != nil {
		return workflows.State{}, err
	}
	wctx, cancel := context.WithTimeout(ctx, s.updateWait())
	defer cancel()
	h := s.o.Temporal.GetWorkflowUpdateHandle(client.GetWorkflowUpdateHandleOptions{WorkflowID: workflowIDOf(t), UpdateID: updateID})
	var ack workflows.UpdateAck
	err = h.Get(wctx, &ack)
	switch {
	case err == nil:
		return s.stateAt(ctx, t, ack)
	case pastWait(ctx, wctx, err):
		return workflows.State{}, &Pending{TicketID: t.ID, UpdateID: updateID}
	case isGone(err):
		return workflows.State{}, Rejected("the action was not received (or the ticket's run has ended): send it again with the same Idempotency-Key")
	}
	return workflows.State{}, mapErr(err)
}

// newUpdateID names an update the caller gave no request id.
func newUpdateID() string {
	tok, _, err := newToken()
	if err != nil {
		return fmt.Sprintf("u-%d", time.Now().UnixNano())
	}
	return "u-" + tok[:16]
}

// updateWithStart starts a new run carrying the saved state and applies the update to it
// in one call (a running workflow is reused instead).
func (s *Service) updateWithStart(ctx context.Context, t models.Ticket, update string, input any) (workflows.State, error) {
	in, err := s.startInput(ctx, t)
	if err != nil {
		return workflows.State{}, err
	}
	opts := updateOptions(t, update, input)
	if opts.UpdateID == "" {
		opts.UpdateID = newUpdateID()
	}
	op := s.o.Temporal.NewWithStartWorkflowOperation(s.startOptions(t), workflows.TicketWorkflowName, in)
	wctx, cancel := context.WithTimeout(ctx, s.updateWait())
	defer cancel()
	h, err := s.o.Temporal.UpdateWithStartWorkflow(wctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: op, UpdateOptions: opts,
	})
	if err == nil {
		var ack workflows.UpdateAck
		if err = h.Get(wctx, &ack); err == nil {
			return s.stateAt(ctx, t, ack)
		}
	}
	if pastWait(ctx, wctx, err) {
		return workflows.State{}, &Pending{TicketID: t.ID, UpdateID: opts.UpdateID}
	}
	return workflows.State{}, mapErr(err)
}

// State returns a ticket's live state (clocks included) from its workflow, or the last
// saved state (clocks as of now) when the workflow has ended.
func (s *Service) State(ctx context.Context, merchantID, ticketID uint64) (workflows.State, error) {
	t, err := s.o.Store.TicketByID(ctx, merchantID, ticketID)
	if err != nil {
		return workflows.State{}, err
	}
	qctx, cancel := context.WithTimeout(ctx, s.updateWait())
	defer cancel()
	v, err := s.queryState(qctx, t)
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
	st, serr := s.savedState(ctx, t)
	if serr != nil {
		return workflows.State{}, fmt.Errorf("query ticket %d: %w (saved state: %w)", t.ID, err, serr)
	}
	return st, nil
}

// Reconcile runs one reconciler pass now (Maintenance.ReconcileTickets): every ticket that
// is not closed and has no running workflow gets one, and queued messages get their delivery
// workflow. The ReconcilerWorkflow runs the same pass every few minutes.
func (s *Service) Reconcile(ctx context.Context) error {
	_, err := (&Maintenance{Svc: s}).ReconcileTickets(ctx)
	return err
}

// StartOutbound starts the delivery workflow of queued outbound message id (one an activity
// queued); a failure is logged and left to the reconciler.
func (s *Service) StartOutbound(ctx context.Context, id uint64) { s.startOutbound(ctx, id) }

// outboundCatchUp is how far back start-up looks for queued messages whose delivery workflow
// never started (the delivery itself gives up after a day).
const outboundCatchUp = 24 * time.Hour

// reconcileOutboundCount starts the delivery workflow of every recent unsent message that
// has none (a crash or a Temporal outage between queueing and starting) and says how many.
// Messages whose workflow exists, running or closed, are left alone.
func (s *Service) reconcileOutboundCount(ctx context.Context) (int, error) {
	var after uint64
	started := 0
	for {
		ids, err := s.o.Store.UnsentOutboundIDs(ctx, s.now().Add(-outboundCatchUp), after, 200)
		if err != nil {
			return started, fmt.Errorf("reconcile outbound: %w", err)
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
	return started, nil
}

// running reports whether the ticket's latest run is still running and is this ticket's
// (a run of another ticket under the same id counts as missing; starting it then fails
// with ErrWorkflowOfOtherTicket).
func (s *Service) running(ctx context.Context, t models.Ticket) bool {
	d, err := s.o.Temporal.DescribeWorkflowExecution(ctx, workflowIDOf(t), "")
	if err != nil || d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return false
	}
	return s.ownerMatches(t, d.GetWorkflowExecutionInfo().GetMemo()) == nil
}

// isGone reports whether err says the workflow does not exist or has completed.
// queryAttempts bounds the tries of a state query that failed in transit.
const queryAttempts = 3

// queryState asks the ticket's workflow for its state, trying again (briefly, within ctx)
// when the call failed in transit: a stream reset or an unavailable server while the run is
// moving (continue-as-new, a worker restarting) says nothing about the ticket.
func (s *Service) queryState(ctx context.Context, t models.Ticket) (converter.EncodedValue, error) {
	var err error
	for attempt := 1; ; attempt++ {
		var v converter.EncodedValue
		v, err = s.o.Temporal.QueryWorkflow(ctx, workflowIDOf(t), "", workflows.QueryState)
		if err == nil || attempt == queryAttempts || !inTransit(err) || ctx.Err() != nil {
			return v, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(time.Duration(attempt) * 50 * time.Millisecond):
		}
	}
}

// inTransit reports whether err is a transport failure (canceled stream, unavailable
// server) rather than an answer about the workflow.
func inTransit(err error) bool {
	var canceled *serviceerror.Canceled
	var unavailable *serviceerror.Unavailable
	return errors.As(err, &canceled) || errors.As(err, &unavailable)
}

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

// workflowIDOf is the ticket's workflow id as recorded on its row (older rows have none:
// they use the id-only form).
func workflowIDOf(t models.Ticket) string {
	if t.WorkflowID != "" {
		return t.WorkflowID
	}
	return workflows.TicketWorkflowID(t.ID)
}

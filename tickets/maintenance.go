package tickets

import (
	"context"
	"errors"
	"fmt"
	"sync"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"

	"github.com/keydesk/keydesk/internal/temporalx"
	"github.com/keydesk/keydesk/workflows"
)

// Maintenance holds the activities of the maintenance workflows (workflows.ReconcilerWorkflow
// and workflows.PolicyFanoutWorkflow). They need the Temporal client, which is why they live
// here and not in package activities.
type Maintenance struct {
	Svc *Service
}

// Register registers the maintenance activities under the names the workflows use.
func (m *Maintenance) Register(w worker.Registry) {
	w.RegisterActivityWithOptions(m.ReconcileTickets, activity.RegisterOptions{Name: workflows.ActivityReconcileTickets})
	w.RegisterActivityWithOptions(m.PolicyChangedPage, activity.RegisterOptions{Name: workflows.ActivityPolicyChangedPage})
}

// reconcilePage is how many open tickets one database read returns.
const reconcilePage = 200

// ReconcileTickets is one reconciler pass: every ticket that is not closed and has no running
// workflow of its own gets one started from its saved state, and queued buyer messages
// without a delivery workflow get one. Running ticket workflows are read in one paginated
// visibility scan (not one Describe per ticket); a ticket the scan does not show (visibility
// lags a just-started run) is checked with a Describe before it counts as missing.
// Idempotent: a start reuses a running workflow, so a retried or concurrent pass never starts
// a second run. Failures to start one ticket are counted and left to the next pass; a
// database error fails the pass (Temporal retries it).
func (m *Maintenance) ReconcileTickets(ctx context.Context) (workflows.ReconcileReport, error) {
	s := m.Svc
	rep := workflows.ReconcileReport{At: s.now()}
	live, err := s.runningTicketWorkflows(ctx)
	if err != nil {
		s.o.Log.Warn("reconcile: list running workflows; checking each ticket instead", "err", err)
		live = nil
	}
	var after uint64
	for {
		ts, err := s.o.Store.TicketsNotClosed(ctx, after, reconcilePage)
		if err != nil {
			return rep, fmt.Errorf("reconcile: %w", err)
		}
		for _, t := range ts {
			after = t.ID
			rep.Open++
			if ref, ok := live[workflowIDOf(t)]; ok && (ref == "" || ref == t.Ref) {
				continue
			}
			if s.running(ctx, t) {
				continue
			}
			rep.Missing++
			if err := s.startWorkflow(ctx, t); err != nil {
				rep.Failed++
				s.o.Log.Warn("reconcile: start ticket workflow", "ticket", t.ID, "err", err)
				continue
			}
			rep.Healed++
		}
		if activity.IsActivity(ctx) { // also called directly (Service.Reconcile)
			activity.RecordHeartbeat(ctx, after)
		}
		if len(ts) < reconcilePage {
			break
		}
	}
	n, err := s.reconcileOutboundCount(ctx)
	rep.OutboundStarted = n
	if err != nil {
		return rep, err
	}
	if rep.Missing > 0 {
		s.o.Log.Warn("reconciled ticket workflows", "open", rep.Open, "missing", rep.Missing, "healed", rep.Healed, "failed", rep.Failed)
	}
	return rep, nil
}

// runningTicketWorkflows lists the running ticket workflows of the namespace: workflow id →
// the ticket ref in its memo ("" for runs started before the memo existed).
func (s *Service) runningTicketWorkflows(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	dc := s.dataConverter()
	var token []byte
	for {
		resp, err := s.o.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{PageSize: 1000, NextPageToken: token,
			Query: fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Running'", workflows.TicketWorkflowName)})
		if err != nil {
			return nil, err
		}
		for _, e := range resp.GetExecutions() {
			ref := ""
			if f, ok := e.GetMemo().GetFields()[memoTicketRef]; ok {
				_ = dc.FromPayload(f, &ref)
			}
			out[e.GetExecution().GetWorkflowId()] = ref
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return out, nil
		}
	}
}

// fanoutParallel is how many tickets one policy page tells at once.
const fanoutParallel = 8

// PolicyChangedPage sends policy_changed to one page of a merchant's open tickets, several
// at a time. Idempotent: each ticket's update id is the edit's request id plus the ticket id,
// so a retried page acts once per ticket.
func (m *Maintenance) PolicyChangedPage(ctx context.Context, p workflows.PolicyPage) (workflows.PolicyPageResult, error) {
	s := m.Svc
	limit := p.Limit
	if limit <= 0 {
		limit = reconcilePage
	}
	ids, err := s.o.Store.OpenTicketIDs(ctx, p.MerchantID, p.After, limit)
	if err != nil {
		return workflows.PolicyPageResult{}, fmt.Errorf("policy change: %w", err)
	}
	res := workflows.PolicyPageResult{Next: p.After, More: len(ids) == limit}
	if len(ids) > 0 {
		res.Next = ids[len(ids)-1]
	}
	var mu sync.Mutex
	sem := make(chan struct{}, fanoutParallel)
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func(id uint64) {
			defer func() { <-sem; wg.Done() }()
			in := workflows.ActionInput{RequestID: fmt.Sprintf("policy-%s/%d", p.RequestID, id), Actor: p.Actor}
			_, err := s.Act(ctx, p.MerchantID, id, workflows.UpdatePolicyChanged, in)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil || errors.Is(err, ErrPending):
				res.Told++
			case errors.Is(err, ErrRejected):
				res.Skipped++
			default:
				res.Failed++
				s.o.Log.Warn("policy change: update ticket", "ticket", id, "err", err)
			}
		}(id)
	}
	wg.Wait()
	return res, nil
}

// StartPolicyFanout starts (once per request id) the workflow that tells a merchant's open
// tickets that its SLA policy or calendar changed, and returns its workflow id.
func (s *Service) StartPolicyFanout(ctx context.Context, merchantID uint64, actor workflows.Actor, requestID string) (string, error) {
	id := workflows.PolicyFanoutWorkflowID(merchantID, requestID)
	_, err := s.o.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: s.o.TaskQueue,
		WorkflowIDConflictPolicy: conflictUseExisting},
		workflows.PolicyFanoutWorkflowName, workflows.PolicyFanoutInput{MerchantID: merchantID, RequestID: requestID, Actor: actor})
	if err != nil {
		return "", fmt.Errorf("start policy fan-out: %w", err)
	}
	return id, nil
}

// PolicyFanoutProgress returns the progress of a fan-out started by StartPolicyFanout.
func (s *Service) PolicyFanoutProgress(ctx context.Context, workflowID string) (workflows.FanoutProgress, error) {
	var p workflows.FanoutProgress
	v, err := s.o.Temporal.QueryWorkflow(ctx, workflowID, "", workflows.QueryProgress)
	if err != nil {
		return p, fmt.Errorf("policy fan-out progress: %w", err)
	}
	return p, v.Get(&p)
}

// StartReconciler starts the install's reconciler unless it runs already.
func (s *Service) StartReconciler(ctx context.Context, install string, in workflows.ReconcileInput) error {
	_, err := s.o.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.ReconcilerWorkflowID(install),
		TaskQueue: s.o.TaskQueue, WorkflowIDConflictPolicy: conflictUseExisting, WorkflowIDReusePolicy: reuseAllowDuplicate},
		workflows.ReconcilerWorkflowName, in)
	if err != nil {
		return fmt.Errorf("start reconciler: %w", err)
	}
	return nil
}

// ReconcilerReport returns the reconciler's last pass.
func (s *Service) ReconcilerReport(ctx context.Context, install string) (workflows.ReconcileReport, error) {
	var r workflows.ReconcileReport
	v, err := s.o.Temporal.QueryWorkflow(ctx, workflows.ReconcilerWorkflowID(install), "", workflows.QueryProgress)
	if err != nil {
		return r, fmt.Errorf("reconciler report: %w", err)
	}
	return r, v.Get(&r)
}

// ErrInstallMismatch means the Temporal namespace belongs to another keydesk database.
var ErrInstallMismatch = errors.New("temporal namespace belongs to another keydesk install")

// BindInstall ties the Temporal namespace to the database's install id: the first start
// records it (workflows.InstallWorkflow), every later start checks it. A mismatch (the data
// directory with the embedded Temporal kept while KEYDESK_DB points at another database, or
// two installs sharing one namespace) is refused: new tickets would otherwise collide with
// old tickets' workflows.
func (s *Service) BindInstall(ctx context.Context, install string) error {
	for range 3 {
		got, err := s.installOfNamespace(ctx)
		switch {
		case err == nil && got == install:
			return nil
		case err == nil:
			return fmt.Errorf("%w: the namespace was set up by install %s, this database is install %s; "+
				"point KEYDESK_DB back at that install's database, or give this database its own Temporal namespace "+
				"(or, embedded, its own data directory)", ErrInstallMismatch, got, install)
		case !isGone(err):
			return fmt.Errorf("check install marker: %w", err)
		}
		_, err = s.o.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.InstallWorkflowID, TaskQueue: s.o.TaskQueue,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL, WorkflowIDReusePolicy: reuseAllowDuplicate},
			workflows.InstallWorkflowName, install)
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if err != nil && !errors.As(err, &started) {
			return fmt.Errorf("record install marker: %w", err)
		}
	}
	return fmt.Errorf("install marker: could not settle who owns the namespace")
}

// installOfNamespace reads the install id from the running marker workflow's input; a
// NotFound error when there is none.
func (s *Service) installOfNamespace(ctx context.Context) (string, error) {
	d, err := s.o.Temporal.DescribeWorkflowExecution(ctx, workflows.InstallWorkflowID, "")
	if err != nil {
		return "", err
	}
	if d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return "", serviceerror.NewNotFound("install marker is not running")
	}
	it := s.o.Temporal.GetWorkflowHistory(ctx, workflows.InstallWorkflowID, d.GetWorkflowExecutionInfo().GetExecution().GetRunId(),
		false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !it.HasNext() {
		return "", fmt.Errorf("install marker has no history")
	}
	ev, err := it.Next()
	if err != nil {
		return "", err
	}
	var id string
	dc := s.dataConverter()
	if err := dc.FromPayloads(ev.GetWorkflowExecutionStartedEventAttributes().GetInput(), &id); err != nil {
		return "", fmt.Errorf("decode install marker: %w", err)
	}
	return id, nil
}

// dataConverter decodes payloads the way the client encoded them.
func (s *Service) dataConverter() converter.DataConverter {
	if s.o.Box == nil {
		return converter.GetDefaultDataConverter()
	}
	return temporalx.DataConverter(s.o.Box)
}

// AskUpgrade sends workflows.SignalContinueAsNew to every open ticket's workflow: each run
// continues as new at its next quiet moment, on the code of the workers now running (how
// long-lived tickets leave old GetVersion branches; README, "Changing a workflow"). It
// returns how many were asked and how many had no running workflow (the reconciler starts
// those on the current code anyway).
func (s *Service) AskUpgrade(ctx context.Context) (asked, missing int, err error) {
	var after uint64
	for {
		ts, err := s.o.Store.TicketsNotClosed(ctx, after, reconcilePage)
		if err != nil {
			return asked, missing, fmt.Errorf("upgrade: %w", err)
		}
		for _, t := range ts {
			after = t.ID
			err := s.o.Temporal.SignalWorkflow(ctx, workflowIDOf(t), "", workflows.SignalContinueAsNew, nil)
			switch {
			case err == nil:
				asked++
			case isGone(err):
				missing++
			default:
				return asked, missing, fmt.Errorf("upgrade ticket %d: %w", t.ID, err)
			}
		}
		if len(ts) < reconcilePage {
			return asked, missing, nil
		}
	}
}

package workflows

// Maintenance workflows: the reconciler that heals open tickets without a running workflow,
// the fan-out that tells a merchant's open tickets about an edited SLA policy, and the
// install marker that binds a Temporal namespace to one keydesk database. Their activities
// need the Temporal client and live in package tickets (tickets.Maintenance); they are named
// here by string so this package does not import tickets.

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Workflow and activity names of the maintenance workflows.
const (
	ReconcilerWorkflowName   = "ReconcilerWorkflow"
	PolicyFanoutWorkflowName = "PolicyFanoutWorkflow"
	InstallWorkflowName      = "InstallWorkflow"

	// ActivityReconcileTickets is tickets.Maintenance.ReconcileTickets.
	ActivityReconcileTickets = "ReconcileTickets"
	// ActivityPolicyChangedPage is tickets.Maintenance.PolicyChangedPage.
	ActivityPolicyChangedPage = "PolicyChangedPage"

	// QueryProgress answers a PolicyFanoutWorkflow's progress (FanoutProgress) or the
	// reconciler's last report (ReconcileReport).
	QueryProgress = "progress"
)

// ReconcilerWorkflowID is the single reconciler of an install.
func ReconcilerWorkflowID(install string) string { return "keydesk/reconciler/" + install }

// InstallWorkflowID is the one marker workflow of a namespace; its input is the install id.
const InstallWorkflowID = "keydesk/install"

// PolicyFanoutWorkflowID names the fan-out of one policy edit (requestID: the API request).
func PolicyFanoutWorkflowID(merchantID uint64, requestID string) string {
	return fmt.Sprintf("policy-change/%d/%s", merchantID, requestID)
}

// ReconcileInput configures the reconciler; zero values take the defaults.
type ReconcileInput struct {
	// Every is the pause between passes (default 5 minutes).
	Every time.Duration `json:"every,omitempty"`
	// Passes counts passes across runs (continue-as-new every 100 passes).
	Passes int `json:"passes,omitempty"`
	// Last is the previous pass's report.
	Last ReconcileReport `json:"last"`
}

// ReconcileReport is one pass of the reconciler.
type ReconcileReport struct {
	At time.Time `json:"at"`
	// Open is how many tickets are not closed in the database; Missing how many of them had
	// no running workflow; Healed how many of those were started again; Failed how many
	// could not be (retried next pass).
	Open    int `json:"open"`
	Missing int `json:"missing"`
	Healed  int `json:"healed"`
	Failed  int `json:"failed"`
	// OutboundStarted counts queued buyer messages whose delivery workflow was started.
	OutboundStarted int `json:"outbound_started"`
	// HealedTotal adds up Healed over every pass since the reconciler first ran.
	HealedTotal int `json:"healed_total"`
}

// DefaultReconcileEvery is the reconciler's pause between passes.
const DefaultReconcileEvery = 5 * time.Minute

// reconcilePassesPerRun bounds a reconciler run's history.
const reconcilePassesPerRun = 100

// maintenanceActivity retries without an attempt limit: these are idempotent scans and
// starts, and the database or Temporal may be down for a while.
func maintenanceActivity(ctx workflow.Context, startToClose time.Duration) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: startToClose,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
			MaximumAttempts: noAttemptLimit},
	})
}

// ReconcilerWorkflow compares open tickets with running workflows every Every and starts the
// missing ones (tickets.Maintenance.ReconcileTickets). It runs for the life of the install
// (started by every worker at start-up, one per install thanks to its fixed id) and
// continues as new every 100 passes.
func ReconcilerWorkflow(ctx workflow.Context, in ReconcileInput) error {
	every := in.Every
	if every <= 0 {
		every = DefaultReconcileEvery
	}
	last := in.Last
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (ReconcileReport, error) { return last, nil }); err != nil {
		return err
	}
	actx := maintenanceActivity(ctx, 30*time.Minute)
	for pass := 0; pass < reconcilePassesPerRun; pass++ {
		var rep ReconcileReport
		if err := workflow.ExecuteActivity(actx, ActivityReconcileTickets).Get(ctx, &rep); err != nil {
			workflow.GetLogger(ctx).Warn("reconcile pass failed", "err", err)
		} else {
			rep.HealedTotal = last.HealedTotal + rep.Healed
			last = rep
		}
		if err := workflow.Sleep(ctx, every); err != nil {
			return err
		}
	}
	return workflow.NewContinueAsNewError(ctx, ReconcilerWorkflowName, ReconcileInput{Every: in.Every, Passes: in.Passes + reconcilePassesPerRun, Last: last})
}

// PolicyFanoutInput starts the fan-out of one SLA-policy edit.
type PolicyFanoutInput struct {
	MerchantID uint64 `json:"merchant_id"`
	// RequestID is the edit's request id; each ticket's update id derives from it, so a
	// retried page tells every ticket once.
	RequestID string `json:"request_id"`
	Actor     Actor  `json:"actor"`
	// After resumes after this ticket id (continue-as-new); Progress carries the counts.
	After    uint64         `json:"after,omitempty"`
	Progress FanoutProgress `json:"progress"`
}

// PolicyPage asks the activity to tell one page of open tickets.
type PolicyPage struct {
	MerchantID uint64 `json:"merchant_id"`
	RequestID  string `json:"request_id"`
	Actor      Actor  `json:"actor"`
	After      uint64 `json:"after"`
	Limit      int    `json:"limit"`
}

// PolicyPageResult is what one page did; Next is the last ticket id of the page.
type PolicyPageResult struct {
	Told    int    `json:"told"`
	Skipped int    `json:"skipped"` // closed meanwhile or refused the update
	Failed  int    `json:"failed"`
	Next    uint64 `json:"next"`
	More    bool   `json:"more"`
}

// FanoutProgress is a fan-out's progress, as the supervisor sees it.
type FanoutProgress struct {
	Told    int  `json:"told"`
	Skipped int  `json:"skipped"`
	Failed  int  `json:"failed"`
	Pages   int  `json:"pages"`
	Done    bool `json:"done"`
}

// policyPagesPerRun bounds a fan-out run's history.
const policyPagesPerRun = 200

// policyPageSize is how many tickets one activity tells (in parallel inside the activity).
const policyPageSize = 200

// PolicyFanoutWorkflow sends policy_changed to every open ticket of a merchant, page by page,
// in parallel within a page. It survives restarts of every process; its progress is the
// QueryProgress query.
func PolicyFanoutWorkflow(ctx workflow.Context, in PolicyFanoutInput) (FanoutProgress, error) {
	p := in.Progress
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (FanoutProgress, error) { return p, nil }); err != nil {
		return p, err
	}
	actx := maintenanceActivity(ctx, 10*time.Minute)
	after := in.After
	for range policyPagesPerRun {
		var res PolicyPageResult
		page := PolicyPage{MerchantID: in.MerchantID, RequestID: in.RequestID, Actor: in.Actor, After: after, Limit: policyPageSize}
		if err := workflow.ExecuteActivity(actx, ActivityPolicyChangedPage, page).Get(ctx, &res); err != nil {
			return p, err
		}
		p.Told, p.Skipped, p.Failed, p.Pages = p.Told+res.Told, p.Skipped+res.Skipped, p.Failed+res.Failed, p.Pages+1
		after = res.Next
		if !res.More {
			p.Done = true
			return p, nil
		}
	}
	next := in
	next.After, next.Progress = after, p
	return p, workflow.NewContinueAsNewError(ctx, PolicyFanoutWorkflowName, next)
}

// InstallWorkflow marks a namespace as used by the keydesk install whose id is its input.
// It waits forever and does nothing: app start-up reads its input and refuses to run when
// the database's install id differs (a reused Temporal data dir or a shared namespace would
// otherwise send new tickets to old tickets' workflows).
func InstallWorkflow(ctx workflow.Context, installID string) error {
	return workflow.Await(ctx, func() bool { return false })
}

package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/keydesk/keydesk/models"
)

// startPath launches the automatic path of the ticket's category once the ticket is open.
// A resumed run starts it again only when it never produced a decision (the activities are
// idempotent, so a run that crashed in between simply finishes the job).
func (r *run) startPath(ctx workflow.Context) {
	if r.s.Status == models.StatusClosed || r.s.Status == models.StatusResolved {
		return
	}
	switch r.s.Category {
	case "key_invalid", "key_missing":
		if r.s.Risk != nil {
			return
		}
		r.goPath(ctx, r.keyClaim)
	case "refund":
		if rf := r.s.Refund; rf != nil && rf.Status == RefundProcessing && !rf.Reports {
			// A resumed run whose refund child predates reports: follow the refunds row
			// (not counted as busy: it may wait for days and must not hold up
			// continue-as-new).
			workflow.Go(ctx, r.watchUnreportedRefund)
		}
		r.goPath(ctx, r.refundPath)
	case "dispute":
		r.goPath(ctx, r.disputePath)
	}
}

// goPath runs a path beside the main loop, counted so continue-as-new waits for it.
func (r *run) goPath(ctx workflow.Context, path func(workflow.Context)) {
	r.busy++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { r.busy-- }()
		path(ctx)
	})
}

// refundPath (workflows/refund.go, the payments engineer's) runs the refund category:
// eligibility and fraud check, approval by refund_decision, the RefundWorkflow child.
// validateRefundDecision and applyRefundDecision live there too.

// disputePath (workflows/dispute.go, the payments engineer's) runs the dispute category:
// evidence report, the gateway's deadline with reminders and escalation, and the
// dispute_action update (sign-off, submission, outcome).

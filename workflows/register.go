package workflows

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/keydesk/keydesk/activities"
)

// Register registers the ticket workflow, the refund child workflow, the outbound delivery
// workflow and every activity (all methods of a, including the inventory's and payments'
// activities) with a worker.
func Register(w worker.Registry, a *activities.Activities) {
	w.RegisterWorkflowWithOptions(TicketWorkflow, workflow.RegisterOptions{Name: TicketWorkflowName})
	w.RegisterWorkflowWithOptions(RefundWorkflow, workflow.RegisterOptions{Name: RefundWorkflowName})
	w.RegisterWorkflowWithOptions(OutboundWorkflow, workflow.RegisterOptions{Name: OutboundWorkflowName})
	w.RegisterActivityWithOptions(a, activity.RegisterOptions{})
}

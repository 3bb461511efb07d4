package workflows

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/keydesk/keydesk/activities"
)

// Register registers the ticket workflow, the refund child workflow, the outbound delivery
// workflow, the maintenance workflows (their activities: tickets.Maintenance.Register) and
// every activity (all methods of a, including the inventory's and payments'
// activities) with a worker.
func Register(w worker.Registry, a *activities.Activities) {
	w.RegisterWorkflowWithOptions(TicketWorkflow, workflow.RegisterOptions{Name: TicketWorkflowName})
	w.RegisterWorkflowWithOptions(RefundWorkflow, workflow.RegisterOptions{Name: RefundWorkflowName})
	w.RegisterWorkflowWithOptions(OutboundWorkflow, workflow.RegisterOptions{Name: OutboundWorkflowName})
	w.RegisterWorkflowWithOptions(ReconcilerWorkflow, workflow.RegisterOptions{Name: ReconcilerWorkflowName})
	w.RegisterWorkflowWithOptions(PolicyFanoutWorkflow, workflow.RegisterOptions{Name: PolicyFanoutWorkflowName})
	w.RegisterWorkflowWithOptions(InstallWorkflow, workflow.RegisterOptions{Name: InstallWorkflowName})
	w.RegisterActivityWithOptions(a, activity.RegisterOptions{})
}

package app

import (
	"testing"

	"github.com/keydesk/keydesk/config"
)

// TestWorkerOptionsFromConfig: configured pollers and limits reach the worker; zero values keep
// keydesk's poller default and the SDK's limits.
func TestWorkerOptionsFromConfig(t *testing.T) {
	o := WorkerOptions(config.Config{WorkflowPollers: 3, ActivityPollers: 5, MaxWorkflowTasks: 40, MaxActivities: 70})
	if o.MaxConcurrentWorkflowTaskPollers != 3 || o.MaxConcurrentActivityTaskPollers != 5 ||
		o.MaxConcurrentWorkflowTaskExecutionSize != 40 || o.MaxConcurrentActivityExecutionSize != 70 ||
		o.MaxConcurrentLocalActivityExecutionSize != 70 {
		t.Fatalf("configured: %+v", o)
	}
	z := WorkerOptions(config.Config{})
	if z.MaxConcurrentWorkflowTaskPollers != 8 || z.MaxConcurrentActivityTaskPollers != 8 ||
		z.MaxConcurrentWorkflowTaskExecutionSize != 0 || z.MaxConcurrentActivityExecutionSize != 0 {
		t.Fatalf("zero config: %+v", z)
	}
}

package workflows_test

import (
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/keydesk/keydesk/workflows"
)

// corpusFiles lists the recorded histories (testdata/replay/<release>/<path>.json).
func corpusFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "replay", "*", "*.json"))
	must(t, err)
	if len(files) == 0 {
		t.Fatal("no replay corpus under testdata/replay: record one (README, \"Changing a workflow\")")
	}
	return files
}

// replayer returns a replayer with the workflows registered under their names; ticket
// replaces the ticket workflow (for the tests that prove an unversioned change is caught).
func replayer(t *testing.T, ticket any) worker.WorkflowReplayer {
	t.Helper()
	r := worker.NewWorkflowReplayer()
	registerAll(r, ticket)
	return r
}

// registerAll registers the workflows under their names; a nil ticket is TicketWorkflow.
func registerAll(r worker.WorkflowReplayer, ticket any) {
	if ticket == nil {
		ticket = workflows.TicketWorkflow
	}
	r.RegisterWorkflowWithOptions(ticket, workflow.RegisterOptions{Name: workflows.TicketWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.RefundWorkflow, workflow.RegisterOptions{Name: workflows.RefundWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.OutboundWorkflow, workflow.RegisterOptions{Name: workflows.OutboundWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.ReconcilerWorkflow, workflow.RegisterOptions{Name: workflows.ReconcilerWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.PolicyFanoutWorkflow, workflow.RegisterOptions{Name: workflows.PolicyFanoutWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.InstallWorkflow, workflow.RegisterOptions{Name: workflows.InstallWorkflowName})
}

var quietSDK = log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))

// TestReplayCorpus replays every recorded history with the current code: a change to a
// workflow that is not versioned (workflow.GetVersion) breaks one of them and fails here.
func TestReplayCorpus(t *testing.T) {
	r := replayer(t, nil)
	for _, f := range corpusFiles(t) {
		name := corpusName(f)
		t.Run(name, func(t *testing.T) {
			if err := r.ReplayWorkflowHistoryFromJSONFile(quietSDK, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}

// unversionedChange is TicketWorkflow with one more activity before everything else, as a
// developer might add it: every recorded ticket history must refuse it.
func unversionedChange(ctx workflow.Context, in workflows.TicketInput) (workflows.State, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Second,
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1}})
	_ = workflow.ExecuteActivity(actx, "AuditTicketStart", in.TicketID).Get(ctx, nil)
	return workflows.TicketWorkflow(ctx, in)
}

// versionedChange is the same change behind workflow.GetVersion, as the policy asks: old
// histories take the old branch and replay.
func versionedChange(ctx workflow.Context, in workflows.TicketInput) (workflows.State, error) {
	if workflow.GetVersion(ctx, "test-audit-ticket-start", workflow.DefaultVersion, 1) == 1 {
		return unversionedChange(ctx, in)
	}
	return workflows.TicketWorkflow(ctx, in)
}

func ticketFiles(t *testing.T) []string {
	var out []string
	for _, f := range corpusFiles(t) {
		b := filepath.Base(f)
		if !strings.Contains(b, "child") && !strings.HasPrefix(b, "outbound") && !strings.Contains(b, "fanout") &&
			!strings.Contains(b, "reconciler") && !strings.Contains(b, "install_marker") {
			out = append(out, f)
		}
	}
	return out
}

func TestReplayCorpusRefusesUnversionedChange(t *testing.T) {
	r := replayer(t, unversionedChange)
	files := ticketFiles(t)
	for _, f := range files {
		if err := r.ReplayWorkflowHistoryFromJSONFile(quietSDK, f); err == nil {
			t.Errorf("%s replayed with an unversioned change to the command sequence", f)
		}
	}
	t.Logf("%d ticket histories refused the unversioned change", len(files))
}

func TestReplayCorpusAcceptsVersionedChange(t *testing.T) {
	r := replayer(t, versionedChange)
	for _, f := range ticketFiles(t) {
		if err := r.ReplayWorkflowHistoryFromJSONFile(quietSDK, f); err != nil {
			t.Errorf("%s: versioned change failed replay: %v", f, err)
		}
	}
}

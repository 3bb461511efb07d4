package workflows

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/keydesk/keydesk/activities"
)

func newOutboundEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *activities.Activities, *int) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	a := &activities.Activities{}
	env.RegisterWorkflowWithOptions(OutboundWorkflow, workflow.RegisterOptions{Name: OutboundWorkflowName})
	env.RegisterActivity(a)
	calls := new(int)
	env.SetOnActivityStartedListener(func(*activity.Info, context.Context, converter.EncodedValues) { *calls++ })
	return env, a, calls
}

// TestOutboundWorkflow: transient failures are retried by Temporal until the activity
// succeeds; a non-retryable one ends the run at once; no endpoint ends it quietly.
func TestOutboundWorkflow(t *testing.T) {
	ok := activities.OutboundResult{Endpoints: 1, Delivered: 1}
	cases := []struct {
		name      string
		mock      func(env *testsuite.TestWorkflowEnvironment, a *activities.Activities)
		wantCalls int
		wantErr   bool
		wantRes   activities.OutboundResult
	}{
		{name: "retried until delivered", wantCalls: 3, wantRes: ok, mock: func(env *testsuite.TestWorkflowEnvironment, a *activities.Activities) {
			env.OnActivity(a.DeliverOutbound, mock.Anything, uint64(7)).Return(activities.OutboundResult{}, errors.New("endpoint answered 503")).Times(2)
			env.OnActivity(a.DeliverOutbound, mock.Anything, uint64(7)).Return(ok, nil).Once()
		}},
		{name: "non-retryable stops", wantCalls: 1, wantErr: true, mock: func(env *testsuite.TestWorkflowEnvironment, a *activities.Activities) {
			env.OnActivity(a.DeliverOutbound, mock.Anything, uint64(7)).Return(activities.OutboundResult{},
				temporal.NewNonRetryableApplicationError("gone", "NotFound", nil)).Once()
		}},
		{name: "no endpoint", wantCalls: 1, mock: func(env *testsuite.TestWorkflowEnvironment, a *activities.Activities) {
			env.OnActivity(a.DeliverOutbound, mock.Anything, uint64(7)).Return(activities.OutboundResult{}, nil).Once()
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env, a, calls := newOutboundEnv(t)
			tc.mock(env, a)
			env.ExecuteWorkflow(OutboundWorkflowName, uint64(7))
			if !env.IsWorkflowCompleted() {
				t.Fatal("workflow did not complete")
			}
			if err := env.GetWorkflowError(); (err != nil) != tc.wantErr {
				t.Fatalf("workflow error %v, want error %v", err, tc.wantErr)
			}
			if *calls != tc.wantCalls {
				t.Fatalf("%d activity attempts, want %d", *calls, tc.wantCalls)
			}
			if !tc.wantErr {
				var res activities.OutboundResult
				if err := env.GetWorkflowResult(&res); err != nil || res != tc.wantRes {
					t.Fatalf("result %+v %v, want %+v", res, err, tc.wantRes)
				}
			}
			env.AssertExpectations(t)
		})
	}
}

// TestOutboundRetryPolicyAndID: backoff from 5s doubling to at most 1h, for about a day.
func TestOutboundRetryPolicyAndID(t *testing.T) {
	rp := outboundActivityOptions.RetryPolicy
	if rp.InitialInterval != 5*time.Second || rp.BackoffCoefficient != 2 || rp.MaximumInterval != time.Hour || rp.MaximumAttempts != 0 {
		t.Errorf("retry policy %+v", rp)
	}
	if outboundActivityOptions.ScheduleToCloseTimeout != 24*time.Hour {
		t.Errorf("schedule-to-close %s", outboundActivityOptions.ScheduleToCloseTimeout)
	}
	if got := OutboundWorkflowID(42); got != "outbound/42" {
		t.Errorf("id %q", got)
	}
}

package workflows

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/sla"
)

// harness runs one ticket workflow in the SDK test environment (time skipping) with the
// database activities mocked by recorders.
type harness struct {
	t       *testing.T
	env     *testsuite.TestWorkflowEnvironment
	policy  activities.TicketPolicy
	start   time.Time
	mu      sync.Mutex
	changes []activities.TicketChange
	// failRecord, when set, may fail a write (a database fault); failedRecords counts them.
	failRecord    func(activities.TicketChange) error
	failedRecords int
}

// monday0900 is a Monday, 09:00 UTC.
var monday0900 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func testPolicy() activities.TicketPolicy {
	p := activities.DefaultTicketPolicy()
	p.Targets[models.PriorityNormal] = sla.Targets{FirstResponse: time.Hour, NextResponse: 2 * time.Hour, Resolution: 8 * time.Hour, WarnFraction: 0.75}
	p.Targets[models.PriorityHigh] = sla.Targets{FirstResponse: 30 * time.Minute, NextResponse: 30 * time.Minute, Resolution: 3 * time.Hour, WarnFraction: 0.75}
	p.Targets[models.PriorityUrgent] = sla.Targets{FirstResponse: 15 * time.Minute, NextResponse: 15 * time.Minute, Resolution: 2 * time.Hour, WarnFraction: 0.75}
	return p
}

func newHarness(t *testing.T, policy activities.TicketPolicy, start time.Time) *harness {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	h := &harness{t: t, env: suite.NewTestWorkflowEnvironment(), policy: policy, start: start}
	h.env.SetStartTime(start)
	h.env.SetTestTimeout(20 * time.Second)
	h.env.RegisterWorkflowWithOptions(TicketWorkflow, workflow.RegisterOptions{Name: TicketWorkflowName})
	a := &activities.Activities{}
	h.env.RegisterActivity(a)
	h.env.OnActivity(a.LoadTicketPolicy, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.PolicyInput) (activities.TicketPolicy, error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			return h.policy, nil
		})
	h.env.OnActivity(a.RecordTicketChange, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.TicketChange) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			if h.failRecord != nil {
				if err := h.failRecord(in); err != nil {
					h.failedRecords++
					return err
				}
			}
			h.changes = append(h.changes, in)
			return nil
		})
	return h
}

func (h *harness) input(category, priority string) TicketInput {
	return TicketInput{TicketID: 42, MerchantID: 7, Ref: "KD-TEST0001", Category: category, Priority: priority, CreatedAt: h.start}
}

// at runs fn at start+d (workflow time).
func (h *harness) at(d time.Duration, fn func()) { h.env.RegisterDelayedCallback(fn, d) }

// send sends an update; then receives the new state or the rejection when it is answered
// (updates complete asynchronously in the test environment, after their local activity).
func (h *harness) send(name string, in any, then func(State, error)) {
	h.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
		OnReject: func(e error) {
			if then != nil {
				then(State{}, e)
			}
		},
		OnComplete: func(res any, e error) {
			var st State
			if e == nil {
				var ack UpdateAck
				switch v := res.(type) {
				case UpdateAck:
					ack = v
				case *UpdateAck:
					ack = *v
				case converter.EncodedValue:
					e = v.Get(&ack)
				default:
					e = fmt.Errorf("unexpected update result %T", res)
				}
				if e == nil {
					st, e = h.savedAt(ack)
				}
			}
			if then != nil {
				then(st, e)
			}
		},
	}, in)
}

// savedAt is what tickets.Service answers an update with: the snapshot the workflow recorded
// at the acknowledged version (the last one recorded for it), with its clocks as of now.
func (h *harness) savedAt(ack UpdateAck) (State, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := len(h.changes) - 1; i >= 0; i-- {
		var st State
		if err := json.Unmarshal(h.changes[i].Snapshot, &st); err != nil {
			return State{}, fmt.Errorf("decode snapshot: %w", err)
		}
		if st.Version == ack.Version && st.TicketID == ack.TicketID && st.Status == ack.Status {
			st.SLA = ClockViews(st, h.policy, h.env.Now())
			return st, nil
		}
	}
	return State{}, fmt.Errorf("no snapshot recorded at version %d (ticket %d)", ack.Version, ack.TicketID)
}

// step is one update of a chain.
type step struct {
	name string
	in   any
	then func(State, error)
}

// chain sends updates one after the other, each once the previous one was answered. A
// step without then must succeed.
func (h *harness) chain(steps ...step) {
	if len(steps) == 0 {
		return
	}
	s := steps[0]
	h.send(s.name, s.in, func(st State, err error) {
		if s.then != nil {
			s.then(st, err)
		} else if err != nil {
			h.t.Errorf("update %s: %v", s.name, err)
		}
		h.chain(steps[1:]...)
	})
}

// must sends one update that must succeed, then checks its result.
func (h *harness) must(name string, in any, check func(State)) {
	h.chain(step{name: name, in: in, then: func(st State, err error) {
		if err != nil {
			h.t.Errorf("update %s: %v", name, err)
			return
		}
		if check != nil {
			check(st)
		}
	}})
}

func (h *harness) query() State {
	h.t.Helper()
	v, err := h.env.QueryWorkflow(QueryState)
	if err != nil {
		h.t.Fatalf("query: %v", err)
	}
	var st State
	if err := v.Get(&st); err != nil {
		h.t.Fatalf("query decode: %v", err)
	}
	return st
}

// closeAt resolves and closes the ticket at start+d so the workflow ends.
func (h *harness) closeAt(d time.Duration) {
	h.at(d, func() {
		var steps []step
		if h.query().Status != models.StatusResolved {
			steps = append(steps, step{name: UpdateResolve, in: ReplyInput{ActionInput: agent("")}})
		}
		steps = append(steps, step{name: UpdateSetStatus, in: StatusInput{ActionInput: agent(""), Status: models.StatusClosed}})
		h.chain(steps...)
	})
}

// run executes the workflow and returns its final state.
func (h *harness) run(in TicketInput) State {
	h.t.Helper()
	h.env.ExecuteWorkflow(TicketWorkflowName, in)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("workflow did not complete")
	}
	if err := h.env.GetWorkflowError(); err != nil {
		h.t.Fatalf("workflow error: %v", err)
	}
	var st State
	if err := h.env.GetWorkflowResult(&st); err != nil {
		h.t.Fatalf("result: %v", err)
	}
	return st
}

// events returns every recorded event, in order.
func (h *harness) events() []activities.EventRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []activities.EventRecord
	for _, c := range h.changes {
		out = append(out, c.Events...)
	}
	return out
}

// eventsOf returns the recorded events of one kind.
func (h *harness) eventsOf(kind string) []activities.EventRecord {
	var out []activities.EventRecord
	for _, e := range h.events() {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func (h *harness) notifications() []activities.NotificationRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []activities.NotificationRecord
	for _, c := range h.changes {
		out = append(out, c.Notifications...)
	}
	return out
}

func (h *harness) messages() []activities.MessageRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []activities.MessageRecord
	for _, c := range h.changes {
		out = append(out, c.Messages...)
	}
	return out
}

// lastChange returns the most recent write.
func (h *harness) lastChange() activities.TicketChange {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.changes[len(h.changes)-1]
}

var reqSeq int

func agent(id string) ActionInput {
	if id == "" {
		reqSeq++
		id = fmt.Sprintf("req-%d", reqSeq)
	}
	return ActionInput{RequestID: id, Actor: Actor{Kind: ActorAgent, UserID: 5, Name: "Ann", Role: "agent"}}
}

func buyer(id string) ActionInput {
	if id == "" {
		reqSeq++
		id = fmt.Sprintf("req-%d", reqSeq)
	}
	return ActionInput{RequestID: id, Actor: Actor{Kind: ActorCustomer}}
}

func clockView(st State, m sla.Metric) ClockView {
	for _, v := range st.SLA {
		if v.Metric == m {
			return v
		}
	}
	return ClockView{}
}

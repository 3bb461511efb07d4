package workflows_test

// The replay corpus recorder. It runs every path of the ticket, refund and outbound
// workflows on the embedded Temporal server with scripted activities (registered under the
// real activity names, so the histories are exactly what production writes) and stores each
// history as JSON under testdata/replay/<release>/. TestReplayCorpus replays them all on every
// test run. Record a fresh corpus at each release (see the README, "Changing a workflow"):
//
//	KEYDESK_RECORD_CORPUS=testdata/replay/<release> go test ./workflows -run TestRecordReplayCorpus -count=1
//
// Waiting states are recorded too ("open_*" files: histories of runs still in flight),
// since those are the tickets a new build has to continue.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/fraud"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/sla"
	"github.com/keydesk/keydesk/workflows"
)

// corpusQueue is the recorder's own task queue, so the e2e worker never picks its tasks.
const corpusQueue = "keydesk-corpus"

// fastMerchant's SLA targets are seconds, so warnings, breaches and the escalation chain
// happen while the recorder watches; slowMerchant's are hours.
const (
	slowMerchant uint64 = 1
	fastMerchant uint64 = 2
)

// script is what the fake activities answer, per ticket.
type script struct {
	mu       sync.Mutex
	claim    map[uint64]activities.KeyClaimAssessment
	claimErr map[uint64]bool
	reissue  map[uint64][]activities.ReissueResult // one per call, the last repeats
	refund   map[uint64]activities.RefundPlan
	submit   map[string][]string // out_refund_no: results per call ("fail", "failed", "submitted", "succeeded")
	poll     map[string][]string
	dispute  map[uint64]activities.DisputeCase
	calls    map[string]int
}

func newScript() *script {
	return &script{claim: map[uint64]activities.KeyClaimAssessment{}, claimErr: map[uint64]bool{},
		reissue: map[uint64][]activities.ReissueResult{}, refund: map[uint64]activities.RefundPlan{},
		submit: map[string][]string{}, poll: map[string][]string{}, dispute: map[uint64]activities.DisputeCase{}, calls: map[string]int{}}
}

// next returns the n-th scripted answer for key (the last one repeats).
func (s *script) next(key string, list []string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.calls[key]
	s.calls[key]++
	if len(list) == 0 {
		return ""
	}
	return list[min(i, len(list)-1)]
}

func corpusPolicy(merchantID uint64) activities.TicketPolicy {
	p := activities.DefaultTicketPolicy()
	if merchantID == fastMerchant {
		for _, prio := range []string{models.PriorityLow, models.PriorityNormal, models.PriorityHigh, models.PriorityUrgent} {
			p.Targets[prio] = sla.Targets{FirstResponse: 2 * time.Second, NextResponse: 3 * time.Second, Resolution: 5 * time.Second, WarnFraction: 0.5}
		}
	}
	return p
}

// register registers the workflows and the scripted activities under their real names;
// ticket, when set, replaces the ticket workflow (a build with a change).
func (s *script) register(w worker.Registry, ticket any) {
	if ticket == nil {
		ticket = workflows.TicketWorkflow
	}
	w.RegisterWorkflowWithOptions(ticket, workflow.RegisterOptions{Name: workflows.TicketWorkflowName})
	w.RegisterWorkflowWithOptions(workflows.RefundWorkflow, workflow.RegisterOptions{Name: workflows.RefundWorkflowName})
	w.RegisterWorkflowWithOptions(workflows.OutboundWorkflow, workflow.RegisterOptions{Name: workflows.OutboundWorkflowName})
	reg := func(name string, fn any) { w.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	reg("LoadTicketPolicy", func(_ context.Context, in activities.PolicyInput) (activities.TicketPolicy, error) {
		return corpusPolicy(in.MerchantID), nil
	})
	reg("RecordTicketChange", func(context.Context, activities.TicketChange) error { return nil })
	reg("AssessKeyClaim", func(_ context.Context, in activities.KeyClaimInput) (activities.KeyClaimAssessment, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.claimErr[in.TicketID] {
			return activities.KeyClaimAssessment{}, temporal.NewNonRetryableApplicationError("order not found", "NotFound", nil)
		}
		return s.claim[in.TicketID], nil
	})
	reg("ReissueKey", func(_ context.Context, in activities.ReissueInput) (activities.ReissueResult, error) {
		s.mu.Lock()
		list := s.reissue[in.TicketID]
		s.mu.Unlock()
		key := fmt.Sprintf("reissue/%d", in.TicketID)
		s.mu.Lock()
		i := s.calls[key]
		s.calls[key]++
		s.mu.Unlock()
		return list[min(i, len(list)-1)], nil
	})
	reg("PrepareRefund", func(_ context.Context, in activities.RefundPrepInput) (activities.RefundPlan, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.refund[in.TicketID], nil
	})
	reg("BeginRefund", func(_ context.Context, in activities.BeginRefundInput) (activities.RefundRecord, error) {
		return activities.RefundRecord{ID: 1, OutRefundNo: in.OutRefundNo, Status: models.RefundApproved, Amount: in.Amount,
			Fee: in.Fee, Currency: in.Currency, Gateway: in.Gateway}, nil
	})
	gateway := func(kind string, list map[string][]string) func(context.Context, activities.RefundRef) (activities.RefundRecord, error) {
		return func(_ context.Context, in activities.RefundRef) (activities.RefundRecord, error) {
			s.mu.Lock()
			l := list[in.OutRefundNo]
			s.mu.Unlock()
			rec := activities.RefundRecord{ID: 1, OutRefundNo: in.OutRefundNo, Amount: 1000, Currency: "CNY", Gateway: "fake", GatewayRefundID: "gw-" + in.OutRefundNo}
			switch s.next(kind+"/"+in.OutRefundNo, l) {
			case "fail":
				return rec, errors.New("gateway timeout")
			case "failed":
				return rec, temporal.NewNonRetryableApplicationError("insufficient merchant balance", activities.ErrTypeRefundFailed, nil)
			case "submitted":
				rec.Status = models.RefundSubmitted
			default:
				rec.Status = models.RefundSucceeded
			}
			return rec, nil
		}
	}
	reg("SubmitRefund", gateway("submit", s.submit))
	reg("PollRefund", gateway("poll", s.poll))
	reg("CompleteRefund", func(context.Context, activities.RefundRef) (activities.RefundCompletion, error) {
		return activities.RefundCompletion{OrderStatus: models.OrderRefunded, RefundedAmount: 1000, RevokedKeys: []uint64{77}, KeysCovered: 1}, nil
	})
	reg("OpenDisputeCase", func(_ context.Context, in activities.DisputeCaseInput) (activities.DisputeCase, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.dispute[in.TicketID], nil
	})
	reg("RecordDisputeAction", func(_ context.Context, in activities.DisputeActionInput) (activities.DisputeActionResult, error) {
		status := map[string]string{activities.DisputeActionSignOff: models.DisputeSignedOff, activities.DisputeActionSubmit: models.DisputeSubmitted}[in.Action]
		if in.Action == activities.DisputeActionOutcome {
			status = in.Outcome
		}
		return activities.DisputeActionResult{Status: status, Changed: true}, nil
	})
	w.RegisterWorkflowWithOptions(workflows.ReconcilerWorkflow, workflow.RegisterOptions{Name: workflows.ReconcilerWorkflowName})
	w.RegisterWorkflowWithOptions(workflows.PolicyFanoutWorkflow, workflow.RegisterOptions{Name: workflows.PolicyFanoutWorkflowName})
	w.RegisterWorkflowWithOptions(workflows.InstallWorkflow, workflow.RegisterOptions{Name: workflows.InstallWorkflowName})
	reg(workflows.ActivityReconcileTickets, func(context.Context) (workflows.ReconcileReport, error) {
		if s.next("reconcile", []string{"fail", "ok"}) == "fail" {
			return workflows.ReconcileReport{}, errors.New("database is locked")
		}
		return workflows.ReconcileReport{At: time.Now().UTC(), Open: 3, Missing: 1, Healed: 1}, nil
	})
	reg(workflows.ActivityPolicyChangedPage, func(_ context.Context, p workflows.PolicyPage) (workflows.PolicyPageResult, error) {
		if p.After == 0 { // two pages: 2 tickets, then 1
			return workflows.PolicyPageResult{Told: 2, Next: 20, More: true}, nil
		}
		return workflows.PolicyPageResult{Told: 1, Skipped: 1, Next: 30}, nil
	})
	reg("DeliverOutbound", func(_ context.Context, id uint64) (activities.OutboundResult, error) {
		if s.next(fmt.Sprintf("outbound/%d", id), []string{"fail", "ok"}) == "fail" {
			return activities.OutboundResult{}, errors.New("endpoint answered 503")
		}
		return activities.OutboundResult{Endpoints: 1, Delivered: 1}, nil
	})
}

// setClaim, setRefund and setDispute script one ticket's answers.
func (s *script) setClaim(id uint64, a activities.KeyClaimAssessment, reissue ...activities.ReissueResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.claim[id], s.reissue[id] = a, reissue
}

func (s *script) setRefund(id uint64, p activities.RefundPlan) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refund[id] = p
}

func (s *script) setDispute(id uint64, d activities.DisputeCase) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dispute[id] = d
}

func activityName(name string) activity.RegisterOptions { return activity.RegisterOptions{Name: name} }

// recorder drives scenarios and writes their histories.
type recorder struct {
	t      *testing.T
	c      client.Client
	sc     *script
	dir    string
	queue  string
	nextID uint64
}

func assessment(d fraud.Decision, score int, reasons ...string) fraud.Assessment {
	a := fraud.Assessment{Score: score, Decision: d, RulesetVersion: fraud.RulesetVersion}
	for i, r := range reasons {
		a.Hits = append(a.Hits, fraud.Hit{Rule: fmt.Sprintf("rule_%d", i), Points: score / len(reasons), Reason: r})
	}
	return a
}

// ticket starts a ticket workflow and returns its id.
func (r *recorder) ticket(category string, merchant uint64, limit int) uint64 {
	r.t.Helper()
	return r.start(category, merchant, func(in *workflows.TicketInput) { in.HistoryLimit = limit })
}

// ticketBytes starts a ticket whose run continues as new at bytes of history.
func (r *recorder) ticketBytes(category string, merchant uint64, bytes int) uint64 {
	r.t.Helper()
	return r.start(category, merchant, func(in *workflows.TicketInput) { in.HistoryBytesLimit = bytes })
}

// start starts the next ticket's workflow, its input adjusted by tune.
func (r *recorder) start(category string, merchant uint64, tune func(*workflows.TicketInput)) uint64 {
	r.t.Helper()
	r.nextID++
	id := r.nextID
	in := workflows.TicketInput{TicketID: id, MerchantID: merchant, Ref: fmt.Sprintf("KD-CORPUS%03d", id%1000), Category: category,
		Priority: models.PriorityNormal, OrderID: 500 + id, CreatedAt: time.Now().UTC()}
	tune(&in)
	queue := r.queue
	if queue == "" {
		queue = corpusQueue
	}
	_, err := r.c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: workflows.TicketWorkflowID(id), TaskQueue: queue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE}, workflows.TicketWorkflowName, in)
	must(r.t, err)
	return id
}

// act sends an update and waits for its answer; reject says whether a rejection is expected.
func (r *recorder) act(id uint64, update string, in any) workflows.State {
	r.t.Helper()
	h, err := r.c.UpdateWorkflow(context.Background(), client.UpdateWorkflowOptions{WorkflowID: workflows.TicketWorkflowID(id),
		UpdateName: update, Args: []any{in}, WaitForStage: client.WorkflowUpdateStageCompleted})
	must(r.t, err)
	var st workflows.State
	if err := h.Get(context.Background(), &st); err != nil {
		r.t.Fatalf("ticket %d %s: %v", id, update, err)
	}
	return st
}

func (r *recorder) state(id uint64) workflows.State {
	r.t.Helper()
	v, err := r.c.QueryWorkflow(context.Background(), workflows.TicketWorkflowID(id), "", workflows.QueryState)
	must(r.t, err)
	var st workflows.State
	must(r.t, v.Get(&st))
	return st
}

// waitFor polls the ticket's state until ok holds.
func (r *recorder) waitFor(id uint64, what string, ok func(workflows.State) bool) workflows.State {
	r.t.Helper()
	for range 600 {
		if st := r.state(id); ok(st) {
			return st
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.t.Fatalf("ticket %d: %s never happened (state %+v)", id, what, r.state(id))
	return workflows.State{}
}

// waitClosed waits until the workflow's latest run has completed.
func (r *recorder) waitClosed(wid string) {
	r.t.Helper()
	for range 600 {
		d, err := r.c.DescribeWorkflowExecution(context.Background(), wid, "")
		if err == nil && d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.t.Fatalf("%s still running", wid)
}

// waitRuns waits until the workflow has n runs (continue-as-new).
func (r *recorder) waitRuns(wid string, n int) {
	r.t.Helper()
	for range 600 {
		if len(r.runs(wid)) >= n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.t.Fatalf("%s never reached %d runs", wid, n)
}

// save writes every run of the workflow (oldest first) as name[-runN].json. A run still in
// flight is saved once its last workflow task has completed.
func (r *recorder) save(name, wid string) {
	r.t.Helper()
	runs := r.runs(wid)
	for i, run := range runs {
		h := r.history(wid, run)
		file := name
		if len(runs) > 1 {
			file = fmt.Sprintf("%s-run%d", name, i+1)
		}
		raw, err := protojson.MarshalOptions{Indent: " "}.Marshal(h)
		must(r.t, err)
		must(r.t, os.WriteFile(filepath.Join(r.dir, file+".json"), raw, 0o644))
	}
}

// runs lists the run ids of a workflow id, oldest first (following continue-as-new).
func (r *recorder) runs(wid string) []string {
	r.t.Helper()
	var out []string
	d, err := r.c.DescribeWorkflowExecution(context.Background(), wid, "")
	must(r.t, err)
	run := d.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	for run != "" {
		out = append([]string{run}, out...)
		h := r.history(wid, run)
		run = h.Events[0].GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId()
	}
	return out
}

func (r *recorder) history(wid, run string) *historypb.History {
	r.t.Helper()
	for range 100 {
		it := r.c.GetWorkflowHistory(context.Background(), wid, run, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		h := &historypb.History{}
		for it.HasNext() {
			ev, err := it.Next()
			must(r.t, err)
			h.Events = append(h.Events, ev)
		}
		last := h.Events[len(h.Events)-1].GetEventType()
		switch last {
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED:
			time.Sleep(50 * time.Millisecond) // a task in flight: take the history between tasks
			continue
		}
		return h
	}
	r.t.Fatalf("%s/%s never settled between workflow tasks", wid, run)
	return nil
}

func agent(id string) workflows.ActionInput {
	return workflows.ActionInput{RequestID: id, Actor: workflows.Actor{Kind: workflows.ActorAgent, UserID: 11, Name: "Ann", Role: "agent"}}
}

func supervisor(id string) workflows.ActionInput {
	return workflows.ActionInput{RequestID: id, Actor: workflows.Actor{Kind: workflows.ActorAgent, UserID: 12, Name: "Sue", Role: "supervisor"}}
}

func buyer(id string) workflows.ActionInput {
	return workflows.ActionInput{RequestID: id, Actor: workflows.Actor{Kind: workflows.ActorCustomer, Name: "buyer"}}
}

// closeTicket resolves (when needed) and closes a ticket, then waits for its run to end.
func (r *recorder) closeTicket(id uint64) {
	r.t.Helper()
	if st := r.state(id); st.Status != models.StatusResolved {
		r.act(id, workflows.UpdateResolve, workflows.ReplyInput{ActionInput: agent(fmt.Sprintf("resolve-%d", id)), Body: "Done."})
	}
	r.act(id, workflows.UpdateSetStatus, workflows.StatusInput{ActionInput: agent(fmt.Sprintf("close-%d", id)), Status: models.StatusClosed})
	r.waitClosed(workflows.TicketWorkflowID(id))
}

// TestRecordReplayCorpus records the corpus into $KEYDESK_RECORD_CORPUS. It takes about a
// minute of wall time (the SLA and dispute paths wait on real timers).
func TestRecordReplayCorpus(t *testing.T) {
	dir := os.Getenv("KEYDESK_RECORD_CORPUS")
	if dir == "" {
		t.Skip("records the replay corpus only when KEYDESK_RECORD_CORPUS names the output directory")
	}
	must(t, os.MkdirAll(dir, 0o755))
	sc := newScript()
	c, err := client.Dial(client.Options{HostPort: env.srv.HostPort(), Namespace: "default"})
	must(t, err)
	defer c.Close()
	w := worker.New(c, corpusQueue, worker.Options{})
	sc.register(w, nil)
	must(t, w.Start())
	defer w.Stop()
	r := &recorder{t: t, c: c, sc: sc, dir: dir, nextID: uint64(time.Now().Unix()%100000) * 1000}
	for _, s := range corpusScenarios() {
		t.Run(s.name, func(t *testing.T) {
			r.t = t
			s.run(r)
		})
	}
}

// scenario is one recorded path.
type scenario struct {
	name string
	run  func(r *recorder)
}

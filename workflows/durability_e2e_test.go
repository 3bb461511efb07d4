package workflows_test

// End-to-end tests of issue 11 on the embedded Temporal server: install binding, the
// reconciler and policy fan-out workflows, 202 past the update wait, and a worker replaced by
// a build with a versioned change while tickets wait in every state.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/fraud"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/tickets"
	"github.com/keydesk/keydesk/workflows"
)

// The namespace is bound to the first install that starts on it; another database's install
// is refused with an explanation, and new tickets' workflow ids carry the install id.
func TestE2EInstallBindingAndWorkflowIDs(t *testing.T) {
	ctx := context.Background()
	must(t, env.svc.BindInstall(ctx, "aaaa1111"))
	must(t, env.svc.BindInstall(ctx, "aaaa1111")) // every restart checks again
	err := env.svc.BindInstall(ctx, "bbbb2222")
	if !errors.Is(err, tickets.ErrInstallMismatch) {
		t.Fatalf("another install's database was accepted: %v", err)
	}
	t.Logf("refusal: %v", err)

	svc := tickets.New(tickets.Opts{Store: env.store, Temporal: env.client, TaskQueue: env.queue, Box: env.box,
		PublicURL: "http://desk.test", InstallID: "aaaa1111"})
	sh := newShop(t, time.Hour, 1)
	c, err := svc.Create(ctx, createInput(sh, 0))
	must(t, err)
	want := fmt.Sprintf("ticket/aaaa1111/%d", c.Ticket.ID)
	if c.Ticket.WorkflowID != want {
		t.Fatalf("workflow id %q, want %q", c.Ticket.WorkflowID, want)
	}
	if id, err := workflows.TicketIDFromWorkflowID(want); err != nil || id != c.Ticket.ID {
		t.Fatalf("parse %q: %d %v", want, id, err)
	}
	if _, err := svc.Act(ctx, sh.merchant, c.Ticket.ID, workflows.UpdateClaim, agentAct("claim-inst")); err != nil {
		t.Fatalf("act through the install's workflow id: %v", err)
	}
}

// A ticket row whose workflow id is held by another ticket's workflow (ids reused after a
// database reset) is refused instead of silently sharing the other ticket's state.
func TestE2EStartRefusesAnotherTicketsWorkflow(t *testing.T) {
	ctx := context.Background()
	sh := newShop(t, time.Hour, 2)
	a := sh.create(t, 0, "")
	ta, err := env.store.TicketByID(ctx, sh.merchant, a.Ticket.ID)
	must(t, err)
	oid := sh.orders[1].ID
	impostor := models.Ticket{MerchantID: sh.merchant, Ref: "KD-OTHER001", OrderID: &oid, Category: "other", Status: models.StatusNew,
		Priority: models.PriorityNormal, Queue: models.QueueGeneral, CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
	must(t, env.store.CreateTicket(ctx, &impostor, nil))
	must(t, env.store.SetTicketWorkflowID(ctx, sh.merchant, impostor.ID, ta.WorkflowID))
	impostor.WorkflowID = ta.WorkflowID
	// Reconciling starts the impostor's workflow: the id is held by ticket a's running run.
	rep, err := (&tickets.Maintenance{Svc: env.svc}).ReconcileTickets(ctx)
	must(t, err)
	if rep.Failed == 0 {
		t.Fatalf("report %+v: the impostor was not refused", rep)
	}
}

// The reconciler workflow finds open tickets without a running workflow and starts them;
// its report counts them and adds up the heals.
func TestE2EReconcilerWorkflowHeals(t *testing.T) {
	ctx := context.Background()
	sh := newShop(t, time.Hour, 2)
	var ids []uint64
	for i := range 2 {
		oid := sh.orders[i].ID
		tk := models.Ticket{MerchantID: sh.merchant, Ref: fmt.Sprintf("KD-RECWF%03d", i), OrderID: &oid, Category: "other", Status: models.StatusNew,
			Priority: models.PriorityNormal, Queue: models.QueueGeneral, CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
		must(t, env.store.CreateTicket(ctx, &tk, nil)) // as if the process died before the start
		ids = append(ids, tk.ID)
	}
	install := fmt.Sprintf("rec%d", time.Now().UnixNano())
	must(t, env.svc.StartReconciler(ctx, install, workflows.ReconcileInput{Every: time.Hour}))
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		rep, err := env.svc.ReconcilerReport(ctx, install)
		if err == nil && !rep.At.IsZero() {
			if rep.Healed < 2 || rep.HealedTotal < 2 || rep.Missing < 2 {
				t.Fatalf("report %+v", rep)
			}
			for _, id := range ids {
				d, err := env.client.DescribeWorkflowExecution(ctx, workflows.TicketWorkflowID(id), "")
				if err != nil || d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
					t.Fatalf("ticket %d still has no running workflow: %v", id, err)
				}
			}
			t.Logf("reconciler pass: %+v", rep)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the reconciler never reported a pass")
}

// An SLA policy edit reaches every open ticket through the fan-out workflow, whose progress
// is readable.
func TestE2EPolicyFanoutTellsEveryOpenTicket(t *testing.T) {
	ctx := context.Background()
	sh := newShop(t, time.Hour, 5)
	var ids []uint64
	for i := range 5 {
		ids = append(ids, sh.create(t, i, "").Ticket.ID)
	}
	actor := workflows.Actor{Kind: workflows.ActorAgent, UserID: 1, Name: "Sue", Role: "supervisor"}
	id, err := env.svc.StartPolicyFanout(ctx, sh.merchant, actor, "edit-1")
	must(t, err)
	if again, err := env.svc.StartPolicyFanout(ctx, sh.merchant, actor, "edit-1"); err != nil || again != id {
		t.Fatalf("second start of the same edit: %q %v", again, err)
	}
	var p workflows.FanoutProgress
	for range 400 {
		if p, err = env.svc.PolicyFanoutProgress(ctx, id); err == nil && p.Done {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	if !p.Done || p.Told != 5 || p.Failed != 0 {
		t.Fatalf("progress %+v (%v)", p, err)
	}
	for _, tid := range ids {
		evs, err := env.store.TicketEvents(ctx, sh.merchant, tid)
		must(t, err)
		if !hasEvent(evs, "sla_policy_changed") {
			t.Fatalf("ticket %d was not told: %v", tid, kinds(evs))
		}
	}
}

// Past the service's update wait an action answers ErrPending with an update id; the
// result is then read with UpdateResult.
func TestE2EActionPastTheWaitIsPending(t *testing.T) {
	ctx := context.Background()
	sh := newShop(t, time.Hour, 1)
	c := sh.create(t, 0, "")
	// The database is locked by another writer: the note's commit waits and retries.
	db, err := sql.Open("sqlite", "file:"+env.dbFile+"?_pragma=busy_timeout(100)")
	must(t, err)
	defer db.Close()
	conn, err := db.Conn(ctx)
	must(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(ctx, "BEGIN IMMEDIATE")
	must(t, err)
	locked := true
	defer func() {
		if locked {
			_, _ = conn.ExecContext(ctx, "ROLLBACK")
		}
	}()
	impatient := tickets.New(tickets.Opts{Store: env.store, Temporal: env.client, TaskQueue: env.queue, Box: env.box,
		PublicURL: "http://desk.test", UpdateWait: time.Second})
	_, err = impatient.Act(ctx, sh.merchant, c.Ticket.ID, workflows.UpdateNote,
		workflows.ReplyInput{ActionInput: agentAct("slow-note"), Body: "checking"})
	var p *tickets.Pending
	if !errors.As(err, &p) || p.UpdateID != "slow-note" {
		t.Fatalf("want pending, got %v", err)
	}
	if _, err := impatient.UpdateResult(ctx, sh.merchant, c.Ticket.ID, p.UpdateID); !errors.Is(err, tickets.ErrPending) {
		t.Fatalf("while locked: want pending again, got %v", err)
	}
	_, err = conn.ExecContext(ctx, "ROLLBACK")
	must(t, err)
	locked = false
	if _, err := env.svc.UpdateResult(ctx, sh.merchant, c.Ticket.ID, p.UpdateID); err != nil {
		t.Fatalf("result once the database is back: %v", err)
	}
	evs, err := env.store.TicketEvents(ctx, sh.merchant, c.Ticket.ID)
	must(t, err)
	if !hasEvent(evs, "note_added") {
		t.Fatalf("the pending note was never written: %v", kinds(evs))
	}
}

// Tickets wait in every state under one build; the worker is replaced by a build whose
// ticket workflow has a versioned change; every ticket then finishes its path, and a new
// ticket takes the new branch.
func TestE2EWorkerReplacedByVersionedBuild(t *testing.T) {
	c, err := client.Dial(client.Options{HostPort: env.srv.HostPort(), Namespace: "default"})
	must(t, err)
	defer c.Close()
	sc := newScript()
	queue := fmt.Sprintf("keydesk-upgrade-%d", time.Now().UnixNano())
	old := worker.New(c, queue, worker.Options{})
	sc.register(old, nil)
	must(t, old.Start())
	r := &recorder{t: t, c: c, sc: sc, queue: queue, nextID: uint64(time.Now().UnixNano()%1000000) * 1000}

	pending := r.ticket("account", slowMerchant, 0)
	r.act(pending, workflows.UpdateReply, workflows.ReplyInput{ActionInput: agent("u-ask"), Body: "Which account?", SetStatus: models.StatusPendingCustomer})
	review := r.nextID + 1
	sc.setClaim(review, reviewClaim(), activities.ReissueResult{Status: activities.ReissueDelivered, CardKeyID: 1, DeliveryID: 2})
	r.ticket("key_invalid", slowMerchant, 0)
	r.waitFor(review, "review", func(s workflows.State) bool { return s.Risk != nil && s.Risk.Pending })
	refund := r.nextID + 1
	sc.setRefund(refund, refundPlan(true))
	r.ticket("refund", slowMerchant, 0)
	r.waitFor(refund, "plan", func(s workflows.State) bool { return s.Refund != nil })
	sla := r.ticket("other", fastMerchant, 0)
	dispute := r.nextID + 1
	sc.setDispute(dispute, disputeCase(dispute, time.Now().Add(48*time.Hour)))
	r.ticket("dispute", slowMerchant, 0)
	r.waitFor(dispute, "case", func(s workflows.State) bool { return s.Dispute != nil })
	old.Stop()

	var audits atomic.Int32
	next := worker.New(c, queue, worker.Options{})
	sc.register(next, versionedChange)
	next.RegisterActivityWithOptions(func(context.Context, uint64) error { audits.Add(1); return nil }, activityName("AuditTicketStart"))
	must(t, next.Start())
	defer next.Stop()

	r.act(pending, workflows.UpdateCustomerReply, workflows.ReplyInput{ActionInput: buyer("u-answer"), Body: "the gmail one"})
	r.closeTicket(pending)
	r.act(review, workflows.UpdateRiskDecision, workflows.DecisionInput{ActionInput: riskAgent("u-approve"), Approve: true, Reason: "ok"})
	r.waitFor(review, "reissue", func(s workflows.State) bool {
		return s.Reissue != nil && s.Reissue.Status == workflows.ReissueDelivered
	})
	r.closeTicket(review)
	r.act(refund, workflows.UpdateRefundDecision, workflows.DecisionInput{ActionInput: agent("u-refund"), Approve: true})
	r.waitFor(refund, "refund outcome", func(s workflows.State) bool { return s.Refund.Status == workflows.RefundSucceeded })
	r.closeTicket(refund)
	r.waitFor(sla, "escalation after the switch", func(s workflows.State) bool { return s.EscalationLevel >= 1 })
	r.closeTicket(sla)
	for _, a := range []string{activities.DisputeActionSignOff, activities.DisputeActionSubmit} {
		r.act(dispute, workflows.UpdateDisputeAction, workflows.DisputeActionInput{ActionInput: supervisor("u-" + a), Action: a})
	}
	r.closeTicket(dispute)
	if n := audits.Load(); n != 0 {
		t.Fatalf("old tickets took the new branch %d times", n)
	}
	fresh := r.ticket("account", slowMerchant, 0)
	for i := 0; i < 200 && audits.Load() == 0; i++ { // the new branch runs before the handlers exist
		time.Sleep(25 * time.Millisecond)
	}
	// The new branch's activity runs before the handlers are registered: wait until the run
	// answers queries again (a query in between is refused as an unknown type, not an error
	// of the workflow).
	for i := 0; i < 200; i++ {
		if _, err := r.c.QueryWorkflow(context.Background(), workflows.TicketWorkflowID(fresh), "", workflows.QueryState); err == nil {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	r.waitFor(fresh, "opened", func(s workflows.State) bool { return s.Status == models.StatusOpen })
	r.closeTicket(fresh)
	if n := audits.Load(); n != 1 {
		t.Fatalf("a new ticket took the new branch %d times, want once", n)
	}
}

func reviewClaim() activities.KeyClaimAssessment {
	return activities.KeyClaimAssessment{Assessment: assessment(fraud.Review, 45, "new device"), OrderID: 9}
}

// Temporal unreachable at submission: the ticket is stored and the buyer gets the link at
// once; the reconciler starts the workflow once Temporal answers.
func TestE2ESubmissionDuringATemporalOutageKeepsTheLink(t *testing.T) {
	ctx := context.Background()
	down, err := client.Dial(client.Options{HostPort: env.srv.HostPort(), Namespace: "default"})
	must(t, err)
	down.Close() // every call now fails, as during an outage
	svc := tickets.New(tickets.Opts{Store: env.store, Temporal: down, TaskQueue: env.queue, Box: env.box, PublicURL: "http://desk.test"})
	sh := newShop(t, time.Hour, 1)
	c, err := svc.Create(ctx, createInput(sh, 0))
	if err != nil || c.AccessToken == "" {
		t.Fatalf("create during the outage: %v %+v", err, c)
	}
	if _, err := env.svc.VerifyAccess(ctx, c.Ticket.Ref, c.AccessToken); err != nil {
		t.Fatalf("the link given during the outage does not work: %v", err)
	}
	rep, err := (&tickets.Maintenance{Svc: env.svc}).ReconcileTickets(ctx)
	must(t, err)
	if rep.Healed == 0 {
		t.Fatalf("reconcile after the outage: %+v", rep)
	}
	for range 200 {
		tk, err := env.store.TicketByID(ctx, sh.merchant, c.Ticket.ID)
		must(t, err)
		if tk.Status == models.StatusOpen && tk.StateVersion > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the ticket never opened after the reconciler started its workflow")
}

// `keydesk workflows upgrade`: every open ticket's run continues as new at its next quiet
// moment and keeps its state.
func TestE2EAskUpgradeContinuesOpenTickets(t *testing.T) {
	ctx := context.Background()
	sh := newShop(t, time.Hour, 2)
	a := sh.create(t, 0, "")
	mustAct(t, sh.merchant, a.Ticket.ID, workflows.UpdateNote, workflows.ReplyInput{ActionInput: agentAct("before-upgrade"), Body: "noted"})
	first, err := env.client.DescribeWorkflowExecution(ctx, workflows.TicketWorkflowID(a.Ticket.ID), "")
	must(t, err)
	asked, _, err := env.svc.AskUpgrade(ctx)
	if err != nil || asked == 0 {
		t.Fatalf("upgrade: asked %d: %v", asked, err)
	}
	for range 200 {
		d, err := env.client.DescribeWorkflowExecution(ctx, workflows.TicketWorkflowID(a.Ticket.ID), "")
		must(t, err)
		if d.GetWorkflowExecutionInfo().GetExecution().GetRunId() != first.GetWorkflowExecutionInfo().GetExecution().GetRunId() {
			st, err := stateOnceAnswering(ctx, sh.merchant, a.Ticket.ID, 30*time.Second)
			if err != nil || st.Status != models.StatusOpen || st.Seq < 2 {
				t.Fatalf("state after the upgrade: %v %+v", err, st)
			}
			// The request id applied before the upgrade is still remembered.
			again := mustAct(t, sh.merchant, a.Ticket.ID, workflows.UpdateNote, workflows.ReplyInput{ActionInput: agentAct("before-upgrade"), Body: "noted"})
			if again.Seq != st.Seq {
				t.Fatalf("a repeated request acted again after the upgrade: seq %d → %d", st.Seq, again.Seq)
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the run never continued as new")
}

// stateOnceAnswering reads a ticket's state, asking again until the run answers or within
// passes: a run that has just continued as new answers its first query only after its first
// workflow task, which on a loaded machine (CI runs packages side by side) can take longer
// than one query's wait. The test is about the state the new run carries, not how soon it
// answers.
func stateOnceAnswering(ctx context.Context, merchantID, ticketID uint64, within time.Duration) (workflows.State, error) {
	deadline := time.Now().Add(within)
	for {
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		st, err := env.svc.State(qctx, merchantID, ticketID)
		cancel()
		if err == nil || time.Now().After(deadline) {
			return st, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

package workflows_test

import (
	"context"
	"slices"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/keydesk/keydesk/internal/temporalx"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/sla"
	"github.com/keydesk/keydesk/workflows"
)

// An update answers with an UpdateAck (issue 17: the whole state per update was most of a
// long ticket's history), and the service still answers the caller with the full state: the
// snapshot the workflow wrote, with clocks, the same as a query returns.
func TestE2EUpdateAnswersWithVersionServiceWithState(t *testing.T) {
	ctx := context.Background()
	sh := newShop(t, time.Hour, 1)
	c := sh.create(t, 0, "ack-life")
	id := c.Ticket.ID

	st := mustAct(t, sh.merchant, id, workflows.UpdateReply, workflows.ReplyInput{ActionInput: agentAct("ack-r1"), Body: "Please try the new code."})
	live, err := env.svc.State(ctx, sh.merchant, id)
	if err != nil {
		t.Fatal(err)
	}
	if st.Version == 0 || st.Version != live.Version || st.Status != live.Status || st.Seq != live.Seq {
		t.Fatalf("answer v%d %s seq %d; live v%d %s seq %d", st.Version, st.Status, st.Seq, live.Version, live.Status, live.Seq)
	}
	if st.Clocks.FirstResponse.MetAt.IsZero() || !st.Clocks.FirstResponse.MetAt.Equal(live.Clocks.FirstResponse.MetAt) {
		t.Fatalf("first response met: answer %v, live %v", st.Clocks.FirstResponse.MetAt, live.Clocks.FirstResponse.MetAt)
	}
	if len(st.SLA) != 3 || st.SLA[0].Metric != sla.FirstResponse || st.SLA[0].Status != live.SLA[0].Status {
		t.Fatalf("clock views: answer %+v, live %+v", st.SLA, live.SLA)
	}
	if !slices.Contains(st.RequestIDs, "ack-r1") {
		t.Fatalf("request ids %v", st.RequestIDs)
	}
	// The same request id again is answered from the current version, acting once.
	again := mustAct(t, sh.merchant, id, workflows.UpdateReply, workflows.ReplyInput{ActionInput: agentAct("ack-r1"), Body: "Please try the new code."})
	if again.Version != st.Version {
		t.Fatalf("repeated request moved the version: %d → %d", st.Version, again.Version)
	}
	resolved := mustAct(t, sh.merchant, id, workflows.UpdateResolve, workflows.ReplyInput{ActionInput: agentAct("ack-r2")})
	if resolved.Status != models.StatusResolved || resolved.Version <= st.Version {
		t.Fatalf("resolve answered %s v%d", resolved.Status, resolved.Version)
	}

	// In the history every update's result is the three fields of an UpdateAck.
	wfID := workflows.TicketWorkflowID(id)
	it := env.client.GetWorkflowHistory(ctx, wfID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	dc := temporalx.DataConverter(env.box)
	completed := 0
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		a := ev.GetWorkflowExecutionUpdateCompletedEventAttributes()
		if a == nil {
			continue
		}
		completed++
		var got map[string]any
		if err := dc.FromPayloads(a.GetOutcome().GetSuccess(), &got); err != nil {
			t.Fatalf("decode update result: %v", err)
		}
		keys := make([]string, 0, len(got))
		for k := range got {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, []string{"status", "ticket_id", "version"}) {
			t.Fatalf("update result carries %v", keys)
		}
	}
	if completed != 2 {
		t.Fatalf("%d update completions in the history, want 2 (reply, resolve; the repeat is not a new update)", completed)
	}
}

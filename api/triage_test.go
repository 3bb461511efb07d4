package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/tickets"
	"github.com/keydesk/keydesk/triage"
	"github.com/keydesk/keydesk/workflows"
)

// recordingTemporal stands in for Temporal under the real ticket service: it records the
// workflow inputs it is asked to start.
type recordingTemporal struct {
	client.Client
	mu     sync.Mutex
	starts []workflows.TicketInput
}

func (r *recordingTemporal) ExecuteWorkflow(_ context.Context, _ client.StartWorkflowOptions, _ any, args ...any) (client.WorkflowRun, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(args) > 0 {
		if in, ok := args[0].(workflows.TicketInput); ok {
			r.starts = append(r.starts, in)
		}
	}
	return fakeRun{}, nil
}

// DescribeWorkflowExecution answers a run without a memo (the ownership check passes).
func (r *recordingTemporal) DescribeWorkflowExecution(context.Context, string, string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	return &workflowservice.DescribeWorkflowExecutionResponse{}, nil
}

type fakeRun struct{ client.WorkflowRun }

func (fakeRun) GetRunID() string { return "run-1" }

func (r *recordingTemporal) last() workflows.TicketInput {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.starts[len(r.starts)-1]
}

// Buyer submissions through the API and the real ticket service: the category is optional,
// "dispute" is refused, the inferred category and its confidence are stored, and the
// decision rule of triage.Decide picks the category the workflow runs on.
func TestCreateTicketTriage(t *testing.T) {
	st := testdb.SQLite(t)
	e := newEnv(t, st, RateLimits{})
	tmp := &recordingTemporal{}
	svc := tickets.New(tickets.Opts{Store: st, Temporal: tmp, PublicURL: "http://keydesk.test"})
	srv, err := newServer(Deps{Store: st, Tickets: svc, RBAC: e.rbac, Auth: e.auth, Box: e.box,
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})), PublicURL: "http://keydesk.test", RateLimits: RateLimits{
			Public: e.srv.d.RateLimits.Public, Login: e.srv.d.RateLimits.Login, Integration: e.srv.d.RateLimits.Integration}})
	if err != nil {
		t.Fatal(err)
	}
	if e.h, err = srv.engine(); err != nil {
		t.Fatal(err)
	}
	submit := func(category, subject, body string) (int, string, Error) {
		t.Helper()
		req := map[string]any{"merchant": "shop-a", "order_no": "A-1001", "email": "buyer@a.test",
			"subject": subject, "description": body}
		if category != "-" {
			req["category"] = category
		}
		w := e.do(http.MethodPost, V1+"/tickets", req, nil)
		if w.Code != http.StatusCreated {
			return w.Code, "", errorOf(t, w)
		}
		var resp createTicketResp
		if err := json.NewDecoder(w.Body).Decode(&resp); err != nil {
			t.Fatal(err)
		}
		return w.Code, resp.Ref, Error{}
	}

	t.Run("dispute is refused with a field error", func(t *testing.T) {
		n := len(tmp.starts)
		code, _, apiErr := submit("dispute", "Chargeback", "I want to dispute this charge")
		if code != http.StatusBadRequest || !strings.Contains(apiErr.Fields["category"], "payment gateway") {
			t.Fatalf("status %d, error %+v", code, apiErr)
		}
		if len(tmp.starts) != n {
			t.Fatal("a workflow was started for a refused submission")
		}
	})

	tests := []struct {
		name, category, subject, body string
		wantCategory, wantChosen      string
		wantInferred                  string
		minConfidence                 int // per mille
		mismatch                      bool
		wantPriority, wantQueue       string
	}{
		{"no category: inferred", "-", "求助", "我付款了但是没收到卡密，订单A-1001",
			"key_missing", "", "key_missing", 500, false, "normal", models.QueueGeneral},
		{"not sure: inferred refund", "not_sure", "refund", "I bought the wrong region by mistake, I want my money back please",
			"refund", "", "refund", 500, false, "normal", models.QueueRefunds},
		{"other: a confident inference wins, flagged", "other", "卡密", "激活码提示已被使用，兑换失败",
			"key_invalid", "other", "key_invalid", 850, true, "normal", models.QueueGeneral},
		{"confident inference over a wrong pick", "key_missing", "code", "The code says it has already been redeemed, invalid code",
			"key_invalid", "key_missing", "key_invalid", 850, true, "normal", models.QueueGeneral},
		{"pick kept when the text is vague", "refund", "订单", "麻烦看一下我的订单",
			"refund", "refund", "", 0, false, "", models.QueueRefunds},
		{"negation", "-", "code", "I don't want a refund, the code just fails",
			"key_invalid", "", "key_invalid", 500, false, "normal", models.QueueGeneral},
		{"payment-platform complaint is an urgent agent ticket, never a gateway dispute", "-", "投诉", "我已经在支付宝投诉你们了",
			"other", "", "dispute", 850, false, "urgent", models.QueueGeneral},
		{"urgency from ？？？ and 急 raises priority", "-", "卡密呢", "付款了卡密呢？？？急",
			"key_missing", "", "key_missing", 500, false, "urgent", models.QueueGeneral},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, ref, apiErr := submit(tt.category, tt.subject, tt.body)
			if code != http.StatusCreated {
				t.Fatalf("status %d: %+v", code, apiErr)
			}
			tk, err := st.TicketByRef(context.Background(), ref)
			if err != nil {
				t.Fatal(err)
			}
			// The mismatch flag follows triage.Decide: a pick (other included) contradicted by
			// an inference of at least UsableAt.
			wantMismatch := tk.ChosenCategory != "" && tk.InferredCategory != tk.ChosenCategory &&
				tk.InferredCategory != "other" && tk.InferredConfidence >= int(triage.UsableAt*1000)
			if tt.mismatch && !wantMismatch {
				t.Fatalf("test case expects a mismatch the decision rule would not flag: %+v", tk)
			}
			if tk.Category != tt.wantCategory || tk.ChosenCategory != tt.wantChosen || tk.CategoryMismatch != wantMismatch {
				t.Fatalf("category %q chosen %q mismatch %v (inferred %q %d‰)", tk.Category, tk.ChosenCategory, tk.CategoryMismatch,
					tk.InferredCategory, tk.InferredConfidence)
			}
			if tt.wantInferred != "" && (tk.InferredCategory != tt.wantInferred || tk.InferredConfidence < tt.minConfidence) {
				t.Fatalf("inferred %q %d‰, want %q ≥ %d‰", tk.InferredCategory, tk.InferredConfidence, tt.wantInferred, tt.minConfidence)
			}
			if tk.TriageModel == "" || !strings.HasPrefix(tk.TriageModel, "lr1-") {
				t.Fatalf("model version %q", tk.TriageModel)
			}
			if tt.wantPriority != "" && tk.Priority != tt.wantPriority {
				t.Fatalf("priority %q, want %q", tk.Priority, tt.wantPriority)
			}
			if tk.Queue != tt.wantQueue {
				t.Fatalf("queue %q, want %q", tk.Queue, tt.wantQueue)
			}
			in := tmp.last()
			if in.TicketID != tk.ID || in.Category != tk.Category || in.Category == string(triage.Dispute) || in.Priority != tk.Priority {
				t.Fatalf("workflow input %+v for ticket %+v", in, tk)
			}
		})
	}
}

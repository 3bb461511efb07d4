package tickets

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/triage"
	"github.com/keydesk/keydesk/triage/llm"
)

// TestConfiguredClassifierReadsNewTickets (issue 13): with a language-model provider
// configured, a new ticket's inferred intent and model version are the provider's; when the
// provider fails the built-in model's reading is stored and the ticket is still created.
func TestConfiguredClassifierReadsNewTickets(t *testing.T) {
	up := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		content, _ := json.Marshal(map[string]any{"intent": "account", "confidence": 0.97})
		_ = json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"role": "assistant", "content": string(content)}}}})
	}))
	defer srv.Close()
	p := llm.New(llm.Config{BaseURL: srv.URL, Model: "fake-model", Timeout: 2 * time.Second}, srv.Client())
	s := testdb.SQLite(t)
	ctx := context.Background()
	m := models.Merchant{Slug: "m", Name: "m", Timezone: "UTC"}
	must(t, s.DB(ctx).Create(&m).Error)
	pr := models.Product{MerchantID: m.ID, SKU: "s", Name: "p"}
	must(t, s.DB(ctx).Create(&pr).Error)
	o := models.Order{MerchantID: m.ID, OrderNo: "A-1", ProductID: pr.ID, BuyerEmail: "owner@example.com", PaidAt: time.Now().UTC()}
	must(t, s.DB(ctx).Create(&o).Error)
	svc := New(Opts{Store: s, Classify: func(ctx context.Context, chosen triage.Category, subject, body string) triage.Result {
		res, _ := p.Classify(ctx, chosen, subject, body)
		return res
	}})
	in := CreateInput{MerchantID: m.ID, OrderNo: "A-1", Email: "owner@example.com", Subject: "help", Description: "我登录不上账号了"}
	tk, _, err := svc.insert(ctx, in, triage.Category(""), o)
	must(t, err)
	if tk.InferredCategory != "account" || tk.TriageModel != "llm:fake-model" || tk.InferredConfidence != 970 {
		t.Fatalf("with the provider: inferred %q (%d‰) by %q", tk.InferredCategory, tk.InferredConfidence, tk.TriageModel)
	}
	up = false
	tk, _, err = svc.insert(ctx, in, triage.Category(""), o)
	must(t, err)
	if tk.TriageModel == "llm:fake-model" || tk.InferredCategory == "" {
		t.Fatalf("provider down: inferred %q by %q, want the built-in model's reading", tk.InferredCategory, tk.TriageModel)
	}
}

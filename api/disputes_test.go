package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/payments"
	"github.com/keydesk/keydesk/store"
	"github.com/keydesk/keydesk/workflows"
)

// signedPost sends body signed with the merchant's integration secret.
func (e *payEnv) signedPost(path string, body []byte, secret []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	payments.SignRequest(req, e.mA.Slug, secret, body, time.Now())
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	return w
}

func TestDisputeIntakeReportAndSteps(t *testing.T) {
	e := newPayEnv(t)
	ctx := context.Background()
	secret := []byte("integration-secret-a")
	e.must(e.st.SetIntegrationSecret(ctx, e.mA.ID, e.box.Seal(secret, store.IntegrationSecretAAD(e.mA.ID))))
	due := time.Now().UTC().Add(5 * 24 * time.Hour).Truncate(time.Second)
	intake := disputeIntake{CaseID: "CB-100", OrderNo: "A-1001", Reason: "fraudulent", Amount: 1000, Currency: "USD", EvidenceDueBy: due}
	raw, _ := json.Marshal(intake)

	if w := e.signedPost(V1+"/integrations/disputes", raw, []byte("wrong")); w.Code != http.StatusUnauthorized {
		t.Fatalf("bad signature: %d", w.Code)
	}
	bad, _ := json.Marshal(disputeIntake{CaseID: "CB-101", OrderNo: "A-1001", Reason: "x", Amount: 5000, Currency: "USD", EvidenceDueBy: due})
	if w := e.signedPost(V1+"/integrations/disputes", bad, secret); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("amount above the order: %d %s", w.Code, w.Body.String())
	}
	unknown, _ := json.Marshal(disputeIntake{CaseID: "CB-102", OrderNo: "NOPE", Reason: "x", Amount: 5, Currency: "USD", EvidenceDueBy: due})
	if w := e.signedPost(V1+"/integrations/disputes", unknown, secret); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("unknown order: %d", w.Code)
	}
	past, _ := json.Marshal(disputeIntake{CaseID: "CB-103", OrderNo: "A-1001", Reason: "x", Amount: 5, Currency: "USD", EvidenceDueBy: time.Now().Add(-time.Hour)})
	if w := e.signedPost(V1+"/integrations/disputes", past, secret); w.Code != http.StatusBadRequest {
		t.Fatalf("deadline in the past: %d", w.Code)
	}

	w := e.signedPost(V1+"/integrations/disputes", raw, secret)
	var created disputeResp
	if w.Code != http.StatusCreated || json.Unmarshal(w.Body.Bytes(), &created) != nil || created.Dispute.CaseID != "CB-100" || created.TicketRef == "" {
		t.Fatalf("intake: %d %s", w.Code, w.Body.String())
	}
	w = e.signedPost(V1+"/integrations/disputes", raw, secret)
	var again disputeResp
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &again) != nil || !again.Replayed || again.Dispute.ID != created.Dispute.ID {
		t.Fatalf("replay: %d %s", w.Code, w.Body.String())
	}
	tk, err := e.st.TicketByID(ctx, e.mA.ID, created.Dispute.TicketID)
	if err != nil || tk.Category != "dispute" || tk.IdempotencyKey == nil || *tk.IdempotencyKey != "dispute:CB-100" {
		t.Fatalf("dispute ticket = %+v %v", tk, err)
	}

	base := V1 + "/disputes/" + strconv.FormatUint(created.Dispute.ID, 10)
	if w := e.do(http.MethodGet, base+"/report", nil, bearerHdr(e.tokens["agent"])); w.Code != http.StatusConflict {
		t.Fatalf("report before it is built: %d", w.Code)
	}
	// What the ticket workflow does at once: build the report.
	kid := e.keyA.ID
	e.must(e.st.DB(ctx).Create(&models.KeyEvent{MerchantID: e.mA.ID, OrderID: e.orderA.ID, CardKeyID: &kid, Kind: models.KeyEventRevealed,
		IP: "203.0.113.9", UserAgent: `<script>alert("x")</script>`, Source: "shop", OccurredAt: time.Now().UTC()}).Error)
	acts := &activities.Activities{Store: e.st, Box: e.box}
	if _, err := acts.OpenDisputeCase(ctx, activities.DisputeCaseInput{MerchantID: e.mA.ID, TicketID: tk.ID}); err != nil {
		t.Fatal(err)
	}

	w = e.do(http.MethodGet, base+"/report?download=1", nil, bearerHdr(e.tokens["agent"]))
	if w.Code != http.StatusOK || !strings.Contains(w.Header().Get("Content-Disposition"), "evidence-CB-100.json") {
		t.Fatalf("report json: %d %v", w.Code, w.Header())
	}
	var rep activities.EvidenceReport
	if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil || rep.Dispute.CaseID != "CB-100" || len(rep.Keys) != 1 || rep.Keys[0].Masked != "AA**-****-****-**DD" {
		t.Fatalf("report = %+v %v", rep, err)
	}
	html := e.do(http.MethodGet, base+"/report.html", nil, bearerHdr(e.tokens["agent"]))
	body := html.Body.String()
	if html.Code != http.StatusOK || !strings.HasPrefix(html.Header().Get("Content-Type"), "text/html") ||
		!strings.Contains(body, "CB-100") || !strings.Contains(body, "203.0.113.9") || !strings.Contains(body, "AA**-****-****-**DD") {
		t.Fatalf("report html: %d %s", html.Code, body)
	}
	if strings.Contains(body, `<script>alert`) || !strings.Contains(body, "&lt;script&gt;") {
		t.Fatal("the user agent is not escaped in the HTML report")
	}
	for _, resp := range []string{w.Body.String(), body} {
		if strings.Contains(resp, e.secretKeyA) {
			t.Fatal("the report leaks the card key")
		}
	}
	if w := e.do(http.MethodGet, base+"/report.html", nil, bearerHdr(e.tokens["other_admin"])); w.Code != http.StatusNotFound {
		t.Fatalf("another merchant's report: %d", w.Code)
	}

	w = e.do(http.MethodPost, base+"/sign-off", nil, map[string]string{"Authorization": "Bearer " + e.tokens["supervisor"], "User-Agent": "UA-test"})
	if w.Code != http.StatusOK {
		t.Fatalf("sign-off: %d %s", w.Code, w.Body.String())
	}
	act := e.fake.lastAct()
	in, ok := act.Input.(workflows.DisputeActionInput)
	if act.Update != workflows.UpdateDisputeAction || !ok || in.Action != activities.DisputeActionSignOff || in.Actor.Role != "supervisor" ||
		in.IP != "192.0.2.10" || in.UserAgent != "UA-test" || act.Ticket != tk.ID {
		t.Fatalf("sign-off sent %+v", act)
	}
	if w := e.do(http.MethodPost, base+"/outcome", outcomeReq{Outcome: "maybe"}, bearerHdr(e.tokens["supervisor"])); w.Code != http.StatusBadRequest {
		t.Fatalf("bad outcome: %d", w.Code)
	}
	w = e.do(http.MethodPost, base+"/outcome", outcomeReq{Outcome: "lost"}, bearerHdr(e.tokens["supervisor"]))
	if in, _ := e.fake.lastAct().Input.(workflows.DisputeActionInput); w.Code != http.StatusOK || in.Outcome != "lost" {
		t.Fatalf("outcome: %d %+v", w.Code, in)
	}
}

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
	"github.com/keydesk/keydesk/internal/testdb"
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

// listDisputes calls GET /disputes with query as the named user and decodes the answer.
func (e *env) listDisputes(user, query string) (int, disputeListResp) {
	e.t.Helper()
	w := e.do(http.MethodGet, V1+"/disputes"+query, nil, bearerHdr(e.tokens[user]))
	var resp disputeListResp
	if w.Code == http.StatusOK {
		e.must(json.Unmarshal(w.Body.Bytes(), &resp))
	}
	return w.Code, resp
}

func caseIDs(ds []disputeItem) string {
	ids := []string{}
	for _, d := range ds {
		ids = append(ids, d.CaseID)
	}
	return strings.Join(ids, ",")
}

func TestDisputeListFiltersPagesAndStaysInItsMerchant(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	ctx := context.Background()
	pB := models.Product{MerchantID: e.mB.ID, SKU: "SKU-B", Name: "Game B", Price: 700, Currency: "USD"}
	e.must(e.st.DB(ctx).Create(&pB).Error)
	oB := models.Order{MerchantID: e.mB.ID, OrderNo: "B-1", ProductID: pB.ID, Quantity: 1, Amount: 700, Currency: "USD", BuyerEmail: "b@b.test", PaidAt: e.now}
	e.must(e.st.DB(ctx).Create(&oB).Error)
	tB := models.Ticket{MerchantID: e.mB.ID, Ref: "KD-B-1", OrderID: &oB.ID, Category: "dispute", Status: models.StatusOpen, Priority: models.PriorityNormal, Queue: models.QueueDisputes}
	e.must(e.st.DB(ctx).Create(&tB).Error)
	mk := func(m, ticket, order uint64, caseID, status string, due time.Duration) models.Dispute {
		d := models.Dispute{MerchantID: m, TicketID: ticket, OrderID: order, GatewayCaseID: caseID, Reason: "fraudulent", Amount: 999,
			Currency: "USD", EvidenceDueBy: e.now.Add(due).Truncate(time.Second), Status: status}
		e.must(e.st.DB(ctx).Create(&d).Error)
		return d
	}
	// Created CB-1, CB-2; CB-2's evidence is due first.
	cb1 := mk(e.mA.ID, e.ticketA.ID, e.orderA.ID, "CB-1", models.DisputeReady, 72*time.Hour)
	mk(e.mA.ID, e.ticketA2.ID, e.orderA.ID, "CB-2", models.DisputeLost, 24*time.Hour)
	mk(e.mB.ID, tB.ID, oB.ID, "CB-B", models.DisputeReady, time.Hour)

	for _, tc := range []struct {
		user, query string
		code        int
		want        string
	}{
		{"agent", "", http.StatusOK, "CB-2,CB-1"},
		{"agent", "?sort=due", http.StatusOK, "CB-2,CB-1"},
		{"agent", "?sort=newest&status=active", http.StatusOK, "CB-1"},
		{"supervisor", "?status=lost", http.StatusOK, "CB-2"},
		{"agent", "?ticket_id=" + strconv.FormatUint(e.ticketA.ID, 10), http.StatusOK, "CB-1"},
		{"agent", "?ticket_id=" + strconv.FormatUint(tB.ID, 10), http.StatusOK, ""},
		{"other_admin", "", http.StatusOK, "CB-B"},
		{"other_admin", "?ticket_id=" + strconv.FormatUint(e.ticketA.ID, 10), http.StatusOK, ""},
		{"agent", "?status=pending", http.StatusBadRequest, ""},
		{"agent", "?sort=amount", http.StatusBadRequest, ""},
		{"agent", "?limit=0", http.StatusBadRequest, ""},
		{"agent", "?cursor=bm9wZQ", http.StatusBadRequest, ""}, // "nope"
		{"agent", "?ticket_id=x", http.StatusBadRequest, ""},
		{"norole", "", http.StatusForbidden, ""},
	} {
		code, resp := e.listDisputes(tc.user, tc.query)
		if code != tc.code || caseIDs(resp.Disputes) != tc.want {
			t.Errorf("%s GET /disputes%s = %d %q, want %d %q", tc.user, tc.query, code, caseIDs(resp.Disputes), tc.code, tc.want)
		}
	}

	// One row carries what the list page shows.
	_, resp := e.listDisputes("agent", "?status=evidence_ready")
	if len(resp.Disputes) != 1 {
		t.Fatalf("ready disputes = %+v", resp.Disputes)
	}
	if r := resp.Disputes[0]; r.ID != cb1.ID || r.OrderNo != "A-1001" || r.TicketRef != e.ticketA.Ref || r.TicketID != e.ticketA.ID ||
		r.Amount != 999 || r.Currency != "USD" || !r.EvidenceDueBy.Equal(cb1.EvidenceDueBy) {
		t.Fatalf("row = %+v", r)
	}

	// Pages of one, in both orders, visit every dispute once.
	for sort, want := range map[string]string{"newest": "CB-2,CB-1", "due": "CB-2,CB-1"} {
		var got []disputeItem
		cursor := ""
		for page := 0; page < 5; page++ {
			_, resp := e.listDisputes("agent", "?limit=1&sort="+sort+cursor)
			got = append(got, resp.Disputes...)
			if resp.NextCursor == "" {
				break
			}
			cursor = "&cursor=" + resp.NextCursor
		}
		if caseIDs(got) != want {
			t.Errorf("sort=%s pages = %q, want %q", sort, caseIDs(got), want)
		}
	}

	// The detail names the ticket, the order and the signer; another merchant's is a 404.
	e.must(e.st.DB(ctx).Model(&cb1).Update("signed_off_by", e.users["supervisor"].ID).Error)
	w := e.do(http.MethodGet, V1+"/disputes/"+strconv.FormatUint(cb1.ID, 10), nil, bearerHdr(e.tokens["agent"]))
	var one disputeResp
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &one) != nil || one.TicketRef != e.ticketA.Ref || one.OrderNo != "A-1001" || one.Report != nil ||
		one.SignedOffByName != "supervisor" {
		t.Fatalf("detail: %d %s", w.Code, w.Body.String())
	}
	if w := e.do(http.MethodGet, V1+"/disputes/"+strconv.FormatUint(cb1.ID, 10), nil, bearerHdr(e.tokens["other_admin"])); w.Code != http.StatusNotFound {
		t.Fatalf("another merchant's dispute: %d", w.Code)
	}
}

package e2e_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"

	"github.com/keydesk/keydesk/internal/apptest"
	"github.com/keydesk/keydesk/payments"
)

// TestE2EChargebackSignOffSubmitOutcome runs a chargeback through the whole product: the
// gateway's signed case opens a dispute ticket whose workflow builds the evidence report; the
// agent finds the dispute from the ticket and reads the report but is offered no sign-off;
// the supervisor signs off, submits and records the outcome from the dispute page. It starts
// its own product: a chargeback is fraud history for the buyer, which other tests must not see.
func TestE2EChargebackSignOffSubmitOutcome(t *testing.T) {
	p := apptest.Start(t)
	orderNo := ""
	for _, o := range p.Seed.Orders {
		if o.Revealed && o.SKU == "GAME-100" {
			orderNo = o.OrderNo
		}
	}
	if orderNo == "" {
		t.Fatal("no revealed GAME-100 order in the seed")
	}
	body, _ := json.Marshal(map[string]any{"case_id": "CB-E2E-1", "order_no": orderNo, "reason": "fraudulent", "amount": 500, "currency": "CNY",
		"evidence_due_by": time.Now().Add(30 * time.Hour).UTC().Format(time.RFC3339)})
	req, _ := http.NewRequest(http.MethodPost, p.BaseURL+"/api/v1/integrations/disputes", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	payments.SignRequest(req, p.Seed.MerchantSlug, []byte(p.Seed.IntegrationSecret), body, time.Now())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		Dispute struct {
			ID       uint64 `json:"id"`
			TicketID uint64 `json:"ticket_id"`
		} `json:"dispute"`
	}
	err = json.NewDecoder(res.Body).Decode(&created)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated || err != nil {
		t.Fatalf("intake: %d %v", res.StatusCode, err)
	}
	id := strconv.FormatUint(created.Dispute.ID, 10)

	agent := bt.NewTab(t)
	bt.Do(t, agent, "agent: from the ticket to the dispute",
		loginUI(p, "agent"),
		chromedp.Navigate(p.BaseURL+"/agent/tickets/"+strconv.FormatUint(created.Dispute.TicketID, 10)),
		bt.WaitText("#t-dispute", "CB-E2E-1"),
		bt.Click("#t-dispute a"),
		bt.WaitText("#report", "Revealed"),
		bt.WaitText("#report", orderNo))
	if bt.EvalBool(t, agent, `!!document.querySelector('[data-action=sign_off], [data-action=won], [data-action=lost]')`) {
		t.Error("an agent is offered sign-off or an outcome")
	}
	if code := apiCall(t, http.MethodPost, p.BaseURL+"/api/v1/disputes/"+id+"/sign-off", staffToken(t, p, "agent"), map[string]any{}, nil); code != http.StatusForbidden {
		t.Errorf("agent sign-off through the API: %d", code)
	}

	sup := bt.NewTab(t)
	bt.Do(t, sup, "supervisor: list, sign off, submit, won",
		loginUI(p, "supervisor"),
		chromedp.Navigate(p.BaseURL+"/disputes"),
		bt.WaitText("#disp-body", "CB-E2E-1"),
		bt.Click(`tr[data-dispute="`+id+`"] a`),
		bt.WaitText("#report", "Revealed"),
		bt.Click("[data-action=sign_off]"), bt.Click("#confirm-ok"), bt.WaitText("#d-chips", "Signed off"),
		bt.Click("[data-action=submit]"), bt.Click("#confirm-ok"), bt.WaitText("#d-chips", "Submitted"),
		bt.Click("[data-action=won]"), bt.Click("#confirm-ok"), bt.WaitText("#d-chips", "Won"))
	var got struct {
		Dispute struct {
			Status, Outcome string
			SignedOffAt     *time.Time `json:"signed_off_at"`
			SubmittedAt     *time.Time `json:"submitted_at"`
		} `json:"dispute"`
		SignedOffByName string `json:"signed_off_by_name"`
	}
	if code := apiCall(t, http.MethodGet, p.BaseURL+"/api/v1/disputes/"+id, staffToken(t, p, "agent"), nil, &got); code != http.StatusOK ||
		got.Dispute.Status != "won" || got.Dispute.Outcome != "won" || got.Dispute.SignedOffAt == nil || got.Dispute.SubmittedAt == nil || got.SignedOffByName == "" {
		t.Fatalf("stored dispute: %d %+v", code, got)
	}
	bt.Screenshot(t, sup, "e2e-dispute-won")
}

package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/workflows"
)

// refundStateTickets answers State with the fake's state plus a refund, as a ticket
// workflow holding a refund awaiting approval does.
type refundStateTickets struct {
	TicketService
	refund *workflows.RefundState
}

func (r refundStateTickets) State(ctx context.Context, merchantID, ticketID uint64) (workflows.State, error) {
	st, err := r.TicketService.State(ctx, merchantID, ticketID)
	st.Refund = r.refund
	return st, err
}

func TestTicketRefundsIncludesThePendingRefundFromTheWorkflow(t *testing.T) {
	ends := time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name     string
		refund   *workflows.RefundState
		pending  bool
		agentMay bool
		rows     int
		supOnlyN int
	}{
		{"none", nil, false, false, 0, 0},
		{"within the agent limit", &workflows.RefundState{Status: workflows.RefundPendingApproval, OrderNo: "A-1", Currency: "CNY",
			Refundable: 1000, AgentLimit: 5000, WithinWindow: true, WindowEnds: ends}, true, true, 0, 0},
		{"supervisor only", &workflows.RefundState{Status: workflows.RefundPendingApproval, Currency: "CNY", Refundable: 1000, AgentLimit: 5000,
			SupervisorOnly: []string{"fraud check: review (score 60)"}}, true, false, 0, 1},
		{"agent limit zero", &workflows.RefundState{Status: workflows.RefundPendingApproval, Currency: "CNY", Refundable: 1000}, true, false, 0, 0},
		{"failed: may be retried", &workflows.RefundState{Status: workflows.RefundFailed, Currency: "CNY", Refundable: 1000, AgentLimit: 5000}, true, true, 0, 0},
		{"processing: nothing to decide", &workflows.RefundState{Status: workflows.RefundProcessing, Currency: "CNY", Refundable: 1000}, false, false, 0, 0},
		{"rejected", &workflows.RefundState{Status: workflows.RefundRejected, Currency: "CNY"}, false, false, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newPayEnv(t)
			e.srv.d.Tickets = refundStateTickets{TicketService: e.srv.d.Tickets, refund: tc.refund}
			w := e.do(http.MethodGet, V1+"/tickets/"+strconv.FormatUint(e.ticketA.ID, 10)+"/refunds", nil, bearerHdr(e.tokens["agent"]))
			var list refundsResp
			if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &list) != nil {
				t.Fatalf("list: %d %s", w.Code, w.Body.String())
			}
			if len(list.Refunds) != tc.rows {
				t.Fatalf("rows = %d, want %d", len(list.Refunds), tc.rows)
			}
			if (list.Pending != nil) != tc.pending {
				t.Fatalf("pending = %+v, want present=%v", list.Pending, tc.pending)
			}
			if list.Pending == nil {
				return
			}
			p := list.Pending
			if p.Status != tc.refund.Status || p.Refundable != tc.refund.Refundable || p.Currency != tc.refund.Currency ||
				p.AgentLimit != tc.refund.AgentLimit || p.AgentMayApprove != tc.agentMay || len(p.SupervisorOnly) != tc.supOnlyN {
				t.Fatalf("pending = %+v for %+v", p, tc.refund)
			}
			if !tc.refund.WindowEnds.IsZero() && p.WindowEnds != "2026-12-10T00:00:00Z" {
				t.Fatalf("window_ends = %q", p.WindowEnds)
			}
		})
	}
	// A ticket the merchant does not have stays 404, whatever the workflow answers.
	e := newPayEnv(t)
	e.srv.d.Tickets = refundStateTickets{TicketService: e.srv.d.Tickets, refund: cases[1].refund}
	w := e.do(http.MethodGet, V1+"/tickets/987654/refunds", nil, bearerHdr(e.tokens["agent"]))
	if w.Code != http.StatusNotFound {
		t.Fatalf("other merchant: %d %s", w.Code, w.Body.String())
	}
}

// TestDisputeTicketNoticeInMajorUnits: the gateway's notice writes the amount as people and
// banks read it, and the ticket is marked as the gateway's.
func TestDisputeTicketNoticeInMajorUnits(t *testing.T) {
	for _, tc := range []struct {
		amount int64
		cur    string
		want   string
	}{{1000, "CNY", "for ¥10.00 "}, {1050, "USD", "for $10.50 "}, {1500, "JPY", "for ¥1500 "}} {
		in := disputeIntake{CaseID: "CB-1", OrderNo: "A-1", Reason: "fraudulent", Amount: tc.amount, Currency: tc.cur, EvidenceDueBy: time.Now()}
		got := disputeTicket(1, in, models.Order{OrderNo: "A-1", BuyerEmail: "b@example.com"})
		if !strings.Contains(got.Description, tc.want) || strings.Contains(got.Description, strconv.FormatInt(tc.amount, 10)+" "+tc.cur) || !got.Gateway {
			t.Errorf("%d %s: %q gateway=%v", tc.amount, tc.cur, got.Description, got.Gateway)
		}
	}
}

// TestStaffDetailCarriesMessageCodes: a system message's code and parameters reach the page.
func TestStaffDetailCarriesMessageCodes(t *testing.T) {
	e := newPayEnv(t)
	e.must(e.st.DB(context.Background()).Create(&models.Message{MerchantID: e.mA.ID, TicketID: e.ticketA.ID, AuthorKind: models.AuthorSystem,
		Body: "Your replacement key is ready", RequestID: "wf/9", Code: models.MsgRefundIssued,
		Params: models.JSON(`{"amount":"1000","currency":"CNY"}`), CreatedAt: time.Now()}).Error)
	w := e.do(http.MethodGet, V1+"/tickets/"+strconv.FormatUint(e.ticketA.ID, 10), nil, bearerHdr(e.tokens["agent"]))
	var resp struct {
		Messages []messageView `json:"messages"`
	}
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &resp) != nil {
		t.Fatalf("detail: %d %s", w.Code, w.Body.String())
	}
	found := false
	for _, m := range resp.Messages {
		if m.Code == models.MsgRefundIssued && m.Params["amount"] == "1000" && m.Params["currency"] == "CNY" {
			found = true
		}
	}
	if !found {
		t.Fatalf("no coded message in %s", w.Body.String())
	}
}

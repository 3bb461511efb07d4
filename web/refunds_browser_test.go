package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// TestRefundApprovalFromTheTicketPage: a refund awaiting approval lives only in the
// workflow's state. Within the agent limit, the agent (zh-CN) sees it with its amount in
// major units and approves it; a supervisor-only refund shows the agent only Reject and the
// reason, and the supervisor (zh-CN) approves it in full; an agent (en) rejects a third one.
func TestRefundApprovalFromTheTicketPage(t *testing.T) {
	f, base := startFake(t)
	for i := 0; i < 3; i++ {
		postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"refund","subject":"退款","description":"x"}`)
	}
	f.mu.Lock()
	f.tickets[0].Refund = map[string]any{"status": "pending_approval", "currency": "CNY", "refundable": int64(1000), "agent_limit": int64(5000),
		"order_no": "ORD-1001", "within_window": true}
	f.tickets[1].Refund = map[string]any{"status": "pending_approval", "currency": "CNY", "refundable": int64(8000), "agent_limit": int64(5000),
		"order_no": "ORD-1001", "supervisor_only": []string{"fraud check: review (score 60)"}}
	f.tickets[2].Refund = map[string]any{"status": "pending_approval", "currency": "CNY", "refundable": int64(1000), "agent_limit": int64(5000)}
	f.mu.Unlock()

	agent := bt.NewTab(t)
	bt.Do(t, agent, "agent (zh) opens a refund within the limit",
		chromedp.EmulateViewport(1280, 900),
		bt.SetLang(base, "zh-CN"),
		bt.StaffSession(base, "tok-agent"),
		chromedp.Navigate(base+"/agent/tickets/1"),
		bt.Visible("#refund-box"),
		bt.WaitText("#refund-box", "¥10.00"),
		bt.WaitText("#refund-box", "待审批的退款"),
		bt.Visible("[data-action=refund_approve]"),
		bt.Visible("[data-action=refund_reject]"))
	if txt := bt.Text(t, agent, "#refund-box"); strings.Contains(txt, "1000") || !strings.Contains(txt, "¥50.00") {
		t.Errorf("refund box shows minor units or misses the agent limit: %q", txt)
	}
	if txt := bt.Text(t, agent, "#timeline"); !strings.Contains(txt, "申请退款 · 待批准") || strings.Contains(txt, "pending_approval") {
		t.Errorf("timeline detail not in zh: %q", txt)
	}
	if txt := bt.Text(t, agent, "#fraud"); strings.Contains(txt, "+-") || !strings.Contains(txt, "−10") || !strings.Contains(txt, "申诉网络与下单网络不同") {
		t.Errorf("fraud reasons: negative points or zh rule names wrong: %q", txt)
	}
	if !bt.EvalBool(t, agent, `[...document.querySelectorAll('#act-status option')].some(o => o.textContent === '等待买家回复') && ![...document.querySelectorAll('#act-status option')].some(o => o.textContent === '等待您的回复')`) {
		t.Error("staff status list uses the buyer's wording for pending_customer")
	}
	bt.Screenshot(t, agent, "refund-agent-zh")
	bt.Do(t, agent, "agent approves",
		bt.Click("[data-action=refund_approve]"),
		bt.Visible("#reason-amount"),
		bt.WaitText("#reason-amount-hint", "¥10.00"),
		bt.TypeIn("#reason-text", "在退款期限内"),
		bt.Click("#reason-ok"),
		bt.WaitJS(`!document.querySelector('[data-action=refund_approve]')`))
	if bt.Value(t, agent, "#reason-amount") != "10.00" {
		t.Errorf("amount field = %q", bt.Value(t, agent, "#reason-amount"))
	}

	bt.Do(t, agent, "agent sees a supervisor-only refund without Approve",
		chromedp.Navigate(base+"/agent/tickets/2"),
		bt.Visible("#refund-box"),
		bt.WaitText("#refund-why", "风控检查：人工审核（分数 60）"),
		bt.Visible("#refund-mine"),
		bt.Visible("[data-action=refund_reject]"))
	if bt.EvalBool(t, agent, `!!document.querySelector('[data-action=refund_approve]')`) {
		t.Error("agent sees Approve on a supervisor-only refund")
	}

	sup := bt.NewTab(t)
	bt.Do(t, sup, "supervisor (zh) approves the supervisor-only refund",
		chromedp.EmulateViewport(1280, 900),
		bt.SetLang(base, "zh-CN"),
		bt.StaffSession(base, "tok-supervisor"),
		chromedp.Navigate(base+"/agent/tickets/2"),
		bt.WaitText("#refund-box", "¥80.00"),
		bt.WaitText("#refund-box", "此退款只能由主管或管理员批准"))
	if bt.EvalBool(t, sup, `!!document.querySelector('#refund-mine')`) {
		t.Error("supervisor told they can only reject")
	}
	bt.Screenshot(t, sup, "refund-supervisor-zh")
	bt.Do(t, sup, "approve",
		bt.Click("[data-action=refund_approve]"),
		bt.TypeIn("#reason-text", "已核实"),
		bt.Click("#reason-ok"),
		bt.WaitJS(`!document.querySelector('[data-action=refund_approve]')`))

	bt.Do(t, agent, "agent (en) rejects the third refund",
		bt.SetLang(base, "en"),
		bt.StaffSession(base, "tok-agent"),
		chromedp.Navigate(base+"/agent/tickets/3"),
		bt.WaitText("#refund-box", "Refund awaiting approval"),
		bt.WaitText("#refund-box", "CN¥10.00"),
		bt.Click("[data-action=refund_reject]"),
		bt.TypeIn("#reason-text", "key already redeemed"),
		bt.Click("#reason-ok"),
		bt.WaitJS(`!document.querySelector('[data-action=refund_reject]')`))

	f.mu.Lock()
	got := append([]fakeRefundDecision(nil), f.refundDecisions...)
	f.mu.Unlock()
	want := []fakeRefundDecision{
		{Approve: true, Role: "agent", Amount: 1000, Reason: "在退款期限内"},
		{Approve: true, Role: "supervisor", Amount: 8000, Reason: "已核实"},
		{Approve: false, Role: "agent", Reason: "key already redeemed"},
	}
	if len(got) != len(want) {
		t.Fatalf("decisions = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("decision %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

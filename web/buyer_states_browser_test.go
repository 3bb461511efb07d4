package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// TestBuyerStatesSayWhatIsHappening: a denied buyer (zh, phone) reads "未获批准" with the
// risk agent's reason and gets no rating stars, not "已解决 – 我们认为问题已解决"; an
// unclaimed ticket says it waits for an agent and a risk review says it is being checked,
// not that an agent is working on it (both languages).
func TestBuyerStatesSayWhatIsHappening(t *testing.T) {
	f, base := startFake(t)
	for i := 0; i < 3; i++ {
		postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"key_missing","subject":"没收到","description":"没有收到卡密"}`)
	}
	f.mu.Lock()
	f.tickets[0].Status, f.tickets[0].Stage, f.tickets[0].StageReason = "resolved", "denied", "该卡密在申请前已被兑换"
	f.tickets[1].Status, f.tickets[1].Stage = "new", "waiting_agent"
	f.tickets[2].Status, f.tickets[2].Queue, f.tickets[2].Stage = "open", "risk", "risk_review"
	f.mu.Unlock()

	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "denied buyer (zh, 390 px)",
		chromedp.EmulateViewport(390, 844),
		bt.SetLang(base, "zh-CN"),
		chromedp.Navigate(base+"/t/KD-0001#token=secret-1"),
		bt.WaitText("#t-status", "未获批准"),
		bt.WaitText("#t-status-plain", "原因：该卡密在申请前已被兑换"))
	if txt := bt.Text(t, ctx, "#ticket"); strings.Contains(txt, "已解决") || strings.Contains(txt, "我们认为问题已解决") {
		t.Errorf("denied buyer told it is solved: %q", txt)
	}
	if !bt.EvalBool(t, ctx, `document.querySelector('#csat-form').hidden`) {
		t.Error("denied buyer is asked for a rating")
	}
	bt.Screenshot(t, ctx, "buyer-denied-zh-390")
	bt.Do(t, ctx, "unclaimed (zh)",
		chromedp.Navigate(base+"/t/KD-0002#token=secret-2"),
		bt.WaitText("#t-status", "等待客服接手"),
		bt.WaitText("#t-status-plain", "目前还没有客服处理"))
	bt.Do(t, ctx, "risk review (en)",
		bt.SetLang(base, "en"),
		chromedp.Navigate(base+"/t/KD-0003#token=secret-3"),
		bt.WaitText("#t-status", "Being checked"),
		bt.WaitText("#t-status-plain", "a specialist checks the order"))
	if txt := bt.Text(t, ctx, "#t-status-plain"); strings.Contains(txt, "An agent is working") {
		t.Errorf("risk review told an agent is working: %q", txt)
	}
	bt.Do(t, ctx, "denied (en)",
		chromedp.Navigate(base+"/t/KD-0001#token=secret-1"),
		bt.WaitText("#t-status", "Not approved"))
}

// TestRiskDenySeparatesBuyerReasonFromInternalNote: the risk card (zh) says the buyer reads
// a deny's reason word for word; the internal note is written as a note before the decision
// and never reaches the buyer, who reads the reason and the denied state.
func TestRiskDenySeparatesBuyerReasonFromInternalNote(t *testing.T) {
	f, base := startFake(t)
	postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"key_missing","description":"没有收到卡密"}`)
	f.mu.Lock()
	f.tickets[0].Queue, f.tickets[0].Status, f.tickets[0].Stage = "risk", "open", "risk_review"
	f.mu.Unlock()
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "risk agent (zh) denies with a buyer reason and an internal note",
		chromedp.EmulateViewport(1280, 900),
		bt.SetLang(base, "zh-CN"),
		bt.StaffSession(base, "tok-risk"),
		chromedp.Navigate(base+"/risk"),
		bt.WaitText("#reason-1-hint", "买家会逐字看到"),
		bt.TypeIn("#reason-1", "该卡密在申请前已被兑换"),
		bt.TypeIn("#note-1", "同一设备上有三个账号"))
	bt.Screenshot(t, ctx, "risk-card-zh")
	bt.Do(t, ctx, "deny", bt.Click("[data-action=risk_deny]"), bt.WaitJS(`!document.querySelector('#reason-1')`))
	f.mu.Lock()
	decisions := append([]fakeRiskDecision(nil), f.riskDecisions...)
	var notes []string
	for _, m := range f.tickets[0].Messages {
		if m["internal"] == true {
			notes = append(notes, m["body"].(string))
		}
	}
	f.mu.Unlock()
	if len(decisions) != 1 || decisions[0].Approve || decisions[0].Reason != "该卡密在申请前已被兑换" || decisions[0].Messages != 2 {
		t.Fatalf("decisions = %+v (the note must be written before the decision)", decisions)
	}
	if len(notes) != 1 || notes[0] != "同一设备上有三个账号" {
		t.Fatalf("internal notes = %q", notes)
	}
	buyer := bt.NewTab(t)
	bt.Do(t, buyer, "buyer reads the reason, not the note",
		bt.SetLang(base, "zh-CN"),
		chromedp.Navigate(base+"/t/KD-0001#token=secret-1"),
		bt.WaitText("#t-status", "未获批准"),
		bt.WaitText("#messages", "该卡密在申请前已被兑换"))
	if txt := bt.Text(t, buyer, "main"); strings.Contains(txt, "同一设备上有三个账号") {
		t.Errorf("buyer sees the internal note: %q", txt)
	}
}

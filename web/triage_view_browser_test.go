package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// The agent's ticket page shows what the model read (pick, inferred intent, confidence, the
// mismatch), another order named in the text with a lookup, a fragment that matches a key of
// the order (masked), and lets the agent correct the intent (zh, then en).
func TestAgentSeesTriageAndCorrectsIntent(t *testing.T) {
	f, base := startFake(t)
	postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"key_invalid","description":"登录不了账号，改密码也不行。另外订单ORD-2002，卡密尾号5TW1"}`)
	f.mu.Lock()
	f.triage = map[uint64]map[string]any{f.tickets[0].ID: fakeTriageView()}
	f.mu.Unlock()

	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "agent (zh) opens the ticket",
		chromedp.EmulateViewport(1280, 900),
		bt.SetLang(base, "zh-CN"),
		bt.StaffSession(base, "tok-agent"),
		chromedp.Navigate(base+"/agent/tickets/1"),
		bt.Visible("#triage-panel"),
		bt.WaitText("#tri-inferred", "账户或支付问题"))
	if got := bt.Text(t, ctx, "#tri-chosen"); got != "卡密无法使用" {
		t.Errorf("buyer's pick %q", got)
	}
	if got := bt.Text(t, ctx, "#tri-confidence"); !strings.Contains(got, "置信度 91%") {
		t.Errorf("confidence %q", got)
	}
	if got := bt.Text(t, ctx, "#tri-mismatch"); !strings.Contains(got, "买家选择了“卡密无法使用”，但文字看起来是“账户或支付问题”") {
		t.Errorf("mismatch %q", got)
	}
	if got := bt.Text(t, ctx, "#tri-orders"); !strings.Contains(got, "文中提到订单 ORD-2002") || !strings.Contains(got, "其他买家的订单") || strings.Contains(got, "ORD-1001") {
		t.Errorf("order suggestions %q (the ticket's own order is not suggested)", got)
	}
	if got := bt.Text(t, ctx, "#tri-keys"); !strings.Contains(got, "片段 **** 与密钥 #9 匹配") {
		t.Errorf("key match %q", got)
	}
	bt.Screenshot(t, ctx, "ticket-triage-zh")
	bt.Do(t, ctx, "the order suggestion fills the lookup",
		bt.Click(`#tri-orders button[data-order="ORD-2002"]`),
		bt.WaitJS(`document.querySelector('#order-no').value === 'ORD-2002'`))
	bt.Do(t, ctx, "correct the intent",
		bt.SetSelect("#intent-pick", "account"),
		bt.Click("#intent-save"),
		bt.WaitText("#tri-label", "已由 Ada Agent 更正为“账户或支付问题”"))
	f.mu.Lock()
	n := len(f.intents)
	got := ""
	if n > 0 {
		got, _ = f.intents[n-1]["category"].(string)
	}
	f.mu.Unlock()
	if n != 1 || got != "account" {
		t.Errorf("corrections sent: %d, last %q", n, got)
	}
	bt.Screenshot(t, ctx, "ticket-triage-corrected-zh")
	bt.Do(t, ctx, "en",
		bt.SetLang(base, "en"),
		chromedp.Navigate(base+"/agent/tickets/1"),
		bt.WaitText("#tri-mismatch", "The buyer picked “My key does not work” but the text reads as “Account or payment question”"),
		bt.WaitText("#tri-keys", "fragment **** matches key #9"),
		bt.WaitText("#tri-label", "Corrected to “Account or payment question” by Ada Agent"))
	bt.Screenshot(t, ctx, "ticket-triage-en")
}

// The triage panel's texts, its timeline event and its audit codes exist in both languages.
func TestTriageTextsAndAuditCodesInBothLanguages(t *testing.T) {
	dict := readI18n(t)
	for _, k := range []string{"tri.h", "tri.chosen", "tri.inferred", "tri.confidence", "tri.mismatch", "tri.labelled", "tri.correct_label",
		"tri.correct", "tri.correct_hint", "tri.saved", "tri.order_in_text", "tri.order_open", "tri.other_buyer", "tri.key_match",
		"ev.intent_labelled", "audit.triage.label", "audit.triage.export"} {
		if dict["en"][k] == "" || dict["zh-CN"][k] == "" {
			t.Errorf("%s: en %q, zh-CN %q", k, dict["en"][k], dict["zh-CN"][k])
		}
	}
}

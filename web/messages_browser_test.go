package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// codedMessages are system messages as the API returns them: English body, code, params.
func codedMessages() []map[string]any {
	return []map[string]any{
		{"author_kind": "system", "body": "Your replacement key is ready: open your ticket's status page to see it.", "code": "replacement_ready"},
		{"author_kind": "system", "body": "Your refund of ¥10.00 for order ORD-1001 has been issued (reference KD-0001-R1).", "code": "refund_issued",
			"params": map[string]string{"amount": "1000", "currency": "CNY", "order_no": "ORD-1001", "reference": "KD-0001-R1"}},
		{"author_kind": "system", "body": "An English text with a code no page knows.", "code": "no_such_code"},
		{"author_kind": "system", "body": "Risk review needed (score 35): claim IP differs", "code": "risk_review", "internal": true,
			"params": map[string]string{"score": "35", "reasons": "claim IP differs"}},
	}
}

// TestSystemMessagesInTheReadersLanguage: the buyer's status page and the agent's ticket
// page show coded system messages in zh-CN (money in major units with the currency), the
// English text on en pages, and the body as written for a code no dictionary has.
func TestSystemMessagesInTheReadersLanguage(t *testing.T) {
	f, base := startFake(t)
	postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"key_invalid","description":"卡密无效"}`)
	f.mu.Lock()
	f.tickets[0].Messages = append(f.tickets[0].Messages, codedMessages()...)
	f.admin = newFakeAdmin()
	f.admin.macros = append(f.admin.macros, map[string]any{"id": 2, "name": "已补发卡密", "body": "我们已为您补发新的卡密。"})
	f.mu.Unlock()

	buyer := bt.NewTab(t)
	bt.Do(t, buyer, "buyer (zh, phone)",
		chromedp.EmulateViewport(390, 844),
		bt.SetLang(base, "zh-CN"),
		chromedp.Navigate(base+"/t/KD-0001#token=secret-1"),
		bt.WaitText("#messages", "您的替换卡密已准备好"),
		bt.WaitText("#messages", "订单 ORD-1001 的退款 ¥10.00 已发放"))
	txt := bt.Text(t, buyer, "#messages")
	if strings.Contains(txt, "Your replacement key") || strings.Contains(txt, "has been issued") {
		t.Errorf("zh buyer page shows English system texts: %q", txt)
	}
	if !strings.Contains(txt, "An English text with a code no page knows.") {
		t.Errorf("unknown code not shown as written: %q", txt)
	}
	if strings.Contains(txt, "风控") {
		t.Errorf("buyer sees an internal note: %q", txt)
	}
	bt.Screenshot(t, buyer, "messages-buyer-zh-390")
	bt.Do(t, buyer, "buyer (en)",
		bt.SetLang(base, "en"),
		chromedp.Navigate(base+"/t/KD-0001#token=secret-1"),
		bt.WaitText("#messages", "Your replacement key is ready"),
		bt.WaitText("#messages", "Your refund of CN¥10.00 for order ORD-1001 has been issued"))

	agent := bt.NewTab(t)
	bt.Do(t, agent, "agent (zh)",
		chromedp.EmulateViewport(1280, 900),
		bt.SetLang(base, "zh-CN"),
		bt.StaffSession(base, "tok-agent"),
		chromedp.Navigate(base+"/agent/tickets/1"),
		bt.WaitText("#messages", "需要风控审核（分数 35）：claim IP differs"),
		bt.WaitText("#messages", "您的替换卡密已准备好"),
		bt.WaitJS(`document.querySelectorAll('#macro optgroup').length === 2`))
	// A Chinese buyer's ticket offers the Chinese macros first, the English ones apart.
	if !bt.EvalBool(t, agent, `(() => { const g = document.querySelectorAll('#macro optgroup');
		return g[0].label === '中文回复' && g[0].textContent.includes('已补发卡密') && g[1].label === '英文回复' && g[1].textContent.includes('Key activation steps'); })()`) {
		t.Error("macros not grouped by language with the buyer's first")
	}
}

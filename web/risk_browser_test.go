package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/keydesk/keydesk/fraud"
	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// TestEveryFraudRuleHasANameInBothLanguages: the risk page names every rule of the
// ruleset in zh-CN and English ("rule.<name>").
func TestEveryFraudRuleHasANameInBothLanguages(t *testing.T) {
	dict := readI18n(t)
	for _, r := range fraud.Rules() {
		for _, lang := range []string{"en", "zh-CN"} {
			if dict[lang]["rule."+r.Name] == "" {
				t.Errorf("%s lacks rule.%s", lang, r.Name)
			}
		}
	}
}

// TestRiskPageExplainsRuleContributions: a risk agent reading a held claim in Chinese sees
// each rule that fired, by its translated name and id, with signed points (a credit shown
// as a minus) and the rule's detail, and how the score adds up.
func TestRiskPageExplainsRuleContributions(t *testing.T) {
	f, base := startFake(t)
	postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"key_invalid","description":"dead key"}`)
	f.mu.Lock()
	f.tickets[0].Queue, f.tickets[0].Status = "risk", "open"
	f.mu.Unlock()
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "risk page in zh-CN",
		bt.SetLang(base, "zh-CN"),
		bt.StaffSession(base, "tok-risk"),
		chromedp.Navigate(base+"/risk"),
		bt.Visible("table.rules"),
		bt.WaitText("table.rules caption", "评分依据"))
	rows := bt.Text(t, ctx, "table.rules tbody")
	for _, want := range []string{"申诉网络与下单网络不同", "claim_ip_differs_from_order", "+20", "称未收到，但卡密已被查看", "+25",
		"其他买家报告同批次无效（供货问题）", "−10", "申诉 IP 与下单 IP 不同", "卡密在申诉前 3 分钟已被展示"} {
		if !strings.Contains(rows, want) {
			t.Errorf("rule table lacks %q:\n%s", want, rows)
		}
	}
	if !bt.EvalBool(t, ctx, `document.querySelector('tr[data-rule=batch_invalid_reports]').classList.contains('credit') && document.querySelector('tr[data-rule=batch_invalid_reports] .bar').offsetWidth > 0`) {
		t.Error("the credit row is not marked as a credit or has no bar")
	}
	if note := bt.Text(t, ctx, ".explain"); !strings.Contains(note, "得分 35 为上面各规则分数之和") || !strings.Contains(note, "规则集 2026.11") {
		t.Errorf("score note: %q", note)
	}
	bt.Screenshot(t, ctx, "fake-risk-explain-zh")
	bt.Do(t, ctx, "switch to English: the page redraws with English rule names",
		bt.SetSelect("#lang-switch", "en"),
		bt.WaitText("table.rules caption", "Why this score"),
		bt.WaitText("table.rules tbody", "Claim from another network than the order"))
}

package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// The agent's ticket page shows the suggested order (another order of the shop that the text
// names in the shop's own format) once, apart from the other orders the text names, with a
// lookup and the other-buyer badge (zh, then en).
func TestAgentSeesSuggestedOrder(t *testing.T) {
	f, base := startFake(t)
	postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"key_missing","description":"kd_3141_5926 还没发货，另外 ORD-2002 也没到"}`)
	view := fakeTriageView()
	view["suggested_order"] = map[string]any{"order_no": "kd_3141_5926", "order_id": 7, "other_buyer": true}
	view["order_suggestions"] = []map[string]any{{"order_no": "kd_3141_5926", "order_id": 7, "other_buyer": true}, {"order_no": "ORD-2002", "order_id": 2}}
	f.mu.Lock()
	f.triage = map[uint64]map[string]any{f.tickets[0].ID: view}
	f.mu.Unlock()

	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "agent (zh) opens the ticket",
		chromedp.EmulateViewport(1280, 900),
		bt.SetLang(base, "zh-CN"),
		bt.StaffSession(base, "tok-agent"),
		chromedp.Navigate(base+"/agent/tickets/1"),
		bt.WaitText("#tri-suggested", "kd_3141_5926"))
	if got := bt.Text(t, ctx, "#tri-suggested"); !strings.Contains(got, "文中提到本店的另一个订单") || !strings.Contains(got, "其他买家的订单") {
		t.Errorf("suggested order %q", got)
	}
	if got := bt.Text(t, ctx, "#tri-orders"); strings.Contains(got, "kd_3141_5926") || !strings.Contains(got, "ORD-2002") {
		t.Errorf("other orders named %q: the suggested one is shown once, above", got)
	}
	bt.Screenshot(t, ctx, "ticket-suggested-order-zh")
	bt.Do(t, ctx, "the suggestion fills the lookup",
		bt.Click(`#tri-suggested button[data-order="kd_3141_5926"]`),
		bt.WaitJS(`document.querySelector('#order-no').value === 'kd_3141_5926'`))
	bt.Do(t, ctx, "en",
		bt.SetLang(base, "en"),
		chromedp.Navigate(base+"/agent/tickets/1"),
		bt.WaitText("#tri-suggested", "The text names another order of the shop, maybe the right one: kd_3141_5926"))
	bt.Screenshot(t, ctx, "ticket-suggested-order-en")
}

// The suggestion's text exists in both languages.
func TestSuggestedOrderTextInBothLanguages(t *testing.T) {
	dict := readI18n(t)
	for _, k := range []string{"tri.suggested_order", "tri.order_open", "tri.other_buyer"} {
		if dict["en"][k] == "" || dict["zh-CN"][k] == "" {
			t.Errorf("%s: en %q, zh-CN %q", k, dict["en"][k], dict["zh-CN"][k])
		}
	}
}

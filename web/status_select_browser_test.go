package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// TestStatusSelectShowsNew (issue 16): an agent opening a ticket still in status `new` sees
// 「新建」 in the status select (it was blank: `new` is not a status an agent can pick), and
// the statuses to move it to are still offered.
func TestStatusSelectShowsNew(t *testing.T) {
	f, base := startFake(t)
	postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"key_invalid","subject":"卡密无效","description":"x"}`)
	f.mu.Lock()
	f.tickets[0].Status = "new"
	f.mu.Unlock()

	tab := bt.NewTab(t)
	bt.Do(t, tab, "agent (zh) opens a new ticket",
		chromedp.EmulateViewport(1280, 900),
		bt.SetLang(base, "zh-CN"),
		bt.StaffSession(base, "tok-agent"),
		chromedp.Navigate(base+"/agent/tickets/1"),
		bt.Visible("#act-status"))
	if !bt.EvalBool(t, tab, `(() => { const s = document.querySelector('#act-status'); const o = s.options[s.selectedIndex]; return s.value === 'new' && o && o.textContent === '新建' && o.disabled; })()`) {
		t.Errorf("status select does not show 新建 as the current status: %q", bt.Text(t, tab, "#act-status"))
	}
	if !bt.EvalBool(t, tab, `[...document.querySelectorAll('#act-status option')].some(o => o.value === 'pending_customer' && !o.disabled)`) {
		t.Error("the statuses an agent can pick are missing")
	}
}

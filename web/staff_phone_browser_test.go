package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// TestZhStaffPagesAt390: each staff role's working page — the agent's ticket, the risk
// queue, the supervisor's dashboard, the admin's page — fits a 390 px
// phone in zh-CN: the page never scrolls sideways (a wide table scrolls inside its own box)
// and no control or heading runs past the screen's edge; short labels (roles, the SLA table's
// priorities) never break one character per line. Screenshots for the issue note.
func TestZhStaffPagesAt390(t *testing.T) {
	f, base := startFake(t)
	postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"other","subject":"卡密无法激活，提示已被使用，请尽快处理","description":"我在 Steam 上输入卡密后提示“此产品代码已被使用”，订单号 ORD-1001。"}`)
	postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"other","subject":"没有收到卡密","description":"付款后没有收到。"}`)
	f.mu.Lock()
	f.tickets[1].Queue = "risk"
	f.mu.Unlock()
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "zh phone", chromedp.EmulateViewport(390, 844), bt.SetLang(base, "zh-CN"))
	for _, c := range []struct{ token, path, ready, name string }{
		{"tok-agent", "/agent/tickets/1", `document.querySelector('#fraud') && document.querySelector('#fraud').textContent.includes('申诉 IP')`, "staff-ticket-zh-390"},
		{"tok-risk", "/risk", `!!document.querySelector('table.rules')`, "staff-risk-zh-390"},
		{"tok-supervisor", "/supervisor", `!!document.querySelector('#load-body tr')`, "staff-supervisor-zh-390"},
		{"tok-admin", "/admin", `document.querySelectorAll('#batches-body tr[data-batch]').length === 2`, "staff-admin-zh-390"},
	} {
		bt.Do(t, ctx, c.path, bt.StaffSession(base, c.token), chromedp.Navigate(base+c.path), bt.WaitJS(c.ready))
		w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)`))
		if err != nil {
			t.Fatal(err)
		}
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('header *, main input, main select, main textarea, main button, main h1, main h2, main p, main label, main dl, main pre')].filter(n => n.offsetParent && !n.closest('.table-wrap') && n.getBoundingClientRect().right > innerWidth + 1).map(n => n.tagName + '#' + n.id + '.' + n.className)`))
		if err != nil {
			t.Fatal(err)
		}
		if w > 390 || len(wide) > 0 {
			t.Errorf("%s at 390 px: page %d px wide; past the edge: %q", c.path, w, wide)
		}
		broken, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('.roles label, .policy th, .table-wrap .queue th:not(:has(.sr-only))')].filter(n => {
			if (!n.offsetParent) return false;
			const r = document.createRange(); r.selectNodeContents(n);
			return new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.bottom))).size > 1;
		}).map(n => n.textContent.trim())`))
		if err != nil {
			t.Fatal(err)
		}
		if len(broken) > 0 {
			t.Errorf("%s at 390 px: short labels break across lines: %q", c.path, broken)
		}
		bt.Screenshot(t, ctx, c.name)
	}
}

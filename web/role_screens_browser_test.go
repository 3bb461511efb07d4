package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// TestZhScreenshotsPerRole takes each staff role's main page in zh-CN at 1280×900 (viewport
// screenshots, as a person sees the screen) for the issue note: the agent's ticket, the risk
// agent's reviews, the supervisor's dashboard, the admin's batches. Each page must come up
// without a load error.
func TestZhScreenshotsPerRole(t *testing.T) {
	f, base := startFake(t)
	postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"other","subject":"卡密无法激活，提示已被使用","description":"我输入卡密后提示已被使用。"}`)
	f.mu.Lock()
	f.tickets[0].Queue = "risk"
	f.mu.Unlock()
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "zh", chromedp.EmulateViewport(1280, 900), bt.SetLang(base, "zh-CN"))
	for _, c := range []struct{ token, path, ready, name string }{
		{"tok-agent", "/agent/tickets/1", `document.querySelector('#fraud') && document.querySelector('#fraud').textContent.includes('申诉 IP')`, "role-agent-ticket-zh-1280"},
		{"tok-risk", "/risk", `!!document.querySelector('table.rules')`, "role-risk-zh-1280"},
		{"tok-supervisor", "/supervisor", `!!document.querySelector('#load-body tr')`, "role-supervisor-zh-1280"},
		{"tok-admin", "/admin#batches", `document.querySelectorAll('#batches-body tr[data-batch]').length === 2`, "role-admin-batches-zh-1280"},
	} {
		bt.Do(t, ctx, c.path, bt.StaffSession(base, c.token), chromedp.Navigate(base+c.path), bt.WaitJS(c.ready))
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		saveShot(t, c.name, png)
	}
}

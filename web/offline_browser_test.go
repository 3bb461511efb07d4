package web_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// TestLoadingAndOfflineStates: with the API slowed to 2 s the zh queue says it is loading
// (a row and the progress bar) instead of showing bare headers; with the API unreachable it
// keeps its rows but says they may be out of date ("离线", a banner with the last update) and
// recovers when the API answers again. The buyer's status page (en) says it is loading, a
// reply sent while the server is unreachable fails with a sentence and keeps the text, and a
// first load that fails (zh) says so instead of a blank page.
func TestLoadingAndOfflineStates(t *testing.T) {
	f, base := startFake(t)
	postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"other","subject":"卡密无法激活","description":"x"}`)
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "sign in (zh)", bt.SetLang(base, "zh-CN"), bt.StaffSession(base, "tok-agent"))

	f.net.set(2*time.Second, false)
	bt.Do(t, ctx, "slow queue shows that it loads",
		chromedp.Navigate(base+"/agent"),
		bt.WaitText("#queue-body", "正在加载工单队列"),
		bt.WaitJS(`!document.querySelector('#kd-progress').hidden`))
	bt.Screenshot(t, ctx, "loading-queue-zh")
	bt.Do(t, ctx, "then the rows",
		bt.WaitJS(`document.querySelectorAll('#queue-body tr[data-ticket]').length === 1`),
		bt.WaitText("#live-word", "实时"),
		bt.WaitJS(`document.querySelector('#kd-progress').hidden`))

	f.net.set(0, true)
	bt.Do(t, ctx, "API down: offline, rows kept",
		bt.WaitText("#conn-banner", "无法连接服务器：当前显示的内容可能已过时"),
		bt.WaitText("#conn-banner", "最后更新于"),
		bt.WaitText("#live-word", "离线"))
	if !bt.EvalBool(t, ctx, `document.querySelectorAll('#queue-body tr[data-ticket]').length === 1`) {
		t.Error("offline queue dropped its rows")
	}
	bt.Screenshot(t, ctx, "offline-queue-zh")
	f.net.set(0, false)
	bt.Do(t, ctx, "API back",
		bt.WaitJS(`document.querySelector('#conn-banner').hidden`),
		bt.WaitText("#live-word", "实时"))

	f.net.set(2*time.Second, false)
	bt.Do(t, ctx, "buyer status (en) loading",
		bt.SetLang(base, "en"),
		chromedp.Navigate(base+"/t/KD-0001#token=secret-1"),
		bt.WaitText("#loading-text", "Loading your ticket"),
		bt.WaitJS(`!document.querySelector('#ticket').hidden && document.querySelector('#loading-card').hidden`))
	f.net.set(0, true)
	bt.Do(t, ctx, "reply while the server is unreachable",
		bt.TypeIn("#reply-body", "Here is the screenshot you asked for."),
		bt.Click("#reply-form button[type=submit]"),
		bt.WaitText("#toast", "Cannot reach the server"),
		bt.WaitText("#conn-banner", "Cannot reach the server: what you see may be out of date"))
	if v := bt.Value(t, ctx, "#reply-body"); v != "Here is the screenshot you asked for." {
		t.Errorf("failed reply lost the text: %q", v)
	}
	bt.Screenshot(t, ctx, "offline-buyer-en")

	bt.Do(t, ctx, "first load fails (zh)",
		bt.SetLang(base, "zh-CN"),
		chromedp.Navigate(base+"/t/KD-0001#token=secret-1"),
		bt.WaitText("#loading-text", "暂时无法连接服务器"),
		bt.WaitText("#conn-banner", "无法连接服务器"))
	bt.Screenshot(t, ctx, "offline-buyer-first-load-zh")
	f.net.set(0, false)
	bt.Do(t, ctx, "and recovers",
		bt.WaitJS(`!document.querySelector('#ticket').hidden && document.querySelector('#conn-banner').hidden`))
}

package web_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// TestBuyerPagesSendTheDeviceID: the buyer form and the status page keep one random device
// id in localStorage and send it as X-Keydesk-Device with their API calls; it survives a
// reload; staff pages never send it.
func TestBuyerPagesSendTheDeviceID(t *testing.T) {
	_, base := startFake(t)
	postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"refund","description":"x"}`)
	ctx := bt.NewTab(t)
	// Record the device header of every fetch the page makes from now on.
	const spy = `window.__dev = []; (function () { var f = window.fetch; window.fetch = function (u, i) {
		window.__dev.push((i && i.headers && i.headers['X-Keydesk-Device']) || ''); return f.apply(this, arguments); }; })();`
	bt.Do(t, ctx, "buyer form",
		bt.SetLang(base, "en"),
		chromedp.Navigate(base+"/support/demo"),
		bt.Visible("#ticket-form"),
		bt.JS(spy),
		bt.TypeIn("#description", "my key is rejected"),
		bt.WaitJS(`window.__dev.length > 0`))
	id, sent := evalString(t, ctx, `localStorage.getItem('keydesk.device') || ''`), evalString(t, ctx, `window.__dev[0]`)
	if !regexp.MustCompile(`^kd-[0-9a-f]{32}$`).MatchString(id) || sent != id {
		t.Fatalf("device id %q, sent %q", id, sent)
	}
	if !bt.EvalBool(t, ctx, `!!document.querySelector('#device-notice') && document.querySelector('#device-notice').textContent.indexOf('device ID') >= 0`) {
		t.Error("the buyer form does not say what the device id is")
	}
	bt.Do(t, ctx, "status page, after a reload",
		chromedp.Navigate(base+"/t/KD-0001#token=secret-1"),
		bt.Visible("#messages"),
		bt.JS(spy),
		bt.WaitJS(`window.__dev.length > 0`)) // the status page polls
	again := evalString(t, ctx, `window.__dev[0]`)
	if again != id {
		t.Errorf("status page sent %q, want the same id %q", again, id)
	}
	bt.Do(t, ctx, "staff page",
		bt.StaffSession(base, "tok-risk"),
		chromedp.Navigate(base+"/risk"),
		bt.Visible("#reviews"),
		bt.JS(spy),
		bt.WaitJS(`window.__dev.length > 0`))
	if bt.EvalBool(t, ctx, `window.__dev.some(function (d) { return d !== ''; })`) {
		t.Error("a staff page sent the buyer device id")
	}
}

func evalString(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("eval %s: %v", expr, err)
	}
	return v
}

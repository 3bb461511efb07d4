package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// TestSupportFormNamesTheShop (issue 16): the buyer form shows the shop's name, not its slug,
// and an unknown shop shows a message in the page's language instead of a form that could
// never be sent.
func TestSupportFormNamesTheShop(t *testing.T) {
	_, base := startFake(t)
	tab := bt.NewTab(t)
	bt.Do(t, tab, "buyer (zh) opens the demo shop's form",
		chromedp.EmulateViewport(390, 844),
		bt.SetLang(base, "zh-CN"),
		chromedp.Navigate(base+"/support/demo"),
		bt.WaitText("#merchant-name", "Demo Key Shop"),
		bt.Visible("#ticket-form"))
	bt.Do(t, tab, "buyer (zh) opens an unknown shop",
		chromedp.Navigate(base+"/support/no-such-shop"),
		bt.Visible("#shop-missing"),
		bt.WaitText("#shop-missing", "找不到店铺"))
	if bt.EvalBool(t, tab, `!document.querySelector('#ticket-form').hidden`) {
		t.Error("the form is still shown for an unknown shop")
	}
	bt.Screenshot(t, tab, "support-no-such-shop-zh")
}

package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// TestInvalidLinkOffersResend (issue 16): a buyer opening a ticket with a wrong or old link
// gets the "send the link again" form on the same card (it was a dead end), and the form asks
// only for the order number and contact: the ticket's ref names the shop.
func TestInvalidLinkOffersResend(t *testing.T) {
	f, base := startFake(t)
	postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"key_invalid","subject":"卡密无效","description":"x"}`)
	f.mu.Lock()
	ref := f.tickets[0].Ref
	f.mu.Unlock()

	tab := bt.NewTab(t)
	bt.Do(t, tab, "buyer (zh) opens an invalid link and asks for a new one",
		chromedp.EmulateViewport(390, 844),
		bt.SetLang(base, "zh-CN"),
		chromedp.Navigate(base+"/t/"+ref+"#token=not-the-token"),
		bt.Visible("#error-card"),
		bt.Visible("#error-card #resend-form"),
		bt.TypeIn("#r-order", "ORD-1001"),
		bt.TypeIn("#r-contact", "b@example.com"),
		bt.Click("#resend-form button"),
		bt.WaitJS(`document.body.textContent.includes('我们已将链接发送到您的联系方式')`))
	if bt.EvalBool(t, tab, `!!document.querySelector('#resend-form [name=merchant]')`) {
		t.Error("the resend form still asks for the shop")
	}
	bt.Screenshot(t, tab, "status-invalid-link-resend-zh")
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.resends) != 1 || f.resends[0]["ref"] != ref || f.resends[0]["order_no"] != "ORD-1001" || f.resends[0]["contact"] != "b@example.com" {
		t.Fatalf("resend requests: %+v", f.resends)
	}
}

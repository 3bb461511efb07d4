package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// TestServerValidationInChinese: the API's validation texts (stable English sentences) are
// shown in zh-CN: the buyer's wrong order number next to the field, an unknown shop in the
// summary under the field's name, and the settings editor's amount limit in major units.
func TestServerValidationInChinese(t *testing.T) {
	_, base := startFake(t)
	buyer := bt.NewTab(t)
	bt.Do(t, buyer, "wrong order (zh, phone)",
		chromedp.EmulateViewport(390, 844),
		bt.SetLang(base, "zh-CN"),
		chromedp.Navigate(base+"/support/demo?order_no=ORD-9999&email=buyer%40example.com"),
		bt.Visible("#ticket-form"),
		bt.SetSelect("#category", "key_invalid"),
		bt.TypeIn("#description", "卡密无法使用"),
		bt.Click("#submit"),
		bt.WaitText(".field.has-error .field-error", "没有找到用此邮箱或联系方式购买的这个订单号"))
	bt.Screenshot(t, buyer, "validation-buyer-zh-390")
	if txt := bt.Text(t, buyer, "main"); strings.Contains(txt, "no order with this number") || strings.Contains(txt, "some fields are invalid") {
		t.Errorf("English server text on a zh page: %q", txt)
	}
	// An unknown shop is said before anything is typed (issue 16), in the page's language.
	bt.Do(t, buyer, "unknown shop (zh)",
		chromedp.Navigate(base+"/support/no-such-shop?order_no=ORD-1001&email=buyer%40example.com"),
		bt.Visible("#shop-missing"),
		bt.WaitText("#shop-missing", "找不到店铺"))

	admin := bt.NewTab(t)
	bt.Do(t, admin, "settings: agent limit above the maximum (zh)",
		chromedp.EmulateViewport(1280, 900),
		bt.SetLang(base, "zh-CN"),
		bt.StaffSession(base, "tok-admin"),
		chromedp.Navigate(base+"/admin"),
		bt.WaitJS(`document.querySelector('#s-limit').value === '50.00'`),
		bt.ClearInput("#s-limit"), bt.TypeIn("#s-limit", "20000000000"),
		bt.Click("#settings-form button[type=submit]"),
		bt.WaitText("#s-limit ~ .field-error", "请输入 0.00 到 10,000,000,000.00 之间的金额"))
	if got := bt.Text(t, admin, "#s-limit ~ .field-error"); strings.Contains(got, "minor units") || strings.Contains(got, "1000000000000") {
		t.Errorf("limit error in minor units: %q", got)
	}
}

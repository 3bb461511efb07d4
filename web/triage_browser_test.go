package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// The buyer form's category is optional: "不确定 / Not sure" comes first and is the default,
// there is no "dispute" choice, and a submission without a pick goes through.
func TestBuyerFormNotSureCategory(t *testing.T) {
	_, base := startFake(t)
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "open the form in Chinese",
		bt.SetLang(base, "zh-CN"),
		chromedp.Navigate(base+"/support/demo"),
		bt.Visible("#ticket-form"))
	if !bt.EvalBool(t, ctx, `(() => { const s = document.querySelector('#category');
		return s.options[0].value === '' && s.options[0].textContent === '不确定' && s.value === '' && !s.required &&
			![...s.options].some(o => o.value === 'dispute'); })()`) {
		t.Fatal("the category select does not start with 不确定, is required, or offers dispute")
	}
	if got := bt.Text(t, ctx, "#cat-hint"); !strings.Contains(got, "自动判断") {
		t.Errorf("hint under the category = %q", got)
	}
	bt.Screenshot(t, ctx, "buyer-form-not-sure-zh")
	bt.Do(t, ctx, "submit without choosing a category",
		bt.TypeIn("#order_no", "ORD-1001"),
		bt.TypeIn("#email", "buyer@example.com"),
		bt.TypeIn("#description", "付款了但是没收到卡密\n订单ORD-1001"),
		bt.Click("#submit"),
		bt.Visible("#done"))
	if ref := bt.Text(t, ctx, "#done-ref"); !strings.HasPrefix(ref, "KD-") {
		t.Fatalf("no ticket reference after submitting: %q", ref)
	}
}

package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// TestPickupPageShowsTheSteppedUpKeyInChinese (issue 12, step-up): the link sent to the
// order's e-mail opens /k#token=…; a reader of zh-CN is told why the key came by e-mail, one
// click shows it, and a bad, expired or incomplete link says so in Chinese.
func TestPickupPageShowsTheSteppedUpKeyInChinese(t *testing.T) {
	f, base := startFake(t)
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "pickup page",
		bt.SetLang(base, "zh-CN"),
		chromedp.Navigate(base+"/k#token="+fakePickupToken),
		bt.Visible("#pickup-show"))
	if lede := bt.Text(t, ctx, "#pickup"); !strings.Contains(lede, "订单邮箱") || !strings.Contains(lede, "查看补发的卡密") {
		t.Fatalf("pickup page text: %q", lede)
	}
	bt.Do(t, ctx, "show the key", bt.Click("#pickup-show"), bt.Visible("#pickup-box"))
	if got := bt.Text(t, ctx, "#pickup-value"); got != "STEP-UP-KEY-8888" {
		t.Fatalf("key shown %q", got)
	}
	if order := bt.Text(t, ctx, "#pickup-order"); !strings.Contains(order, "订单 ORD-1001") {
		t.Errorf("order line %q", order)
	}
	if f.reveals != 1 {
		t.Errorf("reveals %d, want 1", f.reveals)
	}
	bt.Screenshot(t, ctx, "pickup-zh")
	for _, tc := range []struct{ hash, want string }{
		{"#token=expired", "已过期"}, {"#token=nope", "无效"}, {"", "链接不完整"},
	} {
		steps := []bt.Step{chromedp.Navigate("about:blank"), chromedp.Navigate(base + "/k" + tc.hash)}
		if tc.hash != "" {
			steps = append(steps, bt.Visible("#pickup-show"), bt.Click("#pickup-show"))
		}
		steps = append(steps, bt.Visible("#pickup-error"))
		bt.Do(t, ctx, "link "+tc.hash, steps...)
		if got := bt.Text(t, ctx, "#pickup-error"); !strings.Contains(got, tc.want) {
			t.Errorf("link %q: error %q, want %q", tc.hash, got, tc.want)
		}
		if bt.EvalBool(t, ctx, `!document.querySelector('#pickup-box').hidden`) {
			t.Errorf("link %q showed a key", tc.hash)
		}
	}
}

// TestStatusPageSaysWhereASteppedUpKeyWent: the claimant's status page names the masked
// order e-mail and offers no key button.
func TestStatusPageSaysWhereASteppedUpKeyWent(t *testing.T) {
	f, base := startFake(t)
	postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"key_invalid","description":"key rejected"}`)
	tk := f.find("KD-0001")
	f.mu.Lock()
	tk.Status, tk.Stage, tk.SentTo = "resolved", "replacement_sent", "b***@example.com"
	f.mu.Unlock()
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "status page",
		bt.SetLang(base, "zh-CN"),
		chromedp.Navigate(base+"/t/KD-0001#token=secret-1"),
		bt.WaitText("#t-status-plain", "b***@example.com"))
	if plain := bt.Text(t, ctx, "#t-status-plain"); !strings.Contains(plain, "订单邮箱 b***@example.com") {
		t.Fatalf("plain status %q", plain)
	}
	if !bt.EvalBool(t, ctx, `document.querySelector('#replacement').hidden`) {
		t.Error("the status page offers the key that was sent to the order's e-mail")
	}
	bt.Screenshot(t, ctx, "status-sent-to-zh")
}

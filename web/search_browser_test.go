package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// TestStaffSearchBoxHighlightsAndEscapes: in zh-CN an agent types a two-character Chinese
// word into the queue page's search box and sees the ticket with the word highlighted in the
// snippet; markup in the ticket text stays text; a ref is an exact match; the supervisor page
// has the same box (English).
func TestStaffSearchBoxHighlightsAndEscapes(t *testing.T) {
	f, base := startFake(t)
	postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"refund","subject":"卡密无法激活","description":"我买的卡密显示已被使用，请尽快退款 `+strings.ReplaceAll(xss, `"`, `\"`)+`"}`)
	postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"c@example.com","category":"other","subject":"Wrong region","description":"This code only works in Europe"}`)
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "agent searches in Chinese",
		bt.SetLang(base, "zh-CN"),
		bt.StaffSession(base, "tok-agent"),
		chromedp.Navigate(base+"/agent"),
		bt.Visible("#ticket-search"),
		bt.TypeIn("#search-q", "退款"),
		bt.Click("#ticket-search button[type=submit]"),
		bt.Visible("#search-list li"))
	if got := bt.Text(t, ctx, "#search-list li .snippet mark"); got != "退款" {
		t.Errorf("highlighted word = %q", got)
	}
	if n := bt.Text(t, ctx, "#search-count"); !strings.Contains(n, "找到工单") || !strings.Contains(n, "1") {
		t.Errorf("count text %q", n)
	}
	if !bt.EvalBool(t, ctx, `document.querySelectorAll('#search-list li').length === 1 && !document.querySelector('#search-list img, #search-list b') && document.querySelector('#search-list .snippet').textContent.indexOf('<img') >= 0`) {
		t.Error("wrong hits, or the snippet's markup was not kept as text")
	}
	if ph := bt.EvalBool(t, ctx, `document.querySelector('#search-q').placeholder.indexOf('订单号') >= 0`); !ph {
		t.Error("placeholder not translated")
	}
	bt.Screenshot(t, ctx, "fake-agent-search-zh")
	bt.Do(t, ctx, "the hit opens the ticket",
		bt.Click("#search-list .ticket-link"),
		bt.WaitText("#t-subject", "卡密无法激活"))

	bt.Do(t, ctx, "supervisor page has the box, in English",
		bt.SetLang(base, "en"),
		bt.StaffSession(base, "tok-supervisor"),
		chromedp.Navigate(base+"/supervisor"),
		bt.Visible("#ticket-search"),
		bt.TypeIn("#search-q", `"only works"`),
		bt.Click("#ticket-search button[type=submit]"),
		bt.Visible("#search-list li"))
	if got := bt.Text(t, ctx, "#search-list li .snippet mark"); got != "only works" {
		t.Errorf("phrase highlight = %q", got)
	}
	if n := bt.Text(t, ctx, "#search-count"); n != "Tickets found: 1" {
		t.Errorf("count %q", n)
	}
	bt.Screenshot(t, ctx, "fake-supervisor-search-en")
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.searches) != 2 || !strings.Contains(f.searches[0], "q=%E9%80%80%E6%AC%BE") {
		t.Errorf("searches sent: %v", f.searches)
	}
}

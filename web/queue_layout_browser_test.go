package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// TestZhQueueReadsAtAGlance: at 1280×900 in zh-CN the queue's short cells (SLA, status,
// priority, assignee, claim, headers) stay on one line and at least 15 rows are on screen.
func TestZhQueueReadsAtAGlance(t *testing.T) {
	_, base := startFake(t)
	subjects := []string{"卡密无法激活，提示已被使用", "没有收到卡密", "申请退款：买错了版本", "账号无法登录", "付款两次被扣款"}
	for i := 0; i < 20; i++ {
		postTicket(t, base, fmt.Sprintf(`{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"other","subject":%q,"description":"x"}`, subjects[i%len(subjects)]))
	}
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "zh queue",
		chromedp.EmulateViewport(1280, 900),
		bt.SetLang(base, "zh-CN"),
		bt.StaffSession(base, "tok-agent"),
		chromedp.Navigate(base+"/agent"),
		bt.WaitJS(`document.querySelectorAll('#queue-body tr[data-ticket]').length === 20`))
	// A cell "wraps" when its text's line boxes sit at more than one height.
	wrapped, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
		const out = [];
		document.querySelectorAll('.queue thead th:not(:has(.sr-only)), #queue-body td:not(:nth-child(2)) > *, #queue-body .tline > *').forEach(n => {
			const r = document.createRange(); r.selectNodeContents(n);
			const tops = new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.bottom)));
			if (tops.size > 1) out.push(n.tagName + ' ' + n.textContent.trim());
		});
		return out;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if len(wrapped) > 0 {
		t.Errorf("short cells wrap in zh: %q", wrapped)
	}
	visible, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('#queue-body tr[data-ticket]')].filter(r => r.getBoundingClientRect().bottom <= innerHeight).length`))
	if err != nil {
		t.Fatal(err)
	}
	rowH, _ := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector('#queue-body tr[data-ticket]').getBoundingClientRect().height`))
	t.Logf("zh queue at 1280×900: %d rows visible, row height %.0f px", visible, rowH)
	if visible < 15 {
		t.Errorf("only %d queue rows visible at 1280×900 (row height %.0f px), want ≥ 15", visible, rowH)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err == nil {
		saveShot(t, "queue-agent-zh-1280", png)
	}
}

// saveShot writes a viewport screenshot next to the full-page ones.
func saveShot(t *testing.T, name string, png []byte) {
	t.Helper()
	if err := os.MkdirAll(bt.ScreenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(bt.ScreenshotDir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

// TestZhSupervisorLoadTableSeparatesNumbers: in the load-per-agent table each count is
// right-aligned in its own column with a clear gap, so "14" and "0" never read "140"; a
// viewport screenshot of the zh supervisor page at 1280×900.
func TestZhSupervisorLoadTableSeparatesNumbers(t *testing.T) {
	_, base := startFake(t)
	for i := 0; i < 14; i++ {
		postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"other","subject":"s","description":"x"}`)
	}
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "zh supervisor",
		chromedp.EmulateViewport(1280, 900),
		bt.SetLang(base, "zh-CN"),
		bt.StaffSession(base, "tok-supervisor"),
		chromedp.Navigate(base+"/supervisor"),
		bt.WaitJS(`!!document.querySelector('#load-body tr.unassigned')`))
	// The smallest horizontal gap between the texts of neighbouring number cells in a row.
	gap, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(() => {
		let min = 1e9;
		document.querySelectorAll('#load-body tr').forEach(tr => {
			const boxes = [...tr.cells].slice(1).map(td => { const r = document.createRange(); r.selectNodeContents(td); return r.getBoundingClientRect(); });
			for (let i = 1; i < boxes.length; i++) min = Math.min(min, boxes[i].left - boxes[i-1].right);
		});
		return min;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("smallest gap between load-table numbers: %.0f px", gap)
	if gap < 16 {
		t.Errorf("load-table numbers only %.0f px apart", gap)
	}
	if got := bt.Text(t, ctx, "#load-body tr.unassigned td:nth-child(2)"); got != "14" && got != "14 " {
		t.Errorf("unassigned open cell %q", got)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err == nil {
		saveShot(t, "supervisor-zh-1280", png)
	}
}

// TestZhPagesAt390: on a 390 px phone in zh-CN the buyer's form and status page and the
// agent queue fit the screen width (a wide table scrolls inside its box, the page does not),
// with no control wider than the screen; screenshots.
func TestZhPagesAt390(t *testing.T) {
	_, base := startFake(t)
	postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"other","subject":"卡密无法激活，提示已被使用，请尽快处理","description":"我在 Steam 上输入卡密后提示“此产品代码已被使用”，订单号 ORD-1001。"}`)
	ctx := bt.NewTab(t)
	fits := func(name string) {
		t.Helper()
		w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)`))
		if err != nil {
			t.Fatal(err)
		}
		wide, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('main input, main select, main textarea, main button, main h1, main p')].filter(n => n.offsetParent && !n.closest('.table-wrap') && n.getBoundingClientRect().right > innerWidth + 1).map(n => n.tagName + '#' + n.id)`))
		if w > 390 || len(wide) > 0 {
			t.Errorf("%s at 390 px: page %d px wide; past the edge: %q", name, w, wide)
		}
	}
	bt.Do(t, ctx, "buyer form",
		chromedp.EmulateViewport(390, 844),
		bt.SetLang(base, "zh-CN"),
		chromedp.Navigate(base+"/support/demo"),
		bt.Visible("form"))
	fits("/support/demo")
	bt.Screenshot(t, ctx, "buyer-form-zh-390")
	bt.Do(t, ctx, "buyer status",
		chromedp.Navigate(base+"/t/KD-0001#token=secret-1"),
		bt.WaitText("main", "KD-0001"))
	fits("/t/KD-0001")
	bt.Screenshot(t, ctx, "buyer-status-zh-390")
	bt.Do(t, ctx, "agent queue",
		bt.StaffSession(base, "tok-agent"),
		chromedp.Navigate(base+"/agent"),
		bt.WaitJS(`document.querySelectorAll('#queue-body tr[data-ticket]').length === 1`))
	fits("/agent")
	bt.Screenshot(t, ctx, "queue-agent-zh-390")
}

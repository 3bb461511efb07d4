package web_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// TestBuyerSendsForManualCheck: a buyer (zh-CN, phone) whose order number and e-mail prove no
// order sees the error as before and the offer of a manual check; sending it resends the form
// with manual_check and shows "waiting for a manual check" with the number and the address,
// and no ticket link.
func TestBuyerSendsForManualCheck(t *testing.T) {
	f, base := startFake(t)
	ctx := buyerWithNoOrder(t, base)
	if got := bt.Text(t, ctx, "#manual-offer"); !strings.Contains(got, "仍然提交，请客服人工核实") || !strings.Contains(got, "如果下单时填错了邮箱") {
		t.Errorf("manual-check offer %q", got)
	}
	bt.Screenshot(t, ctx, "manual-offer-zh-390")
	bt.Do(t, ctx, "send it for a manual check",
		bt.Click("#manual-send"),
		bt.Visible("#manual-done"),
		bt.WaitText("#manual-done-text", "客服会核对订单 KD20260115-0024，并通过 jhon@gmial.com 回复您。"))
	bt.Screenshot(t, ctx, "manual-done-zh-390")
	if !bt.EvalBool(t, ctx, `document.querySelector('#form-card').hidden && !document.querySelector('#manual-done a')`) {
		t.Error("the form is still shown, or the confirmation links somewhere although there is no ticket")
	}
	if got := bt.Text(t, ctx, "#manual-done-title"); got != "已收到，等待人工核实" {
		t.Errorf("title %q", got)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.manual.requests) != 1 || len(f.tickets) != 0 {
		t.Fatalf("manual requests %d, tickets %d", len(f.manual.requests), len(f.tickets))
	}
	req := f.manual.requests[0]
	if req["manual_check"] != true || req["order_no"] != "KD20260115-0024" || req["email"] != "jhon@gmial.com" ||
		req["language"] != "zh-CN" || !strings.Contains(req["description"].(string), "没收到卡密") {
		t.Errorf("resent body %v", req)
	}
}

// buyerWithNoOrder opens the form (zh-CN, phone) with a mistyped order number and e-mail,
// sends it, and waits for the refusal and the offer of a manual check.
func buyerWithNoOrder(t *testing.T, base string) context.Context {
	t.Helper()
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "wrong order (zh, phone)",
		chromedp.EmulateViewport(390, 844),
		bt.SetLang(base, "zh-CN"),
		chromedp.Navigate(base+"/support/demo?order_no=KD20260115-0024&email=jhon%40gmial.com"),
		bt.Visible("#ticket-form"),
		bt.SetSelect("#category", "key_missing"),
		bt.TypeIn("#description", buyerText),
		bt.Click("#submit"),
		bt.WaitText(".field.has-error .field-error", "没有找到用此邮箱或联系方式购买的这个订单号"),
		bt.Visible("#manual-send"))
	return ctx
}

const buyerText = "付款后一直没收到卡密，下单时邮箱可能填错了"

// TestBuyerManualCheckLimitSaysWhy: an address with three checks waiting is refused (429) with
// the reason in zh-CN, not "wait and retry"; the offer goes and the form keeps what was typed.
func TestBuyerManualCheckLimitSaysWhy(t *testing.T) {
	f, base := startFake(t)
	f.mu.Lock()
	for range maxOpenChecks {
		f.addCheck(fakeCheck{OrderNo: "KD20260115-0024", Email: "JHON@gmial.com", Subject: "没有收到卡密"})
	}
	f.mu.Unlock()
	ctx := buyerWithNoOrder(t, base)
	bt.Do(t, ctx, "send it for a manual check once too often",
		bt.Click("#manual-send"),
		bt.WaitText("#form-summary", "这个邮箱已有等待人工核实的请求"),
		bt.WaitJS(`document.querySelector('#manual-offer').hidden && !document.querySelector('#form-card').hidden`))
	if got := bt.Value(t, ctx, "#description"); got != buyerText {
		t.Errorf("typed text lost: %q", got)
	}
}

// seedChecks stores three open checks: a mistyped order number (no such order), an order whose
// e-mail differs from the typed one, and one another agent decides first.
func seedChecks(f *fakeAPI) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.addCheck(fakeCheck{OrderNo: "KD20260115-0024", Email: "jhon@gmial.com", Category: "key_missing", Subject: "没有收到卡密",
		Description: "付款后一直没收到卡密，下单时邮箱可能填错了", Language: "zh-CN"})
	f.addCheck(fakeCheck{OrderNo: "ORD-1001", Email: "bb@example.com", Contact: "微信 bb_2026", Category: "key_invalid", Subject: "卡密无法激活",
		Description: "提示卡密已被使用", Language: "zh-CN", EmailEdits: 1})
	f.addCheck(fakeCheck{OrderNo: "ORD-1001", Email: "chen.wei@qq.com", Category: "refund", Subject: "申请退款", Description: "买错了", Language: "zh-CN",
		TakenElsewhere: true, EmailEdits: 3})
}

// TestAgentHandlesManualChecks (zh-CN): the queue page counts the open checks; each shows the
// typed e-mail beside the order's masked one and how close the two are (a typo or another
// address), or that the shop has no such order. The agent
// accepts one with a corrected number (a wrong one is refused under the field) and gets the
// link to pass on, rejects one with a reason, and sees a 409 when someone else was first.
func TestAgentHandlesManualChecks(t *testing.T) {
	f, base := startFake(t)
	seedChecks(f)
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "queue page (zh) opens the manual checks",
		chromedp.EmulateViewport(1280, 900),
		bt.SetLang(base, "zh-CN"),
		bt.StaffSession(base, "tok-agent"),
		chromedp.Navigate(base+"/agent"),
		bt.WaitText("#mc-count", "3"),
		bt.Click("#mc-toggle"),
		bt.WaitJS(`document.querySelectorAll('#mc-list [data-mc]').length === 3`))
	if got := bt.Text(t, ctx, `[data-mc="1"] .mc-order`); !strings.Contains(got, "本店没有订单号为 KD20260115-0024 的订单") {
		t.Errorf("missing order not said: %q", got)
	}
	second := bt.Text(t, ctx, `[data-mc="2"] .mc-compare`)
	for _, want := range []string{"bb@example.com", "b***@example.com", "¥100.00", "Steam 充值卡 100 元", "微信 bb_2026", "只差 1 个字符，很可能是下单时输错了"} {
		if !strings.Contains(second, want) {
			t.Errorf("comparison lacks %q: %q", want, second)
		}
	}
	if third := bt.Text(t, ctx, `[data-mc="3"] .mc-compare`); !strings.Contains(third, "差别很大") {
		t.Errorf("an unrelated address is not called out: %q", third)
	}
	bt.Screenshot(t, ctx, "manual-checks-agent-zh")

	bt.Do(t, ctx, "accept with a number the shop does not have",
		bt.ClearInput("#mc-no-1"), bt.TypeIn("#mc-no-1", "KD20260115-9999"),
		bt.Click(`[data-mc="1"] .mc-accept button[type=submit]`),
		bt.WaitText(`[data-mc="1"] .field-error`, "本店没有这个订单号的订单"))
	bt.Do(t, ctx, "accept with the corrected number",
		bt.ClearInput("#mc-no-1"), bt.TypeIn("#mc-no-1", "KD20260115-0042"),
		bt.Click(`[data-mc="1"] .mc-accept button[type=submit]`),
		bt.WaitText("#mc-result", "已建工单"),
		bt.WaitText("#mc-count", "2"))
	if !bt.EvalBool(t, ctx, `document.querySelector('#mc-result a').getAttribute('href') === '/agent/tickets/1' && document.querySelector('#mc-result a').textContent === 'KD-0001'`) {
		t.Error("no link to the new ticket")
	}
	if got := bt.Value(t, ctx, "#mc-link"); got != "https://help.example.test/t/KD-0001#token=secret-1" {
		t.Errorf("status link to pass on %q", got)
	}
	if got := bt.Text(t, ctx, "#mc-result"); !strings.Contains(got, "本店没有配置邮件渠道") {
		t.Errorf("no word that the agent must send the link: %q", got)
	}
	bt.Screenshot(t, ctx, "manual-checks-accepted-zh")

	reason := "订单 ORD-1001 的下单邮箱与您填写的不同，请用下单邮箱重新提交。"
	bt.Do(t, ctx, "reject with a reason",
		bt.Click(`[data-mc="2"] .mc-reject button[type=submit]`),
		bt.Visible("#mc-reason-2"),
		bt.Click(`[data-mc="2"] .mc-reject button[type=submit]`),
		bt.WaitText(`[data-mc="2"] .field-error`, "请填写此项"),
		bt.TypeIn("#mc-reason-2", reason))
	bt.Screenshot(t, ctx, "manual-checks-reject-zh")
	bt.Do(t, ctx, "send the reason",
		bt.Click(`[data-mc="2"] .mc-reject button[type=submit]`),
		bt.WaitText("#mc-result", "订单 ORD-1001 的请求已标记为无法核实"))
	bt.Do(t, ctx, "someone else was first",
		bt.Click(`[data-mc="3"] .mc-accept button[type=submit]`),
		bt.WaitText("#mc-result", "已由其他客服处理"),
		bt.WaitJS(`!document.querySelector('[data-mc="3"]') && !document.querySelector('#mc-empty').hidden`),
		bt.WaitText("#mc-count", "0"))
	bt.Screenshot(t, ctx, "manual-checks-conflict-zh")

	f.mu.Lock()
	defer f.mu.Unlock()
	if want := []string{"KD20260115-9999", "KD20260115-0042"}; !slices.Equal(f.manual.accepts, want) {
		t.Errorf("accepted order numbers %q, want %q", f.manual.accepts, want)
	}
	if !slices.Equal(f.manual.rejects, []string{reason}) {
		t.Errorf("reject reasons %q", f.manual.rejects)
	}
}

// The manual-check texts exist in both languages (some are named through a variable).
func TestManualCheckTextsInBothLanguages(t *testing.T) {
	dict := readI18n(t)
	for _, k := range []string{"support.mc_why", "support.mc_send", "support.mc_done_title", "support.mc_done_text", "mc.title",
		"mc.reject", "mc.reject_send", "mc.order_email", "mc.no_order", "mc.conflict", "mc.email_close", "mc.email_other", "srv.mc_no_order", "srv.mc_limit", "srv.mc_full"} {
		if dict["en"][k] == "" || dict["zh-CN"][k] == "" {
			t.Errorf("%s: en %q, zh-CN %q", k, dict["en"][k], dict["zh-CN"][k])
		}
	}
}

// TestSupervisorSeesManualChecksWaiting (zh-CN): the SLA dashboard counts the buyers waiting for
// a manual check (outside every SLA clock) and says how long the oldest has waited.
func TestSupervisorSeesManualChecksWaiting(t *testing.T) {
	f, base := startFake(t)
	seedChecks(f)
	f.mu.Lock()
	f.manual.checks[0].Created = time.Now().Add(-3*time.Hour - 5*time.Minute)
	f.mu.Unlock()
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "supervisor dashboard (zh)",
		bt.SetLang(base, "zh-CN"),
		bt.StaffSession(base, "tok-supervisor"),
		chromedp.Navigate(base+"/supervisor"),
		bt.WaitText("#c-manual", "3"),
		bt.WaitText("#c-manual-oldest", "最早的已等待 3"))
	if !bt.EvalBool(t, ctx, `document.querySelector('#c-manual').getAttribute('href') === '/agent'`) {
		t.Error("the count does not lead to the queue page's manual checks")
	}
	bt.Screenshot(t, ctx, "manual-checks-supervisor-zh")
	if got := bt.Text(t, ctx, ".stat:has(#c-manual) .stat-label"); got != "待人工核实" {
		t.Errorf("label %q", got)
	}
}

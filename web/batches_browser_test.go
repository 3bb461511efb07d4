package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// TestAdminManagesBatchesZh: in zh-CN the admin sees every batch with its number, product,
// counts per key state in separate columns and the (translated) automatic quarantine reason;
// releases the quarantined batch and quarantines another, each with a reason (an empty reason
// is refused next to the field); a key import with a blank line reports the textarea's own
// line numbers with the reasons in Chinese.
func TestAdminManagesBatchesZh(t *testing.T) {
	f, base := startFake(t)
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "admin page in zh",
		bt.SetLang(base, "zh-CN"),
		bt.StaffSession(base, "tok-admin"),
		chromedp.Navigate(base+"/admin"),
		bt.WaitJS(`document.querySelectorAll('#batches-body tr[data-batch]').length === 2`))
	row12 := bt.Text(t, ctx, `#batches-body tr[data-batch="12"]`)
	for _, want := range []string{"#12", "GAME-STD", "已隔离", "已有 3 位不同买家报告此批次的卡密无效（上限 3）", "45", "解除隔离"} {
		if !strings.Contains(row12, want) {
			t.Errorf("batch 12 row lacks %q: %s", want, row12)
		}
	}
	if alert := bt.Text(t, ctx, "#batches-alert"); !strings.Contains(alert, "#12") || !strings.Contains(alert, "已隔离") {
		t.Errorf("quarantine alert: %q", alert)
	}
	// Counts in their own cells: "3" reported invalid and "45" quarantined never run together.
	if !bt.EvalBool(t, ctx, `(() => { const c = [...document.querySelectorAll('#batches-body tr[data-batch="12"] td.num')].map(td => td.textContent); return c.join('|') === '0|2|3|45'; })()`) {
		t.Error("batch 12 counts are not 0|2|3|45 in separate cells")
	}
	bt.Screenshot(t, ctx, "admin-batches-zh")

	bt.Do(t, ctx, "release needs a reason",
		bt.Click(`#batches-body tr[data-batch="12"] [data-action=release-batch]`),
		bt.Visible("#batch-reason"),
		bt.WaitText("#batch-form-row", "45 个已隔离的卡密将重新可售"),
		bt.Click("#batch-form-row button[type=submit]"),
		bt.WaitText("#batch-form-row .field-error", "请填写此项"))
	bt.Do(t, ctx, "release batch 12",
		bt.TypeIn("#batch-reason", "供应商确认卡密有效"),
		bt.Click("#batch-form-row button[type=submit]"),
		bt.WaitText("#toast", "批次 #12 已解除隔离：45 个卡密重新可用"),
		bt.WaitText(`#batches-body tr[data-batch="12"]`, "使用中"),
		bt.WaitJS(`document.querySelector('#batches-alert').hidden`))
	bt.Do(t, ctx, "quarantine batch 11",
		bt.Click(`#batches-body tr[data-batch="11"] [data-action=quarantine-batch]`),
		bt.Visible("#batch-reason"),
		bt.TypeIn("#batch-reason", "供应商通知泄露"),
		bt.Click("#batch-form-row button[type=submit]"),
		bt.WaitText(`#batches-body tr[data-batch="11"]`, "供应商通知泄露"),
		bt.WaitText("#batches-alert", "#11"))
	f.mu.Lock()
	audit := strings.Join(f.batches.audit, "\n")
	f.mu.Unlock()
	if !strings.Contains(audit, "release #12 供应商确认卡密有效") || !strings.Contains(audit, "quarantine #11 供应商通知泄露") {
		t.Errorf("decisions sent: %s", audit)
	}

	bt.Do(t, ctx, "import with a blank line: the textarea's line numbers",
		bt.JS(`document.querySelector('#i-keys').value = 'GOOD-0001\n\nBAD\nGOOD-0001\n'`),
		bt.Click("#import-form button[type=submit]"),
		bt.WaitText("#import-errors", "第 3 行"))
	rep := bt.Text(t, ctx, "#import-report")
	for _, want := range []string{"未导入任何卡密：3 行中有 2 行被拒绝", "第 3 行", "少于 4 个字符", "第 4 行", "与第 1 行的卡密重复"} {
		if !strings.Contains(rep, want) {
			t.Errorf("import report lacks %q: %s", want, rep)
		}
	}
	if strings.Contains(rep, "shorter") || strings.Contains(rep, "duplicate") {
		t.Errorf("English in the zh import report: %s", rep)
	}
	if v := bt.Value(t, ctx, "#i-keys"); !strings.Contains(v, "GOOD-0001") {
		t.Errorf("rejected import cleared the keys: %q", v)
	}
	bt.Screenshot(t, ctx, "admin-import-lines-zh")
}

// TestBatchesForSupervisorAndNoAccess: a supervisor (quarantine, no user or stock rights) finds
// the admin page through the nav and sees only the batches; a risk agent opening /admin or
// /supervisor gets a clear "no access" page with no forms, in both languages.
func TestBatchesForSupervisorAndNoAccess(t *testing.T) {
	_, base := startFake(t)
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "supervisor on /admin",
		bt.SetLang(base, "en"),
		bt.StaffSession(base, "tok-supervisor"),
		chromedp.Navigate(base+"/admin#batches"),
		bt.WaitJS(`document.querySelectorAll('#batches-body tr[data-batch]').length === 2`),
		bt.WaitJS(`!document.querySelector('a[data-nav=admin]').hidden`))
	for _, sel := range []string{"#users-panel", "#inventory-panel", "#settings-panel", "#macros-panel", "#webhooks-panel", "#audit-panel"} {
		if !bt.EvalBool(t, ctx, `document.querySelector('`+sel+`').hidden`) {
			t.Errorf("supervisor sees %s", sel)
		}
	}
	if !strings.Contains(bt.Text(t, ctx, `#batches-body tr[data-batch="12"]`), "3 different buyers reported keys of this batch invalid (limit 3)") {
		t.Error("en quarantine reason")
	}

	for _, c := range []struct{ lang, path, title string }{{"zh-CN", "/admin", "无权访问"}, {"en", "/supervisor", "No access"}, {"zh-CN", "/supervisor", "无权访问"}} {
		bt.Do(t, ctx, "risk agent on "+c.path+" ("+c.lang+")",
			bt.SetLang(base, c.lang),
			bt.StaffSession(base, "tok-risk"),
			chromedp.Navigate(base+c.path),
			bt.WaitText("#no-access h1", c.title))
		if !bt.EvalBool(t, ctx, `[...document.querySelectorAll('main form, main table')].every(n => !n.offsetParent)`) {
			t.Errorf("%s: forms or tables visible under no access", c.path)
		}
		if c.path == "/admin" && c.lang == "zh-CN" {
			bt.Screenshot(t, ctx, "no-access-risk-zh")
		}
	}
}

package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/keydesk/keydesk/kb"
	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// fakeKBTitles are the fake shop's published articles (zh-CN titles) for macro rendering.
var fakeKBTitles = map[string]string{"refunds": "退款说明"}

// renderMacro is the fake POST /tickets/{id}/macros/{macro}/render: the real expansion
// (kb.ExpandLinks) over fakeKBTitles, linked as the API links them for a zh-CN buyer.
func (f *fakeAPI) renderMacro(w http.ResponseWriter, macroID string) {
	if f.admin == nil {
		f.admin = newFakeAdmin()
	}
	for _, m := range f.admin.macros {
		if fmt.Sprint(m["id"]) != macroID {
			continue
		}
		body, unresolved := kb.ExpandLinks(fmt.Sprint(m["body"]), func(slug string) (string, string, bool) {
			title, ok := fakeKBTitles[slug]
			return title, "http://help.test/help/demo/" + slug + "?lang=zh-CN", ok
		})
		if unresolved == nil {
			unresolved = []string{}
		}
		writeJSON(w, 200, map[string]any{"body": body, "unresolved": unresolved})
		return
	}
	apiErr(w, 404, "not_found", "not found", nil)
}

// TestMacroKBLinkInsertion: on a zh-CN agent ticket page, inserting a macro with
// {{kb:refunds}} puts the article's title and public link into the reply box; a macro naming
// an unknown article keeps the placeholder visible and shows a warning naming it.
func TestMacroKBLinkInsertion(t *testing.T) {
	f, base := startFake(t)
	postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"key_invalid","description":"卡密无效"}`)
	f.mu.Lock()
	f.admin = newFakeAdmin()
	f.admin.macros = append(f.admin.macros,
		map[string]any{"id": 2, "name": "退款链接", "body": "退款规则见 {{kb:refunds}}。"},
		map[string]any{"id": 3, "name": "旧文章", "body": "请看 {{kb:gone}}。"})
	f.mu.Unlock()

	agent := bt.NewTab(t)
	bt.Do(t, agent, "agent ticket (zh)",
		chromedp.EmulateViewport(1280, 900),
		bt.SetLang(base, "zh-CN"),
		bt.StaffSession(base, "tok-agent"),
		chromedp.Navigate(base+"/agent/tickets/1"),
		bt.WaitJS(`document.querySelectorAll('#macro option[value="1"]').length === 1`),
		bt.SetSelect("#macro", "1"),
		bt.WaitJS(`document.querySelector('#compose-body').value.includes('退款说明')`))
	got := bt.Value(t, agent, "#compose-body")
	if want := "退款规则见 退款说明 <http://help.test/help/demo/refunds?lang=zh-CN>。"; got != want {
		t.Errorf("reply box = %q, want %q", got, want)
	}
	if !bt.EvalBool(t, agent, `document.querySelector('#macro-warn').hidden`) {
		t.Error("warning shown for a resolved link")
	}
	bt.Screenshot(t, agent, "macro-kb-link-zh")

	bt.Do(t, agent, "unknown article",
		bt.ClearInput("#compose-body"),
		bt.SetSelect("#macro", "2"),
		bt.WaitJS(`!document.querySelector('#macro-warn').hidden`))
	if got := bt.Value(t, agent, "#compose-body"); got != "请看 {{kb:gone}}。" {
		t.Errorf("unknown placeholder not left visible: %q", got)
	}
	if w := bt.Text(t, agent, "#macro-warn"); !strings.Contains(w, "gone") || !strings.Contains(w, "没有已发布的帮助文章") {
		t.Errorf("warning = %q", w)
	}
	// Sending the reply with the placeholder still in it is refused on the page.
	f.mu.Lock()
	before := len(f.tickets[0].Messages)
	f.mu.Unlock()
	bt.Do(t, agent, "send with a placeholder left",
		bt.Click("#send"),
		bt.WaitText("#compose", "请替换或删除 {{kb:…}} 占位符"))
	f.mu.Lock()
	after := len(f.tickets[0].Messages)
	f.mu.Unlock()
	if after != before {
		t.Errorf("reply with an unlinked placeholder was sent (%d → %d messages)", before, after)
	}
}

// TestMacroEditorNamesKBPlaceholder: the admin's macro editor explains {{kb:<slug>}} in
// zh-CN and en.
func TestMacroEditorNamesKBPlaceholder(t *testing.T) {
	_, base := startFake(t)
	ctx := bt.NewTab(t)
	for lang, want := range map[string]string{"zh-CN": "写 {{kb:文章地址}} 可链接已发布的帮助文章", "en": "Write {{kb:article-address}} to link a published help article"} {
		bt.Do(t, ctx, "admin page "+lang,
			bt.SetLang(base, lang),
			bt.StaffSession(base, "tok-admin"),
			chromedp.Navigate(base+"/admin"),
			bt.WaitText("#macros-body", "Key activation steps"),
			bt.WaitText("#m-body-hint", want))
	}
}

package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

func (e *env) listMacrosAs(who string) []macroView {
	e.t.Helper()
	w := e.do("GET", V1+"/macros", nil, bearerHdr(e.tokens[who]))
	var got macrosResp
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &got) != nil || got.Macros == nil {
		e.t.Fatalf("GET /macros as %s: %d %s", who, w.Code, w.Body.String())
	}
	return got.Macros
}

// TestMacrosLifecycle: an admin adds, renames and deletes macros, agents read them in the
// shape the ticket view expects ({macros:[{name, body}]}), names are unique per merchant
// ignoring case (409 naming the field), and every change is audited.
func TestMacrosLifecycle(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	admin := bearerHdr(e.tokens["admin"])
	if l := e.listMacrosAs("agent"); len(l) != 0 {
		t.Fatalf("fresh merchant has macros: %+v", l)
	}
	w := e.do("POST", V1+"/macros", `{"name":"  Refund timeline ","body":"Refunds reach you in 3–5 business days.\n\nThanks!"}`, admin)
	var created macroView
	if w.Code != http.StatusCreated || json.Unmarshal(w.Body.Bytes(), &created) != nil || created.ID == 0 || created.Name != "Refund timeline" {
		t.Fatalf("create: %d %s", w.Code, w.Body.String())
	}
	if w := e.do("POST", V1+"/macros", macroExample, admin); w.Code != http.StatusCreated {
		t.Fatalf("second macro: %d %s", w.Code, w.Body.String())
	}
	w = e.do("POST", V1+"/macros", `{"name":"REFUND TIMELINE","body":"x"}`, admin)
	if er := errorOf(t, w); w.Code != http.StatusConflict || er.Code != CodeConflict || er.Fields["name"] == "" {
		t.Fatalf("duplicate name: %d %+v", w.Code, er)
	}

	var raw map[string][]map[string]any // what ticket.js reads
	w = e.do("GET", V1+"/macros", nil, bearerHdr(e.tokens["agent"]))
	if json.Unmarshal(w.Body.Bytes(), &raw) != nil || len(raw["macros"]) != 2 || raw["macros"][0]["name"] != "Key activation steps" || raw["macros"][1]["body"] == "" {
		t.Fatalf("agent's list (by name): %s", w.Body.String())
	}

	path := fmt.Sprintf("%s/macros/%d", V1, created.ID)
	w = e.do("PUT", path, `{"name":"Key activation steps","body":"x"}`, admin)
	if w.Code != http.StatusConflict {
		t.Fatalf("rename onto another macro: %d %s", w.Code, w.Body.String())
	}
	w = e.do("PUT", path, `{"name":"Refund timeline","body":"Refunds take up to 7 days."}`, admin)
	var updated macroView
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &updated) != nil || updated.Body != "Refunds take up to 7 days." || updated.ID != created.ID {
		t.Fatalf("update keeping the name: %d %s", w.Code, w.Body.String())
	}
	if w := e.do("DELETE", path, nil, admin); w.Code != http.StatusNoContent {
		t.Fatalf("delete: %d %s", w.Code, w.Body.String())
	}
	if w := e.do("DELETE", path, nil, admin); w.Code != http.StatusNotFound {
		t.Fatalf("second delete: %d", w.Code)
	}
	if l := e.listMacrosAs("supervisor"); len(l) != 1 || l[0].Name != "Key activation steps" {
		t.Fatalf("after delete: %+v", l)
	}

	for action, want := range map[string]int{AuditMacroCreate: 2, AuditMacroUpdate: 1, AuditMacroDelete: 1} {
		rows := e.auditRows(action, e.mA.ID)
		if len(rows) != want {
			t.Errorf("%s audited %d times, want %d", action, len(rows), want)
			continue
		}
		if rows[0].ActorID == nil || *rows[0].ActorID != e.users["admin"].ID || rows[0].TargetType != "macro" {
			t.Errorf("%s audit row: %+v", action, rows[0])
		}
	}
	if rows := e.auditRows(AuditMacroUpdate, e.mA.ID); len(rows) == 1 && !strings.Contains(string(rows[0].Data), `"body_changed":true`) {
		t.Errorf("update audit data: %s", rows[0].Data)
	}
}

// TestMacroValidation: names and bodies out of bounds are a 422 naming the field; malformed
// or unknown fields a 400; nothing is stored.
func TestMacroValidation(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	admin := bearerHdr(e.tokens["admin"])
	long := func(n int) string { return strings.Repeat("é", n) } // characters, not bytes
	cases := []struct {
		name  string
		body  macroReq
		field string
	}{
		{"empty name", macroReq{Name: "", Body: "b"}, "name"},
		{"blank name", macroReq{Name: "   ", Body: "b"}, "name"},
		{"name too long", macroReq{Name: long(maxMacroName + 1), Body: "b"}, "name"},
		{"name on two lines", macroReq{Name: "Refund\ntimeline", Body: "b"}, "name"},
		{"empty body", macroReq{Name: "n", Body: ""}, "body"},
		{"blank body", macroReq{Name: "n", Body: " \n\t "}, "body"},
		{"body too long", macroReq{Name: "n", Body: long(maxMacroBody + 1)}, "body"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do("POST", V1+"/macros", tc.body, admin)
			if er := errorOf(t, w); w.Code != http.StatusUnprocessableEntity || er.Code != CodeValidation || er.Fields[tc.field] == "" {
				t.Fatalf("status %d, error %+v; want 422 on %s", w.Code, er, tc.field)
			}
		})
	}
	if w := e.do("POST", V1+"/macros", macroReq{Name: long(maxMacroName), Body: long(maxMacroBody)}, admin); w.Code != http.StatusCreated {
		t.Fatalf("name and body at their limits: %d %s", w.Code, w.Body.String())
	}
	if w := e.do("POST", V1+"/macros", `{"title":"x","body":"y"}`, admin); w.Code != http.StatusBadRequest {
		t.Fatalf("unknown field: %d", w.Code)
	}
	if w := e.do("PUT", V1+"/macros/abc", macroExample, admin); w.Code != http.StatusNotFound {
		t.Fatalf("non-numeric id: %d", w.Code)
	}
	if l := e.listMacrosAs("admin"); len(l) != 1 {
		t.Fatalf("rejected requests stored macros: %d", len(l))
	}
}

// TestMacrosStayInTheirMerchant: another merchant's admin cannot see, change or delete A's
// macros (404, nothing changed) and may use the same name; agents cannot write macros.
func TestMacrosStayInTheirMerchant(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	w := e.do("POST", V1+"/macros", macroExample, bearerHdr(e.tokens["admin"]))
	var a macroView
	e.must(json.Unmarshal(w.Body.Bytes(), &a))
	other := bearerHdr(e.tokens["other_admin"])
	path := fmt.Sprintf("%s/macros/%d", V1, a.ID)
	if w := e.do("PUT", path, `{"name":"Hijacked","body":"x"}`, other); w.Code != http.StatusNotFound {
		t.Fatalf("B updates A's macro: %d %s", w.Code, w.Body.String())
	}
	if w := e.do("DELETE", path, nil, other); w.Code != http.StatusNotFound {
		t.Fatalf("B deletes A's macro: %d", w.Code)
	}
	if l := e.listMacrosAs("other_admin"); len(l) != 0 {
		t.Fatalf("B sees A's macros: %+v", l)
	}
	if w := e.do("POST", V1+"/macros", macroExample, other); w.Code != http.StatusCreated {
		t.Fatalf("B reuses A's macro name: %d %s", w.Code, w.Body.String())
	}
	if l := e.listMacrosAs("agent"); len(l) != 1 || l[0].Name != macroExample.Name || l[0].Body != macroExample.Body {
		t.Fatalf("A's macro after B's attempts: %+v", l)
	}
	for _, who := range []string{"agent", "supervisor"} {
		if w := e.do("POST", V1+"/macros", `{"name":"Mine","body":"x"}`, bearerHdr(e.tokens[who])); w.Code != http.StatusForbidden {
			t.Errorf("%s creates a macro: %d", who, w.Code)
		}
		if w := e.do("DELETE", path, nil, bearerHdr(e.tokens[who])); w.Code != http.StatusForbidden {
			t.Errorf("%s deletes a macro: %d", who, w.Code)
		}
	}
	if len(e.auditRows(AuditMacroCreate, e.mB.ID)) != 1 || len(e.auditRows(AuditMacroUpdate, e.mA.ID)) != 0 {
		t.Fatal("audit rows filed under the wrong merchant or for refused changes")
	}
}

// TestRenderMacroKBLinks: {{kb:<slug>}} in a macro becomes the merchant's published article
// for a reply on the ticket — title in the ticket's language (else the other), absolute link
// on the public URL with ?lang= the ticket's language; unknown, unpublished and another
// merchant's slugs stay as written and are listed; another merchant's macro or ticket is 404.
func TestRenderMacroKBLinks(t *testing.T) {
	testdb.Each(t, func(t *testing.T, st *store.Store) { testRenderMacroKBLinks(t, st) })
}

func testRenderMacroKBLinks(t *testing.T, st *store.Store) {
	e := newEnv(t, st, RateLimits{})
	ctx := context.Background()
	art := func(m uint64, slug, lang, title string, pub bool) {
		a := models.KBArticle{MerchantID: m, Slug: slug, Language: lang, Title: title, Body: "body " + slug, Published: pub}
		e.must(e.st.CreateKBArticle(ctx, &a))
	}
	art(e.mA.ID, "refunds", "zh-CN", "退款说明", true)
	art(e.mA.ID, "refunds", "en", "Refunds", true)
	art(e.mA.ID, "activation", "en", "Activating a key", true)
	art(e.mA.ID, "draft", "zh-CN", "草稿", false)
	art(e.mB.ID, "b-only", "zh-CN", "B 店文章", true)
	e.must(e.st.DB(ctx).Model(&models.Ticket{}).Where("id = ?", e.ticketA.ID).Update("language", "zh-CN").Error)
	e.must(e.st.DB(ctx).Model(&models.Ticket{}).Where("id = ?", e.ticketA2.ID).Update("language", "en").Error)
	mac := models.Macro{MerchantID: e.mA.ID, Name: "links", Body: "见 {{kb:refunds}} / {{kb:activation}} / {{kb:draft}} / {{kb:b-only}} / {{kb:nope}}"}
	e.must(e.st.CreateMacro(ctx, &mac))
	plain := models.Macro{MerchantID: e.mA.ID, Name: "plain", Body: "Thanks!"}
	e.must(e.st.CreateMacro(ctx, &plain))
	macB := models.Macro{MerchantID: e.mB.ID, Name: "b", Body: "{{kb:b-only}}"}
	e.must(e.st.CreateMacro(ctx, &macB))

	render := func(who string, ticket, macro uint64) (int, macroRenderResp) {
		t.Helper()
		w := e.do("POST", fmt.Sprintf("%s/tickets/%d/macros/%d/render", V1, ticket, macro), nil, bearerHdr(e.tokens[who]))
		var r macroRenderResp
		if w.Code == http.StatusOK {
			if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil {
				t.Fatalf("decode: %v %s", err, w.Body.String())
			}
		}
		return w.Code, r
	}
	left := " / {{kb:draft}} / {{kb:b-only}} / {{kb:nope}}"
	unresolved := []string{"draft", "b-only", "nope"}
	cases := []struct {
		name   string
		ticket uint64
		want   string
	}{
		{"zh buyer", e.ticketA.ID, "见 退款说明 <http://keydesk.test/help/shop-a/refunds?lang=zh-CN> / Activating a key <http://keydesk.test/help/shop-a/activation?lang=zh-CN>" + left},
		{"en buyer", e.ticketA2.ID, "见 Refunds <http://keydesk.test/help/shop-a/refunds?lang=en> / Activating a key <http://keydesk.test/help/shop-a/activation?lang=en>" + left},
	}
	for _, c := range cases {
		code, r := render("agent", c.ticket, mac.ID)
		if code != http.StatusOK || r.Body != c.want || strings.Join(r.Unresolved, ",") != strings.Join(unresolved, ",") {
			t.Errorf("%s: %d %q %v\nwant %q %v", c.name, code, r.Body, r.Unresolved, c.want, unresolved)
		}
	}
	if code, r := render("agent", e.ticketA.ID, plain.ID); code != http.StatusOK || r.Body != "Thanks!" || r.Unresolved == nil || len(r.Unresolved) != 0 {
		t.Errorf("plain macro: %d %+v", code, r)
	}
	if code, _ := render("agent", e.ticketA.ID, macB.ID); code != http.StatusNotFound {
		t.Errorf("another merchant's macro: %d", code)
	}
	if code, _ := render("other_admin", e.ticketA.ID, macB.ID); code != http.StatusNotFound {
		t.Errorf("another merchant's ticket: %d", code)
	}
	if code, _ := render("norole", e.ticketA.ID, mac.ID); code != http.StatusForbidden {
		t.Errorf("no role: %d", code)
	}
}

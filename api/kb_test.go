package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
)

// TestKBLifecycle: an admin writes a Chinese article (a draft is never suggested), publishes
// it, a buyer's Chinese question gets it with a highlighted snippet, the public page serves
// it, another merchant's admin cannot see or touch it and shop-b's buyers never get it;
// agents read but cannot write; every change is audited; the form's events become the
// supervisor's deflection report.
func TestKBLifecycle(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	admin := bearerHdr(e.tokens["admin"])
	body := map[string]string{"slug": "key-not-working", "language": "zh-CN", "title": "卡密无法使用", "tags": "卡密,无效,激活",
		"body": "请确认兑换的平台和地区正确，且卡密中没有多余空格。<script>x</script>", "status": "draft"}
	w := e.do("POST", V1+"/kb/articles", body, admin)
	var created kbArticleView
	if w.Code != http.StatusCreated || json.Unmarshal(w.Body.Bytes(), &created) != nil || created.ID == 0 || created.Status != "draft" {
		t.Fatalf("create: %d %s", w.Code, w.Body.String())
	}
	suggest := func(merchant, q string) kbSuggestResp {
		t.Helper()
		w := e.do("GET", V1+"/kb/suggest?merchant="+merchant+"&lang=zh-CN&q="+url.QueryEscape(q), nil, nil)
		var r kbSuggestResp
		if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &r) != nil {
			t.Fatalf("suggest: %d %s", w.Code, w.Body.String())
		}
		return r
	}
	if r := suggest("shop-a", "我的卡密激活不了"); len(r.Articles) != 0 {
		t.Fatalf("draft suggested: %+v", r)
	}
	if w := e.do("POST", V1+"/kb/articles", body, admin); w.Code != http.StatusConflict || errorOf(t, w).Fields["slug"] == "" {
		t.Errorf("same slug and language: %d %s", w.Code, w.Body.String())
	}
	bad := map[string]string{"slug": "Bad Slug", "language": "fr", "title": "", "body": "", "status": "live"}
	if w := e.do("POST", V1+"/kb/articles", bad, admin); w.Code != http.StatusUnprocessableEntity || len(errorOf(t, w).Fields) != 5 {
		t.Errorf("invalid article: %d %s", w.Code, w.Body.String())
	}
	if w := e.do("POST", V1+"/kb/articles", body, bearerHdr(e.tokens["agent"])); w.Code != http.StatusForbidden {
		t.Errorf("agent writes: %d", w.Code)
	}
	path := fmt.Sprintf("%s/kb/articles/%d", V1, created.ID)
	body["status"] = "published"
	if w := e.do("PUT", path, body, admin); w.Code != http.StatusOK {
		t.Fatalf("publish: %d %s", w.Code, w.Body.String())
	}
	r := suggest("shop-a", "我的卡密激活不了")
	if len(r.Articles) != 1 || r.Articles[0].ID != created.ID || !strings.Contains(r.Articles[0].Snippet, "<mark>卡密</mark>") ||
		strings.Contains(r.Articles[0].Snippet, "<script>") || r.Articles[0].URL != "/help/shop-a/key-not-working?lang=zh-CN" {
		t.Errorf("suggestion: %+v", r)
	}
	if r := suggest("shop-b", "我的卡密激活不了"); len(r.Articles) != 0 {
		t.Errorf("shop-b's buyer gets shop-a's article: %+v", r)
	}
	if r := suggest("no-such-shop", "卡密"); len(r.Articles) != 0 {
		t.Errorf("unknown shop: %+v", r)
	}
	w = e.do("GET", V1+"/kb/pages/shop-a/key-not-working?lang=en", nil, nil)
	var page kbPageResp
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &page) != nil || page.Language != "zh-CN" || page.Title != "卡密无法使用" {
		t.Errorf("public page: %d %s", w.Code, w.Body.String())
	}
	if w := e.do("GET", V1+"/kb/pages/shop-b/key-not-working", nil, nil); w.Code != http.StatusNotFound {
		t.Errorf("shop-b's page of shop-a's slug: %d", w.Code)
	}
	// Staff reads; another merchant's admin sees nothing and touches nothing.
	if w := e.do("GET", V1+"/kb/articles?q="+url.QueryEscape("卡密"), nil, bearerHdr(e.tokens["agent"])); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "key-not-working") {
		t.Errorf("agent list: %d %s", w.Code, w.Body.String())
	}
	other := bearerHdr(e.tokens["other_admin"])
	if w := e.do("GET", V1+"/kb/articles", nil, other); w.Code != http.StatusOK || strings.Contains(w.Body.String(), "key-not-working") {
		t.Errorf("other merchant's list: %d %s", w.Code, w.Body.String())
	}
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		if w := e.do(m, path, body, other); w.Code != http.StatusNotFound {
			t.Errorf("other merchant %s: %d", m, w.Code)
		}
	}

	// Events and the deflection report.
	ev := func(session string, rows ...kbEventRow) {
		t.Helper()
		if w := e.do("POST", V1+"/kb/events", kbEventReq{Merchant: "shop-a", Session: session, Events: rows}, nil); w.Code != http.StatusNoContent {
			t.Fatalf("events: %d %s", w.Code, w.Body.String())
		}
	}
	ev("session-one", kbEventRow{Kind: "shown", ArticleID: created.ID}, kbEventRow{Kind: "opened", ArticleID: created.ID})
	ev("session-two", kbEventRow{Kind: "opened", ArticleID: created.ID}, kbEventRow{Kind: "submitted"})
	if w := e.do("POST", V1+"/kb/events", kbEventReq{Merchant: "shop-a", Session: "x", Events: []kbEventRow{{Kind: "liked"}}}, nil); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("bad events: %d", w.Code)
	}
	if w := e.do("GET", V1+"/kb/report", nil, bearerHdr(e.tokens["agent"])); w.Code != http.StatusForbidden {
		t.Errorf("agent reads the report: %d", w.Code)
	}
	w = e.do("GET", V1+"/kb/report?days=7", nil, bearerHdr(e.tokens["supervisor"]))
	var rep kbReportResp
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &rep) != nil || rep.Opened != 2 || rep.Submitted != 1 || rep.Pending != 1 ||
		len(rep.Articles) != 1 || rep.Articles[0].Title != "卡密无法使用" || rep.Articles[0].Opened != 2 {
		t.Errorf("report: %d %s", w.Code, w.Body.String())
	}

	if w := e.do("DELETE", path, nil, admin); w.Code != http.StatusNoContent {
		t.Fatalf("delete: %d", w.Code)
	}
	var acts []string
	e.must(e.st.DB(context.Background()).Model(&models.AuditEntry{}).Where("action LIKE ?", "kb.%").Order("id").Pluck("action", &acts).Error)
	if strings.Join(acts, ",") != "kb.create,kb.update,kb.delete" {
		t.Errorf("audit: %v", acts)
	}
}

package web_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"

	"github.com/keydesk/keydesk/api"
	"github.com/keydesk/keydesk/internal/auth"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/rbac"
	"github.com/keydesk/keydesk/web"
	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// startKB serves these pages with the real API over a fresh SQLite database (full-text
// index included) holding the labelled knowledge base of kb/testdata for merchant "demo",
// and returns the base URL, the store and an admin's access token.
func startKB(t *testing.T) (string, func(kind string) int64, string) {
	t.Helper()
	ctx := context.Background()
	st := testdb.SQLite(t)
	m := models.Merchant{Slug: "demo", Name: "Demo", Timezone: "UTC"}
	if err := st.DB(ctx).Create(&m).Error; err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("../kb/testdata/articles.json")
	if err != nil {
		t.Fatal(err)
	}
	var arts []models.KBArticle
	if err := json.Unmarshal(b, &arts); err != nil {
		t.Fatal(err)
	}
	for _, a := range arts {
		a.MerchantID, a.Published = m.ID, true
		if err := st.CreateKBArticle(ctx, &a); err != nil {
			t.Fatal(err)
		}
	}
	enf, err := rbac.New(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	as := auth.New(auth.Opts{Store: st, Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: bcrypt.MinCost})
	u := models.User{MerchantID: &m.ID, Email: "admin@demo.test", Name: "管理员", Active: true}
	if err := st.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	if err := enf.Grant(ctx, u.ID, rbac.RoleAdmin, m.ID); err != nil {
		t.Fatal(err)
	}
	tok, _, err := as.IssueAccess(u)
	if err != nil {
		t.Fatal(err)
	}
	lim := api.Limit{Rate: rate.Inf, Burst: 1}
	h, err := api.NewRouter(api.Deps{Store: st, RBAC: enf, Auth: as, Pages: web.Handler(web.Options{}),
		Log: slog.New(slog.DiscardHandler), RateLimits: api.RateLimits{Public: lim, Login: lim, Integration: lim}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	events := func(kind string) int64 {
		var n int64
		if err := st.DB(ctx).Model(&models.KBEvent{}).Where("kind = ?", kind).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	return srv.URL, events, tok
}

// TestBuyerTypesChineseQuestionSeesArticle: on the form in zh-CN a buyer types a Chinese
// question; the right article is suggested with the question's words highlighted; opening it
// is recorded (shown, opened); its page opens in Chinese and offers the English version. An
// admin then writes and publishes an article in the editor on /kb, sees the deflection
// report, and a buyer's question finds the new article.
func TestBuyerTypesChineseQuestionSeesArticle(t *testing.T) {
	base, events, tok := startKB(t)
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "buyer types a Chinese question",
		bt.SetLang(base, "zh-CN"),
		chromedp.Navigate(base+"/support/demo"),
		bt.Visible("#description"),
		bt.TypeIn("#description", "我的卡密激活不了，一直提示无效"),
		bt.Visible("#kb-list li"))
	if got := bt.Text(t, ctx, "#kb-list li summary"); got != "卡密无法使用或提示无效" {
		t.Errorf("first suggestion %q", got)
	}
	if !bt.EvalBool(t, ctx, `document.querySelector('#kb-list li .kb-snippet mark') !== null && document.querySelector('#kb h2').textContent.indexOf('这些文章') >= 0`) {
		t.Error("no highlighted snippet, or the box is not in Chinese")
	}
	bt.Screenshot(t, ctx, "kb-buyer-suggestion-zh")
	bt.Do(t, ctx, "buyer opens the suggestion",
		bt.Click("#kb-list li summary"),
		bt.Visible("#kb-list li .kb-open"),
		bt.WaitJS(`document.querySelector('#kb-list li details').open`))
	for i := 0; i < 50 && events("opened") == 0; i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if events("shown") == 0 || events("opened") != 1 {
		t.Errorf("events: shown %d, opened %d", events("shown"), events("opened"))
	}
	bt.Do(t, ctx, "the article page",
		bt.JS(`location.assign(document.querySelector('#kb-list li .kb-open').href)`),
		bt.WaitText("#kb-title", "卡密无法使用或提示无效"),
		bt.Visible("#kb-langs"))
	if !bt.EvalBool(t, ctx, `document.querySelectorAll('#kb-body li').length === 3 && document.querySelector('#kb-lang-links a').textContent === 'English'`) {
		t.Error("article body list or language link missing")
	}
	bt.Screenshot(t, ctx, "kb-article-page-zh")

	bt.Do(t, ctx, "admin writes an article",
		bt.StaffSession(base, tok),
		chromedp.Navigate(base+"/kb"),
		bt.Visible("#kb-body-rows tr"),
		bt.Visible("#kb-new"),
		bt.Click("#kb-new"),
		bt.Visible("#kb-editor"),
		bt.TypeIn("#kb-slug", "night-delivery"),
		bt.TypeIn("#kb-title-in", "夜间下单什么时候发货"),
		bt.TypeIn("#kb-tags", "夜间,发货,凌晨"),
		bt.TypeIn("#kb-text", "夜间（0:00-8:00）下单的卡密同样自动发货。\n\n- 如遇补货，早上 9 点前发出"),
		bt.SetSelect("#kb-status", "published"),
		bt.WaitText("#kb-prev-title", "夜间下单什么时候发货"),
		bt.Click("#kb-form-edit button[type=submit]"),
		bt.Visible("#kb-delete"),
		bt.WaitJS(`Array.from(document.querySelectorAll('#kb-body-rows td')).some(td => td.textContent === 'night-delivery')`),
		bt.Visible("#kb-report"),
		bt.WaitJS(`document.querySelector('#kb-totals').textContent.indexOf('自助解决率') >= 0`))
	if !bt.EvalBool(t, ctx, `document.querySelector('#kb-prev-body li') !== null && document.querySelector('#kb-report-rows tr td').textContent === '卡密无法使用或提示无效'`) {
		t.Error("preview list or report row missing")
	}
	bt.Screenshot(t, ctx, "kb-editor-zh")
	bt.Do(t, ctx, "the new article is suggested",
		chromedp.Navigate(base+"/support/demo"),
		bt.Visible("#description"),
		bt.ClearInput("#description"),
		bt.TypeIn("#description", "凌晨下单了 还没发货"),
		bt.Visible("#kb-list li"))
	if got := bt.Text(t, ctx, "#kb-list li summary"); !strings.Contains(got, "夜间下单") {
		t.Errorf("new article not first: %q", got)
	}
}

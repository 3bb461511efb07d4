package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/keydesk/keydesk/web"
	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// TestBuyerFormReplayShowsNoBrokenLink (issue 14): a repeated submission answers the ticket
// without its token (a key replay never hands out a link). The done card then says so in
// zh-CN, hides the link box and points to the ticket page (which offers to re-send the
// link) instead of a link ending in "#token=undefined".
func TestBuyerFormReplayShowsNoBrokenLink(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/", web.Handler(web.Options{}))
	mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost && r.URL.Path == "/api/v1/tickets" {
			_, _ = io.WriteString(w, `{"ref":"KD-REPLAY01","status":"new","replayed":true}`)
			return
		}
		if r.URL.Path == "/api/v1/shops/demo" {
			_, _ = io.WriteString(w, `{"slug":"demo","name":"Demo Key Shop"}`)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/api/v1/kb") {
			_, _ = io.WriteString(w, `{"articles":[]}`)
			return
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error":{"code":"not_found","message":"not found","request_id":"x"}}`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	base := srv.URL

	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "submit a form the server already had",
		bt.SetLang(base, "zh-CN"),
		chromedp.Navigate(base+"/support/demo?order_no=ORD-1001&email=buyer%40example.com"),
		bt.Visible("#ticket-form"),
		bt.TypeIn("#description", "卡密无法激活"),
		bt.Click("#submit"),
		bt.Visible("#done"),
		bt.Visible("#done-replayed"))
	if ref := bt.Text(t, ctx, "#done-ref"); ref != "KD-REPLAY01" {
		t.Fatalf("ref %q", ref)
	}
	if note := bt.Text(t, ctx, "#done-replayed"); !strings.Contains(note, "重新发送链接") {
		t.Errorf("replay note not in Chinese: %q", note)
	}
	if bt.EvalBool(t, ctx, `!document.querySelector('#done-linkbox').hidden || !document.querySelector('#done-keep').hidden`) {
		t.Error("the link box is shown without a link")
	}
	if !bt.EvalBool(t, ctx, `(function () { var h = document.querySelector('#open-status').getAttribute('href');
		return /\/t\/KD-REPLAY01$/.test(h) && h.indexOf('undefined') < 0 && h.indexOf('#token') < 0; })()`) {
		t.Errorf("ticket link %q", bt.Text(t, ctx, "#open-status"))
	}
}

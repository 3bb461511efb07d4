package web_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// These tests drive the pages in headless Chromium against fakeAPI: they check the browser
// side on its own (prefill, field errors, drafts, escaping, language, role-based hiding).

const xss = `<img src=x onerror="document.title='pwned'"><b>bold</b>`

func postTicket(t *testing.T, base, body string) {
	t.Helper()
	res, err := http.Post(base+"/api/v1/tickets", "application/json", bytes.NewBufferString(body))
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("create ticket: %v %v", err, res)
	}
	res.Body.Close()
}

func TestBuyerFormKeepsInputShowsFieldErrorsAndEscapes(t *testing.T) {
	_, base := startFake(t)
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "open prefilled form",
		bt.SetLang(base, "en"),
		chromedp.Navigate(base+"/support/demo?order_no=ORD-9999&email=buyer%40example.com"),
		bt.Visible("#ticket-form"))
	if o, e := bt.Value(t, ctx, "#order_no"), bt.Value(t, ctx, "#email"); o != "ORD-9999" || e != "buyer@example.com" {
		t.Fatalf("prefill: order %q email %q", o, e)
	}
	bt.Do(t, ctx, "fill and submit with a wrong order",
		bt.SetSelect("#category", "key_invalid"),
		bt.TypeIn("#description", "my key is rejected "+xss),
		bt.Visible("#kb-list li"),
		bt.Click("#submit"),
		bt.Visible(".field.has-error .field-error"))
	if got := bt.Text(t, ctx, ".field.has-error .field-error"); !strings.Contains(got, "No order with this number was bought with this e-mail or contact") {
		t.Errorf("field error next to order_no = %q", got)
	}
	if got := bt.Text(t, ctx, "#kb-list summary"); got != "How to redeem a key <b>now</b>" {
		t.Errorf("KB title not shown as text: %q", got)
	}
	if !bt.EvalBool(t, ctx, `document.activeElement.id === 'order_no' && document.querySelector('#order_no').getAttribute('aria-invalid') === 'true' && !!document.querySelector('#order_no').closest('.field').querySelector('.field-error')`) {
		t.Error("error is not next to order_no, or focus / aria-invalid are wrong")
	}
	// Reload: the draft survives (sessionStorage), nothing typed is lost.
	bt.Do(t, ctx, "reload keeps the draft", chromedp.Reload(), bt.Visible("#ticket-form"))
	if d := bt.Value(t, ctx, "#description"); !strings.Contains(d, xss) {
		t.Fatalf("draft lost after reload: %q", d)
	}
	bt.Do(t, ctx, "fix the order and submit",
		bt.ClearInput("#order_no"),
		bt.TypeIn("#order_no", "ORD-1001"),
		bt.Click("#submit"),
		bt.Visible("#done"))
	ref, link := bt.Text(t, ctx, "#done-ref"), bt.Value(t, ctx, "#done-link")
	if ref != "KD-0001" || !strings.HasSuffix(link, "/t/KD-0001#token=secret-1") || !strings.HasPrefix(link, base) {
		t.Fatalf("ref %q link %q", ref, link)
	}
	bt.Do(t, ctx, "status page shows the description as text",
		chromedp.Navigate(link),
		bt.WaitText("#messages", "my key is rejected"))
	body := bt.Text(t, ctx, "#messages .msg.mine .body")
	title, _ := chromedp.Run(ctx, chromedp.Title())
	if !strings.Contains(body, xss) || title == "pwned" || bt.EvalBool(t, ctx, `!!document.querySelector('#messages img, #messages b')`) {
		t.Errorf("description not escaped: body %q title %q", body, title)
	}
	bt.Screenshot(t, ctx, "fake-buyer-status")
}

func TestStatusPageRevealsReplacementKeyAndShowsReplies(t *testing.T) {
	f, base := startFake(t)
	postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"key_invalid","description":"dead key"}`)
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "show key",
		bt.SetLang(base, "en"),
		chromedp.Navigate(base+"/t/KD-0001#token=secret-1"),
		bt.Visible("#show-key"),
		bt.Click("#show-key"),
		bt.Visible("#key-value"))
	f.mu.Lock()
	reveals := f.reveals
	f.mu.Unlock()
	if key := bt.Text(t, ctx, "#key-value"); key != "NEW-KEY-7777-AAAA" || reveals != 1 {
		t.Fatalf("key %q reveals %d", key, reveals)
	}
	// An agent's reply and an internal note: the buyer page picks up the reply by polling and
	// never shows the note.
	f.mu.Lock()
	f.tickets[0].Messages = append(f.tickets[0].Messages,
		map[string]any{"author_kind": "agent", "author_name": "Ada", "body": "Did the new key work?"},
		map[string]any{"author_kind": "agent", "author_name": "Ada", "body": "INTERNAL NOTE", "internal": true})
	f.mu.Unlock()
	bt.Do(t, ctx, "reply appears without reload", bt.WaitText("#messages", "Did the new key work?"), bt.Visible("#csat-form"))
	if strings.Contains(bt.Text(t, ctx, "#messages"), "INTERNAL NOTE") {
		t.Error("internal note shown to the buyer")
	}
	bt.Screenshot(t, ctx, "fake-status-key")
}

func TestLanguageSwitchRememberedAndPhoneLayout(t *testing.T) {
	_, base := startFake(t)
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "switch to Chinese",
		bt.SetLang(base, "en"),
		chromedp.Navigate(base+"/support/demo"),
		bt.WaitText("h1", "Get help with your order"),
		bt.SetSelect("#lang-switch", "zh-CN"),
		bt.WaitText("h1", "订单售后帮助"),
		chromedp.Reload(),
		bt.WaitText("h1", "订单售后帮助"))
	if !bt.EvalBool(t, ctx, `document.documentElement.lang === 'zh-CN' && document.querySelector('label[for=order_no]').textContent === '订单号'`) {
		t.Error("labels not translated or lang attribute not set")
	}
	bt.Do(t, ctx, "phone", chromedp.EmulateViewport(390, 844), chromedp.Reload(), bt.Visible("#ticket-form"))
	if !bt.EvalBool(t, ctx, `document.documentElement.scrollWidth <= window.innerWidth`) {
		t.Error("buyer form scrolls sideways on a phone")
	}
	bt.Screenshot(t, ctx, "fake-support-zh-phone")
}

func TestAgentSeesNewTicketClaimsAndRolesHideActions(t *testing.T) {
	f, base := startFake(t)
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "log in as agent",
		bt.SetLang(base, "en"),
		chromedp.Navigate(base+"/login"),
		bt.TypeIn("#login-email", "agent@demo.test"),
		bt.TypeIn("#login-password", "pw"),
		bt.Click("#login-submit"),
		bt.Visible("#queue-body .empty"))
	postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"refund","subject":"Refund <please>","description":"x"}`)
	bt.Do(t, ctx, "new ticket appears, claim it",
		bt.WaitText("#queue-body", "KD-0001"),
		bt.Click("#queue-body button[data-claim]"),
		bt.WaitText("#queue-body", "You"))
	f.mu.Lock()
	claims := f.claims
	f.mu.Unlock()
	if claims != 1 {
		t.Fatalf("claims = %d", claims)
	}
	if !bt.EvalBool(t, ctx, `document.querySelector('.sla').dataset.sla === 'ok' && document.querySelector('[data-nav=supervisor]').hidden && document.querySelector('[data-nav=admin]').hidden`) {
		t.Error("badge state or nav visibility wrong for an agent")
	}
	bt.Do(t, ctx, "ticket view",
		bt.Click(".ticket-link"),
		bt.WaitText("#t-subject", "Refund <please>"),
		bt.WaitText("#fraud", "the claim's IP differs from the order's"),
		bt.ClearInput("#order-no"),
		bt.TypeIn("#order-no", "ORD-1001"),
		bt.Click("#order form button"),
		bt.WaitText("#order-view", "•••• (id 9)"))
	if bt.EvalBool(t, ctx, `!!document.querySelector('[data-action=reveal], [data-action=risk_approve], #act-assign')`) {
		t.Error("agent sees reveal, risk or reassign actions")
	}
	bt.Do(t, ctx, "reply", bt.TypeIn("#compose-body", "Looking into it"), bt.Click("#send"), bt.WaitText("#messages", "Looking into it"))
	bt.Screenshot(t, ctx, "fake-agent-ticket")

	// The same ticket, held for a risk review, seen by a risk agent shows the reveal and the
	// risk decisions.
	f.mu.Lock()
	f.tickets[0].Queue = "risk"
	f.mu.Unlock()
	ctx2 := bt.NewTab(t)
	bt.Do(t, ctx2, "risk agent",
		bt.SetLang(base, "en"),
		bt.StaffSession(base, "tok-risk"),
		chromedp.Navigate(base+"/agent/tickets/1"),
		bt.Visible("#order-no"),
		bt.TypeIn("#order-no", "ORD-1001"),
		bt.Click("#order form button"),
		bt.Visible("[data-action=reveal]"),
		bt.Visible("[data-action=risk_approve]"))
}

func TestSupervisorDashboardShowsBreachChartAndPolicy(t *testing.T) {
	f, base := startFake(t)
	postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"other","subject":"Slow one","description":"x"}`)
	f.mu.Lock()
	f.tickets[0].DueAt = f.tickets[0].Created.Add(-1) // already breached
	f.mu.Unlock()
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "dashboard",
		bt.SetLang(base, "en"),
		bt.StaffSession(base, "tok-supervisor"),
		chromedp.Navigate(base+"/supervisor"),
		bt.WaitText("#esc-body", "KD-0001"),
		bt.Visible("#chart svg rect.brc"),
		bt.Visible("#esc-body select"))
	if v := bt.Value(t, ctx, "#pol-normal-first_response_secs"); v != "4h" {
		t.Errorf("policy shown as %q, want 4h", v)
	}
	if !bt.EvalBool(t, ctx, `document.querySelector('#esc-body .sla').dataset.sla === 'breach' && document.querySelector('#c-today').textContent === '75%'`) {
		t.Error("breach badge or compliance figure wrong")
	}
	bt.Screenshot(t, ctx, "fake-supervisor")
}

func TestExpiredStaffTokenIsRefreshedOnce(t *testing.T) {
	_, base := startFake(t)
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "expired token, valid refresh token",
		bt.SetLang(base, "en"),
		chromedp.Navigate(base+"/login"),
		bt.JS(`localStorage.setItem('keydesk.staff', JSON.stringify({token: 'tok-expired', refresh_token: 'r-agent'}))`),
		chromedp.Navigate(base+"/agent"),
		bt.WaitText("#who", "Ada Agent"),
		bt.Visible("#queue-body .empty"))
	if !bt.EvalBool(t, ctx, `JSON.parse(localStorage.getItem('keydesk.staff')).token === 'tok-agent' && JSON.parse(localStorage.getItem('keydesk.staff')).refresh_token === 'r-agent-2'`) {
		t.Error("new tokens not stored")
	}
	// A refresh token that is refused sends the user to the login page, with the way back.
	bt.Do(t, ctx, "refused refresh",
		bt.JS(`localStorage.setItem('keydesk.staff', JSON.stringify({token: 'tok-expired', refresh_token: 'stolen'}))`),
		chromedp.Navigate(base+"/risk"),
		bt.WaitJS(`location.pathname === '/login' && location.search === '?next=%2Frisk'`))
}

// TestSLABadgeStates checks the countdown badge's colour states in the page's own code: green
// while running, amber from the warning, red at or after the deadline.
func TestSLABadgeStates(t *testing.T) {
	_, base := startFake(t)
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "load core", bt.SetLang(base, "en"))
	cases := map[string]string{
		`{sla_due_at: new Date(Date.now() + 3600e3).toISOString(), sla_state: 'ok'}`:                                      "ok",
		`{sla_due_at: new Date(Date.now() + 3600e3).toISOString(), sla_state: 'warning'}`:                                 "warn",
		`{sla_due_at: new Date(Date.now() + 600e3).toISOString(), sla_warn_at: new Date(Date.now() - 1e3).toISOString()}`: "warn",
		`{sla_due_at: new Date(Date.now() - 1e3).toISOString(), sla_state: 'ok'}`:                                         "breach",
		`{sla_due_at: new Date(Date.now() + 3600e3).toISOString(), sla_state: 'breached'}`:                                "breach",
		`{sla_state: 'paused'}`: "paused",
	}
	for item, want := range cases {
		var got string
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`KD.slaBadge(`+item+`).dataset.sla`))
		if err != nil || got != want {
			t.Errorf("slaBadge(%s) = %q (%v), want %q", item, got, err, want)
		}
	}
}

// TestEveryControlHasALabel opens each page and lists visible form controls without a label.
func TestEveryControlHasALabel(t *testing.T) {
	_, base := startFake(t)
	postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"key_invalid","description":"x"}`)
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "staff session", bt.SetLang(base, "en"), bt.StaffSession(base, "tok-admin"))
	pages := map[string]string{
		"/support/demo": "#ticket-form", "/t/KD-0001#token=secret-1": "#reply-form", "/t/KD-0002": "#resend-form",
		"/agent": "#queue-body tr", "/agent/tickets/1": "#compose", "/risk": "#reviews", "/supervisor": "#esc-body tr", "/admin": "#import-form",
	}
	const unlabelled = `(() => { const vis = [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
		.filter(n => n.offsetParent !== null);
		if (vis.length < 2) return 'only ' + vis.length + ' visible controls: the page did not render';
		return vis.filter(n => n.tagName === 'BUTTON' ? !n.textContent.trim() && !n.getAttribute('aria-label')
			: !(n.labels && n.labels.length) && !n.getAttribute('aria-label') && !n.getAttribute('aria-labelledby'))
		.map(n => n.outerHTML.slice(0, 80)).join(' | '); })()`
	for path, ready := range pages {
		bt.Do(t, ctx, "open "+path, chromedp.Navigate(base+path), bt.Visible(ready))
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](unlabelled))
		if err != nil {
			t.Fatal(err)
		}
		if got != "" {
			t.Errorf("%s: controls without a label: %s", path, got)
		}
	}
}

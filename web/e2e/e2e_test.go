package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"

	"github.com/keydesk/keydesk/internal/apptest"
	"github.com/keydesk/keydesk/internal/demo"
	"github.com/keydesk/keydesk/models"
)

// The four end-to-end tests of issue 6: headless Chromium against the whole product (SQLite,
// embedded Temporal, worker, API and these pages) started in-process by apptest. One product
// is shared by the package (started on first use, stopped in TestMain); the SLA-breach test
// starts its own, because it rewrites the merchant's SLA policy.

var (
	productOnce sync.Once
	product     *apptest.Product
	productErr  error
	closers     []func()
	closersMu   sync.Mutex
)

func onClose(f func()) {
	closersMu.Lock()
	defer closersMu.Unlock()
	closers = append(closers, f)
}

// TestMain stops the browser and every product the tests started.
func TestMain(m *testing.M) {
	code := m.Run()
	closeProducts()
	bt.Close()
	os.Exit(code)
}

// closeProducts stops every product the tests started.
func closeProducts() {
	closersMu.Lock()
	defer closersMu.Unlock()
	for i := len(closers) - 1; i >= 0; i-- {
		closers[i]()
	}
}

// shared returns the package's product, starting it on first use.
func shared(t *testing.T) *apptest.Product {
	t.Helper()
	productOnce.Do(func() {
		product, productErr = apptest.New(context.Background(), apptest.Options{})
		if productErr == nil {
			onClose(product.Close)
		}
	})
	if productErr != nil {
		t.Fatalf("start product: %v", productErr)
	}
	return product
}

// unrevealedOrder picks a seeded order whose key the buyer never revealed: the clean case
// for an automatic replacement.
func unrevealedOrder(t *testing.T, p *apptest.Product, skip int) demo.Order {
	t.Helper()
	for _, o := range p.Seed.Orders {
		if !o.Revealed && !strings.Contains(o.SKU, "SHARED") {
			if skip == 0 {
				return o
			}
			skip--
		}
	}
	t.Fatal("no unrevealed order in the seed")
	return demo.Order{}
}

// apiCall makes a JSON request to the product and decodes the answer.
func apiCall(t *testing.T, method, url, token string, body any, out any) int {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	if out != nil {
		_ = json.NewDecoder(res.Body).Decode(out)
	}
	return res.StatusCode
}

// staffToken logs a seeded user in through the API.
func staffToken(t *testing.T, p *apptest.Product, role string) string {
	t.Helper()
	l := p.Login(role)
	var res struct {
		AccessToken string `json:"access_token"`
	}
	if code := apiCall(t, "POST", p.BaseURL+"/api/v1/auth/login", "", map[string]string{"email": l.Email, "password": l.Password}, &res); code != 200 {
		t.Fatalf("login %s: %d", role, code)
	}
	return res.AccessToken
}

// loginUI signs a seeded user in through the login page.
func loginUI(p *apptest.Product, role string) bt.Step {
	l := p.Login(role)
	return chromedp.Steps(
		bt.SetLang(p.BaseURL, "en"),
		chromedp.Navigate(p.BaseURL+"/login"),
		bt.Visible("#login-form"),
		bt.TypeIn("#login-email", l.Email),
		bt.TypeIn("#login-password", l.Password),
		bt.Click("#login-submit"),
		bt.WaitJS(`location.pathname !== '/login'`),
	)
}

// openTicket files a ticket as a buyer through the API; it returns ref and token.
func openTicket(t *testing.T, p *apptest.Product, o demo.Order, category, subject string) (string, string) {
	t.Helper()
	var res struct{ Ref, Token string }
	body := map[string]string{"merchant": p.Seed.MerchantSlug, "order_no": o.OrderNo, "email": o.Email,
		"category": category, "subject": subject, "description": "Opened by the end-to-end test."}
	if code := apiCall(t, "POST", p.BaseURL+"/api/v1/tickets", "", body, &res); code != http.StatusCreated {
		t.Fatalf("open ticket: status %d", code)
	}
	return res.Ref, res.Token
}

// Test 1: a buyer opens the form with a prefilled order, reports an invalid key, and sees the
// replacement key on the status page.
func TestE2EBuyerReportsInvalidKeyAndSeesReplacement(t *testing.T) {
	ctx := bt.NewTab(t)
	p := shared(t)
	o := unrevealedOrder(t, p, 0)
	form := fmt.Sprintf("%s/support/%s?order_no=%s&email=%s", p.BaseURL, p.Seed.MerchantSlug, o.OrderNo, o.Email)
	bt.Do(t, ctx, "open the prefilled form",
		bt.SetLang(p.BaseURL, "en"),
		chromedp.Navigate(form),
		bt.Visible("#ticket-form"))
	if got := bt.Value(t, ctx, "#order_no"); got != o.OrderNo {
		t.Fatalf("order number not prefilled: %q", got)
	}
	// A mistyped order number first: the API's field error shows next to the field, and
	// nothing typed is lost.
	bt.Do(t, ctx, "report an invalid key with a wrong order number",
		bt.SetSelect("#category", "key_invalid"),
		bt.TypeIn("#description", "The key says it was already used. <b>Please help</b>"),
		bt.TypeIn("#order_no", "9"),
		bt.Click("#submit"),
		bt.Visible("#order_no ~ .field-error"))
	if d := bt.Value(t, ctx, "#description"); !strings.Contains(d, "already used") {
		t.Fatalf("description lost after an error: %q", d)
	}
	bt.Do(t, ctx, "fix the order number and send",
		bt.ClearInput("#order_no"),
		bt.TypeIn("#order_no", o.OrderNo),
		bt.Click("#submit"),
		bt.Visible("#done"))
	link := bt.Value(t, ctx, "#done-link")
	if !strings.Contains(link, "/t/") || !strings.Contains(link, "#token=") {
		t.Fatalf("private link %q: want /t/{ref}#token=…", link)
	}
	// apptest's PublicURL is computed before its listener picks a port (http://127.0.0.1:0),
	// so the link's origin is replaced by the product's real one; the path and the fragment
	// are the server's.
	link = p.BaseURL + link[strings.Index(link, "/t/"):]
	bt.Do(t, ctx, "open the status page and show the key",
		chromedp.Navigate(link),
		bt.Visible("#show-key"),
		bt.Click("#show-key"),
		bt.Visible("#key-value"))
	key := bt.Text(t, ctx, "#key-value")
	if len(key) < 6 || strings.Contains(key, "•") {
		t.Fatalf("replacement key not shown: %q", key)
	}
	// The description is shown as text, not markup.
	if !strings.Contains(bt.Text(t, ctx, "#messages"), "<b>Please help</b>") {
		t.Errorf("description not shown verbatim: %q", bt.Text(t, ctx, "#messages"))
	}
	bt.Screenshot(t, ctx, "e2e-1-buyer-replacement-key")
}

// Test 2: an agent logs in, sees a new ticket appear in the queue without reloading, claims
// it, replies, and the buyer sees the reply.
func TestE2EAgentClaimsAndRepliesBuyerSeesIt(t *testing.T) {
	ctx := bt.NewTab(t)
	p := shared(t)
	bt.Do(t, ctx, "agent logs in", loginUI(p, "agent"), bt.Visible("#queue-body"))
	if err := chromedp.Do(ctx, bt.JS(`window.__noReload = true`)); err != nil {
		t.Fatal(err)
	}
	subject := fmt.Sprintf("Cannot log in %d", time.Now().UnixNano())
	created := time.Now()
	ref, token := openTicket(t, p, unrevealedOrder(t, p, 1), "account", subject)
	row := fmt.Sprintf(`#queue-body tr[data-ref=%q]`, ref)
	bt.Do(t, ctx, "the ticket appears without a reload",
		bt.WaitText("#queue-body", ref),
		bt.Visible(row+" button[data-claim]"))
	// A figure, not an assertion: how long a new ticket takes to show up (3 s polling).
	t.Logf("new ticket visible in the open queue %v after POST /tickets", time.Since(created).Round(10*time.Millisecond))
	if !bt.EvalBool(t, ctx, `window.__noReload === true`) {
		t.Fatal("the page reloaded")
	}
	bt.Screenshot(t, ctx, "e2e-2-agent-queue")
	bt.Do(t, ctx, "claim, open, reply",
		bt.Click(row+" button[data-claim]"),
		bt.WaitJS(fmt.Sprintf(`!document.querySelector('%s button[data-claim]')`, row)),
		bt.Click(row+" a.ticket-link"),
		bt.Visible("#compose-body"),
		bt.TypeIn("#compose-body", "Hello from your agent: try signing out and in again."),
		bt.Click("#send"),
		bt.WaitText("#messages", "Hello from your agent"))
	bt.Screenshot(t, ctx, "e2e-2-agent-ticket")

	buyer := bt.NewTab(t)
	bt.Do(t, buyer, "buyer sees the reply",
		bt.SetLang(p.BaseURL, "en"),
		chromedp.Navigate(p.BaseURL+"/t/"+ref+"#token="+token),
		bt.WaitText("#messages", "Hello from your agent"))
	bt.Screenshot(t, buyer, "e2e-2-buyer-sees-reply")
}

// Test 3: with a policy of a few seconds, a supervisor's dashboard shows the breach and the
// escalated ticket.
func TestE2ESupervisorSeesBreachAndEscalation(t *testing.T) {
	ctx := bt.NewTab(t)
	p, err := apptest.New(context.Background(), apptest.Options{})
	if err != nil {
		t.Fatalf("start product: %v", err)
	}
	onClose(p.Close)
	bg := context.Background()
	var ps []models.SLAPolicy
	for _, prio := range []string{models.PriorityLow, models.PriorityNormal, models.PriorityHigh, models.PriorityUrgent} {
		ps = append(ps, models.SLAPolicy{Priority: prio, FirstResponseSecs: 3, NextResponseSecs: 3, ResolutionSecs: 3600, WarnFraction: 0.5})
	}
	if err := p.App.Store.SaveSLAPolicies(bg, p.Seed.MerchantID, ps); err != nil {
		t.Fatal(err)
	}
	cal, err := p.App.Store.BusinessCalendar(bg, p.Seed.MerchantID)
	if err != nil {
		t.Fatal(err)
	}
	cal.Week = models.MustJSON([]string{"00:00-24:00", "00:00-24:00", "00:00-24:00", "00:00-24:00", "00:00-24:00", "00:00-24:00", "00:00-24:00"})
	cal.Holidays = models.MustJSON([]string{})
	if err := p.App.Store.SaveBusinessCalendar(bg, cal); err != nil {
		t.Fatal(err)
	}
	ref, _ := openTicket(t, p, unrevealedOrder(t, p, 0), "other", "Nobody answers me")
	bt.Do(t, ctx, "supervisor dashboard",
		loginUI(p, "supervisor"),
		chromedp.Navigate(p.BaseURL+"/supervisor"),
		bt.WaitText("#esc-body", ref),
		bt.WaitJS(fmt.Sprintf(`(() => { const r = document.querySelector('#esc-body tr[data-ref=%q]'); return !!r && r.querySelector('.sla').dataset.sla === 'breach'; })()`, ref)),
		bt.WaitJS(`document.querySelector('#c-breaches').textContent !== '—' && +document.querySelector('#c-breaches').textContent >= 1`))
	level := bt.Text(t, ctx, fmt.Sprintf(`#esc-body tr[data-ref=%q] .esc`, ref))
	if level == "" || level == "L0" {
		t.Errorf("escalation level shown %q", level)
	}
	// The policy editor shows the few-second policy and saves an edit through PUT /sla-policies.
	if v := bt.Value(t, ctx, "#pol-normal-first_response_secs"); v != "3s" {
		t.Errorf("normal first response shown as %q, want 3s", v)
	}
	bt.Do(t, ctx, "edit the low-priority resolution target",
		bt.ClearInput("#pol-low-resolution_secs"),
		bt.TypeIn("#pol-low-resolution_secs", "2h"),
		bt.Click("#policy-save"),
		bt.WaitText("#toast", "Policy saved"))
	ps, err = p.App.Store.SLAPolicies(bg, p.Seed.MerchantID)
	if err != nil {
		t.Fatal(err)
	}
	for _, pol := range ps {
		if pol.Priority == models.PriorityLow && pol.ResolutionSecs != 7200 {
			t.Errorf("low resolution target stored as %d s, want 7200", pol.ResolutionSecs)
		}
	}
	bt.Screenshot(t, ctx, "e2e-3-supervisor-breach")
}

// Test 4: a role without permission does not see an action, and the API refuses it.
func TestE2EAgentCannotReassignOrReveal(t *testing.T) {
	ctx := bt.NewTab(t)
	p := shared(t)
	o := unrevealedOrder(t, p, 2)
	ref, _ := openTicket(t, p, o, "other", "Permission check")
	agent := staffToken(t, p, "agent")
	var q struct {
		Tickets []struct {
			ID  uint64 `json:"id"`
			Ref string `json:"ref"`
		} `json:"tickets"`
	}
	var id uint64
	for deadline := time.Now().Add(20 * time.Second); id == 0 && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		apiCall(t, "GET", p.BaseURL+"/api/v1/queue?limit=200", agent, nil, &q)
		for _, it := range q.Tickets {
			if it.Ref == ref {
				id = it.ID
			}
		}
	}
	if id == 0 {
		t.Fatalf("ticket %s never reached the queue", ref)
	}
	bt.Do(t, ctx, "agent opens the ticket and looks up the order",
		loginUI(p, "agent"),
		chromedp.Navigate(fmt.Sprintf("%s/agent/tickets/%d", p.BaseURL, id)),
		bt.Visible("[data-action=claim]"),
		bt.ClearInput("#order-no"),
		bt.TypeIn("#order-no", o.OrderNo),
		bt.Click("#order form button"),
		bt.WaitText("#order-view", "•••• (id"))
	if bt.EvalBool(t, ctx, `!!document.querySelector('#act-assign, [data-action=reveal], [data-action=risk_approve], [data-nav=admin]:not([hidden]), [data-nav=supervisor]:not([hidden])')`) {
		t.Error("an agent sees reassign, reveal, risk or admin/supervisor actions")
	}
	bt.Screenshot(t, ctx, "e2e-4-agent-no-reassign")

	// The API refuses both actions to the agent, and allows the reassign to a supervisor.
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	if code := apiCall(t, "POST", fmt.Sprintf("%s/api/v1/tickets/%d/assign", p.BaseURL, id), agent, map[string]any{"assignee_id": 1}, &e); code != http.StatusForbidden || e.Error.Code != "forbidden" {
		t.Errorf("agent assign: status %d code %q, want 403 forbidden", code, e.Error.Code)
	}
	if code := apiCall(t, "POST", p.BaseURL+"/api/v1/card-keys/1/reveal", agent, map[string]any{"reason": "curious"}, nil); code != http.StatusForbidden {
		t.Errorf("agent reveal: status %d, want 403", code)
	}
	sup := staffToken(t, p, "supervisor")
	var me struct {
		User struct {
			ID uint64 `json:"id"`
		} `json:"user"`
	}
	apiCall(t, "GET", p.BaseURL+"/api/v1/me", sup, nil, &me)
	if code := apiCall(t, "POST", fmt.Sprintf("%s/api/v1/tickets/%d/assign", p.BaseURL, id), sup, map[string]any{"assignee_id": me.User.ID}, nil); code != http.StatusOK {
		t.Errorf("supervisor assign: status %d, want 200 (the action exists and is only hidden from agents)", code)
	}
}

// The admin page against the real API: users with roles, stock levels, and a key import through
// the form that raises the product's available stock.
func TestE2EAdminImportsKeys(t *testing.T) {
	ctx := bt.NewTab(t)
	p := shared(t)
	sku := p.Seed.Products[0].SKU
	bt.Do(t, ctx, "admin page",
		loginUI(p, "admin"),
		chromedp.Navigate(p.BaseURL+"/admin"),
		bt.WaitText("#users-body", p.Login("agent").Email),
		bt.WaitText("#inv-body", sku))
	row := fmt.Sprintf(`[...document.querySelectorAll('#inv-body tr')].find(r => r.textContent.includes(%q))`, sku)
	before := evalInt(t, ctx, row+`.children[2].textContent`)
	keys := fmt.Sprintf("E2E-%d-AAAA-0001\nE2E-%d-AAAA-0002", time.Now().UnixNano(), time.Now().UnixNano())
	bt.Do(t, ctx, "import two keys",
		bt.SetSelect("#i-sku", sku),
		bt.TypeIn("#i-label", "e2e batch"),
		bt.JS(fmt.Sprintf(`document.querySelector('#i-keys').value = %q`, keys)),
		bt.Click("#import-form button[type=submit]"),
		bt.WaitText("#import-report", "Imported 2 keys"),
		bt.WaitJS(fmt.Sprintf(`+%s.children[2].textContent === %d`, row, before+2)))
	if v := bt.Value(t, ctx, "#i-keys"); v != "" {
		t.Errorf("imported secrets left in the form: %q", v)
	}
	bt.Screenshot(t, ctx, "e2e-admin-import")
}

// evalInt evaluates a JavaScript expression returning a number.
func evalInt(t *testing.T, ctx context.Context, expr string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`+(`+expr+`)`))
	if err != nil {
		t.Fatalf("eval %s: %v", expr, err)
	}
	return n
}

// The risk queue against the real workflow: a "key missing" claim on an order whose key was
// revealed is held for review; a risk agent sees it with the fraud reasons, approves it with a
// reason, and the review leaves the queue. Its own product: fraud scores count earlier claims
// from the same IP, and every test here claims from 127.0.0.1.
func TestE2ERiskAgentApprovesReview(t *testing.T) {
	ctx := bt.NewTab(t)
	p, err := apptest.New(context.Background(), apptest.Options{})
	if err != nil {
		t.Fatalf("start product: %v", err)
	}
	onClose(p.Close)
	var o demo.Order
	for _, x := range p.Seed.Orders {
		if x.Revealed && !strings.Contains(x.SKU, "SHARED") {
			o = x
			break
		}
	}
	ref, _ := openTicket(t, p, o, "key_missing", "I never received my key")
	card := fmt.Sprintf(`#reviews article[data-ref=%q]`, ref)
	bt.Do(t, ctx, "risk agent sees the review with its reasons",
		loginUI(p, "risk_agent"),
		bt.WaitJS(`location.pathname === '/risk'`),
		bt.Visible(card+" table.rules tbody tr"),
		bt.Visible(card+" textarea"))
	bt.Screenshot(t, ctx, "e2e-risk-review")
	bt.Do(t, ctx, "approve with a reason",
		bt.TypeIn(card+" textarea", "Known customer, first claim"),
		bt.Click(card+" [data-action=risk_approve]"),
		bt.WaitJS(fmt.Sprintf(`!document.querySelector(%q)`, card)))
	var audit struct {
		Entries []map[string]any `json:"entries"`
	}
	// The decision is audited (the risk agent cannot read the audit log; the admin can).
	apiCall(t, "GET", p.BaseURL+"/api/v1/audit?action=risk.decision", staffToken(t, p, "admin"), nil, &audit)
	found := false
	for _, e := range audit.Entries {
		found = found || (e["action"] == "risk.decision" && strings.Contains(fmt.Sprint(e["data"]), "Known customer"))
	}
	if !found {
		t.Errorf("risk decision with its reason not in the audit log: %v", audit.Entries)
	}
}

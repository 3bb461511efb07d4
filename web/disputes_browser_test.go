package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// captureBlobs records the type and text of every blob the page turns into a download URL.
const captureBlobs = `window.__blobs = []; (() => { const orig = URL.createObjectURL.bind(URL);
	URL.createObjectURL = b => { b.text().then(t => window.__blobs.push(b.type + '|' + t)); return orig(b); }; })()`

// unlabelledControls lists visible controls without an accessible name.
const unlabelledControls = `[...document.querySelectorAll('main input, main select, main button')].filter(n => n.offsetParent !== null)
	.filter(n => n.tagName === 'BUTTON' ? !n.textContent.trim() && !n.getAttribute('aria-label') : !(n.labels && n.labels.length) && !n.getAttribute('aria-label'))
	.map(n => n.outerHTML.slice(0, 80)).join(' | ')`

// TestDisputePagesSignOffOnlyForSupervisors walks the chargeback pages: the agent finds the
// dispute from its ticket and sees the report without the supervisor's buttons; the
// supervisor sees the list with its deadlines, opens the case, reads the reveal trail,
// downloads both forms of the report and signs off.
func TestDisputePagesSignOffOnlyForSupervisors(t *testing.T) {
	f, base := startFake(t)
	postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"dispute","subject":"Chargeback CB-2026-001","description":"x"}`)

	agent := bt.NewTab(t)
	bt.Do(t, agent, "agent: ticket links to its dispute",
		bt.SetLang(base, "en"),
		bt.StaffSession(base, "tok-agent"),
		chromedp.Navigate(base+"/agent/tickets/1"),
		bt.WaitText("#t-dispute", "Chargeback dispute"),
		bt.Click("#t-dispute a"),
		bt.WaitText("#report", "203.0.113.9"),
		bt.Visible("#d-hint"))
	if !bt.EvalBool(t, agent, `location.pathname === '/disputes/5' && !document.querySelector('[data-action=sign_off], [data-action=won], [data-action=lost], [data-action=submit]')`) {
		t.Error("an agent sees sign-off, submit or outcome on evidence waiting for sign-off")
	}
	if got := bt.Text(t, agent, "#d-hint"); !strings.Contains(got, "supervisor") {
		t.Errorf("agent hint = %q", got)
	}

	sup := bt.NewTab(t)
	bt.Do(t, sup, "supervisor: list",
		bt.SetLang(base, "en"),
		bt.StaffSession(base, "tok-supervisor"),
		chromedp.Navigate(base+"/disputes"),
		bt.WaitText("#disp-body", "CB-2026-002"))
	list := bt.Text(t, sup, "#disp-body")
	for _, want := range []string{"CB-2026-001", "ORD-1001", "49.99", "fraudulent", "Evidence ready", "KD-1"} {
		if !strings.Contains(list, want) {
			t.Errorf("list lacks %q: %s", want, list)
		}
	}
	if strings.Contains(list, "CB-2026-000") {
		t.Error("the default filter shows a decided dispute")
	}
	if !bt.EvalBool(t, sup, `document.querySelector('tr[data-dispute="5"] .due-badge').dataset.sla === 'warn' &&
		document.querySelector('tr[data-dispute="6"] .due-badge').dataset.sla === 'breach' &&
		document.querySelector('[data-nav=disputes]').getAttribute('aria-current') === 'page'`) {
		t.Error("deadline badges are not amber inside 24 h and red when past, or the nav link is not current")
	}
	if got, _ := chromedp.Run(sup, chromedp.Evaluate[string](unlabelledControls)); got != "" {
		t.Errorf("list controls without a label: %s", got)
	}
	bt.Do(t, sup, "all statuses", bt.SetSelect("#filters select[name=status]", ""), bt.WaitText("#disp-body", "CB-2026-000"))
	bt.Do(t, sup, "back to undecided", bt.SetSelect("#filters select[name=status]", "active"), bt.WaitJS(`!document.querySelector('#disp-body').textContent.includes('CB-2026-000')`))
	bt.Screenshot(t, sup, "fake-disputes-list")

	bt.Do(t, sup, "open the case",
		bt.Click(`tr[data-dispute="5"] a`),
		bt.WaitText("#report", "203.0.113.9"),
		bt.Visible("[data-action=sign_off]"))
	report := bt.Text(t, sup, "#report")
	for _, want := range []string{fakeUA, "AB**-****-**YZ", "Game card 50", "198.51.100.4", "ORD-0990", "I never bought <b>this</b>.", "twenty days before"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	title, _ := chromedp.Run(sup, chromedp.Title())
	if title == "pwned" || bt.EvalBool(t, sup, `!!document.querySelector('#report script, #report b')`) {
		t.Error("report values are not shown as text")
	}
	if bt.EvalBool(t, sup, `!!document.querySelector('[data-action=submit]')`) || !bt.EvalBool(t, sup, `!!document.querySelector('[data-action=won]') && !!document.querySelector('[data-action=lost]')`) {
		t.Error("before sign-off: submit must be hidden, outcome offered to a supervisor")
	}
	if got, _ := chromedp.Run(sup, chromedp.Evaluate[string](unlabelledControls)); got != "" {
		t.Errorf("dispute controls without a label: %s", got)
	}
	bt.Do(t, sup, "download JSON and HTML",
		bt.JS(captureBlobs),
		bt.Click("#dl-json"),
		bt.WaitJS(`window.__blobs.some(x => x.startsWith('application/json|') && JSON.parse(x.slice(17)).key_events[1].ip === '203.0.113.9')`),
		bt.Click("#dl-html"),
		bt.WaitJS(`window.__blobs.some(x => x.startsWith('text/html|') && x.includes('case CB-2026-001'))`))
	bt.Screenshot(t, sup, "fake-dispute-report")

	bt.Do(t, sup, "cancel, then sign off",
		bt.Click("[data-action=sign_off]"),
		bt.Visible("#confirm-dialog[open]"),
		bt.Click("#confirm-cancel"),
		bt.WaitJS(`!document.querySelector('#confirm-dialog').open`))
	f.mu.Lock()
	early := f.disputes.signOffs
	f.mu.Unlock()
	if early != 0 {
		t.Fatal("cancel signed off")
	}
	bt.Do(t, sup, "sign off",
		bt.Click("[data-action=sign_off]"),
		bt.WaitText("#confirm-text", "frozen"),
		bt.Click("#confirm-ok"),
		bt.WaitText("#d-chips", "Signed off"),
		bt.Visible("[data-action=submit]"))
	f.mu.Lock()
	signOffs, by := f.disputes.signOffs, f.disputes.find("5")["signed_off_by"]
	f.mu.Unlock()
	if signOffs != 1 || by != uint64(3) {
		t.Fatalf("sign-offs %d by %v", signOffs, by)
	}
	if !bt.EvalBool(t, sup, `!document.querySelector('[data-action=sign_off]') && document.querySelector('#facts').textContent.includes('Sam Supervisor')`) {
		t.Error("after sign-off the button stays or the facts do not show it")
	}

	// The agent's page picks up the sign-off: submit is theirs, sign-off and outcome are not.
	bt.Do(t, agent, "agent after sign-off", bt.WaitText("#d-chips", "Signed off"), bt.Visible("[data-action=submit]"))
	if bt.EvalBool(t, agent, `!!document.querySelector('[data-action=sign_off], [data-action=won], [data-action=lost]')`) {
		t.Error("an agent sees sign-off or outcome")
	}

	bt.Do(t, sup, "record lost",
		bt.Click("[data-action=lost]"),
		bt.WaitText("#confirm-text", "revoked"),
		bt.Click("#confirm-ok"),
		bt.WaitText("#d-chips", "Lost"))
	f.mu.Lock()
	outcomes := f.disputes.outcomes
	f.mu.Unlock()
	if len(outcomes) != 1 || outcomes[0] != "lost" || bt.EvalBool(t, sup, `!!document.querySelector('[data-action=won], [data-action=lost], [data-action=submit]')`) {
		t.Errorf("outcomes %v, or steps still offered on a decided dispute", outcomes)
	}
	bt.Screenshot(t, sup, "fake-dispute-decided")

	// On a phone, in Chinese, neither page scrolls sideways (wide tables scroll inside).
	for _, path := range []string{"/disputes/5", "/disputes"} {
		bt.Do(t, sup, "phone "+path, bt.SetLang(base, "zh-CN"), chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+path),
			bt.Visible("#d-chips .badge, #disp-body tr[data-dispute]"))
		if !bt.EvalBool(t, sup, `document.documentElement.scrollWidth <= window.innerWidth`) {
			t.Errorf("%s scrolls sideways on a phone", path)
		}
		if !bt.EvalBool(t, sup, `[...document.querySelectorAll('main th')].every(th => getComputedStyle(th).display !== 'none')`) {
			t.Errorf("%s hides a column on a phone", path)
		}
	}
	if got := bt.Text(t, sup, "h1"); got != "拒付争议" {
		t.Errorf("Chinese heading = %q", got)
	}
	bt.Screenshot(t, sup, "fake-disputes-zh-phone")
}

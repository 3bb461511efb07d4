package web_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// TestAdminEditsSettingsAndMacros: the settings form shows the document under the API's keys
// (the limit in major units), puts a field error next to its input, and saves; the macro
// editor adds, edits and deletes macros, and the agent's ticket view inserts one into a reply
// as text.
func TestAdminEditsSettingsAndMacros(t *testing.T) {
	f, base := startFake(t)
	postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"key_invalid","description":"x"}`)
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "admin page",
		bt.SetLang(base, "en"),
		bt.StaffSession(base, "tok-admin"),
		chromedp.Navigate(base+"/admin"),
		bt.WaitJS(`document.querySelector('#s-review').value === '30' && document.querySelector('#s-gateway').options.length === 2`),
		bt.WaitText("#macros-body", "Key activation steps"))
	if v := bt.Value(t, ctx, "#s-limit"); v != "50.00" {
		t.Errorf("agent limit shown as %q, want 50.00", v)
	}
	if !bt.EvalBool(t, ctx, `document.querySelector('#settings-defaults').textContent.includes('Terms of sale (quoted')`) {
		t.Error("defaulted keys are not named")
	}

	bt.Do(t, ctx, "review not below deny: field error",
		bt.ClearInput("#s-review"), bt.TypeIn("#s-review", "80"),
		bt.Click("#settings-form button[type=submit]"),
		bt.WaitText("#s-review ~ .field-error", "lower than the deny threshold"))
	bt.Do(t, ctx, "valid settings save",
		bt.ClearInput("#s-review"), bt.TypeIn("#s-review", "40"),
		bt.ClearInput("#s-limit"), bt.TypeIn("#s-limit", "120.5"),
		bt.SetSelect("#s-fee-policy", "deduct_fee"),
		bt.Click("#settings-form button[type=submit]"),
		bt.WaitJS(`!document.querySelector('#settings-form .field-error')`))
	// The click only starts the save: wait (bounded) for the fake API to have received it.
	var review, limit, policy any
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		f.mu.Lock()
		s := f.admin.settings
		review = s["fraud"].(map[string]any)["review"]
		limit, policy = s["agent_refund_limit"], s["refund_fee_policy"]
		f.mu.Unlock()
		if review == 40.0 || time.Now().After(deadline) {
			break
		}
	}
	if review != 40.0 || limit != 12050.0 || policy != "deduct_fee" {
		t.Fatalf("saved review %v, limit %v (minor units), policy %v", review, limit, policy)
	}

	bt.Do(t, ctx, "add a macro",
		bt.TypeIn("#m-name", "Refund timeline"),
		bt.JS(`document.querySelector('#m-body').value = 'Refunds take 3-5 business days.'`),
		bt.Click("#macro-form button[type=submit]"),
		bt.WaitText("#macros-body", "Refund timeline"))
	bt.Do(t, ctx, "a taken name is refused next to the field",
		bt.TypeIn("#m-name", "refund timeline"),
		bt.JS(`document.querySelector('#m-body').value = 'x'`),
		bt.Click("#macro-form button[type=submit]"),
		bt.WaitText("#macro-form .field-error", "already used"))
	bt.Do(t, ctx, "edit the first macro",
		bt.Click("#macros-body tr:first-child [data-action=edit-macro]"),
		bt.WaitJS(`document.querySelector('#m-name').value === 'Key activation steps' && !document.querySelector('#macro-cancel').hidden`),
		bt.JS(`document.querySelector('#m-body').value = 'Open the launcher, then Redeem.'`),
		bt.Click("#macro-form button[type=submit]"),
		bt.WaitText("#macros-body", "Open the launcher, then Redeem."),
		bt.WaitJS(`document.querySelector('#macro-cancel').hidden && document.querySelector('#m-name').value === ''`))
	bt.Do(t, ctx, "delete takes a confirming second click",
		bt.Click("#macros-body tr:last-child [data-action=delete-macro]"),
		bt.WaitText("#macros-body tr:last-child [data-action=delete-macro]", "Confirm"),
		bt.Click("#macros-body tr:last-child [data-action=delete-macro]"),
		bt.WaitJS(`document.querySelectorAll('#macros-body tr').length === 1`))
	bt.Screenshot(t, ctx, "fake-admin-settings-macros")

	bt.Do(t, ctx, "agent inserts the macro",
		bt.StaffSession(base, "tok-agent"),
		chromedp.Navigate(base+"/agent/tickets/1"),
		bt.WaitJS(`document.querySelector('#macro').options.length === 2`),
		bt.SetSelect("#macro", "0"),
		bt.WaitJS(`document.querySelector('#compose-body').value.includes('Open the launcher, then Redeem.')`))
}

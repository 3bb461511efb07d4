package e2e_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"

	"github.com/keydesk/keydesk/models"
)

// Issue 16: a buyer whose key was replaced automatically writes "thanks" on the status page.
// The ticket stays resolved (no reopen, no agent queue), the rating form stays, and the
// message is in the conversation. A question afterwards still reopens it.
func TestE2EBuyerThanksAfterAutomaticReissueKeepsTicketResolved(t *testing.T) {
	p := shared(t)
	o := unrevealedOrder(t, p, 3)
	ref, token := openTicket(t, p, o, "key_invalid", "激活码无效")
	status := func() string {
		var st struct{ Status string }
		if code := apiCall(t, "GET", p.BaseURL+"/api/v1/tickets/"+ref, token, nil, &st); code != http.StatusOK {
			t.Fatalf("status of %s: HTTP %d", ref, code)
		}
		return st.Status
	}
	deadline := time.Now().Add(20 * time.Second)
	for status() != models.StatusResolved {
		if time.Now().After(deadline) {
			t.Fatalf("the automatic replacement did not resolve %s (status %s)", ref, status())
		}
		time.Sleep(200 * time.Millisecond)
	}

	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "buyer opens the status page in Chinese and says thanks",
		bt.SetLang(p.BaseURL, "zh-CN"),
		chromedp.Navigate(p.BaseURL+"/t/"+ref+"#token="+token),
		bt.Visible("#replacement"),
		bt.Visible("#csat-form"),
		bt.TypeIn("#reply-body", "可以用了，谢谢！"),
		bt.Click("#reply-form button[type=submit]"),
		bt.WaitText("#messages", "可以用了，谢谢"))
	if st := status(); st != models.StatusResolved {
		t.Fatalf("after the buyer's thanks the ticket is %s, want resolved", st)
	}
	bt.Do(t, ctx, "the rating form is still offered after a reload",
		chromedp.Reload(),
		bt.WaitText("#messages", "可以用了，谢谢"),
		bt.Visible("#csat-form"))
	bt.Screenshot(t, ctx, "e2e-buyer-thanks-zh")

	// A question is not a thanks: it reopens the ticket for an agent.
	var res map[string]any
	if code := apiCall(t, "POST", p.BaseURL+"/api/v1/tickets/"+ref+"/messages", token,
		map[string]string{"body": "谢谢，另外能开发票吗？"}, &res); code != http.StatusOK {
		t.Fatalf("question after thanks: HTTP %d %v", code, res)
	}
	if st := status(); st != models.StatusOpen {
		t.Fatalf("a question after thanks left the ticket %s, want open", st)
	}
}

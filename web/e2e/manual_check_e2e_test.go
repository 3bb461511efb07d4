package e2e_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/keydesk/keydesk/internal/apptest"
	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// TestE2EManualCheck runs a manual check through the whole product: a buyer (zh-CN) whose
// e-mail does not match the order is refused, sends the request for a manual check and sees it
// waiting (no ticket); an agent finds it beside the order on the queue page and accepts it; the
// ticket is opened on that order, and the buyer's private link (shown to the agent, as the
// demo shop has no channel to send it) opens the ticket.
func TestE2EManualCheck(t *testing.T) {
	p := shared(t)
	o := unrevealedOrder(t, p, 5)
	typo := "manual.check.typo@example.net"
	ctx := bt.NewTab(t)
	form := fmt.Sprintf("%s/support/%s?order_no=%s&email=%s", p.BaseURL, p.Seed.MerchantSlug, o.OrderNo, typo)
	bt.Do(t, ctx, "buyer: the e-mail does not match the order",
		bt.SetLang(p.BaseURL, "zh-CN"),
		chromedp.Navigate(form),
		bt.Visible("#ticket-form"),
		bt.SetSelect("#category", "key_missing"),
		bt.TypeIn("#description", "付款后一直没收到卡密，下单时邮箱填错了"),
		bt.Click("#submit"),
		bt.WaitText(".field.has-error .field-error", "没有找到用此邮箱或联系方式购买的这个订单号"),
		bt.Visible("#manual-send"))
	bt.Do(t, ctx, "buyer: send it for a manual check",
		bt.Click("#manual-send"),
		bt.Visible("#manual-done"),
		bt.WaitText("#manual-done-text", o.OrderNo))
	bt.Screenshot(t, ctx, "e2e-manual-check-buyer-zh")

	staff := staffToken(t, p, "agent")
	id := openCheckOf(t, p, staff, typo)

	agent := bt.NewTab(t)
	row := fmt.Sprintf(`[data-mc="%d"]`, id)
	bt.Do(t, agent, "agent: the check beside its order",
		loginUI(p, "agent"),
		chromedp.Navigate(p.BaseURL+"/agent"),
		bt.WaitJS(`Number(document.querySelector('#mc-count').textContent) >= 1`),
		bt.Click("#mc-toggle"),
		bt.Visible(row))
	if got := bt.Text(t, agent, row); !strings.Contains(got, typo) || !strings.Contains(got, o.OrderNo) || strings.Contains(got, o.Email) {
		t.Fatalf("the check shows %q: want the typed address, the order and its address masked", got)
	}
	bt.Do(t, agent, "agent: accept",
		bt.Click(row+` .mc-accept button[type=submit]`),
		bt.Visible("#mc-result a.ref"),
		// The demo shop has no message.outbound channel: the agent gets the buyer's link.
		bt.Visible("#mc-link"))
	bt.Screenshot(t, agent, "e2e-manual-check-accepted")
	ref, link := bt.Text(t, agent, "#mc-result a.ref"), bt.Value(t, agent, "#mc-link")

	var got struct {
		Ticket struct{ Ref, Channel string }
	}
	tid := acceptedTicket(t, p, staff, id)
	if code := apiCall(t, "GET", fmt.Sprintf("%s/api/v1/tickets/%d", p.BaseURL, tid), staff, nil, &got); code != http.StatusOK || got.Ticket.Ref != ref || got.Ticket.Channel != "manual_check" {
		t.Fatalf("the ticket %d: %d %+v (ref on the page %q)", tid, code, got, ref)
	}
	// The link's origin is apptest's configured one (see test 1); path and token are the server's.
	bt.Do(t, ctx, "buyer: the private link opens the ticket",
		chromedp.Navigate(p.BaseURL+link[strings.Index(link, "/t/"):]),
		bt.WaitText("body", ref))
}

// openCheckOf returns the id of the open manual check sent from address.
func openCheckOf(t *testing.T, p *apptest.Product, staff, address string) uint64 {
	t.Helper()
	var list struct {
		Items []struct {
			ID    uint64
			Email string
		}
	}
	if code := apiCall(t, "GET", p.BaseURL+"/api/v1/manual-checks", staff, nil, &list); code != http.StatusOK {
		t.Fatalf("open checks: %d", code)
	}
	for _, it := range list.Items {
		if it.Email == address {
			return it.ID
		}
	}
	t.Fatalf("no open check from %s in %+v", address, list.Items)
	return 0
}

// acceptedTicket returns the ticket the accepted check id opened.
func acceptedTicket(t *testing.T, p *apptest.Product, staff string, id uint64) uint64 {
	t.Helper()
	var list struct {
		Items []struct {
			ID       uint64
			Status   string
			TicketID uint64 `json:"ticket_id"`
		}
	}
	if code := apiCall(t, "GET", p.BaseURL+"/api/v1/manual-checks?status=accepted", staff, nil, &list); code != http.StatusOK {
		t.Fatalf("accepted checks: %d", code)
	}
	for _, it := range list.Items {
		if it.ID == id && it.TicketID != 0 {
			return it.TicketID
		}
	}
	t.Fatalf("check %d is not accepted with a ticket: %+v", id, list.Items)
	return 0
}

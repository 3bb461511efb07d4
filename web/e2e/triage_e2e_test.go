package e2e_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// Issue 13 on the whole product: a buyer picks "my key does not work" but writes about a
// login and names another of their orders; the agent's ticket page (zh) shows the model's
// reading, the mismatch and the other order; the agent corrects the intent, and a supervisor's
// export carries the label as a corpus line.
func TestE2EAgentSeesInferenceAndCorrectsIntent(t *testing.T) {
	p := shared(t)
	o, other := unrevealedOrder(t, p, 2), unrevealedOrder(t, p, 3)
	subject := fmt.Sprintf("登录问题 %d", time.Now().UnixNano()%1e6)
	var created struct{ Ref string }
	body := map[string]string{"merchant": p.Seed.MerchantSlug, "order_no": o.OrderNo, "email": o.Email, "category": "key_invalid",
		"subject": subject, "description": "账号登录不上去，一直提示密码错误，重置密码的邮件也收不到。另外订单" + other.OrderNo + "也是我的。"}
	if code := apiCall(t, "POST", p.BaseURL+"/api/v1/tickets", "", body, &created); code != http.StatusCreated {
		t.Fatalf("open ticket: %d", code)
	}
	tok := staffToken(t, p, "agent")
	var q struct {
		Tickets []struct {
			ID  uint64 `json:"id"`
			Ref string `json:"ref"`
		} `json:"tickets"`
	}
	var id uint64
	for try := 0; try < 50 && id == 0; try++ {
		apiCall(t, "GET", p.BaseURL+"/api/v1/queue?limit=100", tok, nil, &q)
		for _, x := range q.Tickets {
			if x.Ref == created.Ref {
				id = x.ID
			}
		}
		if id == 0 {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if id == 0 {
		t.Fatalf("ticket %s not in the queue", created.Ref)
	}
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "agent opens the ticket in Chinese",
		chromedp.EmulateViewport(1280, 900),
		loginUI(p, "agent"),
		bt.SetLang(p.BaseURL, "zh-CN"),
		chromedp.Navigate(fmt.Sprintf("%s/agent/tickets/%d", p.BaseURL, id)),
		bt.Visible("#triage-panel"),
		bt.WaitText("#tri-inferred", "账户或支付问题"),
		bt.WaitText("#tri-mismatch", "买家选择了“卡密无法使用”"),
		// The text names another order of the shop in its own format: it is the suggested
		// order (kept at creation), shown once, above the other orders the text names.
		bt.WaitText("#tri-suggested", other.OrderNo),
		bt.WaitText("#tri-suggested", "其他买家的订单"))
	if got := bt.Text(t, ctx, "#tri-chosen"); got != "卡密无法使用" {
		t.Errorf("pick %q", got)
	}
	bt.Screenshot(t, ctx, "e2e-triage-agent-zh")
	bt.Do(t, ctx, "the suggested order opens in the order panel",
		bt.Click(fmt.Sprintf(`#tri-suggested button[data-order=%q]`, other.OrderNo)),
		bt.WaitJS(fmt.Sprintf(`document.querySelector('#order-no').value === %q`, other.OrderNo)),
		bt.WaitText("#order-view", other.OrderNo))
	bt.Do(t, ctx, "correct the intent",
		bt.SetSelect("#intent-pick", "account"),
		bt.Click("#intent-save"),
		bt.WaitText("#tri-label", "更正为“账户或支付问题”"))
	bt.Screenshot(t, ctx, "e2e-triage-agent-corrected-zh")

	req, _ := http.NewRequest("GET", p.BaseURL+"/api/v1/triage/labels", nil)
	req.Header.Set("Authorization", "Bearer "+staffToken(t, p, "supervisor"))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	found := false
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		var l struct {
			TicketID uint64 `json:"ticket_id"`
			Intent   string `json:"intent"`
			Text     string `json:"text"`
			Chosen   string `json:"chosen"`
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("export line %q: %v", sc.Text(), err)
		}
		if l.TicketID == id {
			found = l.Intent == "account" && l.Chosen == "key_invalid" && strings.Contains(l.Text, "登录不上去")
		}
	}
	if res.StatusCode != 200 || !found {
		t.Errorf("export: status %d, label of ticket %d found %v", res.StatusCode, id, found)
	}
}

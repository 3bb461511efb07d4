package web_test

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// The supervisor dashboard draws its chart from GET /reports/daily and its load table from
// GET /reports/agents, never by paging the queue.
func TestSupervisorLoadAndChartComeFromReports(t *testing.T) {
	f, base := startFake(t)
	for range 3 {
		postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"other","subject":"Load","description":"x"}`)
	}
	f.mu.Lock()
	f.tickets[0].DueAt = f.tickets[0].Created.Add(-1) // breached
	f.tickets[0].AssigneeID, f.tickets[1].AssigneeID = 1, 1
	f.mu.Unlock()
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "dashboard",
		bt.SetLang(base, "en"),
		bt.StaffSession(base, "tok-supervisor"),
		chromedp.Navigate(base+"/supervisor"),
		bt.WaitText("#load-body", "Ada Agent"),
		bt.Visible("#chart svg rect.brc"))
	row := `document.querySelector('#load-body tr[data-user="1"]')`
	if !bt.EvalBool(t, ctx, row+`.cells[1].textContent.trim() === '2' && `+row+`.cells[2].textContent === '1' && `+row+`.cells[4].textContent === '—'`) {
		t.Errorf("Ada's row: %q", bt.Text(t, ctx, `#load-body tr[data-user="1"]`))
	}
	if got := bt.Text(t, ctx, "#load-body tr.unassigned"); got == "" || !bt.EvalBool(t, ctx, `document.querySelector('#load-body tr.unassigned').cells[1].textContent.trim() === '1'`) {
		t.Errorf("unassigned row: %q", got)
	}
	if !bt.EvalBool(t, ctx, `document.querySelectorAll('#load-body tr').length === 5 && document.querySelectorAll('#reassign-1 option').length === 5`) {
		t.Errorf("load rows / reassign options: %q", bt.Text(t, ctx, "#load-body"))
	}
	if !bt.EvalBool(t, ctx, `/: 3\/1$/.test(document.querySelector('#chart svg').getAttribute('aria-label'))`) {
		t.Errorf("chart summary does not end with today's 3 new / 1 breached")
	}
	// A new ticket moves the overview's counts, and the chart follows at the next poll (3 s),
	// not after the minute the daily report is otherwise cached for.
	postTicket(t, base, `{"merchant":"demo","order_no":"ORD-1001","email":"b@example.com","category":"other","subject":"Load","description":"x"}`)
	bt.Do(t, ctx, "chart follows a new ticket", bt.WaitJS(`/: 4\/1$/.test(document.querySelector('#chart svg').getAttribute('aria-label'))`))
	f.mu.Lock()
	reads := f.queueReads
	f.mu.Unlock()
	if reads != 0 {
		t.Errorf("the dashboard paged the queue %d times", reads)
	}
	bt.Screenshot(t, ctx, "fake-supervisor-load")
	bt.Do(t, ctx, "Chinese", bt.SetLang(base, "zh-CN"), chromedp.Navigate(base+"/supervisor"), bt.WaitText("#load-body", "Ada Agent"))
	if h := bt.Text(t, ctx, "#load-h"); h != "客服负载" {
		t.Errorf("load heading in Chinese: %q", h)
	}
	if res, err := http.Get(base + "/api/v1/reports/daily?days=0"); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Errorf("fake reports need a token: %v %v", err, res)
	}
}

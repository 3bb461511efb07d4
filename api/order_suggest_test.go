package api

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/triage"
)

// The staff detail shows the ticket's suggested order (another order of the merchant that the
// text names, kept when the ticket was created) with its number and whether another buyer
// bought it; an id that is another merchant's order, or the ticket's own order, is never shown.
func TestTicketTriageShowsSuggestedOrder(t *testing.T) {
	st := testdb.SQLite(t)
	e := newEnv(t, st, RateLimits{})
	ctx := context.Background()
	named := models.Order{MerchantID: e.mA.ID, OrderNo: "kd_3141_5926", ProductID: e.orderA.ProductID, Quantity: 1, Amount: 500, Currency: "USD",
		BuyerEmail: "someone@a.test", PaidAt: e.now, Status: models.OrderDelivered}
	e.must(st.DB(ctx).Create(&named).Error)
	pB := models.Product{MerchantID: e.mB.ID, SKU: "SKU-B", Name: "Game B", Price: 1000, Currency: "USD"}
	e.must(st.DB(ctx).Create(&pB).Error)
	otherShop := models.Order{MerchantID: e.mB.ID, OrderNo: "kd_2718_2818", ProductID: pB.ID, Quantity: 1, Amount: 500, Currency: "USD",
		BuyerEmail: "buyer@a.test", PaidAt: e.now, Status: models.OrderDelivered}
	e.must(st.DB(ctx).Create(&otherShop).Error)

	c := createTriagedTicket(t, st, e.mA.ID, e.orderA.ID, triage.KeyMissing, "not delivered", "kd_3141_5926 还没发货")
	detail := func() *orderSuggestion {
		t.Helper()
		w := e.do(http.MethodGet, V1+"/tickets/"+uitoa(c.Ticket.ID), nil, bearerHdr(e.tokens["agent"]))
		if w.Code != http.StatusOK {
			t.Fatalf("detail: %d %s", w.Code, w.Body)
		}
		var r staffTicketResp
		e.must(json.Unmarshal(w.Body.Bytes(), &r))
		return r.Triage.SuggestedOrder
	}
	set := func(id *uint64) {
		e.must(st.DB(ctx).Model(&models.Ticket{}).Where("id = ?", c.Ticket.ID).Update("suggested_order_id", id).Error)
	}
	if got := detail(); got != nil {
		t.Errorf("no suggestion stored: %+v", got)
	}
	set(&named.ID)
	if got := detail(); got == nil || got.OrderID != named.ID || got.OrderNo != "kd_3141_5926" || !got.OtherBuyer || got.Current {
		t.Errorf("suggested order %+v, want %d (another buyer's)", got, named.ID)
	}
	set(&otherShop.ID)
	if got := detail(); got != nil {
		t.Errorf("another merchant's order shown: %+v", got)
	}
	set(&e.orderA.ID)
	if got := detail(); got != nil {
		t.Errorf("the ticket's own order shown as a suggestion: %+v", got)
	}
}

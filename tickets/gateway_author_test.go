package tickets

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
	"github.com/keydesk/keydesk/triage"
)

// TestGatewayNoticeIsASystemMessage: a chargeback ticket the gateway opens starts with the
// gateway's notice written by the system, not by the buyer; a buyer's ticket starts with
// the buyer's words.
func TestGatewayNoticeIsASystemMessage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m := models.Merchant{Slug: "m", Name: "m", Timezone: "UTC"}
		must(t, s.DB(ctx).Create(&m).Error)
		p := models.Product{MerchantID: m.ID, SKU: "s", Name: "p"}
		must(t, s.DB(ctx).Create(&p).Error)
		o := models.Order{MerchantID: m.ID, OrderNo: "A-1", ProductID: p.ID, BuyerEmail: "owner@example.com", PaidAt: time.Now().UTC()}
		must(t, s.DB(ctx).Create(&o).Error)
		svc := New(Opts{Store: s})
		for _, tc := range []struct {
			gateway  bool
			kind     string
			category triage.Category
		}{{true, models.AuthorSystem, triage.Dispute}, {false, models.AuthorCustomer, triage.Category("key_invalid")}} {
			in := CreateInput{MerchantID: m.ID, OrderNo: "A-1", Email: "owner@example.com", Category: string(tc.category), Subject: "s",
				Description: "The payment gateway opened chargeback CB-1 on order A-1 for ¥10.00", Gateway: tc.gateway, Channel: "integration",
				NoticeCode: models.MsgGatewayChargeback, NoticeParams: map[string]string{"case_id": "CB-1", "amount": "1000", "currency": "CNY"}}
			tk, _, err := svc.insert(ctx, in, tc.category, o)
			must(t, err)
			msgs, err := s.TicketMessages(ctx, m.ID, tk.ID, true)
			must(t, err)
			if len(msgs) != 1 || msgs[0].AuthorKind != tc.kind {
				t.Fatalf("gateway=%v: first message %+v, want author %s", tc.gateway, msgs, tc.kind)
			}
			if tc.gateway && (msgs[0].AuthorName != GatewayAuthorName || msgs[0].Code != models.MsgGatewayChargeback || !strings.Contains(string(msgs[0].Params), `"amount":"1000"`)) {
				t.Fatalf("gateway notice = %+v (%s)", msgs[0], msgs[0].Params)
			}
			if !tc.gateway && msgs[0].Code != "" {
				t.Fatalf("a buyer's message got a code: %+v", msgs[0])
			}
		}
	})
}

package activities_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// TestRecordTicketChangeStoresMessageCodes: a system message's code and parameters reach
// the messages row (pages translate them); a person's message has neither.
func TestRecordTicketChangeStoresMessageCodes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mid, tid := tkSeed(t, s, "")
		a := &activities.Activities{Store: s}
		now := time.Now().UTC().Truncate(time.Second)
		params := map[string]string{"amount": "1000", "currency": "CNY", "order_no": "A-1", "reference": "KD-1-R1"}
		ch := activities.TicketChange{MerchantID: mid, TicketID: tid,
			Row: store.TicketState{Status: models.StatusResolved, Priority: models.PriorityNormal, StateVersion: 2},
			Messages: []activities.MessageRecord{
				{RequestID: "wf/1", AuthorKind: "system", Body: "Your refund of ¥10.00 …", At: now, Code: models.MsgRefundIssued, Params: params},
				{RequestID: "r2", AuthorKind: "agent", AuthorID: 3, Body: "hello", At: now},
			}}
		if err := a.RecordTicketChange(ctx, ch); err != nil {
			t.Fatal(err)
		}
		msgs, err := s.TicketMessages(ctx, mid, tid, true)
		if err != nil || len(msgs) != 2 {
			t.Fatalf("messages = %+v %v", msgs, err)
		}
		var got map[string]string
		if msgs[0].Code != models.MsgRefundIssued || json.Unmarshal(msgs[0].Params, &got) != nil || len(got) != len(params) || got["amount"] != "1000" {
			t.Fatalf("coded message = %+v (%s)", msgs[0], msgs[0].Params)
		}
		if p := string(msgs[1].Params); msgs[1].Code != "" || (p != "" && p != "null") {
			t.Fatalf("a person's message got a code: %+v", msgs[1])
		}
	})
}

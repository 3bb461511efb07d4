package activities_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/payments"
	"github.com/keydesk/keydesk/store"
)

// disputeFixture adds to pf: key events, a prior order sharing the IP, a conversation on
// the refund ticket (one message quoting the key), a refund, and a dispute with its ticket.
func disputeFixture(t testing.TB, s *store.Store) (*pf, models.Dispute) {
	f := newPF(t, s, `{"terms_text":"Digital goods are non-refundable once revealed.","terms_url":"https://pf.example/terms"}`, payments.SimConfig{})
	paid := f.o.PaidAt
	k0 := f.keys[0].ID
	f.create(&models.KeyEvent{MerchantID: f.m.ID, OrderID: f.o.ID, CardKeyID: &k0, Kind: models.KeyEventDelivered, Source: "shop", OccurredAt: paid})
	f.create(&models.KeyEvent{MerchantID: f.m.ID, OrderID: f.o.ID, CardKeyID: &k0, Kind: models.KeyEventRevealed, IP: "203.0.113.7",
		UserAgent: "Mozilla/5.0 (Windows NT 10.0) <script>", Source: "shop", OccurredAt: paid.Add(2 * time.Minute)})
	f.create(&models.KeyEvent{MerchantID: f.m.ID, OrderID: f.o.ID, CardKeyID: &k0, Kind: models.KeyEventRevealed, IP: "198.51.100.9",
		UserAgent: "curl/8.0", Source: "shop", OccurredAt: paid.Add(time.Hour)})
	f.create(&models.Order{MerchantID: f.m.ID, OrderNo: "ORD-0900", ProductID: f.p.ID, Quantity: 1, Amount: 1000, Currency: "EUR",
		BuyerEmail: "bob@example.com", BuyerIP: "203.0.113.7", DeviceID: "dev-old", PaidAt: paid.Add(-30 * 24 * time.Hour), Status: models.OrderDelivered})
	f.create(&models.Message{MerchantID: f.m.ID, TicketID: f.ticket.ID, AuthorKind: models.AuthorCustomer, Body: "My key AB12-CD34-EF56-GH78 does not work",
		RequestID: "m1", CreatedAt: paid.Add(3 * time.Hour)})
	f.create(&models.Message{MerchantID: f.m.ID, TicketID: f.ticket.ID, AuthorKind: models.AuthorAgent, AuthorName: "Ann", Body: "internal: looks fine",
		Internal: true, RequestID: "m2", CreatedAt: paid.Add(4 * time.Hour)})
	f.create(&models.Message{MerchantID: f.m.ID, TicketID: f.ticket.ID, AuthorKind: models.AuthorAgent, AuthorName: "Ann", Body: "It was redeemed on your account.",
		RequestID: "m3", CreatedAt: paid.Add(5 * time.Hour)})
	f.create(&models.Refund{MerchantID: f.m.ID, TicketID: f.ticket.ID, OrderID: f.o.ID, OutRefundNo: "KD-PF0001-R1", Amount: 300, Fee: 0,
		Currency: "EUR", Status: models.RefundFailed, Gateway: "simulator", CreatedAt: paid.Add(6 * time.Hour)})
	dt := models.Ticket{MerchantID: f.m.ID, Ref: "KD-PFDISP", OrderID: &f.o.ID, Category: "dispute", Status: models.StatusOpen,
		Priority: models.PriorityHigh, Queue: models.QueueDisputes, CustomerEmail: "bob@example.com"}
	f.create(&dt)
	d := models.Dispute{MerchantID: f.m.ID, TicketID: dt.ID, OrderID: f.o.ID, GatewayCaseID: "CB-77", Reason: "fraudulent",
		Amount: 2000, Currency: "EUR", EvidenceDueBy: f.now.Add(7 * 24 * time.Hour), Status: models.DisputeOpen}
	f.create(&d)
	return f, d
}

func TestEvidenceReportFieldByField(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f, d := disputeFixture(t, s)
		c, err := f.act.OpenDisputeCase(f.ctx, activities.DisputeCaseInput{MerchantID: f.m.ID, TicketID: d.TicketID})
		if err != nil {
			t.Fatal(err)
		}
		if c.DisputeID != d.ID || c.CaseID != "CB-77" || c.Status != models.DisputeReady || !c.EvidenceDueBy.Equal(d.EvidenceDueBy) {
			t.Fatalf("case = %+v", c)
		}
		stored, _ := s.DisputeByID(f.ctx, f.m.ID, d.ID)
		raw := string(stored.Report)
		for _, sec := range pfSecrets {
			if strings.Contains(raw, sec) || strings.Contains(raw, strings.ReplaceAll(sec, "-", "")) {
				t.Fatalf("the report contains a key secret: %s", raw)
			}
		}
		var rep activities.EvidenceReport
		if err := json.Unmarshal(stored.Report, &rep); err != nil {
			t.Fatal(err)
		}
		paid := f.o.PaidAt
		check := func(what string, ok bool) {
			t.Helper()
			if !ok {
				t.Errorf("%s wrong; report: %s", what, raw)
			}
		}
		check("version", rep.Version == activities.EvidenceReportVersion)
		check("merchant", rep.Merchant == activities.EvidenceMerchant{Name: "PF Games", Slug: "pf"})
		check("dispute", rep.Dispute.CaseID == "CB-77" && rep.Dispute.Reason == "fraudulent" && rep.Dispute.Amount == 2000 &&
			rep.Dispute.Currency == "EUR" && rep.Dispute.EvidenceDueBy.Equal(d.EvidenceDueBy))
		o := rep.Order
		check("order", o.OrderNo == "ORD-1001" && o.ProductSKU == "GAME-50" && o.ProductName == "Game card 50" && o.Quantity == 2 &&
			o.Amount == 2000 && o.Currency == "EUR" && o.PaidAt.Equal(paid) && o.PaymentRef == "pay-1001" &&
			o.PaymentGateway == "simulator" && o.BuyerEmail == "bob@example.com" && o.BuyerIP == "203.0.113.7" && o.DeviceID == "dev-1")
		check("keys", len(rep.Keys) == 2 && rep.Keys[0].CardKeyID == f.keys[0].ID && rep.Keys[0].Masked == "AB**-****-****-**78" &&
			rep.Keys[0].FirstRevealedAt != nil && rep.Keys[0].FirstRevealedAt.Equal(paid.Add(2*time.Minute)) &&
			rep.Keys[1].Masked == "QQ**-****-****-**66" && rep.Keys[1].FirstRevealedAt == nil && rep.Keys[1].Status == models.KeyDelivered)
		check("deliveries", len(rep.Deliveries) == 2 && rep.Deliveries[0].Kind == models.DeliveryInitial && rep.Deliveries[0].At.Equal(paid))
		check("reissues", len(rep.Reissues) == 0)
		check("key events", len(rep.KeyEvents) == 3 && rep.KeyEvents[0].Kind == models.KeyEventDelivered &&
			rep.KeyEvents[1] == activities.EvidenceKeyEvent{Kind: models.KeyEventRevealed, CardKeyID: f.keys[0].ID, IP: "203.0.113.7",
				UserAgent: "Mozilla/5.0 (Windows NT 10.0) <script>", Source: "shop", At: paid.Add(2 * time.Minute)} &&
			rep.KeyEvents[2].IP == "198.51.100.9" && rep.KeyEvents[2].UserAgent == "curl/8.0")
		check("prior orders", len(rep.PriorOrders) == 1 && rep.PriorOrders[0].OrderNo == "ORD-0900" && rep.PriorOrders[0].SameIP && !rep.PriorOrders[0].SameDevice)
		check("conversation", len(rep.Conversation) == 2 && rep.Conversation[0].Body == "My key AB**-****-****-**78 does not work" &&
			rep.Conversation[0].AuthorKind == models.AuthorCustomer && rep.Conversation[0].TicketRef == "KD-PF0001" &&
			rep.Conversation[1].Body == "It was redeemed on your account." && rep.Conversation[1].AuthorName == "Ann")
		check("refunds", len(rep.Refunds) == 1 && rep.Refunds[0].OutRefundNo == "KD-PF0001-R1" && rep.Refunds[0].Status == models.RefundFailed && rep.Refunds[0].Amount == 300)
		check("terms", rep.Terms.Text == "Digital goods are non-refundable once revealed." && rep.Terms.URL == "https://pf.example/terms" && rep.Terms.AcceptedAt.Equal(paid))
		check("summary", len(rep.Summary) >= 5 && strings.Contains(strings.Join(rep.Summary, "\n"), "revealed at 2026-10-01 12:02:00 UTC from IP 203.0.113.7"))
		ord, _ := s.OrderByID(f.ctx, f.m.ID, f.o.ID)
		check("order disputed", ord.Status == models.OrderDisputed)
	})
}

func TestRecordDisputeActionsInOrderWithAudit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f, d := disputeFixture(t, s)
		if _, err := f.act.OpenDisputeCase(f.ctx, activities.DisputeCaseInput{MerchantID: f.m.ID, TicketID: d.TicketID}); err != nil {
			t.Fatal(err)
		}
		act := func(action, outcome string) (activities.DisputeActionResult, error) {
			return f.act.RecordDisputeAction(f.ctx, activities.DisputeActionInput{MerchantID: f.m.ID, DisputeID: d.ID, Action: action,
				Outcome: outcome, ActorID: 9, ActorEmail: "sup@pf.example", IP: "192.0.2.1", At: f.now})
		}
		if _, err := act(activities.DisputeActionSubmit, ""); !nonRetryable(err) {
			t.Fatalf("submit before sign-off: %v", err)
		}
		for i := 0; i < 2; i++ {
			res, err := act(activities.DisputeActionSignOff, "")
			if err != nil || res.Status != models.DisputeSignedOff || res.Changed != (i == 0) {
				t.Fatalf("sign-off #%d: %+v %v", i, res, err)
			}
		}
		if _, err := act(activities.DisputeActionSubmit, ""); err != nil {
			t.Fatal(err)
		}
		res, err := act(activities.DisputeActionOutcome, models.DisputeLost)
		if err != nil || res.OrderStatus != models.OrderRefunded || len(res.RevokedKeys) != 1 || res.RevokedKeys[0] != f.keys[1].ID {
			t.Fatalf("lost: %+v %v", res, err)
		}
		if f.keyStatus(0) != models.KeyDelivered || f.keyStatus(1) != models.KeyRevoked {
			t.Fatal("lost dispute must revoke only the unrevealed key")
		}
		audits, _, err := s.ListAudit(f.ctx, store.AuditFilter{MerchantID: &f.m.ID, TargetType: "dispute"})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, a := range audits {
			actions = append(actions, a.Action)
		}
		if strings.Join(actions, ",") != "dispute.outcome,dispute.submit,dispute.sign_off" {
			t.Fatalf("audit = %v, want one line per step", actions)
		}
	})
}

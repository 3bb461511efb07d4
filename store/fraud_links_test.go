package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// linkFixture is one merchant's orders and claim tickets around an identity (device
// kd-dev, address 203.0.113.7), plus a second merchant with the same identity.
type linkFixture struct {
	f, other ticketFixture
	product  uint64
	orders   map[string]uint64 // by name
	tickets  map[string]uint64 // by name
}

func mustCreate(t *testing.T, s *store.Store, v any) {
	t.Helper()
	if err := s.DB(context.Background()).Create(v).Error; err != nil {
		t.Fatalf("create %T: %v", v, err)
	}
}

// seedLinks writes the fixture with claim time `at`: rows inside and outside each link's
// window and on look-alike addresses, so that a query reading the wrong range or window
// shows in the names it returns.
func seedLinks(t *testing.T, s *store.Store, at time.Time) linkFixture {
	t.Helper()
	lf := linkFixture{f: seedTicketFixture(t, s, "links-a", "UTC"), other: seedTicketFixture(t, s, "links-b", "UTC"),
		orders: map[string]uint64{}, tickets: map[string]uint64{}}
	var o models.Order
	if err := s.DB(context.Background()).First(&o, lf.f.order).Error; err != nil {
		t.Fatal(err)
	}
	lf.product = o.ProductID
	order := func(name string, merchant uint64, email, ip, device string, paid time.Time) {
		o := models.Order{MerchantID: merchant, OrderNo: "L-" + name, ProductID: lf.product, Quantity: 1, Amount: 1000, Currency: "USD",
			BuyerEmail: email, BuyerIP: ip, DeviceID: device, PaidAt: paid, Status: models.OrderDelivered}
		mustCreate(t, s, &o)
		lf.orders[name] = o.ID
	}
	day := 24 * time.Hour
	order("device-recent", lf.f.merchant, "x1@example.com", "198.51.100.1", "kd-dev", at.Add(-10*day))
	order("device-old", lf.f.merchant, "x2@example.com", "198.51.100.2", "kd-dev", at.Add(-100*day))
	order("ip-recent", lf.f.merchant, "x3@example.com", "203.0.113.7", "", at.Add(-5*day))
	order("ip-old", lf.f.merchant, "x10@example.com", "203.0.113.7", "", at.Add(-20*day)) // the ip window, not the network's
	order("net-recent", lf.f.merchant, "x4@example.com", "203.0.113.250", "", at.Add(-2*day))
	order("net-old", lf.f.merchant, "x5@example.com", "203.0.113.9", "", at.Add(-8*day))
	order("net-lookalike", lf.f.merchant, "x6@example.com", "203.0.11.37", "", at.Add(-1*day))
	order("net-next", lf.f.merchant, "x7@example.com", "203.0.114.7", "", at.Add(-1*day))
	order("after-claim", lf.f.merchant, "x8@example.com", "203.0.113.8", "kd-dev", at.Add(time.Hour))
	order("other-merchant", lf.other.merchant, "x9@example.com", "203.0.113.7", "kd-dev", at.Add(-1*day))

	ticket := func(name string, f ticketFixture, email, ip, device string, created time.Time) {
		tk := newTicket(f, "KD-L"+fmt.Sprintf("%07d", len(lf.tickets)), nil)
		tk.Category, tk.CustomerEmail, tk.CustomerIP, tk.DeviceID, tk.CreatedAt, tk.UpdatedAt = "key_invalid", email, ip, device, created, created
		createTicket(t, s, &tk)
		lf.tickets[name] = tk.ID
	}
	ticket("claim", lf.f, "buyer@example.com", "203.0.113.7", "kd-dev", at)
	ticket("device", lf.f, "y1@example.com", "198.51.100.1", "kd-dev", at.Add(-20*day))
	ticket("ip", lf.f, "y2@example.com", "203.0.113.7", "", at.Add(-3*day))
	ticket("net", lf.f, "y3@example.com", "203.0.113.99", "", at.Add(-1*day))
	ticket("net-old", lf.f, "y4@example.com", "203.0.113.98", "", at.Add(-9*day))
	ticket("net-lookalike", lf.f, "y5@example.com", "203.0.1.137", "", at.Add(-1*day))
	ticket("email", lf.f, "Buyer@Example.com", "198.51.100.3", "", at.Add(-30*day))
	ticket("other-merchant", lf.other, "buyer@example.com", "203.0.113.7", "kd-dev", at.Add(-1*day))
	return lf
}

func (lf linkFixture) names(m map[string]uint64, ids []uint64) []string {
	var out []string
	for name, id := range m {
		if slices.Contains(ids, id) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// TestLinkedOrdersAndClaimsByDeviceAddressNetwork (issue 17): the link queries rewritten
// to read bounded index ranges (the network as an address range on SQLite) return exactly the
// rows of each link within its window, before the claim, of the merchant: the same answers
// on SQLite and MySQL.
func TestLinkedOrdersAndClaimsByDeviceAddressNetwork(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		at := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
		lf := seedLinks(t, s, at)
		day := 24 * time.Hour
		q := store.LinkQuery{MerchantID: lf.f.merchant, ExcludeTicket: lf.tickets["claim"],
			Emails: []string{"Buyer@Example.com", "buyer@example.com"}, Device: "kd-dev", IP: "203.0.113.7", IPNetLike: "203.0.113.%",
			To: at, DeviceWindow: 90 * day, IPWindow: 30 * day, NetWindow: 7 * day, EmailWindow: 90 * day}

		orders, err := s.LinkedOrders(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var ids []uint64
		via := map[string][]string{}
		for _, o := range orders {
			ids = append(ids, o.ID)
		}
		got := lf.names(lf.orders, ids)
		for _, o := range orders {
			via[lf.names(lf.orders, []uint64{o.ID})[0]] = o.Via
		}
		if want := []string{"device-recent", "ip-old", "ip-recent", "net-recent"}; !slices.Equal(got, want) {
			t.Errorf("linked orders %v, want %v", got, want)
		}
		if !slices.Equal(via["ip-recent"], []string{"ip", "network"}) || !slices.Equal(via["ip-old"], []string{"ip"}) ||
			!slices.Equal(via["net-recent"], []string{"network"}) {
			t.Errorf("links: %v", via)
		}

		claims, err := s.LinkedClaims(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		ids = ids[:0]
		for _, c := range claims {
			ids = append(ids, c.ID)
		}
		if got, want := lf.names(lf.tickets, ids), []string{"device", "email", "ip", "net"}; !slices.Equal(got, want) {
			t.Errorf("linked claims %v, want %v", got, want)
		}
		for i := 1; i < len(claims); i++ {
			if claims[i].CreatedAt.After(claims[i-1].CreatedAt) {
				t.Errorf("claims not newest first: %v after %v", claims[i].CreatedAt, claims[i-1].CreatedAt)
			}
		}
	})
}

// TestBuyerCountsAndBatchReports (issue 17): the buyer's replacement keys and refunds are
// counted from the buyer's tickets and orders (within the window, other tickets only, the
// merchant's only), and a batch's reports without a claim context come from the orders its
// keys were first delivered on, each ticket once.
func TestBuyerCountsAndBatchReports(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		at := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
		lf := seedLinks(t, s, at)
		day := 24 * time.Hour
		w := store.Window{From: at.Add(-30 * day), To: at}
		batch := models.KeyBatch{MerchantID: lf.f.merchant, ProductID: lf.product, Label: "b", Status: "active", KeyCount: 3}
		mustCreate(t, s, &batch)
		key := func(n int) uint64 {
			k := models.CardKey{MerchantID: lf.f.merchant, ProductID: lf.product, BatchID: batch.ID, SecretCipher: []byte("sealed"), SecretHash: fmt.Sprintf("h%d", n), Status: "delivered"}
			mustCreate(t, s, &k)
			return k.ID
		}
		deliver := func(order uint64, kind string, ticket *uint64, created time.Time) {
			mustCreate(t, s, &models.Delivery{MerchantID: lf.f.merchant, OrderID: order, CardKeyID: key(int(created.Unix()) + len(kind) + int(order)), Kind: kind, TicketID: ticket, CreatedAt: created})
		}
		email := lf.tickets["email"] // the same buyer (addresses are stored lower-case)
		claim := lf.tickets["claim"]
		ip := lf.tickets["ip"]
		deliver(lf.f.order, models.DeliveryReissue, &email, at.Add(-2*day))
		deliver(lf.orders["ip-recent"], models.DeliveryReissue, &claim, at.Add(-day))
		deliver(lf.orders["net-recent"], models.DeliveryReissue, &ip, at.Add(-day)) // another buyer's
		n, err := s.CountReissuesByEmail(ctx, lf.f.merchant, "buyer@example.com", store.OtherThan{}, w)
		if err != nil || n != 2 {
			t.Errorf("reissues of buyer@example.com: %d, %v; want 2", n, err)
		}
		if n, err := s.CountReissuesByEmail(ctx, lf.f.merchant, "buyer@example.com", store.OtherThan{Ticket: claim}, w); err != nil || n != 1 {
			t.Errorf("reissues excluding the claim's own ticket: %d, %v; want 1", n, err)
		}
		if n, err := s.CountReissuesByEmail(ctx, lf.f.merchant, "buyer@example.com", store.OtherThan{}, store.Window{From: at.Add(-36 * time.Hour), To: at}); err != nil || n != 1 {
			t.Errorf("reissues within 36 hours: %d, %v; want 1", n, err)
		}
		if n, err := s.CountReissuesByEmail(ctx, lf.other.merchant, "buyer@example.com", store.OtherThan{}, w); err != nil || n != 0 {
			t.Errorf("reissues seen from the other merchant: %d, %v; want 0", n, err)
		}

		n, err = s.CountClaims(ctx, lf.f.merchant, "customer_ip", "203.0.113.7", store.OtherThan{}, w)
		if err != nil || n != 1 {
			t.Errorf("claims from 203.0.113.7 within the window: %d, %v; want 1 (the claim itself is at the window's end)", n, err)
		}
		if n, err := s.CountClaims(ctx, lf.f.merchant, "customer_ip", "203.0.113.7", store.OtherThan{Ticket: lf.tickets["ip"]}, w); err != nil || n != 0 {
			t.Errorf("claims from 203.0.113.7 but the excluded one: %d, %v; want 0", n, err)
		}

		refund := func(order, ticket uint64, status string, created time.Time) {
			mustCreate(t, s, &models.Refund{MerchantID: lf.f.merchant, TicketID: ticket, OrderID: order, OutRefundNo: fmt.Sprintf("R-%d-%d", order, created.Unix()),
				Amount: 500, Currency: "USD", Status: status, CreatedAt: created, UpdatedAt: created})
		}
		refund(lf.orders["ip-recent"], ip, models.RefundSucceeded, at.Add(-day))     // x3's
		refund(lf.orders["net-recent"], ip, models.RefundSucceeded, at.Add(-40*day)) // x4's, before the window
		refund(lf.orders["net-recent"], ip, models.RefundRejected, at.Add(-day))     // x4's, not counted
		if n, err := s.CountRefundsByEmail(ctx, lf.f.merchant, "x3@example.com", w); err != nil || n != 1 {
			t.Errorf("refunds of x3: %d, %v; want 1", n, err)
		}
		if n, err := s.CountRefundsByEmail(ctx, lf.f.merchant, "x4@example.com", w); err != nil || n != 0 {
			t.Errorf("refunds of x4: %d, %v; want 0", n, err)
		}

		// Batch reports without context: tickets of key_invalid on orders whose initial
		// delivery came from the batch; an order with two initial keys counts its ticket once.
		deliver(lf.orders["device-recent"], models.DeliveryInitial, nil, at.Add(-10*day))
		deliver(lf.orders["device-recent"], models.DeliveryInitial, nil, at.Add(-10*day+time.Second))
		onOrder := func(name string, order uint64) uint64 {
			tk := newTicket(lf.f, "KD-B"+name, nil)
			tk.OrderID, tk.Category, tk.CreatedAt, tk.UpdatedAt = &order, "key_invalid", at.Add(-time.Hour), at.Add(-time.Hour)
			createTicket(t, s, &tk)
			return tk.ID
		}
		reported := onOrder("0000001", lf.orders["device-recent"])
		onOrder("0000002", lf.orders["ip-recent"]) // its order's key is a replacement, not from an initial delivery
		got, err := s.BatchReportContexts(ctx, lf.f.merchant, batch.ID, 0, at)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].TicketID != reported {
			t.Errorf("batch reports %+v, want only ticket %d", got, reported)
		}
		// Once a claim has its context, the claims without one are those before it (the
		// id range read first); the reported ticket still counts, once.
		later := onOrder("0000003", lf.orders["device-recent"])
		if err := s.SaveClaimContext(ctx, &models.ClaimContext{TicketID: later, MerchantID: lf.f.merchant, Category: "key_invalid",
			ClaimedAt: at.Add(-time.Hour), CreatedAt: at.Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
		got, err = s.BatchReportContexts(ctx, lf.f.merchant, batch.ID, 0, at)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].TicketID != reported {
			t.Errorf("batch reports after the first context %+v, want only ticket %d", got, reported)
		}
		// The context marks its ticket (the index of claims without one reads only the
		// unmarked), a second save included; the reported claim, once assessed, comes from
		// its context and only once.
		recorded := func(id uint64) bool {
			var tk models.Ticket
			if err := s.DB(ctx).Select("claim_recorded", "updated_at").Where("id = ?", id).Take(&tk).Error; err != nil {
				t.Fatal(err)
			}
			if !tk.UpdatedAt.Equal(at.Add(-time.Hour)) {
				t.Errorf("ticket %d updated_at %v: marking its claim recorded changed it", id, tk.UpdatedAt)
			}
			return tk.ClaimRecorded
		}
		if !recorded(later) || recorded(reported) {
			t.Errorf("claim_recorded: ticket with context %v, without %v; want true, false", recorded(later), recorded(reported))
		}
		bid := batch.ID
		for range 2 {
			if err := s.SaveClaimContext(ctx, &models.ClaimContext{TicketID: reported, MerchantID: lf.f.merchant, Category: "key_invalid",
				BatchID: &bid, ClaimedAt: at.Add(-time.Hour), CreatedAt: at.Add(-time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		got, err = s.BatchReportContexts(ctx, lf.f.merchant, batch.ID, 0, at)
		if err != nil {
			t.Fatal(err)
		}
		if !recorded(reported) || len(got) != 1 || got[0].TicketID != reported || got[0].BatchID == nil {
			t.Errorf("after the reported claim's context: recorded %v, batch reports %+v; want its context only", recorded(reported), got)
		}
	})
}

package activities_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"context"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/fraud"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/inventory"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// pickupLink finds the pickup token in a message body.
var pickupLink = regexp.MustCompile(`/k#token=([0-9a-f]{64})`)

// TestStepUpDeliveryGoesToTheOrderContact (issue 12, item 4): someone who knows an order
// number and its e-mail claims from a device and a network the buyer never used. The
// replacement is not shown on the claimant's status page: it goes to the order's e-mail
// as a pickup link (the message carries the link, never the key), the claimant's ticket
// says where it went, and only the link reveals the key, recorded as a reveal.
func TestStepUpDeliveryGoesToTheOrderContact(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, false)
		f.act.PublicURL = "https://help.example.com/"
		var started []uint64
		f.act.OutboundQueued = func(_ context.Context, id uint64) { started = append(started, id) }
		f.addStock(3)
		buyer := riBuyer{email: "buyer@example.com", ip: "198.51.100.7", device: "kd-" + strings.Repeat("a", 32)}
		claimant := riBuyer{email: "buyer@example.com", ip: "203.0.113.9", device: "kd-" + strings.Repeat("b", 32)}
		o, _ := f.order(buyer, f.initial, f.now.Add(-2*time.Hour))
		tk := f.ticket(&o, claimant, "key_invalid", f.now)

		as, err := f.act.AssessKeyClaim(f.ctx, activities.KeyClaimInput{TicketID: tk.ID})
		f.must(err)
		if !fraud.StepUpDelivery(as.Assessment.Hits) {
			t.Fatalf("claimant_not_buyer did not fire: %+v", as.Assessment.Hits)
		}
		// A risk agent approves (or the claim was allowed): the inventory is asked.
		res, err := f.act.ReissueKey(f.ctx, activities.ReissueInput{TicketID: tk.ID})
		f.must(err)
		if res.Status != activities.ReissueDelivered || res.SentTo != "b***@example.com" {
			t.Fatalf("result %+v, want delivered to b***@example.com", res)
		}
		msgs, err := s.OutboundMessages(f.ctx, f.m.ID, "buyer@example.com")
		f.must(err)
		if len(msgs) != 1 || len(started) != 1 || started[0] != msgs[0].ID {
			t.Fatalf("want one message to the order's e-mail, started once: msgs %d, started %v", len(msgs), started)
		}
		body, err := store.OpenOutboundBody(f.box, msgs[0])
		f.must(err)
		m := pickupLink.FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, "https://help.example.com/k#token=") {
			t.Fatalf("message has no pickup link: %q", body)
		}
		if strings.Contains(body, "SECRET") || strings.Contains(msgs[0].Subject, "SECRET") {
			t.Fatal("the message carries the key itself")
		}

		// A retry answers the same delivery and queues nothing more.
		again, err := f.act.ReissueKey(f.ctx, activities.ReissueInput{TicketID: tk.ID})
		f.must(err)
		if again != res || f.count(&models.OutboundMessage{}, "merchant_id = ?", f.m.ID) != 1 || len(started) != 1 {
			t.Fatalf("retry: %+v (was %+v), messages %d", again, res, f.count(&models.OutboundMessage{}, "merchant_id = ?", f.m.ID))
		}

		inv := inventory.New(inventory.Opts{Store: s, Box: f.box, Now: func() time.Time { return f.now }})
		if _, err := inv.RevealReplacement(f.ctx, tk, claimant.ip, "claimant"); !errors.Is(err, inventory.ErrSentToContact) {
			t.Fatalf("the claimant's status page revealed it: %v", err)
		}
		if _, err := inv.PickUp(f.ctx, strings.Repeat("0", 64), "198.51.100.7", "ua"); !errors.Is(err, inventory.ErrPickupNotFound) {
			t.Fatalf("wrong token: %v", err)
		}
		got, err := inv.PickUp(f.ctx, m[1], "198.51.100.7", "Mozilla/5.0 buyer")
		f.must(err)
		if !strings.HasSuffix(got.Secret, "-SECRET") || got.CardKeyID != res.CardKeyID || got.OrderNo != o.OrderNo {
			t.Fatalf("pickup %+v", got)
		}
		if n := f.count(&models.KeyEvent{}, "card_key_id = ? AND kind = ? AND ip = ?", res.CardKeyID, models.KeyEventRevealed, "198.51.100.7"); n != 1 {
			t.Fatalf("reveal events from the pickup: %d, want 1", n)
		}
		late := inventory.New(inventory.Opts{Store: s, Box: f.box, Now: func() time.Time { return f.now.Add(activities.PickupLinkTTL + time.Minute) }})
		if _, err := late.PickUp(f.ctx, m[1], "198.51.100.7", "ua"); !errors.Is(err, inventory.ErrPickupExpired) {
			t.Fatalf("expired link: %v", err)
		}
	})
}

// TestNoStepUpForTheBuyersOwnDevice: the buyer claiming from the device of the purchase,
// even from another network, sees the key on the status page as before.
func TestNoStepUpForTheBuyersOwnDevice(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, false)
		f.addStock(2)
		buyer := riBuyer{email: "own@example.com", ip: "198.51.100.7", device: "kd-" + strings.Repeat("c", 32)}
		o, _ := f.order(buyer, f.initial, f.now.Add(-2*time.Hour))
		tk := f.ticket(&o, riBuyer{email: buyer.email, ip: "203.0.113.9", device: buyer.device}, "key_invalid", f.now)
		_, err := f.act.AssessKeyClaim(f.ctx, activities.KeyClaimInput{TicketID: tk.ID})
		f.must(err)
		res, err := f.act.ReissueKey(f.ctx, activities.ReissueInput{TicketID: tk.ID})
		f.must(err)
		if res.Status != activities.ReissueDelivered || res.SentTo != "" {
			t.Fatalf("result %+v, want delivered to the status page", res)
		}
		if n := f.count(&models.OutboundMessage{}, "merchant_id = ?", f.m.ID); n != 0 {
			t.Fatalf("%d messages queued, want none", n)
		}
	})
}

// TestStepUpWithoutOrderContactIsBlocked: with no e-mail on the order there is nowhere safe
// to send the key: a person confirms the buyer.
func TestStepUpWithoutOrderContactIsBlocked(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		f := newRIFixture(t, s, false)
		f.addStock(2)
		buyer := riBuyer{email: "", ip: "198.51.100.7", device: "kd-" + strings.Repeat("d", 32)}
		o, _ := f.order(buyer, f.initial, f.now.Add(-2*time.Hour))
		tk := f.ticket(&o, riBuyer{email: "someone@example.com", ip: "203.0.113.9", device: "kd-" + strings.Repeat("e", 32)}, "key_invalid", f.now)
		as, err := f.act.AssessKeyClaim(f.ctx, activities.KeyClaimInput{TicketID: tk.ID})
		f.must(err)
		if !fraud.StepUpDelivery(as.Assessment.Hits) {
			t.Fatalf("claimant_not_buyer did not fire: %+v", as.Assessment.Hits)
		}
		res, err := f.act.ReissueKey(f.ctx, activities.ReissueInput{TicketID: tk.ID})
		f.must(err)
		if res.Status != activities.ReissueBlocked || res.Reason != activities.StepUpNoContactReason {
			t.Fatalf("result %+v, want blocked for want of a contact", res)
		}
		if n := f.count(&models.Delivery{}, "ticket_id = ?", tk.ID); n != 0 {
			t.Fatalf("%d deliveries, want none", n)
		}
	})
}

func TestMaskAddress(t *testing.T) {
	for in, want := range map[string]string{
		"buyer@example.com": "b***@example.com", "张三@例子.cn": "张***@例子.cn", "x@y.z": "x***@y.z",
		"": "", "wechat-id": "w***", " a@b.c ": "a***@b.c",
	} {
		if got := activities.MaskAddress(in); got != want {
			t.Errorf("MaskAddress(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestStepUpWithoutAKnownDevice: no keydesk device of the buyer is known (the shop does not
// pass keydesk's id, no earlier claim), and the claim comes from a public network the buyer
// never used to buy or reveal. With a message endpoint the key goes to the order's mailbox;
// without one it stays on the status page (a pickup link nobody could receive would strand
// an honest buyer).
func TestStepUpWithoutAKnownDevice(t *testing.T) {
	for _, withEndpoint := range []bool{true, false} {
		testdb.Each(t, func(t *testing.T, s *store.Store) {
			f := newRIFixture(t, s, false)
			f.addStock(2)
			if withEndpoint {
				ep := models.WebhookEndpoint{MerchantID: f.m.ID, URL: "https://shop.example/hooks", Events: store.EventMessageOutbound, Active: true}
				f.must(s.CreateWebhookEndpoint(f.ctx, &ep, func(id uint64) []byte { return f.box.Seal([]byte("secret"), store.WebhookSecretAAD(f.m.ID, id)) }))
			}
			buyer := riBuyer{email: "nodev@example.com", ip: "198.51.100.7", device: "shop-fp-1"}
			o, _ := f.order(buyer, f.initial, f.now.Add(-2*time.Hour))
			tk := f.ticket(&o, riBuyer{email: buyer.email, ip: "203.0.113.9", device: "kd-" + strings.Repeat("f", 32)}, "key_invalid", f.now)
			as, err := f.act.AssessKeyClaim(f.ctx, activities.KeyClaimInput{TicketID: tk.ID})
			f.must(err)
			if fraud.StepUpDelivery(as.Assessment.Hits) {
				t.Fatalf("claimant_not_buyer fired without a known device: %+v", as.Assessment.Hits)
			}
			res, err := f.act.ReissueKey(f.ctx, activities.ReissueInput{TicketID: tk.ID})
			f.must(err)
			want := ""
			if withEndpoint {
				want = "n***@example.com"
			}
			if res.Status != activities.ReissueDelivered || res.SentTo != want {
				t.Fatalf("endpoint %v: result %+v, want delivered to %q", withEndpoint, res, want)
			}
		})
	}
}

package activities

// Step-up delivery (issue 12): a replacement claimed from a device and a network the buyer
// never used goes to the order's own contact as a private pickup link, not onto the
// claimant's status page. Knowing an order number and its e-mail is enough to file a
// claim; it is not enough to receive the key.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/keydesk/keydesk/fraud"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// PickupLinkTTL is how long a stepped-up replacement's pickup link works.
const PickupLinkTTL = 30 * 24 * time.Hour

// StepUpNoContactReason is the block reason of a stepped-up claim whose order has no
// e-mail address to send the key to.
const StepUpNoContactReason = "the claim comes from a device and network the buyer never used, and the order has no e-mail address to send the replacement to: confirm the buyer by hand"

// stepUpRequired reports whether the ticket's stored claim assessment asks for step-up
// delivery: fraud.StepUpDelivery (the claimant is not on any device of the buyer's and not
// on their networks), or fraud.StepUpUnknownDevice (no device of the buyer's is known and
// the claim comes from a network the buyer never used) when the shop has an endpoint for
// buyer messages, so the key can actually reach the order's mailbox. A ticket with no
// assessment (an agent's manual reissue of a non-claim) is not stepped up.
func (a *Activities) stepUpRequired(ctx context.Context, ticketID uint64, merchantID uint64) (bool, error) {
	fa, err := a.Store.FraudAssessmentByKey(ctx, ClaimAssessmentKey(ticketID))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var hits []fraud.Hit
	if err := fa.Hits.Decode(&hits); err != nil {
		return false, fmt.Errorf("decode stored hits: %w", err)
	}
	if fraud.StepUpDelivery(hits) {
		return true, nil
	}
	var sig storedSignals
	if err := fa.Signals.Decode(&sig); err != nil {
		return false, fmt.Errorf("decode stored signals: %w", err)
	}
	if !fraud.StepUpUnknownDevice(sig.Signals) {
		return false, nil
	}
	eps, err := a.Store.ActiveWebhookEndpoints(ctx, merchantID, store.EventMessageOutbound)
	return len(eps) > 0, err
}

// sendToOrderContact binds delivery d to a fresh pickup link and queues the message that
// carries the link to the order's e-mail address, in the caller's transaction. It returns
// the queued message's id. The message holds the link, never the key; the token is stored
// only as its SHA-256.
func (a *Activities) sendToOrderContact(ctx context.Context, c store.Claim, d models.Delivery, now time.Time) (uint64, error) {
	token, hash, err := newPickupToken()
	if err != nil {
		return 0, err
	}
	to := strings.TrimSpace(c.Order.BuyerEmail)
	if err := a.Store.SetDeliveryPickup(ctx, d.ID, to, hash, now.Add(PickupLinkTTL)); err != nil {
		return 0, err
	}
	tid := c.Ticket.ID
	link := strings.TrimRight(a.PublicURL, "/") + "/k#token=" + token
	body := fmt.Sprintf("订单 %[1]s 的替换卡密已准备好。该申请来自一个我们从未见过您使用的设备和网络，为保护您的卡密，我们只把它发到订单邮箱。\n"+
		"查看卡密（%[3]d 天内有效，查看会被记录）：\n%[2]s\n如果不是您本人申请，请忽略此邮件，其他人看不到这张卡密。\n\n"+
		"The replacement key for order %[1]s is ready. The request came from a device and network we have not seen you use, so we send it only to the order's e-mail address.\n"+
		"See the key (the link works for %[3]d days; showing it is recorded):\n%[2]s\nIf you did not ask for it, ignore this message: nobody else can see the key.\n",
		c.Order.OrderNo, link, int(PickupLinkTTL/(24*time.Hour)))
	msg := models.OutboundMessage{MerchantID: c.Ticket.MerchantID, TicketID: &tid, Channel: "email", To: to,
		Subject: "替换卡密 / Your replacement key: " + c.Order.OrderNo,
		Body:    store.SealOutboundBody(a.Box, c.Ticket.MerchantID, body), CreatedAt: now}
	if err := a.Store.AddOutboundMessage(ctx, &msg); err != nil {
		return 0, err
	}
	return msg.ID, nil
}

// newPickupToken returns a random pickup token and its SHA-256 (hex).
func newPickupToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("pickup token: %w", err)
	}
	token = hex.EncodeToString(b)
	return token, store.PickupHash(token), nil
}

// MaskAddress shows enough of an e-mail address for its owner to recognise it and no more:
// "buyer@example.com" → "b***@example.com".
func MaskAddress(addr string) string {
	addr = strings.TrimSpace(addr)
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 {
		if addr == "" {
			return ""
		}
		r := []rune(addr)
		return string(r[:1]) + "***"
	}
	r := []rune(addr[:at])
	return string(r[:1]) + "***" + addr[at:]
}

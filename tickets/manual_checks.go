package tickets

// Manual checks (models.ManualCheck): a submission whose order number and e-mail / contact
// prove no order is refused at intake, because the pair is the buyer's proof of the order. A
// buyer who bought with a mistyped e-mail (the key never arrived) or writes for someone else
// can ask for a manual check instead: the submission is kept, nothing automatic runs on it,
// and an agent verifies it (a ticket opens on the right order and the buyer gets its private
// link) or rejects it with a reason (the buyer is told). The answer to the buyer is the same
// whether or not the order number exists, so the form still says nothing about which orders
// exist.

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
	"github.com/keydesk/keydesk/triage"
)

// ErrManualCheckLimit means the address already has store.MaxOpenManualChecksPerEmail checks
// waiting at the shop.
var ErrManualCheckLimit = errors.New("this e-mail already has requests waiting for a manual check; the shop answers them first")

// ErrManualChecksFull means the shop has store.MaxOpenManualChecksPerShop checks waiting.
var ErrManualChecksFull = errors.New("the shop has too many requests waiting for a manual check; try again later or write to the shop")

// ChannelManualCheck is the channel of a ticket an agent opened from a verified manual check.
const ChannelManualCheck = "manual_check"

// keepForManualCheck stores a submission that proved no order, as the buyer asked.
func (s *Service) keepForManualCheck(ctx context.Context, in CreateInput) (Created, error) {
	mc := models.ManualCheck{
		MerchantID: in.MerchantID, OrderNo: in.OrderNo, Email: in.Email, Contact: in.Contact,
		Category: in.Category, Subject: triage.Mask(in.Subject), Description: triage.Mask(in.Description),
		Language: clip(in.Language, 8), IP: clip(in.IP, 64), UserAgent: clip(in.UserAgent, 300),
		DeviceID: clip(in.DeviceID, 128), CreatedAt: s.now(),
	}
	err := s.o.Store.AddManualCheck(ctx, &mc)
	switch {
	case errors.Is(err, store.ErrConflict):
		return Created{}, ErrManualCheckLimit
	case errors.Is(err, store.ErrManualChecksFull):
		return Created{}, ErrManualChecksFull
	}
	if err != nil {
		return Created{}, fmt.Errorf("keep for a manual check: %w", err)
	}
	return Created{ManualCheck: true}, nil
}

// Accepted is what verifying a manual check did.
type Accepted struct {
	Created
	// LinkSent says the ticket's private link was queued to the buyer on the shop's channel;
	// when false the shop has none and the agent passes StatusURL on.
	LinkSent bool
}

// Recorder writes what the caller keeps of a decision (the API's audit line) in the decision's
// transaction: if it fails, nothing was decided.
type Recorder func(ctx context.Context, mc models.ManualCheck) error

// AcceptManualCheck verifies the shop's open check id: it opens a ticket on the order orderNo
// (empty: the number the buyer typed) for the buyer who wrote, as if they had proved the order,
// and queues the ticket's private link to them. The ticket's workflow starts after the commit.
// An unknown order is a ValidationError on order_no and leaves the check open.
func (s *Service) AcceptManualCheck(ctx context.Context, merchantID, id, agentID uint64, orderNo string, record Recorder) (Accepted, error) {
	var out Accepted
	var msgID uint64
	_, err := s.o.Store.HandleManualCheck(ctx, merchantID, id, agentID, s.now(), func(ctx context.Context, mc *models.ManualCheck) error {
		no := strings.TrimSpace(orderNo)
		if no == "" {
			no = mc.OrderNo
		}
		order, err := s.o.Store.OrderForClaim(ctx, merchantID, no)
		if errors.Is(err, store.ErrNotFound) {
			return &ValidationError{Fields: map[string]string{"order_no": "the shop has no order with this number"}}
		}
		if err != nil {
			return err
		}
		in := CreateInput{MerchantID: merchantID, OrderNo: order.OrderNo, Email: mc.Email, Contact: mc.Contact,
			Category: mc.Category, Subject: mc.Subject, Description: mc.Description, Channel: ChannelManualCheck,
			Language: mc.Language, IP: mc.IP, UserAgent: mc.UserAgent, DeviceID: mc.DeviceID}
		cat, err := validate(&in)
		if err != nil {
			return err
		}
		t, token, err := s.insert(ctx, in, cat, order)
		if err != nil {
			return err
		}
		out.Created = Created{Ticket: t, AccessToken: token, StatusURL: s.statusURL(t.Ref, token)}
		mc.Status, mc.TicketID = models.ManualCheckAccepted, &t.ID
		msgID, err = s.queueToBuyer(ctx, merchantID, &t.ID, mc.Email, "Your support request "+t.Ref,
			"We checked your order by hand and opened your request. Follow this private link to see it and our replies:\n"+out.StatusURL+"\n")
		out.LinkSent = msgID != 0
		if err != nil {
			return err
		}
		return record(ctx, *mc)
	})
	if err != nil {
		return Accepted{}, err
	}
	if err := s.startWorkflow(ctx, out.Ticket); err != nil {
		s.o.Log.Warn("ticket stored; its workflow starts when Temporal answers", "ticket", out.Ticket.ID, "err", err)
	}
	if msgID != 0 {
		s.startOutbound(ctx, msgID)
	}
	return out, nil
}

// RejectManualCheck closes the shop's open check id without a ticket and tells the buyer why
// (when the shop has a channel to the buyer).
func (s *Service) RejectManualCheck(ctx context.Context, merchantID, id, agentID uint64, reason string, record Recorder) (models.ManualCheck, error) {
	var msgID uint64
	mc, err := s.o.Store.HandleManualCheck(ctx, merchantID, id, agentID, s.now(), func(ctx context.Context, mc *models.ManualCheck) error {
		mc.Status, mc.Reason = models.ManualCheckRejected, reason
		id, err := s.queueToBuyer(ctx, merchantID, nil, mc.Email, "Your request about order "+mc.OrderNo,
			"We could not match your request to an order of ours, so no ticket was opened:\n"+reason+"\n")
		msgID = id
		if err != nil {
			return err
		}
		return record(ctx, *mc)
	})
	if err == nil && msgID != 0 {
		s.startOutbound(ctx, msgID)
	}
	return mc, err
}

// queueToBuyer stores a message to a buyer's e-mail on the shop's channel (its webhook
// endpoints subscribed to message.outbound) in the caller's transaction and returns its id,
// or 0 when the shop has no such channel. The body is sealed: it may carry a private link.
// The caller starts its delivery after the commit (startOutbound).
func (s *Service) queueToBuyer(ctx context.Context, merchantID uint64, ticketID *uint64, to, subject, body string) (uint64, error) {
	eps, err := s.o.Store.ActiveWebhookEndpoints(ctx, merchantID, store.EventMessageOutbound)
	if err != nil || len(eps) == 0 {
		return 0, err
	}
	if s.o.Box == nil {
		return 0, errors.New("queue message: no secret box to seal it")
	}
	msg := models.OutboundMessage{MerchantID: merchantID, TicketID: ticketID, Channel: "email", To: to,
		Subject: clip(subject, 300), Body: store.SealOutboundBody(s.o.Box, merchantID, body), CreatedAt: s.now()}
	if err := s.o.Store.AddOutboundMessage(ctx, &msg); err != nil {
		return 0, err
	}
	return msg.ID, nil
}

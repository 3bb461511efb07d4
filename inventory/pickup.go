package inventory

import (
	"context"
	"errors"
	"fmt"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// Errors of the step-up pickup (issue 12).
var (
	// ErrSentToContact: the ticket's replacement was sent to the order's contact as a
	// pickup link (the claim came from a device and network the buyer never used), so the
	// claimant's status page does not show it.
	ErrSentToContact = errors.New("the replacement key was sent to the order's e-mail address")
	// ErrPickupNotFound: no replacement is bound to this pickup link.
	ErrPickupNotFound = errors.New("this pickup link is not valid")
	// ErrPickupExpired: the pickup link is past its expiry.
	ErrPickupExpired = errors.New("this pickup link has expired")
)

// Pickup is what a pickup link shows its holder: the replacement key and which order it
// replaces.
type Pickup struct {
	Replacement
	OrderNo string `json:"order_no"`
	Product string `json:"product"`
}

// PickUp reveals the replacement a pickup link (sent to the order's contact) opens, records
// the reveal like RevealReplacement does (key event with IP and user agent, first reveal),
// and answers ErrPickupNotFound or ErrPickupExpired otherwise. The link is the credential:
// the token is compared by its SHA-256 only.
func (s *Service) PickUp(ctx context.Context, token, ip, userAgent string) (Pickup, error) {
	var out Pickup
	err := s.st.InTx(ctx, func(ctx context.Context) error {
		d, err := s.st.DeliveryByPickupHash(ctx, store.PickupHash(token))
		if errors.Is(err, store.ErrNotFound) {
			return ErrPickupNotFound
		}
		if err != nil {
			return err
		}
		if d.PickupExpiresAt == nil || !s.clock().Before(*d.PickupExpiresAt) {
			return ErrPickupExpired
		}
		o, err := s.st.OrderByID(ctx, d.MerchantID, d.OrderID)
		if err != nil {
			return err
		}
		p, err := s.st.ProductByID(ctx, d.MerchantID, o.ProductID)
		if err != nil {
			return err
		}
		out.OrderNo, out.Product = o.OrderNo, p.Name
		out.Replacement, err = s.revealDelivery(ctx, d.MerchantID, d, ip, userAgent)
		return err
	})
	if err != nil && !errors.Is(err, ErrPickupNotFound) && !errors.Is(err, ErrPickupExpired) {
		return Pickup{}, fmt.Errorf("pick up replacement: %w", err)
	}
	return out, err
}

// revealDelivery decrypts delivery d's key and records the reveal (a "revealed" key event
// with IP and user agent, first_revealed_at), in the caller's transaction.
func (s *Service) revealDelivery(ctx context.Context, merchantID uint64, d models.Delivery, ip, userAgent string) (Replacement, error) {
	var out Replacement
	k, err := s.st.CardKeyByID(ctx, merchantID, d.CardKeyID)
	if err != nil {
		return out, err
	}
	if out.Secret, err = s.open(k); err != nil {
		return out, err
	}
	now := s.clock()
	out.CardKeyID = k.ID
	if k.DeliveredAt != nil {
		out.DeliveredAt = k.DeliveredAt.UTC()
	}
	kid := k.ID
	ev := models.KeyEvent{MerchantID: merchantID, OrderID: d.OrderID, CardKeyID: &kid, Kind: models.KeyEventRevealed,
		IP: truncate(ip, 64), UserAgent: truncate(userAgent, 300), Source: "keydesk", OccurredAt: now, CreatedAt: now}
	if _, err := s.st.AddKeyEvent(ctx, &ev); err != nil {
		return out, err
	}
	return out, s.st.SetFirstRevealed(ctx, k.ID, now)
}

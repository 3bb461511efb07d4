package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/keydesk/keydesk/models"
)

// ErrLimit is returned when a per-ticket limit (such as the number of attachments) is reached.
var ErrLimit = errors.New("limit reached")

// EventAttachmentAdded is the ticket-event kind recorded with every new attachment.
const EventAttachmentAdded = "attachment_added"

// AddAttachment stores a file on ticket a.TicketID of merchant a.MerchantID together with an
// "attachment_added" ticket event by actorKind, in one transaction. The ticket row is locked
// (MySQL: SELECT … FOR UPDATE; SQLite serialises writers) while the ticket's attachments are
// counted, so concurrent uploads can never exceed limit: the one over it gets ErrLimit. A
// ticket of another merchant is ErrNotFound. Size is taken from Data.
func (s *Store) AddAttachment(ctx context.Context, a *models.Attachment, limit int, actorKind string) error {
	if len(a.Data) == 0 {
		return errors.New("add attachment: empty data")
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		var t models.Ticket
		err := s.ForUpdate(s.DB(ctx)).Select("id").Where("merchant_id = ? AND id = ?", a.MerchantID, a.TicketID).Take(&t).Error
		if err != nil {
			return Translate(err, fmt.Sprintf("attachment ticket %d", a.TicketID))
		}
		var n int64
		if err := s.DB(ctx).Model(&models.Attachment{}).Where("ticket_id = ?", a.TicketID).Count(&n).Error; err != nil {
			return Translate(err, "count attachments")
		}
		if n >= int64(limit) {
			return fmt.Errorf("ticket %d has %d attachments: %w", a.TicketID, n, ErrLimit)
		}
		a.ID, a.Size = 0, int64(len(a.Data))
		if err := s.DB(ctx).Create(a).Error; err != nil {
			return Translate(err, "create attachment")
		}
		return s.AppendTicketEvents(ctx, []models.TicketEvent{{
			MerchantID: a.MerchantID, TicketID: a.TicketID, EventKey: fmt.Sprintf("attachment/%d", a.ID),
			Kind: EventAttachmentAdded, ActorKind: actorKind, CreatedAt: a.CreatedAt,
			Data: models.MustJSON(map[string]any{"attachment_id": a.ID, "filename": a.Filename, "content_type": a.ContentType, "size": a.Size}),
		}})
	})
}

// TicketAttachments lists a ticket's attachments, oldest first, without their bytes. Another
// merchant's ticket has none.
func (s *Store) TicketAttachments(ctx context.Context, merchantID, ticketID uint64) ([]models.Attachment, error) {
	var out []models.Attachment
	err := s.DB(ctx).Omit("data").Where("merchant_id = ? AND ticket_id = ?", merchantID, ticketID).Order("id").Find(&out).Error
	if err != nil {
		return nil, Translate(err, "list attachments")
	}
	return out, nil
}

// AttachmentByID loads one attachment with its bytes; one of another ticket or merchant is
// ErrNotFound.
func (s *Store) AttachmentByID(ctx context.Context, merchantID, ticketID, id uint64) (models.Attachment, error) {
	var a models.Attachment
	err := s.DB(ctx).Where("merchant_id = ? AND ticket_id = ? AND id = ?", merchantID, ticketID, id).Take(&a).Error
	return a, Translate(err, fmt.Sprintf("attachment %d", id))
}

package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

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

// EventAttachmentPurged is the ticket-event kind recorded when housekeeping empties an
// attachment's bytes after the retention of closed tickets.
const EventAttachmentPurged = "attachment_purged"

// PurgeAttachments empties the bytes of attachments whose ticket has been closed since before
// cutoff, at most batch attachments per transaction until none is left, and returns how many
// it purged. Each keeps its row (name, type, size) with PurgedAt set, and its ticket gets an
// "attachment_purged" event by the system, so the timeline says why the file is gone. It is
// idempotent: a purged row is never selected again, the update re-checks purged_at and the
// event's key is derived from the attachment id. A ticket that was reopened is not closed, so
// it keeps its files; tickets of every merchant are handled, each row by its own ticket.
func (s *Store) PurgeAttachments(ctx context.Context, cutoff time.Time, batch int) (int64, error) {
	if batch <= 0 {
		batch = 100
	}
	var total int64
	for {
		n, more, err := s.purgeAttachmentBatch(ctx, cutoff.UTC(), batch)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}

// purgeAttachmentBatch purges one batch and reports whether to go on: a full batch was found
// and some of it purged (a batch held wholly by another worker's pass ends this one).
func (s *Store) purgeAttachmentBatch(ctx context.Context, cutoff time.Time, batch int) (int64, bool, error) {
	rows, err := s.purgeCandidates(ctx, cutoff, batch)
	if err != nil || len(rows) == 0 {
		return 0, false, err
	}
	var n int64
	err = s.InTx(ctx, func(ctx context.Context) error {
		// Only the candidates' tickets are locked, by primary key, and only those still closed
		// before cutoff are purged: a ticket reopened meanwhile commits before (and keeps its
		// files) or after, never between the check and the purge. A ticket another worker's
		// pass holds is skipped. SQLite serialises writers.
		tids := make([]uint64, 0, len(rows))
		for _, a := range rows {
			tids = append(tids, a.TicketID)
		}
		var closed []uint64
		err := s.ForUpdateSkipLocked(s.DB(ctx)).Model(&models.Ticket{}).
			Where("id IN ? AND status = ? AND closed_at < ?", tids, models.StatusClosed, cutoff).Pluck("id", &closed).Error
		if err != nil {
			return Translate(err, "lock closed tickets")
		}
		keep := rows[:0]
		for _, a := range rows {
			if slices.Contains(closed, a.TicketID) {
				keep = append(keep, a)
			}
		}
		if len(keep) == 0 {
			return nil
		}
		n, err = s.emptyAttachments(ctx, keep)
		return err
	})
	return n, len(rows) == batch && n > 0, err
}

// purgeCandidates lists up to batch attachments not yet purged whose ticket has been closed
// since before cutoff, without their bytes. It is a plain read that locks nothing: on MySQL a
// locking read over this join would hold every row it passed, open tickets' included.
func (s *Store) purgeCandidates(ctx context.Context, cutoff time.Time, batch int) ([]models.Attachment, error) {
	var rows []models.Attachment
	err := s.DB(ctx).Model(&models.Attachment{}).
		Select("attachments.id, attachments.merchant_id, attachments.ticket_id, attachments.filename, attachments.size").
		Joins("JOIN tickets ON tickets.id = attachments.ticket_id AND tickets.merchant_id = attachments.merchant_id").
		Where("attachments.purged_at IS NULL AND tickets.status = ? AND tickets.closed_at < ?", models.StatusClosed, cutoff).
		Order("attachments.id").Limit(batch).Find(&rows).Error
	return rows, Translate(err, "attachments past retention")
}

// emptyAttachments empties the bytes of rows not yet purged, stamps purged_at and appends one
// "attachment_purged" event per row (its key from the attachment id, so a row another pass
// purged first adds no second event). It returns how many rows it emptied.
func (s *Store) emptyAttachments(ctx context.Context, rows []models.Attachment) (int64, error) {
	now := time.Now().UTC()
	ids := make([]uint64, 0, len(rows))
	evs := make([]models.TicketEvent, 0, len(rows))
	for _, a := range rows {
		ids = append(ids, a.ID)
		evs = append(evs, models.TicketEvent{
			MerchantID: a.MerchantID, TicketID: a.TicketID, EventKey: fmt.Sprintf("attachment/%d/purged", a.ID),
			Kind: EventAttachmentPurged, ActorKind: models.AuthorSystem, CreatedAt: now,
			Data: models.MustJSON(map[string]any{"attachment_id": a.ID, "filename": a.Filename, "size": a.Size}),
		})
	}
	res := s.DB(ctx).Model(&models.Attachment{}).Where("id IN ? AND purged_at IS NULL", ids).
		Updates(map[string]any{"data": []byte{}, "purged_at": now})
	if res.Error != nil {
		return 0, Translate(res.Error, "purge attachments")
	}
	return res.RowsAffected, s.AppendTicketEvents(ctx, evs)
}

package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// EventRecord is one ticket event the workflow decided. Key is unique per ticket and derived
// from the workflow's sequence, so a retry writes it once.
type EventRecord struct {
	Key       string         `json:"key"`
	Kind      string         `json:"kind"`
	ActorKind string         `json:"actor_kind"`
	ActorID   uint64         `json:"actor_id,omitempty"`
	Data      map[string]any `json:"data,omitempty"`
	At        time.Time      `json:"at"`
}

// MessageRecord is one message to add to the conversation; RequestID is unique per ticket.
type MessageRecord struct {
	RequestID  string    `json:"request_id"`
	AuthorKind string    `json:"author_kind"`
	AuthorID   uint64    `json:"author_id,omitempty"`
	AuthorName string    `json:"author_name,omitempty"`
	Body       string    `json:"body"`
	Internal   bool      `json:"internal,omitempty"`
	At         time.Time `json:"at"`
	// Code and Params name a system message (models.Msg*) for pages that show it in the
	// reader's language; Body stays its English text.
	Code   string            `json:"code,omitempty"`
	Params map[string]string `json:"params,omitempty"`
}

// NotificationRecord is one notification for a role; DedupeKey is unique per merchant.
type NotificationRecord struct {
	Kind          string    `json:"kind"`
	Level         int       `json:"level"`
	RecipientRole string    `json:"recipient_role"`
	Title         string    `json:"title"`
	Body          string    `json:"body,omitempty"`
	DedupeKey     string    `json:"dedupe_key"`
	At            time.Time `json:"at"`
}

// CSATRecord is a buyer's rating.
type CSATRecord struct {
	Score   int       `json:"score"`
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
}

// TicketChange is everything one accepted workflow step writes: the read-model row (guarded
// by Row.StateVersion), the state snapshot, events, messages, notifications and a rating.
type TicketChange struct {
	MerchantID    uint64               `json:"merchant_id"`
	TicketID      uint64               `json:"ticket_id"`
	Row           store.TicketState    `json:"row"`
	Snapshot      models.JSON          `json:"snapshot,omitempty"`
	Events        []EventRecord        `json:"events,omitempty"`
	Messages      []MessageRecord      `json:"messages,omitempty"`
	Notifications []NotificationRecord `json:"notifications,omitempty"`
	CSAT          *CSATRecord          `json:"csat,omitempty"`
}

// RecordTicketChange writes a TicketChange in one transaction. Idempotent: events, messages,
// notifications and the rating are keyed by unique constraints (a retry skips what exists),
// and the row and snapshot are only overwritten by a higher state version, so a retried or
// late call never undoes a newer one. Bodies and contacts are never logged.
func (a *Activities) RecordTicketChange(ctx context.Context, in TicketChange) error {
	err := a.Store.InTx(ctx, func(ctx context.Context) error {
		if err := a.Store.AppendTicketEvents(ctx, eventRows(in)); err != nil {
			return err
		}
		if err := a.Store.AddMessages(ctx, messageRows(in)); err != nil {
			return err
		}
		if err := a.Store.AddNotifications(ctx, notificationRows(in)); err != nil {
			return err
		}
		if in.CSAT != nil {
			c := models.CSAT{MerchantID: in.MerchantID, TicketID: in.TicketID, Score: in.CSAT.Score, Comment: in.CSAT.Comment, CreatedAt: in.CSAT.At}
			if err := a.Store.SaveCSAT(ctx, c); err != nil {
				return err
			}
		}
		if len(in.Snapshot) > 0 {
			if err := a.Store.SaveTicketSnapshot(ctx, in.MerchantID, in.TicketID, in.Row.StateVersion, in.Snapshot); err != nil {
				return err
			}
		}
		_, err := a.Store.ApplyTicketState(ctx, in.MerchantID, in.TicketID, in.Row)
		return err
	})
	if err != nil {
		a.warnRetrying(ctx, "record ticket change", err, "ticket", in.TicketID)
		return fmt.Errorf("record change of ticket %d v%d: %w", in.TicketID, in.Row.StateVersion, err)
	}
	return nil
}

// warnRetrying logs a failing attempt of an activity that the workflows retry without a
// deadline (the database is down): the first failure and then every tenth attempt, with the
// attempt number, so an outage shows in the logs without one line per retry.
func (a *Activities) warnRetrying(ctx context.Context, what string, err error, args ...any) {
	attempt := int32(1)
	if activity.IsActivity(ctx) {
		attempt = activity.GetInfo(ctx).Attempt
	}
	if attempt == 1 || attempt%10 == 0 {
		a.log().Warn(what+" failed; retrying until the database answers", append(args, "attempt", attempt, "err", err)...)
	}
}

func eventRows(in TicketChange) []models.TicketEvent {
	out := make([]models.TicketEvent, 0, len(in.Events))
	for _, e := range in.Events {
		out = append(out, models.TicketEvent{
			MerchantID: in.MerchantID, TicketID: in.TicketID, EventKey: e.Key, Kind: e.Kind,
			ActorKind: e.ActorKind, ActorID: optID(e.ActorID), Data: models.MustJSON(e.Data), CreatedAt: e.At,
		})
	}
	return out
}

func messageRows(in TicketChange) []models.Message {
	out := make([]models.Message, 0, len(in.Messages))
	for _, m := range in.Messages {
		out = append(out, models.Message{
			MerchantID: in.MerchantID, TicketID: in.TicketID, AuthorKind: m.AuthorKind,
			AuthorID: optID(m.AuthorID), AuthorName: m.AuthorName, Body: m.Body,
			Internal: m.Internal, RequestID: m.RequestID, CreatedAt: m.At, Code: m.Code, Params: paramsJSON(m.Params),
		})
	}
	return out
}

// paramsJSON stores a message's parameters, nil for none.
func paramsJSON(p map[string]string) models.JSON {
	if len(p) == 0 {
		return nil
	}
	return models.MustJSON(p)
}

func notificationRows(in TicketChange) []models.Notification {
	out := make([]models.Notification, 0, len(in.Notifications))
	tid := in.TicketID
	for _, n := range in.Notifications {
		out = append(out, models.Notification{
			MerchantID: in.MerchantID, TicketID: &tid, Kind: n.Kind, Level: n.Level,
			RecipientRole: n.RecipientRole, Title: n.Title, Body: n.Body, DedupeKey: n.DedupeKey, CreatedAt: n.At,
		})
	}
	return out
}

func optID(id uint64) *uint64 {
	if id == 0 {
		return nil
	}
	return &id
}

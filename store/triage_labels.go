package store

// Issue 13: agents' corrections of a ticket's intent, kept as labelled data, and the look-ups
// the agent view's suggestions need (key-fragment gram hashes among an order's keys).
//
// A correction is a ticket event of kind IntentLabelKind written by the API (actor: the agent,
// created_at: when); its data is an IntentLabelData. The events are the labels: the latest per
// ticket wins. No workflow reads them, so a correction never changes the category the ticket's
// workflow runs on.

import (
	"context"
	"time"

	"github.com/keydesk/keydesk/models"
)

// IntentLabelKind is the ticket-event kind of an agent's intent correction.
const IntentLabelKind = "intent_labelled"

// IntentLabelData is the data of an intent-correction event.
type IntentLabelData struct {
	// Category is the intent the agent says the buyer's text has.
	Category string `json:"category"`
	// Inferred, Confidence (per mille) and Model are what the model had read, Chosen the
	// buyer's pick, at the time of the correction.
	Inferred   string `json:"inferred"`
	Confidence int    `json:"confidence"`
	Model      string `json:"model,omitempty"`
	Chosen     string `json:"chosen"`
	// ByName names the agent (the event's actor_id is their id).
	ByName string `json:"by_name,omitempty"`
	Note   string `json:"note,omitempty"`
}

// IntentLabel is one ticket's latest intent correction with the text it labels.
type IntentLabel struct {
	EventID   uint64
	TicketID  uint64
	ActorID   *uint64
	CreatedAt time.Time
	Data      IntentLabelData
	// Subject and Body are the ticket's subject and the buyer's first message (both stored
	// masked: no card key or e-mail local part); Priority is the ticket's priority.
	Subject, Body, Priority string
}

// MaxIntentLabels caps one export.
const MaxIntentLabels = 10000

// IntentLabels returns the merchant's intent corrections made at or after since, the latest
// per ticket, newest first, at most limit (1..MaxIntentLabels), with the texts they label.
func (s *Store) IntentLabels(ctx context.Context, merchantID uint64, since time.Time, limit int) ([]IntentLabel, error) {
	if limit <= 0 || limit > MaxIntentLabels {
		limit = MaxIntentLabels
	}
	var rows []struct {
		ID        uint64
		TicketID  uint64
		ActorID   *uint64
		Data      models.JSON
		CreatedAt time.Time
		Subject   string
		Priority  string
		Body      *string
	}
	err := s.DB(ctx).Table("ticket_events AS e").
		Select("e.id, e.ticket_id, e.actor_id, e.data, e.created_at, t.subject, t.priority, m.body").
		Joins("JOIN tickets t ON t.id = e.ticket_id AND t.merchant_id = e.merchant_id").
		Joins("LEFT JOIN messages m ON m.ticket_id = t.id AND m.merchant_id = t.merchant_id AND m.request_id = ? AND m.author_kind = ?", "submission", models.AuthorCustomer).
		Where("e.merchant_id = ? AND e.kind = ? AND e.created_at >= ?", merchantID, IntentLabelKind, since).
		Order("e.created_at DESC, e.id DESC").Limit(limit * 2).Scan(&rows).Error
	if err != nil {
		return nil, Translate(err, "intent labels")
	}
	seen := map[uint64]bool{}
	out := make([]IntentLabel, 0, len(rows))
	for _, r := range rows {
		if seen[r.TicketID] || len(out) >= limit { // the latest correction of a ticket wins
			continue
		}
		seen[r.TicketID] = true
		l := IntentLabel{EventID: r.ID, TicketID: r.TicketID, ActorID: r.ActorID, CreatedAt: r.CreatedAt, Subject: r.Subject, Priority: r.Priority}
		if r.Body != nil {
			l.Body = *r.Body
		}
		if err := r.Data.Decode(&l.Data); err != nil || l.Data.Category == "" {
			continue
		}
		out = append(out, l)
	}
	return out, nil
}

// KeyGramMatches returns, for each of the given keyed gram hashes (KeyGramScope), the ids of
// the card keys among keyIDs whose indexed tail holds that gram. Only hashes are compared:
// no key is decrypted.
func (s *Store) KeyGramMatches(ctx context.Context, merchantID uint64, hashes []string, keyIDs []uint64) (map[string][]uint64, error) {
	out := map[string][]uint64{}
	if len(hashes) == 0 || len(keyIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		GramHash  string
		CardKeyID uint64
	}
	err := s.DB(ctx).Table("search_key_grams").Select("gram_hash, card_key_id").
		Where("merchant_id = ? AND gram_hash IN ? AND card_key_id IN ?", merchantID, hashes, keyIDs).
		Order("card_key_id").Limit(1000).Scan(&rows).Error
	if err != nil {
		return nil, Translate(err, "key gram matches")
	}
	for _, r := range rows {
		out[r.GramHash] = append(out[r.GramHash], r.CardKeyID)
	}
	return out, nil
}

// OrdersByNumbers returns the merchant's orders whose number is one of nos (at most 50 asked),
// in no particular order.
func (s *Store) OrdersByNumbers(ctx context.Context, merchantID uint64, nos []string) ([]models.Order, error) {
	if len(nos) == 0 {
		return nil, nil
	}
	if len(nos) > 50 {
		nos = nos[:50]
	}
	var os []models.Order
	err := s.DB(ctx).Where("merchant_id = ? AND order_no IN ?", merchantID, nos).Limit(50).Find(&os).Error
	return os, Translate(err, "orders by numbers")
}

package store

import (
	"context"
	"time"

	"github.com/keydesk/keydesk/models"
)

// RiskLabel is a risk agent's decision on a claim (the ticket's latest risk_approved or
// risk_denied event) with the hits its stored assessment fired.
type RiskLabel struct {
	TicketID  uint64
	Denied    bool
	DecidedAt time.Time
	Hits      models.JSON
}

// RiskLabels returns the merchant's claims a risk agent decided at or after since, with
// their key-claim assessments' hits (assessment keys ending ":claim"), at most 10,000,
// newest first.
func (s *Store) RiskLabels(ctx context.Context, merchantID uint64, since time.Time) ([]RiskLabel, error) {
	var rows []struct {
		TicketID  uint64
		Kind      string
		CreatedAt time.Time
		Hits      models.PackedJSON // stored deflated
	}
	err := s.DB(ctx).Table("ticket_events AS e").
		Select("e.ticket_id, e.kind, e.created_at, f.hits").
		Joins("JOIN fraud_assessments f ON f.ticket_id = e.ticket_id AND f.merchant_id = e.merchant_id AND f.assessment_key LIKE ?", "%:claim").
		Where("e.merchant_id = ? AND e.kind IN ? AND e.created_at >= ?", merchantID, []string{"risk_approved", "risk_denied"}, since).
		Order("e.created_at DESC, e.id DESC").Limit(10000).Scan(&rows).Error
	if err != nil {
		return nil, Translate(err, "risk labels")
	}
	seen := map[uint64]bool{}
	out := make([]RiskLabel, 0, len(rows))
	for _, r := range rows {
		if seen[r.TicketID] { // the latest decision of a ticket wins
			continue
		}
		seen[r.TicketID] = true
		out = append(out, RiskLabel{TicketID: r.TicketID, Denied: r.Kind == "risk_denied", DecidedAt: r.CreatedAt, Hits: models.JSON(r.Hits)})
	}
	return out, nil
}

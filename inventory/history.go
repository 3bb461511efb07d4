package inventory

// The signed history import: a shop sends its after-sales history from before keydesk
// (orders, claims with their outcomes, refunds, chargebacks) so the fraud signals see it
// from day one. Events are stored as they are dated; nothing becomes a ticket.

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/keydesk/keydesk/fraud"
	"github.com/keydesk/keydesk/models"
)

// MaxHistoryEvents bounds one history import request.
const MaxHistoryEvents = 1000

// HistoryPush is the body of POST /api/v1/integrations/history.
type HistoryPush struct {
	Events []HistoryItem `json:"events"`
}

// HistoryItem is one past event. ID is the shop's own id for it (re-sending it changes
// nothing). At least one of Email, IP and DeviceID names who it was.
type HistoryItem struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"` // order, claim, refund, chargeback
	OrderNo    string    `json:"order_no,omitempty"`
	Email      string    `json:"email,omitempty"`
	IP         string    `json:"ip,omitempty"`
	DeviceID   string    `json:"device_id,omitempty"`
	Amount     int64     `json:"amount,omitempty"`   // minor units
	Currency   string    `json:"currency,omitempty"` // ISO 4217
	Category   string    `json:"category,omitempty"` // claims: key_invalid, key_missing, refund, dispute
	Outcome    string    `json:"outcome,omitempty"`  // claims: reissued, refunded, denied, open; chargebacks: won, lost, open
	OccurredAt time.Time `json:"occurred_at"`
}

// HistoryResult answers an import.
type HistoryResult struct {
	Created  int `json:"created"`
	Existing int `json:"existing"`
}

var (
	historyKinds    = map[string]bool{models.HistoryOrder: true, models.HistoryClaim: true, models.HistoryRefund: true, models.HistoryChargeback: true}
	claimCategories = map[string]bool{"key_invalid": true, "key_missing": true, "refund": true, "dispute": true}
	claimOutcomes   = map[string]bool{"reissued": true, "refunded": true, "denied": true, "open": true}
	cbOutcomes      = map[string]bool{"won": true, "lost": true, "open": true}
	historyEpoch    = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// ImportHistory validates and stores a history import (all or nothing on validation; each
// event once per shop id). A field error names the event: "events[3].kind".
func (s *Service) ImportHistory(ctx context.Context, merchantID uint64, p HistoryPush) (HistoryResult, error) {
	now := s.now().UTC()
	fields := map[string]string{}
	switch {
	case len(p.Events) == 0:
		fields["events"] = "required: at least one event"
	case len(p.Events) > MaxHistoryEvents:
		fields["events"] = fmt.Sprintf("at most %d events per request", MaxHistoryEvents)
	}
	seen := map[string]bool{}
	rows := make([]models.HistoryEvent, 0, len(p.Events))
	for i, e := range p.Events {
		f := func(name, msg string) {
			if len(fields) < 50 {
				fields[fmt.Sprintf("events[%d].%s", i, name)] = msg
			}
		}
		e.ID, e.Email, e.IP, e.DeviceID = strings.TrimSpace(e.ID), strings.TrimSpace(e.Email), strings.TrimSpace(e.IP), strings.TrimSpace(e.DeviceID)
		switch {
		case e.ID == "" || len(e.ID) > 128:
			f("id", "required, at most 128 characters")
		case seen[e.ID]:
			f("id", "appears twice in this request")
		}
		seen[e.ID] = true
		if !historyKinds[e.Kind] {
			f("kind", "one of order, claim, refund, chargeback")
		}
		if e.Email == "" && e.IP == "" && e.DeviceID == "" {
			f("email", "at least one of email, ip and device_id is required")
		}
		if len(e.Email) > 254 || (e.Email != "" && !strings.Contains(e.Email, "@")) {
			f("email", "an e-mail address of at most 254 characters")
		}
		if e.IP != "" {
			if _, err := netip.ParseAddr(e.IP); err != nil {
				f("ip", "an IPv4 or IPv6 address")
			}
		}
		if len(e.DeviceID) > 128 || len(e.OrderNo) > 64 {
			f("device_id", "device_id at most 128 and order_no at most 64 characters")
		}
		if e.Amount < 0 {
			f("amount", "not negative (minor units)")
		}
		if e.Currency != "" && len(e.Currency) != 3 {
			f("currency", "a 3-letter ISO 4217 code")
		}
		switch {
		case e.OccurredAt.IsZero():
			f("occurred_at", "required (RFC 3339)")
		case e.OccurredAt.After(now.Add(5 * time.Minute)):
			f("occurred_at", "in the future")
		case e.OccurredAt.Before(historyEpoch):
			f("occurred_at", "before 2000")
		}
		switch e.Kind {
		case models.HistoryClaim:
			if !claimCategories[e.Category] {
				f("category", "one of key_invalid, key_missing, refund, dispute")
			}
			if e.Outcome != "" && !claimOutcomes[e.Outcome] {
				f("outcome", "one of reissued, refunded, denied, open")
			}
		case models.HistoryChargeback:
			if e.Outcome != "" && !cbOutcomes[e.Outcome] {
				f("outcome", "one of won, lost, open")
			}
		}
		rows = append(rows, models.HistoryEvent{MerchantID: merchantID, ExternalID: e.ID, Kind: e.Kind, OrderNo: e.OrderNo,
			EmailNorm: fraud.NormalizeEmail(e.Email), IP: e.IP, DeviceID: e.DeviceID, Amount: e.Amount, Currency: strings.ToUpper(e.Currency),
			Category: e.Category, Outcome: e.Outcome, OccurredAt: e.OccurredAt.UTC(), CreatedAt: now})
	}
	if len(fields) > 0 {
		return HistoryResult{}, &ValidationError{Fields: fields}
	}
	created, existing, err := s.st.InsertHistory(ctx, rows)
	if err != nil {
		return HistoryResult{}, fmt.Errorf("import history: %w", err)
	}
	return HistoryResult{Created: created, Existing: existing}, nil
}

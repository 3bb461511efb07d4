package store

// A shop's after-sales history from before keydesk (history_events): stored by the signed
// history import, counted by the fraud signals by each event's own date.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/keydesk/keydesk/models"
)

// InsertHistory stores the events (MerchantID set by the caller) in one transaction. An
// event whose (merchant, external id) is already stored is left as it is (first write wins)
// and counted as existing.
func (s *Store) InsertHistory(ctx context.Context, events []models.HistoryEvent) (created, existing int, err error) {
	err = s.InTx(ctx, func(ctx context.Context) error {
		created, existing = 0, 0
		stored := map[string]bool{}
		byMerchant := map[uint64][]string{}
		for _, e := range events {
			byMerchant[e.MerchantID] = append(byMerchant[e.MerchantID], e.ExternalID)
		}
		for m, ids := range byMerchant {
			for start := 0; start < len(ids); start += hashChunk {
				var got []string
				err := s.DB(ctx).Model(&models.HistoryEvent{}).Where("merchant_id = ? AND external_id IN ?", m, ids[start:min(start+hashChunk, len(ids))]).
					Pluck("external_id", &got).Error
				if err != nil {
					return Translate(err, "look up history ids")
				}
				for _, id := range got {
					stored[fmt.Sprint(m)+"/"+id] = true
				}
			}
		}
		for i := range events {
			if stored[fmt.Sprint(events[i].MerchantID)+"/"+events[i].ExternalID] {
				existing++
				continue
			}
			// A duplicate here is a concurrent import of the same event.
			err := s.DB(ctx).Create(&events[i]).Error
			switch {
			case err == nil:
				created++
			case errors.Is(Translate(err, ""), ErrDuplicate):
				existing++
			default:
				return Translate(err, "insert history event "+events[i].ExternalID)
			}
		}
		return nil
	})
	return created, existing, err
}

// ImportedHistory is what a shop's imported history says about one claimant (by
// normalised e-mail, device id and IP address) before a claim.
type ImportedHistory struct {
	// Claims by e-mail, device and IP in the 30 and 90 days before the claim.
	ClaimsEmail30d, ClaimsEmail90d   int
	ClaimsDevice30d, ClaimsDevice90d int
	ClaimsIP30d, ClaimsIP90d         int
	// ReissuesEmail90d and RefundsEmail90d: claims of the e-mail that got a replacement
	// key, and refunds (refund events or claims refunded), in 90 days.
	ReissuesEmail90d, RefundsEmail90d int
	// Chargebacks by e-mail or device, and by IP only, any time.
	Chargebacks, ChargebacksIP int
	// Of the e-mail, any time: claims, denied claims, orders and the first order's time.
	ClaimsEver, Denied, Orders int
	FirstOrderAt               time.Time
}

// historyRows caps the events read for one claimant.
const historyRows = 2000

// HistoryFor reads the merchant's imported events of the claimant before `before` and
// counts them (see ImportedHistory). Empty identity parts match nothing.
func (s *Store) HistoryFor(ctx context.Context, merchantID uint64, emailNorm, device, ip string, before time.Time) (ImportedHistory, error) {
	var h ImportedHistory
	where, args := "", []any{}
	for _, c := range []struct{ col, v string }{{"email_norm", emailNorm}, {"device_id", device}, {"ip", ip}} {
		if c.v == "" {
			continue
		}
		if where != "" {
			where += " OR "
		}
		where += c.col + " = ?"
		args = append(args, c.v)
	}
	if where == "" {
		return h, nil
	}
	var evs []models.HistoryEvent
	err := s.DB(ctx).Where("merchant_id = ? AND occurred_at < ?", merchantID, before).Where("("+where+")", args...).
		Order("occurred_at DESC").Limit(historyRows).Find(&evs).Error
	if err != nil {
		return h, Translate(err, "imported history")
	}
	d30, d90 := before.Add(-30*24*time.Hour), before.Add(-90*24*time.Hour)
	for _, e := range evs {
		byEmail := emailNorm != "" && e.EmailNorm == emailNorm
		byDevice := device != "" && e.DeviceID == device
		byIP := ip != "" && e.IP == ip
		in30, in90 := !e.OccurredAt.Before(d30), !e.OccurredAt.Before(d90)
		switch e.Kind {
		case models.HistoryOrder:
			if byEmail {
				h.Orders++
				if h.FirstOrderAt.IsZero() || e.OccurredAt.Before(h.FirstOrderAt) {
					h.FirstOrderAt = e.OccurredAt.UTC()
				}
			}
		case models.HistoryClaim:
			count := func(hit bool, n30, n90 *int) {
				if hit && in90 {
					*n90++
					if in30 {
						*n30++
					}
				}
			}
			count(byEmail, &h.ClaimsEmail30d, &h.ClaimsEmail90d)
			count(byDevice, &h.ClaimsDevice30d, &h.ClaimsDevice90d)
			count(byIP, &h.ClaimsIP30d, &h.ClaimsIP90d)
			if byEmail {
				h.ClaimsEver++
				if e.Outcome == "denied" {
					h.Denied++
				}
				if in90 && e.Outcome == "reissued" {
					h.ReissuesEmail90d++
				}
				if in90 && e.Outcome == "refunded" {
					h.RefundsEmail90d++
				}
			}
		case models.HistoryRefund:
			if byEmail && in90 {
				h.RefundsEmail90d++
			}
		case models.HistoryChargeback:
			switch {
			case byEmail || byDevice:
				h.Chargebacks++
			case byIP:
				h.ChargebacksIP++
			}
		}
	}
	return h, nil
}

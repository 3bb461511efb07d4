// Package activities holds every Temporal activity of keydesk as methods on Activities, a
// struct carrying the dependencies (store, secret box, clock). Activities do the I/O; the
// decisions they feed are pure functions in sla, fraud and triage. Each activity documents how
// it is idempotent: Temporal retries activities, so every write is keyed (unique constraints,
// version guards) and a retry finds its own earlier work instead of repeating it.
package activities

import (
	"context"
	"log/slog"
	"time"

	"github.com/keydesk/keydesk/internal/secretbox"
	"github.com/keydesk/keydesk/payments"
	"github.com/keydesk/keydesk/store"
)

// Activities is registered once with the worker; Temporal calls its exported methods.
type Activities struct {
	Store *store.Store
	Box   *secretbox.Box
	Log   *slog.Logger
	// PublicURL is the base of buyer-facing links (status pages).
	PublicURL string
	// Now is the clock (tests pin it); nil means time.Now.
	Now func() time.Time
	// Payments resolves a merchant's payment gateway for refunds (see NewPaymentsRegistry).
	Payments *payments.Registry
	// OutboundQueued, when set, starts the delivery of an outbound message an activity
	// queued (the worker wires tickets.Service's starter); unset, the reconciler starts it
	// within its period.
	OutboundQueued func(ctx context.Context, id uint64)
}

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

func (a *Activities) log() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return slog.Default()
}

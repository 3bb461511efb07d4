package activities

// The key-claim activities of the reissue path (categories key_invalid and key_missing):
// AssessKeyClaim gathers the fraud signals and stores the decision, ReissueKey hands out
// exactly one replacement key per ticket. Neither ever returns, logs or records a secret.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/keydesk/keydesk/fraud"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// KeyClaimInput names the ticket whose key claim is assessed.
type KeyClaimInput struct{ TicketID uint64 }

// KeyClaimAssessment is the stored fraud decision on a ticket's key claim.
type KeyClaimAssessment struct {
	Assessment fraud.Assessment
	OrderID    uint64
	SharedKey  bool
}

// ReissueInput names the ticket that gets a replacement key.
type ReissueInput struct{ TicketID uint64 }

// Reissue outcomes (ReissueResult.Status).
const (
	ReissueDelivered  = "delivered"
	ReissueOutOfStock = "out_of_stock"
	ReissueBlocked    = "blocked"
)

// ReissueResult is the outcome of ReissueKey: ids only, never the secret.
type ReissueResult struct {
	Status                string // delivered | out_of_stock | blocked
	CardKeyID, DeliveryID uint64
	Reason                string
	// SentTo is the masked order contact a stepped-up replacement went to ("b***@x.com");
	// empty when the claimant's status page shows the key.
	SentTo string `json:",omitempty"`
}

// DefaultQuarantineAfterReports is how many distinct buyers reporting keys of one batch
// invalid quarantine the batch automatically, unless the merchant's settings say otherwise
// ("quarantine_after_invalid_reports"; 0 disables).
const DefaultQuarantineAfterReports = 3

// claimSettings is the part of a merchant's settings document the claim path reads.
type claimSettings struct {
	Fraud                         *fraud.Thresholds `json:"fraud"`
	QuarantineAfterInvalidReports *int              `json:"quarantine_after_invalid_reports"`
	// AutoReissuesPerOrder bounds the automatic replacements one order gets (default 1);
	// further claims on the order go to a person.
	AutoReissuesPerOrder *int `json:"auto_reissues_per_order"`
	// HighValueAmount is the merchant's "expensive order" line in minor units (0: five
	// times the merchant's median order).
	HighValueAmount *int64 `json:"high_value_amount"`
}

// DefaultAutoReissuesPerOrder is how many automatic replacement keys one order may get
// unless the merchant's settings say otherwise ("auto_reissues_per_order").
const DefaultAutoReissuesPerOrder = 1

// autoReissueLimit is the merchant's per-order limit of automatic replacements (at least 1).
func (cs claimSettings) autoReissueLimit() int {
	if cs.AutoReissuesPerOrder != nil && *cs.AutoReissuesPerOrder >= 1 {
		return *cs.AutoReissuesPerOrder
	}
	return DefaultAutoReissuesPerOrder
}

// ClaimAssessmentKey is the fraud_assessments.assessment_key of a ticket's key claim.
func ClaimAssessmentKey(ticketID uint64) string { return fmt.Sprintf("ticket:%d:claim", ticketID) }

// storedSignals is what the signals column holds: the signals and the thresholds used.
type storedSignals struct {
	fraud.Signals
	Thresholds fraud.Thresholds `json:"thresholds"`
}

// AssessKeyClaim gathers the fraud signals for the ticket's claim, scores them with the
// merchant's thresholds (merchant settings "fraud"; defaults fraud.DefaultThresholds()),
// and stores a fraud_assessments row with hits, signals and ruleset version. When a key
// invalid claim brings the distinct buyers reporting keys of one batch to the merchant's
// limit (default 3), the batch is quarantined and a notification raised.
//
// Idempotent: the row is keyed "ticket:<id>:claim" (unique). A retry, or a second call,
// returns the stored assessment instead of scoring again, so the decision never changes
// under the workflow; quarantine is a no-op on a quarantined batch and its notification
// has a dedupe key.
func (a *Activities) AssessKeyClaim(ctx context.Context, in KeyClaimInput) (KeyClaimAssessment, error) {
	c, err := a.Store.LoadClaim(ctx, in.TicketID, false)
	if err != nil {
		return KeyClaimAssessment{}, fmt.Errorf("assess key claim: %w", err)
	}
	out := KeyClaimAssessment{}
	if c.Order != nil {
		out.OrderID = c.Order.ID
	}
	if c.Product != nil {
		out.SharedKey = c.Product.SharedKey
	}
	if fa, err := a.Store.FraudAssessmentByKey(ctx, ClaimAssessmentKey(in.TicketID)); err == nil {
		out.Assessment, err = assessmentFromRow(fa)
		return out, err
	} else if !errors.Is(err, store.ErrNotFound) {
		return out, fmt.Errorf("assess key claim: %w", err)
	}
	settings := a.claimSettings(ctx, c.Ticket.MerchantID)
	sig, err := a.GatherSignals(ctx, c)
	if err != nil {
		return out, fmt.Errorf("assess key claim %d: %w", in.TicketID, err)
	}
	sig.AutoReissueLimit = settings.autoReissueLimit()
	if settings.HighValueAmount != nil {
		sig.HighValueAmount = *settings.HighValueAmount
	}
	th := fraud.DefaultThresholds()
	if settings.Fraud != nil {
		th = *settings.Fraud
	}
	var row models.FraudAssessment
	err = a.Store.RetryTx(ctx, reissueTxAttempts, func(ctx context.Context) error {
		s := sig
		as := fraud.Assess(s, th)
		if as.AutoReissue() && c.Order != nil && claimKind(c.Ticket.Category) {
			// The order's automatic replacement is taken here, in the database: a
			// concurrent claim on the same order finds it gone and goes to a person.
			ok, err := a.Store.TakeAutoReissue(ctx, c.Ticket.MerchantID, c.Order.ID, c.Ticket.ID, s.AutoReissueLimit, a.now())
			if err != nil {
				return err
			}
			if !ok {
				s.OrderReplacements = max(s.OrderReplacements, s.AutoReissueLimit)
				as = fraud.Assess(s, th)
			}
		}
		row = assessmentRow(c, as, s, a.now())
		if _, err := a.Store.SaveFraudAssessment(ctx, &row); err != nil {
			return err
		}
		cc := claimContext(c, s, a.now())
		return a.Store.SaveClaimContext(ctx, &cc)
	})
	if err != nil {
		return out, fmt.Errorf("assess key claim %d: %w", in.TicketID, err)
	}
	if out.Assessment, err = assessmentFromRow(row); err != nil {
		return out, err
	}
	if err := a.autoQuarantine(ctx, c, sig, settings); err != nil {
		return out, fmt.Errorf("assess key claim %d: %w", in.TicketID, err)
	}
	return out, nil
}

func assessmentRow(c store.Claim, as fraud.Assessment, sig fraud.Signals, now time.Time) models.FraudAssessment {
	row := models.FraudAssessment{
		MerchantID:     c.Ticket.MerchantID,
		TicketID:       c.Ticket.ID,
		AssessmentKey:  ClaimAssessmentKey(c.Ticket.ID),
		Score:          as.Score,
		Decision:       string(as.Decision),
		Hits:           models.PackedJSON(models.MustJSON(as.Hits)),
		Signals:        models.PackedJSON(models.MustJSON(storedSignals{Signals: sig, Thresholds: as.Thresholds})),
		RulesetVersion: as.RulesetVersion,
		CreatedAt:      now,
	}
	if c.Order != nil {
		oid := c.Order.ID
		row.OrderID = &oid
	}
	return row
}

// assessmentFromRow rebuilds the assessment a row stores.
func assessmentFromRow(fa models.FraudAssessment) (fraud.Assessment, error) {
	as := fraud.Assessment{Score: fa.Score, Decision: fraud.Decision(fa.Decision), RulesetVersion: fa.RulesetVersion, Hits: []fraud.Hit{}}
	if err := fa.Hits.Decode(&as.Hits); err != nil {
		return as, fmt.Errorf("decode stored hits: %w", err)
	}
	var sig storedSignals
	if err := fa.Signals.Decode(&sig); err != nil {
		return as, fmt.Errorf("decode stored signals: %w", err)
	}
	as.Thresholds = sig.Thresholds
	if sig.SharedKey {
		as.Blocked, as.BlockReason = true, fraud.SharedKeyBlockReason
	}
	return as, nil
}

// claimSettings reads the merchant's settings; a missing or unreadable document means
// the defaults (logged, never fatal: the claim must still be assessed).
func (a *Activities) claimSettings(ctx context.Context, merchantID uint64) claimSettings {
	var cs claimSettings
	_, raw, err := a.Store.MerchantSettings(ctx, merchantID)
	if err == nil {
		err = raw.Decode(&cs)
	}
	if err != nil {
		a.log().Warn("merchant settings unreadable; using defaults", "merchant_id", merchantID, "err", err)
		return claimSettings{}
	}
	return cs
}

// GatherSignals collects the fraud signals of a claim from tickets, orders, deliveries,
// refunds, disputes and key events. Every count excludes the claim's own ticket and is
// bounded by the claim's time, so re-gathering later gives the same answer.
func (a *Activities) GatherSignals(ctx context.Context, c store.Claim) (fraud.Signals, error) {
	t := c.Ticket
	claimAt := t.CreatedAt.UTC()
	sig := fraud.Signals{Kind: fraud.ClaimKind(t.Category), ClaimAt: claimAt, ClaimIP: t.CustomerIP}
	if t.Channel == "web" {
		// Only the buyer form's user agent is the buyer's; an integration's is the shop's.
		sig.ClaimUserAgent = t.CustomerUserAgent
	}
	email := t.CustomerEmail
	if email == "" && c.Order != nil {
		email = c.Order.BuyerEmail
	}
	if err := a.gatherHistory(ctx, t, email, &sig); err != nil {
		return sig, err
	}
	if err := a.gatherIdentity(ctx, c, email, &sig); err != nil {
		return sig, err
	}
	if c.Order != nil {
		if err := a.gatherOrder(ctx, c, email, &sig); err != nil {
			return sig, err
		}
		if err := a.gatherOrderContext(ctx, c, &sig); err != nil {
			return sig, err
		}
	}
	return sig, a.gatherImported(ctx, c, email, &sig)
}

// gatherHistory fills the buyer's claim, reissue and refund counts.
func (a *Activities) gatherHistory(ctx context.Context, t models.Ticket, email string, sig *fraud.Signals) error {
	st, m := a.Store, t.MerchantID
	ip := t.CustomerIP
	if !fraud.LinkableIP(ip) {
		ip = "" // a proxy's or private address: claims from it are not this buyer's
	}
	w30 := store.Window{From: sig.ClaimAt.Add(-30 * 24 * time.Hour), To: sig.ClaimAt}
	w90 := store.Window{From: sig.ClaimAt.Add(-90 * 24 * time.Hour), To: sig.ClaimAt}
	counts := []struct {
		dst    *int
		column string
		value  string
		w      store.Window
	}{
		{&sig.ClaimsByEmail30d, "customer_email", email, w30},
		{&sig.ClaimsByEmail90d, "customer_email", email, w90},
		{&sig.ClaimsByIP30d, "customer_ip", ip, w30},
		{&sig.ClaimsByIP90d, "customer_ip", ip, w90},
		{&sig.ClaimsByDevice30d, "device_id", t.DeviceID, w30},
		{&sig.ClaimsByDevice90d, "device_id", t.DeviceID, w90},
	}
	// The claims and replacements of this claim's own order are left out: the order's rules
	// (OrderClaims, OrderReplacements) count them.
	not := store.OtherThan{Ticket: t.ID}
	if t.OrderID != nil {
		not.Order = *t.OrderID
	}
	var err error
	for _, q := range counts {
		if *q.dst, err = st.CountClaims(ctx, m, q.column, q.value, not, q.w); err != nil {
			return err
		}
	}
	if sig.ReissuesByEmail90d, err = st.CountReissuesByEmail(ctx, m, email, not, w90); err != nil {
		return err
	}
	// Replacements allowed but not delivered yet count too: a burst of claims must not
	// look fresh while the first replacement is still on its way.
	held, err := st.CountHeldReissuesByEmail(ctx, m, email, not, w90)
	if err != nil {
		return err
	}
	sig.ReissuesByEmail90d += held
	sig.RefundsByEmail90d, err = st.CountRefundsByEmail(ctx, m, email, w90)
	return err
}

// gatherOrder fills the signals that need the order: reveal, batch reports, chargebacks,
// IP, value and velocity.
func (a *Activities) gatherOrder(ctx context.Context, c store.Claim, email string, sig *fraud.Signals) error {
	st, o := a.Store, c.Order
	sig.OrderIP = o.BuyerIP
	sig.OrderAmount, sig.OrderQuantity = o.Amount, o.Quantity
	sig.SharedKey = c.Product.SharedKey
	sig.ProductNormAmount = c.Product.Price * int64(max(o.Quantity, 1))
	first, err := st.FirstReveal(ctx, o.ID, c.ReportedKey)
	if err != nil {
		return err
	}
	if first != nil {
		sig.KeyRevealed, sig.FirstRevealAt = true, *first
	}
	if c.ReportedKey != nil {
		if sig.BatchInvalidReports, err = a.batchReporters(ctx, c, email, sig.ClaimAt); err != nil {
			return err
		}
	}
	if sig.Chargebacks, err = st.CountChargebacks(ctx, o.MerchantID, email, "", c.Ticket.DeviceID); err != nil {
		return err
	}
	if fraud.LinkableIP(c.Ticket.CustomerIP) {
		if sig.ChargebacksSameIP, err = st.CountChargebacks(ctx, o.MerchantID, "", c.Ticket.CustomerIP, ""); err != nil {
			return err
		}
	}
	if sig.OrderRefunded, err = st.OrderRefunded(ctx, o.ID, c.Ticket.ID, sig.ClaimAt); err != nil {
		return err
	}
	sig.OrdersByEmail24h, err = st.CountOrdersByEmail(ctx, o.MerchantID, o.BuyerEmail, velocityWindow(o.PaidAt, sig.ClaimAt))
	return err
}

// velocityWindow is the order's day for order velocity: the 24 hours before the order and
// the 24 after it, up to the claim. A burst is one burst whichever of its orders the claim
// names; orders after the claim are not known when it is filed.
func velocityWindow(paidAt, claimAt time.Time) store.Window {
	paid := paidAt.UTC()
	end := paid.Add(24 * time.Hour)
	if c := claimAt.UTC(); c.Before(end) {
		end = c
	}
	if end.Before(paid) {
		end = paid
	}
	return store.Window{From: paid.Add(-24 * time.Hour), To: end.Add(time.Microsecond)}
}

// NotifyBatchQuarantined is the notification kind raised when a batch is quarantined.
const NotifyBatchQuarantined = "batch_quarantined"

// autoQuarantine quarantines the reported key's batch when this key_invalid claim brings
// the distinct buyers reporting it to the merchant's limit. Idempotent (see AssessKeyClaim).
func (a *Activities) autoQuarantine(ctx context.Context, c store.Claim, sig fraud.Signals, cs claimSettings) error {
	limit := DefaultQuarantineAfterReports
	if cs.QuarantineAfterInvalidReports != nil {
		limit = *cs.QuarantineAfterInvalidReports
	}
	if limit <= 0 || c.ReportedKey == nil || sig.Kind != fraud.ClaimInvalid || sig.BatchInvalidReports+1 < limit {
		return nil
	}
	batchID, m := c.ReportedKey.BatchID, c.Ticket.MerchantID
	reason := fmt.Sprintf("%d distinct, unlinked buyers reported keys of this batch invalid (limit %d)", sig.BatchInvalidReports+1, limit)
	now := a.now()
	audit := &models.AuditEntry{MerchantID: &m, ActorEmail: "system", Action: "batch.quarantine.auto",
		TargetType: "key_batch", TargetID: fmt.Sprint(batchID), CreatedAt: now}
	n, changed, err := a.Store.QuarantineBatch(ctx, m, batchID, reason, now, audit)
	if err != nil || !changed {
		return err
	}
	pid := c.ReportedKey.ProductID
	tid := c.Ticket.ID
	_, err = a.Store.RaiseNotification(ctx, &models.Notification{
		MerchantID: m, TicketID: &tid, ProductID: &pid, Kind: NotifyBatchQuarantined, RecipientRole: "supervisor",
		Title:     fmt.Sprintf("Key batch %d quarantined automatically", batchID),
		Body:      fmt.Sprintf("%s; %d available keys withdrawn. Check the supplier.", reason, n),
		DedupeKey: fmt.Sprintf("batch_quarantine:%d", batchID), CreatedAt: now,
	})
	return err
}

// reissueTxAttempts bounds the re-runs of the reissue transaction after a deadlock.
const reissueTxAttempts = 8

// ReissueKey hands the ticket's buyer exactly one replacement key, ever. In ONE
// transaction it locks the ticket row, returns the existing reissue delivery of the ticket
// if there is one, else reserves an available key of the order's product (MySQL: SELECT …
// FOR UPDATE SKIP LOCKED LIMIT 1; SQLite: BEGIN IMMEDIATE serialises writers), marks it
// delivered with order and ticket links, inserts the deliveries row, retires the order's
// reported key (reported_invalid, or revoked for a key_missing claim) and writes the
// "delivered" key event (source keydesk). A shared-key product is blocked; no stock is
// out_of_stock, never a fake delivery. After the commit the product's stock is checked
// and a low-stock notification raised (one per product per day).
//
// Idempotent: the existing delivery is returned on any repeat; deliveries' unique
// (ticket_id, kind) and unique card_key_id back this up against a concurrent duplicate
// (its ErrDuplicate is answered with the delivery that won). A crash after the commit
// leaves the delivery, which the retry returns.
func (a *Activities) ReissueKey(ctx context.Context, in ReissueInput) (ReissueResult, error) {
	var res ReissueResult
	var product *models.Product
	var outbound uint64
	err := a.Store.RetryTx(ctx, reissueTxAttempts, func(ctx context.Context) error {
		var err error
		res, product, outbound, err = a.reissueTx(ctx, in.TicketID)
		return err
	})
	if errors.Is(err, store.ErrDuplicate) {
		if d, derr := a.Store.ReissueDelivery(ctx, in.TicketID); derr == nil {
			return deliveredResult(d), nil
		}
	}
	if err != nil {
		return ReissueResult{}, fmt.Errorf("reissue key for ticket %d: %w", in.TicketID, err)
	}
	if outbound != 0 && a.OutboundQueued != nil {
		// The message is committed; a failed start is caught up by the reconciler.
		a.OutboundQueued(ctx, outbound)
	}
	if product != nil && res.Status != ReissueBlocked {
		if _, err := a.Store.CheckLowStock(ctx, *product, a.now()); err != nil {
			return res, fmt.Errorf("reissue key for ticket %d: low-stock check: %w", in.TicketID, err)
		}
	}
	return res, nil
}

// reissueTx is the body of ReissueKey's transaction. outbound is the id of the message
// queued to the order's contact by a stepped-up delivery (0: none).
func (a *Activities) reissueTx(ctx context.Context, ticketID uint64) (res ReissueResult, p *models.Product, outbound uint64, err error) {
	c, err := a.Store.LoadClaim(ctx, ticketID, true)
	if err != nil {
		return ReissueResult{}, nil, 0, err
	}
	if d, err := a.Store.ReissueDelivery(ctx, ticketID); err == nil {
		return deliveredResult(d), c.Product, 0, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return ReissueResult{}, nil, 0, err
	}
	switch {
	case c.Order == nil:
		return ReissueResult{Status: ReissueBlocked, Reason: "the ticket names no order, so there is nothing to replace"}, nil, 0, nil
	case c.Product.SharedKey:
		return ReissueResult{Status: ReissueBlocked, Reason: fraud.SharedKeyBlockReason}, c.Product, 0, nil
	}
	stepUp, err := a.stepUpRequired(ctx, ticketID, c.Ticket.MerchantID)
	if err != nil {
		return ReissueResult{}, nil, 0, err
	}
	if stepUp && strings.TrimSpace(c.Order.BuyerEmail) == "" {
		return ReissueResult{Status: ReissueBlocked, Reason: StepUpNoContactReason}, c.Product, 0, nil
	}
	auto, err := a.automaticReissue(ctx, c)
	if err != nil {
		return ReissueResult{}, nil, 0, err
	}
	if auto {
		ok, err := a.Store.TakeAutoReissue(ctx, c.Ticket.MerchantID, c.Order.ID, ticketID, a.claimSettings(ctx, c.Ticket.MerchantID).autoReissueLimit(), a.now())
		if err != nil {
			return ReissueResult{}, nil, 0, err
		}
		if !ok {
			return ReissueResult{Status: ReissueBlocked, Reason: OrderReplacedBlockReason}, c.Product, 0, nil
		}
	}
	key, err := a.Store.ReserveAvailableKey(ctx, c.Product.ID)
	if errors.Is(err, store.ErrNotFound) {
		return ReissueResult{Status: ReissueOutOfStock, Reason: fmt.Sprintf("no key of %s is in stock", c.Product.SKU)}, c.Product, 0, nil
	}
	if err != nil {
		return ReissueResult{}, nil, 0, err
	}
	now := a.now()
	d, err := a.Store.DeliverReissue(ctx, *c.Order, key.ID, ticketID, now)
	if err != nil {
		return ReissueResult{}, nil, 0, err
	}
	// The replacement's tail grams (keyed hashes only), so the buyer quoting its end is found.
	// Best effort: a key this box cannot open is logged (by id) and left to `search reindex`,
	// never a reason to withhold the replacement.
	if secret, err := a.Box.Open(key.SecretCipher, store.CardKeyAAD(key.ProductID)); err != nil {
		a.log().Warn("replacement key not fragment-indexed: cannot open it", "card_key_id", key.ID, "err", err)
	} else if err := a.Store.IndexKeyGrams(ctx, c.Ticket.MerchantID, key.ID, store.KeyGramHashes(a.Box, c.Ticket.MerchantID, string(secret))); err != nil {
		return ReissueResult{}, nil, 0, err
	}
	if auto {
		if err := a.Store.MarkAutoReissueDelivered(ctx, ticketID, d.ID, now); err != nil {
			return ReissueResult{}, nil, 0, err
		}
	}
	if stepUp {
		if outbound, err = a.sendToOrderContact(ctx, c, d, now); err != nil {
			return ReissueResult{}, nil, 0, err
		}
		d.SentTo = strings.TrimSpace(c.Order.BuyerEmail)
	}
	if c.ReportedKey != nil {
		status := models.KeyReportedInvalid
		if c.Ticket.Category == string(fraud.ClaimMissing) {
			status = models.KeyRevoked
		}
		if err := a.Store.RetireReportedKey(ctx, c.ReportedKey.ID, status, now); err != nil {
			return ReissueResult{}, nil, 0, err
		}
	}
	return deliveredResult(d), c.Product, outbound, nil
}

// deliveredResult is ReissueKey's answer for a replacement delivery.
func deliveredResult(d models.Delivery) ReissueResult {
	return ReissueResult{Status: ReissueDelivered, CardKeyID: d.CardKeyID, DeliveryID: d.ID, SentTo: MaskAddress(d.SentTo)}
}

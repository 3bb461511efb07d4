// Package inventory manages keydesk's card-key stock: imports (lines, CSV, JSON; all or
// nothing, duplicates reported per line), stock levels and low-stock alerts, batch
// quarantine, the shop's signed order and key-event pushes, and the two ways a secret ever
// leaves the store (staff reveal, buyer's replacement key).
//
// Secrets are sealed with AES-256-GCM bound to their product (store.CardKeyAAD) and
// fingerprinted with a keyed hash (Box.Hash(store.CardKeyHashScope(product), secret)); no
// report, log line, error or event here carries a secret.
package inventory

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/keydesk/keydesk/internal/secretbox"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// Opts configure a Service.
type Opts struct {
	Store  *store.Store
	Box    *secretbox.Box
	Log    *slog.Logger
	Limits Limits           // zero means DefaultLimits()
	Now    func() time.Time // nil means time.Now
}

// Service is the inventory.
type Service struct {
	st     *store.Store
	box    *secretbox.Box
	log    *slog.Logger
	limits Limits
	now    func() time.Time
}

// New builds a Service.
func New(o Opts) *Service {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Limits == (Limits{}) {
		o.Limits = DefaultLimits()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{st: o.Store, box: o.Box, log: o.Log, limits: o.Limits, now: o.Now}
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Batch sources.
const (
	SourceAPI         = "api"
	SourceCLI         = "cli"
	SourceIntegration = "integration"
)

// ImportInput is one import of keys for one product.
type ImportInput struct {
	MerchantID uint64
	SKU        string
	Format     string // lines | csv | json | "" (sniff)
	Body       io.Reader
	Label      string
	Supplier   string
	Source     string // api, cli, integration
	ImportedBy *uint64
}

// Report is the outcome of an import. Errors lists every rejected line; when it is not
// empty nothing was imported.
type Report struct {
	SKU       string      `json:"sku"`
	ProductID uint64      `json:"product_id"`
	Format    string      `json:"format"`
	BatchID   uint64      `json:"batch_id,omitempty"`
	Total     int         `json:"total"`
	Imported  int         `json:"imported"`
	Rejected  int         `json:"rejected"`
	Errors    []LineError `json:"errors"`
}

// Import reads, checks, seals and stores the keys of one body as one batch, all or
// nothing. A line whose key is malformed, appears earlier in the file, or is already in
// stock for the product is reported (line number, masked key, reason); any such line, a
// malformed or oversized body, or a database error means nothing is written. The error
// wraps ErrRejected, ErrMalformed, ErrTooLarge, ErrEmpty or store.ErrNotFound (unknown SKU).
func (s *Service) Import(ctx context.Context, in ImportInput) (Report, error) {
	rep := Report{SKU: in.SKU, Errors: []LineError{}}
	if in.Source == "" {
		in.Source = SourceAPI
	}
	p, err := s.st.ProductBySKU(ctx, in.MerchantID, in.SKU)
	if err != nil {
		return rep, fmt.Errorf("import keys: %w", err)
	}
	rep.ProductID = p.ID
	body, err := readBody(in.Body, s.limits.MaxBytes)
	if err != nil {
		return rep, err
	}
	rep.Format = in.Format
	if rep.Format == "" {
		rep.Format = Sniff(body)
	}
	lines, err := Parse(rep.Format, body)
	if err != nil {
		return rep, err
	}
	rep.Total = len(lines)
	switch {
	case len(lines) == 0:
		return rep, ErrEmpty
	case len(lines) > s.limits.MaxKeys:
		return rep, fmt.Errorf("%w: %d keys, at most %d per import", ErrTooLarge, len(lines), s.limits.MaxKeys)
	}
	keys, errs, err := s.checkLines(ctx, p, lines)
	if err != nil {
		return rep, err
	}
	if len(errs) > 0 {
		rep.Errors, rep.Rejected = errs, len(errs)
		return rep, fmt.Errorf("%w: %d of %d lines", ErrRejected, len(errs), len(lines))
	}
	batch := models.KeyBatch{MerchantID: in.MerchantID, ProductID: p.ID, Label: truncate(in.Label, 200),
		Supplier: truncate(in.Supplier, 200), Source: in.Source, ImportedBy: in.ImportedBy, CreatedAt: s.clock()}
	if err := s.st.InsertKeyBatch(ctx, &batch, keys); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			// A concurrent import stored one of these keys between the check and the insert.
			return rep, fmt.Errorf("%w: a key was imported concurrently; retry to get the line report", ErrRejected)
		}
		return rep, fmt.Errorf("import keys: %w", err)
	}
	rep.BatchID, rep.Imported = batch.ID, len(keys)
	s.log.Info("keys imported", "merchant_id", in.MerchantID, "sku", p.SKU, "batch_id", batch.ID, "keys", len(keys), "source", in.Source)
	if _, err := s.st.CheckLowStock(ctx, p, s.clock()); err != nil {
		s.log.Warn("low-stock check after import failed", "sku", p.SKU, "err", err)
	}
	return rep, nil
}

// checkLines validates every line, seals the good ones and reports the bad ones.
func (s *Service) checkLines(ctx context.Context, p models.Product, lines []Line) ([]models.CardKey, []LineError, error) {
	scope := store.CardKeyHashScope(p.ID)
	aad := store.CardKeyAAD(p.ID)
	var errs []LineError
	firstLine := make(map[string]int, len(lines))
	hashes := make([]string, len(lines))
	for i, l := range lines {
		if reason := CheckSecret(l.Secret, s.limits); reason != "" {
			errs = append(errs, LineError{Line: l.No, Key: maskForReport(l.Secret), Reason: reason})
			continue
		}
		h := s.box.Hash(scope, l.Secret)
		if prev, dup := firstLine[h]; dup {
			errs = append(errs, LineError{Line: l.No, Key: maskForReport(l.Secret), Reason: fmt.Sprintf("duplicate of line %d", prev)})
			continue
		}
		firstLine[h] = l.No
		hashes[i] = h
	}
	existing, err := s.st.ExistingKeyHashes(ctx, p.ID, nonEmpty(hashes))
	if err != nil {
		return nil, nil, fmt.Errorf("import keys: %w", err)
	}
	keys := make([]models.CardKey, 0, len(lines))
	for i, l := range lines {
		h := hashes[i]
		switch {
		case h == "":
		case existing[h]:
			errs = append(errs, LineError{Line: l.No, Key: maskForReport(l.Secret), Reason: "already in stock for this product"})
		default:
			keys = append(keys, models.CardKey{SecretCipher: s.box.Seal([]byte(l.Secret), aad), SecretHash: h, Status: models.KeyAvailable})
		}
	}
	sortLineErrors(errs)
	return keys, errs, nil
}

func nonEmpty(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func sortLineErrors(errs []LineError) {
	slices.SortStableFunc(errs, func(a, b LineError) int { return a.Line - b.Line })
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Stock returns the merchant's stock levels per product.
func (s *Service) Stock(ctx context.Context, merchantID uint64) ([]store.ProductStock, error) {
	return s.st.Stock(ctx, merchantID)
}

// QuarantineResult is the outcome of Quarantine.
type QuarantineResult struct {
	BatchID       uint64 `json:"batch_id"`
	KeysWithdrawn int64  `json:"keys_withdrawn"`
	// Changed is false when the batch was already quarantined (nothing done).
	Changed bool `json:"changed"`
}

// QuarantineActor is who quarantines a batch, for the audit log.
type QuarantineActor struct {
	UserID    uint64
	Email     string
	IP        string
	UserAgent string
}

// Quarantine withdraws every available key of the merchant's batch and marks the batch
// quarantined, audited in the same transaction. Repeating it is a no-op (Changed false).
// A batch of another merchant is store.ErrNotFound.
func (s *Service) Quarantine(ctx context.Context, merchantID, batchID uint64, reason string, actor QuarantineActor) (QuarantineResult, error) {
	if reason == "" {
		return QuarantineResult{}, errors.New("quarantine: a reason is required")
	}
	now := s.clock()
	n, changed, err := s.st.QuarantineBatch(ctx, merchantID, batchID, reason, now, batchAudit("batch.quarantine", merchantID, batchID, actor, now))
	if err != nil {
		return QuarantineResult{}, fmt.Errorf("quarantine batch %d: %w", batchID, err)
	}
	if changed {
		s.raiseLowStockForBatch(ctx, merchantID, batchID)
	}
	return QuarantineResult{BatchID: batchID, KeysWithdrawn: n, Changed: changed}, nil
}

// batchAudit is the audit line of a person's action on a key batch (quarantine, release),
// written by the store in the action's transaction.
func batchAudit(action string, merchantID, batchID uint64, actor QuarantineActor, at time.Time) *models.AuditEntry {
	m := merchantID
	audit := &models.AuditEntry{MerchantID: &m, ActorEmail: actor.Email, Action: action, TargetType: "key_batch",
		TargetID: fmt.Sprint(batchID), IP: actor.IP, UserAgent: truncate(actor.UserAgent, 300), CreatedAt: at}
	if actor.UserID != 0 {
		uid := actor.UserID
		audit.ActorID = &uid
	}
	return audit
}

// raiseLowStockForBatch re-checks the stock of the batch's product (best effort).
func (s *Service) raiseLowStockForBatch(ctx context.Context, merchantID, batchID uint64) {
	b, err := s.st.KeyBatchByID(ctx, merchantID, batchID)
	if err == nil {
		var p models.Product
		if p, err = s.st.ProductByID(ctx, merchantID, b.ProductID); err == nil {
			_, err = s.st.CheckLowStock(ctx, p, s.clock())
		}
	}
	if err != nil {
		s.log.Warn("low-stock check after quarantine failed", "batch_id", batchID, "err", err)
	}
}

// RevealKey decrypts one of the merchant's card keys for a permitted staff member. The
// caller (POST /card-keys/{id}/reveal) authorises and audits; this function only refuses
// keys of other merchants (store.ErrNotFound) and never logs the secret.
func (s *Service) RevealKey(ctx context.Context, merchantID, keyID uint64) (string, error) {
	k, err := s.st.CardKeyByID(ctx, merchantID, keyID)
	if err != nil {
		return "", fmt.Errorf("reveal key: %w", err)
	}
	return s.open(k)
}

func (s *Service) open(k models.CardKey) (string, error) {
	pt, err := s.box.Open(k.SecretCipher, store.CardKeyAAD(k.ProductID))
	if err != nil {
		return "", fmt.Errorf("reveal key %d: %w", k.ID, err)
	}
	return string(pt), nil
}

// ErrNoReplacement means the ticket has no replacement key (yet).
var ErrNoReplacement = errors.New("no replacement key for this ticket")

// Replacement is a revealed replacement key.
type Replacement struct {
	CardKeyID   uint64    `json:"card_key_id"`
	Secret      string    `json:"secret"`
	DeliveredAt time.Time `json:"delivered_at"`
}

// RevealReplacement shows the buyer of a ticket its replacement key: it decrypts the key
// of the ticket's reissue delivery, records a "revealed" key event (source keydesk, with
// the buyer's IP and user agent) and sets the key's first_revealed_at if unset, in one
// transaction. The caller has verified the ticket's access token. ErrNoReplacement when the
// ticket has no reissue delivery, ErrSentToContact when it went to the order's contact.
func (s *Service) RevealReplacement(ctx context.Context, t models.Ticket, ip, userAgent string) (Replacement, error) {
	var out Replacement
	err := s.st.InTx(ctx, func(ctx context.Context) error {
		d, err := s.st.ReissueDelivery(ctx, t.ID)
		if errors.Is(err, store.ErrNotFound) {
			return ErrNoReplacement
		}
		if err != nil {
			return err
		}
		if d.SentTo != "" {
			return ErrSentToContact // only the pickup link sent to the order's contact shows it
		}
		out, err = s.revealDelivery(ctx, t.MerchantID, d, ip, userAgent)
		return err
	})
	if err != nil && !errors.Is(err, ErrNoReplacement) && !errors.Is(err, ErrSentToContact) {
		return Replacement{}, fmt.Errorf("reveal replacement for ticket %d: %w", t.ID, err)
	}
	return out, err
}

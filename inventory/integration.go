package inventory

// The shop's signed pushes: orders with their delivered keys, and key events (delivered,
// emailed, revealed). Signature checking is pure (Sign / VerifySignature); the API layer
// reads the headers and calls it before anything is parsed or written.

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// ReplayWindow is how far a signed request's timestamp may be from now, either way.
const ReplayWindow = 5 * time.Minute

// Signature errors.
var (
	ErrBadSignature   = errors.New("bad signature")
	ErrStaleTimestamp = errors.New("timestamp outside the replay window")
	ErrNoSecret       = errors.New("merchant has no integration secret")
)

// Sign returns the X-Keydesk-Signature value of a body:
// "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)).
func Sign(secret []byte, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifySignature checks a signed request: timestamp (unix seconds) within ReplayWindow
// of now, and signature equal to Sign(secret, timestamp, body) in constant time.
func VerifySignature(secret []byte, timestamp, signature string, body []byte, now time.Time) error {
	sec, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q is not unix seconds", ErrStaleTimestamp, timestamp)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > ReplayWindow || d < -ReplayWindow {
		return fmt.Errorf("%w: %s off", ErrStaleTimestamp, d.Round(time.Second))
	}
	want := Sign(secret, timestamp, body)
	if !hmac.Equal([]byte(want), []byte(strings.TrimSpace(signature))) {
		return ErrBadSignature
	}
	return nil
}

// IntegrationSecret opens a merchant's sealed integration secret.
func (s *Service) IntegrationSecret(m models.Merchant) ([]byte, error) {
	if len(m.IntegrationSecretCipher) == 0 {
		return nil, ErrNoSecret
	}
	pt, err := s.box.Open(m.IntegrationSecretCipher, store.IntegrationSecretAAD(m.ID))
	if err != nil {
		return nil, fmt.Errorf("open integration secret of merchant %d: %w", m.ID, err)
	}
	return pt, nil
}

// RotateIntegrationSecret gives the merchant a new random integration secret (48 hex
// characters), stores it sealed and returns it once; the old one stops working at once.
func (s *Service) RotateIntegrationSecret(ctx context.Context, merchantID uint64) (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("rotate integration secret: %w", err)
	}
	secret := hex.EncodeToString(b)
	if err := s.st.SetIntegrationSecret(ctx, merchantID, s.box.Seal([]byte(secret), store.IntegrationSecretAAD(merchantID))); err != nil {
		return "", err
	}
	return secret, nil
}

// ValidationError lists what is wrong with a pushed body, per field. Nothing was written.
type ValidationError struct{ Fields map[string]string }

// Error lists the fields and what is wrong with each, in field order.
func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k]
	}
	return "invalid body: " + strings.Join(parts, "; ")
}

func (e *ValidationError) add(field, msg string) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, ok := e.Fields[field]; !ok {
		e.Fields[field] = msg
	}
}

func (e *ValidationError) orNil() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// ErrOrderConflict: an order with that number exists with different contents.
var ErrOrderConflict = errors.New("order exists with different contents")

// OrderPush is the body of POST /api/v1/integrations/orders. Keys are the secrets the
// shop delivered with the order, in the clear over the signed request; they are sealed at
// once and never echoed.
type OrderPush struct {
	OrderNo      string    `json:"order_no"`
	SKU          string    `json:"sku"`
	Quantity     int       `json:"quantity"`
	Amount       int64     `json:"amount"`
	Currency     string    `json:"currency"`
	BuyerEmail   string    `json:"buyer_email"`
	BuyerContact string    `json:"buyer_contact"`
	BuyerIP      string    `json:"buyer_ip"`
	DeviceID     string    `json:"device_id"`
	PaidAt       time.Time `json:"paid_at"`
	PaymentRef   string    `json:"payment_ref"`
	Gateway      string    `json:"gateway"`
	Keys         []string  `json:"keys"`
}

// validate checks the fields that need no database.
func (p *OrderPush) validate(l Limits) *ValidationError {
	v := &ValidationError{}
	checkLen := func(field, val string, n int, required bool) {
		switch {
		case required && strings.TrimSpace(val) == "":
			v.add(field, "required")
		case len(val) > n:
			v.add(field, fmt.Sprintf("at most %d characters", n))
		}
	}
	checkLen("order_no", p.OrderNo, 64, true)
	checkLen("sku", p.SKU, 64, true)
	checkLen("buyer_contact", p.BuyerContact, 200, false)
	checkLen("buyer_ip", p.BuyerIP, 64, false)
	checkLen("device_id", p.DeviceID, 128, false)
	checkLen("payment_ref", p.PaymentRef, 128, false)
	checkLen("gateway", p.Gateway, 32, false)
	if p.Quantity < 1 || p.Quantity > 1000 {
		v.add("quantity", "must be 1 to 1000")
	}
	if p.Amount < 0 {
		v.add("amount", "must be zero or more (minor units)")
	}
	if len(p.Currency) != 3 || strings.ToUpper(p.Currency) != p.Currency {
		v.add("currency", "must be a 3-letter upper-case ISO code")
	}
	if a, err := mail.ParseAddress(p.BuyerEmail); err != nil || a.Address != p.BuyerEmail || len(p.BuyerEmail) > 254 {
		v.add("buyer_email", "must be a plain e-mail address")
	}
	if p.PaidAt.IsZero() {
		v.add("paid_at", "required (RFC 3339)")
	}
	if len(p.Keys) > p.Quantity && p.Quantity > 0 {
		v.add("keys", fmt.Sprintf("%d keys for a quantity of %d", len(p.Keys), p.Quantity))
	}
	seen := map[string]int{}
	for i, k := range p.Keys {
		f := fmt.Sprintf("keys[%d]", i)
		if r := CheckSecret(k, l); r != "" {
			v.add(f, r)
		} else if j, dup := seen[k]; dup {
			v.add(f, fmt.Sprintf("duplicate of keys[%d]", j))
		}
		seen[k] = i
	}
	return v
}

// PushOrder records a shop order with the keys it delivered, idempotent on order_no: the
// same order again returns the stored one (created false); the same number with other
// contents is ErrOrderConflict; a bad body is *ValidationError. In one transaction it writes
// the order, imports its new keys into a batch labelled "order:<order_no>" (source
// integration) — a key already available in stock is taken from stock instead — and links
// each key with an initial delivery and a "delivered" key event from the shop.
func (s *Service) PushOrder(ctx context.Context, merchantID uint64, p OrderPush) (models.Order, bool, error) {
	p.Currency = strings.TrimSpace(p.Currency)
	if v := p.validate(s.limits); v.orNil() != nil {
		return models.Order{}, false, v
	}
	prod, err := s.st.ProductBySKU(ctx, merchantID, p.SKU)
	if errors.Is(err, store.ErrNotFound) {
		return models.Order{}, false, &ValidationError{Fields: map[string]string{"sku": "unknown product"}}
	}
	if err != nil {
		return models.Order{}, false, fmt.Errorf("push order: %w", err)
	}
	hashes := make([]string, len(p.Keys))
	for i, k := range p.Keys {
		hashes[i] = s.box.Hash(store.CardKeyHashScope(prod.ID), k)
	}
	if o, err := s.st.OrderByNo(ctx, merchantID, p.OrderNo); err == nil {
		return s.sameOrder(ctx, o, prod, p, hashes)
	} else if !errors.Is(err, store.ErrNotFound) {
		return models.Order{}, false, fmt.Errorf("push order: %w", err)
	}
	var o models.Order
	err = s.st.InTx(ctx, func(ctx context.Context) error {
		var err error
		o, err = s.createOrder(ctx, merchantID, prod, p, hashes)
		return err
	})
	if errors.Is(err, store.ErrDuplicate) {
		// A concurrent push of the same order number won the race: compare with it.
		if existing, gerr := s.st.OrderByNo(ctx, merchantID, p.OrderNo); gerr == nil {
			return s.sameOrder(ctx, existing, prod, p, hashes)
		}
	}
	if err != nil {
		return models.Order{}, false, err
	}
	return o, true, nil
}

// createOrder is the body of PushOrder's transaction.
func (s *Service) createOrder(ctx context.Context, merchantID uint64, prod models.Product, p OrderPush, hashes []string) (models.Order, error) {
	now := s.clock()
	o := models.Order{MerchantID: merchantID, OrderNo: p.OrderNo, ProductID: prod.ID, Quantity: p.Quantity, Amount: p.Amount,
		Currency: p.Currency, BuyerEmail: p.BuyerEmail, BuyerContact: p.BuyerContact, BuyerIP: p.BuyerIP, DeviceID: p.DeviceID,
		PaidAt: p.PaidAt.UTC().Truncate(time.Microsecond), PaymentRef: p.PaymentRef, PaymentGateway: p.Gateway, Status: models.OrderPaid}
	if len(p.Keys) > 0 {
		o.Status = models.OrderDelivered
	}
	if err := s.st.CreateOrder(ctx, &o); err != nil {
		return o, err
	}
	ids, fresh, err := s.keysForOrder(ctx, prod, p, hashes)
	if err != nil {
		return o, err
	}
	if len(fresh) > 0 {
		b := models.KeyBatch{MerchantID: merchantID, ProductID: prod.ID, Label: truncate("order:"+p.OrderNo, 200),
			Source: SourceIntegration, CreatedAt: now}
		if err := s.st.InsertKeyBatch(ctx, &b, fresh); err != nil {
			return o, fmt.Errorf("push order: %w", err)
		}
		for _, k := range fresh {
			ids = append(ids, k.ID)
		}
	}
	if err := s.st.DeliverKeys(ctx, o, ids, models.DeliveryInitial, "shop", now); err != nil {
		return o, fmt.Errorf("push order: %w", err)
	}
	if err := s.indexDelivered(ctx, merchantID, prod, p.Keys, hashes); err != nil {
		return o, fmt.Errorf("push order: %w", err)
	}
	return o, nil
}

// indexDelivered records the keyed tail-gram hashes of the keys just delivered, in the
// order's transaction, so a buyer quoting "the key ending 7QX2" is found by search and by
// the agent's fragment match at once (keydesk search reindex only catches up old keys).
func (s *Service) indexDelivered(ctx context.Context, merchantID uint64, prod models.Product, secrets, hashes []string) error {
	keys, err := s.st.KeysByHashes(ctx, prod.ID, hashes)
	if err != nil {
		return err
	}
	idOf := make(map[string]uint64, len(keys))
	for _, k := range keys {
		idOf[k.SecretHash] = k.ID
	}
	for i, secret := range secrets {
		if id, ok := idOf[hashes[i]]; ok {
			if err := s.st.IndexKeyGrams(ctx, merchantID, id, store.KeyGramHashes(s.box, merchantID, secret)); err != nil {
				return err
			}
		}
	}
	return nil
}

// keysForOrder splits the pushed keys into stock keys to take (ids) and new keys to
// import (sealed, status available until delivered). A key already handed out is a
// validation error: the same key cannot be sold twice.
func (s *Service) keysForOrder(ctx context.Context, prod models.Product, p OrderPush, hashes []string) ([]uint64, []models.CardKey, error) {
	known, err := s.st.KeysByHashes(ctx, prod.ID, hashes)
	if err != nil {
		return nil, nil, err
	}
	byHash := make(map[string]models.CardKey, len(known))
	for _, k := range known {
		byHash[k.SecretHash] = k
	}
	var ids []uint64
	var fresh []models.CardKey
	v := &ValidationError{}
	for i, h := range hashes {
		k, ok := byHash[h]
		switch {
		case !ok:
			fresh = append(fresh, models.CardKey{SecretCipher: s.box.Seal([]byte(p.Keys[i]), store.CardKeyAAD(prod.ID)), SecretHash: h, Status: models.KeyAvailable})
		case k.Status == models.KeyAvailable && k.OrderID == nil:
			ids = append(ids, k.ID)
		default:
			v.add(fmt.Sprintf("keys[%d]", i), "this key was already delivered or withdrawn ("+k.Status+")")
		}
	}
	return ids, fresh, v.orNil()
}

// sameOrder answers a repeated push: the stored order when the contents match, else
// ErrOrderConflict.
func (s *Service) sameOrder(ctx context.Context, o models.Order, prod models.Product, p OrderPush, hashes []string) (models.Order, bool, error) {
	same := o.ProductID == prod.ID && o.Quantity == p.Quantity && o.Amount == p.Amount && o.Currency == p.Currency &&
		strings.EqualFold(o.BuyerEmail, p.BuyerEmail) && o.PaymentRef == p.PaymentRef &&
		o.PaidAt.Equal(p.PaidAt.UTC().Truncate(time.Microsecond))
	if same {
		keys, err := s.st.OrderDeliveredKeys(ctx, o.ID, models.DeliveryInitial)
		if err != nil {
			return o, false, err
		}
		stored := make([]string, len(keys))
		for i, k := range keys {
			stored[i] = k.SecretHash
		}
		want := slices.Clone(hashes)
		slices.Sort(stored)
		slices.Sort(want)
		same = slices.Equal(stored, want)
	}
	if !same {
		return o, false, fmt.Errorf("%w: order %s", ErrOrderConflict, o.OrderNo)
	}
	return o, false, nil
}

// KeyEventPush is the body of POST /api/v1/integrations/key-events. KeyRef optionally
// names the key: the key itself (hashed at once, never stored) or keydesk's card key id
// "#<id>"; without it the event concerns the order's keys as a whole.
type KeyEventPush struct {
	OrderNo    string    `json:"order_no"`
	EventID    string    `json:"event_id"`
	Kind       string    `json:"kind"`
	KeyRef     string    `json:"key_ref,omitempty"`
	IP         string    `json:"ip"`
	UserAgent  string    `json:"user_agent"`
	OccurredAt time.Time `json:"occurred_at"`
}

func (e KeyEventPush) validate() *ValidationError {
	v := &ValidationError{}
	if strings.TrimSpace(e.OrderNo) == "" {
		v.add("order_no", "required")
	}
	if strings.TrimSpace(e.EventID) == "" || len(e.EventID) > 128 {
		v.add("event_id", "required, at most 128 characters")
	}
	switch e.Kind {
	case models.KeyEventDelivered, models.KeyEventEmailed, models.KeyEventRevealed:
	default:
		v.add("kind", "must be delivered, emailed or revealed")
	}
	if e.OccurredAt.IsZero() {
		v.add("occurred_at", "required (RFC 3339)")
	}
	if len(e.IP) > 64 {
		v.add("ip", "at most 64 characters")
	}
	if len(e.UserAgent) > 300 {
		v.add("user_agent", "at most 300 characters")
	}
	return v
}

// PushKeyEvent records a shop key event, idempotent on event_id (a repeat returns the
// stored event, created false). A reveal sets first_revealed_at of the named key, or of
// every key of the order when none is named. Unknown order or key is *ValidationError.
func (s *Service) PushKeyEvent(ctx context.Context, merchantID uint64, e KeyEventPush) (models.KeyEvent, bool, error) {
	if v := e.validate(); v.orNil() != nil {
		return models.KeyEvent{}, false, v
	}
	o, err := s.st.OrderByNo(ctx, merchantID, e.OrderNo)
	if errors.Is(err, store.ErrNotFound) {
		return models.KeyEvent{}, false, &ValidationError{Fields: map[string]string{"order_no": "unknown order"}}
	}
	if err != nil {
		return models.KeyEvent{}, false, fmt.Errorf("push key event: %w", err)
	}
	keys, err := s.eventKeys(ctx, o, e.KeyRef)
	if err != nil {
		return models.KeyEvent{}, false, err
	}
	ext := e.EventID
	at := e.OccurredAt.UTC().Truncate(time.Microsecond)
	ev := models.KeyEvent{MerchantID: merchantID, OrderID: o.ID, Kind: e.Kind, IP: e.IP, UserAgent: e.UserAgent,
		Source: "shop", ExternalID: &ext, OccurredAt: at, CreatedAt: s.clock()}
	if len(keys) == 1 {
		kid := keys[0].ID
		ev.CardKeyID = &kid
	}
	var created bool
	err = s.st.InTx(ctx, func(ctx context.Context) error {
		var err error
		if created, err = s.st.AddKeyEvent(ctx, &ev); err != nil || !created || e.Kind != models.KeyEventRevealed {
			return err
		}
		for _, k := range keys {
			if err := s.st.SetFirstRevealed(ctx, k.ID, at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return models.KeyEvent{}, false, fmt.Errorf("push key event: %w", err)
	}
	return ev, created, nil
}

// eventKeys resolves the keys an event concerns: the named one, or all the order's keys.
func (s *Service) eventKeys(ctx context.Context, o models.Order, ref string) ([]models.CardKey, error) {
	keys, err := s.st.OrderDeliveredKeys(ctx, o.ID, models.DeliveryInitial)
	if err != nil {
		return nil, err
	}
	if ref == "" {
		return keys, nil
	}
	hash := s.box.Hash(store.CardKeyHashScope(o.ProductID), ref)
	for _, k := range keys {
		if k.SecretHash == hash || "#"+strconv.FormatUint(k.ID, 10) == ref {
			return []models.CardKey{k}, nil
		}
	}
	return nil, &ValidationError{Fields: map[string]string{"key_ref": "not a key of this order"}}
}

package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/internal/secretbox"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/inventory"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// invEnv is an InventoryAPI over a real store, mounted on a bare Gin engine: the route
// table's staff middleware is replaced by a header naming the merchant (X-Test-Staff), the
// ticket-token middleware by the token "tok-<ref>", and the HMAC middleware is left out so
// the handlers' own signature check is what is tested.
type invEnv struct {
	t      *testing.T
	ctx    context.Context
	s      *store.Store
	box    *secretbox.Box
	h      *InventoryAPI
	eng    *gin.Engine
	m      models.Merchant
	p      models.Product
	secret string
	now    time.Time
}

func newInvEnv(t *testing.T, s *store.Store) *invEnv {
	t.Helper()
	gin.SetMode(gin.TestMode)
	box, err := secretbox.New(make([]byte, secretbox.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	e := &invEnv{t: t, ctx: context.Background(), s: s, box: box, now: time.Now().UTC()}
	svc := inventory.New(inventory.Opts{Store: s, Box: box})
	e.m = models.Merchant{Slug: "shop", Name: "Shop"}
	e.must(s.DB(e.ctx).Create(&e.m).Error)
	if e.secret, err = svc.RotateIntegrationSecret(e.ctx, e.m.ID); err != nil {
		t.Fatal(err)
	}
	e.p = models.Product{MerchantID: e.m.ID, SKU: "GC-10", Name: "Gift card", Price: 1000, Currency: "USD", LowStockThreshold: 1}
	e.must(s.DB(e.ctx).Create(&e.p).Error)
	e.h = &InventoryAPI{Store: s, Inventory: svc, Now: func() time.Time { return e.now },
		Staff: func(c *gin.Context) (StaffPrincipal, error) {
			id, err := strconv.ParseUint(c.GetHeader("X-Test-Staff"), 10, 64)
			if err != nil {
				return StaffPrincipal{}, errUnauthorized
			}
			return StaffPrincipal{MerchantID: id, UserID: 9, Email: "staff@shop"}, nil
		},
		BuyerTicket: buyerTicket,
	}
	e.eng = gin.New()
	for _, r := range e.h.Routes() {
		h, access := r.Handler, r.Access
		e.eng.Handle(r.Method, r.Path, func(c *gin.Context) {
			if access == AccessTicket { // stands in for authTicket: token "tok-<ref>"
				ref := c.Param("ticket")
				if t, err := s.TicketByRef(c.Request.Context(), ref); err == nil && c.GetHeader("Authorization") == "Bearer tok-"+ref {
					c.Set(ctxTicket, t)
				}
			}
			if err := h(c); err != nil {
				ae := *toError(err)
				c.AbortWithStatusJSON(ae.Status, ErrorBody{Error: &ae})
			}
		})
	}
	return e
}

func (e *invEnv) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *invEnv) count(model any, where string, args ...any) int64 {
	var n int64
	e.must(e.s.DB(e.ctx).Model(model).Where(where, args...).Count(&n).Error)
	return n
}

type signOpt struct {
	slug   string
	secret string
	at     time.Time
	sig    string // overrides the computed signature
}

func (e *invEnv) signed(path string, body []byte, o signOpt) *httptest.ResponseRecorder {
	if o.slug == "" {
		o.slug = e.m.Slug
	}
	if o.secret == "" {
		o.secret = e.secret
	}
	if o.at.IsZero() {
		o.at = e.now
	}
	ts := strconv.FormatInt(o.at.Unix(), 10)
	sig := inventory.Sign([]byte(o.secret), ts, body)
	if o.sig != "" {
		sig = o.sig
	}
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderIntegrationMerchant, o.slug)
	req.Header.Set(HeaderIntegrationTimestamp, ts)
	req.Header.Set(HeaderIntegrationSignature, sig)
	w := httptest.NewRecorder()
	e.eng.ServeHTTP(w, req)
	return w
}

func (e *invEnv) orderBody(no string, keys ...string) []byte {
	b, _ := json.Marshal(map[string]any{"order_no": no, "sku": "GC-10", "quantity": max(1, len(keys)), "amount": 1000 * max(1, len(keys)),
		"currency": "USD", "buyer_email": "buyer@example.com", "buyer_ip": "203.0.113.9", "device_id": "dev-1",
		"paid_at": e.now.Add(-time.Minute).Format(time.RFC3339Nano), "payment_ref": "PAY-" + no, "gateway": "sim", "keys": keys})
	return b
}

func errCode(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var b ErrorBody
	if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil || b.Error == nil {
		t.Fatalf("not the error shape: %s", w.Body.String())
	}
	return b.Error.Code
}

// TestIntegrationSignature: good, bad, stale, future, unknown-merchant and unsigned
// requests; only the good one writes anything.
func TestIntegrationSignature(t *testing.T) {
	e := newInvEnv(t, testdb.SQLite(t))
	body := e.orderBody("A-1", "KEY-AAAA-0001")
	bad := []struct {
		name    string
		o       signOpt
		message string // what the shop's developer reads
	}{
		{"wrong secret", signOpt{secret: "not-the-secret"}, "signature does not match"},
		{"tampered signature", signOpt{sig: "sha256=" + strings.Repeat("0", 64)}, "signature does not match"},
		{"stale timestamp", signOpt{at: e.now.Add(-6 * time.Minute)}, "outside the 5m0s replay window"},
		{"future timestamp", signOpt{at: e.now.Add(6 * time.Minute)}, "outside the 5m0s replay window"},
		{"unknown merchant", signOpt{slug: "nobody"}, "signature does not match"},
	}
	for _, c := range bad {
		w := e.signed(V1+"/integrations/orders", body, c.o)
		if w.Code != http.StatusUnauthorized || errCode(t, w) != CodeUnauthorized || !strings.Contains(w.Body.String(), c.message) {
			t.Errorf("%s: %d %s; want 401 unauthorized saying %q", c.name, w.Code, w.Body.String(), c.message)
		}
	}
	req := httptest.NewRequest(http.MethodPost, V1+"/integrations/orders", bytes.NewReader(body))
	w := httptest.NewRecorder()
	e.eng.ServeHTTP(w, req)
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "signed request required") {
		t.Errorf("unsigned: %d %s", w.Code, w.Body.String())
	}
	if n := e.count(&models.Order{}, "1 = 1"); n != 0 {
		t.Fatalf("%d orders written by rejected requests", n)
	}
	// Tampering with the body after signing is a bad signature too.
	ts := strconv.FormatInt(e.now.Unix(), 10)
	sig := inventory.Sign([]byte(e.secret), ts, body)
	tampered := bytes.Replace(body, []byte(`"amount":1000`), []byte(`"amount":1`), 1)
	req = httptest.NewRequest(http.MethodPost, V1+"/integrations/orders", bytes.NewReader(tampered))
	req.Header.Set(HeaderIntegrationMerchant, e.m.Slug)
	req.Header.Set(HeaderIntegrationTimestamp, ts)
	req.Header.Set(HeaderIntegrationSignature, sig)
	w = httptest.NewRecorder()
	e.eng.ServeHTTP(w, req)
	if w.Code != http.StatusUnauthorized {
		t.Errorf("tampered body: %d", w.Code)
	}
	w = e.signed(V1+"/integrations/orders", body, signOpt{at: e.now.Add(-4 * time.Minute)})
	if w.Code != http.StatusCreated {
		t.Fatalf("good signature, 4 minutes old: %d %s", w.Code, w.Body.String())
	}
}

// TestIntegrationOrderIdempotency: a replayed push answers 200 with the same order and
// writes nothing more; a different body for the same order_no is 409; bad bodies are 400.
func TestIntegrationOrderIdempotency(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		e := newInvEnv(t, s)
		body := e.orderBody("A-1", "KEY-AAAA-0001", "KEY-AAAA-0002")
		w := e.signed(V1+"/integrations/orders", body, signOpt{})
		if w.Code != http.StatusCreated {
			t.Fatalf("first push: %d %s", w.Code, w.Body.String())
		}
		if strings.Contains(w.Body.String(), "KEY-AAAA") {
			t.Fatalf("response echoes a key: %s", w.Body.String())
		}
		var first OrderResponse
		e.must(json.Unmarshal(w.Body.Bytes(), &first))
		w = e.signed(V1+"/integrations/orders", body, signOpt{}) // exact replay
		var again OrderResponse
		e.must(json.Unmarshal(w.Body.Bytes(), &again))
		if w.Code != http.StatusOK || again.OrderID != first.OrderID || again.Created {
			t.Fatalf("replay: %d %s", w.Code, w.Body.String())
		}
		conflict := e.orderBody("A-1", "KEY-AAAA-0001", "KEY-OTHER-0003")
		if w = e.signed(V1+"/integrations/orders", conflict, signOpt{}); w.Code != http.StatusConflict || errCode(t, w) != CodeConflict {
			t.Fatalf("conflicting body: %d %s", w.Code, w.Body.String())
		}
		if n := e.count(&models.Order{}, "1 = 1"); n != 1 {
			t.Fatalf("%d orders, want 1", n)
		}
		if n := e.count(&models.CardKey{}, "status = ?", models.KeyDelivered); n != 2 {
			t.Fatalf("%d delivered keys, want 2", n)
		}
		if n := e.count(&models.Delivery{}, "kind = ?", models.DeliveryInitial); n != 2 {
			t.Fatalf("%d initial deliveries, want 2", n)
		}
		if n := e.count(&models.KeyEvent{}, "kind = ? AND source = ?", models.KeyEventDelivered, "shop"); n != 2 {
			t.Fatalf("%d delivered events, want 2", n)
		}
		if n := e.count(&models.KeyBatch{}, "label = ? AND source = ?", "order:A-1", inventory.SourceIntegration); n != 1 {
			t.Fatalf("%d order batches, want 1", n)
		}
		for name, b := range map[string][]byte{
			"malformed JSON": []byte(`{"order_no":`),
			"unknown field":  []byte(`{"order_no":"B-1","bogus":1}`),
			"bad fields":     []byte(`{"order_no":"B-1","sku":"GC-10","quantity":0,"currency":"usd","buyer_email":"nope"}`),
			"unknown sku":    bytes.Replace(e.orderBody("B-2", "KEY-BBBB-0001"), []byte(`"GC-10"`), []byte(`"NOPE"`), 1),
			"key reused":     e.orderBody("B-3", "KEY-AAAA-0001"),
			"bad key":        e.orderBody("B-4", "has space"),
		} {
			if w := e.signed(V1+"/integrations/orders", b, signOpt{}); w.Code != http.StatusBadRequest {
				t.Errorf("%s: %d %s; want 400", name, w.Code, w.Body.String())
			}
		}
		if n := e.count(&models.Order{}, "1 = 1"); n != 1 {
			t.Fatalf("%d orders after bad pushes, want 1", n)
		}
	})
}

// TestIntegrationKeyEvents: idempotent on event_id; a reveal sets first_revealed_at.
func TestIntegrationKeyEvents(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		e := newInvEnv(t, s)
		if w := e.signed(V1+"/integrations/orders", e.orderBody("A-1", "KEY-AAAA-0001"), signOpt{}); w.Code != http.StatusCreated {
			t.Fatalf("order: %d %s", w.Code, w.Body.String())
		}
		at := e.now.Add(-30 * time.Second).Truncate(time.Microsecond)
		ev := func(id, kind, ref string) []byte {
			b, _ := json.Marshal(map[string]any{"order_no": "A-1", "event_id": id, "kind": kind, "key_ref": ref,
				"ip": "203.0.113.9", "user_agent": "UA", "occurred_at": at.Format(time.RFC3339Nano)})
			return b
		}
		w := e.signed(V1+"/integrations/key-events", ev("ev-1", "revealed", "KEY-AAAA-0001"), signOpt{})
		if w.Code != http.StatusCreated {
			t.Fatalf("event: %d %s", w.Code, w.Body.String())
		}
		if w = e.signed(V1+"/integrations/key-events", ev("ev-1", "revealed", "KEY-AAAA-0001"), signOpt{}); w.Code != http.StatusOK {
			t.Fatalf("replayed event: %d %s", w.Code, w.Body.String())
		}
		if n := e.count(&models.KeyEvent{}, "external_id = ?", "ev-1"); n != 1 {
			t.Fatalf("%d stored events for ev-1, want 1", n)
		}
		var k models.CardKey
		e.must(s.DB(e.ctx).Where("status = ?", models.KeyDelivered).Take(&k).Error)
		if k.FirstRevealedAt == nil || !k.FirstRevealedAt.Equal(at) {
			t.Fatalf("first_revealed_at = %v, want %v", k.FirstRevealedAt, at)
		}
		for name, b := range map[string][]byte{
			"bad kind":      ev("ev-2", "stolen", ""),
			"unknown order": bytes.Replace(ev("ev-3", "emailed", ""), []byte(`"A-1"`), []byte(`"Z-9"`), 1),
			"foreign key":   ev("ev-4", "emailed", "NOT-THIS-ORDERS-KEY"),
		} {
			if w := e.signed(V1+"/integrations/key-events", b, signOpt{}); w.Code != http.StatusBadRequest {
				t.Errorf("%s: %d %s; want 400", name, w.Code, w.Body.String())
			}
		}
		if n := e.count(&models.KeyEvent{}, "external_id IS NOT NULL"); n != 1 {
			t.Fatalf("%d shop events after bad pushes, want 1", n)
		}
	})
}

func (e *invEnv) staffReq(method, path, ctype string, body io.Reader, merchant uint64) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("X-Test-Staff", fmt.Sprint(merchant))
	w := httptest.NewRecorder()
	e.eng.ServeHTTP(w, req)
	return w
}

// TestImportKeysEndpoint: 201 with the report, 422 with the per-line report, 415 for an
// unknown content type, stock listed, quarantine answered and scoped by merchant.
func TestImportKeysEndpoint(t *testing.T) {
	e := newInvEnv(t, testdb.SQLite(t))
	w := e.staffReq(http.MethodPost, V1+"/products/GC-10/keys?label=Nov", "text/plain", strings.NewReader("IMP-0001\nIMP-0002\n"), e.m.ID)
	var resp ImportResponse
	e.must(json.Unmarshal(w.Body.Bytes(), &resp))
	if w.Code != http.StatusCreated || resp.Report.Imported != 2 {
		t.Fatalf("import: %d %s", w.Code, w.Body.String())
	}
	firstBatch := resp.Report.BatchID
	w = e.staffReq(http.MethodPost, V1+"/products/GC-10/keys", "text/csv", strings.NewReader("secret\nIMP-0003\nIMP-0001\n"), e.m.ID)
	resp = ImportResponse{}
	e.must(json.Unmarshal(w.Body.Bytes(), &resp))
	if w.Code != http.StatusUnprocessableEntity || resp.Report.Rejected != 1 || resp.Report.Errors[0].Line != 3 || resp.Error.Code != CodeRejected {
		t.Fatalf("rejected import: %d %s", w.Code, w.Body.String())
	}
	if strings.Contains(w.Body.String(), "IMP-0001") {
		t.Fatalf("report echoes a secret: %s", w.Body.String())
	}
	if w = e.staffReq(http.MethodPost, V1+"/products/GC-10/keys", "application/xml", strings.NewReader("<k/>"), e.m.ID); w.Code != http.StatusUnsupportedMediaType {
		t.Fatalf("xml: %d", w.Code)
	}
	if w = e.staffReq(http.MethodPost, V1+"/products/NOPE/keys", "text/plain", strings.NewReader("IMP-0009\n"), e.m.ID); w.Code != http.StatusNotFound {
		t.Fatalf("unknown sku: %d", w.Code)
	}
	w = e.staffReq(http.MethodGet, V1+"/inventory", "", nil, e.m.ID)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"available":2`) {
		t.Fatalf("stock: %d %s", w.Code, w.Body.String())
	}
	path := fmt.Sprintf("%s/batches/%d/quarantine", V1, firstBatch)
	if w = e.staffReq(http.MethodPost, path, "application/json", strings.NewReader(`{"reason":"bad"}`), e.m.ID+1); w.Code != http.StatusNotFound {
		t.Fatalf("quarantine by another merchant: %d %s", w.Code, w.Body.String())
	}
	if w = e.staffReq(http.MethodPost, path, "application/json", strings.NewReader(`{}`), e.m.ID); w.Code != http.StatusBadRequest {
		t.Fatalf("quarantine without reason: %d", w.Code)
	}
	if w = e.staffReq(http.MethodPost, path, "application/json", strings.NewReader(`{"reason":"supplier says leaked"}`), e.m.ID); w.Code != http.StatusOK ||
		!strings.Contains(w.Body.String(), `"keys_withdrawn":2`) {
		t.Fatalf("quarantine: %d %s", w.Code, w.Body.String())
	}
}

// TestReplacementKeyEndpoint: 404 without a reissue or with a wrong token; with one, the
// secret, a revealed key event and first_revealed_at.
func TestReplacementKeyEndpoint(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		e := newInvEnv(t, s)
		if w := e.signed(V1+"/integrations/orders", e.orderBody("A-1", "KEY-OLD-00001"), signOpt{}); w.Code != http.StatusCreated {
			t.Fatalf("order: %d", w.Code)
		}
		o, err := s.OrderByNo(e.ctx, e.m.ID, "A-1")
		e.must(err)
		tk := models.Ticket{MerchantID: e.m.ID, Ref: "KD-1", OrderID: &o.ID, Category: "key_invalid", Status: "open"}
		e.must(s.DB(e.ctx).Create(&tk).Error)
		get := func(token string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodGet, V1+"/tickets/KD-1/replacement-key", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("User-Agent", "BuyerUA/1.0")
			req.RemoteAddr = "198.51.100.4:5555"
			w := httptest.NewRecorder()
			e.eng.ServeHTTP(w, req)
			return w
		}
		if w := get("tok-KD-1"); w.Code != http.StatusNotFound {
			t.Fatalf("before reissue: %d %s", w.Code, w.Body.String())
		}
		// A replacement delivered by hand (ReissueKey's own tests cover the activity).
		b := models.KeyBatch{MerchantID: e.m.ID, ProductID: e.p.ID, Status: models.BatchActive}
		e.must(s.DB(e.ctx).Create(&b).Error)
		k := models.CardKey{MerchantID: e.m.ID, ProductID: e.p.ID, BatchID: b.ID, Status: models.KeyAvailable,
			SecretCipher: e.box.Seal([]byte("NEW-KEY-0001"), store.CardKeyAAD(e.p.ID)), SecretHash: "h-new"}
		e.must(s.DB(e.ctx).Create(&k).Error)
		e.must(s.InTx(e.ctx, func(ctx context.Context) error {
			_, err := s.DeliverReissue(ctx, o, k.ID, tk.ID, time.Now().UTC())
			return err
		}))
		if w := get("wrong"); w.Code != http.StatusNotFound {
			t.Fatalf("wrong token: %d", w.Code)
		}
		w := get("tok-KD-1")
		var rep inventory.Replacement
		e.must(json.Unmarshal(w.Body.Bytes(), &rep))
		if w.Code != http.StatusOK || rep.Secret != "NEW-KEY-0001" || rep.CardKeyID != k.ID || w.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("reveal: %d %s", w.Code, w.Body.String())
		}
		var ev models.KeyEvent
		e.must(s.DB(e.ctx).Where("card_key_id = ? AND kind = ?", k.ID, models.KeyEventRevealed).Take(&ev).Error)
		if ev.IP != "198.51.100.4" || ev.UserAgent != "BuyerUA/1.0" || ev.Source != "keydesk" {
			t.Fatalf("reveal event %+v", ev)
		}
		got, _ := s.CardKeyByID(e.ctx, e.m.ID, k.ID)
		if got.FirstRevealedAt == nil {
			t.Fatal("first_revealed_at not set")
		}
	})
}

package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/inventory"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// TestKeyPickupEndpoint (issue 12, step-up): a replacement sent to the order's contact is not
// shown by the claimant's /replacement-key; POST /key-pickup with the link's token shows it
// (no-store, recorded as a reveal); a wrong token is 404, an expired link 410.
func TestKeyPickupEndpoint(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		e := newInvEnv(t, s)
		if w := e.signed(V1+"/integrations/orders", e.orderBody("A-1", "KEY-OLD-00001"), signOpt{}); w.Code != http.StatusCreated {
			t.Fatalf("order: %d", w.Code)
		}
		o, err := s.OrderByNo(e.ctx, e.m.ID, "A-1")
		e.must(err)
		tk := models.Ticket{MerchantID: e.m.ID, Ref: "KD-1", OrderID: &o.ID, Category: "key_invalid", Status: "open"}
		e.must(s.DB(e.ctx).Create(&tk).Error)
		b := models.KeyBatch{MerchantID: e.m.ID, ProductID: e.p.ID, Status: models.BatchActive}
		e.must(s.DB(e.ctx).Create(&b).Error)
		k := models.CardKey{MerchantID: e.m.ID, ProductID: e.p.ID, BatchID: b.ID, Status: models.KeyAvailable,
			SecretCipher: e.box.Seal([]byte("NEW-KEY-0001"), store.CardKeyAAD(e.p.ID)), SecretHash: "h-new"}
		e.must(s.DB(e.ctx).Create(&k).Error)
		token := strings.Repeat("ab", 32)
		e.must(s.InTx(e.ctx, func(ctx context.Context) error {
			d, err := s.DeliverReissue(ctx, o, k.ID, tk.ID, time.Now().UTC())
			if err != nil {
				return err
			}
			return s.SetDeliveryPickup(ctx, d.ID, "buyer@example.com", store.PickupHash(token), time.Now().Add(time.Hour))
		}))
		do := func(method, path, body, auth string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(method, path, strings.NewReader(body))
			if auth != "" {
				req.Header.Set("Authorization", "Bearer "+auth)
			}
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			req.Header.Set("User-Agent", "MailboxUA/1.0")
			req.RemoteAddr = "198.51.100.4:5555"
			w := httptest.NewRecorder()
			e.eng.ServeHTTP(w, req)
			return w
		}
		if w := do(http.MethodGet, V1+"/tickets/KD-1/replacement-key", "", "tok-KD-1"); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "e-mail") ||
			strings.Contains(w.Body.String(), "NEW-KEY") {
			t.Fatalf("claimant's status page: %d %s", w.Code, w.Body.String())
		}
		for _, bad := range []string{`{"token":"` + strings.Repeat("cd", 32) + `"}`, `{"token":"short"}`} {
			if w := do(http.MethodPost, V1+"/key-pickup", bad, ""); w.Code != http.StatusNotFound {
				t.Fatalf("bad token %s: %d %s", bad, w.Code, w.Body.String())
			}
		}
		if w := do(http.MethodPost, V1+"/key-pickup", `{}`, ""); w.Code != http.StatusBadRequest {
			t.Fatalf("no token: %d %s", w.Code, w.Body.String())
		}
		w := do(http.MethodPost, V1+"/key-pickup", `{"token":"`+token+`"}`, "")
		var p inventory.Pickup
		e.must(json.Unmarshal(w.Body.Bytes(), &p))
		if w.Code != http.StatusOK || p.Secret != "NEW-KEY-0001" || p.OrderNo != "A-1" || w.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("pickup: %d %s", w.Code, w.Body.String())
		}
		var ev models.KeyEvent
		e.must(s.DB(e.ctx).Where("card_key_id = ? AND kind = ?", k.ID, models.KeyEventRevealed).Take(&ev).Error)
		if ev.IP != "198.51.100.4" || ev.UserAgent != "MailboxUA/1.0" {
			t.Fatalf("reveal event %+v", ev)
		}
		e.must(s.DB(e.ctx).Model(&models.Delivery{}).Where("card_key_id = ?", k.ID).Update("pickup_expires_at", time.Now().Add(-time.Minute)).Error)
		if w := do(http.MethodPost, V1+"/key-pickup", `{"token":"`+token+`"}`, ""); w.Code != http.StatusGone || strings.Contains(w.Body.String(), "NEW-KEY") {
			t.Fatalf("expired: %d %s", w.Code, w.Body.String())
		}
	})
}

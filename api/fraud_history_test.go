package api

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
)

// TestIntegrationHistory: the signed history import stores events once, answers 201 then
// 200 for the same body, refuses a bad signature before reading anything, and answers 400 (validation_failed)
// with the failing event's field.
func TestIntegrationHistory(t *testing.T) {
	e := newInvEnv(t, testdb.SQLite(t))
	body, _ := json.Marshal(map[string]any{"events": []map[string]any{
		{"id": "h-1", "kind": "order", "order_no": "OLD-1", "email": "old@example.com", "amount": 1000, "currency": "USD", "occurred_at": e.now.Add(-400 * 24 * time.Hour)},
		{"id": "h-2", "kind": "chargeback", "order_no": "OLD-1", "email": "old@example.com", "outcome": "lost", "occurred_at": e.now.Add(-380 * 24 * time.Hour)},
	}})
	if w := e.signed(V1+"/integrations/history", body, signOpt{}); w.Code != http.StatusCreated {
		t.Fatalf("first import: %d %s", w.Code, w.Body)
	}
	w := e.signed(V1+"/integrations/history", body, signOpt{})
	if w.Code != http.StatusOK || w.Body.String() != `{"created":0,"existing":2}` {
		t.Fatalf("re-sent import: %d %s", w.Code, w.Body)
	}
	if n := e.count(&models.HistoryEvent{}, "merchant_id = ?", e.m.ID); n != 2 {
		t.Fatalf("%d events stored, want 2", n)
	}
	if w := e.signed(V1+"/integrations/history", body, signOpt{sig: "sha256=00"}); w.Code != http.StatusUnauthorized {
		t.Fatalf("bad signature: %d", w.Code)
	}
	bad, _ := json.Marshal(map[string]any{"events": []map[string]any{{"id": "h-3", "kind": "gift", "email": "x@example.com", "occurred_at": e.now}}})
	w = e.signed(V1+"/integrations/history", bad, signOpt{})
	if w.Code != http.StatusBadRequest || errCode(t, w) != "validation_failed" {
		t.Fatalf("invalid event: %d %s", w.Code, w.Body)
	}
	var eb struct {
		Error struct {
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &eb)
	if eb.Error.Fields["events[0].kind"] == "" {
		t.Errorf("fields %v, want events[0].kind", eb.Error.Fields)
	}
}

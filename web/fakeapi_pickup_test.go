package web_test

import (
	"net/http"
	"time"
)

// fakePickupToken is the one pickup link token the fake API knows.
const fakePickupToken = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// pickup answers POST /key-pickup like api/pickup.go: the key for the known token, 410 for
// the "expired" one, 404 otherwise, 400 without a token.
func (f *fakeAPI) pickup(w http.ResponseWriter, in map[string]any) {
	tok, _ := in["token"].(string)
	switch tok {
	case "":
		apiErr(w, 400, "validation_failed", "some fields are invalid", map[string]string{"token": "required"})
	case fakePickupToken:
		f.reveals++
		writeJSON(w, 200, map[string]any{"card_key_id": 78, "secret": "STEP-UP-KEY-8888", "delivered_at": time.Now(), "order_no": "ORD-1001", "product": "Steam 100"})
	case "expired":
		apiErr(w, 410, "expired", "this pickup link has expired: reply on your ticket and an agent will help", nil)
	default:
		apiErr(w, 404, "not_found", "this pickup link is not valid", nil)
	}
}

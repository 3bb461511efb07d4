package web_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// fakeAdmin is the fake API's settings document and macros, in the shapes of api/settings.go
// (a flat document under the keys the workers read, plus gateways and defaults) and
// api/macros.go ({macros:[{id,name,body}]}, 422 with field errors, 409 on a taken name).
type fakeAdmin struct {
	settings map[string]any
	macros   []map[string]any
	seq      int
}

func newFakeAdmin() *fakeAdmin {
	return &fakeAdmin{
		settings: map[string]any{"fraud": map[string]any{"review": 30.0, "deny": 70.0}, "quarantine_after_invalid_reports": 3.0,
			"agent_refund_limit": 5000.0, "refund_fee_policy": "merchant_absorbs", "refund_fee_bps": 0.0, "refund_gateway": "manual",
			"refund_webhook_url": "", "auto_close_days": 7.0, "terms_text": "", "terms_url": ""},
		macros: []map[string]any{{"id": 1, "name": "Key activation steps", "body": "Open the launcher and choose <b>Redeem</b>."}},
		seq:    1,
	}
}

// adminAPI serves GET|PUT /settings and the /macros routes (the caller holds f.mu).
func (f *fakeAPI) adminAPI(w http.ResponseWriter, r *http.Request, p string, in map[string]any) {
	if f.admin == nil {
		f.admin = newFakeAdmin()
	}
	a := f.admin
	switch {
	case p == "/settings" && r.Method == "GET":
		a.writeSettings(w)
	case p == "/settings" && r.Method == "PUT":
		if fr, ok := in["fraud"].(map[string]any); ok {
			rv, _ := fr["review"].(float64)
			dv, _ := fr["deny"].(float64)
			if rv >= dv {
				apiErr(w, 422, "validation_failed", "some fields are invalid", map[string]string{"fraud.review": fmt.Sprintf("lower than the deny threshold (%d)", int(dv))})
				return
			}
		}
		if v, ok := in["agent_refund_limit"].(float64); ok && (v < 0 || v > 1_000_000_000_000) { // api/settings.go's rule and text
			apiErr(w, 422, "validation_failed", "some fields are invalid", map[string]string{"agent_refund_limit": "an amount in minor units between 0 and 1000000000000"})
			return
		}
		for k, v := range in {
			a.settings[k] = v
		}
		a.writeSettings(w)
	case p == "/macros" && r.Method == "GET":
		writeJSON(w, 200, map[string]any{"macros": a.macros})
	case p == "/macros" && r.Method == "POST":
		a.saveMacro(w, 0, in)
	default:
		id, err := strconv.Atoi(strings.TrimPrefix(p, "/macros/"))
		if err != nil || a.macro(id) < 0 {
			apiErr(w, 404, "not_found", "not found", nil)
			return
		}
		if r.Method == "DELETE" {
			i := a.macro(id)
			a.macros = append(a.macros[:i], a.macros[i+1:]...)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		a.saveMacro(w, id, in)
	}
}

func (a *fakeAdmin) writeSettings(w http.ResponseWriter) {
	out := map[string]any{"gateways": []string{"manual", "webhook"}, "defaults": []string{"terms_text"}}
	for k, v := range a.settings {
		out[k] = v
	}
	writeJSON(w, 200, out)
}

func (a *fakeAdmin) macro(id int) int {
	for i, m := range a.macros {
		if m["id"] == id {
			return i
		}
	}
	return -1
}

// saveMacro creates (id 0) or updates a macro.
func (a *fakeAdmin) saveMacro(w http.ResponseWriter, id int, in map[string]any) {
	name, _ := in["name"].(string)
	body, _ := in["body"].(string)
	if strings.TrimSpace(name) == "" || strings.TrimSpace(body) == "" {
		apiErr(w, 422, "validation_failed", "some fields are invalid", map[string]string{"name": "required, at most 200 characters"})
		return
	}
	for _, m := range a.macros {
		if strings.EqualFold(m["name"].(string), name) && m["id"] != id {
			apiErr(w, 409, "conflict", "a macro with this name already exists", map[string]string{"name": "already used by another macro"})
			return
		}
	}
	if id == 0 {
		a.seq++
		m := map[string]any{"id": a.seq, "name": name, "body": body}
		a.macros = append(a.macros, m)
		writeJSON(w, 201, m)
		return
	}
	m := a.macros[a.macro(id)]
	m["name"], m["body"] = name, body
	writeJSON(w, 200, m)
}

// adminLists answers the admin page's read-only lists in the shapes of api/auth_handlers.go
// (users), api/webhooks.go and api/admin.go (audit entries), so the page renders whole.
func adminLists(w http.ResponseWriter, p string) {
	at := "2026-12-03T09:30:00Z"
	switch p {
	case "/users":
		writeJSON(w, 200, map[string]any{"users": []map[string]any{
			{"id": 1, "email": "agent@demo.example", "name": "Ada Agent", "active": true, "roles": []string{"agent"}, "last_login_at": at, "created_at": at},
			{"id": 4, "email": "admin@demo.example", "name": "Ann Admin", "active": true, "roles": []string{"admin", "supervisor"}, "created_at": at},
		}})
	case "/webhooks":
		writeJSON(w, 200, map[string]any{"webhooks": []map[string]any{
			{"id": 1, "url": "https://shop.example.com/hooks/keydesk/ticket-events", "events": []string{}, "active": true, "created_at": at, "updated_at": at},
		}})
	default:
		writeJSON(w, 200, map[string]any{"entries": []map[string]any{
			{"id": 9, "actor_email": "admin@demo.example", "action": "login.success", "ip": "203.0.113.7", "created_at": at},
			{"id": 10, "actor_email": "admin@demo.example", "action": "batch.release", "target_type": "key_batch", "target_id": "12", "created_at": at},
		}})
	}
}

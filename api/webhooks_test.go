package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/netguard"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// TestWebhookValidation: bad URLs and unknown events are 422 naming the field; nothing is stored.
func TestWebhookValidation(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	admin := bearerHdr(e.tokens["admin"])
	cases := []struct {
		name, body, field string
	}{
		{"missing url", `{"events":[]}`, "url"},
		{"ftp url", `{"url":"ftp://shop.example/x"}`, "url"},
		{"relative url", `{"url":"/hooks"}`, "url"},
		{"too long", `{"url":"https://shop.example/` + strings.Repeat("a", 490) + `"}`, "url"},
		{"unknown event", `{"url":"https://shop.example/h","events":["ticket.nope"]}`, "events"},
	}
	for _, tc := range cases {
		w := e.do("POST", V1+"/webhooks", tc.body, admin)
		if er := errorOf(t, w); w.Code != http.StatusUnprocessableEntity || er.Fields[tc.field] == "" {
			t.Errorf("%s: %d %+v", tc.name, w.Code, er)
		}
	}
	var n int64
	e.must(e.st.DB(context.Background()).Model(&models.WebhookEndpoint{}).Count(&n).Error)
	if n != 0 {
		t.Fatalf("%d endpoints stored from invalid requests", n)
	}
	if w := e.do("POST", V1+"/webhooks", webhookExample, bearerHdr(e.tokens["supervisor"])); w.Code != http.StatusForbidden {
		t.Fatalf("supervisor creates a webhook: %d", w.Code)
	}
}

// TestWebhookLifecycle: the secret is shown once and stored sealed for this endpoint; admins
// of other merchants see nothing and get 404s; updates, deletes and deliveries work; every
// change is audited.
func TestWebhookLifecycle(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	ctx := context.Background()
	admin, other := bearerHdr(e.tokens["admin"]), bearerHdr(e.tokens["other_admin"])
	w := e.do("POST", V1+"/webhooks", `{"url":" https://shop.example/hook?k=1 ","events":["message.outbound","message.outbound"]}`, admin)
	var created webhookCreated
	if w.Code != http.StatusCreated || json.Unmarshal(w.Body.Bytes(), &created) != nil || created.ID == 0 ||
		!strings.HasPrefix(created.Secret, "whsec_") || !created.Active || len(created.Events) != 1 || created.URL != "https://shop.example/hook?k=1" {
		t.Fatalf("create: %d %s", w.Code, w.Body.String())
	}
	row, err := e.st.WebhookEndpointByID(ctx, e.mA.ID, created.ID)
	e.must(err)
	if strings.Contains(string(row.SecretCipher), created.Secret) {
		t.Fatal("secret stored in the clear")
	}
	if pt, err := e.box.Open(row.SecretCipher, store.WebhookSecretAAD(e.mA.ID, created.ID)); err != nil || string(pt) != created.Secret {
		t.Fatalf("sealed secret: %q %v", pt, err)
	}
	if _, err := e.box.Open(row.SecretCipher, store.WebhookSecretAAD(e.mB.ID, created.ID)); err == nil {
		t.Fatal("secret opens for another merchant")
	}

	w = e.do("GET", V1+"/webhooks", nil, admin)
	if w.Code != http.StatusOK || strings.Contains(w.Body.String(), created.Secret) || strings.Contains(w.Body.String(), "secret") ||
		!strings.Contains(w.Body.String(), `"known_events":["message.outbound"]`) {
		t.Fatalf("list: %d %s", w.Code, w.Body.String())
	}
	if w := e.do("GET", V1+"/webhooks", nil, other); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"webhooks":[]`) {
		t.Fatalf("other merchant's list: %d %s", w.Code, w.Body.String())
	}
	path := fmt.Sprintf("%s/webhooks/%d", V1, created.ID)
	for _, r := range []struct{ method, path, body string }{{"PATCH", path, `{"active":false}`}, {"DELETE", path, ""}, {"GET", path + "/deliveries", ""}} {
		var body any
		if r.body != "" {
			body = r.body
		}
		if w := e.do(r.method, r.path, body, other); w.Code != http.StatusNotFound {
			t.Errorf("other merchant %s %s: %d", r.method, r.path, w.Code)
		}
	}

	if w := e.do("PATCH", path, `{"url":"mailto:x@y"}`, admin); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("patch bad url: %d", w.Code)
	}
	w = e.do("PATCH", path, `{"active":false,"events":[]}`, admin)
	var patched webhookView
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &patched) != nil || patched.Active || len(patched.Events) != 0 || patched.URL != created.URL {
		t.Fatalf("patch: %d %s", w.Code, w.Body.String())
	}

	now := time.Now().UTC()
	e.must(e.st.DB(ctx).Create(&models.WebhookDelivery{MerchantID: e.mA.ID, EndpointID: created.ID, EventID: "outbound-9",
		EventType: store.EventMessageOutbound, Payload: models.JSON(`{"message_id":9}`), Status: store.DeliveryDelivered, Attempts: 2,
		LastError: "", DeliveredAt: &now, CreatedAt: now}).Error)
	w = e.do("GET", path+"/deliveries", nil, admin)
	var ds webhookDeliveriesResp
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &ds) != nil || len(ds.Deliveries) != 1 || ds.Deliveries[0].Attempts != 2 ||
		ds.Deliveries[0].Status != store.DeliveryDelivered || strings.Contains(w.Body.String(), "payload") {
		t.Fatalf("deliveries: %d %s", w.Code, w.Body.String())
	}

	if w := e.do("DELETE", path, nil, admin); w.Code != http.StatusNoContent {
		t.Fatalf("delete: %d", w.Code)
	}
	if w := e.do("GET", path+"/deliveries", nil, admin); w.Code != http.StatusNotFound {
		t.Fatalf("deliveries of a deleted endpoint: %d", w.Code)
	}
	for action, want := range map[string]int{AuditWebhookCreate: 1, AuditWebhookUpdate: 1, AuditWebhookDelete: 1} {
		rows := e.auditRows(action, e.mA.ID)
		if len(rows) != want || rows[0].ActorID == nil || *rows[0].ActorID != e.users["admin"].ID || rows[0].TargetType != "webhook" {
			t.Errorf("%s audit: %+v", action, rows)
			continue
		}
		if d := string(rows[0].Data); strings.Contains(d, "k=1") || strings.Contains(d, created.Secret) {
			t.Errorf("%s audit keeps the query or secret: %s", action, d)
		}
	}
}

// TestWebhookURLPolicy (issue 14): every internal destination the attack run registered is
// refused at save time (create and update) with a field error naming the rule, and nothing
// is stored; the operator's allowance opens exactly what it names.
func TestWebhookURLPolicy(t *testing.T) {
	t.Setenv(netguard.EnvAllowPrivate, "")
	t.Setenv(netguard.EnvAllowHTTP, "")
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	admin := bearerHdr(e.tokens["admin"])
	for _, u := range []string{
		"http://169.254.169.254/latest/meta-data/", "http://localhost:6379/", "http://[::1]:8080/", "http://0.0.0.0:9000/",
		"http://2130706433/", "http://user:pass@127.0.0.1:5432/", "https://2130706433/", "https://[::ffff:127.0.0.1]/",
		"https://10.0.0.8/hook", "https://0x7f.1/", "https://user:pass@shop.example/hook", "http://shop.example/hook",
	} {
		w := e.do("POST", V1+"/webhooks", map[string]any{"url": u}, admin)
		if er := errorOf(t, w); w.Code != http.StatusUnprocessableEntity || !strings.Contains(er.Fields["url"], "refused") {
			t.Errorf("%s: %d %+v", u, w.Code, er)
		}
	}
	var n int64
	e.must(e.st.DB(context.Background()).Model(&models.WebhookEndpoint{}).Count(&n).Error)
	if n != 0 {
		t.Fatalf("%d internal endpoints stored", n)
	}
	w := e.do("POST", V1+"/webhooks", webhookExample, admin)
	var created webhookCreated
	if w.Code != http.StatusCreated || json.Unmarshal(w.Body.Bytes(), &created) != nil {
		t.Fatalf("public endpoint: %d %s", w.Code, w.Body.String())
	}
	path := fmt.Sprintf("%s/webhooks/%d", V1, created.ID)
	if w := e.do("PATCH", path, `{"url":"http://127.0.0.1:6379/"}`, admin); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("patch to loopback: %d %s", w.Code, w.Body.String())
	}
	t.Setenv(netguard.EnvAllowPrivate, "10.20.0.0/16")
	if w := e.do("PATCH", path, `{"url":"http://10.20.1.5:8080/hook"}`, admin); w.Code != http.StatusOK {
		t.Fatalf("allowed on-premise endpoint: %d %s", w.Code, w.Body.String())
	}
	if w := e.do("PATCH", path, `{"url":"http://10.30.1.5/hook"}`, admin); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("network outside the allowance: %d", w.Code)
	}
}

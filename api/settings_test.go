package api

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
)

// getSettingsAs reads /settings with a token, failing unless 200.
func (e *env) getSettingsAs(who string) settingsResp {
	e.t.Helper()
	w := e.do("GET", V1+"/settings", nil, bearerHdr(e.tokens[who]))
	var got settingsResp
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &got) != nil {
		e.t.Fatalf("GET /settings as %s: %d %s", who, w.Code, w.Body.String())
	}
	return got
}

func (e *env) auditRows(action string, merchant uint64) []models.AuditEntry {
	e.t.Helper()
	var rows []models.AuditEntry
	e.must(e.st.DB(context.Background()).Where("action = ? AND merchant_id = ?", action, merchant).Order("id").Find(&rows).Error)
	return rows
}

func (e *env) setRawSettings(merchant uint64, doc string) {
	e.t.Helper()
	e.must(e.st.DB(context.Background()).Model(&models.Merchant{}).Where("id = ?", merchant).Update("settings", models.JSON(doc)).Error)
}

// TestSettingsDefaultsWhenUnset: a merchant without a settings document sees the defaults the
// activities use, every key listed as defaulted.
func TestSettingsDefaultsWhenUnset(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	got := e.getSettingsAs("admin")
	want := settingsDoc{Fraud: got.Fraud, QuarantineAfterInvalidReports: 3, AutoReissuesPerOrder: activities.DefaultAutoReissuesPerOrder, AgentRefundLimit: activities.DefaultAgentRefundLimit,
		RefundFeePolicy: "merchant_absorbs", RefundGateway: "manual", AutoCloseDays: activities.DefaultAutoCloseDays}
	if got.settingsDoc != want || got.Fraud.Review != 30 || got.Fraud.Deny != 70 {
		t.Fatalf("defaults: %+v", got.settingsDoc)
	}
	if len(got.Defaults) != 12 || !slices.Contains(got.Gateways, "manual") {
		t.Fatalf("defaulted keys %v, gateways %v", got.Defaults, got.Gateways)
	}
	// Invalid stored thresholds show the defaults the scorer falls back to.
	e.setRawSettings(e.mA.ID, `{"fraud":{"review":80,"deny":20},"auto_close_days":0,"agent_refund_limit":"lots"}`)
	got = e.getSettingsAs("admin")
	if got.Fraud.Review != 30 || got.AutoCloseDays != 7 || got.AgentRefundLimit != 5000 || !slices.Contains(got.Defaults, "fraud") || !slices.Contains(got.Defaults, "agent_refund_limit") {
		t.Fatalf("unusable stored values: %+v defaults %v", got.settingsDoc, got.Defaults)
	}
}

// TestSettingsPutMergesAuditsAndActivitiesReadIt: a PUT changes only the keys sent, keeps keys
// (and nested fields) it does not know, is read by the activities under the same keys, and
// writes one audit line that names the changes without the webhook's credentials or the
// terms text.
func TestSettingsPutMergesAuditsAndActivitiesReadIt(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	e.setRawSettings(e.mA.ID, `{"fraud":{"review":30,"deny":70,"note":"keep me"},"webhook_url":"https://other.part/hook","auto_close_days":5}`)
	admin := bearerHdr(e.tokens["admin"])
	body := `{"fraud":{"review":40,"deny":80},"agent_refund_limit":12000,"refund_fee_policy":"deduct_fee","refund_fee_bps":250,
		"refund_gateway":"webhook","refund_webhook_url":"https://shop.example/refunds?token=s3cr3t","terms_text":"TERMS-BODY-TEXT"}`
	w := e.do("PUT", V1+"/settings", body, admin)
	var got settingsResp
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &got) != nil {
		t.Fatalf("put: %d %s", w.Code, w.Body.String())
	}
	if got.Fraud.Review != 40 || got.Fraud.Deny != 80 || got.AgentRefundLimit != 12000 || got.AutoCloseDays != 5 || got.RefundGateway != "webhook" || got.TermsText != "TERMS-BODY-TEXT" {
		t.Fatalf("answer: %+v", got.settingsDoc)
	}
	if again := e.getSettingsAs("admin"); again.settingsDoc != got.settingsDoc {
		t.Fatalf("GET after PUT differs: %+v vs %+v", again.settingsDoc, got.settingsDoc)
	}

	_, raw, err := e.st.MerchantSettings(context.Background(), e.mA.ID)
	e.must(err)
	var stored map[string]any
	e.must(json.Unmarshal(raw, &stored))
	if stored["webhook_url"] != "https://other.part/hook" || stored["fraud"].(map[string]any)["note"] != "keep me" || stored["auto_close_days"] != 5.0 {
		t.Fatalf("merge dropped keys it does not own: %s", raw)
	}
	var rs activities.RefundSettings // what the refund activities decode
	e.must(raw.Decode(&rs))
	if rs.AgentRefundLimit == nil || *rs.AgentRefundLimit != 12000 || rs.RefundFeePolicy != "deduct_fee" || rs.RefundFeeBps != 250 ||
		rs.RefundGateway != "webhook" || rs.Fraud == nil || rs.Fraud.Review != 40 {
		t.Fatalf("activities read %+v from %s", rs, raw)
	}

	rows := e.auditRows(AuditSettingsUpdate, e.mA.ID)
	if len(rows) != 1 || rows[0].ActorID == nil || *rows[0].ActorID != e.users["admin"].ID || rows[0].TargetID != uitoa(e.mA.ID) {
		t.Fatalf("audit rows: %+v", rows)
	}
	data := string(rows[0].Data)
	for _, want := range []string{`"fraud"`, `"agent_refund_limit"`, `"review":40`, `"review":30`, `https://shop.example/refunds`} {
		if !strings.Contains(data, want) {
			t.Errorf("audit data lacks %s: %s", want, data)
		}
	}
	for _, leak := range []string{"s3cr3t", "TERMS-BODY-TEXT"} {
		if strings.Contains(data, leak) {
			t.Errorf("audit data carries %q: %s", leak, data)
		}
	}
	var summary struct{ Changed []string }
	e.must(json.Unmarshal(rows[0].Data, &summary))
	if slices.Contains(summary.Changed, "auto_close_days") || !slices.Contains(summary.Changed, "terms_text") {
		t.Errorf("changed keys: %v", summary.Changed)
	}

	// The same PUT again, or an empty one, changes nothing and writes no audit line; a partial
	// PUT keeps the rest.
	for _, same := range []string{body, `{}`} {
		if w := e.do("PUT", V1+"/settings", same, admin); w.Code != http.StatusOK {
			t.Fatalf("no-op put %s: %d %s", same, w.Code, w.Body.String())
		}
	}
	if w := e.do("PUT", V1+"/settings", `{"auto_close_days":3}`, admin); w.Code != http.StatusOK {
		t.Fatalf("partial put: %d %s", w.Code, w.Body.String())
	}
	if got := e.getSettingsAs("admin"); got.AutoCloseDays != 3 || got.Fraud.Review != 40 || got.AgentRefundLimit != 12000 {
		t.Fatalf("partial put lost keys: %+v", got.settingsDoc)
	}
	if n := len(e.auditRows(AuditSettingsUpdate, e.mA.ID)); n != 2 {
		t.Fatalf("audit lines after a no-op and a change: %d, want 2", n)
	}
}

// TestSettingsValidation: each bad value is a 422 naming its field, and nothing is written.
func TestSettingsValidation(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	admin := bearerHdr(e.tokens["admin"])
	cases := []struct {
		name, body, field string
	}{
		{"review not below deny", `{"fraud":{"review":70,"deny":70}}`, "fraud.review"},
		{"review zero", `{"fraud":{"review":0,"deny":70}}`, "fraud.review"},
		{"deny above 100", `{"fraud":{"review":30,"deny":101}}`, "fraud.deny"},
		{"deny missing", `{"fraud":{"review":30}}`, "fraud.deny"},
		{"negative agent limit", `{"agent_refund_limit":-1}`, "agent_refund_limit"},
		{"huge agent limit", `{"agent_refund_limit":1000000000000000}`, "agent_refund_limit"},
		{"negative quarantine", `{"quarantine_after_invalid_reports":-1}`, "quarantine_after_invalid_reports"},
		{"no automatic replacement at all", `{"auto_reissues_per_order":0}`, "auto_reissues_per_order"},
		{"too many automatic replacements", `{"auto_reissues_per_order":6}`, "auto_reissues_per_order"},
		{"negative high value", `{"high_value_amount":-1}`, "high_value_amount"},
		{"unknown fee policy", `{"refund_fee_policy":"buyer_pays"}`, "refund_fee_policy"},
		{"fee above 100%", `{"refund_fee_bps":10001}`, "refund_fee_bps"},
		{"unknown gateway", `{"refund_gateway":"paypal"}`, "refund_gateway"},
		{"webhook without url", `{"refund_gateway":"webhook"}`, "refund_gateway"},
		{"webhook url not http", `{"refund_webhook_url":"ftp://shop.example/x"}`, "refund_webhook_url"},
		// Issue 14: the refund webhook is called by keydesk, so the outbound URL policy applies.
		{"webhook url link-local", `{"refund_webhook_url":"https://169.254.169.254/latest/meta-data/"}`, "refund_webhook_url"},
		{"webhook url loopback", `{"refund_webhook_url":"https://127.0.0.1:5432/"}`, "refund_webhook_url"},
		{"webhook url credentials", `{"refund_webhook_url":"https://user:pw@shop.example/r"}`, "refund_webhook_url"},
		{"webhook url plain http", `{"refund_webhook_url":"http://shop.example/r"}`, "refund_webhook_url"},
		{"auto close zero", `{"auto_close_days":0}`, "auto_close_days"},
		{"auto close too long", `{"auto_close_days":366}`, "auto_close_days"},
		{"terms url relative", `{"terms_url":"/terms"}`, "terms_url"},
		{"terms text too long", `{"terms_text":"` + strings.Repeat("x", maxTermsText+1) + `"}`, "terms_text"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do("PUT", V1+"/settings", tc.body, admin)
			if w.Code != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422: %s", w.Code, w.Body.String())
			}
			er := errorOf(t, w)
			if er.Code != CodeValidation || er.Fields[tc.field] == "" {
				t.Fatalf("want a field error for %s: %+v", tc.field, er)
			}
		})
	}
	if w := e.do("PUT", V1+"/settings", `{"review_at":30}`, admin); w.Code != http.StatusBadRequest || errorOf(t, w).Fields["review_at"] == "" {
		t.Fatalf("unknown key: %d", w.Code)
	}
	if _, raw, _ := e.st.MerchantSettings(context.Background(), e.mA.ID); string(raw) != "null" && len(raw) != 0 {
		t.Fatalf("rejected PUTs wrote %s", raw)
	}
	if n := len(e.auditRows(AuditSettingsUpdate, e.mA.ID)); n != 0 {
		t.Fatalf("rejected PUTs audited %d times", n)
	}
	// A stored gateway this installation no longer offers may be sent back unchanged.
	e.setRawSettings(e.mA.ID, `{"refund_gateway":"simulator"}`)
	if w := e.do("PUT", V1+"/settings", `{"refund_gateway":"simulator","auto_close_days":4}`, admin); w.Code != http.StatusOK {
		t.Fatalf("unchanged stored gateway: %d %s", w.Code, w.Body.String())
	}
}

// TestSettingsPermissionsAndMerchants: only admins read or edit settings, and each merchant's
// admin edits only their own.
func TestSettingsPermissionsAndMerchants(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	for _, who := range []string{"agent", "risk_agent", "supervisor"} {
		if w := e.do("GET", V1+"/settings", nil, bearerHdr(e.tokens[who])); w.Code != http.StatusForbidden {
			t.Errorf("%s reads settings: %d", who, w.Code)
		}
		if w := e.do("PUT", V1+"/settings", `{"auto_close_days":2}`, bearerHdr(e.tokens[who])); w.Code != http.StatusForbidden {
			t.Errorf("%s edits settings: %d", who, w.Code)
		}
	}
	if w := e.do("PUT", V1+"/settings", `{"fraud":{"review":50,"deny":60}}`, bearerHdr(e.tokens["other_admin"])); w.Code != http.StatusOK {
		t.Fatalf("admin of B: %d %s", w.Code, w.Body.String())
	}
	if got := e.getSettingsAs("admin"); got.Fraud.Review != 30 {
		t.Fatalf("B's change reached A: %+v", got.Fraud)
	}
	if got := e.getSettingsAs("other_admin"); got.Fraud.Review != 50 {
		t.Fatalf("B's own settings: %+v", got.Fraud)
	}
	if len(e.auditRows(AuditSettingsUpdate, e.mB.ID)) != 1 || len(e.auditRows(AuditSettingsUpdate, e.mA.ID)) != 0 {
		t.Fatal("audit lines filed under the wrong merchant")
	}
}

// TestSettingsClaimGuards (issue 12): the per-order automatic replacement limit and the
// high-value line are settings an admin changes, audited, under the keys AssessKeyClaim reads.
func TestSettingsClaimGuards(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	w := e.do("PUT", V1+"/settings", `{"auto_reissues_per_order":2,"high_value_amount":250000}`, bearerHdr(e.tokens["admin"]))
	var got settingsResp
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &got) != nil || got.AutoReissuesPerOrder != 2 || got.HighValueAmount != 250000 {
		t.Fatalf("put: %d %s", w.Code, w.Body.String())
	}
	_, raw, err := e.st.MerchantSettings(context.Background(), e.mA.ID)
	e.must(err)
	var read struct { // the keys of activities' claim settings
		AutoReissuesPerOrder *int   `json:"auto_reissues_per_order"`
		HighValueAmount      *int64 `json:"high_value_amount"`
	}
	e.must(raw.Decode(&read))
	if read.AutoReissuesPerOrder == nil || *read.AutoReissuesPerOrder != 2 || read.HighValueAmount == nil || *read.HighValueAmount != 250000 {
		t.Fatalf("stored %s", raw)
	}
	rows := e.auditRows(AuditSettingsUpdate, e.mA.ID)
	if len(rows) != 1 || !strings.Contains(string(rows[0].Data), "auto_reissues_per_order") || !strings.Contains(string(rows[0].Data), "high_value_amount") {
		t.Fatalf("audit: %+v", rows)
	}
	if w := e.do("PUT", V1+"/settings", `{"auto_reissues_per_order":3}`, bearerHdr(e.tokens["agent"])); w.Code != http.StatusForbidden {
		t.Fatalf("agent changed the guard: %d", w.Code)
	}
}

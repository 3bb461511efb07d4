package api

// Merchant settings: one typed, validated view over merchants.settings, the JSON document the
// activities read their parts of (activities/reissue.go claimSettings, activities/refunds.go
// RefundSettings, activities/sla.go autoCloseDays, activities/disputes.go disputeSettings).
// The API uses the very keys the activities read, shows their defaults when a key is unset,
// and a PUT merges into the stored document so keys it does not know survive.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/fraud"
	"github.com/keydesk/keydesk/internal/netguard"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/payments"
	"github.com/keydesk/keydesk/rbac"
)

// AuditSettingsUpdate is the audit action of a settings change.
const AuditSettingsUpdate = "settings.update"

// Settings limits.
const (
	maxAgentRefundLimit = 1_000_000_000_000 // minor units
	maxQuarantineAfter  = 1000
	maxFeeBps           = 10_000 // 100 %
	maxAutoCloseDays    = 365
	maxTermsText        = 10_000 // characters
	maxSettingsURL      = 2000
	// maxAutoReissuesPerOrder: more automatic replacements than this per order is no guard.
	maxAutoReissuesPerOrder = 5
)

// settingsDoc is a merchant's effective settings: every key some activity reads, defaults
// filled in.
type settingsDoc struct {
	// Fraud: scores below review are allowed, from review reviewed, from deny denied.
	Fraud fraud.Thresholds `json:"fraud"`
	// QuarantineAfterInvalidReports: this many distinct buyers reporting keys of one batch
	// invalid quarantine the batch (0 disables).
	QuarantineAfterInvalidReports int `json:"quarantine_after_invalid_reports"`
	// AutoReissuesPerOrder is how many replacement keys one order gets without a person
	// (the database enforces it; a further claim goes to review).
	AutoReissuesPerOrder int `json:"auto_reissues_per_order"`
	// HighValueAmount is the "expensive order" line in minor units for the late-claim rule
	// (0: five times the merchant's median order).
	HighValueAmount int64 `json:"high_value_amount"`
	// AgentRefundLimit is the largest refund (minor units) an agent may approve.
	AgentRefundLimit int64 `json:"agent_refund_limit"`
	// RefundFeePolicy is merchant_absorbs or deduct_fee; RefundFeeBps the fee withheld under
	// deduct_fee, in basis points of the refund.
	RefundFeePolicy string `json:"refund_fee_policy"`
	RefundFeeBps    int    `json:"refund_fee_bps"`
	// RefundGateway refunds orders that name no gateway; RefundWebhookURL is the shop's
	// refund endpoint for the webhook gateway.
	RefundGateway    string `json:"refund_gateway"`
	RefundWebhookURL string `json:"refund_webhook_url"`
	// AutoCloseDays: a resolved ticket closes itself after this many days.
	AutoCloseDays int `json:"auto_close_days"`
	// TermsText and TermsURL are the terms of sale quoted in chargeback evidence.
	TermsText string `json:"terms_text"`
	TermsURL  string `json:"terms_url"`
}

// settingsResp answers GET and PUT /settings.
type settingsResp struct {
	settingsDoc
	// Gateways are the refund gateway names this installation offers.
	Gateways []string `json:"gateways"`
	// Defaults lists the keys the merchant has not set (or set unreadably): their values
	// above are the defaults.
	Defaults []string `json:"defaults"`
}

// settingsPatch is a PUT body: the keys to change, each optional (absent: unchanged). It also
// decodes a stored document key by key.
type settingsPatch struct {
	Fraud                         *fraud.Thresholds `json:"fraud,omitempty"`
	QuarantineAfterInvalidReports *int              `json:"quarantine_after_invalid_reports,omitempty"`
	AutoReissuesPerOrder          *int              `json:"auto_reissues_per_order,omitempty"`
	HighValueAmount               *int64            `json:"high_value_amount,omitempty"`
	AgentRefundLimit              *int64            `json:"agent_refund_limit,omitempty"`
	RefundFeePolicy               *string           `json:"refund_fee_policy,omitempty"`
	RefundFeeBps                  *int              `json:"refund_fee_bps,omitempty"`
	RefundGateway                 *string           `json:"refund_gateway,omitempty"`
	RefundWebhookURL              *string           `json:"refund_webhook_url,omitempty"`
	AutoCloseDays                 *int              `json:"auto_close_days,omitempty"`
	TermsText                     *string           `json:"terms_text,omitempty"`
	TermsURL                      *string           `json:"terms_url,omitempty"`
}

var settingsExample = settingsPatch{
	Fraud:            &fraud.Thresholds{Review: 30, Deny: 70},
	AgentRefundLimit: ptr(int64(5000)),
	RefundFeePolicy:  ptr(payments.FeeMerchantAbsorbs),
	RefundGateway:    ptr(payments.ManualName),
	AutoCloseDays:    ptr(7),
}

// settingsRoutes is the settings route group (listed in routeGroups).
func (s *Server) settingsRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: V1 + "/settings", Access: AccessStaff, Perm: Perm{rbac.ObjSettings, rbac.ActRead}, Handler: s.getSettings,
			Doc: Doc{Tag: "admin", Summary: "Fraud, refund, auto-close and terms settings (defaults filled in)", Resp: settingsResp{}}},
		{Method: http.MethodPut, Path: V1 + "/settings", Access: AccessStaff, Perm: Perm{rbac.ObjSettings, rbac.ActEdit}, Handler: s.putSettings,
			Doc: Doc{Tag: "admin", Summary: "Change settings: only the keys sent, merged into the stored document; 422 with field errors (audited)",
				Body: settingsPatch{}, Example: settingsExample, Resp: settingsResp{}}},
	}
}

func (s *Server) getSettings(c *gin.Context) error {
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	_, raw, err := s.d.Store.MerchantSettings(c.Request.Context(), m)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, s.settingsResp(raw))
	return nil
}

func (s *Server) settingsResp(raw models.JSON) settingsResp {
	doc, defaults := effectiveSettings(raw)
	return settingsResp{settingsDoc: doc, Gateways: s.gatewayNames(), Defaults: defaults}
}

// putSettings validates the keys sent, merges them into the stored document under the
// merchant's lock and writes the audit line in the same transaction.
func (s *Server) putSettings(c *gin.Context) error {
	var p settingsPatch
	if err := decodeJSON(c, &p, false); err != nil {
		return err
	}
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	var after models.JSON
	err = s.d.Store.InTx(c.Request.Context(), func(ctx context.Context) error {
		var before models.JSON
		var err error
		before, after, err = s.d.Store.UpdateMerchantSettings(ctx, m, func(cur models.JSON) (models.JSON, error) {
			if err := s.validateSettings(p, cur); err != nil {
				return nil, err
			}
			return mergeSettings(cur, p)
		})
		if err != nil || sameJSON(before, after) {
			return err // nothing changed: nothing to audit
		}
		return s.audit(ctx, c, auditEntry{Action: AuditSettingsUpdate, TargetType: "merchant", TargetID: uitoa(m), Merchant: m,
			Data: settingsAudit(before, after)})
	})
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, s.settingsResp(after))
	return nil
}

// effectiveSettings reads a stored document the way the activities do, key by key (a key
// that is missing, null or of the wrong type shows its default and is listed in defaults).
func effectiveSettings(raw models.JSON) (settingsDoc, []string) {
	var keys map[string]json.RawMessage
	_ = json.Unmarshal(raw, &keys) // an unreadable document is all defaults
	defaults := []string{}
	get := func(key string, v any) bool {
		r, ok := keys[key]
		if !ok || json.Unmarshal(r, v) != nil || string(bytes.TrimSpace(r)) == "null" {
			defaults = append(defaults, key)
			return false
		}
		return true
	}
	d := settingsDoc{Fraud: fraud.DefaultThresholds(), QuarantineAfterInvalidReports: activities.DefaultQuarantineAfterReports,
		AutoReissuesPerOrder: activities.DefaultAutoReissuesPerOrder,
		AgentRefundLimit:     activities.DefaultAgentRefundLimit, RefundFeePolicy: payments.FeeMerchantAbsorbs,
		RefundGateway: payments.ManualName, AutoCloseDays: activities.DefaultAutoCloseDays}
	if th := (fraud.Thresholds{}); get("fraud", &th) {
		if th.Validate() == nil {
			d.Fraud = th
		} else { // invalid thresholds: the scorer falls back to the defaults too
			defaults = append(defaults, "fraud")
		}
	}
	get("quarantine_after_invalid_reports", &d.QuarantineAfterInvalidReports)
	if n := 0; get("auto_reissues_per_order", &n) && n >= 1 {
		d.AutoReissuesPerOrder = n // below 1 the activity uses the default too
	}
	get("high_value_amount", &d.HighValueAmount)
	get("agent_refund_limit", &d.AgentRefundLimit)
	readString(get, "refund_fee_policy", &d.RefundFeePolicy)
	get("refund_fee_bps", &d.RefundFeeBps)
	readString(get, "refund_gateway", &d.RefundGateway)
	get("refund_webhook_url", &d.RefundWebhookURL)
	if days := 0; get("auto_close_days", &days) && days > 0 {
		d.AutoCloseDays = days
	}
	get("terms_text", &d.TermsText)
	get("terms_url", &d.TermsURL)
	return d, defaults
}

// readString sets *dst from key unless it is empty (the activities treat "" as unset).
func readString(get func(string, any) bool, key string, dst *string) {
	var v string
	if get(key, &v) && v != "" {
		*dst = v
	}
}

// gatewayNames are the refund gateways offered: the registry's, or the built-in ones when the
// API runs without a registry.
func (s *Server) gatewayNames() []string {
	if g := s.d.Payments.Gateways; g != nil {
		return g.Names()
	}
	return []string{payments.ManualName, payments.WebhookName}
}

// validateSettings checks the keys the patch sends (stored keys it leaves alone are not
// judged again); cur is the stored document. The error is a 422 with one message per field.
func (s *Server) validateSettings(p settingsPatch, cur models.JSON) error {
	fe := fieldErrors{}
	if t := p.Fraud; t != nil {
		fe.check(t.Review < 1 || t.Review > fraud.MaxScore, "fraud.review", fmt.Sprintf("between 1 and %d", fraud.MaxScore))
		fe.check(t.Deny < 1 || t.Deny > fraud.MaxScore, "fraud.deny", fmt.Sprintf("between 1 and %d", fraud.MaxScore))
		fe.check(t.Review >= t.Deny, "fraud.review", fmt.Sprintf("lower than the deny threshold (%d)", t.Deny))
	}
	intRange(fe, p.QuarantineAfterInvalidReports, "quarantine_after_invalid_reports", 0, maxQuarantineAfter, " (0 turns automatic quarantine off)")
	intRange(fe, p.AutoReissuesPerOrder, "auto_reissues_per_order", 1, maxAutoReissuesPerOrder, " replacement keys per order")
	if v := p.HighValueAmount; v != nil {
		fe.check(*v < 0 || *v > maxAgentRefundLimit, "high_value_amount", fmt.Sprintf("an amount in minor units between 0 and %d (0: five times the median order)", int64(maxAgentRefundLimit)))
	}
	if v := p.AgentRefundLimit; v != nil {
		fe.check(*v < 0 || *v > maxAgentRefundLimit, "agent_refund_limit", fmt.Sprintf("an amount in minor units between 0 and %d", int64(maxAgentRefundLimit)))
	}
	if v := p.RefundFeePolicy; v != nil {
		fe.check(*v != payments.FeeMerchantAbsorbs && *v != payments.FeeDeduct, "refund_fee_policy", "one of merchant_absorbs, deduct_fee")
	}
	intRange(fe, p.RefundFeeBps, "refund_fee_bps", 0, maxFeeBps, " basis points (100 = 1%)")
	intRange(fe, p.AutoCloseDays, "auto_close_days", 1, maxAutoCloseDays, " days")
	if v := p.TermsText; v != nil {
		fe.check(utf8.RuneCountInString(*v) > maxTermsText, "terms_text", fmt.Sprintf("at most %d characters", maxTermsText))
	}
	fe.check(p.TermsURL != nil && !validSettingsURL(*p.TermsURL), "terms_url", "empty or an http(s) URL")
	fe.check(p.RefundWebhookURL != nil && !validSettingsURL(*p.RefundWebhookURL), "refund_webhook_url", "empty or an http(s) URL")
	if p.RefundWebhookURL != nil && *p.RefundWebhookURL != "" && validSettingsURL(*p.RefundWebhookURL) {
		// Called by keydesk: the outbound URL policy applies (checked again at connect time).
		if err := netguard.CheckURL(*p.RefundWebhookURL); err != nil {
			fe.check(true, "refund_webhook_url", err.Error())
		}
	}
	s.checkGateway(fe, p, cur)
	return unprocessable(fe)
}

// unprocessable is the 422 validation error of fe (well-formed JSON whose values are not
// acceptable), or nil when no check failed.
func unprocessable(fe fieldErrors) error {
	if len(fe) == 0 {
		return nil
	}
	e := Validation(fe)
	e.Status = http.StatusUnprocessableEntity
	return e
}

// checkGateway: a gateway sent must be offered (re-sending the stored one is fine), and the
// webhook gateway needs the shop's refund URL.
func (s *Server) checkGateway(fe fieldErrors, p settingsPatch, cur models.JSON) {
	stored, _ := effectiveSettings(cur)
	gw, hook := stored.RefundGateway, stored.RefundWebhookURL
	if p.RefundGateway != nil {
		gw = *p.RefundGateway
		known := slices.Contains(s.gatewayNames(), gw) || gw == stored.RefundGateway
		fe.check(!known, "refund_gateway", fmt.Sprintf("one of %v", s.gatewayNames()))
	}
	if p.RefundWebhookURL != nil {
		hook = *p.RefundWebhookURL
	}
	if gw == payments.WebhookName && hook == "" {
		field := "refund_gateway"
		if p.RefundGateway == nil {
			field = "refund_webhook_url"
		}
		fe.check(p.RefundGateway != nil || p.RefundWebhookURL != nil, field, "the webhook gateway needs refund_webhook_url")
	}
}

func intRange(fe fieldErrors, v *int, field string, lo, hi int, unit string) {
	if v != nil {
		fe.check(*v < lo || *v > hi, field, fmt.Sprintf("between %d and %d%s", lo, hi, unit))
	}
}

func validSettingsURL(s string) bool {
	if s == "" {
		return true
	}
	u, err := url.Parse(s)
	return err == nil && len(s) <= maxSettingsURL && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// mergeSettings writes the patch's keys into the stored document, keeping every other key
// (and every other field of an object it changes) as stored.
func mergeSettings(cur models.JSON, p settingsPatch) (models.JSON, error) {
	doc := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(cur)) > 0 {
		if err := json.Unmarshal(cur, &doc); err != nil || doc == nil {
			doc = map[string]json.RawMessage{} // unreadable (not an object): start again
		}
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode settings patch: %w", err)
	}
	var patch map[string]json.RawMessage
	if err := json.Unmarshal(raw, &patch); err != nil {
		return nil, fmt.Errorf("decode settings patch: %w", err)
	}
	if len(patch) == 0 {
		return cur, nil
	}
	for k, v := range patch {
		doc[k] = mergeValue(doc[k], v)
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode settings: %w", err)
	}
	return models.JSON(out), nil
}

// sameJSON reports whether two stored documents hold the same values (key order and spacing
// aside; an empty document is null).
func sameJSON(a, b models.JSON) bool {
	var x, y any
	if a.Decode(&x) != nil || b.Decode(&y) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(x, y)
}

// mergeValue sets over old; when both are objects, field by field.
func mergeValue(old, set json.RawMessage) json.RawMessage {
	var o, n map[string]json.RawMessage
	if json.Unmarshal(old, &o) != nil || json.Unmarshal(set, &n) != nil || o == nil || n == nil {
		return set
	}
	for k, v := range n {
		o[k] = v
	}
	out, err := json.Marshal(o)
	if err != nil {
		return set
	}
	return out
}

// settingsAudit summarises a change: the keys whose effective value changed, before and
// after. URLs lose credentials and query strings, the terms text shows its length only.
func settingsAudit(before, after models.JSON) map[string]any {
	b, _ := effectiveSettings(before)
	a, _ := effectiveSettings(after)
	bm, am := auditFields(b), auditFields(a)
	changed := []string{}
	was, now := map[string]any{}, map[string]any{}
	for _, k := range sortedKeys(am) {
		if fmt.Sprint(bm[k]) != fmt.Sprint(am[k]) {
			changed = append(changed, k)
			was[k], now[k] = bm[k], am[k]
		}
	}
	return map[string]any{"changed": changed, "before": was, "after": now}
}

func auditFields(d settingsDoc) map[string]any {
	return map[string]any{
		"fraud": d.Fraud, "quarantine_after_invalid_reports": d.QuarantineAfterInvalidReports,
		"auto_reissues_per_order": d.AutoReissuesPerOrder, "high_value_amount": d.HighValueAmount,
		"agent_refund_limit": d.AgentRefundLimit, "refund_fee_policy": d.RefundFeePolicy, "refund_fee_bps": d.RefundFeeBps,
		"refund_gateway": d.RefundGateway, "refund_webhook_url": redactURL(d.RefundWebhookURL), "auto_close_days": d.AutoCloseDays,
		"terms_text": fmt.Sprintf("%d characters", utf8.RuneCountInString(d.TermsText)), "terms_url": redactURL(d.TermsURL),
	}
}

// redactURL keeps scheme, host and path: user info and query strings may carry credentials.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || s == "" {
		return ""
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

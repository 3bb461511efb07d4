package web_test

import (
	"regexp"
	"testing"

	"github.com/keydesk/keydesk/models"
)

// TestEveryServerMessageCodeHasBothTexts fails when a system message code the server writes
// (models.MessageCodes) has no zh-CN or English text, or when the two texts use different
// parameters (a placeholder the other language drops would lose a fact).
func TestEveryServerMessageCodeHasBothTexts(t *testing.T) {
	dict := readI18n(t)
	en, zh := dict["en"], dict["zh-CN"]
	ph := regexp.MustCompile(`\{(\w+)\}`)
	params := func(s string) map[string]bool {
		out := map[string]bool{}
		for _, m := range ph.FindAllStringSubmatch(s, -1) {
			out[m[1]] = true
		}
		return out
	}
	if len(models.MessageCodes) == 0 {
		t.Fatal("no message codes")
	}
	for _, code := range models.MessageCodes {
		k := "msg." + code
		e, z := en[k], zh[k]
		if e == "" || z == "" {
			t.Errorf("%s: en %q, zh-CN %q", k, e, z)
			continue
		}
		pe, pz := params(e), params(z)
		for p := range pe {
			if !pz[p] {
				t.Errorf("%s: zh-CN lacks {%s}", k, p)
			}
		}
		for p := range pz {
			if !pe[p] {
				t.Errorf("%s: en lacks {%s}", k, p)
			}
		}
	}
}

// auditActions are the audit codes the server writes (api's Audit* constants, the dispute
// steps and the automatic quarantine); the admin page names each in both languages.
var auditActions = []string{"login.success", "login.failure", "login.locked", "logout", "password.change", "password.reset",
	"user.create", "user.update", "user.delete", "role.grant", "role.revoke", "ticket.assign", "key.reveal", "refund.decision",
	"refund.confirm", "risk.decision", "settings.update", "sla.policy_change", "macro.create", "macro.update", "macro.delete",
	"webhook.create", "webhook.update", "webhook.delete", "dispute.sign_off", "dispute.submit", "dispute.outcome", "batch.quarantine.auto",
	"batch.quarantine", "batch.release"}

// TestEveryAuditCodeAndRefundStatusHasBothTexts: audit codes and the workflow's refund
// statuses have a zh-CN and an English text.
func TestEveryAuditCodeAndRefundStatusHasBothTexts(t *testing.T) {
	dict := readI18n(t)
	keys := []string{}
	for _, a := range auditActions {
		keys = append(keys, "audit."+a)
	}
	for _, st := range []string{"checking", "ineligible", "pending_approval", "processing", "succeeded", "failed", "stuck", "rejected"} {
		keys = append(keys, "rstatus."+st)
	}
	for _, k := range keys {
		if dict["en"][k] == "" || dict["zh-CN"][k] == "" {
			t.Errorf("%s: en %q, zh-CN %q", k, dict["en"][k], dict["zh-CN"][k])
		}
	}
}

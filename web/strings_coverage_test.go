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

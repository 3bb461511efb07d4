package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
)

// TestBatchesEndpoints: supervisors and admins list their merchant's batches with counts and
// the quarantine reason, quarantine and release them (audited); agents are refused; another
// merchant's admin sees none of them and gets 404 on release; a release needs a reason.
func TestBatchesEndpoints(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	ctx := context.Background()
	b := models.KeyBatch{MerchantID: e.mA.ID, ProductID: e.keyA.ProductID, Label: "Nov supplier", Supplier: "Acme", Source: "api"}
	keys := make([]models.CardKey, 3)
	for i := range keys {
		keys[i] = models.CardKey{SecretCipher: []byte{1}, SecretHash: fmt.Sprintf("h-%d", i), Status: models.KeyAvailable}
	}
	e.must(e.st.InsertKeyBatch(ctx, &b, keys))
	as := func(who string) map[string]string { return bearerHdr(e.tokens[who]) }
	list := func(who, query string) (int, batchesResp) {
		w := e.do(http.MethodGet, V1+"/batches"+query, nil, as(who))
		var r batchesResp
		if w.Code == http.StatusOK {
			e.must(json.Unmarshal(w.Body.Bytes(), &r))
		}
		return w.Code, r
	}

	if code, _ := list("agent", ""); code != http.StatusForbidden {
		t.Fatalf("agent lists batches: %d", code)
	}
	code, r := list("supervisor", "")
	if code != http.StatusOK || len(r.Batches) != 2 || r.Batches[0].ID != b.ID || r.Batches[0].Counts.Available != 3 || r.Batches[0].SKU != "SKU-A" {
		t.Fatalf("supervisor list: %d %+v", code, r)
	}
	if code, r := list("other_admin", ""); code != http.StatusOK || len(r.Batches) != 0 {
		t.Fatalf("other merchant's admin: %d %+v", code, r)
	}
	if code, _ := list("admin", "?status=gone"); code != http.StatusBadRequest && code != http.StatusUnprocessableEntity {
		t.Fatalf("unknown status filter: %d", code)
	}
	if code, r := list("admin", "?limit=1"); code != http.StatusOK || len(r.Batches) != 1 || r.NextCursor == "" {
		t.Fatalf("page 1: %d %+v", code, r)
	} else if code, r2 := list("admin", "?limit=1&cursor="+r.NextCursor); code != http.StatusOK || len(r2.Batches) != 1 || r2.Batches[0].ID == r.Batches[0].ID {
		t.Fatalf("page 2: %d %+v", code, r2)
	}
	if code, r := list("admin", "?sku=NOPE"); code != http.StatusOK || len(r.Batches) != 0 {
		t.Fatalf("unknown sku: %d %+v", code, r)
	}

	path := fmt.Sprintf("%s/batches/%d/", V1, b.ID)
	if w := e.do(http.MethodPost, path+"quarantine", map[string]string{"reason": "3 buyers reported invalid keys"}, as("supervisor")); w.Code != http.StatusOK {
		t.Fatalf("quarantine: %d %s", w.Code, w.Body.String())
	}
	if _, r := list("admin", "?status=quarantined"); len(r.Batches) != 1 || r.Batches[0].Counts.Quarantined != 3 ||
		r.Batches[0].QuarantineReason != "3 buyers reported invalid keys" || r.Batches[0].Status != models.BatchQuarantined {
		t.Fatalf("quarantined list: %+v", r)
	}
	if w := e.do(http.MethodPost, path+"release", map[string]string{"reason": "x"}, as("agent")); w.Code != http.StatusForbidden {
		t.Fatalf("agent releases: %d", w.Code)
	}
	if w := e.do(http.MethodPost, path+"release", map[string]string{"reason": "x"}, as("other_admin")); w.Code != http.StatusNotFound {
		t.Fatalf("other merchant releases: %d %s", w.Code, w.Body.String())
	}
	w := e.do(http.MethodPost, path+"release", map[string]string{"reason": "  "}, as("admin"))
	if er := errorOf(t, w); w.Code != http.StatusBadRequest || er.Fields["reason"] != "required" {
		t.Fatalf("release without reason: %d %+v", w.Code, er)
	}
	w = e.do(http.MethodPost, path+"release", map[string]string{"reason": "supplier confirmed the keys"}, as("admin"))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"keys_restored":3`) || !strings.Contains(w.Body.String(), `"changed":true`) {
		t.Fatalf("release: %d %s", w.Code, w.Body.String())
	}
	var a models.AuditEntry
	e.must(e.st.DB(ctx).Where("action = ? AND target_id = ?", "batch.release", fmt.Sprint(b.ID)).Take(&a).Error)
	if a.ActorID == nil || *a.ActorID != e.users["admin"].ID || a.MerchantID == nil || *a.MerchantID != e.mA.ID {
		t.Fatalf("audit entry %+v", a)
	}
	if _, r := list("admin", ""); r.Batches[0].Counts.Available != 3 || r.Batches[0].Status != models.BatchActive || r.Batches[0].QuarantineReason != "" {
		t.Fatalf("after release: %+v", r.Batches[0])
	}
}

package web_test

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/keydesk/keydesk/inventory"
)

// fakeBatches is the fake API's key batches in the shapes of api/batches.go (GET /batches,
// POST /batches/{id}/quarantine|release) and the import report of api/inventory.go, whose line
// numbers come from the real parser (inventory.Parse), so blank lines count as the server
// counts them.
type fakeBatches struct {
	list []map[string]any
	// audit records "quarantine #id reason" / "release #id reason".
	audit []string
}

func newFakeBatches() *fakeBatches {
	at := time.Now().Add(-2 * time.Hour)
	return &fakeBatches{list: []map[string]any{
		{"id": 12, "product_id": 3, "sku": "GAME-STD", "product_name": "Space Game Standard", "label": "Nov restock", "supplier": "Acme Keys", "source": "api",
			"key_count": 50, "status": "quarantined", "quarantined_at": at, "quarantine_reason": "3 distinct, unlinked buyers reported keys of this batch invalid (limit 3)",
			"created_at": at.Add(-72 * time.Hour), "counts": map[string]int{"available": 0, "delivered": 2, "invalid": 3, "quarantined": 45}},
		{"id": 11, "product_id": 3, "sku": "GAME-STD", "product_name": "Space Game Standard", "label": "", "supplier": "", "source": "seed",
			"key_count": 20, "status": "active", "quarantined_at": nil, "quarantine_reason": "", "created_at": at.Add(-240 * time.Hour),
			"counts": map[string]int{"available": 14, "delivered": 6}},
	}}
}

// batchAPI serves the batch and import routes (the caller holds f.mu).
func (f *fakeAPI) batchAPI(w http.ResponseWriter, r *http.Request, parts []string, perms []string, in map[string]any) {
	if f.batches == nil {
		f.batches = newFakeBatches()
	}
	has := func(p string) bool {
		for _, x := range perms {
			if x == p {
				return true
			}
		}
		return false
	}
	b := f.batches
	switch {
	case parts[0] == "inventory":
		writeJSON(w, 200, map[string]any{"products": []map[string]any{{"product_id": 3, "sku": "GAME-STD", "name": "Space Game Standard",
			"available": 14, "delivered": 8, "invalid": 3, "quarantined": 45, "threshold": 20, "low": true}}})
	case parts[0] == "products":
		if !has("inventory.manage") {
			apiErr(w, 403, "forbidden", "you are not allowed to do this", nil)
			return
		}
		f.importKeys(w, r)
	case !has("inventory.quarantine"):
		apiErr(w, 403, "forbidden", "you are not allowed to do this", nil)
	case len(parts) == 1 && r.Method == "GET":
		out := []map[string]any{}
		for _, x := range b.list {
			if st := r.URL.Query().Get("status"); st == "" || st == x["status"] {
				out = append(out, x)
			}
		}
		writeJSON(w, 200, map[string]any{"batches": out})
	case len(parts) == 3 && r.Method == "POST":
		id, _ := strconv.Atoi(parts[1])
		var x map[string]any
		for _, y := range b.list {
			if y["id"] == id {
				x = y
			}
		}
		if x == nil {
			apiErr(w, 404, "not_found", "not found", nil)
			return
		}
		reason, _ := in["reason"].(string)
		if strings.TrimSpace(reason) == "" {
			apiErr(w, 400, "validation_failed", "some fields are invalid", map[string]string{"reason": "required"})
			return
		}
		c := x["counts"].(map[string]int)
		switch parts[2] {
		case "release":
			n := c["quarantined"]
			if x["status"] == "quarantined" {
				c["available"], c["quarantined"] = c["available"]+n, 0
				x["status"], x["quarantined_at"], x["quarantine_reason"] = "active", nil, ""
				b.audit = append(b.audit, fmt.Sprintf("release #%d %s", id, reason))
			}
			writeJSON(w, 200, map[string]any{"batch_id": id, "keys_restored": n, "changed": true})
		case "quarantine":
			n := c["available"]
			c["quarantined"], c["available"] = c["quarantined"]+n, 0
			x["status"], x["quarantined_at"], x["quarantine_reason"] = "quarantined", time.Now(), reason
			b.audit = append(b.audit, fmt.Sprintf("quarantine #%d %s", id, reason))
			writeJSON(w, 200, map[string]any{"batch_id": id, "keys_withdrawn": n, "changed": true})
		default:
			apiErr(w, 404, "not_found", "not found", nil)
		}
	default:
		apiErr(w, 404, "not_found", "not found", nil)
	}
}

// importKeys answers POST /products/{sku}/keys: the real parser and checks of malformed keys
// and duplicates within the body, 422 with the per-line report when any line is refused.
func (f *fakeAPI) importKeys(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	lines, err := inventory.Parse(inventory.FormatLines, body)
	if err != nil || len(lines) == 0 {
		apiErr(w, 400, "bad_request", "import holds no key", nil)
		return
	}
	errs := []map[string]any{}
	first := map[string]int{}
	for _, l := range lines {
		if reason := inventory.CheckSecret(l.Secret, inventory.DefaultLimits()); reason != "" {
			errs = append(errs, map[string]any{"line": l.No, "key": "****", "reason": reason})
		} else if prev, dup := first[l.Secret]; dup {
			errs = append(errs, map[string]any{"line": l.No, "key": l.Secret[:2] + "****", "reason": fmt.Sprintf("duplicate of line %d", prev)})
		} else {
			first[l.Secret] = l.No
		}
	}
	rep := map[string]any{"sku": "GAME-STD", "format": "lines", "total": len(lines), "errors": errs}
	if len(errs) > 0 {
		rep["rejected"], rep["imported"] = len(errs), 0
		writeJSON(w, 422, map[string]any{"error": map[string]any{"code": "rejected", "message": fmt.Sprintf("import rejected: %d of %d lines", len(errs), len(lines))}, "report": rep})
		return
	}
	f.batches.list = append([]map[string]any{{"id": 13, "product_id": 3, "sku": "GAME-STD", "product_name": "Space Game Standard", "label": "", "supplier": "",
		"source": "api", "key_count": len(lines), "status": "active", "created_at": time.Now(), "counts": map[string]int{"available": len(lines)}}}, f.batches.list...)
	rep["imported"], rep["batch_id"], rep["rejected"] = len(lines), 13, 0
	writeJSON(w, 201, map[string]any{"report": rep})
}

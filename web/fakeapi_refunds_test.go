package web_test

import (
	"net/http"
	"slices"
)

// fakeRefundDecision is a refund decision the fake API accepted.
type fakeRefundDecision struct {
	Approve bool
	Role    string
	Amount  int64
	Reason  string
}

// refundAPI answers GET /tickets/{id}/refunds (no rows yet; the pending refund from the
// workflow state, as api/ does) and POST /tickets/{id}/refund/approve|reject with the
// workflow's rules: an agent approves only without supervisor-only reasons and up to the
// agent limit; a supervisor or admin up to what is refundable; a reject needs a reason.
func (f *fakeAPI) refundAPI(w http.ResponseWriter, r *http.Request, parts []string, uid uint64, name string, roles []string, in map[string]any) {
	t := f.find(parts[1])
	if t == nil {
		apiErr(w, 404, "not_found", "not found", nil)
		return
	}
	if parts[2] == "refunds" && r.Method == http.MethodGet {
		out := map[string]any{"refunds": []any{}}
		if t.Refund != nil && t.Refund["status"] == "pending_approval" {
			so, _ := t.Refund["supervisor_only"].([]string)
			p := map[string]any{}
			for k, v := range t.Refund {
				p[k] = v
			}
			p["agent_may_approve"] = len(so) == 0 && t.Refund["agent_limit"].(int64) > 0
			out["pending"] = p
		}
		writeJSON(w, 200, out)
		return
	}
	if len(parts) != 4 || r.Method != http.MethodPost || t.Refund == nil || t.Refund["status"] != "pending_approval" {
		apiErr(w, 409, "conflict", "no refund is pending", nil)
		return
	}
	reason, _ := in["reason"].(string)
	amount := int64(0)
	if a, ok := in["amount"].(float64); ok {
		amount = int64(a)
	}
	sup := slices.Contains(roles, "supervisor") || slices.Contains(roles, "admin")
	if !sup && !slices.Contains(roles, "agent") {
		apiErr(w, 403, "forbidden", "you are not allowed to do this", nil)
		return
	}
	switch parts[3] {
	case "reject":
		if reason == "" {
			apiErr(w, 422, "validation_failed", "some fields are invalid", map[string]string{"reason": "required"})
			return
		}
		t.Refund["status"], t.Status = "rejected", "resolved"
		f.refundDecisions = append(f.refundDecisions, fakeRefundDecision{Approve: false, Role: roles[0], Reason: reason})
	case "approve":
		refundable, limit := t.Refund["refundable"].(int64), t.Refund["agent_limit"].(int64)
		if amount == 0 {
			amount = refundable
		}
		so, _ := t.Refund["supervisor_only"].([]string)
		switch {
		case amount <= 0 || amount > refundable:
			apiErr(w, 409, "rejected", "amount out of range", nil)
			return
		case !sup && len(so) > 0:
			apiErr(w, 409, "rejected", "only a supervisor or admin can approve this refund", nil)
			return
		case !sup && amount > limit:
			apiErr(w, 409, "rejected", "above the agent limit", nil)
			return
		}
		t.Refund["status"], t.Refund["amount"] = "processing", amount
		f.refundDecisions = append(f.refundDecisions, fakeRefundDecision{Approve: true, Role: roles[0], Amount: amount, Reason: reason})
	default:
		apiErr(w, 404, "not_found", "not found", nil)
		return
	}
	writeJSON(w, 200, map[string]any{"ticket": map[string]any{"ticket_id": t.ID, "status": t.Status}})
}

// fakeRiskDecision is a risk decision the fake API accepted, with the messages the ticket
// had when it arrived (the internal note must come first).
type fakeRiskDecision struct {
	Approve  bool
	Reason   string
	Messages int
}

// riskAPI answers POST /tickets/{id}/risk/approve|deny: a deny's reason becomes a message
// the buyer reads, as the workflow writes it, and the ticket is resolved.
func (f *fakeAPI) riskAPI(w http.ResponseWriter, parts []string, roles []string, in map[string]any) {
	t := f.find(parts[1])
	if t == nil {
		apiErr(w, 404, "not_found", "not found", nil)
		return
	}
	if !slices.Contains(roles, "risk_agent") && !slices.Contains(roles, "supervisor") && !slices.Contains(roles, "admin") {
		apiErr(w, 403, "forbidden", "you are not allowed to do this", nil)
		return
	}
	reason, _ := in["reason"].(string)
	if reason == "" {
		apiErr(w, 400, "validation_failed", "some fields are invalid", map[string]string{"reason": "required"})
		return
	}
	f.riskDecisions = append(f.riskDecisions, fakeRiskDecision{Approve: parts[3] == "approve", Reason: reason, Messages: len(t.Messages)})
	if parts[3] == "deny" {
		t.Messages = append(t.Messages, map[string]any{"author_kind": "agent", "author_name": "Rui Risk", "body": reason})
		t.Status, t.Stage, t.StageReason = "resolved", "denied", reason
	}
	t.Queue = "general"
	writeJSON(w, 200, map[string]any{"ticket": map[string]any{"ticket_id": t.ID, "status": t.Status}})
}

package web_test

import "time"

// intent is the fake POST /tickets/{id}/intent (the caller holds f.mu): it records the
// correction and shows it as the detail's triage label, like api/triage_labels.go.
func (f *fakeAPI) intent(t *fakeTicket, uid uint64, name string, in map[string]any) {
	f.intents = append(f.intents, in)
	if f.triage == nil || f.triage[t.ID] == nil {
		return
	}
	f.triage[t.ID]["label"] = map[string]any{"category": in["category"], "by_id": uid, "by_name": name, "at": time.Now()}
}

// fakeTriageView is a detail's triage block: a key_invalid pick the text reads as account,
// another order of the shop named in the text, and a quoted fragment matching key 9.
func fakeTriageView() map[string]any {
	return map[string]any{"chosen_category": "key_invalid", "inferred_category": "account", "confidence": 0.91, "model": "lr1-test",
		"mismatch": true, "order_suggestions": []map[string]any{{"order_no": "ORD-1001", "order_id": 1, "current": true}, {"order_no": "ORD-2002", "order_id": 2, "current": false, "other_buyer": true}},
		"key_matches": []map[string]any{{"fragment": "****", "message_id": 1, "card_key_id": 9}}}
}

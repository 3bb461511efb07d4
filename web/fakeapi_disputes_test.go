package web_test

import (
	"net/http"
	"slices"
	"strconv"
	"time"
)

// fakeDisputes is the fake API's chargeback cases, in the shapes of api/disputes.go: the list
// ({disputes:[…], next_cursor}), one dispute ({dispute, ticket_ref, order_no, report}), the
// report as JSON and as HTML, and the sign-off / submit / outcome steps with their
// permission (disputes.decide, tickets.work) and order checks.
type fakeDisputes struct {
	list     []map[string]any
	reports  map[uint64]map[string]any
	signOffs int
	outcomes []string
}

// fakeUA is a reveal's user agent with markup: the page must show it as text.
const fakeUA = `Mozilla/5.0 <script>document.title='pwned'</script>`

func newFakeDisputes() *fakeDisputes {
	now := time.Now().UTC()
	d := func(id, ticket uint64, caseID, status string, due time.Duration, amount int) map[string]any {
		return map[string]any{"id": id, "ticket_id": ticket, "order_id": 3, "case_id": caseID, "reason": "fraudulent: cardholder does not recognise the charge",
			"amount": amount, "currency": "CNY", "evidence_due_by": now.Add(due), "status": status, "order_no": "ORD-1001", "ticket_ref": "KD-" + strconv.FormatUint(ticket, 10)}
	}
	won := d(7, 9, "CB-2026-000", "won", -10*24*time.Hour, 1000)
	won["outcome"], won["outcome_at"] = "won", now.Add(-24*time.Hour)
	revealed := now.Add(-20 * 24 * time.Hour)
	report := map[string]any{
		"version": 1, "generated_at": now.Add(-time.Hour), "merchant": map[string]any{"name": "Demo Shop", "slug": "demo"},
		"dispute": map[string]any{"case_id": "CB-2026-001", "reason": "fraudulent", "amount": 4999, "currency": "CNY", "evidence_due_by": now.Add(20 * time.Hour), "opened_at": now.Add(-time.Hour)},
		"order": map[string]any{"order_no": "ORD-1001", "product_sku": "GAME-50", "product_name": "Game card 50", "quantity": 1, "amount": 4999, "currency": "CNY",
			"status": "disputed", "paid_at": revealed.Add(-time.Minute), "payment_ref": "PAY-77", "payment_gateway": "alipay", "buyer_email": "b@example.com",
			"buyer_ip": "198.51.100.4", "device_id": "dev-1"},
		"keys": []map[string]any{{"card_key_id": 9, "masked": "AB**-****-**YZ", "status": "delivered", "delivered_at": revealed.Add(-30 * time.Second), "first_revealed_at": revealed}},
		"key_events": []map[string]any{
			{"kind": "delivered", "card_key_id": 9, "ip": "", "user_agent": "", "source": "shop", "at": revealed.Add(-30 * time.Second)},
			{"kind": "revealed", "card_key_id": 9, "ip": "203.0.113.9", "user_agent": fakeUA, "source": "shop", "at": revealed}},
		"prior_orders": []map[string]any{{"order_no": "ORD-0990", "paid_at": revealed.Add(-90 * 24 * time.Hour), "amount": 4999, "currency": "CNY", "status": "delivered", "same_ip": true, "same_device": true}},
		"conversation": []map[string]any{{"ticket_ref": "KD-0001", "at": now.Add(-time.Hour), "author_kind": "customer", "body": "I never bought <b>this</b>."}},
		"reissues":     []map[string]any{}, "refunds": []map[string]any{},
		"terms":   map[string]any{"url": "https://shop.example/terms", "accepted_at": revealed.Add(-time.Minute)},
		"summary": []string{"Key #9 was delivered and first revealed from IP 203.0.113.9 twenty days before the chargeback.", "The buyer has an earlier undisputed order from the same IP and device."},
	}
	return &fakeDisputes{
		// Ticket 1 is the first ticket a test posts. CB-2026-001's evidence is due in 20 h
		// (amber), CB-2026-002's is overdue (red) and its report not built yet.
		list:    []map[string]any{d(5, 1, "CB-2026-001", "evidence_ready", 20*time.Hour, 4999), d(6, 8, "CB-2026-002", "open", -2*time.Hour, 2500), won},
		reports: map[uint64]map[string]any{5: report},
	}
}

func (fd *fakeDisputes) find(id string) map[string]any {
	for _, d := range fd.list {
		if strconv.FormatUint(d["id"].(uint64), 10) == id {
			return d
		}
	}
	return nil
}

// disputeAPI serves /disputes… for staff (the caller holds f.mu).
func (f *fakeAPI) disputeAPI(w http.ResponseWriter, r *http.Request, parts []string, uid uint64, perms []string, in map[string]any) {
	if f.disputes == nil {
		f.disputes = newFakeDisputes()
	}
	fd := f.disputes
	if len(parts) == 1 {
		fd.writeList(w, r)
		return
	}
	d := fd.find(parts[1])
	if d == nil {
		apiErr(w, 404, "not_found", "not found", nil)
		return
	}
	id := d["id"].(uint64)
	rep, built := fd.reports[id]
	switch {
	case len(parts) == 2 && r.Method == "GET":
		resp := map[string]any{"dispute": d, "ticket_ref": d["ticket_ref"], "order_no": d["order_no"]}
		if by, ok := d["signed_off_by"].(uint64); ok {
			resp["signed_off_by_name"] = map[uint64]string{3: "Sam Supervisor", 4: "Ann Admin"}[by]
		}
		if built {
			resp["report"] = rep
		}
		writeJSON(w, 200, resp)
	case len(parts) == 3 && (parts[2] == "report" || parts[2] == "report.html") && !built:
		apiErr(w, 409, "conflict", "the evidence report is not built yet; try again shortly", nil)
	case len(parts) == 3 && parts[2] == "report":
		writeJSON(w, 200, rep)
	case len(parts) == 3 && parts[2] == "report.html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!doctype html><title>Evidence " + d["case_id"].(string) + "</title><h1>Chargeback evidence — case " + d["case_id"].(string) + "</h1>"))
	case len(parts) == 3 && r.Method == "POST":
		fd.step(w, d, parts[2], uid, perms, in)
	default:
		apiErr(w, 404, "not_found", "not found", nil)
	}
}

func (fd *fakeDisputes) writeList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	out := []map[string]any{}
	for _, d := range fd.list {
		st := d["status"].(string)
		switch s := q.Get("status"); {
		case s == "active" && (st == "won" || st == "lost"), s != "" && s != "active" && s != st:
			continue
		}
		if t := q.Get("ticket_id"); t != "" && strconv.FormatUint(d["ticket_id"].(uint64), 10) != t {
			continue
		}
		out = append(out, d)
	}
	writeJSON(w, 200, map[string]any{"disputes": out})
}

// step applies sign-off, submit or outcome with the API's permission and order checks.
func (fd *fakeDisputes) step(w http.ResponseWriter, d map[string]any, verb string, uid uint64, perms []string, in map[string]any) {
	need := map[string]string{"sign-off": "disputes.decide", "submit": "tickets.work", "outcome": "disputes.decide"}[verb]
	if need == "" {
		apiErr(w, 404, "not_found", "not found", nil)
		return
	}
	if !slices.Contains(perms, need) {
		apiErr(w, 403, "forbidden", "you are not allowed to do this", nil)
		return
	}
	now, st := time.Now().UTC(), d["status"].(string)
	switch {
	case verb == "sign-off" && st == "evidence_ready":
		fd.signOffs++
		d["status"], d["signed_off_at"], d["signed_off_by"] = "signed_off", now, uid
	case verb == "submit" && st == "signed_off":
		d["status"], d["submitted_at"] = "submitted", now
	case verb == "outcome" && st != "won" && st != "lost" && (in["outcome"] == "won" || in["outcome"] == "lost"):
		fd.outcomes = append(fd.outcomes, in["outcome"].(string))
		d["status"], d["outcome"], d["outcome_at"] = in["outcome"], in["outcome"], now
	default:
		apiErr(w, 409, "conflict", "the dispute is "+st, nil)
		return
	}
	writeJSON(w, 200, map[string]any{"dispute": d})
}

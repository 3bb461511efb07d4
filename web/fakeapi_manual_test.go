package web_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// fakeCheck is one manual check: a buyer's submission whose order number and e-mail proved no
// order, kept because the buyer asked for a manual check.
type fakeCheck struct {
	ID                                                      uint64
	OrderNo, Email, Contact, Category, Subject, Description string
	Language, Status, Reason, HandledBy                     string
	TicketID                                                uint64
	Created                                                 time.Time
	// TakenElsewhere: another agent decides the check the moment this one acts (the 409).
	TakenElsewhere bool
	// EmailEdits is the server's distance between Email and the order's address.
	EmailEdits int
}

// fakeManual holds the checks and what the pages sent about them.
type fakeManual struct {
	checks []*fakeCheck
	// requests are the bodies of POST /tickets that asked for a manual check.
	requests []map[string]any
	// accepts are the order numbers of every accept as received; rejects the reasons.
	accepts, rejects []string
}

// maxOpenChecks is store.MaxOpenManualChecksPerEmail.
const maxOpenChecks = 3

// fakeOrders are the shop's orders a check is compared with, as GET /manual-checks shows them
// (the buyer's e-mail masked).
var fakeOrders = map[string]map[string]any{
	"ORD-1001": {"order_no": "ORD-1001", "buyer_email": "b***@example.com", "product": "Steam 充值卡 100 元",
		"amount": 10000, "currency": "CNY", "paid_at": "2026-01-15T10:04:00+08:00"},
	"KD20260115-0042": {"order_no": "KD20260115-0042", "buyer_email": "j***@gmail.com", "product": "Xbox Game Pass 3 个月",
		"amount": 19900, "currency": "CNY", "paid_at": "2026-01-15T21:31:00+08:00"},
}

// addCheck stores an open check (the caller holds f.mu).
func (f *fakeAPI) addCheck(c fakeCheck) *fakeCheck {
	c.ID, c.Status = uint64(len(f.manual.checks)+1), "open"
	if c.Created.IsZero() {
		c.Created = time.Now()
	}
	f.manual.checks = append(f.manual.checks, &c)
	return &c
}

// keepForManualCheck answers POST /tickets with manual_check for an order the buyer did not
// prove: 202 and nothing else (no ref, token or link: there is no ticket yet).
// Like the real API, an address with maxOpenChecks checks waiting gets a 429 that says so.
func (f *fakeAPI) keepForManualCheck(w http.ResponseWriter, in map[string]any) {
	f.manual.requests = append(f.manual.requests, in)
	s := func(k string) string { v, _ := in[k].(string); return v }
	waiting := 0
	for _, c := range f.manual.checks {
		if c.Status == "open" && strings.EqualFold(c.Email, s("email")) {
			waiting++
		}
	}
	if waiting >= maxOpenChecks {
		apiErr(w, 429, "rate_limited", "this e-mail already has requests waiting for a manual check; the shop answers them first", nil)
		return
	}
	f.addCheck(fakeCheck{OrderNo: s("order_no"), Email: s("email"), Contact: s("contact"), Category: s("category"),
		Subject: s("subject"), Description: s("description"), Language: s("language")})
	writeJSON(w, 202, map[string]any{"status": "manual_check"})
}

// manualAPI serves GET /manual-checks?status= and POST /manual-checks/{id}/accept|reject.
func (f *fakeAPI) manualAPI(w http.ResponseWriter, r *http.Request, parts []string, name string, in map[string]any) {
	if len(parts) == 1 && r.Method == http.MethodGet {
		f.listChecks(w, r.URL.Query().Get("status"))
		return
	}
	id := 0
	if len(parts) == 3 && r.Method == http.MethodPost {
		id, _ = strconv.Atoi(parts[1])
	}
	if id < 1 || id > len(f.manual.checks) {
		apiErr(w, 404, "not_found", "not found", nil)
		return
	}
	c := f.manual.checks[id-1]
	if c.TakenElsewhere {
		c.Status, c.HandledBy = "accepted", "Bo Other"
	}
	if c.Status != "open" {
		apiErr(w, 409, "conflict", "this manual check was already handled", nil)
		return
	}
	switch parts[2] {
	case "accept":
		f.acceptCheck(w, c, name, in)
	case "reject":
		f.rejectCheck(w, c, name, in)
	default:
		apiErr(w, 404, "not_found", "not found", nil)
	}
}

func (f *fakeAPI) listChecks(w http.ResponseWriter, status string) {
	items, open := []map[string]any{}, 0
	for _, c := range f.manual.checks {
		if c.Status == "open" {
			open++
		}
		if status == "" || status == c.Status {
			items = append(items, checkView(c))
		}
	}
	writeJSON(w, 200, map[string]any{"items": items, "open": open})
}

// checkView is a check in the list's shape: order is the shop's order with the typed number.
func checkView(c *fakeCheck) map[string]any {
	var order, ticketID, handledAt any
	if o, ok := fakeOrders[c.OrderNo]; ok {
		withEdits := map[string]any{"email_edits": c.EmailEdits}
		for k, v := range o {
			withEdits[k] = v
		}
		order = withEdits
	}
	if c.TicketID != 0 {
		ticketID = c.TicketID
	}
	if c.Status != "open" {
		handledAt = time.Now()
	}
	return map[string]any{"id": c.ID, "order_no": c.OrderNo, "email": c.Email, "contact": c.Contact, "subject": c.Subject,
		"description": c.Description, "language": c.Language, "status": c.Status, "created_at": c.Created, "order": order,
		"ticket_id": ticketID, "ticket_ref": "", "handled_by_name": c.HandledBy, "handled_at": handledAt, "reason": c.Reason}
}

// acceptCheck opens a ticket on the order the agent named (the typed one when none); the fake
// shop has no e-mail channel, so the link is not sent.
func (f *fakeAPI) acceptCheck(w http.ResponseWriter, c *fakeCheck, name string, in map[string]any) {
	no, _ := in["order_no"].(string)
	f.manual.accepts = append(f.manual.accepts, no)
	if no == "" {
		no = c.OrderNo
	}
	if fakeOrders[no] == nil {
		apiErr(w, 400, "validation_failed", "some fields are invalid", map[string]string{"order_no": "the shop has no order with this number"})
		return
	}
	t := f.newTicket(map[string]any{"subject": c.Subject, "category": c.Category, "description": c.Description})
	c.Status, c.TicketID, c.HandledBy = "accepted", t.ID, name
	writeJSON(w, 201, map[string]any{"ticket_id": t.ID, "ref": t.Ref, "link_sent": false,
		"status_url": fmt.Sprintf("https://help.example.test/t/%s#token=%s", t.Ref, t.Token)})
}

func (f *fakeAPI) rejectCheck(w http.ResponseWriter, c *fakeCheck, name string, in map[string]any) {
	reason, _ := in["reason"].(string)
	f.manual.rejects = append(f.manual.rejects, reason)
	if reason == "" || utf8.RuneCountInString(reason) > 500 {
		msg := map[bool]string{true: "required: the buyer is told why", false: "at most 500 characters"}[reason == ""]
		apiErr(w, 400, "validation_failed", "some fields are invalid", map[string]string{"reason": msg})
		return
	}
	c.Status, c.Reason, c.HandledBy = "rejected", reason, name
	writeJSON(w, 200, map[string]any{"status": "rejected"})
}

// openChecks and oldestCheck are GET /sla/overview's manual-check figures (the caller holds f.mu).
func (f *fakeAPI) openChecks() int {
	n := 0
	for _, c := range f.manual.checks {
		if c.Status == "open" {
			n++
		}
	}
	return n
}

func (f *fakeAPI) oldestCheck() any {
	for _, c := range f.manual.checks { // stored oldest first
		if c.Status == "open" {
			return c.Created
		}
	}
	return nil
}

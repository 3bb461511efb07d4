package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/workflows"
)

func TestTicketTokenGrantsOnlyItsTicket(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	path := V1 + "/tickets/" + e.ticketA.Ref
	if w := e.do("GET", path, nil, bearerHdr(e.tokenA2)); w.Code != http.StatusNotFound {
		t.Fatalf("A2's token on A1: %d %s", w.Code, w.Body.String())
	}
	if w := e.do("GET", path+"?token=wrong", nil, nil); w.Code != http.StatusNotFound {
		t.Fatalf("wrong token: %d", w.Code)
	}
	if w := e.do("GET", path, nil, nil); w.Code != http.StatusUnauthorized {
		t.Fatalf("no token: %d", w.Code)
	}
	if w := e.do("POST", path+"/messages", `{"body":"hi"}`, bearerHdr(e.tokenA2)); w.Code != http.StatusNotFound {
		t.Fatalf("A2's token posting on A1: %d", w.Code)
	}
	w := e.do("GET", path+"?token="+e.tokenA, nil, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("own token: %d %s", w.Code, w.Body.String())
	}
	var got publicTicketResp
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Ref != e.ticketA.Ref || got.StatusText == "" || got.QueuePosition == nil || *got.QueuePosition != 1 {
		t.Fatalf("status view: %+v", got)
	}
	if strings.Contains(w.Body.String(), "INTERNAL-NOTE-TEXT") || len(got.Messages) != 1 {
		t.Fatalf("buyer sees internal notes or wrong messages: %s", w.Body.String())
	}
	// A buyer posting a message reaches the workflow as the customer, never as staff.
	if w := e.do("POST", path+"/messages", `{"body":"still broken"}`, bearerHdr(e.tokenA)); w.Code != http.StatusOK {
		t.Fatalf("buyer message: %d %s", w.Code, w.Body.String())
	}
	act := e.fake.lastAct()
	in, ok := act.Input.(workflows.ReplyInput)
	if act.Update != workflows.UpdateCustomerReply || !ok || in.Actor.Kind != workflows.ActorCustomer || act.Ticket != e.ticketA.ID {
		t.Fatalf("buyer message sent %+v", act)
	}
	if w := e.do("POST", path+"/csat", `{"score":9}`, bearerHdr(e.tokenA)); w.Code != http.StatusBadRequest {
		t.Fatalf("csat 9: %d", w.Code)
	}
}

// TestInjectionStoredVerbatimReturnedSafely: SQL and script payloads are stored as written
// and come back as JSON strings, HTML-escaped by the encoder, with nosniff.
func TestInjectionStoredVerbatimReturnedSafely(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	payloads := []string{
		`'; DROP TABLE tickets; --`,
		`" OR 1=1 --`,
		`<script>alert(document.cookie)</script>`,
		`<img src=x onerror=alert(1)>`,
		"Robert'); DELETE FROM users WHERE ('1'='1",
		"ünïcödé 🔑 and C:\\u0000 as text", // a real NUL is refused: TestNULBytesAreRefused
	}
	for _, p := range payloads {
		body := map[string]string{"merchant": "shop-a", "order_no": "A-1001", "email": "buyer@a.test", "subject": p, "description": p}
		w := e.do("POST", V1+"/tickets", body, nil)
		if w.Code != http.StatusCreated {
			t.Fatalf("create with %q: %d %s", p, w.Code, w.Body.String())
		}
		var created createTicketResp
		if err := json.Unmarshal(w.Body.Bytes(), &created); err != nil {
			t.Fatal(err)
		}
		w = e.do("GET", V1+"/tickets/"+created.Ref, nil, bearerHdr(created.Token))
		if w.Code != http.StatusOK {
			t.Fatalf("read back: %d", w.Code)
		}
		if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("unsafe headers: %v", w.Header())
		}
		if strings.Contains(w.Body.String(), "<script>") || strings.Contains(w.Body.String(), "<img") {
			t.Fatalf("raw markup in JSON: %s", w.Body.String())
		}
		var got publicTicketResp
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if got.Subject != p || len(got.Messages) != 1 || got.Messages[0].Body != p {
			t.Fatalf("not verbatim: subject %q, messages %+v, want %q", got.Subject, got.Messages, p)
		}
	}
	var n int64
	if err := e.st.DB(context.Background()).Model(&models.Ticket{}).Count(&n).Error; err != nil || n != int64(2+len(payloads)) {
		t.Fatalf("tickets table after injections: n=%d err=%v", n, err)
	}
	// Staff search parameters are bound, not concatenated.
	w := e.do("GET", V1+"/queue?category="+strings.ReplaceAll(`x' OR '1'='1`, " ", "%20"), nil, bearerHdr(e.tokens["agent"]))
	var q queueResp
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &q) != nil || len(q.Tickets) != 0 {
		t.Fatalf("injected category filter: %d %s", w.Code, w.Body.String())
	}
}

func TestBodiesOversizedMalformedUnknown(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	big := `{"email":"` + strings.Repeat("a", MaxBodyBytes+10) + `"}`
	cases := []struct {
		name   string
		body   string
		hdr    map[string]string
		status int
		code   string
		field  string
	}{
		{"oversized", big, nil, http.StatusRequestEntityTooLarge, CodeTooLarge, ""},
		{"malformed", `{"email": "a@b", `, nil, http.StatusBadRequest, CodeBadRequest, ""},
		{"not an object", `[1,2]`, nil, http.StatusBadRequest, CodeValidation, "body"},
		{"unknown field", `{"email":"a@b.test","password":"x","admin":true}`, nil, http.StatusBadRequest, CodeValidation, "admin"},
		{"wrong type", `{"email":42,"password":"x"}`, nil, http.StatusBadRequest, CodeValidation, "email"},
		{"two values", `{"email":"a@b.test","password":"x"} {}`, nil, http.StatusBadRequest, CodeBadRequest, ""},
		{"empty", ``, nil, http.StatusBadRequest, CodeBadRequest, ""},
		{"missing fields", `{}`, nil, http.StatusBadRequest, CodeValidation, "email"},
		{"form post", `email=a`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, http.StatusUnsupportedMediaType, CodeUnsupportedMedia, ""},
	}
	for _, c := range cases {
		w := e.do("POST", V1+"/auth/login", c.body, c.hdr)
		if w.Code != c.status {
			t.Errorf("%s: status %d, want %d: %.200s", c.name, w.Code, c.status, w.Body.String())
			continue
		}
		got := errorOf(t, w)
		if got.Code != c.code || (c.field != "" && got.Fields[c.field] == "") {
			t.Errorf("%s: error %+v, want code %s field %q", c.name, got, c.code, c.field)
		}
	}
	// A body without Content-Length (chunked) is cut at the limit too.
	req := httptest.NewRequest("POST", V1+"/auth/login", strings.NewReader(big))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked oversized body: %d", w.Code)
	}
	// Unknown routes and methods answer the same shape.
	if w := e.do("GET", V1+"/nope", nil, nil); w.Code != http.StatusNotFound || errorOf(t, w).Code != CodeNotFound {
		t.Errorf("unknown route: %d", w.Code)
	}
	if w := e.do("DELETE", V1+"/auth/login", nil, nil); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("wrong method: %d", w.Code)
	}
}

func TestRateLimitRetryAfter(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{
		Public: Limit{Rate: rate.Every(time.Hour), Burst: 2}, Login: Limit{Rate: rate.Every(30 * time.Second), Burst: 3},
		Integration: Limit{Rate: rate.Inf, Burst: 1},
	})
	body := `{"email":"agent@a.test","password":"wrong password"}`
	for i := 0; i < 3; i++ {
		if w := e.do("POST", V1+"/auth/login", body, nil); w.Code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, w.Code)
		}
	}
	w := e.do("POST", V1+"/auth/login", body, nil)
	if w.Code != http.StatusTooManyRequests || errorOf(t, w).Code != CodeRateLimited {
		t.Fatalf("4th login: %d", w.Code)
	}
	if ra := w.Header().Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("Retry-After = %q", ra)
	}
	// Another client IP has its own bucket; staff routes are not limited.
	req := httptest.NewRequest("POST", V1+"/auth/login", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = "198.51.100.7:1"
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("other IP limited: %d", rec.Code)
	}
	for i := 0; i < 5; i++ {
		if w := e.do("GET", V1+"/queue", nil, bearerHdr(e.tokens["agent"])); w.Code != http.StatusOK {
			t.Fatalf("staff route limited: %d", w.Code)
		}
	}
	// The buyer/staff ticket route limits buyers, not staff behind a shared office IP.
	for i := 0; i < 4; i++ {
		if w := e.do("GET", fmt.Sprintf("%s/tickets/%d", V1, e.ticketA.ID), nil, bearerHdr(e.tokens["agent"])); w.Code != http.StatusOK {
			t.Fatalf("staff ticket detail limited: %d", w.Code)
		}
	}
	// Public buyer routes have their own class.
	for i := 0; i < 2; i++ {
		e.do("GET", V1+"/kb/suggest?merchant=shop-a&q=key", nil, nil)
	}
	if w := e.do("GET", V1+"/kb/suggest?merchant=shop-a&q=key", nil, nil); w.Code != http.StatusTooManyRequests {
		t.Fatalf("3rd public call: %d", w.Code)
	}
}

func TestLoginLockoutAndAudit(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	bad := `{"email":"agent@a.test","password":"wrong password"}`
	good := fmt.Sprintf(`{"email":"agent@a.test","password":%q}`, testPassword)
	for i := 0; i < 5; i++ {
		if w := e.do("POST", V1+"/auth/login", bad, map[string]string{"User-Agent": "tester"}); w.Code != http.StatusUnauthorized || errorOf(t, w).Code != CodeBadCredentials {
			t.Fatalf("bad attempt %d: %d", i, w.Code)
		}
	}
	w := e.do("POST", V1+"/auth/login", good, nil)
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("locked account logged in: %d", w.Code)
	}
	unknown := e.do("POST", V1+"/auth/login", `{"email":"ghost@a.test","password":"whatever"}`, nil)
	if unknown.Code != w.Code || errorOf(t, unknown).Message != errorOf(t, e.do("POST", V1+"/auth/login", good, nil)).Message {
		t.Fatal("unknown email and locked account answer differently")
	}
	// The other users are unaffected, and an admin reads the trail.
	w = e.do("POST", V1+"/auth/login", fmt.Sprintf(`{"email":"admin@a.test","password":%q}`, testPassword), nil)
	if w.Code != http.StatusOK {
		t.Fatalf("admin login: %d %s", w.Code, w.Body.String())
	}
	var lr loginResp
	if err := json.Unmarshal(w.Body.Bytes(), &lr); err != nil || lr.AccessToken == "" || lr.RefreshToken == "" || strings.Contains(w.Body.String(), "password_hash") {
		t.Fatalf("login response: %s", w.Body.String())
	}
	w = e.do("GET", V1+"/audit?action=login.locked", nil, bearerHdr(lr.AccessToken))
	var ar auditResp
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &ar) != nil || len(ar.Entries) != 1 {
		t.Fatalf("audit login.locked: %d %s", w.Code, w.Body.String())
	}
	en := ar.Entries[0]
	if en.IP != "192.0.2.10" || en.UserAgent != "tester" || en.ActorID == nil || *en.ActorID != e.users["agent"].ID || en.MerchantID == nil || *en.MerchantID != e.mA.ID || en.Action != AuditLoginLocked {
		t.Fatalf("audit entry: %+v", en)
	}
	w = e.do("GET", V1+"/audit?action=login.failure&limit=2", nil, bearerHdr(lr.AccessToken))
	if json.Unmarshal(w.Body.Bytes(), &ar) != nil || len(ar.Entries) != 2 || ar.NextCursor == "" {
		t.Fatalf("audit failures page 1: %s", w.Body.String())
	}
	w = e.do("GET", V1+"/audit?action=login.failure&limit=200&cursor="+ar.NextCursor, nil, bearerHdr(lr.AccessToken))
	ar = auditResp{}
	if json.Unmarshal(w.Body.Bytes(), &ar) != nil || len(ar.Entries) < 4 || ar.NextCursor != "" {
		t.Fatalf("audit failures page 2: %s", w.Body.String())
	}
	// Merchant B's admin sees none of A's audit trail.
	w = e.do("GET", V1+"/audit", nil, bearerHdr(e.tokens["other_admin"]))
	if strings.Contains(w.Body.String(), "a.test") {
		t.Fatalf("B reads A's audit: %s", w.Body.String())
	}
}

func TestKeyRevealMaskedAndAudited(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	w := e.do("GET", V1+"/orders/"+e.orderA.OrderNo, nil, bearerHdr(e.tokens["agent"]))
	if w.Code != http.StatusOK || strings.Contains(w.Body.String(), e.secretKeyA) || !strings.Contains(w.Body.String(), fmt.Sprintf("(id %d)", e.keyA.ID)) {
		t.Fatalf("order view: %d %s", w.Code, w.Body.String())
	}
	// Issue 16: the order panel names the product (it showed "#2").
	var ov orderResp
	if err := json.Unmarshal(w.Body.Bytes(), &ov); err != nil || ov.Order.ProductName != "Game" || ov.Order.SKU != "SKU-A" {
		t.Fatalf("order view product: %+v, %v", ov.Order, err)
	}
	path := fmt.Sprintf("%s/card-keys/%d/reveal", V1, e.keyA.ID)
	if w := e.do("POST", path, `{"reason":"check"}`, bearerHdr(e.tokens["agent"])); w.Code != http.StatusForbidden {
		t.Fatalf("agent reveal: %d", w.Code)
	}
	if w := e.do("POST", path, `{}`, bearerHdr(e.tokens["risk_agent"])); w.Code != http.StatusBadRequest {
		t.Fatalf("reveal without reason: %d", w.Code)
	}
	w = e.do("POST", path, `{"reason":"buyer says invalid"}`, bearerHdr(e.tokens["risk_agent"]))
	var rr revealResp
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &rr) != nil || rr.Secret != e.secretKeyA {
		t.Fatalf("reveal: %d %s", w.Code, w.Body.String())
	}
	var entries []models.AuditEntry
	e.st.DB(context.Background()).Where("action = ?", AuditKeyReveal).Find(&entries)
	if len(entries) != 1 || entries[0].TargetID != fmt.Sprint(e.keyA.ID) || *entries[0].ActorID != e.users["risk_agent"].ID ||
		strings.Contains(string(entries[0].Data), e.secretKeyA) {
		t.Fatalf("reveal audit: %+v", entries)
	}
}

func TestActionsReachWorkflow(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	path := fmt.Sprintf("%s/tickets/%d/reply", V1, e.ticketA.ID)
	hdr := bearerHdr(e.tokens["supervisor"])
	hdr["Idempotency-Key"] = "req-123"
	w := e.do("POST", path, `{"body":"on it","set_status":"pending_customer"}`, hdr)
	if w.Code != http.StatusOK {
		t.Fatalf("reply: %d %s", w.Code, w.Body.String())
	}
	act := e.fake.lastAct()
	in, ok := act.Input.(workflows.ReplyInput)
	if !ok || act.Update != workflows.UpdateReply || in.RequestID != "req-123" || in.Actor.Role != "supervisor" ||
		in.Actor.UserID != e.users["supervisor"].ID || in.Body != "on it" || in.SetStatus != "pending_customer" {
		t.Fatalf("act: %+v", act)
	}
	e.fake.reject = "ticket is closed"
	w = e.do("POST", fmt.Sprintf("%s/tickets/%d/claim", V1, e.ticketA.ID), nil, bearerHdr(e.tokens["agent"]))
	if w.Code != http.StatusConflict || errorOf(t, w).Code != CodeRejected {
		t.Fatalf("rejected update: %d %s", w.Code, w.Body.String())
	}
	e.fake.reject = ""
	w = e.do("POST", fmt.Sprintf("%s/tickets/%d/refund/approve", V1, e.ticketA.ID), `{"reason":"ok","amount":500}`, bearerHdr(e.tokens["agent"]))
	if w.Code != http.StatusOK {
		t.Fatalf("refund approve: %d %s", w.Code, w.Body.String())
	}
	dec, ok := e.fake.lastAct().Input.(workflows.DecisionInput)
	if !ok || !dec.Approve || dec.Amount != 500 || dec.Actor.Role != "agent" {
		t.Fatalf("refund decision: %+v", e.fake.lastAct())
	}
	var n int64
	e.st.DB(context.Background()).Model(&models.AuditEntry{}).Where("action = ?", AuditRefundDecide).Count(&n)
	if n != 1 {
		t.Fatalf("refund decision audited %d times", n)
	}
	// Assigning to a user of another merchant is refused.
	w = e.do("POST", fmt.Sprintf("%s/tickets/%d/assign", V1, e.ticketA.ID), fmt.Sprintf(`{"assignee_id":%d}`, e.users["other_admin"].ID), bearerHdr(e.tokens["supervisor"]))
	if w.Code != http.StatusBadRequest {
		t.Fatalf("assign across merchants: %d", w.Code)
	}
	// Staff detail carries internal notes.
	w = e.do("GET", fmt.Sprintf("%s/tickets/%d", V1, e.ticketA.ID), nil, bearerHdr(e.tokens["agent"]))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "INTERNAL-NOTE-TEXT") || strings.Contains(w.Body.String(), "access_token_hash") {
		t.Fatalf("staff detail: %d %s", w.Code, w.Body.String())
	}
}

func TestUsersAndRolesAdmin(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	admin := bearerHdr(e.tokens["admin"])
	w := e.do("POST", V1+"/users", `{"email":"new@a.test","name":"New","roles":["agent"]}`, admin)
	var cu createUserResp
	if w.Code != http.StatusCreated || json.Unmarshal(w.Body.Bytes(), &cu) != nil || len(cu.Password) < 16 || cu.User.Roles[0] != "agent" {
		t.Fatalf("create user: %d %s", w.Code, w.Body.String())
	}
	if w := e.do("POST", V1+"/users", `{"email":"new@a.test","name":"Again"}`, admin); w.Code != http.StatusBadRequest || errorOf(t, w).Fields["email"] == "" {
		t.Fatalf("duplicate email: %d", w.Code)
	}
	w = e.do("POST", V1+"/auth/login", fmt.Sprintf(`{"email":"new@a.test","password":%q}`, cu.Password), nil)
	var lr loginResp
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &lr) != nil {
		t.Fatalf("new user login: %d", w.Code)
	}
	if w := e.do("GET", V1+"/queue", nil, bearerHdr(lr.AccessToken)); w.Code != http.StatusOK {
		t.Fatalf("new agent queue: %d", w.Code)
	}
	if w := e.do("PUT", fmt.Sprintf("%s/users/%d/roles/supervisor", V1, cu.User.ID), nil, admin); w.Code != http.StatusOK {
		t.Fatalf("grant: %d", w.Code)
	}
	if w := e.do("GET", V1+"/sla/overview", nil, bearerHdr(lr.AccessToken)); w.Code != http.StatusOK {
		t.Fatalf("granted supervisor reads SLA overview: %d %s", w.Code, w.Body.String())
	}
	if w := e.do("DELETE", fmt.Sprintf("%s/users/%d/roles/supervisor", V1, cu.User.ID), nil, admin); w.Code != http.StatusOK {
		t.Fatalf("revoke: %d", w.Code)
	}
	if w := e.do("GET", V1+"/sla/overview", nil, bearerHdr(lr.AccessToken)); w.Code != http.StatusForbidden {
		t.Fatalf("revoked supervisor: %d", w.Code)
	}
	// Deactivation kills the live token at once.
	if w := e.do("PATCH", fmt.Sprintf("%s/users/%d", V1, cu.User.ID), `{"active":false}`, admin); w.Code != http.StatusOK {
		t.Fatalf("deactivate: %d", w.Code)
	}
	if w := e.do("GET", V1+"/me", nil, bearerHdr(lr.AccessToken)); w.Code != http.StatusUnauthorized {
		t.Fatalf("deactivated user's token: %d", w.Code)
	}
	var n int64
	e.st.DB(context.Background()).Model(&models.AuditEntry{}).Where("action IN ?", []string{AuditUserCreate, AuditRoleGrant, AuditRoleRevoke, AuditUserUpdate}).Count(&n)
	if n != 5 { // create, its agent grant, grant supervisor, revoke, deactivate
		t.Fatalf("user/role changes audited %d times, want 5", n)
	}
}

func TestOpenAPICoversEveryRoute(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	w := e.do("GET", "/api/openapi.json", nil, nil)
	var spec struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &spec) != nil || spec.OpenAPI != "3.0.3" {
		t.Fatalf("spec: %d", w.Code)
	}
	n := 0
	for _, rt := range e.srv.Routes() {
		op, ok := spec.Paths[openAPIPath(rt.Path)][strings.ToLower(rt.Method)]
		if !ok {
			t.Errorf("%s %s is missing from the OpenAPI document", rt.Method, rt.Path)
			continue
		}
		n++
		if rt.Perm.Obj != "" && op["x-permission"] != rt.Perm.String() {
			t.Errorf("%s %s: x-permission %v, want %s", rt.Method, rt.Path, op["x-permission"], rt.Perm)
		}
		if rt.Doc.Summary == "" {
			t.Errorf("%s %s has no summary", rt.Method, rt.Path)
		}
	}
	ops := 0
	for _, m := range spec.Paths {
		ops += len(m)
	}
	if ops != n {
		t.Errorf("spec has %d operations, the route table %d", ops, n)
	}
	w = e.do("GET", "/api/docs", nil, nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "/api/openapi.json") || strings.Contains(w.Body.String(), "https://") || strings.Contains(w.Body.String(), "http://") {
		t.Fatalf("docs page: %d (must load nothing external)", w.Code)
	}
}

func TestOpsEndpoints(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	if w := e.do("GET", "/healthz", nil, nil); w.Code != http.StatusOK {
		t.Fatalf("healthz: %d", w.Code)
	}
	if w := e.do("GET", "/readyz", nil, nil); w.Code != http.StatusOK {
		t.Fatalf("readyz: %d", w.Code)
	}
	e.do("GET", V1+"/tickets/"+e.ticketA.Ref, nil, bearerHdr(e.tokenA))
	w := e.do("GET", "/metrics", nil, nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `keydesk_http_requests_total{method="GET",route="/api/v1/tickets/:ticket",status="200"} 1`) {
		t.Fatalf("metrics: %d %s", w.Code, w.Body.String())
	}
	if strings.Contains(w.Body.String(), e.ticketA.Ref) {
		t.Fatal("metrics labelled by raw path")
	}
}

func TestSLAPoliciesRoundTrip(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	sup := bearerHdr(e.tokens["supervisor"])
	bad := `{"policies":[{"priority":"asap","first_response_secs":0,"next_response_secs":1,"resolution_secs":1,"warn_fraction":1.5}],"calendar":{"timezone":"Mars/Base","week":["x"],"holidays":["tomorrow"]}}`
	w := e.do("PUT", V1+"/sla-policies", bad, sup)
	if w.Code != http.StatusBadRequest {
		t.Fatalf("bad policies: %d", w.Code)
	}
	fields := errorOf(t, w).Fields
	for _, f := range []string{"policies[0].priority", "policies[0].first_response_secs", "policies[0].warn_fraction", "calendar.timezone", "calendar.week", "calendar.holidays[0]"} {
		if fields[f] == "" {
			t.Errorf("no field error for %s: %v", f, fields)
		}
	}
	raw, _ := json.Marshal(slaPoliciesExample)
	if w := e.do("PUT", V1+"/sla-policies", string(raw), bearerHdr(e.tokens["agent"])); w.Code != http.StatusForbidden {
		t.Fatalf("agent edits SLA: %d", w.Code)
	}
	w = e.do("PUT", V1+"/sla-policies", string(raw), sup)
	var got slaPoliciesDoc
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &got) != nil {
		t.Fatalf("put: %d %s", w.Code, w.Body.String())
	}
	want, _ := json.Marshal(slaPoliciesExample)
	have, _ := json.Marshal(got)
	if string(want) != string(have) {
		t.Fatalf("round trip\n got %s\nwant %s", have, want)
	}
	// Merchant B sees none of it.
	w = e.do("GET", V1+"/sla-policies", nil, bearerHdr(e.tokens["other_admin"]))
	if w.Code != http.StatusOK || strings.Contains(w.Body.String(), "Europe/Berlin") {
		t.Fatalf("B reads A's policies: %s", w.Body.String())
	}
}

func TestResendLinkNeverRevealsAMatch(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	match := e.do("POST", V1+"/tickets/resend-link", `{"merchant":"shop-a","order_no":"A-1001","contact":"buyer@a.test"}`, nil)
	miss := e.do("POST", V1+"/tickets/resend-link", `{"merchant":"shop-a","order_no":"A-9999","contact":"x@y.test"}`, nil)
	noShop := e.do("POST", V1+"/tickets/resend-link", `{"merchant":"nope","order_no":"A-1001","contact":"buyer@a.test"}`, nil)
	if match.Code != http.StatusAccepted || match.Body.String() != miss.Body.String() || miss.Body.String() != noShop.Body.String() || miss.Code != noShop.Code {
		t.Fatalf("answers differ: %d %s / %d %s / %d %s", match.Code, match.Body, miss.Code, miss.Body, noShop.Code, noShop.Body)
	}
	// Issue 16: the status page names the shop by the ticket's ref; an unknown ref answers
	// the same, and a request naming neither is a field error.
	byRef := e.do("POST", V1+"/tickets/resend-link", `{"ref":"`+e.ticketA.Ref+`","order_no":"A-1001","contact":"buyer@a.test"}`, nil)
	noRef := e.do("POST", V1+"/tickets/resend-link", `{"ref":"KD-NOPE","order_no":"A-1001","contact":"buyer@a.test"}`, nil)
	if byRef.Code != http.StatusAccepted || byRef.Body.String() != miss.Body.String() || noRef.Body.String() != miss.Body.String() {
		t.Fatalf("by ref: %d %s / %d %s", byRef.Code, byRef.Body, noRef.Code, noRef.Body)
	}
	if w := e.do("POST", V1+"/tickets/resend-link", `{"order_no":"A-1001","contact":"buyer@a.test"}`, nil); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `"merchant"`) {
		t.Fatalf("neither shop nor ref: %d %s", w.Code, w.Body.String())
	}
}

func TestPlatformAdminChoosesMerchant(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	ctx := context.Background()
	h, _ := e.auth.HashPassword(testPassword)
	u := models.User{Email: "root@platform.test", Name: "Root", PasswordHash: h, Active: true}
	e.must(e.st.CreateUser(ctx, &u))
	e.must(e.rbac.Grant(ctx, u.ID, "admin", 0))
	tok, _, err := e.auth.IssueAccess(u)
	e.must(err)
	if w := e.do("GET", V1+"/queue", nil, bearerHdr(tok)); w.Code != http.StatusForbidden && w.Code != http.StatusBadRequest {
		t.Fatalf("platform admin without a merchant: %d", w.Code)
	}
	hdr := bearerHdr(tok)
	hdr[HeaderMerchant] = fmt.Sprint(e.mA.ID)
	w := e.do("GET", V1+"/queue", nil, hdr)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "A-secret-subject") {
		t.Fatalf("platform admin in merchant A: %d %s", w.Code, w.Body.String())
	}
	// A merchant user cannot switch merchants with the header.
	hdr = bearerHdr(e.tokens["admin"])
	hdr[HeaderMerchant] = fmt.Sprint(e.mB.ID)
	w = e.do("GET", V1+"/queue", nil, hdr)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "A-secret-subject") {
		t.Fatalf("merchant admin with a foreign header: %d %s", w.Code, w.Body.String())
	}
}

// TestForgedJWTsOverHTTP: the router answers 401 in the error shape to forged staff tokens
// (the cases are exhaustively covered in internal/auth; these go through the middleware).
func TestForgedJWTsOverHTTP(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	good := e.tokens["admin"]
	parts := strings.Split(good, ".")
	b64 := func(s string) string { return strings.TrimRight(base64URL(s), "=") }
	forged := map[string]string{
		"alg none":   b64(`{"alg":"none","typ":"JWT"}`) + "." + parts[1] + ".",
		"RS256 head": b64(`{"alg":"RS256","typ":"JWT"}`) + "." + parts[1] + "." + parts[2],
		"tampered":   parts[0] + "." + b64(`{"mid":2,"tv":0,"iss":"keydesk","sub":"1","exp":4102444800}`) + "." + parts[2],
		"truncated":  parts[0] + "." + parts[1],
	}
	for name, tok := range forged {
		w := e.do("GET", V1+"/me", nil, bearerHdr(tok))
		if w.Code != http.StatusUnauthorized || errorOf(t, w).Code != CodeUnauthorized || w.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("%s: %d %s", name, w.Code, w.Body.String())
		}
	}
	if w := e.do("GET", V1+"/me", nil, bearerHdr(good)); w.Code != http.StatusOK {
		t.Fatalf("good token: %d", w.Code)
	}
	// A buyer's ticket token is no staff credential, and a staff JWT opens no buyer route.
	if w := e.do("GET", V1+"/me", nil, bearerHdr(e.tokenA)); w.Code != http.StatusUnauthorized {
		t.Errorf("ticket token on /me: %d", w.Code)
	}
	if w := e.do("POST", V1+"/tickets/"+e.ticketA.Ref+"/csat", `{"score":5}`, bearerHdr(good)); w.Code != http.StatusNotFound {
		t.Errorf("staff JWT as a ticket token: %d", w.Code)
	}
}

// TestRouteBodyLimit: a route's MaxBody replaces the 1 MiB default for that route only.
func TestRouteBodyLimit(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	e.srv.maxBody["POST "+V1+"/auth/login"] = 16
	body := `{"email":"agent@a.test","password":"wrong password"}`
	if w := e.do("POST", V1+"/auth/login", body, nil); w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("login over its 16-byte cap: %d", w.Code)
	}
	if w := e.do("POST", V1+"/auth/refresh", `{"refresh_token":"not a token at all"}`, nil); w.Code != http.StatusUnauthorized {
		t.Fatalf("other route keeps the default cap: %d", w.Code)
	}
}

// TestShopInfo (issue 16): buyer pages name the shop; an unknown slug is a 404 in the one
// error shape, so the form can say so instead of showing a form that cannot be sent.
func TestShopInfo(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	w := e.do("GET", V1+"/shops/"+e.mA.Slug, nil, nil)
	var got shopResp
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &got) != nil || got.Slug != e.mA.Slug || got.Name == "" {
		t.Fatalf("known shop: %d %s", w.Code, w.Body.String())
	}
	w = e.do("GET", V1+"/shops/no-such-shop", nil, nil)
	if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), `"error"`) {
		t.Fatalf("unknown shop: %d %s", w.Code, w.Body.String())
	}
}

package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/rbac"
)

// expectedRoles is DESIGN.md's role table written out independently of rbac.DefaultPolicies:
// which roles hold each permission a route may name. A route naming a permission missing here
// fails the matrix, so a new route cannot escape it.
var expectedRoles = map[string][]string{
	"queue.read":           {rbac.RoleAgent, rbac.RoleRiskAgent, rbac.RoleSupervisor, rbac.RoleAdmin},
	"tickets.read":         {rbac.RoleAgent, rbac.RoleRiskAgent, rbac.RoleSupervisor, rbac.RoleAdmin},
	"tickets.work":         {rbac.RoleAgent, rbac.RoleRiskAgent, rbac.RoleSupervisor, rbac.RoleAdmin},
	"orders.read":          {rbac.RoleAgent, rbac.RoleRiskAgent, rbac.RoleSupervisor, rbac.RoleAdmin},
	"refunds.approve":      {rbac.RoleAgent, rbac.RoleSupervisor, rbac.RoleAdmin},
	"tickets.assign":       {rbac.RoleSupervisor, rbac.RoleAdmin},
	"risk.decide":          {rbac.RoleRiskAgent, rbac.RoleSupervisor, rbac.RoleAdmin},
	"disputes.decide":      {rbac.RoleSupervisor, rbac.RoleAdmin},
	"keys.reveal":          {rbac.RoleRiskAgent, rbac.RoleSupervisor, rbac.RoleAdmin},
	"sla.read":             {rbac.RoleSupervisor, rbac.RoleAdmin},
	"sla.edit":             {rbac.RoleSupervisor, rbac.RoleAdmin},
	"escalations.read":     {rbac.RoleSupervisor, rbac.RoleAdmin},
	"reports.read":         {rbac.RoleSupervisor, rbac.RoleAdmin},
	"users.read":           {rbac.RoleAdmin},
	"users.manage":         {rbac.RoleAdmin},
	"roles.manage":         {rbac.RoleAdmin},
	"audit.read":           {rbac.RoleAdmin},
	"inventory.read":       {rbac.RoleAdmin},
	"inventory.manage":     {rbac.RoleAdmin},
	"integrations.manage":  {rbac.RoleAdmin},
	"inventory.quarantine": {rbac.RoleSupervisor, rbac.RoleAdmin},
	"webhooks.manage":      {rbac.RoleAdmin},
	"settings.read":        {rbac.RoleAdmin},
	"settings.edit":        {rbac.RoleAdmin},
}

// callers of the matrix: anonymous, each role of merchant A, a user of A without roles, the
// admin of merchant B, the buyer of ticket A1 and the buyer of ticket A2 (whose token must not
// open A1).
var callers = []string{"anonymous", rbac.RoleAgent, rbac.RoleRiskAgent, rbac.RoleSupervisor, rbac.RoleAdmin, "norole", "other_admin", "buyer", "other_buyer"}

type outcome int

const (
	allow outcome = iota
	deny          // 401, 403 or 404: nothing served
)

func (o outcome) String() string { return [...]string{"allow", "deny"}[o] }

// expect derives the expected outcome of caller on rt from the route's Access and Perm.
func expect(t *testing.T, rt Route, caller string) outcome {
	isStaff := isStaffCaller(caller)
	switch rt.Access {
	case AccessPublic:
		return allow
	case AccessHMAC:
		return deny // no caller of the matrix signs
	case AccessTicket:
		if caller == "buyer" {
			return allow
		}
		return deny
	}
	if !isStaff {
		if rt.Access == AccessTicketOrStaff && caller == "buyer" {
			return allow
		}
		return deny
	}
	if caller == "other_admin" {
		// An admin passes Casbin in their own merchant B; that A's resources stay invisible is
		// checked on the answer (see TestAuthorizationMatrix).
		caller = rbac.RoleAdmin
	}
	if rt.Perm.Obj == "" {
		return allow
	}
	roles, ok := expectedRoles[rt.Perm.String()]
	if !ok {
		t.Fatalf("%s %s names permission %q that the matrix does not know: add it to expectedRoles", rt.Method, rt.Path, rt.Perm)
	}
	for _, r := range roles {
		if r == caller {
			return allow
		}
	}
	return deny
}

// fillPath puts merchant A's fixtures into the route's parameters: tickets by ref for buyers,
// by id for staff; a fresh victim user of A for user routes (so destructive calls do not
// disturb later cases).
func (e *env) fillPath(rt Route, caller string) string {
	ticket := fmt.Sprint(e.ticketA.ID)
	if rt.Access == AccessTicket || (rt.Access == AccessTicketOrStaff && !isStaffCaller(caller)) {
		ticket = e.ticketA.Ref
	}
	id := fmt.Sprint(e.keyA.ID)
	if strings.HasPrefix(rt.Path, V1+"/users/") {
		e.victims++
		victim := e.addUser(context.Background(), fmt.Sprintf("victim%d@a.test", e.victims), e.mA.ID, rbac.RoleAgent)
		id = fmt.Sprint(victim.ID)
	}
	r := strings.NewReplacer(":ticket", ticket, ":order_no", e.orderA.OrderNo, ":id", id, ":role", rbac.RoleAgent)
	return r.Replace(rt.Path)
}

func isStaffCaller(caller string) bool {
	return caller != "anonymous" && caller != "buyer" && caller != "other_buyer"
}

func (e *env) credentials(caller string) map[string]string {
	switch caller {
	case "anonymous":
		return nil
	case "buyer":
		return bearerHdr(e.tokenA)
	case "other_buyer":
		return bearerHdr(e.tokenA2)
	default:
		return bearerHdr(e.tokens[caller])
	}
}

// TestAuthorizationMatrix walks every route of the table × every caller. "allow" means the
// request passed authentication and authorisation and reached the handler; "deny" means it
// did not and was answered 401, 403 or 404 in the error shape. The admin of merchant B is
// allowed through Casbin (they are an admin) but on any route naming one of A's resources
// the handler must answer an error, a 404 when the route documents a valid example body, and
// no answer to B may contain A's data.
func TestAuthorizationMatrix(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	var reached *Route
	e.srv.reached = func(rt Route) { reached = &rt }
	if h, err := e.srv.engine(); err != nil {
		t.Fatal(err)
	} else {
		e.h = h
	}
	routes := e.srv.Routes()
	if len(routes) < 40 {
		t.Fatalf("route table has only %d routes", len(routes))
	}
	for _, rt := range routes {
		for _, caller := range callers {
			want := expect(t, rt, caller)
			name := fmt.Sprintf("%s %s as %s", rt.Method, rt.Path, caller)
			reached = nil
			w := e.do(rt.Method, e.fillPath(rt, caller), matrixBody(rt), e.credentials(caller))
			if strings.HasSuffix(rt.Path, "/auth/logout") && w.Code == http.StatusNoContent {
				// Logout denies the access token it was called with (issue 14): later cases
				// need a fresh one.
				tok, _, err := e.auth.IssueAccess(e.users[caller])
				e.must(err)
				e.tokens[caller] = tok
			}
			got := deny
			if reached != nil {
				got = allow
			}
			switch {
			case w.Code >= 500:
				t.Errorf("%s: status %d: %s", name, w.Code, w.Body.String())
			case got != want:
				t.Errorf("%s: got %s (status %d), want %s: %s", name, got, w.Code, want, w.Body.String())
			case got == deny && w.Code != http.StatusUnauthorized && w.Code != http.StatusForbidden && w.Code != http.StatusNotFound:
				t.Errorf("%s: denied with status %d", name, w.Code)
			}
			if got == deny {
				errorOf(t, w)
			}
			crossMerchant := caller == "other_admin" && strings.Contains(rt.Path, ":")
			if crossMerchant && w.Code < 400 {
				t.Errorf("%s: another merchant's resource answered %d: %s", name, w.Code, w.Body.String())
			}
			if crossMerchant && rt.Doc.Example != nil && w.Code != http.StatusNotFound {
				t.Errorf("%s: another merchant's resource answered %d, want 404", name, w.Code)
			}
			if caller == "other_admin" || got == deny {
				for _, leak := range []string{"A-secret-subject", "INTERNAL-NOTE-TEXT", "buyer@a.test", "agent@a.test", e.secretKeyA} {
					if strings.Contains(w.Body.String(), leak) {
						t.Errorf("%s: response leaks %q: %s", name, leak, w.Body.String())
					}
				}
			}
		}
	}
}

// matrixBody is the route's documented example, else its zero body, else nothing.
func matrixBody(rt Route) any {
	b := rt.Doc.Example
	if b == nil {
		b = rt.Doc.Body
	}
	if b == nil {
		return nil
	}
	raw, _ := json.Marshal(b)
	return string(raw)
}

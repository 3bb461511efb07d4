package api

// The route table: every endpoint of keydesk is one Route here (or in a group listed in
// routeGroups), naming its method, path, who may call it (Access + Perm), its rate-limit class
// and its handler. NewRouter mounts exactly this table; the auth middleware enforces Access and
// Perm from it; /api/openapi.json is generated from it; and the authorization-matrix test
// walks it, so a route cannot escape any of them.
//
// How to add routes (other engineers):
//  1. In your own file api/<concern>.go write a method on *Server returning []Route, e.g.
//     func (s *Server) integrationRoutes() []Route { return []Route{{Method: "POST",
//     Path: V1 + "/integrations/orders", Access: AccessHMAC, Limit: LimitIntegration,
//     Handler: s.pushOrder, Doc: Doc{Tag: "integrations", Summary: "…", Body: OrderPush{}}}} }
//  2. Add one line with that method to routeGroups below.
//  3. Staff routes name a permission from package rbac (rbac.ObjX / rbac.ActY); if you need a
//     new one, add it to rbac.DefaultPolicies (tell the API owner).
//  4. Handlers return error; use decodeJSON for bodies, s.merchant(c) for the caller's
//     merchant, and always filter reads by it (another merchant's row is a 404).
// Paths use Gin syntax; one wildcard name per position: tickets are "/tickets/:ticket"
// (numeric id for staff, public ref for buyers).

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/rbac"
	"github.com/keydesk/keydesk/workflows"
)

// V1 is the prefix of the JSON API.
const V1 = "/api/v1"

// Access says what credential a route requires.
type Access int

// Access kinds.
const (
	// AccessPublic needs nothing (buyers, ops).
	AccessPublic Access = iota
	// AccessTicket needs the ticket's private token (Bearer or ?token=) matching :ticket (a ref).
	AccessTicket
	// AccessStaff needs a staff JWT and, when Perm is set, that permission in the caller's merchant.
	AccessStaff
	// AccessTicketOrStaff serves buyers with a ticket token and staff (Perm) with a JWT.
	AccessTicketOrStaff
	// AccessHMAC needs a shop integration signature (see hmac.go).
	AccessHMAC
)

// String names the access kind (OpenAPI, test names).
func (a Access) String() string {
	return [...]string{"public", "ticket", "staff", "ticket_or_staff", "hmac"}[a]
}

// Perm is a Casbin object + action; the zero Perm on a staff route means "any signed-in staff".
type Perm struct{ Obj, Act string }

// String renders "obj.act".
func (p Perm) String() string {
	if p.Obj == "" {
		return ""
	}
	return p.Obj + "." + p.Act
}

// LimitClass names a per-IP rate limit (see RateLimits).
type LimitClass string

// Rate-limit classes.
const (
	LimitNone        LimitClass = ""
	LimitPublic      LimitClass = "public"
	LimitLogin       LimitClass = "login"
	LimitIntegration LimitClass = "integration"
)

// Handler serves one route; a returned error is written in the error shape.
type Handler func(c *gin.Context) error

// Route is one row of the route table.
type Route struct {
	Method string
	Path   string // full path, Gin syntax
	Access Access
	Perm   Perm
	Limit  LimitClass
	// MaxBody caps the request body (413 above); 0 means MaxBodyBytes (1 MiB). Raise it only
	// for bulk uploads such as key imports.
	MaxBody int64
	Handler Handler
	Doc     Doc
}

// Doc describes a route for the OpenAPI document.
type Doc struct {
	Tag     string
	Summary string
	// Body is a zero value of the request body type (nil: no body); Resp of the success body.
	Body any
	Resp any
	// Status is the success status (default 200).
	Status int
	// Query lists query parameters: name → description.
	Query [][2]string
	// Headers lists request headers: name → description.
	Headers [][2]string
	// Raw marks a non-JSON response (metrics, docs page).
	Raw string
	// RespAlt is a second success body (the spec says oneOf Resp, RespAlt).
	RespAlt any
	// Example is a valid request body (same type as Body): shown in the spec and sent by the
	// authorization-matrix test so the request reaches the resource checks.
	Example any
	// Upload names the multipart/form-data file field of an upload route (Body stays nil).
	Upload string
}

// routeGroups lists every group of routes; add yours here (one line).
func (s *Server) routeGroups() []func() []Route {
	return []func() []Route{
		s.opsRoutes,
		s.authRoutes,
		s.publicRoutes,
		s.staffTicketRoutes,
		s.manualCheckRoutes,
		s.orderRoutes,
		s.supervisorRoutes,
		s.adminRoutes,
		s.inventoryRoutes,
		s.batchRoutes,
		s.paymentRoutes,
		s.attachmentRoutes,
		s.reportsRoutes,
		s.settingsRoutes, s.macroRoutes,
		s.webhookRoutes,
		s.searchRoutes,
		s.kbRoutes,
		s.triageRoutes,
	}
}

// Routes returns the whole route table.
func (s *Server) Routes() []Route {
	var out []Route
	for _, g := range s.routeGroups() {
		out = append(out, g()...)
	}
	return out
}

func (s *Server) opsRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: "/healthz", Handler: s.healthz, Doc: Doc{Tag: "ops", Summary: "Liveness", Resp: statusResp{}}},
		{Method: http.MethodGet, Path: "/readyz", Handler: s.readyz, Doc: Doc{Tag: "ops", Summary: "Readiness: database and Temporal answer", Resp: statusResp{}}},
		{Method: http.MethodGet, Path: "/metrics", Handler: s.metricsHandler, Doc: Doc{Tag: "ops", Summary: "Prometheus metrics", Raw: "text/plain"}},
		{Method: http.MethodGet, Path: "/api/openapi.json", Handler: s.openAPIHandler, Doc: Doc{Tag: "ops", Summary: "This OpenAPI document", Raw: "application/json"}},
		{Method: http.MethodGet, Path: "/api/docs", Handler: s.docsHandler, Doc: Doc{Tag: "ops", Summary: "Readable API docs", Raw: "text/html"}},
	}
}

func (s *Server) authRoutes() []Route {
	return []Route{
		{Method: http.MethodPost, Path: V1 + "/auth/login", Limit: LimitLogin, Handler: s.login,
			Doc: Doc{Tag: "auth", Summary: "Staff login with email and password", Body: loginReq{}, Example: loginReq{Email: "agent@shop.example", Password: "correct horse battery"}, Resp: loginResp{}}},
		{Method: http.MethodPost, Path: V1 + "/auth/refresh", Limit: LimitLogin, Handler: s.refresh,
			Doc: Doc{Tag: "auth", Summary: "Exchange a refresh token (single use) for new tokens", Body: refreshReq{}, Example: refreshReq{RefreshToken: "…"}, Resp: loginResp{}}},
		{Method: http.MethodPost, Path: V1 + "/auth/logout", Access: AccessStaff, Handler: s.logout,
			Doc: Doc{Tag: "auth", Summary: "Revoke the refresh token, or every token with everywhere", Body: logoutReq{}, Status: http.StatusNoContent}},
		{Method: http.MethodPost, Path: V1 + "/auth/password", Access: AccessStaff, Limit: LimitLogin, Handler: s.changePassword,
			Doc: Doc{Tag: "auth", Summary: "Change own password (every issued token dies)", Body: passwordReq{}, Example: passwordReq{CurrentPassword: "old password 1", NewPassword: "new password 12"}, Status: http.StatusNoContent}},
		{Method: http.MethodGet, Path: V1 + "/me", Access: AccessStaff, Handler: s.me,
			Doc: Doc{Tag: "auth", Summary: "The signed-in user, roles and permissions", Resp: meResp{}}},
	}
}

func (s *Server) publicRoutes() []Route {
	return []Route{
		{Method: http.MethodPost, Path: V1 + "/tickets", Limit: LimitPublic, Handler: s.createTicket,
			Doc: Doc{Tag: "buyer", Summary: "Open a ticket (buyer); with manual_check, a submission whose order number and e-mail prove no order is kept for the shop to check by hand (202, status manual_check, no ticket)", Body: createTicketReq{}, Example: createTicketReq{Merchant: "shop-a", OrderNo: "A-1001", Email: "buyer@example.com", Category: "key_invalid", Subject: "Key does not work", Description: "The key says already redeemed."}, Resp: createTicketResp{}, Status: http.StatusCreated,
				Headers: [][2]string{{"Idempotency-Key", "retry-safe submission key"}}}},
		{Method: http.MethodGet, Path: V1 + "/shops/:merchant", Limit: LimitPublic, Handler: s.shopInfo,
			Doc: Doc{Tag: "buyer", Summary: "The shop's display name for the buyer pages (404 for an unknown shop)", Resp: shopResp{}}},
		{Method: http.MethodPost, Path: V1 + "/tickets/resend-link", Limit: LimitPublic, Handler: s.resendLink,
			Doc: Doc{Tag: "buyer", Summary: "Send the private link again to the order's contact (always 202)", Body: resendReq{}, Example: resendReq{Merchant: "shop-a", OrderNo: "A-1001", Contact: "buyer@example.com"}, Status: http.StatusAccepted}},
		{Method: http.MethodGet, Path: V1 + "/tickets/:ticket", Access: AccessTicketOrStaff, Perm: Perm{rbac.ObjTickets, rbac.ActRead}, Limit: LimitPublic, Handler: s.getTicket,
			Doc: Doc{Tag: "buyer", Summary: "Buyer: status by ref with the ticket token (publicTicketResp); staff: detail by id (staffTicketResp)", Resp: publicTicketResp{}, RespAlt: staffTicketResp{},
				Query: [][2]string{{"token", "ticket token (or Authorization: Bearer)"}}}},
		{Method: http.MethodPost, Path: V1 + "/tickets/:ticket/messages", Access: AccessTicket, Limit: LimitPublic, Handler: s.buyerMessage,
			Doc: Doc{Tag: "buyer", Summary: "Buyer reply", Body: messageReq{}, Example: messageReq{Body: "Here is a screenshot of the error."}, Resp: actionResp{}}},
		{Method: http.MethodPost, Path: V1 + "/tickets/:ticket/csat", Access: AccessTicket, Limit: LimitPublic, Handler: s.buyerCSAT,
			Doc: Doc{Tag: "buyer", Summary: "Rate a resolved ticket (1–5)", Body: csatReq{}, Example: csatReq{Score: 5, Comment: "Fast help"}, Resp: actionResp{}}},
	}
}

func (s *Server) staffTicketRoutes() []Route {
	work := Perm{rbac.ObjTickets, rbac.ActWork}
	act := func(verb string, perm Perm, body any, h Handler, summary string) Route {
		return Route{Method: http.MethodPost, Path: V1 + "/tickets/:ticket/" + verb, Access: AccessStaff, Perm: perm, Handler: h,
			Doc: Doc{Tag: "tickets", Summary: summary, Body: body, Example: actionExamples[verb], Resp: actionResp{},
				Headers: [][2]string{{"Idempotency-Key", "request id: a repeated key does not act twice"}}}}
	}
	return []Route{
		{Method: http.MethodGet, Path: V1 + "/queue", Access: AccessStaff, Perm: Perm{rbac.ObjQueue, rbac.ActRead}, Handler: s.queue,
			Doc: Doc{Tag: "tickets", Summary: "Agent queue sorted by SLA due time (cursor pagination)", Resp: queueResp{}, Query: queueParams}},
		{Method: http.MethodGet, Path: V1 + "/tickets/:ticket/updates/:update", Access: AccessStaff, Perm: Perm{rbac.ObjTickets, rbac.ActRead}, Handler: s.ticketUpdate,
			Doc: Doc{Tag: "tickets", Summary: "Result of an action that answered 202 pending (200 when done, 202 while it runs)", Resp: actionResp{}}},
		act("claim", work, nil, s.actClaim, "Take the ticket"),
		act("assign", Perm{rbac.ObjTickets, rbac.ActAssign}, assignReq{}, s.actAssign, "Assign to a user (0 clears)"),
		act("reply", work, replyReq{}, s.actReply, "Public reply to the buyer"),
		act("note", work, replyReq{}, s.actNote, "Internal note"),
		act("status", work, statusReq{}, s.actStatus, "Set status"),
		act("priority", work, priorityReq{}, s.actPriority, "Set priority (SLA deadlines recomputed)"),
		act("escalate", work, escalateReq{}, s.actEscalate, "Escalate up or down"),
		act("resolve", work, replyReq{}, s.actResolve, "Resolve, optionally with a closing message"),
		act("reopen", work, nil, s.actReopen, "Reopen"),
		act("risk/approve", Perm{rbac.ObjRisk, rbac.ActDecide}, decisionReq{}, s.actRisk(true), "Approve a risk review (reissue)"),
		act("risk/deny", Perm{rbac.ObjRisk, rbac.ActDecide}, decisionReq{}, s.actRisk(false), "Deny a risk review"),
		act("refund/approve", Perm{rbac.ObjRefunds, rbac.ActApprove}, decisionReq{}, s.actRefund(true), "Approve a refund (agents up to the agent limit)"),
		act("refund/reject", Perm{rbac.ObjRefunds, rbac.ActApprove}, decisionReq{}, s.actRefund(false), "Reject a refund"),
	}
}

// actionExamples are valid bodies of the ticket actions.
var actionExamples = map[string]any{
	"assign":         assignReq{AssigneeID: 0},
	"reply":          replyReq{Body: "A new key is on its way.", SetStatus: "pending_customer"},
	"note":           replyReq{Body: "Checked the supplier batch."},
	"status":         statusReq{Status: "pending_internal"},
	"priority":       priorityReq{Priority: "high"},
	"escalate":       escalateReq{Delta: 1, Reason: "VIP buyer"},
	"resolve":        replyReq{Body: "Resolved: replacement delivered."},
	"risk/approve":   decisionReq{Reason: "history is clean"},
	"risk/deny":      decisionReq{Reason: "key revealed before the claim"},
	"refund/approve": decisionReq{Reason: "within the refund window"},
	"refund/reject":  decisionReq{Reason: "key already redeemed"},
}

func ptr[T any](v T) *T { return &v }

func (s *Server) orderRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: V1 + "/orders/:order_no", Access: AccessStaff, Perm: Perm{rbac.ObjOrders, rbac.ActRead}, Handler: s.getOrder,
			Doc: Doc{Tag: "orders", Summary: "Order with delivery history (keys masked)", Resp: orderResp{}}},
		{Method: http.MethodPost, Path: V1 + "/card-keys/:id/reveal", Access: AccessStaff, Perm: Perm{rbac.ObjKeys, rbac.ActReveal}, Handler: s.revealKey,
			Doc: Doc{Tag: "orders", Summary: "Reveal a card key's secret (audited)", Body: revealReq{}, Example: revealReq{Reason: "buyer disputes the delivered key"}, Resp: revealResp{}}},
	}
}

func (s *Server) supervisorRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: V1 + "/sla/overview", Access: AccessStaff, Perm: Perm{rbac.ObjSLA, rbac.ActRead}, Handler: s.slaOverview,
			Doc: Doc{Tag: "supervisor", Summary: "SLA health per queue", Resp: slaOverviewResp{}}},
		{Method: http.MethodGet, Path: V1 + "/escalations", Access: AccessStaff, Perm: Perm{rbac.ObjEscalations, rbac.ActRead}, Handler: s.escalations,
			Doc: Doc{Tag: "supervisor", Summary: "Escalated tickets, highest level first", Resp: escalationsResp{}}},
		{Method: http.MethodGet, Path: V1 + "/sla-policies", Access: AccessStaff, Perm: Perm{rbac.ObjSLA, rbac.ActRead}, Handler: s.getSLAPolicies,
			Doc: Doc{Tag: "supervisor", Summary: "SLA targets per priority and the business calendar", Resp: slaPoliciesDoc{}}},
		{Method: http.MethodGet, Path: V1 + "/sla-policies/propagation", Access: AccessStaff, Perm: Perm{rbac.ObjSLA, rbac.ActRead}, Handler: s.slaPropagation,
			Doc: Doc{Tag: "supervisor", Summary: "Progress of telling open tickets about a policy edit (id: the PUT's X-Keydesk-Propagation header)",
				Resp: workflows.FanoutProgress{}, Query: [][2]string{{"id", "the fan-out's id"}}}},
		{Method: http.MethodPut, Path: V1 + "/sla-policies", Access: AccessStaff, Perm: Perm{rbac.ObjSLA, rbac.ActEdit}, Handler: s.putSLAPolicies,
			Doc: Doc{Tag: "supervisor", Summary: "Edit SLA targets / calendar (open tickets recompute their deadlines; audited)",
				Body: slaPoliciesDoc{}, Example: slaPoliciesExample, Resp: slaPoliciesDoc{}}},
	}
}

func (s *Server) adminRoutes() []Route {
	users := Perm{rbac.ObjUsers, rbac.ActManage}
	return []Route{
		{Method: http.MethodGet, Path: V1 + "/users", Access: AccessStaff, Perm: Perm{rbac.ObjUsers, rbac.ActRead}, Handler: s.listUsers,
			Doc: Doc{Tag: "admin", Summary: "Users of the merchant", Resp: usersResp{}}},
		{Method: http.MethodPost, Path: V1 + "/users", Access: AccessStaff, Perm: users, Handler: s.createUser,
			Doc: Doc{Tag: "admin", Summary: "Create a user with a generated password (shown once)", Body: createUserReq{}, Example: createUserReq{Email: "new.agent@shop.example", Name: "New Agent", Roles: []string{"agent"}}, Resp: createUserResp{}, Status: http.StatusCreated}},
		{Method: http.MethodGet, Path: V1 + "/users/:id", Access: AccessStaff, Perm: Perm{rbac.ObjUsers, rbac.ActRead}, Handler: s.getUser,
			Doc: Doc{Tag: "admin", Summary: "One user with roles", Resp: userView{}}},
		{Method: http.MethodPatch, Path: V1 + "/users/:id", Access: AccessStaff, Perm: users, Handler: s.updateUser,
			Doc: Doc{Tag: "admin", Summary: "Rename, activate or deactivate", Body: updateUserReq{}, Example: updateUserReq{Name: ptr("Renamed")}, Resp: userView{}}},
		{Method: http.MethodDelete, Path: V1 + "/users/:id", Access: AccessStaff, Perm: users, Handler: s.deleteUser,
			Doc: Doc{Tag: "admin", Summary: "Delete a user and their grants", Status: http.StatusNoContent}},
		{Method: http.MethodPost, Path: V1 + "/users/:id/password", Access: AccessStaff, Perm: users, Handler: s.resetPassword,
			Doc: Doc{Tag: "admin", Summary: "Reset a user's password to a generated one (shown once)", Resp: createUserResp{}}},
		{Method: http.MethodPut, Path: V1 + "/users/:id/roles/:role", Access: AccessStaff, Perm: Perm{rbac.ObjRoles, rbac.ActManage}, Handler: s.grantRole,
			Doc: Doc{Tag: "admin", Summary: "Grant a role in the merchant", Resp: userView{}}},
		{Method: http.MethodDelete, Path: V1 + "/users/:id/roles/:role", Access: AccessStaff, Perm: Perm{rbac.ObjRoles, rbac.ActManage}, Handler: s.revokeRole,
			Doc: Doc{Tag: "admin", Summary: "Revoke a role in the merchant", Resp: userView{}}},
		{Method: http.MethodGet, Path: V1 + "/audit", Access: AccessStaff, Perm: Perm{rbac.ObjAudit, rbac.ActRead}, Handler: s.listAudit,
			Doc: Doc{Tag: "admin", Summary: "Audit log, newest first (cursor pagination)", Resp: auditResp{},
				Query: [][2]string{{"action", "e.g. login.success, key.reveal"}, {"actor_id", "user id"}, {"target_type", ""}, {"target_id", ""}, {"from", "RFC 3339"}, {"to", "RFC 3339"}, {"cursor", "from next_cursor"}, {"limit", "1–200"}}}},
	}
}

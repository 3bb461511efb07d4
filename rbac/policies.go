package rbac

// Permission objects and actions named by the API's route table. A permission is written
// "object.action" in docs; Casbin sees them as separate obj / act fields.
const (
	ObjTickets      = "tickets"
	ObjQueue        = "queue"
	ObjRefunds      = "refunds"
	ObjRisk         = "risk"
	ObjKeys         = "keys"
	ObjOrders       = "orders"
	ObjSLA          = "sla"
	ObjEscalations  = "escalations"
	ObjReports      = "reports"
	ObjUsers        = "users"
	ObjRoles        = "roles"
	ObjAudit        = "audit"
	ObjInventory    = "inventory"
	ObjIntegrations = "integrations"
	ObjWebhooks     = "webhooks"
	ObjSettings     = "settings"
	ObjDisputes     = "disputes"

	ActRead       = "read"
	ActWork       = "work"        // claim, reply, note, status, priority, escalate, resolve, reopen
	ActAssign     = "assign"      // (re)assign to someone else
	ActApprove    = "approve"     // refunds up to the agent limit (the workflow checks amounts)
	ActApproveAny = "approve_any" // refunds of any amount
	ActDecide     = "decide"      // risk reviews; dispute sign-off and outcome
	ActReveal     = "reveal"      // card-key secrets (audited)
	ActEdit       = "edit"
	ActManage     = "manage"
	ActQuarantine = "quarantine" // withdraw a key batch
)

// Policy is one permission of a role: role may do Act on Obj in every merchant it holds the
// role in. Act is a regular expression alternative list ("read|work").
type Policy struct {
	Role, Obj, Act string
}

// DefaultPolicies is DESIGN.md's role table as Casbin lines, seeded at start. The order is
// fixed (it is the seeding order).
func DefaultPolicies() []Policy {
	staff := func(role string) []Policy {
		return []Policy{
			{role, ObjQueue, ActRead},
			{role, ObjTickets, ActRead + "|" + ActWork},
			{role, ObjOrders, ActRead},
		}
	}
	var out []Policy
	out = append(out, staff(RoleAgent)...)
	out = append(out, Policy{RoleAgent, ObjRefunds, ActApprove})

	out = append(out, staff(RoleRiskAgent)...)
	out = append(out,
		Policy{RoleRiskAgent, ObjRisk, ActDecide},
		Policy{RoleRiskAgent, ObjKeys, ActReveal},
	)

	out = append(out, staff(RoleSupervisor)...)
	out = append(out,
		Policy{RoleSupervisor, ObjTickets, ActAssign},
		Policy{RoleSupervisor, ObjRefunds, ActApprove + "|" + ActApproveAny},
		Policy{RoleSupervisor, ObjRisk, ActDecide},
		Policy{RoleSupervisor, ObjDisputes, ActDecide},
		Policy{RoleSupervisor, ObjKeys, ActReveal},
		Policy{RoleSupervisor, ObjSLA, ActRead + "|" + ActEdit},
		Policy{RoleSupervisor, ObjEscalations, ActRead},
		Policy{RoleSupervisor, ObjReports, ActRead},
		Policy{RoleSupervisor, ObjInventory, ActQuarantine},
	)

	out = append(out, staff(RoleAdmin)...)
	out = append(out,
		Policy{RoleAdmin, ObjTickets, ActAssign},
		Policy{RoleAdmin, ObjRefunds, ActApprove + "|" + ActApproveAny},
		Policy{RoleAdmin, ObjRisk, ActDecide},
		Policy{RoleAdmin, ObjDisputes, ActDecide},
		Policy{RoleAdmin, ObjKeys, ActReveal},
		Policy{RoleAdmin, ObjSLA, ActRead + "|" + ActEdit},
		Policy{RoleAdmin, ObjEscalations, ActRead},
		Policy{RoleAdmin, ObjReports, ActRead},
		Policy{RoleAdmin, ObjUsers, ActRead + "|" + ActManage},
		Policy{RoleAdmin, ObjRoles, ActRead + "|" + ActManage},
		Policy{RoleAdmin, ObjAudit, ActRead},
		Policy{RoleAdmin, ObjInventory, ActRead + "|" + ActManage},
		Policy{RoleAdmin, ObjIntegrations, ActRead + "|" + ActManage},
		Policy{RoleAdmin, ObjWebhooks, ActRead + "|" + ActManage},
		Policy{RoleAdmin, ObjSettings, ActRead + "|" + ActEdit},
		Policy{RoleAdmin, ObjInventory, ActQuarantine},
	)
	return out
}

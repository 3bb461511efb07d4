// Package rbac is keydesk's authorisation: Casbin RBAC with domains, where a domain is a
// merchant ("merchant:<id>") or the platform ("*"). Roles are granted per merchant; a role
// granted in "*" (platform admins) applies in every merchant. Role permissions are policy lines
// in domain "*" seeded from DefaultPolicies; everything is stored in casbin_rule through
// Adapter, one line at a time.
package rbac

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/util"

	"github.com/keydesk/keydesk/store"
)

// Roles, lowest first.
const (
	RoleAgent      = "agent"
	RoleRiskAgent  = "risk_agent"
	RoleSupervisor = "supervisor"
	RoleAdmin      = "admin"
)

// AllRoles lists every role, lowest first.
var AllRoles = []string{RoleAgent, RoleRiskAgent, RoleSupervisor, RoleAdmin}

// PlatformDomain is the domain of platform-wide grants and of the role permission lines.
const PlatformDomain = "*"

// ModelText is the verified Casbin model (see STACK.md): RBAC with domains where a grouping or
// policy line in domain "*" applies in every domain.
const ModelText = `
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && (p.dom == "*" || r.dom == p.dom) && keyMatch2(r.obj, p.obj) && regexMatch(r.act, "^(" + p.act + ")$")
`

// Enforcer answers permission questions and manages role grants. It is safe for concurrent use.
//
// Grants made by another process (seed-demo, another API replica) reach this one two ways: a
// denied check reloads the policies (at most once per ReloadOnDenyEvery) and asks again, so a
// fresh grant works at once; and StartAutoLoad reloads periodically, which is what makes a
// revocation elsewhere take effect here: production processes should call it.
type Enforcer struct {
	e          *casbin.SyncedEnforcer
	lastReload atomic.Int64 // unix nanos
}

// ReloadOnDenyEvery bounds how often a denied check reloads the policies.
const ReloadOnDenyEvery = time.Second

// New loads the policies from the database through Adapter and seeds DefaultPolicies
// (idempotently: lines already stored are left alone).
func New(ctx context.Context, s *store.Store) (*Enforcer, error) {
	m, err := model.NewModelFromString(ModelText)
	if err != nil {
		return nil, fmt.Errorf("rbac: model: %w", err)
	}
	se, err := casbin.NewSyncedEnforcer(m, &Adapter{Store: s})
	if err != nil {
		return nil, fmt.Errorf("rbac: enforcer: %w", err)
	}
	se.AddNamedDomainMatchingFunc("g", "KeyMatch", util.KeyMatch)
	if err := se.LoadPolicy(); err != nil {
		return nil, fmt.Errorf("rbac: load policy: %w", err)
	}
	en := &Enforcer{e: se}
	en.lastReload.Store(time.Now().UnixNano())
	if err := en.seed(ctx); err != nil {
		return nil, err
	}
	return en, nil
}

func (en *Enforcer) seed(ctx context.Context) error {
	for _, p := range DefaultPolicies() {
		line := []string{p.Role, PlatformDomain, p.Obj, p.Act}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("rbac: seed: %w", err)
		}
		has, err := en.e.HasPolicy(line)
		if err != nil {
			return fmt.Errorf("rbac: seed: %w", err)
		}
		if has {
			continue
		}
		if _, err := en.e.AddPolicy(line); err != nil {
			return fmt.Errorf("rbac: seed %v: %w", line, err)
		}
	}
	return nil
}

// StartAutoLoad reloads policies every d, so a grant made by another process applies here.
func (en *Enforcer) StartAutoLoad(d time.Duration) { en.e.StartAutoLoadPolicy(d) }

// StopAutoLoad stops StartAutoLoad.
func (en *Enforcer) StopAutoLoad() { en.e.StopAutoLoadPolicy() }

// Reload re-reads every policy from the database.
func (en *Enforcer) Reload() error {
	if err := en.e.LoadPolicy(); err != nil {
		return fmt.Errorf("rbac: reload: %w", err)
	}
	return nil
}

// Subject is the Casbin subject of a user.
func Subject(userID uint64) string { return "user:" + strconv.FormatUint(userID, 10) }

// Domain is the Casbin domain of a merchant; 0 is the platform ("*").
func Domain(merchantID uint64) string {
	if merchantID == 0 {
		return PlatformDomain
	}
	return "merchant:" + strconv.FormatUint(merchantID, 10)
}

// ValidRole reports whether role is one of AllRoles.
func ValidRole(role string) bool { return slices.Contains(AllRoles, role) }

// Grant gives userID the role in merchantID (0 = platform). Granting twice is a no-op.
func (en *Enforcer) Grant(ctx context.Context, userID uint64, role string, merchantID uint64) error {
	if !ValidRole(role) {
		return fmt.Errorf("rbac: grant: unknown role %q", role)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("rbac: grant: %w", err)
	}
	if _, err := en.e.AddGroupingPolicy(Subject(userID), role, Domain(merchantID)); err != nil {
		return fmt.Errorf("rbac: grant %s to user %d: %w", role, userID, err)
	}
	return nil
}

// Revoke removes the role from userID in merchantID (0 = platform). Revoking a role the user
// does not have is a no-op.
func (en *Enforcer) Revoke(ctx context.Context, userID uint64, role string, merchantID uint64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("rbac: revoke: %w", err)
	}
	if _, err := en.e.RemoveGroupingPolicy(Subject(userID), role, Domain(merchantID)); err != nil {
		return fmt.Errorf("rbac: revoke %s from user %d: %w", role, userID, err)
	}
	return nil
}

// RevokeAll removes every role of userID in every domain (a deleted user).
func (en *Enforcer) RevokeAll(ctx context.Context, userID uint64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("rbac: revoke all: %w", err)
	}
	if _, err := en.e.RemoveFilteredGroupingPolicy(0, Subject(userID)); err != nil {
		return fmt.Errorf("rbac: revoke all roles of user %d: %w", userID, err)
	}
	return nil
}

// Roles lists userID's roles that apply in merchantID: the merchant's own grants and platform
// grants, lowest first.
func (en *Enforcer) Roles(userID, merchantID uint64) []string {
	sub := Subject(userID)
	got := map[string]bool{}
	for _, dom := range []string{Domain(merchantID), PlatformDomain} {
		for _, r := range en.e.GetRolesForUserInDomain(sub, dom) {
			got[r] = true
		}
	}
	var out []string
	for _, r := range AllRoles { // fixed order, never map order
		if got[r] {
			out = append(out, r)
		}
	}
	return out
}

// Grants lists userID's grants as (role, merchantID) pairs; merchantID 0 is the platform.
func (en *Enforcer) Grants(userID uint64) []Grant {
	lines, _ := en.e.GetFilteredGroupingPolicy(0, Subject(userID))
	out := make([]Grant, 0, len(lines))
	for _, l := range lines {
		if len(l) < 3 {
			continue
		}
		g := Grant{Role: l[1]}
		if id, ok := strings.CutPrefix(l[2], "merchant:"); ok {
			g.MerchantID, _ = strconv.ParseUint(id, 10, 64)
		}
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b Grant) int {
		if a.MerchantID != b.MerchantID {
			return cmpU(a.MerchantID, b.MerchantID)
		}
		return strings.Compare(a.Role, b.Role)
	})
	return out
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Grant is one role held by a user in a merchant (0 = platform).
type Grant struct {
	Role       string `json:"role"`
	MerchantID uint64 `json:"merchant_id"`
}

// Can reports whether userID may perform act on obj in merchantID. An enforcement error
// (a malformed policy) denies. A denial reloads the policies first when the last reload is
// older than ReloadOnDenyEvery (see Enforcer).
func (en *Enforcer) Can(userID, merchantID uint64, obj, act string) bool {
	if en.can(userID, merchantID, obj, act) {
		return true
	}
	now := time.Now().UnixNano()
	last := en.lastReload.Load()
	if now-last < int64(ReloadOnDenyEvery) || !en.lastReload.CompareAndSwap(last, now) {
		return false
	}
	if en.e.LoadPolicy() != nil {
		return false
	}
	return en.can(userID, merchantID, obj, act)
}

func (en *Enforcer) can(userID, merchantID uint64, obj, act string) bool {
	ok, err := en.e.Enforce(Subject(userID), Domain(merchantID), obj, act)
	return err == nil && ok
}

// HighestRole is the highest of userID's roles in merchantID ("" when none): what the ticket
// workflow is told in Actor.Role.
func (en *Enforcer) HighestRole(userID, merchantID uint64) string {
	roles := en.Roles(userID, merchantID)
	if len(roles) == 0 {
		return ""
	}
	return roles[len(roles)-1]
}

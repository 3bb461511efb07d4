package rbac_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/rbac"
	"github.com/keydesk/keydesk/store"
)

func countRules(t *testing.T, s *store.Store) int {
	t.Helper()
	rs, err := s.CasbinRules(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(rs)
}

// TestAdapterContract checks the persist.Adapter + BatchAdapter behaviour on both databases:
// load what was stored, add idempotently, remove exactly, filtered removal, SavePolicy refused.
func TestAdapterContract(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		a := &rbac.Adapter{Store: s}
		if err := a.AddPolicy("g", "g", []string{"user:1", "agent", "merchant:1"}); err != nil {
			t.Fatal(err)
		}
		// Adding the same line again is a no-op, not a duplicate-key error.
		if err := a.AddPolicies("g", "g", [][]string{{"user:1", "agent", "merchant:1"}, {"user:2", "admin", "merchant:1"}, {"user:2", "agent", "merchant:2"}}); err != nil {
			t.Fatal(err)
		}
		if n := countRules(t, s); n != 3 {
			t.Fatalf("rules = %d, want 3", n)
		}
		if err := a.RemovePolicies("g", "g", [][]string{{"user:1", "agent", "merchant:1"}}); err != nil {
			t.Fatal(err)
		}
		if n := countRules(t, s); n != 2 {
			t.Fatalf("after remove rules = %d, want 2", n)
		}
		// Removing a line that is a prefix of nothing stored removes nothing.
		if err := a.RemovePolicy("g", "g", []string{"user:2", "admin"}); err != nil {
			t.Fatal(err)
		}
		if n := countRules(t, s); n != 2 {
			t.Fatalf("prefix remove changed rules: %d", n)
		}
		if err := a.RemoveFilteredPolicy("g", "g", 0, "user:2", "", "merchant:2"); err != nil {
			t.Fatal(err)
		}
		rs, _ := s.CasbinRules(context.Background())
		if len(rs) != 1 || rs[0].V1 != "admin" {
			t.Fatalf("filtered remove left %+v", rs)
		}
		if err := a.SavePolicy(nil); err == nil {
			t.Fatal("SavePolicy must be refused")
		}
		if err := a.AddPolicy("p", "p", []string{"a", "b", "c", "d", "e", "f", "g"}); err == nil {
			t.Fatal("a 7-field line must be refused")
		}
	})
}

// TestEnforcerMerchantsAndRoles checks DESIGN.md's role table and that nothing crosses merchants.
func TestEnforcerMerchantsAndRoles(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		en, err := rbac.New(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		seeded := countRules(t, s)
		if seeded != len(rbac.DefaultPolicies()) {
			t.Fatalf("seeded %d lines, want %d", seeded, len(rbac.DefaultPolicies()))
		}
		// Seeding again (a restart) adds nothing.
		if _, err := rbac.New(ctx, s); err != nil {
			t.Fatal(err)
		}
		if n := countRules(t, s); n != seeded {
			t.Fatalf("reseeding changed the rule count %d → %d", seeded, n)
		}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(en.Grant(ctx, 1, rbac.RoleAgent, 1))
		must(en.Grant(ctx, 2, rbac.RoleRiskAgent, 1))
		must(en.Grant(ctx, 3, rbac.RoleSupervisor, 1))
		must(en.Grant(ctx, 4, rbac.RoleAdmin, 1))
		must(en.Grant(ctx, 5, rbac.RoleAdmin, 0)) // platform admin
		if err := en.Grant(ctx, 6, "root", 1); err == nil {
			t.Fatal("unknown role granted")
		}
		cases := []struct {
			user     uint64
			merchant uint64
			obj, act string
			want     bool
		}{
			{1, 1, rbac.ObjTickets, rbac.ActRead, true},
			{1, 1, rbac.ObjTickets, rbac.ActWork, true},
			{1, 1, rbac.ObjRefunds, rbac.ActApprove, true},
			{1, 1, rbac.ObjRefunds, rbac.ActApproveAny, false},
			{1, 1, rbac.ObjTickets, rbac.ActAssign, false},
			{1, 1, rbac.ObjKeys, rbac.ActReveal, false},
			{1, 1, rbac.ObjRisk, rbac.ActDecide, false},
			{1, 2, rbac.ObjTickets, rbac.ActRead, false}, // another merchant
			{1, 0, rbac.ObjTickets, rbac.ActRead, false}, // platform level
			{2, 1, rbac.ObjRisk, rbac.ActDecide, true},
			{2, 1, rbac.ObjKeys, rbac.ActReveal, true},
			{2, 1, rbac.ObjRefunds, rbac.ActApprove, false},
			{3, 1, rbac.ObjRefunds, rbac.ActApproveAny, true},
			{3, 1, rbac.ObjTickets, rbac.ActAssign, true},
			{3, 1, rbac.ObjSLA, rbac.ActEdit, true},
			{3, 1, rbac.ObjUsers, rbac.ActManage, false},
			{4, 1, rbac.ObjUsers, rbac.ActManage, true},
			{4, 1, rbac.ObjRoles, rbac.ActManage, true},
			{4, 2, rbac.ObjUsers, rbac.ActManage, false},
			{5, 1, rbac.ObjUsers, rbac.ActManage, true}, // platform grant applies everywhere
			{5, 77, rbac.ObjAudit, rbac.ActRead, true},
			// The action is matched whole: "rea" or "read|manage" are not "read".
			{4, 1, rbac.ObjUsers, "rea", false},
			{4, 1, rbac.ObjUsers, "read|manage", false},
			{4, 1, rbac.ObjUsers, ".*", false},
		}
		for _, c := range cases {
			if got := en.Can(c.user, c.merchant, c.obj, c.act); got != c.want {
				t.Errorf("Can(user %d, merchant %d, %s.%s) = %v, want %v", c.user, c.merchant, c.obj, c.act, got, c.want)
			}
		}
		if got := en.Roles(5, 9); !slices.Equal(got, []string{rbac.RoleAdmin}) {
			t.Errorf("platform admin roles in merchant 9 = %v", got)
		}
		must(en.Revoke(ctx, 4, rbac.RoleAdmin, 1))
		if en.Can(4, 1, rbac.ObjUsers, rbac.ActManage) {
			t.Error("revoked admin still manages users")
		}
		// A second enforcer over the same database (another process) sees the stored grants.
		en2, err := rbac.New(ctx, s)
		must(err)
		if !en2.Can(3, 1, rbac.ObjSLA, rbac.ActEdit) || en2.Can(4, 1, rbac.ObjUsers, rbac.ActManage) {
			t.Error("a reloaded enforcer disagrees with the stored grants")
		}
		// A grant made by another process (en2) is seen here on the next denied check after
		// ReloadOnDenyEvery, without a restart.
		must(en2.Grant(ctx, 9, rbac.RoleAgent, 1))
		time.Sleep(rbac.ReloadOnDenyEvery + 50*time.Millisecond)
		if !en.Can(9, 1, rbac.ObjQueue, rbac.ActRead) {
			t.Error("a grant made by another enforcer is not seen after a reload")
		}
		must(en.RevokeAll(ctx, 3))
		if len(en.Roles(3, 1)) != 0 {
			t.Error("RevokeAll left roles")
		}
	})
}

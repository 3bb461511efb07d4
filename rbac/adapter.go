package rbac

import (
	"context"
	"fmt"
	"time"

	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// Adapter stores Casbin policies in the casbin_rule table through the store, so policy writes
// join the caller's transaction and never open a second writer on SQLite (the reason
// casbin/gorm-adapter, whose SavePolicy writes through the root handle, is not used).
// It implements persist.Adapter and persist.BatchAdapter; SavePolicy is refused on purpose:
// policies are added and removed one line at a time.
type Adapter struct {
	Store *store.Store
	// Timeout bounds each database call (Casbin's adapter interface carries no context).
	Timeout time.Duration
}

var (
	_ persist.Adapter      = (*Adapter)(nil)
	_ persist.BatchAdapter = (*Adapter)(nil)
)

// ErrSavePolicy is returned by SavePolicy: rewriting the whole table is never what we want.
var ErrSavePolicy = fmt.Errorf("rbac: SavePolicy is not supported; add or remove policies one at a time")

func (a *Adapter) ctx() (context.Context, context.CancelFunc) {
	d := a.Timeout
	if d <= 0 {
		d = 10 * time.Second
	}
	return context.WithTimeout(context.Background(), d)
}

// LoadPolicy loads every stored line into the model.
func (a *Adapter) LoadPolicy(m model.Model) error {
	ctx, cancel := a.ctx()
	defer cancel()
	rules, err := a.Store.CasbinRules(ctx)
	if err != nil {
		return fmt.Errorf("rbac: load policy: %w", err)
	}
	for _, r := range rules {
		if err := persist.LoadPolicyArray(ruleTokens(r), m); err != nil {
			return fmt.Errorf("rbac: load policy line %d: %w", r.ID, err)
		}
	}
	return nil
}

// SavePolicy is not supported (see ErrSavePolicy).
func (a *Adapter) SavePolicy(model.Model) error { return ErrSavePolicy }

// AddPolicy stores one line (idempotent).
func (a *Adapter) AddPolicy(_ string, ptype string, rule []string) error {
	return a.AddPolicies("", ptype, [][]string{rule})
}

// AddPolicies stores lines in one transaction (idempotent per line).
func (a *Adapter) AddPolicies(_ string, ptype string, rules [][]string) error {
	ctx, cancel := a.ctx()
	defer cancel()
	rows, err := toRows(ptype, rules)
	if err != nil {
		return err
	}
	return a.Store.AddCasbinRules(ctx, rows)
}

// RemovePolicy deletes one line.
func (a *Adapter) RemovePolicy(_ string, ptype string, rule []string) error {
	return a.RemovePolicies("", ptype, [][]string{rule})
}

// RemovePolicies deletes lines in one transaction.
func (a *Adapter) RemovePolicies(_ string, ptype string, rules [][]string) error {
	ctx, cancel := a.ctx()
	defer cancel()
	rows, err := toRows(ptype, rules)
	if err != nil {
		return err
	}
	return a.Store.RemoveCasbinRules(ctx, rows)
}

// RemoveFilteredPolicy deletes lines matching the filter ("" matches any value).
func (a *Adapter) RemoveFilteredPolicy(_ string, ptype string, fieldIndex int, fieldValues ...string) error {
	ctx, cancel := a.ctx()
	defer cancel()
	return a.Store.RemoveFilteredCasbinRules(ctx, ptype, fieldIndex, fieldValues...)
}

func toRows(ptype string, rules [][]string) ([]models.CasbinRule, error) {
	rows := make([]models.CasbinRule, 0, len(rules))
	for _, rule := range rules {
		if len(rule) > 6 {
			return nil, fmt.Errorf("rbac: policy line has %d fields, at most 6 are stored", len(rule))
		}
		r := models.CasbinRule{Ptype: ptype}
		fields := []*string{&r.V0, &r.V1, &r.V2, &r.V3, &r.V4, &r.V5}
		for i, v := range rule {
			*fields[i] = v
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func ruleTokens(r models.CasbinRule) []string {
	out := []string{r.Ptype}
	for _, v := range []string{r.V0, r.V1, r.V2, r.V3, r.V4, r.V5} {
		out = append(out, v)
	}
	// Trailing empty fields are not part of the line.
	for len(out) > 1 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
)

// reportEnv is an env whose clock is fixed at 2030-06-15 10:00 in Shanghai, merchant A's
// time zone; the tickets newEnv opened (at the real time) fall outside every window.
func reportEnv(t *testing.T) (*env, time.Time) {
	t.Helper()
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	sh, err := time.LoadLocation("Asia/Shanghai")
	e.must(err)
	now := time.Date(2030, 6, 15, 10, 0, 0, 0, sh)
	e.srv.d.Now = func() time.Time { return now }
	e.must(e.st.DB(context.Background()).Model(&models.Merchant{}).Where("id = ?", e.mA.ID).Update("timezone", "Asia/Shanghai").Error)
	return e, now
}

var reportRef int

// reportTicket writes a ticket row of merchant m created at created, optionally assigned,
// resolved and breached (one sla_breach event at breach).
func (e *env) reportTicket(m uint64, created time.Time, assignee uint64, resolved, breach time.Time) {
	e.t.Helper()
	ctx := context.Background()
	reportRef++
	tk := models.Ticket{MerchantID: m, Ref: fmt.Sprintf("KD-RPT%05d", reportRef), Category: "other", Status: models.StatusOpen,
		Priority: models.PriorityNormal, Queue: models.QueueGeneral, SLAState: "ok", CreatedAt: created.UTC(), UpdatedAt: created.UTC()}
	if assignee != 0 {
		tk.AssigneeID = &assignee
	}
	if !resolved.IsZero() {
		r := resolved.UTC()
		tk.Status, tk.ResolvedAt = models.StatusResolved, &r
	}
	if !breach.IsZero() {
		b := breach.UTC()
		tk.ResolutionBreachedAt, tk.SLAState = &b, "breached"
	}
	e.must(e.st.DB(ctx).Create(&tk).Error)
	if !breach.IsZero() {
		e.must(e.st.AppendTicketEvents(ctx, []models.TicketEvent{{MerchantID: m, TicketID: tk.ID, EventKey: "wf/breach",
			Kind: "sla_breach", ActorKind: "system", CreatedAt: breach.UTC()}}))
	}
}

func TestDailyReportValidation(t *testing.T) {
	e, _ := reportEnv(t)
	sup := bearerHdr(e.tokens["supervisor"])
	for _, q := range []string{"days=0", "days=91", "days=-1", "days=abc", "days=1.5", "days=", "days=7d"} {
		w := e.do("GET", V1+"/reports/daily?"+q, nil, sup)
		if w.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", q, w.Code)
			continue
		}
		if er := errorOf(t, w); er.Code != CodeValidation || er.Fields["days"] == "" {
			t.Errorf("%s: error %+v", q, er)
		}
	}
	for _, c := range []struct {
		q    string
		days int
	}{{"", 7}, {"?days=1", 1}, {"?days=30", 30}, {"?days=90", 90}} {
		w := e.do("GET", V1+"/reports/daily"+c.q, nil, sup)
		var r dailyReportResp
		if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &r) != nil || len(r.Days) != c.days {
			t.Errorf("%q: %d, %d days, want %d: %s", c.q, w.Code, len(r.Days), c.days, w.Body.String())
			continue
		}
		if r.Days[len(r.Days)-1].Date != "2030-06-15" || r.Timezone != "Asia/Shanghai" {
			t.Errorf("%q: last day %s tz %s", c.q, r.Days[len(r.Days)-1].Date, r.Timezone)
		}
	}
	for _, who := range []string{"agent", "risk_agent", "norole"} {
		if w := e.do("GET", V1+"/reports/daily", nil, bearerHdr(e.tokens[who])); w.Code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", who, w.Code)
		}
		if w := e.do("GET", V1+"/reports/agents", nil, bearerHdr(e.tokens[who])); w.Code != http.StatusForbidden {
			t.Errorf("%s agents: status %d, want 403", who, w.Code)
		}
	}
}

func TestReportsStayInsideTheMerchant(t *testing.T) {
	e, now := reportEnv(t)
	ag, bAdmin := e.users["agent"].ID, e.users["other_admin"].ID
	// Merchant A: 00:30 local today (16:30 UTC yesterday) and 23:30 local yesterday; one
	// resolved today with a breach.
	e.reportTicket(e.mA.ID, now.Add(-9*time.Hour-30*time.Minute), ag, time.Time{}, time.Time{})
	e.reportTicket(e.mA.ID, now.Add(-10*time.Hour-30*time.Minute), 0, time.Time{}, time.Time{})
	e.reportTicket(e.mA.ID, now.Add(-30*time.Hour), ag, now.Add(-time.Hour), now.Add(-2*time.Hour))
	// Merchant B: busy today, everything assigned to its admin and breached.
	for i := range 5 {
		e.reportTicket(e.mB.ID, now.Add(-time.Duration(i)*time.Minute), bAdmin, time.Time{}, now.Add(-time.Minute))
	}

	for _, c := range []struct {
		who                    string
		hdr                    map[string]string
		created, breached, res int
	}{
		{"supervisor of A", bearerHdr(e.tokens["supervisor"]), 1, 1, 1},
		{"admin of A", bearerHdr(e.tokens["admin"]), 1, 1, 1},
		// A merchant user cannot choose another merchant with the platform header.
		{"admin of B naming A", map[string]string{"Authorization": "Bearer " + e.tokens["other_admin"], HeaderMerchant: fmt.Sprint(e.mA.ID)}, 5, 5, 0},
	} {
		w := e.do("GET", V1+"/reports/daily?days=2", nil, c.hdr)
		var r dailyReportResp
		if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &r) != nil || len(r.Days) != 2 {
			t.Fatalf("%s: %d %s", c.who, w.Code, w.Body.String())
		}
		today := r.Days[1]
		if today.Created != c.created || today.Breached != c.breached || today.Resolved != c.res {
			t.Errorf("%s: today %+v, want created %d breached %d resolved %d", c.who, today, c.created, c.breached, c.res)
		}
	}
	// A's yesterday (local) holds the 23:30 ticket and the one created 30 h ago.
	w := e.do("GET", V1+"/reports/daily?days=2", nil, bearerHdr(e.tokens["supervisor"]))
	var r dailyReportResp
	e.must(json.Unmarshal(w.Body.Bytes(), &r))
	if r.Days[0].Date != "2030-06-14" || r.Days[0].Created != 2 || r.Days[1].Compliance == nil || *r.Days[1].Compliance != 0 {
		t.Errorf("A's days %+v", r.Days)
	}

	w = e.do("GET", V1+"/reports/agents", nil, bearerHdr(e.tokens["supervisor"]))
	var ar agentsReportResp
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &ar) != nil {
		t.Fatalf("agents: %d %s", w.Code, w.Body.String())
	}
	// Unassigned: the 23:30 ticket and the two tickets newEnv opened (open load has no window).
	if ar.Date != "2030-06-15" || ar.UnassignedOpen != 3 {
		t.Errorf("agents header %+v", ar)
	}
	seen := map[uint64]agentLoad{}
	for _, a := range ar.Agents {
		seen[a.UserID] = a
	}
	if _, ok := seen[bAdmin]; ok {
		t.Errorf("merchant B's admin listed for A: %+v", ar.Agents)
	}
	if _, ok := seen[e.users["norole"].ID]; ok {
		t.Errorf("a user without a role who holds nothing is listed")
	}
	a := seen[ag]
	if len(ar.Agents) != 4 || ar.Agents[0].UserID != ag || a.Open != 1 || a.ResolvedToday != 1 || !a.Assignable || len(a.Roles) != 1 || a.Roles[0] != "agent" {
		t.Errorf("agents %+v", ar.Agents)
	}
	w = e.do("GET", V1+"/reports/agents", nil, bearerHdr(e.tokens["other_admin"]))
	ar = agentsReportResp{}
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &ar) != nil || len(ar.Agents) != 1 || ar.Agents[0].UserID != bAdmin ||
		ar.Agents[0].Open != 5 || ar.Agents[0].Breached != 5 {
		t.Errorf("B's agents: %d %s", w.Code, w.Body.String())
	}
}

func TestAgentsReportListsDeactivatedHolder(t *testing.T) {
	e, now := reportEnv(t)
	ctx := context.Background()
	ag := e.users["agent"].ID
	e.reportTicket(e.mA.ID, now.Add(-time.Hour), ag, time.Time{}, now.Add(-time.Minute))
	e.must(e.st.DB(ctx).Model(&models.User{}).Where("id = ?", ag).Update("active", false).Error)
	w := e.do("GET", V1+"/reports/agents", nil, bearerHdr(e.tokens["admin"]))
	var ar agentsReportResp
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &ar) != nil || len(ar.Agents) == 0 {
		t.Fatalf("agents: %d %s", w.Code, w.Body.String())
	}
	if a := ar.Agents[0]; a.UserID != ag || a.Active || a.Assignable || a.Open != 1 || a.Breached != 1 {
		t.Errorf("deactivated holder %+v", a)
	}
}

package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/sla"
	"github.com/keydesk/keydesk/store"
	"github.com/keydesk/keydesk/workflows"
)

// AuditSLAChange is the audit action of an SLA policy or calendar edit.
const AuditSLAChange = "sla.policy_change"

type slaPolicyView struct {
	Priority          string  `json:"priority"`
	FirstResponseSecs int64   `json:"first_response_secs"`
	NextResponseSecs  int64   `json:"next_response_secs"`
	ResolutionSecs    int64   `json:"resolution_secs"`
	WarnFraction      float64 `json:"warn_fraction"`
}

type calendarView struct {
	Timezone string `json:"timezone"`
	// Week holds seven window specs, Sunday first ("09:00-12:00,13:00-18:00"; "" = closed).
	Week     []string `json:"week"`
	Holidays []string `json:"holidays"`
}

type slaPoliciesDoc struct {
	Policies []slaPolicyView `json:"policies"`
	Calendar *calendarView   `json:"calendar,omitempty"`
}

var slaPoliciesExample = slaPoliciesDoc{
	Policies: []slaPolicyView{{Priority: "high", FirstResponseSecs: 3600, NextResponseSecs: 7200, ResolutionSecs: 86400, WarnFraction: 0.75}},
	Calendar: &calendarView{Timezone: "Europe/Berlin", Week: []string{"", "09:00-18:00", "09:00-18:00", "09:00-18:00", "09:00-18:00", "09:00-17:00", ""}, Holidays: []string{"2026-12-25"}},
}

func (s *Server) getSLAPolicies(c *gin.Context) error {
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	ps, err := s.d.Store.SLAPolicies(ctx, m)
	if err != nil {
		return err
	}
	doc := slaPoliciesDoc{Policies: make([]slaPolicyView, 0, len(ps))}
	for _, p := range ps {
		doc.Policies = append(doc.Policies, slaPolicyView{p.Priority, p.FirstResponseSecs, p.NextResponseSecs, p.ResolutionSecs, p.WarnFraction})
	}
	cal, err := s.d.Store.BusinessCalendar(ctx, m)
	switch {
	case err == nil:
		cv := calendarView{Timezone: cal.Timezone}
		if err := cal.Week.Decode(&cv.Week); err != nil {
			return fmt.Errorf("calendar week: %w", err)
		}
		if err := cal.Holidays.Decode(&cv.Holidays); err != nil {
			return fmt.Errorf("calendar holidays: %w", err)
		}
		doc.Calendar = &cv
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	c.JSON(http.StatusOK, doc)
	return nil
}

func validateSLADoc(doc slaPoliciesDoc) error {
	fe := fieldErrors{}
	const maxSecs = 90 * 24 * 3600
	for i, p := range doc.Policies {
		at := fmt.Sprintf("policies[%d].", i)
		fe.check(!validPriority(p.Priority), at+"priority", "one of low, normal, high, urgent")
		for name, v := range map[string]int64{"first_response_secs": p.FirstResponseSecs, "next_response_secs": p.NextResponseSecs, "resolution_secs": p.ResolutionSecs} {
			fe.check(v <= 0 || v > maxSecs, at+name, "between 1 second and 90 days")
		}
		fe.check(p.WarnFraction <= 0 || p.WarnFraction >= 1, at+"warn_fraction", "between 0 and 1 (exclusive)")
	}
	if cal := doc.Calendar; cal != nil {
		_, err := time.LoadLocation(cal.Timezone)
		fe.check(cal.Timezone == "" || err != nil, "calendar.timezone", "an IANA time zone")
		fe.check(len(cal.Week) != 7, "calendar.week", "seven entries, Sunday first")
		for i, spec := range cal.Week {
			if strings.TrimSpace(spec) == "" {
				continue
			}
			_, err := sla.ParseWindows(spec)
			fe.check(err != nil, fmt.Sprintf("calendar.week[%d]", i), "windows like 09:00-12:00,13:00-18:00")
		}
		for i, h := range cal.Holidays {
			_, err := time.Parse("2006-01-02", h)
			fe.check(err != nil, fmt.Sprintf("calendar.holidays[%d]", i), "a date YYYY-MM-DD")
		}
	}
	return fe.err()
}

// putSLAPolicies saves targets (upsert per priority) and optionally the calendar, audited,
// then starts the workflow that tells the merchant's open tickets to recompute their
// deadlines (its id in the X-Keydesk-Propagation header).
func (s *Server) putSLAPolicies(c *gin.Context) error {
	var doc slaPoliciesDoc
	if err := decodeJSON(c, &doc, false); err != nil {
		return err
	}
	if err := validateSLADoc(doc); err != nil {
		return err
	}
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	err = s.d.Store.InTx(c.Request.Context(), func(ctx context.Context) error {
		ps := make([]models.SLAPolicy, 0, len(doc.Policies))
		for _, p := range doc.Policies {
			ps = append(ps, models.SLAPolicy{MerchantID: m, Priority: p.Priority, FirstResponseSecs: p.FirstResponseSecs,
				NextResponseSecs: p.NextResponseSecs, ResolutionSecs: p.ResolutionSecs, WarnFraction: p.WarnFraction})
		}
		if err := s.d.Store.SaveSLAPolicies(ctx, m, ps); err != nil {
			return err
		}
		if cal := doc.Calendar; cal != nil {
			bc := models.BusinessCalendar{MerchantID: m, Timezone: cal.Timezone, Week: models.MustJSON(cal.Week), Holidays: models.MustJSON(nonNil(cal.Holidays))}
			if old, err := s.d.Store.BusinessCalendar(ctx, m); err == nil {
				bc.EscalationChain = old.EscalationChain
			}
			if err := s.d.Store.SaveBusinessCalendar(ctx, bc); err != nil {
				return err
			}
		}
		return s.audit(ctx, c, auditEntry{Action: AuditSLAChange, TargetType: "merchant", TargetID: uitoa(m), Merchant: m, Data: doc})
	})
	if err != nil {
		return err
	}
	s.notifyPolicyChanged(c, m, s.actor(c), requestID(c))
	return s.getSLAPolicies(c)
}

// policyFanout is the part of the ticket service that tells open tickets about a policy
// edit through a durable workflow (*tickets.Service has it).
type policyFanout interface {
	StartPolicyFanout(ctx context.Context, merchantID uint64, actor workflows.Actor, requestID string) (string, error)
}

// notifyPolicyChanged starts the workflow that sends UpdatePolicyChanged to every open
// ticket of the merchant (workflows.PolicyFanoutWorkflow: it survives restarts, works in
// parallel, and its progress is readable). The policy is saved either way: when Temporal is
// unreachable the failure is logged and the next edit tells the tickets again.
func (s *Server) notifyPolicyChanged(c *gin.Context, merchant uint64, a actorInfo, reqID string) {
	f, ok := s.d.Tickets.(policyFanout)
	if !ok {
		return
	}
	actor := workflows.Actor{Kind: workflows.ActorAgent, UserID: a.UserID, Name: a.Name, Role: a.Role}
	id, err := f.StartPolicyFanout(c.Request.Context(), merchant, actor, reqID)
	if err != nil {
		s.log.Warn("policy change: start fan-out", "merchant", merchant, "err", err)
		return
	}
	c.Header("X-Keydesk-Propagation", id)
}

// policyFanoutProgress is the part of the ticket service that reads a fan-out's progress.
type policyFanoutProgress interface {
	PolicyFanoutProgress(ctx context.Context, workflowID string) (workflows.FanoutProgress, error)
}

// slaPropagation answers how far the fan-out of a policy edit got (id: the
// X-Keydesk-Propagation header of the PUT). Only the merchant's own fan-outs are readable.
func (s *Server) slaPropagation(c *gin.Context) error {
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	id := c.Query("id")
	if !strings.HasPrefix(id, fmt.Sprintf("policy-change/%d/", m)) {
		return errNotFound
	}
	f, ok := s.d.Tickets.(policyFanoutProgress)
	if !ok {
		return errNotFound
	}
	p, err := f.PolicyFanoutProgress(c.Request.Context(), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, p)
	return nil
}
